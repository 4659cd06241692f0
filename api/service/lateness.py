"""Running late: a pickup that will miss its promised window, or a ride to a scheduled
departure that will miss it, noticed from the vehicles' reports, and what is done about it.

A vehicle's plan is timed from its driver's last report (``Dispatcher.locate`` and the
pickup and drop-off events). When the driver stays silent and the plan's next stop is
overdue (planned more than :data:`STALE_S` ago), the plan is re-timed from now at the last
known position, as if the vehicle stood there: the estimates then grow with the silence.

A pickup is late when its estimate lies more than ``ApiConfig.late_tolerance_s`` after
the promised window's end; a connection is missed when the drop-off estimate lies after
the deadline it was booked with. For each such ride still waiting for its pickup, the ride
is taken out of the late vehicle and quoted with its promised windows on the area's other
vehicles (each timed from now at the earliest); a vehicle that can take it while keeping
every other promise gets it. Otherwise the rider is told the new estimate (outbox kind
``late``, again only once it moved by :data:`RETELL_S` or more), and a missed connection
is told once with the next departure of the same line from that stop
(:mod:`api.service.connections`). The dispatcher sees each case as a
:class:`~api.store.models.LateAlert`.

Only today's service day (by the service's clock) is looked at: a report for another day
re-times that day's plan but tells nobody. :class:`LateWatch` looks every
``ApiConfig.late_interval_s`` seconds of the service's clock; :func:`review` also runs inside
each driver's report that moves the vehicle (:mod:`api.service.driving`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Collection
from dataclasses import dataclass, replace

from sqlalchemy import select

from api.service import outbox
from api.service.background import Loop
from api.service.connections import Departure
from api.service.context import Context
from api.service.days import DayChange
from api.service.stored_plans import promised
from api.store.models import Booking, LateAlert, Quote
from api.store.repository import Repository
from dispatch.insertion import Dispatcher, Offer
from routing.timebase import bounded

log = logging.getLogger("mobility.lateness")

#: a stop this long past its planned time without a report makes the plan stale
STALE_S = 60.0
#: a rider told of a delay is told again when the estimate moved by this much
RETELL_S = 300.0
#: a delay's occasion in the outbox: the estimate rounded to this (seconds)
SLOT_S = 300


@dataclass(frozen=True)
class Finding:
    """A ride found running late and what was done: ``action`` is ``moved`` (to
    ``to_vehicle``), ``told`` (the rider knows the estimate) or ``none``."""

    booking_id: str
    kind: str  #: late or connection_missed
    vehicle: str
    action: str
    estimate_s: float  #: the pickup (late) or drop-off (connection_missed) estimate
    to_vehicle: str | None = None


def stale(d: Dispatcher, vehicle: str, now_s: float) -> bool:
    """Whether a reported vehicle's next stop is overdue without a report since."""
    plan = d.plans[vehicle]
    return (plan.origin is not None and bool(plan.stops)
            and float(plan.times[1]) < now_s - STALE_S)


def needs_review(d: Dispatcher, now_s: float) -> bool:
    """Whether a day's plans hold a stale or late plan of a reported vehicle (read from
    the published plans, without the day's lock)."""
    return any(p.origin is not None and (p.late or stale(d, vid, now_s))
               for vid, p in d.plans.items())


def review(svc: Context, ch: DayChange, area: str, date: dt.date, now: dt.datetime,
           vehicles: Collection[str] | None = None) -> list[Finding]:
    """Inside a change of the day's plans: re-time stale plans, then deal with every late
    pickup and missed connection (see the module) of ``vehicles`` (default: all). Writes
    the bookings moved, the riders' messages and the alerts in the change's transaction."""
    now_s = svc.timing.seconds_on(date, now)
    ids = [v for v in ch.dispatcher.plans if vehicles is None or v in vehicles]
    for vid in ids:
        if stale(ch.dispatcher, vid, now_s):
            plan = ch.dispatcher.plans[vid]
            assert plan.origin is not None
            ch.dispatcher.locate(vid, plan.origin, max(plan.ready or 0.0, now_s))
            ch.changed.add(vid)
    suspects = [v for v in ids if ch.dispatcher.plans[v].late
                and ch.dispatcher.plans[v].origin is not None]
    if not suspects:
        return []
    rows = {b.id: (b, q) for b, q in ch.repo.active(area, date)}
    tol = float(svc.config.late_tolerance_s)
    found: list[Finding] = []
    tried: set[str] = set()  # rides a move was tried for (once per review)
    for vid in suspects:
        done: set[tuple[str, str]] = set()
        while (hit := _broken(ch.dispatcher, vid, rows, tol, done)) is not None:
            rid, kind = hit
            done.add(hit)
            b, q = rows[rid]
            times = ch.dispatcher.planned(rid)
            pick, drop = times.get("pickup"), times.get("dropoff")
            if b.status == "confirmed" and rid not in tried:
                tried.add(rid)
                moved = _move(ch.dispatcher, rid, q, vid, now_s)
                if moved is not None:
                    ch.dispatcher, to = moved
                    ch.changed.update((vid, to))
                    b.vehicle_id, b.updated_at = to, now
                    _alert(ch.repo, area, date, b.id, kind, vid, "moved", pick, drop, now,
                           to=to)
                    found.append(Finding(rid, kind, vid, "moved",
                                         (pick if kind == "late" else drop) or 0.0, to))
                    log.info("booking %s moved from %s to %s: %s", rid, vid, to, kind)
                    continue
            if kind == "late":
                assert pick is not None
                action = "told" if _tell_late(svc, ch.repo, b, q, pick, now) else "none"
                _alert(ch.repo, area, date, b.id, kind, vid, action, pick, drop, now)
                found.append(Finding(rid, kind, vid, action, pick))
            else:
                assert drop is not None
                action = _tell_missed(svc, ch.repo, area, date, b, q, vid, pick, drop, now)
                found.append(Finding(rid, kind, vid, action, drop))
    return found


def _broken(d: Dispatcher, vehicle: str, rows: dict[str, tuple[Booking, Quote]], tol: float,
            done: set[tuple[str, str]]) -> tuple[str, str] | None:
    """The vehicle's first stop (in its plan's order) that breaks a promise and was not
    dealt with yet: (booking id, ``late`` or ``connection_missed``)."""
    plan = d.plans[vehicle]
    for k, (rid, kind) in enumerate(plan.stops, 1):
        if rid not in rows:
            continue  # a break
        b, q = rows[rid]
        t = float(plan.times[k])
        if kind == "pickup" and t > q.pickup_hi_s + tol and (rid, "late") not in done:
            return rid, "late"
        if (kind == "dropoff" and b.connection_by_s is not None
                and bounded(b.connection_by_s) and t > b.connection_by_s + 1e-6
                and (rid, "connection_missed") not in done):
            return rid, "connection_missed"
    return None


def _move(d: Dispatcher, rid: str, q: Quote, late: str, now_s: float
          ) -> tuple[Dispatcher, str] | None:
    """The plans with the ride taken from the late vehicle and inserted, with its promised
    windows, into another vehicle's plan that keeps every promise; None if none can.

    The other vehicles are quoted as they can go on from now: a reported vehicle from its
    last position, no earlier than now; one that never reported from its depot, no earlier
    than now, unless its plan had stops before now (where it is then is unknown: it takes
    none)."""
    trial = d.clone()
    trial.remove(rid)
    probe = trial.clone()
    del probe.plans[late]
    timed: set[str] = set()
    for vid in list(probe.plans):
        plan = probe.plans[vid]
        if plan.origin is None and any(float(t) < now_s for t in plan.times[1:-1]):
            del probe.plans[vid]
        elif float(plan.times[0]) < now_s or (plan.ready or 0.0) < now_s:
            probe.locate(vid, plan.origin or plan.vehicle.start, now_s)
            timed.add(vid)
    if not probe.plans:
        return None
    offer = probe.quote(promised(q, rid))
    if not isinstance(offer, Offer):
        return None
    to = offer.vehicle
    if to in timed:  # the same start as quoted: the offer's positions and legs hold
        plan = trial.plans[to]
        trial.locate(to, plan.origin or plan.vehicle.start, now_s)
        offer = replace(offer, plan_version=trial.plans[to].version)
    trial.commit(offer)
    if trial.plans[to].late:  # cannot happen (the quote's own schedule): never risk it
        return None
    return trial, to


def _tell_late(svc: Context, repo: Repository, b: Booking, q: Quote, estimate_s: float,
               now: dt.datetime) -> bool:
    """Tell the rider the new pickup estimate unless they know one within
    :data:`RETELL_S` of it; whether they know a delay now."""
    if b.told_pickup_s is not None and abs(estimate_s - b.told_pickup_s) < RETELL_S:
        return True
    at = svc.timing.moment
    est = at(b.service_date, estimate_s)
    slot = math.floor(est.timestamp() / SLOT_S + 0.5) * SLOT_S
    added = outbox.enqueue(
        repo, rider_id=b.rider_id, kind="late", occasion=f"{b.id}:{slot}", at=now,
        params={"pickupStart": at(b.service_date, q.pickup_lo_s).isoformat(),
                "pickupEnd": at(b.service_date, q.pickup_hi_s).isoformat(),
                "estimatedPickup": est.isoformat()},
        booking_id=b.id, default_language=svc.config.language)
    known = b.told_pickup_s is not None or added > 0
    b.told_pickup_s = estimate_s
    return known


def _tell_missed(svc: Context, repo: Repository, area: str, date: dt.date, b: Booking,
                 q: Quote, vehicle: str, pick: float | None, drop: float,
                 now: dt.datetime) -> str:
    """Flag a missed connection and tell the rider once, with the next departure of the
    same line from that stop (if any); the alert's action."""
    assert b.connection_by_s is not None
    nxt = (svc.connections.next_after(date, (q.dest_lat, q.dest_lon), b.connection_by_s,
                                      drop, b.connection_trip_id, b.connection_stop_id)
           if svc.connections is not None else None)
    at = svc.timing.moment
    added = outbox.enqueue(
        repo, rider_id=b.rider_id, kind="connection_missed", occasion=b.id, at=now,
        params={"dropOffBy": at(date, b.connection_by_s).isoformat(),
                "estimatedDropoff": at(date, drop).isoformat(),
                "next": at(date, nxt.departure_s).isoformat() if nxt is not None else "",
                "nextRoute": nxt.route if nxt is not None else "",
                "nextHeadsign": nxt.headsign if nxt is not None else "",
                "nextStop": nxt.stop_name if nxt is not None else ""},
        booking_id=b.id, default_language=svc.config.language)
    old = repo.s.execute(select(LateAlert.action).where(
        LateAlert.booking_id == b.id, LateAlert.kind == "connection_missed")).scalar()
    action = "told" if added > 0 or old == "told" else "none"
    _alert(repo, area, date, b.id, "connection_missed", vehicle, action, pick, drop, now,
           nxt=nxt)
    return action


def _alert(repo: Repository, area: str, date: dt.date, booking_id: str, kind: str,
           vehicle: str, action: str, pick: float | None, drop: float | None,
           now: dt.datetime, *, to: str | None = None, nxt: Departure | None = None) -> None:
    """Write (or bring up to date) the dispatcher's alert of a ride."""
    row = repo.s.execute(select(LateAlert).where(LateAlert.booking_id == booking_id,
                                                 LateAlert.kind == kind)).scalar_one_or_none()
    if row is None:
        row = LateAlert(area=area, service_date=date, booking_id=booking_id, kind=kind,
                        noticed_at=now)
        repo.s.add(row)
    row.vehicle_id, row.to_vehicle, row.action = vehicle, to, action
    row.pickup_s, row.dropoff_s, row.updated_at = pick, drop, now
    if kind == "connection_missed":
        row.next_s = nxt.departure_s if nxt is not None else None
        row.next_route = nxt.route[:200] if nxt is not None else None
        row.next_headsign = nxt.headsign[:200] if nxt is not None else None
        row.next_stop = nxt.stop_name[:200] if nxt is not None else None


def check_area(svc: Context, area: str, now: dt.datetime) -> list[Finding]:
    """Review today's plans of one area if they hold anything stale or late."""
    date = svc.timing.day_seconds(now)[0]
    d, _ = svc.days.current(area, date)
    if not needs_review(d, svc.timing.seconds_on(date, now)):
        return []
    with svc.days.change(area, date) as ch:
        return review(svc, ch, area, date, now)


class LateWatch(Loop):
    """Looks for rides running late every ``config.late_interval_s`` seconds of the
    service's clock (a clock running ten times faster looks ten times as often), from a
    daemon thread of a server process. Several processes may look at once: each review
    holds the day's lock, and the outbox tells each occasion once."""

    def __init__(self, svc: Context, poll_s: float = 1.0) -> None:
        self.svc = svc
        self.poll_s = poll_s
        self._last: dt.datetime | None = None
        super().__init__("late-watch", poll_s, svc.config.late_interval_s > 0, log)

    failure = "looking for late rides failed; trying again"

    def check(self, now: dt.datetime | None = None) -> list[Finding]:
        """One look at every area's plans of today (``now``: the service's clock)."""
        now = now or self.svc.timing.now()
        out: list[Finding] = []
        for area in self.svc.areas:
            out += check_area(self.svc, area, now)
        return out

    def start(self) -> None:
        if self._thread is None:
            self._last = self.svc.timing.now()  # the first look one interval from now
        super().start()

    def step(self) -> list[Finding] | None:
        """Look if the service's clock moved on by the interval since the last look."""
        now = self.svc.timing.now()
        every = dt.timedelta(seconds=self.svc.config.late_interval_s)
        if self._last is not None and now - self._last < every:
            return None
        self._last = now
        return self.check(now)
