"""On-demand first and last miles in the journey planner, on addison-vt's streets and
timetable with the demo service area: offered rides are timed to the connection and really
bookable against the dispatcher's plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from api.routes.plan import plan_answer
from api.store import Store
from dispatch.model import Request
from mobility.planning import RegionPlanner
from mobility.server import ride_legs
from tests.api_helpers import ADDISON_TZ, NOW
from tests.conftest import booking_service

CORNWALL = "43.9600,-73.2100"  # a village with no bus stop within 15 minutes' walk
VERGENNES = "44.1670,-73.2540"
#: the day after the tests' clock (NOW): rides are offered for times to come only; the
#: expired feed is replayed on it (a Wednesday)
DAY = NOW.date() + dt.timedelta(days=1)


def at(hour: int) -> str:
    """A local time on DAY, as the plan query takes it."""
    return f"{DAY}T{hour:02d}:00"


def ms(hour: int) -> float:
    return dt.datetime.combine(DAY, dt.time(hour), ADDISON_TZ).timestamp() * 1000


QUERY = (CORNWALL, VERGENNES, at(7))


def _planner(addison, addison_travel, tmp_path: Path, shift: tuple[float, float] | None = None
             ):  # type: ignore[no-untyped-def]
    areas = addison.service_areas
    if shift is not None:
        areas = [replace(a, vehicles=tuple(replace(v, shift=shift) for v in a.vehicles),
                         hours=shift) for a in areas]
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    od = booking_service(addison, addison_travel, store, areas)
    planner = RegionPlanner(addison, replay=True)
    planner.on_demand = ride_legs(planner, od)
    return planner, od


def test_village_to_town_by_ride_then_bus(addison, addison_travel, tmp_path: Path) -> None:
    planner, od = _planner(addison, addison_travel, tmp_path)
    out = plan_answer(planner, *QUERY)
    assert out["itineraries"], out["messages"]
    # (the door-to-door ride may rank first: it arrives earlier)
    it = next(i for i in out["itineraries"] if i["kind"] == "on_demand_transit")
    ride, bus = it["legs"][0], it["legs"][1]
    assert (ride["mode"], bus["mode"]) == ("ON_DEMAND", "BUS")
    assert ride["to"]["name"] == bus["from"]["name"]  # dropped at the stop the bus leaves
    buffer_ms = planner.on_demand.buffer_s * 1000
    assert ride["endTime"] <= bus["startTime"] - buffer_ms
    start_ms = ms(7)
    info = ride["bookingInfo"]
    assert ride["startTime"] >= start_ms and info["bookable"] is True
    assert info["pickupWindow"]["start"] <= ride["startTime"] <= info["pickupWindow"]["end"]
    assert info["dropOffWindow"]["end"] <= bus["startTime"] - buffer_ms
    assert it["walkTime"] < it["duration"] and it["transitTime"] >= ride["duration"]
    # bookable now: the same ride commits into the day's plans
    base = dt.datetime.combine(DAY, dt.time(12), od.tz) - dt.timedelta(hours=12)
    secs = [(info[w][k] / 1000 - base.timestamp()) for w in ("pickupWindow", "dropOffWindow")
            for k in ("start", "end")]
    lat, lon = (float(x) for x in CORNWALL.split(","))
    hub = (ride["to"]["lat"], ride["to"]["lon"])
    with od.view("middlebury", DAY) as d:
        direct = float(od.travel.one_to_many((lat, lon), [hub])[0])
        req = Request("check", (lat, lon), hub, (secs[0], secs[1]), (0.0, secs[3]),
                      1.5 * direct + 600, 1, 0, 60, 30)
        offer = d.quote(req)
    assert not hasattr(offer, "reason"), offer


def test_no_vehicle_no_ride(addison, addison_travel, tmp_path: Path) -> None:
    """The fleet starts at noon: the 07:00 query gets no early ride — the planner tries the
    next connections and offers the first one a vehicle can really serve (after noon)."""
    planner, od = _planner(addison, addison_travel, tmp_path,
                           shift=(12 * 3600.0, 20 * 3600.0))
    out = plan_answer(planner, *QUERY)
    noon_ms = ms(12)
    rides = [leg for it in out["itineraries"] for leg in it["legs"]
             if leg["mode"] == "ON_DEMAND"]
    assert rides, out["messages"]
    assert all(leg["startTime"] >= noon_ms for leg in rides)


def test_walkable_places_get_no_ride(addison, addison_travel, tmp_path: Path) -> None:
    planner, _ = _planner(addison, addison_travel, tmp_path)
    out = plan_answer(planner, "44.0153,-73.1673", VERGENNES, at(7))
    assert out["itineraries"]
    # no ride to the bus from where one walks to it (the door-to-door ride is an option)
    assert all(leg["mode"] != "ON_DEMAND" for it in out["itineraries"] if len(it["legs"]) > 1
               for leg in it["legs"])



def test_town_to_village_by_bus_then_ride(addison, addison_travel, tmp_path: Path) -> None:
    planner, _ = _planner(addison, addison_travel, tmp_path)
    out = plan_answer(planner, VERGENNES, CORNWALL, at(14))
    its = [it for it in out["itineraries"] if it["legs"][-1]["mode"] == "ON_DEMAND"
           and it["kind"] == "on_demand_transit"]
    assert its, out["messages"]
    ride = its[0]["legs"][-1]
    bus = next(leg for leg in reversed(its[0]["legs"][:-1]) if leg["mode"] == "BUS")
    assert ride["from"]["name"] == bus["to"]["name"]
    assert ride["startTime"] >= bus["endTime"] + planner.on_demand.buffer_s * 1000
    window = ride["bookingInfo"]["pickupWindow"]
    assert window["start"] == bus["endTime"] + planner.on_demand.buffer_s * 1000


def test_book_a_planned_itinerary(addison, tmp_path: Path) -> None:
    """With the expired feed replayed on tomorrow's date: plan Cornwall -> Vergennes, book
    the itinerary's ride in one call, see its connection on time; a late vehicle makes the
    booking report the connection missed."""
    from fastapi.testclient import TestClient

    from mobility.server import build
    from mobility.settings import Settings
    from tests.api_helpers import ApiUnderTest, tomorrow

    app = build(addison, Settings(db_url=f"sqlite:///{tmp_path / 'm.db'}", replay_feed=True,
                                  clock_start=NOW), warm=False)
    with TestClient(app, raise_server_exceptions=True) as c:
        api = ApiUnderTest(c, app.state.store, app.state.service)
        plan = api.get("/api/v1/plan", params={"from": CORNWALL, "to": VERGENNES,
                                                "time": tomorrow(7)})
        assert plan.status_code == 200, plan.text
        assert any("replayed" in m for m in plan.json()["messages"])
        it = next(i for i in plan.json()["itineraries"] if i["kind"] == "on_demand_transit")
        ride = it["legs"][0]
        info = ride["bookingInfo"]
        # booked as the plan gives it: bookingInfo's origin, destination and windows
        leg = {k: info[k] for k in ("origin", "destination", "pickupWindow", "dropOffWindow")}
        r = api.post("/api/v1/bookings", "rider", {"itinerary": [leg]},
                     headers={"Idempotency-Key": "trip-1"})
        assert r.status_code == 201, r.text
        (b,) = r.json()["bookings"]
        assert b["itineraryId"] == r.json()["itineraryId"]
        assert b["connection"]["status"] == "on_time"
        by = dt.datetime.fromisoformat(b["connection"]["dropOffBy"]).timestamp() * 1000
        assert by <= it["legs"][1]["startTime"] - 300_000
        again = api.post("/api/v1/bookings", "rider", {"itinerary": [leg]},
                         headers={"Idempotency-Key": "trip-1"})
        assert again.status_code == 201 and again.json()["bookings"][0]["id"] == b["id"]
        # the vehicle reports itself far away just before the pickup window closes
        late = dt.datetime.fromisoformat(b["pickupWindow"]["end"]) - dt.timedelta(minutes=1)
        ev = api.post(f"/api/v1/vehicles/{b['vehicleId']}/events", "dispatcher",
                      {"type": "position", "lat": 44.167, "lon": -73.254,
                       "time": late.isoformat()})
        assert ev.status_code == 201 and ev.json()["late"] is True
        now = api.get(f"/api/v1/bookings/{b['id']}", "rider").json()
        assert now["connection"]["status"] == "missed"
        bad = api.post("/api/v1/bookings", "rider", {"quoteId": "q_x", "itinerary": [leg]})
        assert bad.status_code == 422


def test_planned_rides_respect_the_booking_notice(addison, addison_travel, tmp_path: Path
                                                  ) -> None:
    """An area asking for 60 minutes' notice (as the Uckermark RufBus does): a journey
    planned for right now offers no ride picked up within the hour."""
    from dispatch.service_area import BookingRule

    (area,) = addison.service_areas
    area = replace(area, vehicles=tuple(replace(v, shift=(0.0, 48 * 3600.0))
                                        for v in area.vehicles), hours=None,
                   booking=BookingRule(1, notice_min_s=3600))
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    od = booking_service(addison, addison_travel, store, [area])
    planner = RegionPlanner(addison, replay=True)
    planner.on_demand = ride_legs(planner, od)
    now = NOW
    out = plan_answer(planner, CORNWALL, VERGENNES, now.replace(tzinfo=None).isoformat())
    rides = [leg for it in out["itineraries"] for leg in it["legs"]
             if leg["mode"] == "ON_DEMAND"]
    hour_ms = (now + dt.timedelta(minutes=60)).timestamp() * 1000
    assert all(leg["bookingInfo"]["pickupWindow"]["start"] >= hour_ms - 1000
               for leg in rides)
    # and a ride within the hour is what the same planner offers without the rule
    od.areas[area.name] = replace(area, booking=None)
    quick = RegionPlanner(addison, replay=True)
    quick.on_demand = ride_legs(quick, od)
    free = plan_answer(quick, CORNWALL, VERGENNES, now.replace(tzinfo=None).isoformat())
    early = [leg for it in free["itineraries"] for leg in it["legs"]
             if leg["mode"] == "ON_DEMAND" and leg["startTime"] < hour_ms]
    assert early or not rides  # (when buses run at all at this hour)


def test_door_to_door_ride_inside_the_area(addison, addison_travel, tmp_path: Path) -> None:
    """Both ends in the area: besides ride + bus, a direct ride from the requested time."""
    planner, od = _planner(addison, addison_travel, tmp_path)
    out = plan_answer(planner, *QUERY)
    direct = [it for it in out["itineraries"] if [leg["mode"] for leg in it["legs"]]
              == ["ON_DEMAND"]]
    assert len(direct) == 1
    leg = direct[0]["legs"][0]
    start_ms = ms(7)
    window = leg["bookingInfo"]["pickupWindow"]
    assert window["start"] == start_ms and window["end"] == start_ms + 15 * 60_000
    assert window["start"] <= leg["startTime"] <= window["end"]
    assert leg["to"]["lat"] == float(VERGENNES.split(",")[0])
    assert any(it["legs"][0]["mode"] == "ON_DEMAND" and len(it["legs"]) > 1
               for it in out["itineraries"])


def test_ride_windows_as_sent_are_sane(addison, addison_travel, tmp_path: Path) -> None:
    """Every offered ride's windows on the wire: an open drop-off end is null (the no-bound
    sentinel once leaked as the year 2058), a bounded one is a real time, and no drop-off
    window starts before its pickup window — door to door, to and from the bus, leaving at
    and arriving by a time."""
    planner, _ = _planner(addison, addison_travel, tmp_path)
    year_2100_ms = dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp() * 1000
    rides, open_ends = 0, 0
    for o, d, t, arrive_by in ((CORNWALL, VERGENNES, at(7), False),
                               (VERGENNES, CORNWALL, at(14), False),
                               (CORNWALL, VERGENNES, at(12), True)):
        out = plan_answer(planner, o, d, t, arrive_by=arrive_by)
        for it in out["itineraries"]:
            for leg in it["legs"]:
                if leg["mode"] != "ON_DEMAND":
                    continue
                info = leg["bookingInfo"]
                pick, drop = info["pickupWindow"], info["dropOffWindow"]
                assert pick["start"] <= pick["end"] < year_2100_ms
                assert drop["start"] >= pick["start"], (o, d, t, info)
                assert drop["start"] <= leg["endTime"]
                if drop["end"] is None:
                    open_ends += 1
                else:
                    assert leg["endTime"] - 1000 <= drop["end"] < year_2100_ms
                assert info["origin"] == {"lat": leg["from"]["lat"], "lon": leg["from"]["lon"]}
                assert info["destination"] == {"lat": leg["to"]["lat"],
                                               "lon": leg["to"]["lon"]}
                rides += 1
        if not arrive_by:  # the door-to-door ride leaving at a time has no deadline
            (direct,) = [it for it in out["itineraries"] if len(it["legs"]) == 1
                         and it["legs"][0]["mode"] == "ON_DEMAND"]
            assert direct["legs"][0]["bookingInfo"]["dropOffWindow"]["end"] is None
    assert rides >= 5 and open_ends >= 2


def test_book_a_door_to_door_ride_as_planned(addison, tmp_path: Path) -> None:
    """The ON_DEMAND-only itinerary (open drop-off end) is booked with its bookingInfo as
    returned: one booking with the promised pickup window and no connection to make."""
    from fastapi.testclient import TestClient

    from mobility.server import build
    from mobility.settings import Settings
    from tests.api_helpers import ApiUnderTest, tomorrow

    app = build(addison, Settings(db_url=f"sqlite:///{tmp_path / 'm.db'}", replay_feed=True,
                                  clock_start=NOW),
                warm=False)
    with TestClient(app, raise_server_exceptions=True) as c:
        api = ApiUnderTest(c, app.state.store, app.state.service)
        plan = api.get("/api/v1/plan", params={"from": CORNWALL, "to": VERGENNES,
                                                "time": tomorrow(9)})
        assert plan.status_code == 200, plan.text
        (it,) = [i for i in plan.json()["itineraries"] if [leg["mode"] for leg in i["legs"]]
                 == ["ON_DEMAND"]]
        info = it["legs"][0]["bookingInfo"]
        assert info["dropOffWindow"]["end"] is None
        leg = {k: info[k] for k in ("origin", "destination", "pickupWindow", "dropOffWindow")}
        r = api.post("/api/v1/bookings", "rider", {"itinerary": [leg]})
        assert r.status_code == 201, r.text
        (b,) = r.json()["bookings"]
        assert b["connection"] is None
        window = [dt.datetime.fromisoformat(b["pickupWindow"][k]).timestamp() * 1000
                  for k in ("start", "end")]
        assert window == [info["pickupWindow"]["start"], info["pickupWindow"]["end"]]


def test_a_closure_keeps_rides_out_of_plans(addison, addison_travel, tmp_path: Path) -> None:
    """While the dispatcher has closed the area, the planner offers no ride in it (only the
    walks and buses that remain) and says why, with the closure's headline; outside the
    closure's period rides are offered as before."""
    from api.auth import Principal
    from api.service.service_alerts import AlertRequest, AlertText

    planner, od = _planner(addison, addison_travel, tmp_path)
    rides = [leg for i in plan_answer(planner, *QUERY)["itineraries"] for leg in i["legs"]
             if leg["mode"] == "ON_DEMAND"]
    assert rides
    start = dt.datetime.combine(DAY, dt.time(6), ADDISON_TZ)
    od.create_service_alert(Principal("staffkey0001", "dispatcher"), AlertRequest(
        "middlebury", "closure", (AlertText("en", "Closed: black ice"),), start,
        start + dt.timedelta(hours=4)))
    out = plan_answer(planner, *QUERY)
    end_ms = (start + dt.timedelta(hours=4)).timestamp() * 1000
    # a ride may still be offered later, after the closure: none that meets it
    assert all(leg["startTime"] >= end_ms for i in out["itineraries"] for leg in i["legs"]
               if leg["mode"] == "ON_DEMAND")
    assert all(leg["bookingInfo"]["pickupWindow"]["start"] >= end_ms
               for i in out["itineraries"] for leg in i["legs"] if leg["mode"] == "ON_DEMAND")
    closed = [m for m in out["explanations"] if m["code"] == "service_closed"]
    assert closed and closed[0]["params"] == {"area": "middlebury",
                                              "headline": "Closed: black ice"}
    later = plan_answer(planner, CORNWALL, VERGENNES, at(11))
    assert [leg for i in later["itineraries"] for leg in i["legs"] if leg["mode"] == "ON_DEMAND"]
    assert not [m for m in later["explanations"] if m["code"] == "service_closed"]


def test_plans_offer_only_rides_the_booking_rule_lets_book(addison, addison_travel,
                                                           tmp_path: Path) -> None:
    """A prior-day rule (book by 17:00 the day before): at 06:00 the planner offers
    tomorrow's rides, none for later today (their deadline passed), and says why; the
    rides it offers book."""
    from dispatch.service_area import BookingRule

    rule = BookingRule(2, last_day=1, last_time_s=17 * 3600.0, message="Book the day before.")
    areas = [replace(a, booking=rule) for a in addison.service_areas]
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    od = booking_service(addison, addison_travel, store, areas)
    planner = RegionPlanner(addison, replay=True)
    planner.on_demand = ride_legs(planner, od)
    tomorrow = plan_answer(planner, *QUERY)
    assert [leg for i in tomorrow["itineraries"] for leg in i["legs"] if leg["mode"] == "ON_DEMAND"]
    today = plan_answer(planner, CORNWALL, VERGENNES, f"{NOW.date()}T11:00")
    assert not [leg for i in today["itineraries"] for leg in i["legs"]
                if leg["mode"] == "ON_DEMAND"]
    said = [e for e in today["explanations"] if e["code"] == "booking_rule"]
    assert said and said[0]["params"]["area"] == "middlebury"
    assert "17:00 1 day(s) before" in said[0]["params"]["reason"]
