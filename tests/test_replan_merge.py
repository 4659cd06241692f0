"""The re-plan does not hold bookings up: the optimiser works on a snapshot while a booking
is made and another cancelled, and its plans still land — the new booking inserted into
them, the cancelled one left out — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tests.api_helpers import BRISTOL, MIDDLEBURY, VERGENNES, WEYBRIDGE, ride, tomorrow

PLACES = [MIDDLEBURY, BRISTOL, VERGENNES, WEYBRIDGE]


def _day() -> dt.date:
    return dt.datetime.fromisoformat(tomorrow(8)).date()


def _book(api, k: int) -> str | None:  # type: ignore[no-untyped-def]
    """Book the k-th ride of the day (every 6 minutes from 08:00)."""
    q = api.post("/api/v1/quotes", "rider", ride(PLACES[k % 4], PLACES[(k + 1) % 4],
                                                tomorrow(8 + 6 * k // 60, 6 * k % 60)))
    if q.status_code != 201:
        return None
    b = api.post("/api/v1/bookings", "rider", {"quoteId": q.json()["id"]})
    return b.json()["id"] if b.status_code == 201 else None


def _manifests(api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """booking id -> vehicle, from every manifest's pickups (each booking once)."""
    where: dict[str, str] = {}
    for vid in ("mid-1", "mid-2", "verg-1"):
        r = api.get(f"/api/v1/vehicles/{vid}/manifest", "dispatcher",
                    params={"date": _day().isoformat()})
        assert r.status_code == 200, r.text
        for st in r.json()["stops"]:
            w = st["window"]
            assert w["start"] <= st["plannedTime"] <= w["end"]
            if st["kind"] == "pickup":
                assert st["bookingId"] not in where
                where[st["bookingId"]] = vid
    return where


def _fill(api) -> list[str]:  # type: ignore[no-untyped-def]
    booked = [b for k in range(10) if (b := _book(api, k)) is not None]
    assert len(booked) >= 5
    return booked


def test_a_booking_made_during_a_replan_is_kept_and_the_replan_lands(api) -> None:  # type: ignore[no-untyped-def]
    svc = api.service
    booked = _fill(api)
    solve, calls, meanwhile = svc.optimiser, [], []

    def busy_optimiser(job, travel):  # type: ignore[no-untyped-def]
        sol = solve(job, travel)  # the search on the snapshot ...
        calls.append(len(job.problem.requests))
        if len(calls) == 1:  # ... while a rider books and another cancels
            new = _book(api, 11)
            assert new is not None
            meanwhile.append(new)
            assert api.delete(f"/api/v1/bookings/{booked[0]}", "rider").status_code == 200
        return sol

    svc.optimiser = busy_optimiser
    saved, moved = svc.replan("middlebury", _day(), 60, 200)
    assert len(calls) == 1  # merged, not searched again
    assert saved > 0 and set(moved) <= set(booked[1:]) | set(meanwhile)
    where = _manifests(api)
    assert set(where) == set(booked[1:]) | set(meanwhile)  # kept; the cancelled one gone
    for bid, vid in where.items():
        assert api.get(f"/api/v1/bookings/{bid}", "rider").json()["vehicleId"] == vid
    assert api.get(f"/api/v1/bookings/{booked[0]}", "rider").json()["status"] == "cancelled"


def test_a_merge_that_fails_searches_again(api) -> None:  # type: ignore[no-untyped-def]
    """The first search's plans lose a ride (as a refused model would): they cannot take
    in the booking made meanwhile; the re-plan searches again from the current plans."""
    svc = api.service
    booked = _fill(api)
    solve, calls = svc.optimiser, []

    def flaky_optimiser(job, travel):  # type: ignore[no-untyped-def]
        sol = solve(job, travel)
        calls.append(len(job.problem.requests))
        if len(calls) == 1:
            new = _book(api, 12)
            assert new is not None
            booked.append(new)
            return replace(sol, rejected=[booked[1]])
        return sol

    svc.optimiser = flaky_optimiser
    saved, _ = svc.replan("middlebury", _day(), 60, 200)
    assert len(calls) == 2 and calls[1] == calls[0] + 1  # again, with the new booking
    assert saved > 0
    assert set(_manifests(api)) == set(booked)


def test_the_server_replans_every_area_each_interval(api) -> None:  # type: ignore[no-untyped-def]
    """The background re-planner: a turn re-plans today's plans of every area (the day the
    service's clock is on), then waits for the clock to move on by the interval."""
    from api.service.replanning import Replanner

    svc = api.service
    booked = _fill(api)
    api.clock.set(api.clock.now() + dt.timedelta(days=1))  # the booked day has come
    rp = Replanner(svc)
    assert svc.config.replan_interval_s == 3600 and rp.enabled
    first = rp.step()
    assert first is not None and [a for a, _, _ in first] == list(svc.areas)
    assert first[0][1] > 0  # greedy bookings leave room: the re-plan saves time
    assert set(_manifests(api)) == set(booked)
    api.clock.advance(3599)
    assert rp.step() is None  # not yet
    api.clock.advance(1)
    assert rp.step() is not None


def test_processes_over_one_store_replan_each_area_once_an_interval(api) -> None:  # type: ignore[no-untyped-def]
    """Two server processes' re-planners over one store (two Replanners: the claim is in
    the store): in an interval the first to turn re-plans every area and the other none;
    in the next interval the other one, turning first, re-plans them."""
    from api.service.replanning import Replanner

    svc = api.service
    booked = _fill(api)
    api.clock.set(api.clock.now() + dt.timedelta(days=1))
    a, b = Replanner(svc), Replanner(svc)
    assert [x for x, _, _ in a.turn()] == list(svc.areas)
    assert b.turn() == []  # claimed by a this interval
    api.clock.advance(svc.config.replan_interval_s)
    assert [x for x, _, _ in b.turn()] == list(svc.areas)
    assert a.turn() == []
    assert set(_manifests(api)) == set(booked)


def test_a_vehicle_whose_shift_is_over_is_left_out_of_the_replan() -> None:
    """Staggered shifts: once the early vehicle's shift is over (and it has nothing left to
    do) the afternoon's plans are still re-planned — without it — and taken."""
    from dispatch.insertion import Dispatcher, NoOffer
    from dispatch.model import Vehicle
    from dispatch.travel import EuclideanTravel

    early = Vehicle("early", (0.0, 0.0), (0.0, 0.0), (6 * 3600.0, 14 * 3600.0), 8, 0)
    late = [Vehicle(f"late{k}", (0.0, 0.0), (0.0, 0.0), (13 * 3600.0, 22 * 3600.0), 8, 0)
            for k in (1, 2)]
    d = Dispatcher([early, *late], EuclideanTravel(speed=0.01))
    for k in range(8):  # greedy: each ride where it costs least at the time
        r = d.make_request(f"r{k}", (0.02 * (k % 4), 0.01 * k), (0.01 * k, 0.02 * (k % 3)),
                           earliest_pickup=15 * 3600.0 + 600 * k)
        offer = d.quote(r)
        assert not isinstance(offer, NoOffer)
        d.commit(offer)
    assert not d.plans["early"].stops
    d.locate("early", (0.0, 0.0), 14.5 * 3600)  # back at the depot, off shift
    job = d.replanning(solution_limit=50)
    assert job is not None
    assert [v.id for v in job.problem.vehicles] == ["late1", "late2"]
    d.reoptimize(solution_limit=50, time_limit_s=60)
    assert not d.plans["early"].stops
    assert {rid for p in d.plans.values() for rid, _ in p.stops} == {f"r{k}" for k in range(8)}


def _two_vans():  # type: ignore[no-untyped-def]
    """Van A far from a ride that van B, waiting beside its pickup, would serve cheaper:
    the ride stored on A (as a booking made before B came on shift would be)."""
    from dispatch.insertion import Dispatcher
    from dispatch.model import Vehicle
    from dispatch.travel import EuclideanTravel

    shift = (6 * 3600.0, 22 * 3600.0)
    vans = [Vehicle("A", (0.0, 0.0), (0.0, 0.0), shift, 8, 0),
            Vehicle("B", (0.2, 0.0), (0.2, 0.0), shift, 8, 0)]
    d = Dispatcher(vans, EuclideanTravel(speed=1e-4))  # 0.01 apart: 100 s
    r = d.make_request("r0", (0.19, 0.0), (0.18, 0.0), earliest_pickup=9 * 3600.0)
    d.restore("A", [("r0", "pickup"), ("r0", "dropoff")], [r])
    return d


def _moved_to_b(d):  # type: ignore[no-untyped-def]
    from dispatch.model import Route, Solution, Stop

    t = d.requests["r0"].pickup_window[0]
    return Solution([Route("A", []), Route("B", [Stop("r0", "pickup", t, 1),
                                                 Stop("r0", "dropoff", t + 100.0, 0)])],
                    [], 0.0)


def test_a_pickup_a_van_is_on_its_way_to_stays_with_it_through_a_replan() -> None:
    """A driver who set off for a pickup (or waits at it) keeps the ride: the re-plan's
    model pins it to the van, and plans made by an optimiser that moved it — a search
    that ran while the driver set off — are not taken (the merge asks for a new search).
    Before the van is due to leave, the ride is free to move, and moving it saves time."""
    from dispatch.insertion import COMMIT_AHEAD_S, committed

    d = _two_vans()
    plan = d.plans["A"]
    leave = float(plan.times[1] - plan.t_next[0])  # 1,900 s of driving before 09:00
    assert abs(leave - (9 * 3600.0 - 1900.0)) < 1.0
    assert committed(plan, leave - 1.0) is None and committed(plan, leave) == "r0"
    assert committed(plan, leave - 100.0, ahead_s=100.0) == "r0"
    early, late = leave - COMMIT_AHEAD_S - 60.0, leave + 60.0
    free, pinned = d.replanning(now_s=early), d.replanning(now_s=late)
    assert free is not None and pinned is not None
    assert "r0" in free.problem.required and "r0" not in free.problem.keep
    assert pinned.problem.keep == {"r0": "A"} and "r0" not in pinned.problem.required
    # the optimiser's plans moved the ride to B; by now A is on its way
    assert d.merge(free, _moved_to_b(d), now_s=late) is None
    assert d.adopt(free, _moved_to_b(d), now_s=late) == 0.0
    assert [s[0] for s in d.plans["A"].stops] == ["r0", "r0"] and not d.plans["B"].stops
    # A has not left yet: B takes the ride, and A drives 3,800 s less
    assert d.adopt(free, _moved_to_b(d), now_s=early) > 3000.0
    assert not d.plans["A"].stops and [s[0] for s in d.plans["B"].stops] == ["r0", "r0"]


def test_a_van_waiting_at_a_pickup_keeps_it_however_early_it_came() -> None:
    """A van that reported its arrival at the pickup an hour before the window keeps the
    ride, though its plan's departure (for the window's start) is long after now."""
    from dispatch.insertion import committed

    d = _two_vans()
    d.locate("A", (0.19, 0.0), 8 * 3600.0)
    assert committed(d.plans["A"], 8 * 3600.0) == "r0"
    job = d.replanning(now_s=8 * 3600.0)
    assert job is not None and job.problem.keep == {"r0": "A"}
    assert d.merge(job, _moved_to_b(d), now_s=8 * 3600.0) is None
