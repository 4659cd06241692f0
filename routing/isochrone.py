"""Polygons around reachable street points: an alpha shape (concave hull) from a Delaunay
triangulation, so that a road-network isochrone is not inflated into its convex hull.

Each point is widened into a small cross (``band_m``) so that a lone straight road, whose
points are collinear, still forms a thin band instead of vanishing between long triangles.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import Delaunay, QhullError

from routing.geo import M_PER_DEG_LAT, metres_per_degree_lon

EMPTY: dict[str, object] = {"type": "MultiPolygon", "coordinates": []}


def hull_polygon(lat: np.ndarray, lon: np.ndarray, max_edge_m: float = 750.0,
                 band_m: float = 100.0) -> dict[str, object]:
    """A GeoJSON MultiPolygon around the points: the union of Delaunay triangles whose edges
    are all shorter than ``max_edge_m``; rings inside another ring become its holes."""
    if len(lat) == 0:
        return EMPTY
    lat0 = float(np.mean(lat))
    kx = metres_per_degree_lon(lat0)
    base = np.column_stack([lon * kx, lat * M_PER_DEG_LAT])
    offsets = np.array([[0, 0], [band_m, 0], [-band_m, 0], [0, band_m], [0, -band_m]])
    xy = np.unique(np.round((base[:, None, :] + offsets[None]).reshape(-1, 2), 1), axis=0)
    try:
        tri = Delaunay(xy)
    except QhullError:
        return EMPTY
    s = tri.simplices
    p = xy[s]
    lens = np.stack([np.hypot(*(p[:, i] - p[:, (i + 1) % 3]).T) for i in range(3)], axis=1)
    s = s[(lens < max_edge_m).all(axis=1)]
    if len(s) == 0:
        return EMPTY
    # orient counter-clockwise, then boundary edges are those without their twin
    a, b, c = xy[s[:, 0]], xy[s[:, 1]], xy[s[:, 2]]
    cw = ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0]) < 0
    s[cw] = s[cw][:, [0, 2, 1]]
    edges = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [2, 0]]])
    n = len(xy)
    key = edges[:, 0].astype(np.int64) * n + edges[:, 1]
    twin = edges[:, 1].astype(np.int64) * n + edges[:, 0]
    boundary = edges[~np.isin(key, twin)]
    nxt: dict[int, list[int]] = {}
    for u, v in boundary.tolist():
        nxt.setdefault(u, []).append(v)
    rings: list[list[int]] = []
    while nxt:
        start = next(iter(nxt))
        ring, cur = [start], start
        while True:
            v = nxt[cur].pop()
            if not nxt[cur]:
                del nxt[cur]
            if v == start or v not in nxt:
                break
            ring.append(v)
            cur = v
        if len(ring) >= 3:
            rings.append(ring)
    rings.sort(key=lambda r: -abs(_area(xy[r])))
    polys: list[list[list[int]]] = []
    for r in rings:
        if _area(xy[r]) > 0:  # counter-clockwise: an outer ring
            polys.append([r])
            continue
        for poly in polys:  # clockwise: a hole of the outer ring that contains it
            if _inside(xy[r[0]], xy[poly[0]]):
                poly.append(r)
                break
    lon_all, lat_all = xy[:, 0] / kx, xy[:, 1] / M_PER_DEG_LAT
    coords = [[[[round(float(lon_all[i]), 6), round(float(lat_all[i]), 6)]
                for i in [*ring, ring[0]]] for ring in poly] for poly in polys]
    return {"type": "MultiPolygon", "coordinates": coords}


def _area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _inside(pt: np.ndarray, ring: np.ndarray) -> bool:
    """Even-odd point-in-polygon test."""
    x, y = pt
    xs, ys = ring[:, 0], ring[:, 1]
    x2, y2 = np.roll(xs, -1), np.roll(ys, -1)
    cond = (ys > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = xs + (y - ys) * (x2 - xs) / (y2 - ys)
    return bool(np.sum(cond & (x < xint)) % 2)
