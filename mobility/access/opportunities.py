"""What people want to reach (``--to``): GTFS stops by id, the points of a file, or an OSM
category where the region's extract maps it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobility.access.errors import AccessError
from mobility.access.origins import read_named_points
from mobility.region import Region

#: OSM categories and their tags (``amenity``/``shop`` values)
CATEGORIES: dict[str, tuple[str, ...]] = {
    "doctors": ("amenity=doctors", "amenity=clinic"),
    "pharmacies": ("amenity=pharmacy",),
    "schools": ("amenity=school",),
    "supermarkets": ("shop=supermarket",),
}


@dataclass(frozen=True)
class Opportunities:
    """Points to reach: (lat, lon), a name each, and the stop index when they are stops."""

    lat: np.ndarray
    lon: np.ndarray
    names: list[str]
    stops: list[int | None]
    spec: str

    def __len__(self) -> int:
        return len(self.lat)

    def points(self) -> list[tuple[float, float]]:
        return list(zip(self.lat.tolist(), self.lon.tolist(), strict=True))


def opportunities(region: Region, spec: str) -> Opportunities:
    """The opportunities of ``spec``: ``stops:ID,ID`` (GTFS stop_ids), a ``.csv``
    (``lat,lon[,name]``) or ``.geojson`` file of points, or an OSM category (doctors,
    pharmacies, schools, supermarkets).

    Raises
    ------
    AccessError
        An unknown stop id, a bad file, or a category the region's extract does not map
        (the message says to give a file or stops instead).
    """
    spec = spec.strip()
    tt = region.timetable
    if spec.startswith("stops:"):
        ids = [s.strip() for s in spec[6:].split(",") if s.strip()]
        if not ids:
            raise AccessError("--to stops: give at least one GTFS stop_id, e.g. "
                              "stops:771334,771400")
        index = {str(sid): k for k, sid in reversed(list(enumerate(tt.stop_id.tolist())))}
        unknown = [s for s in ids if s not in index]
        if unknown:
            raise AccessError(f"--to: unknown stop id(s) {', '.join(unknown)} in "
                              f"{region.name}'s timetable")
        ks = [index[s] for s in dict.fromkeys(ids)]
        return Opportunities(np.array([float(tt.stop_lat[k]) for k in ks]),
                             np.array([float(tt.stop_lon[k]) for k in ks]),
                             [str(tt.stop_name[k]) for k in ks], list(ks), spec)
    if spec in CATEGORIES:
        pts = osm_points(region, CATEGORIES[spec])
        if not pts:
            raise AccessError(
                f"--to {spec}: {region.name}'s OpenStreetMap extract maps no {spec} "
                f"({' or '.join(CATEGORIES[spec])}); give a file of points "
                "(--to FILE.csv with lat,lon[,name] or FILE.geojson) or transit stops "
                "(--to stops:ID,ID)")
        return Opportunities(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]),
                             [p[2] for p in pts], [None] * len(pts), spec)
    path = Path(spec)
    if path.suffix.lower() not in (".csv", ".geojson", ".json"):
        raise AccessError(f"--to must be stops:ID,..., a .csv/.geojson file or one of "
                          f"{', '.join(CATEGORIES)}, not {spec!r}")
    rows, _ = read_named_points(path, count=False)
    if not rows:
        raise AccessError(f"{path}: no points found")
    return Opportunities(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                         [r[3] for r in rows], [None] * len(rows), spec)


def osm_points(region: Region, tags: tuple[str, ...]) -> list[tuple[float, float, str]]:
    """Named points of interest of the region's OSM extract carrying one of ``tags``
    (``key=value``; one pass over the extract with :func:`feeds.osm.named_places`, whose
    kind is the POI's ``amenity``/``healthcare``/``shop``/… value)."""
    from feeds import FeedError
    from feeds.osm import named_places

    kinds = {t.split("=", 1)[1] for t in tags}
    try:
        found = named_places(region.config.osm)
    except FeedError as exc:
        raise AccessError(f"the OpenStreetMap extract cannot be read for points of interest "
                          f"({exc}); give a file of points or stops") from None
    return [(p.lat, p.lon, p.name) for p in found if p.kind in kinds]
