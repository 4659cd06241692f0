"""The complete GTFS-Flex export (issue 19): booking rules with every field the GTFS reference
defines (checked as it requires per booking type, every fault at once), the safe travel
durations the dispatch rules promise, stop-based areas as location groups, feed_info; and
the round trip ``read_flex(write_flex(...))`` on the built-in region and on every real feed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape

from dispatch.feed_ids import area_id, group_id, route_id, trip_id
from dispatch.insertion import DispatchParams
from dispatch.service_area import AreaStop, BookingRule, ServiceArea
from feeds import validate_gtfs
from feeds.flex import FeedInfo, read_flex, write_flex
from mobility import RegionError, resolve_region
from tests.conftest import FLEX

FEEDS = ["aspen-on-demand", "brockton-various", "cobblinc-deviated", "lincoln-county",
         "uckermark-rufbus"]
#: booking_rules.txt's fields as the GTFS reference lists them
REFERENCE_RULE_FIELDS = [
    "booking_rule_id", "booking_type", "prior_notice_duration_min", "prior_notice_duration_max",
    "prior_notice_start_day", "prior_notice_start_time", "prior_notice_last_day",
    "prior_notice_last_time", "prior_notice_service_id", "message", "pickup_message",
    "drop_off_message", "phone_number", "info_url", "booking_url"]
SQUARE = {"type": "Polygon", "coordinates": [[[-73.3, 43.9], [-73.0, 43.9], [-73.0, 44.2],
                                              [-73.3, 44.2], [-73.3, 43.9]]]}
#: a German Rufbus's rule: book 60 minutes to 7 days ahead, by phone or online
RUFBUS = BookingRule(1, 3600.0, 7 * 1440 * 60.0, message="Anmeldung mind. 60 min vorher",
                     phone="+49 3332 442 755", booking_url="https://example.org/buchen",
                     info_url="https://example.org/rufbus",
                     pickup_message="Abholung an der Haltestelle",
                     drop_off_message="Ausstieg an jeder Haltestelle des Gebiets")
#: a dial-a-ride rule: book from 14 days ahead, 08:00, until 17:00 the day before
DIAL_A_RIDE = BookingRule(2, last_day=1, last_time_s=17 * 3600.0, start_day=14,
                          start_time_s=8 * 3600.0, message="Call the day before by 5 pm",
                          phone="(802) 555-0100", notice_service_id="")


def _table(zip_path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(zip_path) as z:
        return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8-sig"))))


def _names(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as z:
        return set(z.namelist())


# -- booking rules as the reference wants them --------------------------------------------
@pytest.mark.parametrize("rule", [BookingRule(0, message="now"), RUFBUS, DIAL_A_RIDE,
                                  BookingRule(1, 0.0), BookingRule(1, 1800.0, start_day=2,
                                                                   start_time_s=0.0),
                                  BookingRule(2, last_day=0, last_time_s=12 * 3600.0)])
def test_valid_rules_have_no_problem(rule: BookingRule) -> None:
    assert rule.problems() == []


@pytest.mark.parametrize(("rule", "field"), [
    (BookingRule(3), "booking_type"),
    (BookingRule(0, 600.0), "prior_notice_duration_min"),  # forbidden but for same-day
    (BookingRule(2, 600.0, last_day=1, last_time_s=0.0), "prior_notice_duration_min"),
    (BookingRule(0, notice_max_s=600.0), "prior_notice_duration_max"),
    (BookingRule(1, 1200.0, 600.0), "prior_notice_duration_max"),  # max below min
    (BookingRule(1, 90.0), "prior_notice_duration_min"),  # not whole minutes
    (BookingRule(2), "prior_notice_last_day"),  # required for prior-day
    (BookingRule(1, 600.0, last_day=1, last_time_s=0.0), "prior_notice_last_day"),
    (BookingRule(2, last_day=1), "prior_notice_last_time"),  # required with the last day
    (BookingRule(1, 600.0, last_time_s=0.0), "prior_notice_last_time"),  # without a day
    (BookingRule(0, start_day=1, start_time_s=0.0), "prior_notice_start_day"),
    (BookingRule(1, 600.0, 1200.0, start_day=1, start_time_s=0.0), "prior_notice_start_day"),
    (BookingRule(2, last_day=1, last_time_s=0.0, start_day=1), "prior_notice_start_time"),
    (BookingRule(2, last_day=2, last_time_s=0.0, start_day=1, start_time_s=0.0),
     "prior_notice_start_day"),  # booking would open after it closes
    (BookingRule(1, 600.0, notice_service_id="weekdays"), "prior_notice_service_id"),
    (BookingRule(0, booking_url="www.example.org"), "booking_url"),
    (BookingRule(0, info_url="ftp://example.org"), "info_url"),
])
def test_each_reference_rule_is_checked(rule: BookingRule, field: str) -> None:
    assert [f for f, _ in rule.problems()] == [field]


def test_a_rule_reports_every_fault_at_once() -> None:
    bad = BookingRule(0, 600.0, 1200.0, last_day=1, start_day=2, booking_url="x")
    assert {f for f, _ in bad.problems()} == {
        "prior_notice_duration_min", "prior_notice_duration_max", "prior_notice_last_day",
        "prior_notice_last_time", "prior_notice_start_day", "prior_notice_start_time",
        "booking_url"}


def test_when_a_rule_lets_a_ride_be_booked() -> None:
    tz = ZoneInfo("America/New_York")
    pickup = dt.datetime(2016, 3, 3, 9, 0, tzinfo=tz)

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2016, 3, day, hour, minute, tzinfo=tz)

    # prior day: until 17:00 the day before, from 08:00 fourteen days before
    assert DIAL_A_RIDE.refusal(at(2, 16, 59), pickup) is None
    assert "by 17:00 1 day(s) before" in str(DIAL_A_RIDE.refusal(at(2, 17, 1), pickup))
    assert DIAL_A_RIDE.refusal(at(3, 8), pickup) is not None  # the same day: too late
    opens = dt.datetime(2016, 2, 18, 8, 0, tzinfo=tz)  # 14 days before, 08:00
    assert DIAL_A_RIDE.refusal(opens, pickup) is None
    assert "from 08:00 14 day(s)" in str(DIAL_A_RIDE.refusal(
        opens - dt.timedelta(minutes=1), pickup))
    # same day: 60 minutes to 7 days ahead
    assert RUFBUS.refusal(pickup - dt.timedelta(minutes=60), pickup) is None
    assert "at least 60" in str(RUFBUS.refusal(pickup - dt.timedelta(minutes=59), pickup))
    assert "at most 10080" in str(RUFBUS.refusal(pickup - dt.timedelta(days=7, minutes=1),
                                                 pickup))
    assert BookingRule(0).refusal(pickup, pickup) is None


# -- the region's settings ----------------------------------------------------------------
HEAD = 'name = "tiny"\ngtfs = ["gtfs.zip"]\nosm = "streets.osm"\nservice_areas = ["a.geojson"]\n'


def _region(folder: Path, text: str) -> Path:
    (folder / "a.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "square"}, "geometry": SQUARE}]}),
        encoding="utf-8")
    toml = folder / "region.toml"
    toml.write_text(HEAD + text, encoding="utf-8")
    return toml


def _error(folder: Path, text: str) -> str:
    toml = _region(folder, text)
    with pytest.raises(RegionError) as exc:
        resolve_region(folder, folder.parent)
    message = str(exc.value)
    assert message.startswith(f"{toml}: "), message
    return message


def test_region_booking_settings_become_the_areas_rule(tiny_region: Path) -> None:
    _region(tiny_region, '[[areas]]\nname = "square"\n[areas.booking]\nbooking_type = 2\n'
            'prior_notice_last_day = 1\nprior_notice_last_time = "17:00"\n'
            'prior_notice_start_day = 14\nprior_notice_start_time = "08:00"\n'
            'message = "Call the day before by 5 pm"\nphone_number = "(802) 555-0100"\n')
    cfg = resolve_region(tiny_region, tiny_region.parent)
    assert cfg.booking("square") == DIAL_A_RIDE
    # `url`, the older key, is the booking URL
    _region(tiny_region, '[[areas]]\nname = "square"\n[areas.booking]\nbooking_type = 0\n'
            'url = "https://example.org/book"\n')
    rule = resolve_region(tiny_region, tiny_region.parent).booking("square")
    assert rule is not None and rule.booking_url == "https://example.org/book"
    assert rule.url == "https://example.org/book" and rule.info_url == ""


def test_bad_booking_settings_are_reported_all_at_once(tiny_region: Path) -> None:
    m = _error(tiny_region, '[[areas]]\nname = "square"\n[areas.booking]\nbooking_type = 2\n'
               'prior_notice_duration_min = 30\nprior_notice_start_day = 3\n'
               'info_url = "example.org"\nurl = "https://a.example"\n'
               'booking_url = "https://b.example"\n'
               '[[areas]]\nname = "circle"\n')
    for part in ("areas[0].booking.prior_notice_duration_min is forbidden for prior-day",
                 "areas[0].booking.prior_notice_last_day is required for prior-day",
                 "areas[0].booking.prior_notice_start_time is required with "
                 "prior_notice_start_day",
                 "areas[0].booking.info_url must be an http(s) URL",
                 "areas[0].booking.url is the older name of booking_url",
                 "areas[1].name must name one of the region's service areas (square), "
                 "not 'circle'"):
        assert part in m, m


def test_booking_setting_types_name_their_key(tiny_region: Path) -> None:
    m = _error(tiny_region, '[[areas]]\nname = "square"\n[areas.booking]\nbooking_type = 1\n'
               'prior_notice_duration_min = "30"\nprior_notice_last_time = "5pm"\n'
               'colour = 1\n')
    assert "areas[0].booking.prior_notice_duration_min must be whole minutes from 0" in m
    assert 'areas[0].booking.prior_notice_last_time must be a time "HH:MM"' in m
    assert "areas[0].booking.colour is not a known key" in m
    m = _error(tiny_region, '[feed]\nlang = "English"\nend_date = "2020-01-01"\n'
               'start_date = "2021-01-01"\n')
    assert "'feed.lang' must be a language code" in m
    assert "'feed.end_date' must not precede start_date" in m


def test_stop_based_area_takes_its_stops_from_the_gtfs(tiny_region: Path,
                                                      tmp_path: Path) -> None:
    from mobility import load_region
    from tests.conftest import FIXTURES

    text = (FIXTURES / "gtfs_tiny" / "stops.txt").read_text(encoding="utf-8-sig")
    stops = {r["stop_id"]: r for r in csv.DictReader(io.StringIO(text))}
    ids = sorted(stops)[:2]
    _region(tiny_region, f'[[areas]]\nname = "square"\nstops = {json.dumps(ids)}\n')
    region = load_region("tiny", data=tiny_region.parent, cache_dir=tmp_path, workers=1)
    (area,) = region.service_areas
    assert [s.id for s in area.stops] == ids
    for s in area.stops:  # names and places as the feed's stops.txt has them
        assert s.name == stops[s.id]["stop_name"]
        assert s.point == pytest.approx((float(stops[s.id]["stop_lat"]),
                                         float(stops[s.id]["stop_lon"])))
    _region(tiny_region, '[[areas]]\nname = "square"\nstops = ["nope", "nix"]\n')
    with pytest.raises(RegionError, match=r"areas\[0\]\.stops: 'nope', 'nix' are not "
                                          "stop_ids of the region's GTFS"):
        load_region("tiny", data=tiny_region.parent, cache_dir=tmp_path, workers=1)


# -- safe durations --------------------------------------------------------------------------
def test_safe_duration_is_the_ride_time_promise() -> None:
    p = DispatchParams(alpha=1.8, beta=420.0, boarding_s=45.0, alighting_s=15.0)
    factor, offset = p.safe_duration()
    for direct in (60.0, 600.0, 3600.0):  # boarding + the longest ride + alighting
        assert factor * direct + offset == pytest.approx(
            p.boarding_s + p.max_ride(direct) + p.alighting_s)


# -- export and round trip ---------------------------------------------------------------------
def _same_area(a: ServiceArea, b: ServiceArea) -> None:
    assert (a.name, a.hours, a.booking, a.safe_duration, a.stops) == (
        b.name, b.hours, b.booking, b.safe_duration, b.stops), a.name
    assert shape(a.geometry).equals(shape(b.geometry)), a.name


def test_builtin_region_round_trips(addison, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The built-in region's area, with its configured rule and the dispatch rules' safe
    duration, comes back unchanged; the files say what the configuration says."""
    from mobility.flex_feed import feed_info

    safe = DispatchParams().safe_duration()
    areas = [replace(a, safe_duration=safe) for a in addison.service_areas]
    (area,) = areas
    rule = addison.config.booking(area.name)
    assert rule is not None and area.booking == rule and not rule.problems()
    info, agency = feed_info(addison.config)
    out = write_flex(areas, tmp_path / "f.zip", agency=agency.name, timezone=addison.timezone,
                     url=agency.url, feed_info=info)
    back = read_flex(out)
    assert not back.report.problems, [str(p) for p in back.report.problems]
    (b,) = back.areas
    _same_area(area, b)
    assert back.feed_info == replace(info, version=back.feed_info.version if back.feed_info
                                     else "")
    assert back.feed_info is not None and len(back.feed_info.version) == 12
    # the files themselves
    assert list(_table(out, "booking_rules.txt")[0]) == REFERENCE_RULE_FIELDS
    (trip,) = _table(out, "trips.txt")
    assert trip["trip_id"] == trip_id(area.name) and trip["route_id"] == route_id(area.name)
    assert (float(trip["safe_duration_factor"]), float(trip["safe_duration_offset"])) == (
        1.5, 600 + 60 + 30)  # alpha; beta + boarding + alighting (the defaults)
    (fi,) = _table(out, "feed_info.txt")
    assert (fi["feed_publisher_name"], fi["feed_lang"]) == (
        "Addison County Transit Resources", "en")
    assert {r["location_id"] for r in _table(out, "stop_times.txt")} == {area_id(area.name)}
    assert "location_groups.txt" not in _names(out)  # door to door: a zone


def test_feed_version_follows_the_content(tmp_path: Path) -> None:
    a = ServiceArea("square", SQUARE, hours=(8 * 3600.0, 18 * 3600.0))

    def version(area: ServiceArea, name: str) -> str:
        out = write_flex([area], tmp_path / name, agency="x", timezone="UTC")
        return _table(out, "feed_info.txt")[0]["feed_version"]

    assert version(a, "1.zip") == version(a, "2.zip")  # deterministic
    assert version(a, "1.zip") != version(replace(a, hours=(8 * 3600.0, 19 * 3600.0)),
                                          "3.zip")
    given = FeedInfo("P", "https://p.example", "de", "20260101", "20261231", "v7",
                     "data@p.example", "https://p.example/contact")
    out = write_flex([a], tmp_path / "4.zip", agency="x", timezone="UTC", feed_info=given)
    assert read_flex(out).feed_info == given


def test_stop_based_area_is_a_location_group(tmp_path: Path) -> None:
    stops = (AreaStop("s1", "Market Square", (44.0153, -73.1673)),
             AreaStop("s2", "Post Office", (44.0201, -73.1702)),
             AreaStop("s3", "Church Street", (44.0105, -73.1601)))
    ring = ServiceArea("Rufbus Nord", SQUARE, hours=(6 * 3600.0, 22 * 3600.0), booking=RUFBUS,
                       stops=stops, safe_duration=(1.5, 690.0))
    zone = ServiceArea("zone", {"type": "Polygon", "coordinates": [
        [[-72.9, 43.9], [-72.8, 43.9], [-72.8, 44.0], [-72.9, 43.9]]]},
        hours=(7 * 3600.0, 9 * 3600.0), booking=DIAL_A_RIDE, stops=())
    out = write_flex([ring, zone], tmp_path / "f.zip", agency="x", timezone="Europe/Berlin")
    report = validate_gtfs(out)
    assert report.valid, report.summary()
    gid = group_id(ring.name)
    assert _table(out, "location_groups.txt") == [{"location_group_id": gid,
                                                    "location_group_name": ring.name}]
    assert [(r["location_group_id"], r["stop_id"]) for r in
            _table(out, "location_group_stops.txt")] == [(gid, s.id) for s in stops]
    assert {r["stop_id"]: (r["stop_name"], float(r["stop_lat"]), float(r["stop_lon"]))
            for r in _table(out, "stops.txt")} == {s.id: (s.name, *s.point) for s in stops}
    rows = _table(out, "stop_times.txt")
    assert {r["location_group_id"] for r in rows if r["trip_id"] == trip_id(ring.name)} == {gid}
    assert all(r["location_id"] == "" for r in rows if r["trip_id"] == trip_id(ring.name))
    features = json.loads(zipfile.ZipFile(out).read("locations.geojson"))["features"]
    assert [f["id"] for f in features] == [area_id(zone.name)]  # only the zone
    back = read_flex(out)
    assert not back.report.errors
    by_name = {a.name: a for a in back.areas}
    r2, z2 = by_name[ring.name], by_name[zone.name]
    assert (r2.stops, r2.booking, r2.hours, r2.safe_duration) == (
        stops, RUFBUS, ring.hours, ring.safe_duration)
    assert all(r2.contains(s.point) for s in stops)
    _same_area(zone, z2)
    # two rules, each with every field
    rules = {r["booking_rule_id"]: r for r in _table(out, "booking_rules.txt")}
    assert len(rules) == 2
    dial = next(r for r in rules.values() if r["booking_type"] == "2")
    assert (dial["prior_notice_last_day"], dial["prior_notice_last_time"],
            dial["prior_notice_start_day"], dial["prior_notice_start_time"],
            dial["prior_notice_duration_min"]) == ("1", "17:00:00", "14", "08:00:00", "")
    ruf = next(r for r in rules.values() if r["booking_type"] == "1")
    assert (ruf["prior_notice_duration_min"], ruf["prior_notice_duration_max"],
            ruf["info_url"], ruf["booking_url"]) == ("60", "10080", RUFBUS.info_url,
                                                     RUFBUS.booking_url)


def test_ids_must_not_clash(tmp_path: Path) -> None:
    hours = (8 * 3600.0, 9 * 3600.0)
    a = ServiceArea("a b", SQUARE, hours=hours)
    with pytest.raises(ValueError, match="one id 'a-b'"):
        write_flex([a, replace(a, name="a/b")], tmp_path / "x.zip", agency="x", timezone="UTC")
    stop = AreaStop("a-b", "A", (44.0, -73.1))
    with pytest.raises(ValueError, match="also the id of a service area"):
        write_flex([a, ServiceArea("c", SQUARE, hours=hours, stops=(stop,))],
                   tmp_path / "x.zip", agency="x", timezone="UTC")
    with pytest.raises(ValueError, match="names two different stops"):
        write_flex([ServiceArea("c", SQUARE, hours=hours, stops=(stop,)),
                    ServiceArea("d", SQUARE, hours=hours,
                                stops=(replace(stop, name="B"),))],
                   tmp_path / "x.zip", agency="x", timezone="UTC")


@pytest.mark.parametrize("feed", FEEDS)
def test_real_feeds_round_trip(feed: str, tmp_path: Path) -> None:
    """Import, export, import again: every area comes back with its name, window, booking
    rule (every field), safe duration, stops and shape; no new kind of problem appears."""
    first = read_flex(FLEX / f"{feed}.zip")
    out = write_flex(first.areas, tmp_path / "out.zip", agency="x", timezone="UTC")
    again = read_flex(out)
    assert not again.report.errors, [str(p) for p in again.report.errors]
    kinds = {(p.file, p.column) for p in first.report.warnings}
    assert {(p.file, p.column) for p in again.report.warnings} <= kinds
    assert len(again.areas) == len(first.areas)
    for a, b in zip(first.areas, again.areas, strict=True):
        _same_area(a, b)
    # every rule an area uses is written with every field it had in the feed
    used = {a.booking for a in first.areas if a.booking is not None}
    assert set(again.rules.values()) == used
    # groups: a stop-based area's group holds the same stops
    for a, b in zip(first.areas, again.areas, strict=True):
        if a.stops:
            assert again.groups[b.properties["location_id"]] == [s.id for s in a.stops]


def test_real_feeds_fields_reach_the_areas() -> None:
    """Independent of the round trip: what the feeds' own files say is what the areas
    carry (the fields the importer once merged or dropped)."""
    brockton = read_flex(FLEX / "brockton-various.zip")
    raw = {r["booking_rule_id"]: r for r in _table(FLEX / "brockton-various.zip",
                                                   "booking_rules.txt")}
    for rid, rule in brockton.rules.items():
        r = raw[rid]
        assert (rule.message, rule.pickup_message, rule.drop_off_message, rule.info_url,
                rule.booking_url, rule.phone) == (
            r["message"], r["pickup_message"].strip(), r["drop_off_message"].strip(),
            r["info_url"], r["booking_url"], r["phone_number"])
        assert rule.last_day == int(r["prior_notice_last_day"])
    # a prior-day rule without its last time breaks the reference: kept, and reported
    assert any(p.column == "prior_notice_last_time" for p in brockton.report.warnings)
    aspen = read_flex(FLEX / "aspen-on-demand.zip")
    st = _table(FLEX / "aspen-on-demand.zip", "stop_times.txt")[0]
    (a,) = aspen.areas  # the draft's offsets on stop_times are minutes
    assert a.safe_duration == (float(st["safe_duration_factor"]),
                               60 * float(st["safe_duration_offset"]))
    uck = read_flex(FLEX / "uckermark-rufbus.zip")
    rows = _table(FLEX / "uckermark-rufbus.zip", "location_groups.txt")
    stops = {r["stop_id"] for r in _table(FLEX / "uckermark-rufbus.zip", "stops.txt")}
    for area in uck.areas:
        members = [r["location_id"] for r in rows
                   if r["location_group_id"] == area.properties["location_id"]
                   and r["location_id"] in stops]
        assert [s.id for s in area.stops] == members and members
        hull = shape(area.geometry)
        assert all(hull.covers(ShapelyPoint(s.point[1], s.point[0])) for s in area.stops)


def test_the_api_keeps_the_published_rule(addison, addison_travel, addison_planner,  # type: ignore[no-untyped-def]
                                          store) -> None:
    """The rule the feed publishes is the rule quotes keep: under a prior-day rule (by
    17:00 the day before) a ride tomorrow is quoted at 16:00 and refused at 17:30; one
    today is refused at once, naming the rule."""
    from fastapi.testclient import TestClient

    from api import create_app
    from tests.api_helpers import BRISTOL, MIDDLEBURY, NOW, ApiUnderTest, ride, tomorrow
    from tests.conftest import booking_service

    (area,) = addison.service_areas
    area = replace(area, booking=replace(DIAL_A_RIDE, start_day=None, start_time_s=None))
    svc = booking_service(addison, addison_travel, store, [area])
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)) as c:
        a = ApiUnderTest(c, store, svc)
        a.clock.set(NOW.replace(hour=16))
        r = a.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
        assert r.status_code == 201, r.text
        today = NOW.replace(hour=19).isoformat()
        r = a.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, today))
        assert r.status_code == 422 and r.json()["type"] == "/problems/booking-notice"
        assert "by 17:00 1 day(s) before" in r.json()["detail"]
        a.clock.set(NOW.replace(hour=17, minute=30))
        r = a.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
        assert r.status_code == 422 and r.json()["type"] == "/problems/booking-notice"


def test_url_is_still_the_booking_url() -> None:
    """Code written against the rule's one ``url`` keeps working: as a keyword, as the
    eighth positional field, and as the attribute (the booking URL, else the info URL)."""
    by_key = BookingRule(1, notice_min_s=600.0, url="https://example.org/book")
    by_place = BookingRule(1, 600.0, None, None, None, "", "", "https://example.org/book")
    assert by_key == by_place and by_key.booking_url == "https://example.org/book"
    assert by_key.url == "https://example.org/book"
    assert BookingRule(0, info_url="https://example.org/info").url == "https://example.org/info"
    assert replace(by_key, message="m").booking_url == by_key.booking_url
    with pytest.raises(TypeError, match="not both"):
        BookingRule(0, url="https://a.example", booking_url="https://b.example")
