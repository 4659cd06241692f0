"""GTFS-Flex v2 export: a region's on-demand service areas as a feed other journey planners
read — one demand-responsive route (route_type 715) and trip per area; its zone in
``locations.geojson`` (door to door) or its stops as a location group
(``location_groups.txt``, ``location_group_stops.txt``, ``stops.txt``); its hours as the
pickup/drop-off window, its booking rule (``booking_rules.txt``, every field), its safe
travel duration (``trips.safe_duration_factor``/``offset``), ``feed_info.txt`` and its fare
as GTFS Fares v2 (:mod:`feeds.flex._fares`)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from dispatch.feed_ids import AGENCY_ID, SERVICE_ID, area_id, group_id, route_id, trip_id
from dispatch.service_area import AreaStop, BookingRule, ServiceArea
from feeds.flex._fares import fare_tables
from feeds.flex._feed_info import COLUMNS as FEED_INFO_COLUMNS
from feeds.flex._feed_info import FeedInfo
from routing.timebase import clock_text

REAL_TIME = BookingRule(0, message="Book in the app or by calling the dispatcher.")
#: ``booking_rules.txt``'s columns, in the GTFS reference's order
RULE_COLUMNS = ("booking_rule_id", "booking_type", "prior_notice_duration_min",
                "prior_notice_duration_max", "prior_notice_start_day",
                "prior_notice_start_time", "prior_notice_last_day", "prior_notice_last_time",
                "prior_notice_service_id", "message", "pickup_message", "drop_off_message",
                "phone_number", "info_url", "booking_url")
#: the digits of the content digest an unset ``feed_version`` becomes
VERSION_DIGITS = 12


def _hms(seconds: float | None) -> str:
    return "" if seconds is None else clock_text(seconds, with_seconds=True)


def _num(x: float) -> str:
    """A number as GTFS writes it: whole numbers without a decimal point."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _blank(x: object) -> object:
    return "" if x is None else x


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def rule_row(rid: str, r: BookingRule) -> list[object]:
    """A rule as its ``booking_rules.txt`` row (:data:`RULE_COLUMNS`), every field as given:
    the prior notice in whole minutes, a zero minimum notice only for same-day booking
    (where the field is required)."""
    notice_min = (_num(r.notice_min_s / 60) if r.booking_type == 1 or r.notice_min_s
                  else "")
    notice_max = "" if r.notice_max_s is None else _num(r.notice_max_s / 60)
    return [rid, r.booking_type, notice_min, notice_max, _blank(r.start_day),
            _hms(r.start_time_s), _blank(r.last_day), _hms(r.last_time_s),
            r.notice_service_id, r.message, r.pickup_message, r.drop_off_message, r.phone,
            r.info_url, r.booking_url]


def write_flex(areas: list[ServiceArea], out: Path, *, agency: str, timezone: str,
               url: str = "https://example.org/on-demand", start: str = "20250101",
               end: str = "20351231", phone: str = "", lang: str = "",
               feed_info: FeedInfo | None = None) -> Path:
    """Write ``areas`` (each needs ``hours``) as a GTFS-Flex v2 zip at ``out``; services
    run every day from ``start`` to ``end`` (YYYYMMDD).

    An area with ``stops`` is served at those stops (a location group), any other door to
    door within its polygon (a zone). Booking rules are written as given
    (:meth:`BookingRule.problems` is the check). ``feed_info`` defaults to the agency as
    publisher, the service's dates and a version that is a digest of the content.

    Raises
    ------
    ValueError
        For an area without hours, two areas with one id, or a stop id used twice for
        different stops or also by an area.
    """
    if not areas:
        raise ValueError("no on-demand service area to export")
    routes, trips, stop_times, features = [], [], [], []
    groups: list[list[object]] = []
    group_stops: list[list[object]] = []
    stops: dict[str, AreaStop] = {}
    seen_rules: dict[BookingRule, str] = {}
    ids: dict[str, str] = {}  # location / group id -> area name: one namespace with stops
    for a in areas:
        if a.hours is None:
            raise ValueError(f"service area {a.name!r} has no service hours to export")
        loc = group_id(a.name) if a.stops else area_id(a.name)
        if loc in ids:
            raise ValueError(f"service areas {ids[loc]!r} and {a.name!r} get one id {loc!r}: "
                             "rename one")
        ids[loc] = a.name
        tid = trip_id(a.name)
        rule = a.booking or REAL_TIME
        rid = seen_rules.setdefault(rule, f"booking-{len(seen_rules) + 1}")
        routes.append([route_id(a.name), AGENCY_ID, a.name, "", 715])
        safe = ["", ""] if a.safe_duration is None else [_num(x) for x in a.safe_duration]
        trips.append([route_id(a.name), SERVICE_ID, tid, a.name, *safe])
        w0, w1 = _hms(a.hours[0]), _hms(a.hours[1])
        for seq in (1, 2):  # pickup and drop-off anywhere in the zone within the hours
            stop_times.append([tid, seq, "", loc if a.stops else "", "" if a.stops else loc,
                               "", "", w0, w1, 2, 2, rid, rid])
        if a.stops:
            groups.append([loc, a.name])
            for s in a.stops:
                if stops.setdefault(s.id, s) != s:
                    raise ValueError(f"stop id {s.id!r} names two different stops "
                                     f"({stops[s.id]} and {s}, in {a.name!r})")
                group_stops.append([loc, s.id])
        else:
            features.append({"type": "Feature", "id": loc,
                             "properties": {"stop_name": a.name}, "geometry": a.geometry})
    clash = sorted(set(stops) & set(ids))
    if clash:
        raise ValueError(f"stop id(s) {', '.join(clash)} are also the id of a service area's "
                         "zone or location group")
    files = {
        "agency.txt": _csv(["agency_id", "agency_name", "agency_url", "agency_timezone",
                            "agency_lang", "agency_phone"],
                           [[AGENCY_ID, agency, url, timezone, lang, phone]]),
        "routes.txt": _csv(["route_id", "agency_id", "route_short_name", "route_long_name",
                            "route_type"], routes),
        "calendar.txt": _csv(["service_id", "monday", "tuesday", "wednesday", "thursday",
                              "friday", "saturday", "sunday", "start_date", "end_date"],
                             [[SERVICE_ID, 1, 1, 1, 1, 1, 1, 1, start, end]]),
        "trips.txt": _csv(["route_id", "service_id", "trip_id", "trip_headsign",
                           "safe_duration_factor", "safe_duration_offset"], trips),
        # classic GTFS readers need the file; a stop-based area's stops are its rows
        "stops.txt": _csv(["stop_id", "stop_name", "stop_lat", "stop_lon"],
                          [[s.id, s.name, _num(s.point[0]), _num(s.point[1])]
                           for s in stops.values()]),
        # stop_id and the times stay empty on zone and group rows
        "stop_times.txt": _csv(["trip_id", "stop_sequence", "stop_id", "location_group_id",
                                "location_id", "arrival_time", "departure_time",
                                "start_pickup_drop_off_window", "end_pickup_drop_off_window",
                                "pickup_type", "drop_off_type", "pickup_booking_rule_id",
                                "drop_off_booking_rule_id"], stop_times),
        "booking_rules.txt": _csv(RULE_COLUMNS, [rule_row(rid, rule)
                                                 for rule, rid in seen_rules.items()]),
    }
    if features:
        files["locations.geojson"] = json.dumps({"type": "FeatureCollection",
                                                 "features": features})
    if groups:
        files["location_groups.txt"] = _csv(["location_group_id", "location_group_name"],
                                            groups)
        files["location_group_stops.txt"] = _csv(["location_group_id", "stop_id"],
                                                 group_stops)
    for name, (header, rows) in fare_tables(areas).items():  # GTFS Fares v2: flat fares
        files[name] = _csv(header, rows)
    info = feed_info or FeedInfo(agency, url, lang or "en", start, end)
    if not info.version:  # the content's digest: a new version whenever the service changes
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
        info = replace(info, version=digest.hexdigest()[:VERSION_DIGITS])
    files["feed_info.txt"] = _csv(FEED_INFO_COLUMNS, [info.row()])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    tmp.replace(out)
    return out
