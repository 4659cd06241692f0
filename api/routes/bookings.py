"""Bookings: book a quote (idempotently) or an itinerary's rides, read, list and cancel."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.deps import BookerDep, CallerDep, ServiceDep, StaffDep, rate_limited
from api.routes.quotes import PROBLEM, classes_in, fare_out, latlon
from api.routes.ratings import rating_out
from api.schemas.bookings import (
    BookingList,
    BookingPatch,
    BookingRequest,
    BookingResponse,
    Connection,
    ItineraryBooking,
    Live,
    StatusChange,
)
from api.schemas.common import LatLon, Window
from api.service import BookingService, RideLegRequest, feedback
from api.service.views import BookingView

router = APIRouter(prefix="/api/v1/bookings", tags=["bookings"])


def booking_out(b: BookingView) -> BookingResponse:
    c = b.connection
    return BookingResponse(
        id=b.id, quote_id=b.quote_id, rider_id=b.rider_id, status=b.status,  # type: ignore[arg-type]
        area=b.area, vehicle_id=b.vehicle_id,
        origin=LatLon(lat=b.origin[0], lon=b.origin[1]),
        destination=LatLon(lat=b.destination[0], lon=b.destination[1]),
        passengers=b.passengers, wheelchair=b.wheelchair,
        pickup_window=Window(start=b.pickup_window[0], end=b.pickup_window[1]),
        latest_dropoff=b.latest_dropoff, estimated_pickup=b.estimated_pickup,
        estimated_dropoff=b.estimated_dropoff, created_at=b.created_at,
        history=[StatusChange(status=s, at=at) for s, at in b.history],  # type: ignore[arg-type]
        itinerary_id=b.itinerary_id, origin_name=b.origin_name,
        destination_name=b.destination_name,
        connection=None if c is None else Connection(
            drop_off_by=c.drop_off_by, estimated_dropoff=c.estimated_dropoff,
            status=c.status),  # type: ignore[arg-type]
        rider_name=b.rider_name, rider_phone=b.rider_phone, note=b.note,
        no_show_from=b.no_show_from, live=None if b.live is None else Live(
            estimated_pickup=b.live.estimated_pickup,
            estimated_dropoff=b.live.estimated_dropoff, reported_at=b.live.reported_at,
            late=b.live.late), rating=None, fare=fare_out(b.fare),
        cancel_fee=None if b.cancel_fee_cents is None else b.cancel_fee_cents / 100)


@router.post("", response_model=BookingResponse | ItineraryBooking, status_code=201,
             summary="Book a quote, or an itinerary's on-demand legs",
             dependencies=[rate_limited("bookings")],
             responses={409: {"description": "already booked, or no longer feasible, or the "
                                             "rider holds too many bookings "
                                             "(`/problems/too-many-bookings`) or one at the "
                                             "same time (`/problems/overlapping-booking`)",
                              **PROBLEM},
                        410: {"description": "the quote expired", **PROBLEM}})
def create_booking(body: BookingRequest, who: BookerDep, svc: ServiceDep, response: Response,
                   idempotency_key: Annotated[str | None, Header(
                       alias="Idempotency-Key", max_length=200, description=(
                           "retrying with the same key returns the same booking"))] = None,
                   ) -> BookingResponse | ItineraryBooking:
    """Confirm the ride a quote offered — or, with ``itinerary``, every ON_DEMAND leg of a
    planned journey at once (all or none), each checked against the live plans. The
    booking is stored before the answer is sent. Dispatchers may add a ``note`` for the
    driver (a rider's note: 403)."""
    if body.itinerary is not None:
        legs = [RideLegRequest(latlon(x.origin), latlon(x.destination),
                               (x.pickup_window.start, x.pickup_window.end),
                               (x.drop_off_window.start, x.drop_off_window.end),
                               x.passengers, x.wheelchair,
                               (x.connection.trip_id, x.connection.stop_id)
                               if x.connection is not None else None,
                               classes_in(x.fare_classes))
                for x in body.itinerary]
        iid, made, created = svc.book_itinerary(who, legs, idempotency_key, body.rider_id,
                                                body.note)
        if not created:
            response.headers["Idempotent-Replayed"] = "true"
        return ItineraryBooking(itinerary_id=iid, bookings=[booking_out(b) for b in made])
    assert body.quote_id is not None
    b, created = svc.book(who, body.quote_id, idempotency_key, body.note)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return booking_out(b)


@router.get("", response_model=BookingList, summary="Bookings (a rider sees their own)")
def list_bookings(who: CallerDep, svc: ServiceDep,
                  date: Annotated[dt.date | None, Query(description="service date")] = None,
                  status: Annotated[str | None, Query(max_length=16)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  offset: Annotated[int, Query(ge=0, le=10_000_000, description=(
                      "skip this many (the next page: the previous offset plus limit)"))] = 0,
                  ) -> BookingList:
    found = [booking_out(b) for b in svc.bookings(who, date=date, status=status, limit=limit,
                                                  offset=offset)]
    return BookingList(bookings=_rated(svc, found), now=svc.timing.now().astimezone(svc.tz))


def _rated(svc: BookingService, out: list[BookingResponse]) -> list[BookingResponse]:
    """The bookings with their riders' ratings (completed rides only can have one)."""
    got = feedback.ratings_of(svc, [b.id for b in out if b.status == "completed"])
    for b in out:
        r = got.get(b.id)
        b.rating = None if r is None else rating_out(r)
    return out


@router.get("/{booking_id}", response_model=BookingResponse, summary="A booking")
def get_booking(booking_id: str, who: CallerDep, svc: ServiceDep) -> BookingResponse:
    return _rated(svc, [booking_out(svc.booking(who, booking_id))])[0]


@router.delete("/{booking_id}", response_model=BookingResponse, summary="Cancel a booking",
               responses={409: {"description": "the ride started or ended", **PROBLEM}})
def cancel_booking(booking_id: str, who: BookerDep, svc: ServiceDep) -> BookingResponse:
    return booking_out(svc.cancel(who, booking_id))


@router.patch("/{booking_id}", response_model=BookingResponse,
              summary="Change a booking's note for the driver",
              responses={409: {"description": "the ride is over", **PROBLEM}})
def update_booking(booking_id: str, body: BookingPatch, who: StaffDep, svc: ServiceDep
                   ) -> BookingResponse:
    """Set the note for the driver (``{"note": "…"}``; null or empty removes it) while the
    ride is still to be driven (confirmed or on board; else 409 ``ride-finished``). The
    driver reads it on the vehicle's manifest. Dispatchers only."""
    return booking_out(svc.set_note(who, booking_id, body.note))
