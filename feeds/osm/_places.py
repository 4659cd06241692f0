"""What an OSM extract says about places: where people live (building centroids and address
points, the weights of a synthetic demand's trip origins) and what riders search for
(settlements, administrative areas, addresses, points of interest, streets)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import osmium.filter

from feeds.places import SETTLEMENTS, NamedPlace, admin_kind, area_point, parse_population
from feeds.report import FeedError, ValidationReport
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


#: keys whose named objects are points of interest a rider may search for; the kind is the
#: key's value (``amenity=doctors`` -> "doctors")
_POI_KEYS = ("amenity", "healthcare", "shop", "office", "tourism", "leisure", "craft",
             "railway", "public_transport", "building")
#: values of those keys that are no destination (or are found otherwise: stops, platforms)
_NOT_POI = {"yes", "no", "platform", "stop_position", "stop", "tram_stop", "bus_stop",
            "bench", "waste_basket", "parking_entrance", "vending_machine", "bicycle_parking",
            "switch", "level_crossing", "crossing", "buffer_stop", "signal", "milestone"}
#: other names a place is also known by (``alt_name`` may list several, split by ";")
_ALSO = ("official_name", "alt_name", "short_name", "loc_name")


def street_segments(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The named highways' shapes as straight pieces: (names, ``(k, 4)`` float64 rows of
    lat0, lon0, lat1, lon1, ``(k,)`` index into names). One pass with node locations.

    Raises
    ------
    FeedError
        If pyosmium cannot read the extract.
    """
    names: dict[str, int] = {}
    rows: list[tuple[float, float, float, float]] = []
    owner: list[int] = []
    try:
        fp = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
        for obj in fp:
            if not isinstance(obj, osmium.osm.Way):
                continue
            name = obj.tags.get("name")
            if not name or "highway" not in obj.tags:
                continue
            k = names.setdefault(name, len(names))
            locs = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
            for a, b in zip(locs, locs[1:], strict=False):
                rows.append((*a, *b))
                owner.append(k)
    except RuntimeError as exc:
        report = ValidationReport(str(path))
        report.error(f"cannot read the extract's streets: {exc}", file=path.name)
        raise FeedError(report) from None
    return (list(names), np.array(rows, dtype=np.float64).reshape(-1, 4),
            np.array(owner, dtype=np.int64))


def named_places(path: Path, merge_m: float = 1500.0, number_first: bool = False
                 ) -> list[NamedPlace]:
    """What the extract names that a rider may search for, in one pass (pyosmium, with
    areas assembled from closed ways and multipolygon/boundary relations):

    - settlements: ``place=city/town/village/hamlet/suburb/...`` nodes and areas (kind =
      the value; ``population`` when tagged);
    - administrative areas: named ``boundary=administrative`` relations (kind by
      ``admin_level``: state, county, municipality, district), at their ``admin_centre``
      or ``label`` member node if the extract holds it, else inside their polygon;
    - addresses: ``addr:housenumber`` with ``addr:street`` or ``addr:place`` on nodes and
      buildings, named "Hauptstraße 12, Ort" (``number_first``: "12 Main Street, Town")
      and found by the other order too;
    - points of interest: named nodes and areas with an ``amenity``, ``healthcare``,
      ``shop``, ``office``, ``tourism``, ``leisure``, ``craft``, ``railway``,
      ``public_transport`` or ``building`` value (kind = that value);
    - streets: named highways, merged per name while they lie within ``merge_m`` of each
      other (so "Main Street" in two villages stays two), each at the node nearest the
      middle of its ways.

    Areas sit at their centroid, or inside them where the centroid is not
    (:func:`feeds.places.area_point`).

    Raises
    ------
    FeedError
        If pyosmium cannot read the extract.
    """
    streets: dict[str, list[tuple[float, float]]] = {}
    out: list[NamedPlace] = []
    nodes: dict[int, tuple[float, float]] = {}  # place nodes: boundaries' label candidates
    boundaries: dict[int, tuple[list[int], NamedPlace]] = {}  # relation id: labels, place
    try:
        fp = (osmium.FileProcessor(str(path))
              .with_areas(osmium.filter.KeyFilter("name", "addr:housenumber"))
              .with_filter(osmium.filter.EmptyTagFilter()))
        for obj in fp:
            tags = obj.tags
            if isinstance(obj, osmium.osm.Node):
                if not obj.location.valid():
                    continue
                lat, lon = obj.location.lat, obj.location.lon
                if "place" in tags:
                    nodes[obj.id] = (lat, lon)
                out += _things(tags, lat, lon, number_first)
            elif isinstance(obj, osmium.osm.Way):
                name = tags.get("name")
                if name and "highway" in tags:
                    locs = [(n.location.lat, n.location.lon) for n in obj.nodes
                            if n.location.valid()]
                    if locs:
                        streets.setdefault(name, []).append(locs[len(locs) // 2])
            elif isinstance(obj, osmium.osm.Relation):
                found = _boundary(tags, 0.0, 0.0)
                if found is not None:
                    labels = [m.ref for m in obj.members if m.type == "n"
                              and m.role in ("admin_centre", "label")]
                    boundaries[obj.id] = (labels, found)
            elif isinstance(obj, osmium.osm.Area):
                parts = [(_ring(outer), [_ring(r) for r in obj.inner_rings(outer)])
                         for outer in obj.outer_rings()]
                if not any(len(outer) >= 4 for outer, _ in parts):
                    continue
                lat, lon = area_point(parts)
                if obj.from_way():
                    out += _things(tags, lat, lon, number_first)
                elif obj.orig_id() in boundaries:  # the relation's polygon: its centre
                    labels, b = boundaries[obj.orig_id()]
                    boundaries[obj.orig_id()] = (labels, b._replace(lat=lat, lon=lon))
                else:  # multipolygons: settlements, buildings with addresses, POIs
                    out += _things(tags, lat, lon, number_first)
    except RuntimeError as exc:  # pyosmium's errors: unreadable, unsorted ids, ...
        report = ValidationReport(str(path))
        report.error(f"cannot read the extract's places: {exc}", file=path.name)
        raise FeedError(report) from None
    for labels, b in boundaries.values():
        at = next((nodes[i] for i in labels if i in nodes), None)
        if at is not None:
            out.append(b._replace(lat=at[0], lon=at[1]))
        elif (b.lat, b.lon) != (0.0, 0.0):  # else: cut off by the extract, no polygon
            out.append(b)
    for name, mids in streets.items():
        for lat, lon in _clusters(np.array(mids), merge_m):
            out.append(NamedPlace(name, "street", lat, lon))
    return out


def _ring(ring: osmium.osm.OuterRing | osmium.osm.InnerRing) -> np.ndarray:
    return np.array([(n.lat, n.lon) for n in ring], dtype=np.float64).reshape(-1, 2)


def _also(tags: osmium.osm.TagList) -> tuple[str, ...]:
    names = [n.strip() for k in _ALSO for n in (tags.get(k) or "").split(";")]
    return tuple(dict.fromkeys(n for n in names if n and n != tags.get("name")))


def _boundary(tags: osmium.osm.TagList, lat: float, lon: float) -> NamedPlace | None:
    name = tags.get("name")
    if not name or tags.get("boundary") != "administrative":
        return None
    kind = admin_kind(tags.get("admin_level"))
    if kind is None:
        return None
    return NamedPlace(name, kind, lat, lon, parse_population(tags.get("population")),
                      _also(tags))


def _things(tags: osmium.osm.TagList, lat: float, lon: float, number_first: bool
            ) -> list[NamedPlace]:
    """The settlement, administrative area, point of interest and address an object's tags
    describe (one object may be several: a pharmacy with its address)."""
    out: list[NamedPlace] = []
    name = tags.get("name")
    place = tags.get("place")
    if name and place in SETTLEMENTS:
        out.append(NamedPlace(name, place, lat, lon, parse_population(tags.get("population")),
                              _also(tags)))
    elif (b := _boundary(tags, lat, lon)) is not None:  # a small boundary drawn as a way
        out.append(b)
    elif name:
        kind = next((tags[k] for k in _POI_KEYS if tags.get(k, "no") not in _NOT_POI),
                    "building" if tags.get("building", "no") != "no" else None)
        if kind is not None:
            out.append(NamedPlace(name, kind, lat, lon, 0, _also(tags)))
    number = tags.get("addr:housenumber")
    street = tags.get("addr:street") or tags.get("addr:place")
    if number and street:
        city = tags.get("addr:city") or (tags.get("addr:place") if "addr:street" in tags
                                          else None)
        tail = f", {city}" if city and city != street else ""
        named = (f"{street} {number}", f"{number} {street}")
        first, other = named[::-1] if number_first else named
        out.append(NamedPlace(first + tail, "address", lat, lon, 0, (other + tail,)))
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
