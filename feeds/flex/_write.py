"""GTFS-Flex v2 export: a region's on-demand service areas as a feed other journey planners
read — one demand-responsive route (route_type 715) and trip per area, its zone in
``locations.geojson``, its hours as the pickup/drop-off window and its booking rule."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

from dispatch.feed_ids import AGENCY_ID, SERVICE_ID, area_id, route_id, trip_id
from dispatch.service_area import BookingRule, ServiceArea
from routing.timebase import clock_text

REAL_TIME = BookingRule(0, message="Book in the app or by calling the dispatcher.")


def _hms(seconds: float) -> str:
    return clock_text(seconds, with_seconds=True)


def _csv(header: list[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_flex(areas: list[ServiceArea], out: Path, *, agency: str, timezone: str,
               url: str = "https://example.org/on-demand", start: str = "20250101",
               end: str = "20351231") -> Path:
    """Write ``areas`` (each needs ``hours``) as a GTFS-Flex v2 zip at ``out``; services
    run every day from ``start`` to ``end`` (YYYYMMDD)."""
    if not areas:
        raise ValueError("no on-demand service area to export")
    routes, trips, stop_times, rules, features = [], [], [], [], []
    seen_rules: dict[BookingRule, str] = {}
    for a in areas:
        if a.hours is None:
            raise ValueError(f"service area {a.name!r} has no service hours to export")
        zid, tid = area_id(a.name), trip_id(a.name)
        rule = a.booking or REAL_TIME
        rid = seen_rules.setdefault(rule, f"booking-{len(seen_rules) + 1}")
        routes.append([route_id(a.name), AGENCY_ID, a.name, "", 715])
        trips.append([route_id(a.name), SERVICE_ID, tid, a.name])
        w0, w1 = _hms(a.hours[0]), _hms(a.hours[1])
        for seq in (1, 2):  # pickup and drop-off anywhere in the zone within the hours
            stop_times.append([tid, seq, "", zid, "", "", w0, w1, 2, 2, rid,
                               rid])
        features.append({"type": "Feature", "id": zid,
                         "properties": {"stop_name": a.name}, "geometry": a.geometry})
    for rule, rid in seen_rules.items():
        rules.append([rid, rule.booking_type,
                      int(rule.notice_min_s // 60) if rule.booking_type == 1 else "",
                      int(rule.notice_max_s // 60) if rule.notice_max_s is not None
                      and rule.booking_type == 1 else "",
                      rule.last_day if rule.last_day is not None else "",
                      _hms(rule.last_time_s) if rule.last_time_s is not None else "",
                      rule.message, rule.phone, rule.url])
    files = {
        "agency.txt": _csv(["agency_id", "agency_name", "agency_url", "agency_timezone"],
                           [[AGENCY_ID, agency, url, timezone]]),
        "routes.txt": _csv(["route_id", "agency_id", "route_short_name", "route_long_name",
                            "route_type"], routes),
        "calendar.txt": _csv(["service_id", "monday", "tuesday", "wednesday", "thursday",
                              "friday", "saturday", "sunday", "start_date", "end_date"],
                             [[SERVICE_ID, 1, 1, 1, 1, 1, 1, 1, start, end]]),
        "trips.txt": _csv(["route_id", "service_id", "trip_id", "trip_headsign"], trips),
        # stop_id and the times stay empty on zone rows; classic GTFS readers need the columns
        "stops.txt": _csv(["stop_id", "stop_name", "stop_lat", "stop_lon"], []),
        "stop_times.txt": _csv(["trip_id", "stop_sequence", "stop_id", "location_id",
                                "arrival_time", "departure_time",
                                "start_pickup_drop_off_window", "end_pickup_drop_off_window",
                                "pickup_type", "drop_off_type", "pickup_booking_rule_id",
                                "drop_off_booking_rule_id"], stop_times),
        "booking_rules.txt": _csv(["booking_rule_id", "booking_type",
                                   "prior_notice_duration_min", "prior_notice_duration_max",
                                   "prior_notice_last_day", "prior_notice_last_time",
                                   "message", "phone_number", "booking_url"], rules),
        "locations.geojson": json.dumps({"type": "FeatureCollection", "features": features}),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    tmp.replace(out)
    return out
