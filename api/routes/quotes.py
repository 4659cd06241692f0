"""POST /api/v1/quotes: an offer for an on-demand ride."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import BookerDep, ServiceDep, rate_limited
from api.schemas.common import LatLon, Window
from api.schemas.quotes import FareClassesIn, FareLineOut, FareOut, QuoteRequest, QuoteResponse
from api.service.views import FareView, QuoteView
from dispatch.fares import FareClasses

router = APIRouter(prefix="/api/v1", tags=["quotes"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def fare_out(f: FareView | None) -> FareOut | None:
    """A stored fare in the currency's units (cents / 100)."""
    if f is None:
        return None
    return FareOut(amount=f.cents / 100, currency=f.currency,
                   lines=[FareLineOut(kind=x.kind, count=x.count, amount=x.cents / 100,
                                      note=x.note) for x in f.lines])


def classes_in(c: FareClassesIn | None) -> FareClasses | None:
    return None if c is None else FareClasses(tuple(c.children), c.concession, c.companions)


def quote_out(q: QuoteView) -> QuoteResponse:
    return QuoteResponse(
        id=q.id, area=q.area, rider_id=q.rider_id,
        pickup_window=Window(start=q.pickup_window[0], end=q.pickup_window[1]),
        estimated_pickup=q.estimated_pickup, estimated_dropoff=q.estimated_dropoff,
        latest_dropoff=q.latest_dropoff, passengers=q.passengers, wheelchair=q.wheelchair,
        expires_at=q.expires_at, fare=fare_out(q.fare))


def latlon(p: LatLon) -> tuple[float, float]:
    return (p.lat, p.lon)


@router.post("/quotes", response_model=QuoteResponse, status_code=201,
             summary="Ask for an on-demand ride", dependencies=[rate_limited("quotes")],
             responses={409: {"description": "no vehicle can take the ride", **PROBLEM},
                        422: {"description": "the request cannot be served", **PROBLEM}})
def create_quote(body: QuoteRequest, who: BookerDep, svc: ServiceDep) -> QuoteResponse:
    """An offer (pickup window, estimated drop-off, expiry) or the reason there is none."""
    return quote_out(svc.quote(who, latlon(body.origin), latlon(body.destination), body.time,
                               body.time_type, body.passengers, body.wheelchair,
                               body.rider_id, classes_in(body.fare_classes)))
