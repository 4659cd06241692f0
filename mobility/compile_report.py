"""The compile report: what a region's compiled data cannot do well, in figures and warnings.

Two findings that compile without an error but change what riders get:

* **Street coverage.** A served stop farther than the street router's snapping limit from
  every walkable street can be reached only by transit: no walk to it, from it or between it
  and another stop. The report counts such stops, names the farthest, and lists the routes
  that lose walking access through them. When at least :data:`PARTIAL_SHARE` of the served
  stops are beyond reach, the extract covers only part of the feed, and the warning says
  which area a larger extract must cover.
* **Interpolated times.** Trips whose blank ``stop_times`` were filled in by the compiler (by
  distance along the trip): their times at those stops are estimates.

Both are plain JSON-able dicts, stored with the compiled region so that a cached region
reports them too. These rules are part of the compiler: ``mobility._cache`` hashes this file
into the cache key.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routing.geo import M_PER_DEG_LAT, metres_per_degree_lon
from routing.street_router import StreetRouter
from routing.timetable import Timetable

#: share of served stops beyond reach from which the extract is said to cover only part of
#: the feed (a few stranded stops are usually data errors or islands; a tenth is a cut-off
#: extract)
PARTIAL_SHARE = 0.10
#: stops named as examples (the farthest first)
EXAMPLES = 5


def stop_coverage(tt: Timetable, walk: StreetRouter, examples: int = EXAMPLES
                  ) -> dict[str, Any]:
    """How many of the stops served by a trip lie within ``walk.max_snap_m`` of a walkable
    street, and which routes lose walking access where they do not.

    Returns
    -------
    ``{"limit_m", "served_stops", "unreachable_stops", "unreachable_share",
    "outside_extract_bbox", "partial_extract", "feed_bbox", "extract_bbox", "examples",
    "routes_without_access", "routes_partly", "routes"}``; bounding boxes are
    ``[west, south, east, north]`` in degrees, ``examples`` are ``{"stop_id", "name", "lat",
    "lon", "distance_m"}`` and ``routes`` are ``{"route_id", "name", "stops",
    "unreachable_stops"}`` (routes with no reachable stop first).
    """
    limit = float(walk.max_snap_m)
    served = np.zeros(tt.n_stops, bool)
    served[tt.pattern_stops] = True
    stops = np.flatnonzero(served)
    lat, lon = tt.stop_lat[stops], tt.stop_lon[stops]
    dist = np.array([walk.street_distance_m(a, b) for a, b in
                     zip(lat.tolist(), lon.tolist(), strict=True)], dtype=np.float64)
    far = dist > limit
    nlat, nlon = walk.net.node_lat, walk.net.node_lon
    ext = _bbox(nlat, nlon)
    outside = ((lon < nlon.min()) | (lat < nlat.min()) | (lon > nlon.max())
               | (lat > nlat.max())) if len(nlat) else np.ones(len(stops), bool)
    order = np.flatnonzero(far)[np.argsort(-dist[far], kind="stable")][:examples]
    share = float(far.sum() / len(stops)) if len(stops) else 0.0
    routes = _routes(tt, stops[far])
    return {
        "limit_m": limit,
        "served_stops": int(len(stops)),
        "unreachable_stops": int(far.sum()),
        "unreachable_share": round(share, 4),
        "outside_extract_bbox": int(outside.sum()),
        "partial_extract": bool(len(stops) and share >= PARTIAL_SHARE),
        "feed_bbox": _bbox(lat, lon),
        "extract_bbox": ext,
        "examples": [{"stop_id": str(tt.stop_id[stops[i]]), "name": str(tt.stop_name[stops[i]]),
                      "lat": round(float(lat[i]), 6), "lon": round(float(lon[i]), 6),
                      "distance_m": round(float(dist[i]))} for i in order],
        "routes_without_access": sum(r["unreachable_stops"] == r["stops"] for r in routes),
        "routes_partly": sum(r["unreachable_stops"] < r["stops"] for r in routes),
        "routes": routes,
    }


def _bbox(lat: np.ndarray, lon: np.ndarray) -> list[float] | None:
    if len(lat) == 0:
        return None
    return [round(float(lon.min()), 5), round(float(lat.min()), 5),
            round(float(lon.max()), 5), round(float(lat.max()), 5)]


def _routes(tt: Timetable, far_stops: np.ndarray) -> list[dict[str, Any]]:
    """Per route with at least one stop beyond reach: its served stops and those beyond."""
    if len(far_stops) == 0:
        return []
    route = np.repeat(tt.pattern_route, np.diff(tt.pattern_stop_offset)).astype(np.int64)
    pairs = np.unique(route * tt.n_stops + tt.pattern_stops)  # each (route, stop) once
    r, s = pairs // tt.n_stops, pairs % tt.n_stops
    total = np.bincount(r, minlength=tt.n_routes)
    lost = np.bincount(r[np.isin(s, far_stops)], minlength=tt.n_routes)
    hit = np.flatnonzero(lost)
    # no reachable stop at all first, then by the share lost
    hit = hit[np.lexsort((hit, -lost[hit] / total[hit]))]
    return [{"route_id": str(tt.route_id[k]),
             "name": str(tt.route_short_name[k] or tt.route_long_name[k]),
             "stops": int(total[k]), "unreachable_stops": int(lost[k])} for k in hit]


def interpolated_times(tt: Timetable) -> dict[str, Any]:
    """Trips (as compiled: a frequency-based trip counts once per departure) and stop times
    whose blank times the compiler interpolated: counts and shares."""
    n_trips, n_st = tt.n_trips, tt.n_stop_times
    if n_trips and n_st:
        per_trip = np.logical_or.reduceat(tt.time_interpolated, tt.stop_time_offset[:-1])
        trips, st = int(per_trip.sum()), int(tt.time_interpolated.sum())
    else:
        trips = st = 0
    return {"trips": trips, "trips_share": round(trips / n_trips, 4) if n_trips else 0.0,
            "stop_times": st, "stop_times_share": round(st / n_st, 4) if n_st else 0.0}


def coverage_warnings(cov: dict[str, Any], source: str) -> list[str]:
    """The warnings of a :func:`stop_coverage` result (``source``: the extract's file name)."""
    k, n, limit = cov["unreachable_stops"], cov["served_stops"], cov["limit_m"]
    if not k:
        return []
    ex = ", ".join(f"{e['stop_id']} '{e['name']}' ({e['distance_m']:,} m)"
                   for e in cov["examples"])
    lost = [_route_name(r) for r in cov["routes"] if r["unreachable_stops"] == r["stops"]]
    names = f" ({', '.join(lost[:5])}{', …' if len(lost) > 5 else ''})" if lost else ""
    out = [f"{source}: {k:,} of {n:,} served stops ({cov['unreachable_share']:.0%}) lie more "
           f"than {limit:,.0f} m from any walkable street: they can be reached only by transit "
           f"(no walk to, from or between them); the farthest: {ex}; routes losing walking "
           f"access: {len(lost)} entirely{names}, {cov['routes_partly']} in part"]
    if cov["partial_extract"]:
        bbox = _fmt(_padded(cov["feed_bbox"], limit))
        out.append(f"{source}: the OSM extract covers only part of the feed "
                   f"({cov['outside_extract_bbox']:,} served stops lie outside its bounding box "
                   f"{_fmt(cov['extract_bbox'])}): use a larger extract covering the feed's "
                   f"stops, bbox {bbox} (west,south,east,north: the stops plus {limit:,.0f} m), "
                   f"e.g. cut from a larger Geofabrik region with `osmium extract -b {bbox} "
                   "region.osm.pbf -o streets.osm.pbf`")
    return out


def interpolation_warnings(interp: dict[str, Any], source: str) -> list[str]:
    """The warning of an :func:`interpolated_times` result (none if nothing was blank)."""
    if not interp["trips"]:
        return []
    return [f"{source}: {interp['trips']:,} trips ({interp['trips_share']:.0%}) have blank "
            f"times at some stops ({interp['stop_times']:,} stop times, "
            f"{interp['stop_times_share']:.0%}), interpolated by distance along the trip: "
            "times there are estimates"]


def _route_name(r: dict[str, Any]) -> str:
    return r["route_id"] if r["name"] in ("", r["route_id"]) else f"{r['route_id']} '{r['name']}'"


def _padded(bbox: list[float], metres: float) -> list[float]:
    w, s, e, n = bbox
    dlat = metres / M_PER_DEG_LAT
    dlon = metres / metres_per_degree_lon(max(abs(s), abs(n)))  # the narrower edge
    return [w - dlon, s - dlat, e + dlon, n + dlat]


def _fmt(bbox: list[float] | None) -> str:
    return "(none)" if bbox is None else ",".join(f"{v:.4f}" for v in bbox)
