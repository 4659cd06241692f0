"""Compile read GTFS feeds into the core's :class:`routing.Timetable` (flat arrays)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from feeds.gtfs._read import GtfsFeed
from routing.timetable import Timetable

EARTH_RADIUS_M = 6_371_008.8


def _u(values: object) -> np.ndarray:
    """A fixed-width unicode array (loads from .npz without pickle)."""
    arr = np.asarray(values, dtype=object).astype(str)
    return arr if arr.size else np.zeros(0, dtype="<U1")


def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def merge_feeds(feeds: Sequence[GtfsFeed]) -> dict[str, pd.DataFrame]:
    """Tables of several feeds as one; with more than one feed, ids get a ``<n>:`` prefix so
    that equal ids of different feeds never collide."""
    names = ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates",
             "frequencies", "transfers")
    id_cols = ("agency_id", "stop_id", "parent_station", "route_id", "trip_id", "service_id",
               "from_stop_id", "to_stop_id")
    out: dict[str, list[pd.DataFrame]] = {n: [] for n in names}
    for k, feed in enumerate(feeds):
        for n in names:
            df = getattr(feed.tables, n, None)
            if df is None:
                continue
            if len(feeds) > 1:
                df = df.copy()
                for c in id_cols:
                    if c in df.columns:
                        df[c] = np.where(df[c].str.len() > 0, f"{k}:" + df[c], "")
            out[n].append(df)
    return {n: pd.concat(v, ignore_index=True) for n, v in out.items() if v}


def compile_timetable(feeds: GtfsFeed | Sequence[GtfsFeed]) -> Timetable:
    """Compile validated feeds into a :class:`Timetable`.

    Blank times at non-timepoints are interpolated (in ``shape_dist_traveled`` where every row
    of the trip has it and it never decreases, else in cumulative straight-line distance);
    ``frequencies.txt`` is expanded into trips; trips are grouped into FIFO patterns.
    """
    if isinstance(feeds, GtfsFeed):
        feeds = [feeds]
    t = merge_feeds(feeds)
    stops, routes, trips = t["stops"], t["routes"], t["trips"]
    stop_index = pd.Index(stops["stop_id"])
    route_index = pd.Index(routes["route_id"])

    service_id, first_ord, n_days, days = _calendar(t.get("calendar"), t.get("calendar_dates"))
    service_index = pd.Index(service_id)

    st = _stop_times(t["stop_times"], trips, stops, stop_index)
    st = _expand_frequencies(st, t.get("frequencies"))
    trip_ids, bounds = _trip_bounds(st["trip"])
    trip_rows = _template_rows(trip_ids, st, trips)
    trip_route = route_index.get_indexer(trips["route_id"].to_numpy()[trip_rows]).astype(np.int32)

    stop_idx = st["stop"]
    pat_route, pat_stop_off, pat_stops, pat_trip_off, order = _patterns(
        trip_route, bounds, stop_idx, st["arr"], st["dep"])
    # reorder trips (pattern-major, departure-sorted) and their stop times
    lens = np.diff(bounds)[order]
    starts = bounds[:-1][order]
    gather = np.repeat(starts - np.r_[0, np.cumsum(lens)[:-1]], lens) + np.arange(lens.sum())
    st_off = np.r_[0, np.cumsum(lens)].astype(np.int64)
    trip_pattern = np.repeat(np.arange(len(pat_route), dtype=np.int32), np.diff(pat_trip_off))

    rows = trip_rows[order]
    agency = t["agency"]
    x = t.get("transfers")
    if x is not None and len(x):
        xf = stop_index.get_indexer(x["from_stop_id"]).astype(np.int32)
        xt = stop_index.get_indexer(x["to_stop_id"]).astype(np.int32)
        xty, xmin = x["transfer_type_i"].to_numpy(np.int8), x["min_time_i"].to_numpy(np.int32)
    else:
        xf = xt = np.zeros(0, np.int32)
        xty, xmin = np.zeros(0, np.int8), np.zeros(0, np.int32)
    parent = stop_index.get_indexer(stops["parent_station"].to_numpy()).astype(np.int32)
    return Timetable(
        stop_id=_u(stops["stop_id"]),
        stop_name=_u(stops["stop_name"]),
        stop_lat=stops["lat_f"].to_numpy(np.float64),
        stop_lon=stops["lon_f"].to_numpy(np.float64),
        stop_parent=parent,
        stop_location_type=stops["location_type_i"].to_numpy(np.int8),
        stop_wheelchair=stops["wheelchair_i"].to_numpy(np.int8),
        route_id=_u(routes["route_id"]),
        route_short_name=_u(routes["route_short_name"]),
        route_long_name=_u(routes["route_long_name"]),
        route_type=routes["route_type_i"].to_numpy(np.int16),
        route_agency=_u(routes["agency_id"]),
        pattern_route=pat_route,
        pattern_stop_offset=pat_stop_off,
        pattern_stops=pat_stops,
        pattern_trip_offset=pat_trip_off,
        trip_id=_u(trip_ids[order]),
        trip_pattern=trip_pattern,
        trip_service=service_index.get_indexer(trips["service_id"].to_numpy()[rows]).astype(
            np.int32),
        trip_headsign=_u(trips["trip_headsign"].to_numpy()[rows]),
        trip_wheelchair=trips["wheelchair_i"].to_numpy(np.int8)[rows],
        stop_time_offset=st_off,
        arrival=st["arr"][gather].astype(np.int32),
        departure=st["dep"][gather].astype(np.int32),
        pickup_type=st["pickup"][gather],
        drop_off_type=st["drop_off"][gather],
        time_interpolated=st["interp"][gather],
        service_id=_u(service_id),
        first_date_ordinal=int(first_ord),
        n_days=int(n_days),
        service_days=days,
        transfer_from=xf,
        transfer_to=xt,
        transfer_type=xty,
        transfer_min_time=xmin,
        agency_id=_u(agency["agency_id"]),
        agency_name=_u(agency["agency_name"]),
        agency_timezone=_u(agency["agency_timezone"]),
    )


def _calendar(cal: pd.DataFrame | None, dates: pd.DataFrame | None
              ) -> tuple[np.ndarray, int, int, np.ndarray]:
    """Service ids, first ordinal, day count and packed activity bits (calendar + exceptions)."""
    ids: list[str] = []
    lo, hi = [], []
    if cal is not None and len(cal):
        ids += list(cal["service_id"])
        lo.append(int(cal["start_ord"].min()))
        hi.append(int(cal["end_ord"].max()))
    if dates is not None and len(dates):
        ids += list(dates["service_id"])
        lo.append(int(dates["date_ord"].min()))
        hi.append(int(dates["date_ord"].max()))
    service_id = np.array(list(dict.fromkeys(ids)), dtype=object)
    if not lo:
        return service_id, 1, 0, np.zeros((len(service_id), 0), np.uint8)
    first, n_days = min(lo), max(hi) - min(lo) + 1
    index = pd.Index(service_id)
    active = np.zeros((len(service_id), n_days), dtype=bool)
    if cal is not None and len(cal):
        # weekday() of ordinal o is (o + 6) % 7 with Monday = 0
        weekday = (np.arange(first, first + n_days) + 6) % 7
        flags = cal[["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday"]].to_numpy() == "1"
        rows = index.get_indexer(cal["service_id"])
        for r, s, e, f in zip(rows, cal["start_ord"].to_numpy(), cal["end_ord"].to_numpy(),
                              flags, strict=True):
            a, b = s - first, e - first + 1
            active[r, a:b] |= f[weekday[a:b]]
    if dates is not None and len(dates):
        rows = index.get_indexer(dates["service_id"])
        cols = dates["date_ord"].to_numpy() - first
        add = dates["exception_type"].to_numpy() == "1"
        active[rows[add], cols[add]] = True
        active[rows[~add], cols[~add]] = False
    return service_id, first, n_days, np.packbits(active, axis=1, bitorder="little")


def _stop_times(st: pd.DataFrame, trips: pd.DataFrame, stops: pd.DataFrame,
                stop_index: pd.Index) -> dict[str, np.ndarray]:
    """Sorted stop times with blank times interpolated; trips with < 2 rows are dropped."""
    fixed = np.flatnonzero(~st["flex_trip"].to_numpy())
    order = fixed[np.lexsort((st["stop_sequence_i"].to_numpy()[fixed],
                              st["trip_id"].to_numpy()[fixed]))]
    trip = st["trip_id"].to_numpy(dtype=object)[order]
    if len(trip) == 0:
        return {"trip": trip, "stop": np.zeros(0, np.int32), "arr": np.zeros(0, np.int64),
                "dep": np.zeros(0, np.int64), "pickup": np.zeros(0, np.int8),
                "drop_off": np.zeros(0, np.int8), "interp": np.zeros(0, bool)}
    stop = stop_index.get_indexer(st["stop_id"].to_numpy()[order]).astype(np.int32)
    arr = st["arrival_s"].to_numpy(dtype=float)[order]
    dep = st["departure_s"].to_numpy(dtype=float)[order]
    shape = st["shape_dist_f"].to_numpy(dtype=float)[order]
    first = np.r_[True, trip[1:] != trip[:-1]]
    seg = np.cumsum(first) - 1
    counts = np.bincount(seg)
    keep = counts[seg] >= 2
    lat = stops["lat_f"].to_numpy()[stop]
    lon = stops["lon_f"].to_numpy()[stop]
    step = np.where(first, 0.0, haversine_m(np.r_[lat[:1], lat[:-1]], np.r_[lon[:1], lon[:-1]],
                                            lat, lon))
    cum_geo = _segment_cumsum(step, first)
    # shape_dist_traveled is used only where every row of the trip has it and it never falls
    starts = np.flatnonzero(first)
    has_shape = np.logical_and.reduceat(~np.isnan(shape), starts)[seg]
    falls = np.r_[False, np.diff(shape) < 0] & ~first
    shape_ok = has_shape & ~np.logical_or.reduceat(falls, starts)[seg]
    dist = np.where(shape_ok, shape, cum_geo)
    blank = np.isnan(dep)
    if blank.any():
        arr, dep = _interpolate(arr, dep, dist, first, blank)
    return {
        "trip": trip[keep], "stop": stop[keep],
        "arr": np.rint(arr[keep]).astype(np.int64), "dep": np.rint(dep[keep]).astype(np.int64),
        "pickup": st["pickup_type_i"].to_numpy(np.int8)[order][keep],
        "drop_off": st["drop_off_type_i"].to_numpy(np.int8)[order][keep],
        "interp": blank[keep],
    }


def _segment_cumsum(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    start = np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))
    return total - total[start] + values[start]


def _interpolate(arr: np.ndarray, dep: np.ndarray, dist: np.ndarray, first: np.ndarray,
                 blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation of blank times between the known times around them in the trip
    (first/last stops always have times: the validator guarantees it)."""
    n = len(dep)
    pos = np.arange(n)
    known = ~blank
    prev_k = np.maximum.accumulate(np.where(known, pos, -1))
    next_k = np.minimum.accumulate(np.where(known, pos, n)[::-1])[::-1]
    prev_k, next_k = np.maximum(prev_k, 0), np.minimum(next_k, n - 1)
    d0, d1 = dist[prev_k], dist[next_k]
    span = d1 - d0
    # where distances do not separate the stops, spread by row position instead
    frac = np.where(span > 0, (dist - d0) / np.where(span > 0, span, 1.0),
                    (pos - prev_k) / np.maximum(next_k - prev_k, 1))
    t = dep[prev_k] + np.clip(frac, 0, 1) * (arr[next_k] - dep[prev_k])
    return np.where(blank, t, arr), np.where(blank, t, dep)


def _expand_frequencies(st: dict[str, np.ndarray], freq: pd.DataFrame | None
                        ) -> dict[str, np.ndarray]:
    """Replace each frequency-based trip by one trip per headway, ids ``<trip_id>@HH:MM:SS``."""
    if freq is None or len(freq) == 0 or len(st["trip"]) == 0:
        return st
    trip = st["trip"]
    first = np.r_[True, trip[1:] != trip[:-1]]
    bounds = np.r_[np.flatnonzero(first), len(trip)]
    where = {trip[b]: (b, e) for b, e in zip(bounds[:-1], bounds[1:], strict=True)}
    keep = ~np.isin(trip, freq["trip_id"].unique())
    parts: dict[str, list[np.ndarray]] = {k: [v[keep]] for k, v in st.items()}
    for tid, start, end, hw in zip(freq["trip_id"], freq["start_s"], freq["end_s"],
                                   freq["headway_i"], strict=True):
        if tid not in where:
            continue
        b, e = where[tid]
        base = st["dep"][b]
        for t0 in range(int(start), int(end), int(hw)):
            shift = t0 - base
            h, m, s = t0 // 3600, t0 % 3600 // 60, t0 % 60
            for k, v in st.items():
                if k == "trip":
                    parts[k].append(np.full(e - b, f"{tid}@{h:02d}:{m:02d}:{s:02d}", object))
                elif k in ("arr", "dep"):
                    parts[k].append(v[b:e] + shift)
                else:
                    parts[k].append(v[b:e])
    out = {k: np.concatenate(v) for k, v in parts.items()}
    # keep trips contiguous
    idx = np.argsort(out["trip"], kind="stable")
    return {k: v[idx] for k, v in out.items()}


def _trip_bounds(trip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]]) if len(trip) else np.zeros(
        0, np.int64)
    return trip[starts], np.r_[starts, len(trip)].astype(np.int64)


def _template_rows(trip_ids: np.ndarray, st: dict[str, np.ndarray],
                   trips: pd.DataFrame) -> np.ndarray:
    """Row in trips.txt of every compiled trip (expanded frequency trips map to their template)."""
    index = pd.Index(trips["trip_id"])
    rows = index.get_indexer(trip_ids)
    missing = rows < 0
    if missing.any():
        base = np.array([t.rsplit("@", 1)[0] for t in trip_ids[missing]], dtype=object)
        rows[missing] = index.get_indexer(base)
    return rows


def _patterns(trip_route: np.ndarray, bounds: np.ndarray, stop: np.ndarray, arr: np.ndarray,
              dep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Group trips into patterns (route + identical stop sequence), sorted by departure and
    split wherever a later trip would overtake an earlier one (RAPTOR needs FIFO patterns).

    Returns pattern_route, pattern_stop_offset, pattern_stops, pattern_trip_offset and the trip
    order (indices into the input trips, pattern-major, departure-sorted).
    """
    groups: dict[tuple[int, bytes], list[int]] = {}
    for k in range(len(bounds) - 1):
        key = (int(trip_route[k]), stop[bounds[k]:bounds[k + 1]].tobytes())
        groups.setdefault(key, []).append(k)
    pat_route: list[int] = []
    pat_stops: list[np.ndarray] = []
    pat_trips: list[list[int]] = []
    for (route, _), members in groups.items():
        b = bounds[members]
        n = bounds[members[0] + 1] - bounds[members[0]]
        idx = b[:, None] + np.arange(n)[None, :]
        a_m, d_m = arr[idx], dep[idx]
        sort = np.lexsort((a_m[:, -1], d_m[:, 0]))
        a_m, d_m = a_m[sort], d_m[sort]
        members_sorted = [members[i] for i in sort]
        fifo = (np.diff(a_m, axis=0) >= 0).all() and (np.diff(d_m, axis=0) >= 0).all()
        if fifo:
            lanes = [list(range(len(members_sorted)))]
        else:
            lanes = []
            for i in range(len(members_sorted)):
                for lane in lanes:
                    j = lane[-1]
                    if (a_m[i] >= a_m[j]).all() and (d_m[i] >= d_m[j]).all():
                        lane.append(i)
                        break
                else:
                    lanes.append([i])
        stops_seq = stop[bounds[members[0]]:bounds[members[0] + 1]].astype(np.int32)
        for lane in lanes:
            pat_route.append(route)
            pat_stops.append(stops_seq)
            pat_trips.append([members_sorted[i] for i in lane])
    order = np.fromiter((k for lane in pat_trips for k in lane), dtype=np.int64)
    stop_off = np.r_[0, np.cumsum([len(s) for s in pat_stops])].astype(np.int64)
    trip_off = np.r_[0, np.cumsum([len(p) for p in pat_trips])].astype(np.int64)
    return (np.asarray(pat_route, np.int32), stop_off,
            np.concatenate(pat_stops) if pat_stops else np.zeros(0, np.int32), trip_off, order)
