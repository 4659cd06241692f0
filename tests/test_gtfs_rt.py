"""The GTFS-Realtime feeds (/gtfs-rt/trip-updates, /gtfs-rt/vehicle-positions,
/gtfs-rt/alerts) on the real addison-vt region over SQLite and PostgreSQL: every feed
decodes with the official bindings and refers only to ids of the static GTFS-Flex feed that
``feeds.flex.write_flex`` writes for the region; a ride is shown booked (its promised
windows), cancelled and re-timed by its vehicle's reports, each checked against an
independent computation; today's and tomorrow's rides are in, the day after's not; ETag and
304; the header's timestamp comes from the service's clock and the data, not the wall
clock; no rider's identity appears in any feed's bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import replace
from typing import Any

import pytest
from google.transit import gtfs_realtime_pb2 as rt

from api.gtfs_rt.ids import TripIds
from api.gtfs_rt.trip_updates import UNDO_S
from tests.api_helpers import (
    ADDISON_TZ,
    BRISTOL,
    MIDDLEBURY,
    NOW,
    VERGENNES,
    WEYBRIDGE,
    ride,
    tomorrow,
)

FEEDS = ("trip-updates", "vehicle-positions", "alerts")
TOMORROW = NOW.date() + dt.timedelta(days=1)
NEW = rt.TripDescriptor.NEW
CANCELED = rt.TripDescriptor.CANCELED
DELETED = rt.TripDescriptor.DELETED


def at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), ADDISON_TZ).isoformat()


def fetch(api, name: str, **headers: str):  # type: ignore[no-untyped-def]
    return api.client.get(f"/gtfs-rt/{name}", headers=headers)


def feed(api, name: str) -> rt.FeedMessage:  # type: ignore[no-untyped-def]
    r = fetch(api, name)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-protobuf"
    msg = rt.FeedMessage()
    msg.ParseFromString(r.content)
    assert msg.header.gtfs_realtime_version == "2.0"
    assert msg.header.incrementality == rt.FeedHeader.FULL_DATASET
    return msg


def trips(api) -> dict[str, rt.TripUpdate]:  # type: ignore[no-untyped-def]
    return {e.trip_update.trip.trip_id: e.trip_update for e in feed(api, "trip-updates").entity}


def epoch(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp())


def event(api, vid: str, kind: str, **body: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = api.post(f"/api/v1/vehicles/{vid}/events", "dispatcher", {"type": kind, **body})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def expect_window(ev: rt.TripUpdate.StopTimeEvent, start: str, end: str) -> None:
    """The promise: ``time ± uncertainty`` covers the window [start, end] to the second,
    ``scheduled_time`` is ``time``."""
    lo, hi = epoch(start), epoch(end)
    assert ev.HasField("uncertainty")
    assert ev.time - ev.uncertainty in (lo, lo - 1) and ev.time + ev.uncertainty == hi
    assert ev.scheduled_time == ev.time


def expect_estimate(ev: rt.TripUpdate.StopTimeEvent, when: int, start: str, end: str
                    ) -> None:
    """A live estimate: ``time``, no uncertainty, the promise's middle as scheduled."""
    assert ev.time == when and not ev.HasField("uncertainty")
    assert ev.scheduled_time == (epoch(start) + epoch(end)) // 2


# -- the static feed ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def static_ids(addison, tmp_path_factory) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """The ids of the static GTFS-Flex feed ``mobility flex export`` writes for the region."""
    from feeds.flex import REAL_TIME, write_flex

    out = tmp_path_factory.mktemp("flex") / "flex.zip"
    areas = [replace(a, booking=a.booking or REAL_TIME) for a in addison.service_areas]
    write_flex(areas, out, agency="addison-vt on-demand", timezone=addison.timezone)
    with zipfile.ZipFile(out) as z:
        def rows(name: str) -> list[dict[str, str]]:
            return list(csv.DictReader(io.StringIO(z.read(name).decode())))

        locations = json.loads(z.read("locations.geojson"))
        return {"route": {r["route_id"] for r in rows("routes.txt")},
                "agency": {r["agency_id"] for r in rows("agency.txt")},
                "stop": {f["id"] for f in locations["features"]}
                | {r["stop_id"] for r in rows("stops.txt")},
                "trip": {r["trip_id"] for r in rows("trips.txt")}}


def test_every_feed_decodes_and_refers_to_the_static_feed(api, static_ids) -> None:  # type: ignore[no-untyped-def]
    """A ride booked, its vehicle reporting, a closure entered: each feed decodes, and every
    route, stop (zone) and agency id it names is one of the static feed's; the realtime
    trips are new (no static trip id)."""
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    api.clock.set(dt.datetime.fromisoformat(tomorrow(8, 30)))
    event(api, b["vehicleId"], "position", lat=BRISTOL[0], lon=BRISTOL[1])
    r = api.post("/api/v1/service-alerts", "dispatcher", {
        "area": b["area"], "effect": "closure", "start": tomorrow(12), "end": tomorrow(14),
        "texts": [{"language": "en", "header": "Closed for the parade"}]})
    assert r.status_code == 201, r.text
    tu, vp, al = (feed(api, n) for n in FEEDS)
    assert len(tu.entity) == len(vp.entity) == len(al.entity) == 1
    routes, stops = set(), set()
    for e in tu.entity:
        routes.add(e.trip_update.trip.route_id)
        stops |= {u.stop_id for u in e.trip_update.stop_time_update}
        assert e.trip_update.trip.trip_id not in static_ids["trip"]
    for e in vp.entity:
        routes.add(e.vehicle.trip.route_id)
        stops.add(e.vehicle.stop_id)
    agencies = set()
    for e in al.entity:
        for sel in e.alert.informed_entity:
            routes.add(sel.route_id)
            agencies.add(sel.agency_id)
    assert routes and routes <= static_ids["route"]
    assert stops and stops <= static_ids["stop"]
    assert agencies and agencies <= static_ids["agency"]


# -- a ride's states ---------------------------------------------------------------------------
def test_a_booked_ride_is_a_new_trip_with_its_promised_windows(api) -> None:  # type: ignore[no-untyped-def]
    """Before its vehicle reports, a ride is a NEW trip of its area's route on its date,
    starting at its pickup window's start, with the vehicle, and the pickup and drop-off
    windows the booking promised (as the booking API and the driver's manifest say)."""
    q, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    (tid, tu), = trips(api).items()
    assert tu.trip.schedule_relationship == NEW
    assert tu.trip.route_id == "od-" + b["area"] and tu.trip.start_date == f"{TOMORROW:%Y%m%d}"
    start = dt.datetime.fromisoformat(b["pickupWindow"]["start"])
    assert tu.trip.start_time == f"{start:%H:%M:%S}"
    assert (tu.vehicle.id, tu.vehicle.label) == (b["vehicleId"], b["vehicleId"])
    assert not tu.HasField("timestamp")  # no live data yet
    pick, drop = tu.stop_time_update
    assert (pick.stop_sequence, drop.stop_sequence) == (1, 2)
    assert pick.stop_id == drop.stop_id == b["area"]
    assert pick.HasField("departure") and not pick.HasField("arrival")
    assert drop.HasField("arrival") and not drop.HasField("departure")
    expect_window(pick.departure, b["pickupWindow"]["start"], b["pickupWindow"]["end"])
    # the drop-off window as the driver's manifest shows it
    m = api.get(f"/api/v1/vehicles/{b['vehicleId']}/manifest", "dispatcher",
                params={"date": TOMORROW.isoformat()}).json()
    dropoff = next(s for s in m["stops"] if s["bookingId"] == b["id"] and s["kind"] == "dropoff")
    assert dropoff["window"]["end"] == b["latestDropoff"]
    expect_window(drop.arrival, dropoff["window"]["start"], dropoff["window"]["end"])
    props = rt.TripUpdate.StopTimeUpdate.StopTimeProperties
    assert pick.stop_time_properties.drop_off_type == props.NONE
    assert drop.stop_time_properties.pickup_type == props.NONE
    assert tid.startswith("odr-") and b["id"] not in tid


def test_a_ride_re_timed_by_its_vehicle_shows_the_live_estimates(api, addison_travel) -> None:  # type: ignore[no-untyped-def]
    """Once the vehicle reports, the times are its live estimates: reporting from Bristol
    at 08:55, too far to be in Middlebury at 09:00, the pickup is expected after the drive
    from there; picked up at 09:20 the pickup is that report (certain) and the drop-off
    is expected after boarding and the drive to Weybridge — each computed here from the
    car travel times, independently of the dispatcher."""
    q, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    vid, win = b["vehicleId"], b["pickupWindow"]
    api.clock.set(dt.datetime.fromisoformat(tomorrow(8, 55)))
    event(api, vid, "position", lat=BRISTOL[0], lon=BRISTOL[1])
    drive = float(addison_travel.one_to_many(BRISTOL, [MIDDLEBURY])[0])
    reported = epoch(tomorrow(8, 55))
    tu = trips(api)[TripIds(api.store, api.clock.now).trip_id(b["id"])]
    assert tu.trip.schedule_relationship == NEW and tu.timestamp == reported
    pick, drop = tu.stop_time_update
    assert abs(pick.departure.time - (reported + drive)) <= 1
    assert pick.departure.time > epoch(win["start"])  # the drive, not the window's start
    expect_estimate(pick.departure, pick.departure.time, win["start"], win["end"])
    booked = api.get(f"/api/v1/bookings/{b['id']}", "rider").json()
    assert pick.departure.time == epoch(booked["live"]["estimatedPickup"])
    assert drop.arrival.time == epoch(booked["live"]["estimatedDropoff"])
    assert not drop.arrival.HasField("uncertainty")
    # picked up at 09:20: the pickup happened, the drop-off follows the drive
    api.clock.set(dt.datetime.fromisoformat(tomorrow(9, 20)))
    event(api, vid, "picked_up", bookingId=b["id"])
    ride_s = float(addison_travel.one_to_many(MIDDLEBURY, [WEYBRIDGE])[0])
    boarding = api.service.params.request("x", MIDDLEBURY, WEYBRIDGE, ride_s, (0, 1), (0, 2),
                                          1, 0).pickup_service
    tu = trips(api)[tu.trip.trip_id]
    pick, drop = tu.stop_time_update
    assert pick.departure.time == epoch(tomorrow(9, 20)) and pick.departure.uncertainty == 0
    assert abs(drop.arrival.time - (epoch(tomorrow(9, 20)) + boarding + ride_s)) <= 1
    assert not drop.arrival.HasField("uncertainty")
    # dropped off at 09:45: both stops are what happened
    api.clock.set(dt.datetime.fromisoformat(tomorrow(9, 45)))
    event(api, vid, "dropped_off", bookingId=b["id"])
    tu = trips(api)[tu.trip.trip_id]
    pick, drop = tu.stop_time_update
    assert tu.trip.schedule_relationship == NEW
    assert (pick.departure.time, drop.arrival.time) == (epoch(tomorrow(9, 20)),
                                                         epoch(tomorrow(9, 45)))
    assert pick.departure.uncertainty == drop.arrival.uncertainty == 0


def test_cancelled_rides_are_canceled_and_undone_ones_deleted(api) -> None:  # type: ignore[no-untyped-def]
    """A ride cancelled an hour after booking is CANCELED (without stops or vehicle) for
    the rest of its day; one cancelled within the undo time of its booking is DELETED; a
    no-show is CANCELED; the day after, they are gone."""
    ids = TripIds(api.store, api.clock.now)
    _, kept = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    _, late = api.book("rider", ride(WEYBRIDGE, MIDDLEBURY, tomorrow(13)))
    _, undone = api.book("rider2", ride(MIDDLEBURY, VERGENNES, tomorrow(11)))
    api.clock.advance(UNDO_S - 60)
    assert api.delete(f"/api/v1/bookings/{undone['id']}", "rider2").status_code == 200
    api.clock.advance(3600)
    assert api.delete(f"/api/v1/bookings/{late['id']}", "rider").status_code == 200
    got = trips(api)
    assert got[ids.trip_id(kept["id"])].trip.schedule_relationship == NEW
    for bid, rel in ((late["id"], CANCELED), (undone["id"], DELETED)):
        tu = got[ids.trip_id(bid)]
        assert tu.trip.schedule_relationship == rel
        assert not tu.stop_time_update and not tu.HasField("vehicle")
        assert tu.trip.route_id == "od-" + late["area"]
        assert tu.trip.start_date == f"{TOMORROW:%Y%m%d}"
    # on its day, late in the evening, the cancelled ride is still shown cancelled
    api.clock.set(dt.datetime.combine(TOMORROW, dt.time(23, 30), ADDISON_TZ))
    assert trips(api)[ids.trip_id(late["id"])].trip.schedule_relationship == CANCELED
    # the day after, none of tomorrow's rides is in the feed any more
    api.clock.set(dt.datetime.combine(TOMORROW + dt.timedelta(days=1), dt.time(0, 5),
                                      ADDISON_TZ))
    assert trips(api) == {}


def test_a_no_show_is_canceled(api) -> None:  # type: ignore[no-untyped-def]
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    api.clock.set(dt.datetime.fromisoformat(b["pickupWindow"]["end"]))
    event(api, b["vehicleId"], "no_show", bookingId=b["id"])
    tu, = trips(api).values()
    assert tu.trip.schedule_relationship == CANCELED and not tu.stop_time_update


def test_today_and_tomorrow_are_in_the_day_after_not(api) -> None:  # type: ignore[no-untyped-def]
    """Rides of today and tomorrow are in the feed, the day after's not — until its day
    comes; one cancelled before its day entered the feed was never shown and stays out."""
    ids = TripIds(api.store, api.clock.now)
    after = TOMORROW + dt.timedelta(days=1)
    _, today = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, at(NOW.date(), 10)))
    _, tmrw = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(10)))
    _, later = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, at(after, 10)))
    _, dropped = api.book("rider2", ride(MIDDLEBURY, VERGENNES, at(after, 12)))
    api.clock.advance(3600)
    assert api.delete(f"/api/v1/bookings/{dropped['id']}", "rider2").status_code == 200
    got = trips(api)
    assert set(got) == {ids.trip_id(today["id"]), ids.trip_id(tmrw["id"])}
    assert {tu.trip.start_date for tu in got.values()} == {f"{NOW.date():%Y%m%d}",
                                                             f"{TOMORROW:%Y%m%d}"}
    api.clock.set(dt.datetime.combine(TOMORROW, dt.time(0, 1), ADDISON_TZ))
    assert set(trips(api)) == {ids.trip_id(tmrw["id"]), ids.trip_id(later["id"])}


# -- vehicle positions -----------------------------------------------------------------------
def test_vehicle_positions_show_vehicles_on_duty_with_their_current_trip(api) -> None:  # type: ignore[no-untyped-def]
    """No vehicle before it reports; after a report, the vehicle at that position and time
    with the ride of its next stop (the trip updates' trip id): the pickup, then once on
    board the drop-off; after its shift it is off duty and gone."""
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    vid = b["vehicleId"]
    api.clock.set(dt.datetime.fromisoformat(tomorrow(8, 40)))
    assert list(feed(api, "vehicle-positions").entity) == []
    event(api, vid, "position", lat=WEYBRIDGE[0], lon=WEYBRIDGE[1])
    tid = next(iter(trips(api)))
    e, = feed(api, "vehicle-positions").entity
    vp = e.vehicle
    assert (vp.vehicle.id, vp.vehicle.label) == (vid, vid)
    assert vp.position.latitude == pytest.approx(WEYBRIDGE[0], abs=1e-5)
    assert vp.position.longitude == pytest.approx(WEYBRIDGE[1], abs=1e-5)
    assert not vp.position.HasField("bearing")
    assert vp.timestamp == epoch(tomorrow(8, 40))
    assert vp.trip.trip_id == tid and vp.trip.schedule_relationship == NEW
    assert (vp.stop_id, vp.current_stop_sequence) == (b["area"], 1)
    api.clock.set(dt.datetime.fromisoformat(tomorrow(9, 5)))
    event(api, vid, "picked_up", bookingId=b["id"])
    vp = feed(api, "vehicle-positions").entity[0].vehicle
    assert (vp.trip.trip_id, vp.current_stop_sequence) == (tid, 2)
    assert vp.position.latitude == pytest.approx(MIDDLEBURY[0], abs=1e-5)
    shift_end = next(v for v in api.get("/api/v1/vehicles", "dispatcher").json()["vehicles"]
                     if v["id"] == vid)["shiftEnd"]
    h, m = map(int, shift_end.split(":"))
    api.clock.set(dt.datetime.combine(TOMORROW, dt.time(h, m), ADDISON_TZ))
    assert list(feed(api, "vehicle-positions").entity) == []


# -- the HTTP side: ETag, header timestamp, JSON, privacy ---------------------------------------
def test_etag_and_not_modified(api) -> None:  # type: ignore[no-untyped-def]
    """The same data gives the same bytes and ETag, and If-None-Match gets 304 (an empty
    body) — also after the clock moved on, as long as nothing changed; a new booking
    changes the ETag."""
    api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    for name in FEEDS:
        first, again = fetch(api, name), fetch(api, name)
        tag = first.headers["etag"]
        assert first.content == again.content and again.headers["etag"] == tag
        assert tag.startswith('"') and first.headers["cache-control"] == "no-cache"
        api.clock.advance(90)
        for sent in (tag, f"W/{tag}", f'"nope", {tag}', "*"):
            r = fetch(api, name, **{"If-None-Match": sent})
            assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == tag
        assert fetch(api, name, **{"If-None-Match": '"other"'}).status_code == 200
        js = api.client.get(f"/gtfs-rt/{name}", params={"format": "json"})
        assert js.headers["content-type"] == "application/json" and js.headers["etag"] != tag
    before = fetch(api, "trip-updates").headers["etag"]
    api.book("rider2", ride(MIDDLEBURY, VERGENNES, tomorrow(11)))
    r = fetch(api, "trip-updates", **{"If-None-Match": before})
    assert r.status_code == 200 and r.headers["etag"] != before


def test_header_timestamp_is_the_moment_the_data_describes(api) -> None:  # type: ignore[no-untyped-def]
    """Stamped by the service's clock, not the machine's: today's midnight while nothing
    happened today, then the moment of the last booking (not later, however long the clock
    runs on), then the vehicle's report; a stop overdue makes it now."""
    midnight = int(dt.datetime.combine(NOW.date(), dt.time(0), ADDISON_TZ).timestamp())
    for name in FEEDS:
        assert feed(api, name).header.timestamp == midnight
    api.clock.advance(600)
    booked_at = api.clock.now()
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, at(NOW.date(), 11)))
    api.clock.advance(1200)
    assert feed(api, "trip-updates").header.timestamp == int(booked_at.timestamp())
    api.clock.set(dt.datetime.combine(NOW.date(), dt.time(10, 30), ADDISON_TZ))
    event(api, b["vehicleId"], "position", lat=MIDDLEBURY[0], lon=MIDDLEBURY[1])
    reported = int(api.clock.now().timestamp())
    api.clock.advance(60)
    assert feed(api, "trip-updates").header.timestamp == reported
    assert feed(api, "vehicle-positions").header.timestamp == reported
    # the vehicle stays silent past the pickup's planned time: the estimate moves with now
    api.clock.set(dt.datetime.fromisoformat(b["pickupWindow"]["end"]) + dt.timedelta(minutes=5))
    msg = feed(api, "trip-updates")
    assert msg.header.timestamp == int(api.clock.now().timestamp())
    assert msg.entity[0].trip_update.stop_time_update[0].departure.time == (
        msg.header.timestamp)


def test_json_is_the_same_feed(api) -> None:  # type: ignore[no-untyped-def]
    from google.protobuf import json_format

    api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    for name in FEEDS:
        pb = feed(api, name)
        js = api.client.get(f"/gtfs-rt/{name}", params={"format": "json"})
        assert js.status_code == 200
        assert json_format.Parse(js.text, rt.FeedMessage()) == pb
    assert "trip_update" in api.client.get("/gtfs-rt/trip-updates?format=json").json()[
        "entity"][0]


@pytest.mark.parametrize("fmt", ["xml", "", "PB", "json\u202e", "1" * 300])
def test_unknown_formats_are_422(api, fmt: str) -> None:  # type: ignore[no-untyped-def]
    for name in FEEDS:
        r = api.client.get(f"/gtfs-rt/{name}", params={"format": fmt})
        assert r.status_code == 422 and r.headers["content-type"].startswith(
            "application/problem+json")


def test_no_rider_identity_in_any_feed(api) -> None:  # type: ignore[no-untyped-def]
    """Riders' names, phones, ids, bookings' and quotes' ids and keys appear in no feed
    (protobuf or JSON), in any state of the ride; trip ids are the same after a restart
    (a new reader of the same store) and differ from ride to ride."""
    q1, b1 = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    q2, b2 = api.book("rider2", ride(MIDDLEBURY, VERGENNES, tomorrow(11)))
    api.clock.advance(3600)
    api.delete(f"/api/v1/bookings/{b2['id']}", "rider2")
    api.clock.set(dt.datetime.fromisoformat(tomorrow(8, 50)))
    event(api, b1["vehicleId"], "position", lat=BRISTOL[0], lon=BRISTOL[1])
    api.post("/api/v1/service-alerts", "dispatcher", {
        "area": b1["area"], "effect": "reduced",
        "texts": [{"language": "de", "header": "Weniger Fahrzeuge"}]})
    secrets = ["Erika Muster", "Muster", "Max Mustermann", "+49 170 1234567", "1701234567",
               api.rider_id("rider"), api.rider_id("rider2"), b1["id"], b2["id"],
               q1["id"], q2["id"], *api.keys.values(),
               *(k.split("_")[1][:16] for k in api.keys.values() if "_" in k)]
    for name in FEEDS:
        for params in ({}, {"format": "json"}):
            body = api.client.get(f"/gtfs-rt/{name}", params=params).content
            for s in secrets:
                assert s.encode() not in body, (name, s)
    tids = set(trips(api))
    restarted = TripIds(api.store, api.clock.now)
    assert tids == {restarted.trip_id(b1["id"]), restarted.trip_id(b2["id"])}
    assert len(tids) == 2
