"""The occasions on which the booking service tells a rider about a ride: each puts a
message in the outbox (:mod:`api.service.outbox`) inside the transaction that changes what
it tells of, with the template's parameters — the promised pickup window as ISO times of the
region, the ride's ends by name.

- ``confirmed``: a booking made (one message per booking: each leg of an itinerary is a
  pickup of its own);
- ``cancelled``: a confirmed booking cancelled by staff (a rider's own cancellation tells
  them nothing they do not know);
- ``no_show``: a no-show recorded;
- ``on_the_way``: after a driver's report the vehicle's next stop is this pickup, planned
  within :data:`ON_THE_WAY_S`;
- ``changed``: a dispatcher's re-planning moved the estimated pickup by :data:`CHANGED_S`
  or more;
- ``reminder``: by the outbox's worker (:mod:`api.service.notify`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.service import outbox
from api.service.context import Context
from api.service.days import DayChange
from api.store.models import Booking, Quote
from api.store.repository import Repository
from dispatch.model import BREAK_PREFIX, Point

#: "on its way" only for a pickup planned this soon after the driver's report (a vehicle
#: whose next stop is hours away is waiting, not on its way)
ON_THE_WAY_S = 30 * 60
#: a re-planning that moves an estimated pickup this much is told
CHANGED_S = 10 * 60


def place(svc: Context, lat: float, lon: float) -> str:
    """A ride's end in plain words (its coordinates when the service names no places)."""
    if svc.names is not None:
        return svc.names.name(lat, lon).name
    return f"{lat:.4f}, {lon:.4f}"


def ends(svc: Context, origin: Point, destination: Point) -> dict[str, str]:
    """A ride's ends by name (callers holding a day's lock name them before taking it:
    the namer's first call builds its index)."""
    return {"origin": place(svc, *origin), "destination": place(svc, *destination)}


def ride_params(svc: Context, b: Booking, q: Quote, named: dict[str, str] | None = None
                ) -> dict[str, Any]:
    """What every message about a ride says: the promised pickup window and the ends."""
    at = svc.timing.moment
    return {"pickupStart": at(b.service_date, q.pickup_lo_s).isoformat(),
            "pickupEnd": at(b.service_date, q.pickup_hi_s).isoformat(),
            **(named or ends(svc, (q.origin_lat, q.origin_lon), (q.dest_lat, q.dest_lon)))}


def tell(svc: Context, repo: Repository, kind: str, b: Booking, q: Quote, *,
         occasion: str | None = None, at: dt.datetime | None = None,
         named: dict[str, str] | None = None, **extra: Any) -> int:
    """Queue a message about booking ``b`` (occasion: the booking, unless given) in the
    caller's transaction, as of ``at`` (default: now), its ends ``named`` already or named
    here; the rows added."""
    return outbox.enqueue(repo, rider_id=b.rider_id, kind=kind, occasion=occasion or b.id,
                          at=at or svc.timing.now(),
                          params={**ride_params(svc, b, q, named), **extra}, booking_id=b.id,
                          default_language=svc.config.language)


def on_the_way(svc: Context, ch: DayChange, vehicle_id: str, secs: float) -> int:
    """After a driver's report at ``secs`` (seconds of the service day): when the vehicle's
    next stop is the pickup of a confirmed booking, planned within :data:`ON_THE_WAY_S`,
    tell its rider (once per booking)."""
    plan = ch.dispatcher.plans.get(vehicle_id)
    if plan is None or not plan.stops:
        return 0
    rid, kind = plan.stops[0]
    if kind != "pickup" or rid.startswith(BREAK_PREFIX):
        return 0
    eta = ch.dispatcher.planned(rid).get("pickup")
    b = ch.repo.booking(rid)
    if eta is None or eta - secs > ON_THE_WAY_S or b is None or b.status != "confirmed":
        return 0
    q = ch.repo.quote(b.quote_id)
    assert q is not None
    return tell(svc, ch.repo, "on_the_way", b, q, estimatedPickup=svc.timing.moment(
        b.service_date, eta).isoformat())


def pickups(ch: DayChange) -> dict[str, tuple[str, float]]:
    """Every pickup still planned: booking id -> (vehicle, planned time)."""
    out = {}
    for vid, plan in ch.dispatcher.plans.items():
        for rid, kind in plan.stops:
            if kind == "pickup" and not rid.startswith(BREAK_PREFIX):
                out[rid] = (vid, ch.dispatcher.planned(rid)["pickup"])
    return out


def changed(svc: Context, ch: DayChange, date: dt.date,
            before: dict[str, tuple[str, float]]) -> int:
    """After a re-planning: tell each rider whose estimated pickup moved by
    :data:`CHANGED_S` or more (``before``: :func:`pickups` before it), with the new
    estimate (and whether the vehicle changed too)."""
    told = 0
    for rid, (vid, eta) in pickups(ch).items():
        old = before.get(rid)
        if old is None or abs(eta - old[1]) < CHANGED_S:
            continue
        b = ch.repo.booking(rid)
        if b is None or b.status != "confirmed":
            continue
        q = ch.repo.quote(b.quote_id)
        assert q is not None
        new = svc.timing.moment(date, eta)
        told += tell(svc, ch.repo, "changed", b, q,
                     occasion=f"{rid}:{round(new.timestamp() / 300) * 300}",
                     estimatedPickup=new.isoformat(),
                     what="vehicle" if vid != old[0] else "time")
    return told
