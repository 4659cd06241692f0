"""POST /api/v1/quotes: an offer for an on-demand ride."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import BookerDep, OnDemandDep
from api.ondemand import OnDemand
from api.schemas.common import Window
from api.schemas.quotes import QuoteRequest, QuoteResponse
from api.store.models import Quote

router = APIRouter(prefix="/api/v1", tags=["quotes"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def quote_out(od: OnDemand, q: Quote) -> QuoteResponse:
    at = od.moment
    return QuoteResponse(
        id=q.id, area=q.area, rider_id=q.rider_id,
        pickup_window=Window(start=at(q.service_date, q.pickup_lo_s),
                             end=at(q.service_date, q.pickup_hi_s)),
        estimated_pickup=at(q.service_date, q.est_pickup_s),
        estimated_dropoff=at(q.service_date, q.est_dropoff_s),
        latest_dropoff=at(q.service_date, latest_dropoff(q)),
        passengers=q.passengers, wheelchair=bool(q.wheelchairs), expires_at=q.expires_at)


def latest_dropoff(q: Quote) -> float:
    """The latest promised drop-off: the window's end or the ride-time limit after the
    latest pickup, whichever comes first."""
    return min(q.dropoff_hi_s, q.pickup_hi_s + q.boarding_s + q.max_ride_s)


@router.post("/quotes", response_model=QuoteResponse, status_code=201,
             summary="Ask for an on-demand ride",
             responses={409: {"description": "no vehicle can take the ride", **PROBLEM},
                        422: {"description": "the request cannot be served", **PROBLEM}})
def create_quote(body: QuoteRequest, who: BookerDep, od: OnDemandDep) -> QuoteResponse:
    """An offer (pickup window, estimated drop-off, expiry) or the reason there is none."""
    q = od.quote(who, (body.origin.lat, body.origin.lon),
                 (body.destination.lat, body.destination.lon), body.time, body.time_type,
                 body.passengers, body.wheelchair, body.rider_id)
    return quote_out(od, q)
