"""``read_gtfs``: a GTFS zip or folder -> a validated, typed :class:`GtfsFeed`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gtfs_kit as gk
import numpy as np
import pandas as pd

from feeds.gtfs._tables import TableSource
from feeds.gtfs._validate import (
    REQUIRED_FILES,
    WEEKDAYS,
    check_columns,
    check_refs,
    check_required_values,
    check_unique,
    parse_date,
    parse_float,
    parse_gtfs_time,
    parse_int,
    report_rows,
)
from feeds.report import FeedError, ValidationReport

OPTIONAL_FILES = ("calendar.txt", "calendar_dates.txt", "frequencies.txt", "transfers.txt",
                  "shapes.txt", "feed_info.txt", "fare_attributes.txt", "fare_rules.txt")


@dataclass(frozen=True, eq=False)
class GtfsFeed:
    """A read GTFS feed: gtfs-kit tables plus typed helper columns, and its report.

    Typed columns added by the reader: ``stop_times.arrival_s/departure_s`` (float seconds, NaN
    where blank), ``stop_times.stop_sequence_i``, ``stop_times.shape_dist_f``,
    ``stops.lat_f/lon_f``, ``calendar.start_ord/end_ord``, ``calendar_dates.date_ord``.
    Rows the validator flagged as errors are kept; a feed with errors is never compiled.
    """

    source: str
    tables: gk.Feed
    report: ValidationReport


def validate_gtfs(path: str | Path) -> ValidationReport:
    """Check a GTFS feed and return every problem found (never raises for bad content)."""
    return _read(Path(path))[1]


def read_gtfs(path: str | Path) -> GtfsFeed:
    """Read and validate a GTFS feed (zip or folder).

    Raises
    ------
    FeedError
        If the feed has errors; ``exc.report`` lists all of them with file, row and column.
    """
    tables, report = _read(Path(path))
    if not report.valid or tables is None:
        raise FeedError(report)
    return GtfsFeed(str(path), tables, report)


def _read(path: Path) -> tuple[gk.Feed | None, ValidationReport]:
    report = ValidationReport(str(path))
    src = TableSource(path, report)
    if not report.valid:
        return None, report
    try:
        t: dict[str, pd.DataFrame] = {}
        for name in REQUIRED_FILES + OPTIONAL_FILES:
            if not src.has(name):
                if name in REQUIRED_FILES:
                    report.error("required file is missing", name)
                continue
            df = src.read_table(name)
            if df is not None and check_columns(report, name, df):
                t[name[:-4]] = df
        flex_ids = _flex_ids(src, t)
        if not src.has("calendar.txt") and not src.has("calendar_dates.txt"):
            report.error("neither calendar.txt nor calendar_dates.txt is present: no trip "
                         "has service dates", "calendar.txt")
    finally:
        src.close()
    for name in ("agency", "stops", "routes", "trips", "stop_times"):
        # GTFS-Flex: a feed serving only zones or location groups needs no stops
        if name == "stops" and flex_ids:
            continue
        if name in t and len(t[name]) == 0:
            report.error("file has a header but no rows", f"{name}.txt")
    _check_agency(report, t)
    _check_stops(report, t)
    _check_routes(report, t)
    _check_calendar(report, t)
    _check_trips(report, t)
    _check_stop_times(report, t, flex_ids)
    _check_frequencies(report, t)
    _check_transfers(report, t)
    if not report.valid:
        return None, report
    tables = gk.Feed(dist_units="km", **{k: v for k, v in t.items()
                                           if k in gk.constants.FEED_ATTRS})
    return tables, report


def _check_agency(report: ValidationReport, t: dict[str, pd.DataFrame]) -> None:
    a = t.get("agency")
    if a is None or len(a) == 0:
        return
    if "agency_id" not in a.columns:
        a["agency_id"] = ""
    for c in ("agency_name", "agency_timezone"):
        check_required_values(report, "agency.txt", a, c)
    tzs = set(a["agency_timezone"])
    if len(tzs) > 1:
        report.error(f"agencies name different time zones {sorted(tzs)}; GTFS requires one",
                     "agency.txt", None, "agency_timezone")
    else:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        tz = next(iter(tzs))
        try:
            if tz:
                ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            report.error(f"unknown time zone '{tz}' (use an IANA name like Europe/Berlin)",
                         "agency.txt", 2, "agency_timezone")


def _check_stops(report: ValidationReport, t: dict[str, pd.DataFrame]) -> None:
    s = t.get("stops")
    if s is None or len(s) == 0:
        return
    f = "stops.txt"
    check_required_values(report, f, s, "stop_id")
    check_unique(report, f, s, "stop_id")
    for c in ("stop_name", "stop_lat", "stop_lon", "location_type", "parent_station",
              "wheelchair_boarding"):
        if c not in s.columns:
            s[c] = ""
    lt, _, lt_bad = parse_int(s["location_type"])
    report_rows(report, "error", lt_bad | (lt > 4), f, "location_type",
                lambda i: f"location_type '{s['location_type'].iat[i]}' is not 0–4")
    lt = np.nan_to_num(lt, nan=0.0)
    needs_pos = lt <= 2  # stops, stations, entrances need coordinates
    for col, lim in (("stop_lat", 90.0), ("stop_lon", 180.0)):
        v, blank, bad = parse_float(s[col])
        out = ~np.isnan(v) & (np.abs(v) > lim)
        report_rows(report, "error", needs_pos & (blank | bad | out), f, col,
                    lambda i, col=col, lim=lim:
                    f"{col} '{s[col].iat[i]}' is not a number within ±{lim:g}")
        s[col[5:] + "_f"] = v
    zero = (s["lat_f"] == 0) & (s["lon_f"] == 0)
    report_rows(report, "warning", zero.to_numpy(), f, "stop_lat",
                "stop lies at 0,0 (coordinates probably missing)")
    report_rows(report, "warning", (needs_pos & (s["stop_name"].str.len() == 0).to_numpy()),
                f, "stop_name", "stop_name is empty")
    # recoverable: the stop simply has no parent station
    bad_parent = check_refs(report, f, s, "parent_station", f + " (ignored: no parent)",
                            s["stop_id"], severity="warning", allow_blank=True)
    s.loc[bad_parent, "parent_station"] = ""
    wb, _, wb_bad = parse_int(s["wheelchair_boarding"])
    report_rows(report, "warning", wb_bad | (wb > 2), f, "wheelchair_boarding",
                "wheelchair_boarding is not 0, 1 or 2; read as 0 (unknown)")
    s["location_type_i"] = lt.astype(np.int8)
    s["wheelchair_i"] = np.where((wb >= 0) & (wb <= 2), wb, 0).astype(np.int8)


def _check_routes(report: ValidationReport, t: dict[str, pd.DataFrame]) -> None:
    r = t.get("routes")
    if r is None or len(r) == 0:
        return
    f = "routes.txt"
    check_required_values(report, f, r, "route_id")
    check_unique(report, f, r, "route_id")
    for c in ("route_short_name", "route_long_name", "agency_id"):
        if c not in r.columns:
            r[c] = ""
    no_name = ((r["route_short_name"].str.len() == 0) & (r["route_long_name"].str.len() == 0))
    report_rows(report, "warning", no_name.to_numpy(), f, "route_short_name",
                "route has neither route_short_name nor route_long_name")
    rt, _, rt_bad = parse_int(r["route_type"])
    report_rows(report, "error", rt_bad | np.isnan(rt), f, "route_type",
                lambda i: f"route_type '{r['route_type'].iat[i]}' is not an integer")
    r["route_type_i"] = np.nan_to_num(rt, nan=3).astype(np.int16)
    a = t.get("agency")
    if a is not None and len(a) > 1:
        check_refs(report, f, r, "agency_id", "agency.txt", a["agency_id"])


def _check_calendar(report: ValidationReport, t: dict[str, pd.DataFrame]) -> None:
    c = t.get("calendar")
    if c is not None and len(c) > 0:
        f = "calendar.txt"
        check_unique(report, f, c, "service_id")
        for d in WEEKDAYS:
            report_rows(report, "error", ~c[d].isin(["0", "1"]).to_numpy(), f, d,
                        lambda i, d=d: f"{d} must be 0 or 1, not '{c[d].iat[i]}'")
        for col in ("start_date", "end_date"):
            ords, bad = parse_date(c[col])
            report_rows(report, "error", bad, f, col,
                        lambda i, col=col: f"{col} '{c[col].iat[i]}' is not a YYYYMMDD date")
            c[col[:-5] + "_ord"] = ords
        rev = (c["start_ord"] > c["end_ord"]).to_numpy() & (c["end_ord"] >= 0).to_numpy()
        report_rows(report, "error", rev, f, "end_date", "end_date is before start_date")
    cd = t.get("calendar_dates")
    if cd is not None and len(cd) > 0:
        f = "calendar_dates.txt"
        ords, bad = parse_date(cd["date"])
        report_rows(report, "error", bad, f, "date",
                    lambda i: f"date '{cd['date'].iat[i]}' is not a YYYYMMDD date")
        cd["date_ord"] = ords
        report_rows(report, "error", ~cd["exception_type"].isin(["1", "2"]).to_numpy(), f,
                    "exception_type",
                    lambda i: f"exception_type must be 1 or 2, not '{cd['exception_type'].iat[i]}'")


def _check_trips(report: ValidationReport, t: dict[str, pd.DataFrame]) -> None:
    tr = t.get("trips")
    if tr is None or len(tr) == 0:
        return
    f = "trips.txt"
    check_required_values(report, f, tr, "trip_id")
    check_unique(report, f, tr, "trip_id")
    if "routes" in t:
        check_refs(report, f, tr, "route_id", "routes.txt", t["routes"]["route_id"])
    services: set[str] = set()
    for k in ("calendar", "calendar_dates"):
        if k in t:
            services |= set(t[k]["service_id"])
    if "calendar" in t or "calendar_dates" in t:
        check_refs(report, f, tr, "service_id", "calendar.txt or calendar_dates.txt", services)
    for c in ("trip_headsign", "wheelchair_accessible"):
        if c not in tr.columns:
            tr[c] = ""
    wa, _, wa_bad = parse_int(tr["wheelchair_accessible"])
    report_rows(report, "warning", wa_bad | (wa > 2), f, "wheelchair_accessible",
                "wheelchair_accessible is not 0, 1 or 2; read as 0 (unknown)")
    tr["wheelchair_i"] = np.where((wa >= 0) & (wa <= 2), wa, 0).astype(np.int8)


def _flex_ids(src: TableSource, t: dict[str, pd.DataFrame]) -> set[str]:
    """Ids of GTFS-Flex zones, location groups and areas, which stop_times may reference."""
    ids: set[str] = set()
    for name, col in (("location_groups.txt", "location_group_id"), ("areas.txt", "area_id")):
        if src.has(name):
            df = src.read_table(name)
            if df is not None and col in df.columns:
                ids |= set(df[col])
    if src.has("locations.geojson"):
        import json
        text = src.read_text("locations.geojson") or ""
        try:
            doc = json.loads(text)
            ids |= {str(f.get("id")) for f in doc.get("features", []) if f.get("id") is not None}
        except (json.JSONDecodeError, AttributeError) as exc:
            src._report.warning(f"not valid GeoJSON ({exc}); its zones are ignored",
                                "locations.geojson")
    ids.discard("")
    return ids


def _check_stop_times(report: ValidationReport, t: dict[str, pd.DataFrame],
                      flex_ids: set[str]) -> None:
    st = t.get("stop_times")
    if st is None or len(st) == 0:
        return
    f = "stop_times.txt"
    # rows serving a GTFS-Flex zone or location group (by stop_id, location_id or
    # location_group_id): valid, but their whole trip is on-demand, not a fixed timetable
    zone = st["stop_id"].isin(flex_ids).to_numpy().copy()  # pandas may hand out a view
    for c in ("location_id", "location_group_id"):
        if c in st.columns:
            zone |= (st[c].str.len() > 0).to_numpy() & (st["stop_id"].str.len() == 0).to_numpy()
    flex = st["trip_id"].isin(set(st["trip_id"].to_numpy()[zone])).to_numpy()
    st["flex_trip"] = flex
    if flex.any():
        report.warning(f"{st['trip_id'][flex].nunique()} trips ({int(flex.sum())} stop times) "
                       "serve GTFS-Flex zones or location groups; they are on-demand services, "
                       "not part of the fixed timetable", f)
    if "trips" in t:
        check_refs(report, f, st, "trip_id", "trips.txt", t["trips"]["trip_id"])
    if "stops" in t:
        bad_ref = ~st["stop_id"].isin(t["stops"]["stop_id"]).to_numpy() & ~zone
        report_rows(report, "error", bad_ref, f, "stop_id",
                    lambda i: f"stop_id '{st['stop_id'].iat[i]}' is not defined in stops.txt")
    seq, blank, bad = parse_int(st["stop_sequence"])
    report_rows(report, "error", blank | bad | (seq < 0), f, "stop_sequence",
                lambda i: f"stop_sequence '{st['stop_sequence'].iat[i]}' is not a "
                          "non-negative integer")
    st["stop_sequence_i"] = np.nan_to_num(seq, nan=-1).astype(np.int64)
    for col in ("arrival_time", "departure_time"):
        secs, bad_t = parse_gtfs_time(st[col])
        report_rows(report, "error", bad_t, f, col,
                    lambda i, col=col: f"{col} '{st[col].iat[i]}' is not a time HH:MM:SS "
                                       "(minutes and seconds 00–59; hours may exceed 24)")
        st[col[:-5] + "_s"] = secs
    # a time given on one side only stands for both
    st["arrival_s"] = st["arrival_s"].fillna(st["departure_s"])
    st["departure_s"] = st["departure_s"].fillna(st["arrival_s"])
    for c in ("pickup_type", "drop_off_type", "shape_dist_traveled", "timepoint"):
        if c not in st.columns:
            st[c] = ""
    for c in ("pickup_type", "drop_off_type"):
        v, _, b = parse_int(st[c])
        report_rows(report, "warning", b | (v > 3) | (v < 0), f, c,
                    f"{c} is not 0–3; read as 0 (regular)")
        st[c + "_i"] = np.where((v >= 0) & (v <= 3), v, 0).astype(np.int8)
    dist, _, dist_bad = parse_float(st["shape_dist_traveled"])
    report_rows(report, "warning", dist_bad, f, "shape_dist_traveled",
                "shape_dist_traveled is not a number; ignored for this trip")
    st["shape_dist_f"] = dist
    if not report.valid:
        return  # order checks below need clean sequences and times
    _check_trip_order(report, st, ~flex)


def _check_trip_order(report: ValidationReport, st: pd.DataFrame, fixed: np.ndarray) -> None:
    """Per fixed trip: unique sequence, times at both ends, times never decreasing."""
    f = "stop_times.txt"
    sub = np.flatnonzero(fixed)
    order = sub[np.lexsort((st["stop_sequence_i"].to_numpy()[sub],
                            st["trip_id"].to_numpy()[sub]))]
    if len(order) == 0:
        return
    trip = st["trip_id"].to_numpy()[order]
    seq = st["stop_sequence_i"].to_numpy()[order]
    arr = st["arrival_s"].to_numpy()[order]
    dep = st["departure_s"].to_numpy()[order]
    first = np.r_[True, trip[1:] != trip[:-1]]
    last = np.r_[trip[1:] != trip[:-1], True]
    rows = np.zeros(len(st), dtype=bool)

    def flag(mask_sorted: np.ndarray) -> np.ndarray:
        m = rows.copy()
        m[order[mask_sorted]] = True
        return m

    dup = ~first & np.r_[False, seq[1:] == seq[:-1]]
    report_rows(report, "error", flag(dup), f, "stop_sequence",
                lambda i: f"trip '{st['trip_id'].iat[i]}' repeats stop_sequence "
                          f"{st['stop_sequence'].iat[i]}")
    ends = (first | last) & np.isnan(dep)
    report_rows(report, "error", flag(ends), f, "arrival_time",
                lambda i: f"trip '{st['trip_id'].iat[i]}' has no time at its first or last "
                          "stop (GTFS requires both)")
    # compare each known time with the latest known time before it in the same trip
    known = ~np.isnan(dep)
    pos = np.arange(len(dep))
    last_known = np.maximum.accumulate(np.where(known, pos, -1))
    prev_known = np.r_[-1, last_known[:-1]]
    trip_start = np.maximum.accumulate(np.where(first, pos, 0))
    prev_dep = np.where(prev_known >= trip_start, dep[np.maximum(prev_known, 0)], np.nan)
    back = known & ~first & (arr < prev_dep)
    back |= known & (dep < arr)
    report_rows(report, "error", flag(back), f, "arrival_time",
                lambda i: f"trip '{st['trip_id'].iat[i]}' goes back in time at stop_sequence "
                          f"{st['stop_sequence'].iat[i]}")
    counts = pd.Series(trip).value_counts()
    for trip_id in counts.index[counts.to_numpy() < 2][:50]:
        report.warning(f"trip '{trip_id}' has fewer than two stop times; it is skipped", f)


def _check_frequencies(report: ValidationReport, t: dict[str, pd.DataFrame]) -> None:
    fr = t.get("frequencies")
    if fr is None or len(fr) == 0:
        return
    f = "frequencies.txt"
    if "trips" in t:
        check_refs(report, f, fr, "trip_id", "trips.txt", t["trips"]["trip_id"])
    for col in ("start_time", "end_time"):
        secs, bad = parse_gtfs_time(fr[col])
        report_rows(report, "error", bad | np.isnan(secs), f, col,
                    lambda i, col=col: f"{col} '{fr[col].iat[i]}' is not a time HH:MM:SS")
        fr[col[:-5] + "_s"] = secs
    hw, _, bad = parse_int(fr["headway_secs"])
    report_rows(report, "error", bad | np.isnan(hw) | (hw <= 0), f, "headway_secs",
                lambda i: f"headway_secs '{fr['headway_secs'].iat[i]}' is not a positive "
                          "integer")
    fr["headway_i"] = np.nan_to_num(hw, nan=0).astype(np.int64)
    report_rows(report, "error", (fr["end_s"] <= fr["start_s"]).to_numpy(), f, "end_time",
                "end_time is not after start_time")


def _check_transfers(report: ValidationReport, t: dict[str, pd.DataFrame]) -> None:
    x = t.get("transfers")
    if x is None or len(x) == 0:
        return
    f = "transfers.txt"
    if "stops" in t:
        for c in ("from_stop_id", "to_stop_id"):
            check_refs(report, f, x, c, "stops.txt", t["stops"]["stop_id"])
    if "min_transfer_time" not in x.columns:
        x["min_transfer_time"] = ""
    tt, _, bad = parse_int(x["transfer_type"].where(x["transfer_type"] != "", "0"))
    report_rows(report, "error", bad | (tt > 5) | (tt < 0), f, "transfer_type",
                lambda i: f"transfer_type '{x['transfer_type'].iat[i]}' is not 0–5")
    x["transfer_type_i"] = np.nan_to_num(tt, nan=0).astype(np.int8)
    mt, _, bad = parse_int(x["min_transfer_time"])
    report_rows(report, "warning", bad | (mt < 0), f, "min_transfer_time",
                "min_transfer_time is not a non-negative integer; ignored")
    x["min_time_i"] = np.where(mt >= 0, mt, -1).astype(np.int32)
