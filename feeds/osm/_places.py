"""Where people live, from an OSM extract: building centroids and address points, the
weights of a synthetic demand's trip origins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium

from routing.geo import M_PER_DEG_LAT, metres_per_degree_lon

#: buildings nobody lives in or travels from
_NOT_HOMES = {"barn", "shed", "garage", "garages", "farm_auxiliary", "roof", "hut",
              "cabin", "silo", "greenhouse", "stable", "cowshed", "carport", "ruins",
              "construction", "transformer_tower", "service", "bunker", "storage_tank"}


def home_points(path: Path, bbox: tuple[float, float, float, float] | None = None
                ) -> np.ndarray:
    """(n, 2) lat/lon of homes: building centroids (not barns, sheds, garages…) and address
    nodes not inside a counted building, optionally inside ``bbox`` = (min lat, min lon,
    max lat, max lon). One pass over the extract with node locations."""
    out: list[tuple[float, float]] = []
    fp = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for obj in fp:
        if isinstance(obj, osmium.osm.Node):
            if "addr:housenumber" in obj.tags and "building" not in obj.tags:
                loc = obj.location
                if loc.valid():
                    out.append((loc.lat, loc.lon))
            continue
        if not isinstance(obj, osmium.osm.Way):
            continue
        kind = obj.tags.get("building")
        if kind is None or kind == "no" or kind in _NOT_HOMES:
            continue
        lats, lons = [], []
        for n in obj.nodes:
            if n.location.valid():
                lats.append(n.location.lat)
                lons.append(n.location.lon)
        if lats:
            out.append((float(np.mean(lats)), float(np.mean(lons))))
    pts = np.array(out, dtype=np.float64).reshape(-1, 2)
    if bbox is not None and len(pts):
        keep = ((pts[:, 0] >= bbox[0]) & (pts[:, 0] <= bbox[2]) & (pts[:, 1] >= bbox[1])
                & (pts[:, 1] <= bbox[3]))
        pts = pts[keep]
    return pts


#: named things in a street extract that a rider may search for, by OSM key
_PLACE_KEYS = ("amenity", "shop", "tourism", "leisure", "railway", "public_transport",
               "office", "healthcare", "place", "building")


def named_places(path: Path, merge_m: float = 1500.0) -> list[tuple[str, str, float, float]]:
    """(name, kind, lat, lon) of the extract's named streets and named points of interest.

    A street's ways are merged per name while they lie within ``merge_m`` of each other,
    so "Main Street" in two villages stays two entries; each entry sits at the node nearest
    the middle of its ways."""
    streets: dict[str, list[tuple[float, float]]] = {}
    out: list[tuple[str, str, float, float]] = []
    fp = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for obj in fp:
        name = obj.tags.get("name")
        if not name:
            continue
        if isinstance(obj, osmium.osm.Node):
            kind = next((k for k in _PLACE_KEYS if k in obj.tags), None)
            if kind is not None and obj.location.valid():
                out.append((name, obj.tags[kind], obj.location.lat, obj.location.lon))
            continue
        if not isinstance(obj, osmium.osm.Way) or "highway" not in obj.tags:
            continue
        locs = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
        if locs:
            streets.setdefault(name, []).append(locs[len(locs) // 2])
    for name, mids in streets.items():
        for lat, lon in _clusters(np.array(mids), merge_m):
            out.append((name, "street", lat, lon))
    return out


def _clusters(pts: np.ndarray, within_m: float) -> list[tuple[float, float]]:
    """Single-linkage groups of points closer than ``within_m``; the member nearest each
    group's mean stands for it."""
    n = len(pts)
    kx = metres_per_degree_lon(float(pts[:, 0].mean()))
    xy = np.c_[pts[:, 0] * M_PER_DEG_LAT, pts[:, 1] * kx]
    group = np.arange(n)
    for i in range(n):  # few ways per name: quadratic is fine
        near = np.flatnonzero(np.hypot(*(xy - xy[i]).T) < within_m)
        g = group[near].min()
        group[np.isin(group, group[near])] = g
    out = []
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        mean = xy[members].mean(axis=0)
        best = members[np.argmin(np.hypot(*(xy[members] - mean).T))]
        out.append((float(pts[best, 0]), float(pts[best, 1])))
    return out
