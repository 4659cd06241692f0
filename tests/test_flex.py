"""GTFS-Flex import on the five real feeds (three spellings of the windows, zones through
stop_id, location_id and groups, notices in minutes and HH:MM:SS) and on broken hand-made
feeds."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from shapely.geometry import shape

from feeds.flex import read_flex
from tests.conftest import FLEX, ROOT

FEEDS = ["aspen-on-demand", "brockton-various", "cobblinc-deviated", "lincoln-county",
         "uckermark-rufbus"]


def _table(feed: str, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(FLEX / f"{feed}.zip") as z:
        return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8-sig"))))


@pytest.mark.parametrize("feed", FEEDS)
def test_every_real_feed_imports(feed: str) -> None:
    f = read_flex(FLEX / f"{feed}.zip")
    assert f.areas and not f.report.errors, [str(p) for p in f.report.errors]
    for a in f.areas:
        geom = shape(a.geometry)
        assert geom.is_valid and geom.area > 0
        assert a.hours is not None and a.hours[0] < a.hours[1]
    # every trip of an imported service belongs to a route of the feed
    routes = {r["route_id"] for r in _table(feed, "routes.txt")}
    assert {s.route_id for s in f.services} <= routes


def test_uckermark_groups_notice_and_draft_windows() -> None:
    f = read_flex(FLEX / "uckermark-rufbus.zip")
    # independent count: the feed's on-demand trips (all its trips are RufBus trips)
    trips = {r["trip_id"] for r in _table("uckermark-rufbus", "trips.txt")}
    assert {s.trip_id for s in f.services} == trips
    by_route = {a.properties["route_id"]: a for a in f.areas}
    a476 = by_route["flex-476"]
    # weekdays 17:30-22:00 and weekends 08:00-22:00 (start_pickup_dropoff_window spelling)
    assert a476.hours == (8 * 3600.0, 22 * 3600.0)
    assert a476.booking is not None and a476.booking.booking_type == 1
    assert a476.booking.notice_min_s == 60 * 60
    assert "+49" in a476.booking.phone
    # groups of stops without polygons: an approximate area, and the report says so
    assert any("has no polygon" in p.message for p in f.report.warnings)
    stops = {r["stop_id"]: r for r in _table("uckermark-rufbus", "stops.txt")}
    members = [r["location_id"] for r in _table("uckermark-rufbus", "location_groups.txt")
               if r["location_group_id"] == "flex-476-stops" and r["location_id"] in stops]
    assert members and all(a476.contains((float(stops[m]["stop_lat"]),
                                          float(stops[m]["stop_lon"]))) for m in members)


def test_final_spelling_and_zone_through_stop_id() -> None:
    f = read_flex(FLEX / "aspen-on-demand.zip")
    (a,) = f.areas
    assert a.properties["location_id"] == "area_294"  # referenced through stop_id
    assert a.hours == (8 * 3600.0, 23 * 3600.0)  # start_pickup_drop_off_window
    assert a.booking is not None and a.booking.booking_type == 0
    assert a.contains((39.1911, -106.8175))  # downtown Aspen


def test_older_draft_windows_and_hhmmss_notice() -> None:
    f = read_flex(FLEX / "lincoln-county.zip")
    dial = [a for a in f.areas if a.properties["location_id"] in ("area_271", "area_272")]
    assert dial and all(a.hours == (0.0, 7.5 * 3600) for a in dial)  # min_arrival_time…
    assert dial[0].booking is not None and dial[0].booking.booking_type == 2
    assert dial[0].booking.notice_min_s == 24 * 3600  # "24:00:00"
    assert any("deviated fixed routes" in p.message for p in f.report.warnings)


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


ZONE = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "z1", "properties": {},
     "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0.1, 0], [0.1, 0.1], [0, 0]]]}},
    {"type": "Feature", "id": "p1", "properties": {},
     "geometry": {"type": "Point", "coordinates": [0, 0]}}]})


def test_broken_feed_reports_every_problem(tmp_path: Path) -> None:
    feed = _write(tmp_path / "bad", {
        "locations.geojson": ZONE,
        "routes.txt": "route_id,route_short_name,route_type\nr1,R1,715\n",
        "trips.txt": "route_id,service_id,trip_id\nr1,s1,t1\nr1,s1,t2\n",
        "booking_rules.txt": "booking_rule_id,booking_type,prior_notice_duration_min\n"
                             "b1,1,30\nb2,7,\n",
        "stop_times.txt": "trip_id,stop_sequence,location_id,start_pickup_drop_off_window,"
                          "end_pickup_drop_off_window,pickup_booking_rule_id\n"
                          "t1,1,z1,08:00:00,12:00:00,b1\n"
                          "t2,1,z1,8h,12:00:00,b1\n"
                          "t2,2,nowhere,09:00:00,10:00:00,b1\n"})
    f = read_flex(feed)
    (a,) = f.areas
    assert a.hours == (8 * 3600.0, 12 * 3600.0) and a.booking is not None
    assert a.booking.notice_min_s == 30 * 60
    found = {(p.file, p.row, p.column) for p in f.report.problems}
    assert ("booking_rules.txt", 3, "booking_type") in found
    assert ("stop_times.txt", 3, None) in found  # the bad window
    assert ("stop_times.txt", 4, None) in found  # an unknown location
    assert any("not a Polygon" in p.message for p in f.report.warnings)  # the point zone


def test_feed_without_on_demand_service_is_an_error(tmp_path: Path) -> None:
    feed = _write(tmp_path / "fixed", {
        "trips.txt": "route_id,service_id,trip_id\nr1,s1,t1\n",
        "stop_times.txt": "trip_id,stop_sequence,stop_id,arrival_time,departure_time\n"
                          "t1,1,a,08:00:00,08:00:00\n"})
    f = read_flex(feed)
    assert not f.areas and any("no on-demand service" in p.message for p in f.report.errors)


@pytest.mark.slow
def test_cli_flex_import_json() -> None:
    r = subprocess.run([sys.executable, "-m", "mobility", "flex", "import",
                        str(FLEX / "uckermark-rufbus.zip"), "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert len(doc["areas"]) == 5 and doc["errors"] == []
    assert {a["booking"]["notice_min"] for a in doc["areas"]} == {60.0}
    missing = subprocess.run([sys.executable, "-m", "mobility", "flex", "import",
                              str(ROOT / "nope.zip")], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode == 1 and "no such file" in missing.stdout


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    return (a.name == b.name and a.hours == b.hours and a.booking == b.booking
            and shape(a.geometry).equals(shape(b.geometry)))


@pytest.mark.parametrize("feed", ["uckermark-rufbus", "aspen-on-demand", "cobblinc-deviated"])
def test_export_round_trips_imported_feeds(feed: str, tmp_path: Path) -> None:
    from feeds.flex import write_flex

    first = read_flex(FLEX / f"{feed}.zip").areas
    out = write_flex(first, tmp_path / "out.zip", agency="x", timezone="Europe/Berlin")
    again = read_flex(out)
    assert not again.report.errors, [str(p) for p in again.report.errors]
    # only what the feed itself had: a group of stops without a polygon
    assert all("has no polygon" in p.message for p in again.report.warnings)
    assert len(again.areas) == len(first)
    for a, b in zip(first, again.areas, strict=True):
        assert a.hours == b.hours and a.booking == b.booking
        assert shape(a.geometry).equals(shape(b.geometry))


def test_region_export_is_valid_and_reads_back(tmp_path: Path) -> None:
    from dataclasses import replace

    from feeds import validate_gtfs
    from mobility.config import resolve_region
    from tests.conftest import DATA

    out = tmp_path / "addison-flex.zip"
    env = {**os.environ, "MOBILITY_CACHE": str(ROOT / ".mobility-cache")}
    r = subprocess.run([sys.executable, "-m", "mobility", "flex", "export", "addison-vt",
                        str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env=env)
    assert r.returncode == 0, r.stderr
    assert validate_gtfs(out).valid
    (back,) = read_flex(out).areas
    cfg = resolve_region("addison-vt", DATA)
    (spec,) = cfg.service_areas()
    shifts = [v.shift for _, v in cfg.fleet]
    expected = replace(back, name=spec.name, geometry=spec.geometry,
                       hours=(min(s[0] for s in shifts), max(s[1] for s in shifts)),
                       booking=cfg.booking(spec.name))  # the region's configured rule
    assert _same(back, expected)
