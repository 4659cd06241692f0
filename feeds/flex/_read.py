"""GTFS-Flex v2 import: zones, location groups and stop areas, booking rules and on-demand
windows, as the drafts and the final spec spell them, into service areas.

Real feeds differ: windows come as ``start_pickup_drop_off_window`` (final spec),
``start_pickup_dropoff_window`` (draft) or ``min_arrival_time``/``max_departure_time``
(older draft); zones are referenced through ``location_id``, ``location_group_id`` or plain
``stop_id``; groups are listed in ``location_group_stops.txt``, in ``location_groups.txt``
itself, or as ``stop_areas.txt``; a notice may be minutes or ``HH:MM:SS``; the safe travel
duration is on ``trips.txt`` (the adopted spec, offset in seconds) or on ``stop_times.txt``
(the draft, offset in minutes). All are accepted, and what a feed lacks (a zone without a
polygon) or gets wrong (a booking rule against the reference) is reported, not guessed
silently.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry import MultiPoint, mapping, shape
from shapely.ops import unary_union

from dispatch.service_area import AreaStop, BookingRule, ServiceArea
from feeds.flex._fares import FARE_FILES, route_fares
from feeds.flex._feed_info import FeedInfo
from feeds.gtfs._tables import TableSource
from feeds.report import ValidationReport
from routing.timebase import parse_clock

WINDOW_START = ("start_pickup_drop_off_window", "start_pickup_dropoff_window",
                "min_arrival_time")
WINDOW_END = ("end_pickup_drop_off_window", "end_pickup_dropoff_window", "max_departure_time")
#: a group of stops without a polygon is served within this distance of its stops (degrees,
#: ~300 m in latitude)
STOP_BUFFER_DEG = 0.0027


@dataclass(frozen=True)
class FlexService:
    """One on-demand stop-time row: a trip serving ``location`` within ``window``."""

    trip_id: str
    route_id: str
    service_id: str
    location: str
    window: tuple[float, float]
    pickup_rule: str
    drop_off_rule: str
    #: (factor, offset in s) of the trip (``trips.txt``) or the row (draft), if given
    safe_duration: tuple[float, float] | None = None


@dataclass
class FlexFeed:
    """What a GTFS-Flex feed offers: its service areas, the rows behind them and the report
    of everything that could not be used as given."""

    areas: list[ServiceArea]
    services: list[FlexService]
    rules: dict[str, BookingRule]
    report: ValidationReport
    zones: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: location groups (and stop areas): id -> member stop or zone ids
    groups: dict[str, list[str]] = field(default_factory=dict)
    feed_info: FeedInfo | None = None


def _seconds(text: str) -> float | None:
    """``HH:MM:SS`` (hours may pass 24) as seconds; None if blank."""
    text = (text or "").strip()
    return float(parse_clock(text)) if text else None


def _notice_s(text: str) -> float | None:
    """A notice in minutes (the spec) or ``HH:MM:SS`` (seen in real feeds), as seconds."""
    text = (text or "").strip()
    if not text:
        return None
    if ":" in text:
        return _seconds(text)
    return float(text) * 60.0


def _col(df: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    """The first of ``names`` present with a value in each row (blank if none)."""
    out = pd.Series([""] * len(df), index=df.index, dtype=object)
    for n in reversed(names):
        if n in df.columns:
            has = df[n] != ""
            out[has] = df[n][has]
    return out


def read_flex(path: Path) -> FlexFeed:
    """Import a GTFS-Flex feed (zip or folder).

    Every problem goes to the report (file, row, column); a feed with no on-demand service
    at all is an error there. Nothing raises for bad content.
    """
    report = ValidationReport(str(path))
    src = TableSource(path, report)
    try:
        return _read(src, report)
    finally:
        src.close()


def _read(src: TableSource, report: ValidationReport) -> FlexFeed:
    tables = {n: src.read_table(n) for n in ("stops.txt", "stop_times.txt", "trips.txt",
                                             "routes.txt", "booking_rules.txt",
                                             "location_groups.txt", "location_group_stops.txt",
                                             "stop_areas.txt", "areas.txt", "feed_info.txt",
                                             *FARE_FILES)
              if src.has(n)}
    zones = _zones(src, report)
    stops: dict[str, tuple[float, float]] = {}
    names: dict[str, str] = {}
    st_df = tables.get("stops.txt")
    if st_df is not None:
        for row in st_df.itertuples(index=False):
            r = row._asdict()
            names[r.get("stop_id", "")] = r.get("stop_name", "")
            with contextlib.suppress(KeyError, ValueError):  # a zone listed as a stop: no point
                stops[r["stop_id"]] = (float(r["stop_lat"]), float(r["stop_lon"]))
    groups = _groups(tables, report)
    names.update(_group_names(tables))
    rules = _rules(tables.get("booking_rules.txt"), report)
    services = _services(tables, zones, groups, report)
    if not services:
        report.error("no on-demand service: no stop_times row serves a zone, location group "
                     "or stop area, or has a pickup/drop-off window", file="stop_times.txt")
    areas = _areas(tables, services, zones, groups, stops, names, rules, report)
    fares = route_fares(tables)
    areas = [replace(a, fare=fares.get(a.properties.get("route_id", ""))) for a in areas]
    info = tables.get("feed_info.txt")
    feed_info = (FeedInfo.from_row(info.to_dict("records")[0])
                 if info is not None and len(info) else None)
    return FlexFeed(areas, services, rules, report, zones, groups, feed_info)


def _zones(src: TableSource, report: ValidationReport) -> dict[str, dict[str, Any]]:
    text = src.read_text("locations.geojson") if src.has("locations.geojson") else None
    if text is None:
        return {}
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        report.error(f"not valid JSON ({exc})", file="locations.geojson")
        return {}
    out = {}
    for i, feat in enumerate(doc.get("features") or []):
        fid = str(feat.get("id") or (feat.get("properties") or {}).get("location_id") or "")
        geom = feat.get("geometry") or {}
        if not fid:
            report.warning(f"feature {i} has no id: it cannot be referenced",
                           file="locations.geojson")
            continue
        if geom.get("type") not in ("Polygon", "MultiPolygon"):
            report.warning(f"zone {fid} is a {geom.get('type')!r}, not a Polygon or "
                           "MultiPolygon: skipped", file="locations.geojson")
            continue
        try:
            poly = shape(geom)
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            report.warning(f"zone {fid}: unreadable geometry ({exc}): skipped",
                           file="locations.geojson")
            continue
        if not poly.is_valid:  # self-intersecting rings are common in exported zones
            poly = poly.buffer(0)
            report.warning(f"zone {fid}: the polygon intersects itself; repaired",
                           file="locations.geojson")
            geom = dict(mapping(poly))
        out[fid] = {"geometry": geom, "name": (feat.get("properties") or {}).get(
            "stop_name", "")}
    return out


def _groups(tables: dict[str, pd.DataFrame | None], report: ValidationReport
            ) -> dict[str, list[str]]:
    """Location groups and stop areas: id -> member stop (or zone) ids."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name, gcol, mcols in (("location_group_stops.txt", "location_group_id", ("stop_id",)),
                              ("location_groups.txt", "location_group_id",
                               ("location_id", "stop_id")),
                              ("stop_areas.txt", "area_id", ("stop_id",))):
        df = tables.get(name)
        if df is None or gcol not in df.columns:
            continue
        member = _col(df, mcols)
        for g, m in zip(df[gcol], member, strict=True):
            groups[g]  # a group listed without members still exists
            if m:
                groups[g].append(m)
    return dict(groups)


def _group_names(tables: dict[str, pd.DataFrame | None]) -> dict[str, str]:
    """Location groups' and stop areas' names as riders see them."""
    out: dict[str, str] = {}
    for name, id_col, name_col in (("location_groups.txt", "location_group_id",
                                    "location_group_name"), ("areas.txt", "area_id",
                                                             "area_name")):
        df = tables.get(name)
        if df is None or id_col not in df.columns or name_col not in df.columns:
            continue
        for g, n in zip(df[id_col], df[name_col], strict=True):
            if n and not out.get(g):
                out[g] = n
    return out


def _day(text: str) -> int | None:
    """A whole number of days; None if blank."""
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"expected a whole number of days, not {text!r}")
    return int(text)


def _rules(df: pd.DataFrame | None, report: ValidationReport) -> dict[str, BookingRule]:
    """Every rule with every field; a rule against the reference (a field it forbids or
    lacks) is kept as given and each fault reported as a warning."""
    if df is None:
        return {}
    out = {}
    for line, row in enumerate(df.to_dict("records"), 2):
        rid = row.get("booking_rule_id", "")
        col = "booking_type"
        try:
            btype = int(row.get(col) or 0)
            values: dict[str, Any] = {}
            for col, key, parse in (
                    ("prior_notice_duration_min", "notice_min_s", _notice_s),
                    ("prior_notice_duration_max", "notice_max_s", _notice_s),
                    ("prior_notice_last_day", "last_day", _day),
                    ("prior_notice_last_time", "last_time_s", _seconds),
                    ("prior_notice_start_day", "start_day", _day),
                    ("prior_notice_start_time", "start_time_s", _seconds)):
                values[key] = parse(row.get(col, ""))
        except ValueError as exc:
            report.error(f"booking rule {rid!r}: {exc}", file="booking_rules.txt", row=line,
                         column=col)
            continue
        if btype not in (0, 1, 2):
            report.error(f"booking_type must be 0, 1 or 2, not {btype}",
                         file="booking_rules.txt", row=line, column="booking_type")
            continue
        text = {k: (row.get(k) or "").strip() for k in (
            "message", "pickup_message", "drop_off_message", "phone_number", "info_url",
            "booking_url", "prior_notice_service_id")}
        rule = BookingRule(btype, values.pop("notice_min_s") or 0.0, **values,
                           message=text["message"], pickup_message=text["pickup_message"],
                           drop_off_message=text["drop_off_message"],
                           phone=text["phone_number"], info_url=text["info_url"],
                           booking_url=text["booking_url"],
                           notice_service_id=text["prior_notice_service_id"])
        for column, why in rule.problems():
            report.warning(f"booking rule {rid!r}: {column} {why}", file="booking_rules.txt",
                           row=line, column=column)
        out[rid] = rule
    return out


def _safe(factor: str, offset: str, draft: bool) -> tuple[float, float] | None:
    """A safe-duration pair (factor, offset in s), None if neither is given. The adopted
    spec (``trips.txt``) gives the offset in seconds, the draft (``stop_times.txt``) in
    minutes or, in some feeds, as ``HH:MM:SS``."""
    factor, offset = (factor or "").strip(), (offset or "").strip()
    if not factor and not offset:
        return None
    off = (_notice_s(offset) or 0.0) if draft else float(offset or 0.0)
    return float(factor or 1.0), off


def _services(tables: dict[str, pd.DataFrame | None], zones: dict[str, Any],
              groups: dict[str, list[str]], report: ValidationReport) -> list[FlexService]:
    st = tables.get("stop_times.txt")
    trips = tables.get("trips.txt")
    if st is None:
        report.error("missing: a flex feed needs stop_times.txt", file="stop_times.txt")
        return []
    trip_route = dict(zip(trips["trip_id"], trips["route_id"], strict=True)) \
        if trips is not None else {}
    trip_service = dict(zip(trips["trip_id"], trips["service_id"], strict=True)) \
        if trips is not None else {}
    trip_safe: dict[str, tuple[float, float] | None] = {}
    if trips is not None and {"safe_duration_factor", "safe_duration_offset"} & set(
            trips.columns):
        for line, row in enumerate(trips.to_dict("records"), 2):
            try:
                trip_safe[row["trip_id"]] = _safe(row.get("safe_duration_factor", ""),
                                                  row.get("safe_duration_offset", ""), False)
            except ValueError:
                report.error("safe_duration_factor/offset must be numbers",
                             file="trips.txt", row=line, column="safe_duration_factor")
    draft_factor = _col(st, ("safe_duration_factor",))
    draft_offset = _col(st, ("safe_duration_offset",))
    ref = _col(st, ("location_group_id", "location_id", "stop_id"))
    start = _col(st, WINDOW_START)
    end = _col(st, WINDOW_END)
    pick = _col(st, ("pickup_booking_rule_id",))
    drop = _col(st, ("drop_off_booking_rule_id",))
    out = []
    fixed_zone_rows = []
    for i in range(len(st)):
        loc = ref.iat[i]
        is_zone = loc in zones or loc in groups
        if not is_zone and not start.iat[i]:
            continue  # a fixed-route stop time
        line = i + 2
        try:
            w0, w1 = _seconds(start.iat[i]), _seconds(end.iat[i])
        except ValueError:
            report.error(f"window {start.iat[i]!r}-{end.iat[i]!r} is not HH:MM:SS",
                         file="stop_times.txt", row=line)
            continue
        if w0 is None or w1 is None:
            fixed_zone_rows.append(line)  # a deviated route: a zone at a fixed time
            continue
        if not is_zone:
            report.warning(f"{loc!r} is neither a zone of locations.geojson nor a location "
                           "group or stop area: the row is skipped", file="stop_times.txt",
                           row=line)
            continue
        tid = st["trip_id"].iat[i]
        safe = trip_safe.get(tid)
        if safe is None:  # the draft: on the row
            try:
                safe = _safe(draft_factor.iat[i], draft_offset.iat[i], True)
            except ValueError:
                report.error("safe_duration_factor/offset must be numbers",
                             file="stop_times.txt", row=line, column="safe_duration_factor")
        out.append(FlexService(tid, trip_route.get(tid, ""), trip_service.get(tid, ""), loc,
                               (w0, w1), pick.iat[i], drop.iat[i], safe))
    if fixed_zone_rows:
        report.warning(f"{len(fixed_zone_rows)} rows serve zones without a pickup/drop-off "
                       f"window (deviated fixed routes, from line {fixed_zone_rows[0]}): "
                       "they are not imported as on-demand areas", file="stop_times.txt",
                       row=fixed_zone_rows[0])
    return out


def _areas(tables: dict[str, pd.DataFrame | None], services: list[FlexService],
           zones: dict[str, dict[str, Any]], groups: dict[str, list[str]],
           stops: dict[str, tuple[float, float]], names: dict[str, str],
           rules: dict[str, BookingRule], report: ValidationReport) -> list[ServiceArea]:
    """One service area per route and location: its polygon, hours and booking rule."""
    routes = tables.get("routes.txt")
    route_name: dict[str, str] = {}
    if routes is not None:
        for r in routes.to_dict("records"):
            route_name[r.get("route_id", "")] = (r.get("route_short_name") or
                                                 r.get("route_long_name") or r["route_id"])
    by_key: dict[tuple[str, str], list[FlexService]] = defaultdict(list)
    for s in services:
        by_key[(s.route_id, s.location)].append(s)
    out: list[ServiceArea] = []
    told: set[str] = set()
    for (route, loc), rows in by_key.items():
        geom = _geometry(loc, zones, groups, stops, report, told)
        if geom is None:
            continue
        rule_id = next((r.pickup_rule for r in rows if r.pickup_rule), "")
        if rule_id and rule_id not in rules:
            report.warning(f"booking rule {rule_id!r} is not in booking_rules.txt",
                           file="stop_times.txt", column="pickup_booking_rule_id")
        hours = (min(r.window[0] for r in rows), max(r.window[1] for r in rows))
        label = names.get(loc) or zones.get(loc, {}).get("name") or loc
        rname = route_name.get(route, route)
        safes = {r.safe_duration for r in rows if r.safe_duration is not None}
        if len(safes) > 1:
            report.warning(f"route {route!r} at {loc!r}: its trips give different safe "
                           f"durations {sorted(safes)}; the longest is kept",
                           file="trips.txt", column="safe_duration_factor")
        members = tuple(AreaStop(m, names.get(m, ""), stops[m]) for m in groups.get(loc, [])
                        if m in stops and m not in zones)
        out.append(ServiceArea(label if rname in ("", label) else f"{rname} {label}", geom,
                               properties={"route_id": route, "location_id": loc,
                                           "trips": sorted({r.trip_id for r in rows}),
                                           "services": sorted({r.service_id for r in rows})},
                               hours=hours, booking=rules.get(rule_id), stops=members,
                               safe_duration=max(safes) if safes else None))
    return out


def _geometry(loc: str, zones: dict[str, dict[str, Any]], groups: dict[str, list[str]],
              stops: dict[str, tuple[float, float]], report: ValidationReport,
              told: set[str]) -> dict[str, Any] | None:
    if loc in zones:
        return zones[loc]["geometry"]  # type: ignore[no-any-return]
    members = groups.get(loc, [])
    polys = [shape(zones[m]["geometry"]) for m in members if m in zones]
    pts = [(stops[m][1], stops[m][0]) for m in members if m in stops]
    if polys:
        return dict(mapping(unary_union(polys)))
    if pts:
        if loc not in told:
            told.add(loc)
            report.warning(f"location group {loc!r} has no polygon, only {len(pts)} stops: the "
                           "area riders come from is taken as their hull widened by ~300 m "
                           "(the area keeps the stops: pickups and drop-offs are at them)",
                           file="location_groups.txt")
        return dict(mapping(MultiPoint(pts).convex_hull.buffer(STOP_BUFFER_DEG)))
    if loc not in told:
        told.add(loc)
        report.error(f"location {loc!r} has neither a polygon nor member stops with "
                     "coordinates: its service cannot be used", file="stop_times.txt")
    return None
