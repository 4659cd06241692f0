"""Quotes: what the service can offer for a ride now. A quote changes no plan: it reads the
day's published plans without any lock (the booking re-checks under the lock) and stores the
offer so that any process can book it until it expires."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.auth import Principal, new_id
from api.service import fares, rules, service_alerts
from api.service.context import Context
from api.service.errors import ConflictError, InvalidRequestError, ServiceError
from api.service.privacy import direct_m
from api.service.views import QuoteView, quote_view
from api.store.models import Quote, RefusedRequest
from api.store.repository import writing
from dispatch.fares import FareClasses
from dispatch.insertion import NoOffer
from dispatch.model import Point
from routing.errors import MobilityError
from routing.timebase import NO_BOUND_S

#: the dispatcher's reasons as problem codes
NO_OFFER = {"no vehicle in time": "no-vehicle-available", "capacity": "no-capacity",
            "ride-time limit": "ride-time-limit", "outside shift": "outside-service-hours"}


def no_ride(offer: NoOffer, **details: Any) -> ConflictError:
    """The refusal for a request no vehicle can take now."""
    return ConflictError(f"{offer.reason}: {offer.detail}", code=NO_OFFER.get(offer.reason,
                                                                          "no-offer"),
                    title="No ride available", reason=offer.reason, **details)


def record_refusal(svc: Context, area: str, date: dt.date, code: str, origin: Point,
                   destination: Point, passengers: int, wheelchairs: int) -> None:
    """Count a request the service refused (for the monthly report's "rejected by
    reason"), in its own transaction: the refusal stands whatever the caller does next."""
    with writing(svc.store) as repo:
        repo.s.add(RefusedRequest(area=area, service_date=date, at=svc.timing.now(), code=code,
                                  passengers=passengers, wheelchairs=wheelchairs,
                                  direct_m=direct_m(*origin, *destination)))


def quote(svc: Context, who: Principal, origin: Point, destination: Point,
          when: dt.datetime, time_type: str, passengers: int, wheelchair: bool,
          rider_id: str | None, classes: FareClasses | None = None) -> QuoteView:
    """An offer for a ride from ``origin`` to ``destination``: picked up from ``when``
    (``time_type`` "departure") or dropped off by it ("arrival"), priced under the area's
    fare rule with ``classes`` the reduced passengers (default: all adults). A refusal
    for want of a vehicle or for a closure is counted (:func:`record_refusal`).

    Raises
    ------
    InvalidRequestError
        For a request no rule can serve (outside the area or the region, in the past, in
        a closure the dispatcher entered, …).
    ConflictError
        With the reason when no vehicle can take it now.
    ForbiddenError
        When the caller may not book for that rider.
    """
    rider = svc.rider_for(None, who, rider_id)
    area = rules.area_for(svc.areas, origin, destination)
    moment = rules.bookable_time(svc.timing, svc.config, when, area)
    date, secs = svc.timing.day_seconds(moment)

    def refused(exc: ServiceError) -> ServiceError:
        # a valid request the service could not take (never invalid input: that is the
        # caller's to fix, not demand the service missed)
        record_refusal(svc, area.name, date, exc.code, origin, destination, passengers,
                       int(wheelchair))
        svc.metrics.refused(area.name, "quote", exc.code)
        return exc

    closures = service_alerts.closures(svc, area.name)  # the dispatcher's: none is usual
    try:
        service_alerts.refuse_closed(svc, closures, (moment, moment), "time")
    except InvalidRequestError as exc:
        raise refused(exc) from None
    for field, p in (("origin", origin), ("destination", destination)):
        svc.on_roads(p, field)
    d, _ = svc.days.current(area.name, date)
    qid = new_id("q_")
    try:
        req = d.make_request(qid, origin, destination, passengers=passengers,
                             wheelchairs=int(wheelchair),
                             earliest_pickup=secs if time_type == "departure" else None,
                             latest_arrival=secs if time_type == "arrival" else None)
    except MobilityError as exc:
        raise InvalidRequestError(str(exc), field="destination", code="unreachable",
                             title="No road connection") from None
    offer = d.quote(req)
    if isinstance(offer, NoOffer):
        raise refused(no_ride(offer))
    try:
        service_alerts.refuse_closed(
            svc, closures, (svc.timing.moment(date, req.pickup_window[0]),
                            svc.timing.moment(date, offer.dropoff_time)), "time")
    except InvalidRequestError as exc:
        raise refused(exc) from None
    now = svc.timing.now()
    fare = fares.priced(svc, area, origin, destination, passengers, classes)
    values = dict(
        id=qid, rider_id=rider, key_id=who.key_id, area=area.name, service_date=date,
        time_type=time_type, origin_lat=origin[0], origin_lon=origin[1],
        dest_lat=destination[0], dest_lon=destination[1], passengers=passengers,
        wheelchairs=int(wheelchair), pickup_lo_s=req.pickup_window[0],
        pickup_hi_s=req.pickup_window[1], dropoff_lo_s=req.dropoff_window[0],
        dropoff_hi_s=min(req.dropoff_window[1], NO_BOUND_S), max_ride_s=req.max_ride,
        boarding_s=req.pickup_service, alighting_s=req.dropoff_service,
        vehicle_id=offer.vehicle, est_pickup_s=offer.pickup_time,
        est_dropoff_s=offer.dropoff_time, created_at=now,
        expires_at=now + dt.timedelta(seconds=svc.config.quote_ttl_s), **fare)
    with writing(svc.store) as repo:
        repo.add_quote(**values)
    svc.metrics.quoted(area.name)
    return quote_view(svc.timing, Quote(**values))
