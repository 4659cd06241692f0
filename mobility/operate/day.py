"""One service day operated through the booking service itself, on a clock the run moves:
riders ask for rides when they would (quote, then book), some cancel, drivers report each
pickup, drop-off and no-show when their plan reaches it (a pickup a little after the planned
time, as on real roads), and some riders rate their ride. Everything the day leaves in the
store is what a real day would leave: bookings with their fares, statuses and events,
refusals, ratings."""

from __future__ import annotations

import datetime as dt
import heapq
import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from api import BookingService
from api.auth import Principal
from api.service.clock import FixedClock
from api.service.errors import ConflictError, InvalidRequestError, NotFoundError
from api.service.feedback import rate
from dispatch.demand import Trip
from dispatch.model import BREAK_PREFIX

log = logging.getLogger(__name__)

#: the riders' and drivers' key id in the store's records (no real key is made)
KEY_ID = "operate"
#: stars a rider gives (1 … 5) and how likely each is
STARS_P = (0.02, 0.03, 0.10, 0.30, 0.55)


@dataclass(frozen=True)
class Behaviour:
    """How riders and drivers behave: the shares of rides cancelled, riders not showing up
    and rides rated, and the drivers' mean delay at a pickup (seconds, exponential)."""

    cancel_share: float = 0.04
    no_show_share: float = 0.03
    rating_share: float = 0.3
    pickup_delay_s: float = 60.0


@dataclass
class DayTally:
    """What happened (counts by outcome; refusals by problem code)."""

    date: dt.date
    asked: int = 0
    booked: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    cancelled: int = 0
    picked_up: int = 0
    no_shows: int = 0
    completed: int = 0
    rated: int = 0
    too_late_to_cancel: int = 0
    errors: Counter[str] = field(default_factory=Counter)


def operate_day(svc: BookingService, clock: FixedClock, area: str, date: dt.date,
                trips: list[Trip], riders: list[str], rng: np.random.Generator,
                behaviour: Behaviour | None = None) -> DayTally:
    """Operate ``date`` in ``area``: each trip is asked for at its ``booked_at`` (not before
    an hour ahead of the first wish), by a rider drawn from ``riders``."""
    behaviour = behaviour or Behaviour()
    tally = DayTally(date)
    first = min((t.time for t in trips), default=6 * 3600.0)
    # actions by time: ("ask", trip) and ("cancel", booking id); ties in insertion order
    queue: list[tuple[float, int, str, object]] = []
    for n, trip in enumerate(trips):
        heapq.heappush(queue, (max(trip.booked_at, first - 3600.0), n, "ask", trip))
    seq = len(trips)
    who_of: dict[str, Principal] = {}
    while True:
        t_next = queue[0][0] if queue else float("inf")
        stop = _next_stop(svc, area, date)
        if stop is not None and stop[0] <= t_next:
            _set(clock, svc, date, stop[0])
            _stop(svc, area, date, stop, who_of, rng, behaviour, tally)
            continue
        if not queue:
            break
        t, _, kind, what = heapq.heappop(queue)
        _set(clock, svc, date, t)
        if kind == "ask":
            assert isinstance(what, Trip)
            rider = riders[int(rng.integers(len(riders)))]
            who = Principal(KEY_ID, "rider", rider_id=rider)
            booking = _ask(svc, who, date, what, tally)
            if booking is not None:
                who_of[booking] = who
                if rng.random() < behaviour.cancel_share:
                    now_s = svc.timing.seconds_on(date, clock.now())
                    when = float(rng.uniform(now_s, max(now_s, what.time)))
                    seq += 1
                    heapq.heappush(queue, (when, seq, "cancel", booking))
        else:
            assert isinstance(what, str)
            try:
                if svc.cancel(who_of[what], what).status == "cancelled":
                    tally.cancelled += 1
            except ConflictError:  # the rider is on board already: too late to cancel
                tally.too_late_to_cancel += 1
    return tally


def _set(clock: FixedClock, svc: BookingService, date: dt.date, seconds: float) -> None:
    """Move the clock to ``seconds`` after the day's midnight (never backwards)."""
    moment = svc.timing.moment(date, seconds)
    if moment > clock.now():
        clock.set(moment)


def _ask(svc: BookingService, who: Principal, date: dt.date, trip: Trip,
         tally: DayTally) -> str | None:
    """Quote and book a trip; the booking's id, or None when refused."""
    tally.asked += 1
    when = svc.timing.moment(date, trip.time)
    for _ in range(2):  # a plan changed between quote and booking: quote again once
        try:
            q = svc.quote(who, trip.origin, trip.destination, when, "departure",
                          trip.passengers, trip.wheelchair)
            b, _ = svc.book(who, q.id, None)
        except (ConflictError, InvalidRequestError) as exc:
            code = getattr(exc, "code", None) or "refused"
            if code == "quote-stale":
                continue
            tally.refused[code] += 1
            return None
        tally.booked += 1
        return b.id
    tally.refused["plan-changed"] += 1
    return None


def _next_stop(svc: BookingService, area: str, date: dt.date
               ) -> tuple[float, str, str, str] | None:
    """The earliest next stop of any vehicle's plan: (planned time, vehicle, booking id,
    kind); each vehicle's stops are served in its plan's order (breaks need no report)."""
    d, _ = svc.days.current(area, date)
    best = None
    for vid, plan in d.plans.items():
        for k, (rid, kind) in enumerate(plan.stops, 1):
            if rid.startswith(BREAK_PREFIX):
                continue
            cand = (float(plan.times[k]), vid, rid, kind)
            if best is None or cand < best:
                best = cand
            break
    return best


def _stop(svc: BookingService, area: str, date: dt.date,
          stop: tuple[float, str, str, str], who_of: dict[str, Principal],
          rng: np.random.Generator, behaviour: Behaviour, tally: DayTally) -> None:
    t, vid, bid, kind = stop
    driver = Principal(KEY_ID, "driver", vehicle_id=vid)
    d, _ = svc.days.current(area, date)
    r = d.requests[bid]
    try:
        if kind == "pickup":
            # the events carry the device's own time: the run's clock (shared by every
            # vehicle) stays at the earliest stop due, so no vehicle waits for another
            if rng.random() < behaviour.no_show_share:
                svc.event(driver, vid, "no_show", bid,
                          svc.timing.moment(date, max(t, r.pickup_window[0])), None,
                          f"ns-{bid}")
                tally.no_shows += 1
                return
            delay = float(rng.exponential(behaviour.pickup_delay_s))
            svc.event(driver, vid, "picked_up", bid, svc.timing.moment(date, t + delay),
                      r.pickup, f"pu-{bid}")
            tally.picked_up += 1
        else:
            svc.event(driver, vid, "dropped_off", bid, None, r.dropoff, f"do-{bid}")
            tally.completed += 1
            who = who_of.get(bid)
            if who is not None and rng.random() < behaviour.rating_share:
                stars = int(rng.choice(5, p=STARS_P)) + 1
                reasons = ["late"] if stars <= 3 and rng.random() < 0.5 else []
                rate(svc, who, bid, stars, reasons, None)
                tally.rated += 1
    except (ConflictError, InvalidRequestError, NotFoundError) as exc:
        # never expected: counted (and logged) so that a run shows it rather than hiding it
        tally.errors[getattr(exc, "code", "error")] += 1
        log.warning("%s of %s on %s refused: %s", kind, bid, vid, exc)
        if kind == "pickup":  # take the ride out so that the day goes on
            svc.cancel(Principal(KEY_ID, "dispatcher"), bid)

