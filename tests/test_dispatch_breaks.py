"""Breaks in live plans: a vehicle that goes on after a break (drivers report no break)
leaves it behind instead of running "late" for a break it cannot take any more."""

from __future__ import annotations

from dispatch.insertion import Dispatcher, DispatchParams, Offer
from dispatch.model import BREAK_PREFIX, Break, Request, Vehicle
from dispatch.travel import EuclideanTravel

DEPOT = (0.0, 0.0)


def _dispatcher() -> Dispatcher:
    # speed 1: one distance unit per second; a break 10:00-11:00 at the depot
    v = Vehicle("v", DEPOT, DEPOT, (0.0, 20_000.0),
                breaks=(Break(10_000.0, 10_000.0, 3600.0),))
    return Dispatcher([v], EuclideanTravel(1.0), DispatchParams())


def _book(d: Dispatcher, rid: str, at: float) -> None:
    r = Request(rid, (100.0, 0.0), (200.0, 0.0), (at, at + 600.0), max_ride=1000.0)
    offer = d.quote(r)
    assert isinstance(offer, Offer)
    d.commit(offer)


def _breaks(d: Dispatcher) -> list[str]:
    return [rid for rid, _ in d.plans["v"].stops if rid.startswith(BREAK_PREFIX)]


def test_a_pickup_after_the_break_leaves_the_break_behind() -> None:
    d = _dispatcher()
    _book(d, "after", 15_000.0)
    assert _breaks(d)  # planned: break, then the ride
    stops = d.plans["v"].stops
    assert stops.index(("after", "pickup")) > stops.index((_breaks(d)[0], "dropoff"))
    d.picked_up("after", 15_050.0)
    assert _breaks(d) == [] and not d.is_late("v")
    d.dropped_off("after", 15_200.0)
    assert d.plans["v"].stops == [] and not d.is_late("v")


def test_a_pickup_before_the_break_keeps_it() -> None:
    d = _dispatcher()
    _book(d, "before", 5_000.0)
    d.picked_up("before", 5_010.0)
    assert len(_breaks(d)) == 2 and not d.is_late("v")  # pickup and "drop-off" of the break


def test_a_position_after_the_break_ended_leaves_it_behind() -> None:
    d = _dispatcher()
    d.locate("v", (50.0, 0.0), 9_000.0)
    assert _breaks(d)  # the break is still to come
    d.locate("v", (50.0, 0.0), 10_000.0 + 3600.0)
    assert _breaks(d) == [] and not d.is_late("v")
