"""Bookings: a quote confirmed, every on-demand leg of an itinerary at once, and
cancellations. Each runs in one transaction holding the day's lock, re-checks the ride
against the plans as stored (the quote's windows are the promise), and is stored before it
is answered."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from api.auth import Principal, new_id
from api.service import audit, fair_use, fares, notes, occasions, rules, service_alerts
from api.service.context import Context
from api.service.errors import (
    ConflictError,
    GoneError,
    InvalidRequestError,
    ServiceError,
    not_found,
)
from api.service.stored_plans import promised
from api.service.views import BookingView, booking_view
from api.store.models import Booking, Quote
from api.store.repository import BookingRecord, Repository, reading
from dispatch.fares import FareClasses
from dispatch.insertion import NoOffer, Offer
from dispatch.model import Point
from routing.timebase import NO_BOUND_S, bounded


@dataclass(frozen=True)
class RideLegRequest:
    """An on-demand leg of a planned itinerary to book: its ends and the windows the plan
    offered (aware moments); the drop-off window's end is the connection to make (None:
    none to make)."""

    origin: Point
    destination: Point
    pickup_window: tuple[dt.datetime, dt.datetime]
    dropoff_window: tuple[dt.datetime, dt.datetime | None]
    passengers: int = 1
    wheelchair: bool = False
    #: the scheduled trip the ride feeds and the stop it is boarded at (GTFS ids)
    connection: tuple[str, str] | None = None
    #: the passengers paying a reduced fare (None: all adults)
    fare_classes: FareClasses | None = None


def _replayed(repo: Repository, who: Principal, quote_id: str, key: str | None
              ) -> Booking | None:
    """The booking an earlier request with the same ``Idempotency-Key`` made."""
    if key is None:
        return None
    b = repo.booking_by_key(who.key_id, key)
    if b is not None and b.quote_id != quote_id:
        raise InvalidRequestError(f"Idempotency-Key {key!r} was used for another quote",
                             field="Idempotency-Key", code="idempotency-key-reused",
                             title="Idempotency key reused")
    return b


def book(svc: Context, who: Principal, quote_id: str, idempotency_key: str | None,
         note: str | None = None) -> tuple[BookingView, bool]:
    """Book a quote: (the booking, whether it was created now), with staff's ``note`` for
    the driver. A retried request with the same ``Idempotency-Key`` returns the booking
    made the first time.

    Raises
    ------
    NotFoundError
        An unknown quote (or another rider's).
    GoneError
        The quote expired.
    ConflictError
        The quote was booked already, or no longer fits the plans, or the rider would hold
        too many or overlapping bookings (:mod:`api.service.fair_use`).
    InvalidRequestError
        An idempotency key reused for another quote, or a ride in a closure entered since
        the quote (``service-closed``).
    ForbiddenError
        A note from a rider (notes for the driver are the dispatcher's).
    """
    note = notes.checked(who, note)
    with reading(svc.store) as repo:
        done = _replayed(repo, who, quote_id, idempotency_key)
        if done is not None:
            return svc.views(repo, [done])[0], False
        q = repo.quote(quote_id)
        if q is None or not svc.may_see(who, q.rider_id):
            raise not_found("quote", quote_id, "quoteId")
    try:
        view, created = _book_quote(svc, who, q, idempotency_key, note)
    except ServiceError as exc:
        _count_refusal(svc, q.area, exc)
        raise
    if created:
        svc.metrics.booked(q.area)
    return view, created


def _count_refusal(svc: Context, area: str, exc: ServiceError) -> None:
    """Count a booking the service refused: the ride no longer fits, fair use, an expired
    quote or a closure (not the caller's mistakes, e.g. a reused idempotency key)."""
    if isinstance(exc, ConflictError | GoneError) or exc.code == "service-closed":
        svc.metrics.refused(area, "booking", exc.code)


def _book_quote(svc: Context, who: Principal, q: Quote, idempotency_key: str | None,
                note: str | None) -> tuple[BookingView, bool]:
    """:func:`book` once the quote is found."""
    quote_id = q.id
    if q.expires_at < svc.timing.now():
        raise GoneError(f"quote {quote_id} expired at {q.expires_at.isoformat()}; ask for a new "
                   "quote", field="quoteId", code="quote-expired", title="Quote expired")
    at = svc.timing.moment  # a closure entered since the quote refuses it too
    service_alerts.refuse_closed(svc, service_alerts.closures(svc, q.area), (
        at(q.service_date, q.pickup_lo_s), at(q.service_date, q.est_dropoff_s)), "quoteId")
    bid = new_id("b_")
    req = promised(q, bid)
    # the searches before the lock, on the plans as published: under the lock the offer
    # stands if its vehicle's plan is still the same, else the ride is quoted again there
    early = svc.days.current(q.area, q.service_date)[0].quote(req)
    named = occasions.ends(svc, (q.origin_lat, q.origin_lon), (q.dest_lat, q.dest_lon))
    with svc.days.change(q.area, q.service_date) as ch:
        repo = ch.repo
        done = _replayed(repo, who, quote_id, idempotency_key)
        if done is not None:
            return svc.views(repo, [done])[0], False
        taken = repo.booking_of_quote(quote_id)
        if taken is not None:
            raise ConflictError(f"quote {quote_id} was booked already (booking {taken})",
                                field="quoteId", code="quote-used",
                                title="Quote already booked", bookingId=taken)
        fair_use.check(repo, svc.timing, svc.config, who, q.rider_id, [_ride(q)], lock=True)
        d = ch.dispatcher
        offer = (early if isinstance(early, Offer)
                 and d.plans[early.vehicle].version == early.plan_version else d.quote(req))
        if isinstance(offer, NoOffer):
            raise ConflictError("the vehicles' plans changed since the quote and the ride no "
                                "longer fits; ask for a new quote", field="quoteId",
                                code="quote-stale", title="No longer available")
        d.commit(offer)
        ch.changed.add(offer.vehicle)
        now = svc.timing.now()
        b = Booking(id=bid, quote_id=q.id, rider_id=q.rider_id, key_id=who.key_id,
                    idempotency_key=idempotency_key, area=q.area,
                    service_date=q.service_date, vehicle_id=offer.vehicle,
                    status="confirmed", created_at=now, updated_at=now, note=note)
        fares.copy_to(q, b)  # the price quoted, whatever the rules say later
        first = repo.add_booking(b, who.role)
        audit.record(repo, who, "booking.create", "booking", bid,
                     {"quoteId": q.id, "riderId": q.rider_id, "vehicleId": offer.vehicle,
                      "area": q.area, "date": q.service_date.isoformat(),
                      "withNote": note is not None,  # the booker's, for a staff's order
                      "standingOrder": (idempotency_key or "").split(":")[1]
                      if (idempotency_key or "").startswith("standing:") else None}, now)
        occasions.tell(svc, repo, "confirmed", b, q, named=named)
        planned = d.planned(bid)
        rider = repo.rider(q.rider_id)
    # committed: the view from what was written, without reading it back
    return booking_view(svc.timing, BookingRecord(b, q, planned, [first], rider), svc.names), True


def _ride(q: Quote) -> fair_use.Ride:
    return fair_use.Ride(q.service_date, (q.pickup_lo_s, q.pickup_hi_s))


@dataclass(frozen=True)
class _Leg:
    area: str
    date: dt.date
    leg: RideLegRequest
    pickup: tuple[float, float]
    dropoff: tuple[float, float]
    direct_s: float


def _checked_leg(svc: Context, k: int, leg: RideLegRequest) -> _Leg:
    """An itinerary leg checked against the rules a quote passes (its area, the roads, and
    :func:`api.service.rules.bookable_window` for its pickup window), its windows in
    seconds of its service day."""
    field = f"itinerary.{k}"
    area = rules.area_for(svc.areas, leg.origin, leg.destination, prefix=f"{field}.")
    for name, p in (("origin", leg.origin), ("destination", leg.destination)):
        svc.on_roads(p, f"{field}.{name}")
    direct = float(svc.travel.one_to_many(leg.origin, [leg.destination])[0])
    if not math.isfinite(direct):
        raise InvalidRequestError(f"itinerary leg {k}: the destination cannot be reached by "
                                  "road from the origin", field=f"{field}.destination",
                                  code="unreachable", title="No road connection")
    date, plo, phi = rules.bookable_window(svc.timing, svc.config, svc.params, area,
                                           leg.pickup_window, direct, f"{field}.pickupWindow")
    service_alerts.refuse_closed(svc, service_alerts.closures(svc, area.name), (
        svc.timing.moment(date, plo), svc.timing.moment(date, phi + direct)),
        f"{field}.pickupWindow")
    drop = f"{field}.dropOffWindow"
    dlo = rules.on_date(svc.timing, date, leg.dropoff_window[0], f"{drop}.start")
    end = leg.dropoff_window[1]
    dhi = NO_BOUND_S if end is None else rules.on_date(svc.timing, date, end, f"{drop}.end")
    if dhi < max(dlo, plo):
        raise InvalidRequestError(f"{drop} ends before it starts or before the pickup window "
                                  "does", field=f"{drop}.end", code="window-order",
                                  title="Window ends before it starts")
    return _Leg(area.name, date, leg, (plo, phi), (dlo, dhi), direct)


def book_itinerary(svc: Context, who: Principal, legs: Sequence[RideLegRequest],
                   idempotency_key: str | None, rider_id: str | None,
                   note: str | None = None) -> tuple[str, list[BookingView], bool]:
    """Book every on-demand leg of a planned itinerary in one transaction: all or none,
    each with staff's ``note`` for the driver. Returns (itinerary id, bookings, created
    now).

    Raises
    ------
    InvalidRequestError
        A leg no rule can serve, legs on different days or areas, a reused key.
    ConflictError
        A leg no vehicle can take any more (plan the journey again), or the rider would
        hold too many or overlapping bookings (:mod:`api.service.fair_use`).
    ForbiddenError
        A note from a rider.
    """
    note = notes.checked(who, note)
    with reading(svc.store) as repo:
        rider = svc.rider_for(repo, who, rider_id)
        if idempotency_key is not None:
            first = repo.booking_by_key(who.key_id, idempotency_key)
            if first is not None:
                if first.itinerary_id is None:
                    raise InvalidRequestError(f"Idempotency-Key {idempotency_key!r} was used for "
                                         "a single booking", field="Idempotency-Key",
                                         code="idempotency-key-reused",
                                         title="Idempotency key reused")
                return (first.itinerary_id, svc.views(repo, repo.itinerary(first.itinerary_id)),
                        False)
    parts = [_checked_leg(svc, k, leg) for k, leg in enumerate(legs)]
    if len({(x.area, x.date) for x in parts}) > 1:
        raise InvalidRequestError("the itinerary's rides lie in different service areas or days: "
                             "book them one by one", field="itinerary",
                             code="itinerary-spans-days", title="Book legs one by one")
    area = parts[0].area
    iid = new_id("i_")
    named = [occasions.ends(svc, x.leg.origin, x.leg.destination) for x in parts]
    prices = [fares.priced(svc, svc.areas[area], x.leg.origin, x.leg.destination,
                           x.leg.passengers, x.leg.fare_classes) for x in parts]
    try:
        made = _book_legs(svc, who, parts, rider, iid, idempotency_key, note, named, prices)
    except ServiceError as exc:
        _count_refusal(svc, area, exc)
        raise
    svc.metrics.booked(area, len(made))
    with reading(svc.store) as repo:
        return iid, svc.views(repo, made), True


def _book_legs(svc: Context, who: Principal, parts: Sequence[_Leg], rider: str, iid: str,
               idempotency_key: str | None, note: str | None,
               named: Sequence[Any], prices: Sequence[dict[str, Any]]) -> list[Booking]:
    """:func:`book_itinerary`'s bookings, made under the day's lock (all or none)."""
    area, date = parts[0].area, parts[0].date
    rides = [fair_use.Ride(x.date, x.pickup, f"itinerary.{k}") for k, x in enumerate(parts)]
    with svc.days.change(area, date) as ch:  # fair use first: a refusal searches nothing
        fair_use.check(ch.repo, svc.timing, svc.config, who, rider, rides, lock=True)
        now = svc.timing.now()
        made: list[Booking] = []
        for k, x in enumerate(parts):
            bid = new_id("b_")
            o, dst = x.leg.origin, x.leg.destination
            req = svc.params.request(bid, o, dst, x.direct_s, x.pickup, x.dropoff,
                                     x.leg.passengers, int(x.leg.wheelchair))
            offer = ch.dispatcher.quote(req)
            if isinstance(offer, NoOffer):  # nothing is written: the working copy is dropped
                raise ConflictError(f"leg {k}: {offer.reason} — plan the journey again",
                               field=f"itinerary.{k}", code="itinerary-unavailable",
                               title="No longer available", reason=offer.reason)
            ch.dispatcher.commit(offer)
            ch.changed.add(offer.vehicle)
            qid = new_id("q_")
            price = prices[k]
            ch.repo.add_quote(
                id=qid, rider_id=rider, key_id=who.key_id, area=area, service_date=date,
                time_type="departure", origin_lat=o[0], origin_lon=o[1], dest_lat=dst[0],
                dest_lon=dst[1], passengers=req.passengers, wheelchairs=req.wheelchairs,
                pickup_lo_s=x.pickup[0], pickup_hi_s=x.pickup[1], dropoff_lo_s=x.dropoff[0],
                dropoff_hi_s=min(x.dropoff[1], NO_BOUND_S), max_ride_s=req.max_ride,
                boarding_s=req.pickup_service, alighting_s=req.dropoff_service,
                vehicle_id=offer.vehicle, est_pickup_s=offer.pickup_time,
                est_dropoff_s=offer.dropoff_time, created_at=now, expires_at=now, **price)
            b = Booking(id=bid, quote_id=qid, rider_id=rider, key_id=who.key_id,
                        idempotency_key=idempotency_key if k == 0 else None, area=area,
                        service_date=date, vehicle_id=offer.vehicle, status="confirmed",
                        created_at=now, updated_at=now, itinerary_id=iid,
                        connection_by_s=x.dropoff[1] if bounded(x.dropoff[1]) else None,
                        note=note, **price)
            if b.connection_by_s is not None and x.leg.connection is not None:
                b.connection_trip_id, b.connection_stop_id = x.leg.connection
            ch.repo.add_booking(b, who.role)
            audit.record(ch.repo, who, "booking.create", "booking", bid,
                         {"itineraryId": iid, "riderId": rider, "vehicleId": offer.vehicle,
                          "area": area, "date": date.isoformat(),
                          "withNote": note is not None}, now)
            q = ch.repo.quote(qid)
            assert q is not None
            occasions.tell(svc, ch.repo, "confirmed", b, q,  # one per ride: each a pickup
                           named=named[k])
            made.append(b)
    return made


def cancel(svc: Context, who: Principal, booking_id: str) -> BookingView:
    """Cancel a booking (cancelling twice is harmless).

    Raises
    ------
    NotFoundError
        An unknown booking (or another rider's).
    ConflictError
        The ride has started or ended.
    """
    with reading(svc.store) as repo:
        b = repo.booking(booking_id)
        if b is None or not svc.may_see(who, b.rider_id):
            raise not_found("booking", booking_id)
        q = repo.quote(b.quote_id)
        assert q is not None
    named = (occasions.ends(svc, (q.origin_lat, q.origin_lon), (q.dest_lat, q.dest_lon))
             if who.staff else None)  # what staff cancel is told (named before the lock)
    with svc.days.change(b.area, b.service_date) as ch:
        b = ch.repo.booking(booking_id)
        assert b is not None
        if b.status == "confirmed":
            if who.role == "rider":  # staff's cancellations cost the rider nothing
                b.cancel_fee_cents = fares.late_fee(svc, b, q)
            ch.dispatcher.remove(b.id)
            ch.changed.add(b.vehicle_id)
            ch.repo.set_status(b, "cancelled", who.role, svc.timing.now())
            svc.metrics.cancelled(b.area)
            audit.record(ch.repo, who, "booking.cancel", "booking", b.id,
                         {"riderId": b.rider_id, "vehicleId": b.vehicle_id, "area": b.area,
                          "date": b.service_date.isoformat(), "status": "cancelled"},
                         svc.timing.now())
            if who.staff:  # riders know what they cancel themselves
                occasions.tell(svc, ch.repo, "cancelled", b, q, named=named, by="operator")
        elif b.status != "cancelled":
            raise ConflictError(f"booking {booking_id} is {b.status.replace('_', ' ')}: only a "
                           "ride not yet started can be cancelled", field="id",
                           code="ride-finished", title="Cannot cancel")
    with reading(svc.store) as repo:
        return svc.views(repo, [b])[0]
