"""Where people live: homes (or a population file) aggregated to a square grid; each cell's
centroid is where its residents start (the walk network snaps it)."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dispatch.service_area import ServiceArea
from mobility.access.errors import AccessError
from mobility.region import Region
from routing.errors import OutOfRegionError

#: metres per degree of latitude (the grid's local projection)
M_PER_DEG = 110_574.0


@dataclass(frozen=True)
class Cells:
    """The origin cells: grid indices, centroids and weights (residents or their proxy).

    ``ix``/``iy`` are the cell's column and row on a grid of ``size_m`` metres anchored at
    longitude/latitude 0 with ``lat0``'s scale (so polygons are exact squares there).
    """

    ix: np.ndarray
    iy: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    weight: np.ndarray
    size_m: float
    lat0: float
    source: str  #: "homes" (the proxy) or the population file's name

    def __len__(self) -> int:
        return len(self.lat)

    def points(self) -> list[tuple[float, float]]:
        return list(zip(self.lat.tolist(), self.lon.tolist(), strict=True))

    def polygon(self, i: int) -> list[tuple[float, float]]:
        """The cell's square as (lon, lat) corners, closed."""
        dy = self.size_m / M_PER_DEG
        dx = self.size_m / (M_PER_DEG * math.cos(math.radians(self.lat0)))
        x0, y0 = float(self.ix[i]) * dx, float(self.iy[i]) * dy
        return [(x0, y0), (x0 + dx, y0), (x0 + dx, y0 + dy), (x0, y0 + dy), (x0, y0)]

    def subset(self, idx: np.ndarray) -> Cells:
        return Cells(self.ix[idx], self.iy[idx], self.lat[idx], self.lon[idx],
                     self.weight[idx], self.size_m, self.lat0, self.source)


def grid(points: np.ndarray, weights: np.ndarray, size_m: float, lat0: float, source: str
         ) -> Cells:
    """Sum ``weights`` of ``points`` ((lat, lon) rows) per grid cell; cells in row-major
    order (south to north, west to east)."""
    if size_m <= 0:
        raise AccessError(f"the grid's cell size must be positive, not {size_m}")
    dy = size_m / M_PER_DEG
    dx = size_m / (M_PER_DEG * math.cos(math.radians(lat0)))
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    w = np.asarray(weights, np.float64)
    keep = w > 0
    ix = np.floor(pts[keep, 1] / dx).astype(np.int64)
    iy = np.floor(pts[keep, 0] / dy).astype(np.int64)
    keys, inv = np.unique(np.c_[iy, ix], axis=0, return_inverse=True)
    sums = np.bincount(inv.ravel(), weights=w[keep], minlength=len(keys))
    cy, cx = keys[:, 0], keys[:, 1]
    return Cells(cx, cy, (cy + 0.5) * dy, (cx + 0.5) * dx, sums, float(size_m), lat0, source)


def region_area(region: Region) -> ServiceArea:
    """The whole region as an "area" (its walk network's bounding box)."""
    net = region.streets["walk"]
    la0, la1 = float(net.node_lat.min()), float(net.node_lat.max())
    lo0, lo1 = float(net.node_lon.min()), float(net.node_lon.max())
    ring = [[lo0, la0], [lo1, la0], [lo1, la1], [lo0, la1], [lo0, la0]]
    return ServiceArea("region", {"type": "Polygon", "coordinates": [ring]})


def origin_cells(region: Region, size_m: float = 250.0, population: Path | None = None,
                 buildings: np.ndarray | None = None) -> Cells:
    """The region's origin cells: the homes of :func:`mobility.sim.demand.homes_of` (mapped
    buildings weigh 1, residential streets 1 per 100 m: a population *proxy*) or the
    ``population`` file's counts, summed per cell; cells whose centroid lies more than the
    walk router's snapping distance from any street are dropped.

    Raises
    ------
    AccessError
        The population file is missing or malformed.
    """
    net = region.streets["walk"]
    lat0 = float((net.node_lat.min() + net.node_lat.max()) / 2)
    if population is not None:
        pts, w = read_points(population, count=True)
        cells = grid(pts, w, size_m, lat0, population.name)
    else:
        from mobility.sim.demand import _buildings, homes_of

        area = region_area(region)
        if buildings is None:
            lo0, la0, lo1, la1 = (float(net.node_lon.min()), float(net.node_lat.min()),
                                  float(net.node_lon.max()), float(net.node_lat.max()))
            buildings = _buildings(region.config.osm, (la0, lo0, la1, lo1))
        pts, w, _ = homes_of(region, area, buildings)
        cells = grid(pts, w, size_m, lat0, "homes")
    return snapped(region, cells)


def snapped(region: Region, cells: Cells) -> Cells:
    """The cells whose centroid the walk network reaches (the others are dropped)."""
    from routing.street_router import StreetRouter

    walk = StreetRouter(region.streets["walk"])
    ok = np.zeros(len(cells), bool)
    for i, (a, b) in enumerate(cells.points()):
        try:
            walk.snap(a, b)
            ok[i] = True
        except OutOfRegionError:
            pass
    return cells.subset(np.flatnonzero(ok))


def read_points(path: Path, *, count: bool) -> tuple[np.ndarray, np.ndarray]:
    """Points ((lat, lon) rows) and their counts (1 each unless ``count``) from a CSV with
    ``lat,lon[,count]`` columns or a GeoJSON of Points (property ``count`` or
    ``population``).

    Raises
    ------
    AccessError
        Naming the file, and the line or feature at fault.
    """
    rows, _ = read_named_points(path, count=count)
    if not rows:
        raise AccessError(f"{path}: no points found")
    pts = np.array([(a, b) for a, b, _, _ in rows], np.float64)
    return pts, np.array([c for _, _, c, _ in rows], np.float64)


def read_named_points(path: Path, *, count: bool
                      ) -> tuple[list[tuple[float, float, float, str]], str]:
    """(lat, lon, count, name) rows of a CSV or GeoJSON point file, and its kind."""
    if not path.is_file():
        raise AccessError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AccessError(f"{path}: cannot be read ({exc})") from None
    if suffix in (".geojson", ".json"):
        return _geojson(path, text, count), "geojson"
    if suffix == ".csv":
        return _csv(path, text, count), "csv"
    raise AccessError(f"{path}: give a .csv (lat,lon{',count' if count else ''}) or a "
                      ".geojson of points")


def _number(path: Path, where: str, value: object, name: str, lo: float, hi: float) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AccessError(f"{path}: {where}: {name} must be a number, not {value!r}") from None
    if not (math.isfinite(x) and lo <= x <= hi):
        raise AccessError(f"{path}: {where}: {name} must be between {lo:g} and {hi:g}, "
                          f"not {value!r}")
    return x


def _csv(path: Path, text: str, count: bool) -> list[tuple[float, float, float, str]]:
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    need = ["lat", "lon"] + (["count"] if count else [])
    missing = [f for f in need if f not in fields]
    if missing:
        raise AccessError(f"{path}: the header must name the columns {','.join(need)} "
                          f"(missing: {', '.join(missing)})")
    out = []
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): v for k, v in raw.items()}
        where = f"line {n}"
        lat = _number(path, where, row.get("lat"), "lat", -90, 90)
        lon = _number(path, where, row.get("lon"), "lon", -180, 180)
        c = _number(path, where, row.get("count"), "count", 0, 1e9) if count else 1.0
        out.append((lat, lon, c, str(row.get("name") or f"#{n - 1}")))
    return out


def _geojson(path: Path, text: str, count: bool) -> list[tuple[float, float, float, str]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AccessError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise AccessError(f"{path}: a GeoJSON FeatureCollection is needed")
    out = []
    for k, f in enumerate(feats):
        where = f"feature {k}"
        geom = f.get("geometry") if isinstance(f, dict) else None
        if not isinstance(geom, dict) or geom.get("type") != "Point":
            raise AccessError(f"{path}: {where}: a Point geometry is needed")
        xy = geom.get("coordinates")
        if not isinstance(xy, list) or len(xy) < 2:
            raise AccessError(f"{path}: {where}: coordinates must be [lon, lat]")
        lon = _number(path, where, xy[0], "longitude", -180, 180)
        lat = _number(path, where, xy[1], "latitude", -90, 90)
        props = f.get("properties") or {}
        c = 1.0
        if count:
            raw = props.get("count", props.get("population"))
            c = _number(path, where, raw, "the property count", 0, 1e9)
        out.append((lat, lon, c, str(props.get("name") or f"#{k + 1}")))
    return out
