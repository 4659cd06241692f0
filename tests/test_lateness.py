"""Running late, on addison-vt's streets with its three vehicles and the service's clock
fixed on the rides' day: a vehicle reporting itself too far from its next pickup has the
ride moved to a vehicle that keeps every promise (checked by an independent schedule from
the street travel times), or — when none can — the rider told the new estimate once (the
outbox), again only when it moved by five minutes; a silent vehicle's plan is re-timed
from now; a ride that will miss its bus is flagged with the line's next departure from
that stop (checked against the timetable itself)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from api.store.models import Booking, Notification
from tests.api_helpers import (
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    NOW,
    VERGENNES,
    WEYBRIDGE,
    ride,
    tomorrow,
)

Point = tuple[float, float]
DAY = (NOW + dt.timedelta(days=1)).date().isoformat()


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(tomorrow(hour, minute))


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def drive(api: Any, a: Point, b: Point) -> float:
    """Seconds by car from a to b on the region's streets (the service's travel times)."""
    return float(api.service.travel.one_to_many(a, [b])[0])


def report(api: Any, vid: str, where: Point, role: str = "dispatcher") -> dict[str, Any]:
    """A position report at the service clock's now."""
    r = api.post(f"/api/v1/vehicles/{vid}/events", role,
                 {"type": "position", "lat": where[0], "lon": where[1]})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def booking(api: Any, bid: str, role: str = "rider") -> dict[str, Any]:
    r = api.get(f"/api/v1/bookings/{bid}", role)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def outbox(api: Any, bid: str) -> list[tuple[str, dict[str, str]]]:
    """The booking's messages about running late in the outbox: (kind, params) — not its
    confirmation nor "on its way" (test_api_notifications.py)."""
    with api.store.snapshot() as s:
        rows = s.execute(select(Notification).where(
            Notification.booking_id == bid, Notification.kind.in_(("late", "connection_missed")))
            .order_by(Notification.created_at, Notification.id)).scalars()
        return [(n.kind, json.loads(n.params)) for n in rows]


def alerts(api: Any) -> list[dict[str, Any]]:
    r = api.get("/api/v1/alerts", "dispatcher", params={"date": DAY})
    assert r.status_code == 200, r.text
    return r.json()["alerts"]  # type: ignore[no-any-return]


def broken_promises(api: Any, vid: str) -> list[str]:
    """An independent check of a vehicle's stored plan: from where and when it goes on
    (its last report, else its depot at shift start), each stop as early as the street
    travel times, boarding and alighting allow (waiting for a pickup window to open);
    every pickup inside its window, every drop-off by the latest promised, every ride
    within alpha x direct + beta. The problems found (none: every promise kept)."""
    fleet = {v["id"]: v for v in api.get("/api/v1/vehicles", "dispatcher").json()["vehicles"]}
    live = {v["id"]: v for v in api.get("/api/v1/vehicles/live", "dispatcher",
                                         params={"date": DAY}).json()["vehicles"]}
    m = api.get(f"/api/v1/vehicles/{vid}/manifest", "dispatcher", params={"date": DAY}).json()
    p = api.service.params
    if live[vid]["position"] is not None:
        here = (live[vid]["position"]["lat"], live[vid]["position"]["lon"])
        t = epoch(live[vid]["readyAt"])
    else:
        here = (fleet[vid]["depot"]["lat"], fleet[vid]["depot"]["lon"])
        t = epoch(f"{DAY}T{fleet[vid]['shiftStart']}:00-05:00")
    problems, picked, service = [], {}, 0.0
    for st in m["stops"]:
        where = (st["location"]["lat"], st["location"]["lon"])
        t = max(t + service + drive(api, here, where), epoch(st["window"]["start"]))
        if t > epoch(st["window"]["end"]) + 1:
            over = t - epoch(st["window"]["end"])
            problems.append(f"{vid}: {st['kind']} of {st['bookingId']} {over:.0f} s late")
        if st["kind"] == "pickup":
            picked[st["bookingId"]] = (t, where)
            service = p.boarding_s
        else:
            if st["bookingId"] in picked:
                t0, start = picked[st["bookingId"]]
                limit = p.alpha * drive(api, start, where) + p.beta
                if t - (t0 + p.boarding_s) > limit + 1:
                    problems.append(f"{vid}: ride of {st['bookingId']} too long")
            service = p.alighting_s
        here = where
    return problems


def test_a_late_ride_moves_to_a_vehicle_that_keeps_every_promise(api) -> None:  # type: ignore[no-untyped-def]
    """mid-1 reports itself in Vergennes at 09:05, 16 minutes' drive from a pickup promised
    by 09:15: the ride goes to a free vehicle; every booking of the day is still on one
    plan that keeps all its promises; the rider is told nothing (the promise holds), the
    dispatcher sees the ride moved."""
    _, a = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    assert a["vehicleId"] == "mid-1"
    others = [api.book("rider2", ride(*r))[1] for r in (
        (BRISTOL, MIDDLEBURY, tomorrow(10)), (WEYBRIDGE, VERGENNES, tomorrow(9, 30)),
        (EAST_MIDDLEBURY, BRISTOL, tomorrow(11)))]
    api.clock.set(at(9, 5))
    ev = report(api, "mid-1", VERGENNES, role="driver")
    got = booking(api, a["id"])
    assert got["vehicleId"] != "mid-1" and got["status"] == "confirmed"
    assert got["pickupWindow"] == a["pickupWindow"]  # the same promise
    assert ev["late"] is False  # without the ride, mid-1 is on time again
    w = got["pickupWindow"]
    assert w["start"] <= got["estimatedPickup"] <= w["end"]
    for vid in ("mid-1", "mid-2", "verg-1"):
        assert broken_promises(api, vid) == [], vid
    where = {}
    for vid in ("mid-1", "mid-2", "verg-1"):
        m = api.get(f"/api/v1/vehicles/{vid}/manifest", "dispatcher", params={"date": DAY})
        for st in m.json()["stops"]:
            if st["kind"] == "pickup":
                assert st["bookingId"] not in where
                where[st["bookingId"]] = vid
    assert set(where) == {a["id"]} | {b["id"] for b in others}
    for b in others:
        assert booking(api, b["id"], "rider2")["vehicleId"] == where[b["id"]]
    assert where[a["id"]] == got["vehicleId"]
    assert outbox(api, a["id"]) == []
    (alert,) = alerts(api)
    assert (alert["kind"], alert["bookingId"], alert["vehicleId"], alert["action"],
            alert["toVehicle"]) == ("late", a["id"], "mid-1", "moved", got["vehicleId"])
    # the estimate that made it late: from Vergennes now
    expect = at(9, 5).timestamp() + drive(api, VERGENNES, MIDDLEBURY)
    assert abs(epoch(alert["estimatedPickup"]) - expect) <= 1
    assert alert["minutesLate"] == -(-(expect - epoch(w["end"])) // 60)


def test_when_no_vehicle_can_take_it_the_rider_is_told_once(api) -> None:  # type: ignore[no-untyped-def]
    """Every vehicle is in Vergennes at 09:05: none can reach Middlebury by 09:15. The rider
    gets one ``late`` message with the estimate (report time + drive from Vergennes), their
    booking shows it live; a report a minute later (estimate +1 min) adds none; once the
    driver stays silent past the planned pickup, the plan is re-timed from now and the
    rider told the later estimate."""
    _, a = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    api.clock.set(at(9, 5))
    for vid in ("mid-2", "verg-1", "mid-1"):
        report(api, vid, VERGENNES)
    leg = drive(api, VERGENNES, MIDDLEBURY)
    expect = at(9, 5).timestamp() + leg
    got = booking(api, a["id"])
    assert got["vehicleId"] == "mid-1"
    live = got["live"]
    assert abs(epoch(live["estimatedPickup"]) - expect) <= 1
    assert live["late"] is True and live["reportedAt"] == at(9, 5).isoformat()
    msgs = outbox(api, a["id"])
    assert [k for k, _ in msgs] == ["late"]
    params = msgs[0][1]
    assert abs(epoch(params["estimatedPickup"]) - expect) <= 1
    assert (params["pickupStart"], params["pickupEnd"]) == (a["pickupWindow"]["start"],
                                                           a["pickupWindow"]["end"])
    with api.store.snapshot() as s:
        told = s.get(Booking, a["id"]).told_pickup_s
    assert abs(told - (expect - at(0).timestamp())) <= 1
    (alert,) = alerts(api)
    assert (alert["kind"], alert["action"], alert["toVehicle"]) == ("late", "told", None)
    # a minute later, still in Vergennes: the estimate moved by a minute, nothing new
    api.clock.advance(60)
    report(api, "mid-1", VERGENNES)
    assert abs(epoch(booking(api, a["id"])["live"]["estimatedPickup"]) - expect - 60) <= 1
    assert len(outbox(api, a["id"])) == 1
    # silent past the planned pickup: the booking never shows a pickup in the past …
    api.clock.set(at(9, 30))
    now = api.clock.now().timestamp()
    assert now > expect + 60 + 60
    live = booking(api, a["id"])["live"]
    assert epoch(live["estimatedPickup"]) == now
    assert live["reportedAt"] == at(9, 6).isoformat()
    # … and the watch re-times the plan from now at the last position: told again
    found = api.client.app.state.late_watch.check()
    assert [(f.booking_id, f.kind, f.action) for f in found] == [(a["id"], "late", "told")]
    later = now + leg
    assert abs(epoch(booking(api, a["id"])["live"]["estimatedPickup"]) - later) <= 1
    msgs = outbox(api, a["id"])
    assert [k for k, _ in msgs] == ["late", "late"]
    assert abs(epoch(msgs[1][1]["estimatedPickup"]) - later) <= 1
    assert api.client.app.state.late_watch.check() and len(outbox(api, a["id"])) == 2


def test_live_estimate_follows_the_reports(api) -> None:  # type: ignore[no-untyped-def]
    """Before a report the booking has no live estimate; after one from Weybridge at 08:50
    the pickup is expected at the window's start or the drive from there, whichever is
    later; a report from East Middlebury at 08:58 moves it; on time, nobody is told."""
    _, a = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    assert a["vehicleId"] == "mid-1" and booking(api, a["id"])["live"] is None
    start = epoch(a["pickupWindow"]["start"])
    for when, where in ((at(8, 50), WEYBRIDGE), (at(8, 58), EAST_MIDDLEBURY)):
        api.clock.set(when)
        report(api, "mid-1", where, role="driver")
        live = booking(api, a["id"])["live"]
        expect = max(start, when.timestamp() + drive(api, where, MIDDLEBURY))
        assert abs(epoch(live["estimatedPickup"]) - expect) <= 1, where
        assert live["reportedAt"] == when.isoformat()
        assert live["late"] is (expect > epoch(a["pickupWindow"]["end"]))
    assert outbox(api, a["id"]) == [] and alerts(api) == []
    # another rider's booking stays theirs
    assert api.get(f"/api/v1/bookings/{a['id']}", "rider2").status_code == 404


def test_a_missed_connection_offers_the_next_departure(addison, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Cornwall -> Vergennes by ride and bus, planned and booked as one journey; on the
    day every vehicle is in Bristol just before the pickup window closes: the ride is
    late and will miss its bus. The booking says so, the dispatcher sees it flagged, and
    the rider is told once, with the next departure of the same line from that stop after
    the new drop-off estimate — found again here by scanning the timetable's trips."""
    import numpy as np
    from fastapi.testclient import TestClient

    from api.service import FixedClock
    from mobility.server import build
    from mobility.settings import Settings
    from tests.api_helpers import ApiUnderTest

    app = build(addison, Settings(db_url=f"sqlite:///{tmp_path / 'm.db'}", replay_feed=True,
                                  clock_start=NOW, late_interval_s=0), warm=False)
    with TestClient(app, raise_server_exceptions=True) as c:
        api = ApiUnderTest(c, app.state.store, app.state.service)
        plan = api.get("/api/v1/plan", params={"from": "43.9600,-73.2100",
                                                "to": "44.1670,-73.2540", "time": tomorrow(7)})
        assert plan.status_code == 200, plan.text
        it = next(i for i in plan.json()["itineraries"] if i["kind"] == "on_demand_transit")
        info, bus = it["legs"][0]["bookingInfo"], it["legs"][1]
        leg = {k: info[k] for k in ("origin", "destination", "pickupWindow", "dropOffWindow")}
        # the bus it feeds, as the web app sends it: the plan's next leg
        leg["connection"] = {"tripId": bus["tripId"], "stopId": bus["from"]["stopId"]}
        r = api.post("/api/v1/bookings", "rider", {"itinerary": [leg]})
        assert r.status_code == 201, r.text
        (b,) = r.json()["bookings"]
        assert b["connection"]["status"] == "on_time"
        # the day itself: every vehicle in Bristol a minute before the window closes
        clock = FixedClock(dt.datetime.fromisoformat(b["pickupWindow"]["end"])
                           - dt.timedelta(minutes=1))
        api.service.timing.clock = clock
        for vid in sorted({"mid-1", "mid-2", "verg-1"} - {b["vehicleId"]}) + [b["vehicleId"]]:
            report(api, vid, BRISTOL)
        got = booking(api, b["id"])
        assert got["vehicleId"] == b["vehicleId"] and got["connection"]["status"] == "missed"
        drop = epoch(got["live"]["estimatedDropoff"])
        by = epoch(got["connection"]["dropOffBy"])
        assert drop > by
        kinds = {a["kind"]: a for a in alerts(api)}
        assert set(kinds) == {"late", "connection_missed"}
        missed = kinds["connection_missed"]
        assert missed["bookingId"] == b["id"] and missed["action"] == "told"
        assert missed["minutesLate"] == -(-(drop - by) // 60)
        assert abs(epoch(missed["estimatedDropoff"]) - drop) <= 1
        msgs = dict(outbox(api, b["id"]))
        assert set(msgs) == {"late", "connection_missed"}
        offered = msgs["connection_missed"]["next"]
        assert offered and offered == missed["next"]
        # the timetable itself: the line's departures from that stop on the replayed day
        planner = app.state.planner
        tt = planner.timetable
        table = planner.timetable_date(dt.date.fromisoformat(DAY))
        route = int(np.flatnonzero(tt.route_id == bus["routeId"])[0])
        stop = bus["from"]["stopId"]
        midnight = epoch(f"{DAY}T00:00:00-05:00")
        deps = []
        for t in np.flatnonzero(tt.active_trips(table)).tolist():
            p = int(tt.trip_pattern[t])
            if int(tt.pattern_route[p]) != route:
                continue
            seq = tt.pattern_stops[tt.pattern_stop_offset[p]:tt.pattern_stop_offset[p + 1]]
            for j, s in enumerate(seq[:-1].tolist()):
                if tt.stop_id[s] == stop:
                    deps.append((midnight + float(tt.departure[tt.stop_time_offset[t] + j]),
                                 str(tt.trip_headsign[t])))
        first = bus["startTime"] / 1000
        assert (first, bus["headsign"]) in deps  # the planned bus, found again
        gap = first - by  # the transfer time the plan kept
        same = sorted(d for d, h in deps if h == bus["headsign"] and d > first
                      and d >= drop + gap)
        assert same, "no later bus of the line that day"
        assert epoch(offered) == same[0]
        assert (missed["nextRoute"], missed["nextStop"]) == (bus["routeShortName"],
                                                             bus["from"]["name"])
        assert msgs["connection_missed"]["nextRoute"] == bus["routeShortName"]
        # a client that did not name the bus: the lines leaving first after the deadline
        # from that stop (here several at once), the earliest next departure of any
        by_s, drop_s = by - midnight, drop - midnight
        firsts = {(d, r) for d, r, _, _ in api.service.connections.departures(
            np.flatnonzero(tt.stop_id == stop), dt.date.fromisoformat(DAY))}
        t0 = min(d for d, _ in firsts if d >= by_s)
        lines = {r for d, r in firsts if d == t0}
        guess = api.service.connections.next_after(
            dt.date.fromisoformat(DAY), (bus["from"]["lat"], bus["from"]["lon"]), by_s, drop_s)
        assert guess is not None
        assert guess.departure_s == min(d for d, r in firsts if r in lines and d > t0
                                        and d >= drop_s + t0 - by_s)


def test_the_server_looks_by_itself_on_the_service_clock(addison, addison_planner,  # type: ignore[no-untyped-def]
                                                         addison_travel, store) -> None:
    """A server with ``late_interval_s`` 30 looks without being asked once its clock has
    moved on by that much: mid-1 reported from Weybridge at 08:50, in time for its 09:00
    pickup, then fell silent; at 09:30 the watch re-times its plan from now and tells the
    rider (nobody can reach the pickup inside its window any more)."""
    import time

    from fastapi.testclient import TestClient

    from api import ApiConfig, create_app
    from tests.api_helpers import ApiUnderTest
    from tests.conftest import UNLIMITED, booking_service

    svc = booking_service(addison, addison_travel, store,
                          config=ApiConfig(**{**UNLIMITED, "late_interval_s": 30}))  # type: ignore[arg-type]
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)) as c:
        api = ApiUnderTest(c, store, svc)
        _, a = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
        api.clock.set(at(8, 50))
        report(api, "mid-1", WEYBRIDGE, role="driver")
        assert outbox(api, a["id"]) == []
        api.clock.set(at(9, 30))
        deadline = time.monotonic() + 10
        while not outbox(api, a["id"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        ((kind, params),) = outbox(api, a["id"])
        expect = at(9, 30).timestamp() + drive(api, WEYBRIDGE, MIDDLEBURY)
        assert kind == "late" and abs(epoch(params["estimatedPickup"]) - expect) <= 1
