"""Availability: a day's windows from a vehicle's rules (against a minute-by-minute
reference), and planning only into them — by instant insertion and by the optimiser (a
seeded property test checked stop by stop against the windows the test drew)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from dispatch.availability import AvailabilityRule, shift_and_breaks, windows_on
from dispatch.insertion import Dispatcher, DispatchParams, Offer
from dispatch.model import Break, Request, Vehicle
from dispatch.travel import EuclideanTravel

DAY_MIN = 24 * 60
MONDAY = dt.date(2026, 11, 30)


def _random_rule(rng: random.Random) -> AvailabilityRule:
    kind = rng.choice(("weekly", "weekly", "dated", "unavailable"))
    first = MONDAY + dt.timedelta(days=rng.randint(-10, 10))
    last = (None if kind == "weekly" and rng.random() < 0.4
            else first + dt.timedelta(days=rng.randint(0, 15)))
    a, b = sorted(rng.sample(range(0, DAY_MIN + 1, 15), 2))
    days = tuple(sorted(rng.sample(range(1, 8), rng.randint(1, 7))))
    return AvailabilityRule(kind, days, first, last, a * 60.0, b * 60.0,
                            rng.random() < 0.5)


def _reference_minutes(rules: list[AvailabilityRule], date: dt.date,
                       holidays: set[dt.date]) -> set[int]:
    """The minutes of ``date`` the vehicle is available, rule by rule, minute by minute."""
    def applies(r: AvailabilityRule) -> bool:
        if date < r.first_date or (r.last_date is not None and date > r.last_date):
            return False
        if r.kind == "weekly":
            if date.weekday() + 1 not in r.weekdays:
                return False
            if r.skip_holidays and date in holidays:
                return False
        return True

    on, off = set(), set()
    for r in rules:
        if applies(r):
            mins = {m for m in range(DAY_MIN) if r.start_s <= m * 60 < r.end_s}
            (off if r.kind == "unavailable" else on).update(mins)
    return on - off


def test_windows_equal_a_minute_by_minute_reference() -> None:
    """Random weekly, dated and unavailable rules on random dates (with holidays): the
    windows cover exactly the reference's minutes and are sorted, disjoint and apart."""
    rng = random.Random(20)
    holidays = {MONDAY + dt.timedelta(days=k) for k in (2, 9, 11)}
    checked = 0
    for _ in range(300):
        rules = [_random_rule(rng) for _ in range(rng.randint(0, 5))]
        date = MONDAY + dt.timedelta(days=rng.randint(-3, 20))
        ws = windows_on(rules, date, lambda d: "holiday" if d in holidays else None)
        got = {m for m in range(DAY_MIN) if any(lo <= m * 60 < hi for lo, hi in ws)}
        assert got == _reference_minutes(rules, date, holidays)
        for (a, b), (c, _) in zip(ws, ws[1:], strict=False):
            assert a < b < c  # sorted, disjoint, touching ones joined
        checked += bool(ws)
    assert checked > 50  # the draws do produce availability


def test_without_a_holiday_test_weekly_rules_apply_on_holidays() -> None:
    r = AvailabilityRule("weekly", (1,), MONDAY, None, 3600.0, 7200.0, True)
    assert windows_on([r], MONDAY) == [(3600.0, 7200.0)]
    assert windows_on([r], MONDAY, lambda d: d == MONDAY) == []


def test_shift_and_breaks_pin_each_gap() -> None:
    shift, breaks = shift_and_breaks([(3600.0, 7200.0), (9000.0, 10000.0),
                                      (20000.0, 30000.0)])
    assert shift == (3600.0, 30000.0)
    assert breaks == (Break(7200.0, 7200.0, 1800.0), Break(10000.0, 10000.0, 10000.0))
    with pytest.raises(ValueError):
        shift_and_breaks([])


# -- planning only into available time ----------------------------------------------------
SPEED = 0.01  # distance units per second: a 20 x 20 square crossed in about 40 minutes


def _random_windows(rng: random.Random) -> list[tuple[float, float]]:
    """1-3 windows between 06:00 and 22:00, each at least an hour, gaps of 20 min or more."""
    n = rng.randint(1, 3)
    cuts = sorted(rng.sample(range(6 * 4, 22 * 4 + 1), 2 * n))  # quarter hours
    ws = [(cuts[2 * k] * 900.0, cuts[2 * k + 1] * 900.0) for k in range(n)]
    out: list[tuple[float, float]] = []
    for lo, hi in ws:
        if hi - lo < 3600:
            hi = lo + 3600
        if out and lo < out[-1][1] + 1200:
            continue
        if hi <= 22 * 3600:
            out.append((lo, hi))
    return out or [(8 * 3600.0, 12 * 3600.0)]


def _stops_inside(d: Dispatcher, windows: dict[str, list[tuple[float, float]]]) -> int:
    """Every rider stop's service (start to end) inside one available window of its
    vehicle, and each ride's pickup and drop-off in the same window; the stops checked."""
    n = 0
    for vid, ws in windows.items():
        where: dict[str, int] = {}
        for s in d.schedule(vid):
            if s.kind == "break":
                continue
            r = d.requests[s.request]
            service = r.pickup_service if s.kind == "pickup" else r.dropoff_service
            inside = [k for k, (lo, hi) in enumerate(ws)
                      if lo - 1e-6 <= s.time and s.time + service <= hi + 1e-6]
            assert inside, (vid, s, ws)
            if s.kind == "pickup":
                where[s.request] = inside[0]
            elif s.request in where:
                assert where[s.request] == inside[0], (vid, s.request, ws)
            n += 1
    return n


@pytest.mark.slow
def test_insertion_and_optimiser_plan_only_into_available_windows() -> None:
    """50 seeded cases: three vehicles with random windows, 30 random requests quoted and
    committed, then the optimiser (a fixed number of solutions): no rider stop lies outside
    its vehicle's windows, and the optimiser did change plans in some cases."""
    travel = EuclideanTravel(SPEED)
    params = DispatchParams()
    served = improved = 0
    for case in range(50):
        rng = random.Random(1000 + case)
        depot = (10.0, 10.0)
        windows = {f"v{k}": _random_windows(rng) for k in range(3)}
        vehicles = []
        for vid, ws in windows.items():
            shift, breaks = shift_and_breaks(ws)
            vehicles.append(Vehicle(vid, depot, depot, shift, seats=4, breaks=breaks))
        d = Dispatcher(vehicles, travel, params)
        for q in range(30):
            a = (rng.uniform(0, 20), rng.uniform(0, 20))
            b = (rng.uniform(0, 20), rng.uniform(0, 20))
            t = rng.uniform(6 * 3600, 21 * 3600)
            r: Request = d.make_request(f"r{q}", a, b, earliest_pickup=t)
            offer = d.quote(r)
            if isinstance(offer, Offer):
                d.commit(offer)
        served += _stops_inside(d, windows)
        saved = d.reoptimize(time_limit_s=30, solution_limit=40)
        improved += saved > 0
        _stops_inside(d, windows)
    assert served > 500
    assert improved >= 5


def test_a_request_inside_a_gap_is_outside_service_hours() -> None:
    """A pickup window wholly inside the gap between two windows: no vehicle is on duty."""
    travel = EuclideanTravel(SPEED)
    shift, breaks = shift_and_breaks([(8 * 3600.0, 10 * 3600.0), (14 * 3600.0, 16 * 3600.0)])
    d = Dispatcher([Vehicle("v", (0.0, 0.0), (0.0, 0.0), shift, breaks=breaks)], travel)
    r = d.make_request("r", (1.0, 1.0), (2.0, 2.0), earliest_pickup=11 * 3600.0)
    offer = d.quote(r)
    assert not isinstance(offer, Offer) and offer.reason == "outside shift"
    ok = d.quote(d.make_request("s", (1.0, 1.0), (2.0, 2.0), earliest_pickup=14 * 3600.0))
    assert isinstance(ok, Offer) and ok.pickup_time >= 14 * 3600.0


def test_a_report_during_a_gap_keeps_the_rest_of_the_gap_closed() -> None:
    """The driver reports at 11:00, inside the 10:00-14:00 gap: the plan is not late, and a
    ride is planned only after 14:00; a report after the gap drops its break."""
    travel = EuclideanTravel(SPEED)
    shift, breaks = shift_and_breaks([(8 * 3600.0, 10 * 3600.0), (14 * 3600.0, 16 * 3600.0)])
    d = Dispatcher([Vehicle("v", (0.0, 0.0), (0.0, 0.0), shift, breaks=breaks)], travel)
    d.locate("v", (0.0, 0.0), 11 * 3600.0)
    assert not d.is_late("v")
    offer = d.quote(d.make_request("r", (1.0, 1.0), (2.0, 2.0),
                                   earliest_pickup=13.9 * 3600.0))
    assert isinstance(offer, Offer) and offer.pickup_time >= 14 * 3600.0
    d.locate("v", (0.0, 0.0), 14.5 * 3600.0)
    assert not d.is_late("v") and not [s for s in d.schedule("v") if s.kind == "break"]


def test_a_closed_vehicle_takes_no_new_ride() -> None:
    travel = EuclideanTravel(SPEED)
    d = Dispatcher([Vehicle("v", (0.0, 0.0), (0.0, 0.0), (0.0, 86400.0), closed=True)],
                   travel)
    offer = d.quote(d.make_request("r", (1.0, 1.0), (2.0, 2.0), earliest_pickup=36000.0))
    assert not isinstance(offer, Offer) and offer.reason == "outside shift"
