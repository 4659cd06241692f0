"""GTFS-Flex v2 import: zones, location groups and stop areas, booking rules and on-demand
windows, as the drafts and the final spec spell them, into service areas.

Real feeds differ: windows come as ``start_pickup_drop_off_window`` (final spec),
``start_pickup_dropoff_window`` (draft) or ``min_arrival_time``/``max_departure_time``
(older draft); zones are referenced through ``location_id``, ``location_group_id`` or plain
``stop_id``; groups are listed in ``location_group_stops.txt``, in ``location_groups.txt``
itself, or as ``stop_areas.txt``; a notice may be minutes or ``HH:MM:SS``. All are accepted,
and what a feed lacks (a zone without a polygon) is reported, not guessed silently.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry import MultiPoint, mapping, shape
from shapely.ops import unary_union

from dispatch.service_area import BookingRule, ServiceArea
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


@dataclass
class FlexFeed:
    """What a GTFS-Flex feed offers: its service areas, the rows behind them and the report
    of everything that could not be used as given."""

    areas: list[ServiceArea]
    services: list[FlexService]
    rules: dict[str, BookingRule]
    report: ValidationReport
    zones: dict[str, dict[str, Any]] = field(default_factory=dict)


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
                                             "stop_areas.txt", "areas.txt")
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
    rules = _rules(tables.get("booking_rules.txt"), report)
    services = _services(tables, zones, groups, report)
    if not services:
        report.error("no on-demand service: no stop_times row serves a zone, location group "
                     "or stop area, or has a pickup/drop-off window", file="stop_times.txt")
    areas = _areas(tables, services, zones, groups, stops, names, rules, report)
    return FlexFeed(areas, services, rules, report, zones)


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


def _rules(df: pd.DataFrame | None, report: ValidationReport) -> dict[str, BookingRule]:
    if df is None:
        return {}
    out = {}
    for line, row in enumerate(df.to_dict("records"), 2):
        rid = row.get("booking_rule_id", "")
        try:
            btype = int(row.get("booking_type") or 0)
            notice = _notice_s(row.get("prior_notice_duration_min", ""))
            notice_max = _notice_s(row.get("prior_notice_duration_max", ""))
            last_day = row.get("prior_notice_last_day", "")
            last_time = _seconds(row.get("prior_notice_last_time", ""))
        except ValueError as exc:
            report.error(f"booking rule {rid!r}: {exc}", file="booking_rules.txt", row=line)
            continue
        if btype not in (0, 1, 2):
            report.error(f"booking_type must be 0, 1 or 2, not {btype}",
                         file="booking_rules.txt", row=line, column="booking_type")
            continue
        message = (row.get("message") or row.get("pickup_message") or "").strip()
        out[rid] = BookingRule(btype, notice or 0.0, notice_max,
                               int(last_day) if str(last_day).strip().isdigit() else None,
                               last_time, message, row.get("phone_number", ""),
                               row.get("booking_url") or row.get("info_url", ""))
    return out


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
        out.append(FlexService(tid, trip_route.get(tid, ""), trip_service.get(tid, ""), loc,
                               (w0, w1), pick.iat[i], drop.iat[i]))
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
        out.append(ServiceArea(label if rname in ("", label) else f"{rname} {label}", geom,
                               properties={"route_id": route, "location_id": loc,
                                           "trips": sorted({r.trip_id for r in rows}),
                                           "services": sorted({r.service_id for r in rows})},
                               hours=hours, booking=rules.get(rule_id)))
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
                           "area is taken as their hull widened by ~300 m (pickups and drop-"
                           "offs should be at those stops)", file="location_groups.txt")
        return dict(mapping(MultiPoint(pts).convex_hull.buffer(STOP_BUFFER_DEG)))
    if loc not in told:
        told.add(loc)
        report.error(f"location {loc!r} has neither a polygon nor member stops with "
                     "coordinates: its service cannot be used", file="stop_times.txt")
    return None
