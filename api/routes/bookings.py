"""Bookings: book a quote (idempotently), read, list and cancel."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import BookerDep, CallerDep, OnDemandDep, SessionDep
from api.ondemand import OnDemand
from api.routes.quotes import PROBLEM, latest_dropoff
from api.schemas.bookings import (
    BookingList,
    BookingRequest,
    BookingResponse,
    Connection,
    ItineraryBooking,
    StatusChange,
)
from api.schemas.common import LatLon, Window
from api.store.models import Booking, BookingStatus, PlanStop, Quote

router = APIRouter(prefix="/api/v1/bookings", tags=["bookings"])


def booking_out(s: Session, od: OnDemand, b: Booking) -> BookingResponse:
    q = s.get_one(Quote, b.quote_id)
    at = od.moment
    planned = {st.kind: st.planned_s for st in s.execute(
        select(PlanStop).where(PlanStop.request_id == b.id,
                               PlanStop.service_date == b.service_date)).scalars()}
    history = s.execute(select(BookingStatus).where(BookingStatus.booking_id == b.id)
                        .order_by(BookingStatus.id)).scalars()
    return BookingResponse(
        id=b.id, quote_id=b.quote_id, rider_id=b.rider_id, status=b.status,  # type: ignore[arg-type]
        area=b.area, vehicle_id=b.vehicle_id,
        origin=LatLon(lat=q.origin_lat, lon=q.origin_lon),
        destination=LatLon(lat=q.dest_lat, lon=q.dest_lon),
        passengers=q.passengers, wheelchair=bool(q.wheelchairs),
        pickup_window=Window(start=at(b.service_date, q.pickup_lo_s),
                             end=at(b.service_date, q.pickup_hi_s)),
        latest_dropoff=at(b.service_date, latest_dropoff(q)),
        estimated_pickup=(at(b.service_date, planned["pickup"]) if "pickup" in planned
                          else None),
        estimated_dropoff=(at(b.service_date, planned["dropoff"]) if "dropoff" in planned
                           else None),
        created_at=b.created_at,
        history=[StatusChange(status=h.status, at=h.at) for h in history],  # type: ignore[arg-type]
        itinerary_id=b.itinerary_id, connection=_connection(od, b, planned.get("dropoff")))


def _connection(od: OnDemand, b: Booking, dropoff: float | None) -> Connection | None:
    """A ride to a scheduled departure: missed once the plan drops off after the deadline
    (the vehicle runs late)."""
    if b.connection_by_s is None or b.status in ("cancelled", "no_show"):
        return None
    missed = dropoff is not None and dropoff > b.connection_by_s + 1e-6
    return Connection(drop_off_by=od.moment(b.service_date, b.connection_by_s),
                      estimated_dropoff=(od.moment(b.service_date, dropoff)
                                         if dropoff is not None else None),
                      status="missed" if missed else "on_time")


@router.post("", response_model=BookingResponse | ItineraryBooking, status_code=201,
             summary="Book a quote, or an itinerary's on-demand legs",
             responses={409: {"description": "already booked, or no longer feasible",
                              **PROBLEM},
                        410: {"description": "the quote expired", **PROBLEM}})
def create_booking(body: BookingRequest, who: BookerDep, od: OnDemandDep, response: Response,
                   idempotency_key: Annotated[str | None, Header(
                       alias="Idempotency-Key", max_length=200, description=(
                           "retrying with the same key returns the same booking"))] = None,
                   ) -> BookingResponse | ItineraryBooking:
    """Confirm the ride a quote offered — or, with ``itinerary``, every ON_DEMAND leg of a
    planned journey at once (all or none), each checked against the live plans. The
    booking is stored before the answer is sent."""
    if body.itinerary is not None:
        legs = [{"origin": (x.origin.lat, x.origin.lon),
                 "destination": (x.destination.lat, x.destination.lon),
                 "pickup": (x.pickup_window.start, x.pickup_window.end),
                 "dropoff": (x.drop_off_window.start, x.drop_off_window.end),
                 "passengers": x.passengers, "wheelchair": x.wheelchair}
                for x in body.itinerary]
        iid, made, created = od.book_itinerary(who, legs, idempotency_key, body.rider_id)
        if not created:
            response.headers["Idempotent-Replayed"] = "true"
        with od.store.session() as s:
            return ItineraryBooking(itinerary_id=iid,
                                    bookings=[booking_out(s, od, b) for b in made])
    assert body.quote_id is not None
    b, created = od.book(who, body.quote_id, idempotency_key)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    with od.store.session() as s:  # after the booking's own transaction committed
        return booking_out(s, od, b)


@router.get("", response_model=BookingList, summary="Bookings (a rider sees their own)")
def list_bookings(who: CallerDep, od: OnDemandDep, s: SessionDep,
                  date: Annotated[dt.date | None, Query(description="service date")] = None,
                  status: Annotated[str | None, Query(max_length=16)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> BookingList:
    stmt = select(Booking).order_by(Booking.created_at.desc()).limit(limit)
    if not who.staff:
        stmt = stmt.where(Booking.rider_id == (who.rider_id or ""))
    if date is not None:
        stmt = stmt.where(Booking.service_date == date)
    if status is not None:
        stmt = stmt.where(Booking.status == status)
    return BookingList(bookings=[booking_out(s, od, b) for b in s.execute(stmt).scalars()])


@router.get("/{booking_id}", response_model=BookingResponse, summary="A booking")
def get_booking(booking_id: str, who: CallerDep, od: OnDemandDep, s: SessionDep
                ) -> BookingResponse:
    return booking_out(s, od, od.get_booking(s, who, booking_id))


@router.delete("/{booking_id}", response_model=BookingResponse, summary="Cancel a booking",
               responses={409: {"description": "the ride started or ended", **PROBLEM}})
def cancel_booking(booking_id: str, who: BookerDep, od: OnDemandDep) -> BookingResponse:
    b = od.cancel(who, booking_id)
    with od.store.session() as s:
        return booking_out(s, od, b)
