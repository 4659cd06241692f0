"""Standing orders: the same ride on chosen weekdays, booked date by date as each enters
the booking horizon; cancel one date or the series."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import BookerDep, ServiceDep, rate_limited
from api.routes.quotes import PROBLEM, latlon
from api.schemas.common import LatLon, Window
from api.schemas.standing_orders import (
    Occurrence,
    StandingOrderList,
    StandingOrderRequest,
    StandingOrderResponse,
)
from api.service.standing import OrderRequest, OrderView

router = APIRouter(prefix="/api/v1/standing-orders", tags=["standing orders"])
OrderId = Annotated[str, Path(min_length=1, max_length=32)]


def order_out(o: OrderView) -> StandingOrderResponse:
    return StandingOrderResponse(
        id=o.id, rider_id=o.rider_id, rider_name=o.rider_name,
        status=o.status,  # type: ignore[arg-type]
        area=o.area, origin=LatLon(lat=o.origin[0], lon=o.origin[1]),
        destination=LatLon(lat=o.destination[0], lon=o.destination[1]),
        origin_name=o.origin_name, destination_name=o.destination_name,
        weekdays=list(o.weekdays), time=o.time,
        time_type=o.time_type,  # type: ignore[arg-type]
        first_date=o.first_date, last_date=o.last_date, passengers=o.passengers,
        wheelchair=o.wheelchair, skip_holidays=o.skip_holidays, note=o.note,
        created_at=o.created_at, cancelled_at=o.cancelled_at,
        occurrences=[Occurrence(
            date=x.date, status=x.status,  # type: ignore[arg-type]
            booking_id=x.booking_id, booking_status=x.booking_status,
            pickup_window=None if x.pickup_window is None else Window(
                start=x.pickup_window[0], end=x.pickup_window[1]),
            reason=x.reason, code=x.code) for x in o.occurrences])


@router.post("", response_model=StandingOrderResponse, status_code=201,
             summary="Order the same ride on chosen weekdays",
             dependencies=[rate_limited("bookings")],
             responses={409: {"description": "the rider holds too many standing orders "
                                             "(`/problems/too-many-standing-orders`)",
                              **PROBLEM},
                        422: {"description": "bad weekdays, time or dates, or ends the "
                                             "service cannot serve", **PROBLEM}})
def create_order(body: StandingOrderRequest, who: BookerDep, svc: ServiceDep
                 ) -> StandingOrderResponse:
    """A standing order: the ride on each chosen weekday from ``firstDate`` to ``lastDate``
    (at most a year). Each date is booked when its ride enters the booking horizon, the
    dates already within it before this answer; a date that cannot be served (outside
    service hours, no vehicle free …) is written down ``not_served`` with the reason, and
    the rider is told. Public holidays are skipped unless ``skipHolidays`` is false.
    Riders order for themselves; dispatchers name the rider (``riderId``) and may add a
    ``note`` for the driver."""
    o = OrderRequest(latlon(body.origin), latlon(body.destination), tuple(body.weekdays),
                     body.time, body.time_type, body.first_date, body.last_date,
                     body.passengers, body.wheelchair, body.skip_holidays, body.note,
                     body.rider_id)
    return order_out(svc.create_standing_order(who, o))


@router.get("", response_model=StandingOrderList,
            summary="Standing orders (a rider sees their own)")
def list_orders(who: BookerDep, svc: ServiceDep,
                rider_id: Annotated[str | None, Query(alias="riderId", min_length=1,
                                                      max_length=32, description=(
                                                          "staff: one rider's orders"))] = None,
                status: Annotated[Literal["active", "cancelled"] | None, Query()] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> StandingOrderList:
    """Newest first, each with its dates from today on."""
    return StandingOrderList(standing_orders=[order_out(o) for o in svc.standing_orders(
        who, rider_id=rider_id, status=status, limit=limit)])


@router.get("/{order_id}", response_model=StandingOrderResponse,
            summary="A standing order with all its dates")
def get_order(order_id: OrderId, who: BookerDep, svc: ServiceDep) -> StandingOrderResponse:
    return order_out(svc.standing_order(who, order_id))


@router.delete("/{order_id}", response_model=StandingOrderResponse,
               summary="Cancel a standing order")
def cancel_order(order_id: OrderId, who: BookerDep, svc: ServiceDep
                 ) -> StandingOrderResponse:
    """No date is booked any more, and its bookings still to be driven are cancelled (a
    ride under way is driven). Cancelling again is harmless."""
    return order_out(svc.cancel_standing_order(who, order_id))


@router.delete("/{order_id}/occurrences/{date}", response_model=StandingOrderResponse,
               summary="Cancel one date of a standing order",
               responses={409: {"description": "the date has passed or its ride started",
                                **PROBLEM}})
def cancel_date(order_id: OrderId, date: dt.date, who: BookerDep, svc: ServiceDep
                ) -> StandingOrderResponse:
    """The date's booking is cancelled if it is booked; a date not yet booked is written
    down as cancelled and will not be booked. Cancelling again is harmless. 404 for a date
    that is not one of the order's."""
    return order_out(svc.cancel_standing_date(who, order_id, date))
