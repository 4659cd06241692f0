"""Moving a vehicle's tour of a day to another vehicle (a dispatcher's decision, e.g. when a
company cannot drive): every ride booked on it that day and not yet picked up moves, all or
nothing, each keeping the windows and the ride-time limit promised to its rider.

The rides are quoted, with their promised windows, in order of their pickup windows, on a
dispatcher holding only the target vehicle's plan (timed from now at the earliest when the
day is today), each committed before the next is quoted; if one cannot be kept, nothing
moves (409 ``cannot-move`` naming the rides that could not be kept). The change of the two
vehicles' plans and of the bookings is one change of the day (:mod:`api.service.days`),
audited as ``tour.move``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.auth import Principal
from api.service import audit
from api.service.errors import ConflictError, ForbiddenError, InvalidRequestError, not_found
from api.service.service import BookingService
from api.service.stored_plans import promised
from api.store.repository import reading
from dispatch.insertion import Dispatcher, Offer


@dataclass(frozen=True)
class Moved:
    """A tour moved: from and to which vehicle, the day, and the bookings moved."""

    vehicle_id: str
    to: str
    date: dt.date
    bookings: tuple[str, ...]


def _target(d: Dispatcher, to: str, now_s: float | None) -> Dispatcher:
    """A dispatcher holding only the target's plan; ``now_s``: the vehicle goes on from
    now at the earliest (from where it was last reported, or its depot)."""
    probe = d.clone()
    for vid in list(probe.plans):
        if vid != to:
            del probe.plans[vid]
    plan = probe.plans[to]
    if now_s is not None and (float(plan.times[0]) < now_s or (plan.ready or 0.0) < now_s):
        probe.locate(to, plan.origin or plan.vehicle.start, max(now_s, plan.ready or 0.0))
    return probe


def move(svc: BookingService, who: Principal, vehicle_id: str, date: dt.date, to: str
         ) -> Moved:
    """Move the vehicle's rides of ``date`` not yet picked up to vehicle ``to`` (see the
    module); dispatchers and admins only.

    Raises
    ------
    NotFoundError
        An unknown vehicle (either).
    InvalidRequestError
        The same vehicle, another area's vehicle, or a day that is over.
    ConflictError
        ``cannot-move``: a ride cannot keep its promise on the target vehicle.
    """
    if not who.staff:
        raise ForbiddenError(f"a {who.role} key cannot move tours")
    if date < svc.timing.today():
        raise InvalidRequestError("that day is over", field="date", code="day-over",
                                  title="Day over")
    with reading(svc.store) as repo:
        src, dst = repo.vehicle(vehicle_id), repo.vehicle(to)
        if src is None:
            raise not_found("vehicle", vehicle_id, "vehicleId")
        if dst is None or not dst.active:
            raise not_found("vehicle", to, "to")
        area = src.area
        if to == vehicle_id:
            raise InvalidRequestError("the tour is on that vehicle already", field="to",
                                      code="validation")
        if dst.area != area:
            raise InvalidRequestError(f"vehicle {to} serves another area ({dst.area})",
                                      field="to", code="other-area", title="Other area")
    now = svc.timing.now()
    now_s = svc.timing.seconds_on(date, now) if date == svc.timing.today() else None
    with svc.days.change(area, date) as ch:
        rows = sorted(((b, q) for b, q in ch.repo.active(area, date)
                       if b.vehicle_id == vehicle_id and b.status == "confirmed"),
                      key=lambda bq: (bq[1].pickup_lo_s, bq[0].id))
        if not rows:
            return Moved(vehicle_id, to, date, ())
        d = ch.dispatcher
        if to not in d.plans:
            raise ConflictError(f"vehicle {to} is not available on {date.isoformat()}",
                                field="to", code="cannot-move", title="Cannot move",
                                bookings=[b.id for b, _ in rows])
        trial = d.clone()
        for b, _ in rows:
            if trial.vehicle_of(b.id) is not None:
                trial.remove(b.id)
        probe = _target(trial, to, now_s)
        failed = []
        for b, q in rows:
            offer = probe.quote(promised(q, b.id))
            if isinstance(offer, Offer):
                probe.commit(offer)
            else:
                failed.append(b.id)
        if failed or probe.plans[to].late:
            raise ConflictError(
                f"{len(failed) or len(rows)} of {len(rows)} rides cannot keep their promised "
                f"times on vehicle {to}: nothing moved", field="to", code="cannot-move",
                title="Cannot move", bookings=failed or [b.id for b, _ in rows])
        trial.plans[to] = probe.plans[to]
        trial.requests.update(probe.requests)
        ch.dispatcher = trial
        ch.changed.update((vehicle_id, to))
        for b, _ in rows:
            b.vehicle_id, b.updated_at = to, now
        ids = tuple(b.id for b, _ in rows)
        audit.record(ch.repo, who, "tour.move", "tour", f"{vehicle_id}/{date.isoformat()}",
                     {"from": vehicle_id, "to": to, "date": date.isoformat(),
                      "bookings": list(ids)}, now)
        return Moved(vehicle_id, to, date, ids)
