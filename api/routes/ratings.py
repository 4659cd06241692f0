"""Riders rate their completed rides; staff list the ratings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import Principal
from api.deps import CallerDep, ServiceDep, StaffDep, require
from api.routes.quotes import PROBLEM
from api.schemas.feedback import RatingList, RatingRequest, RatingResponse
from api.service import feedback

router = APIRouter(prefix="/api/v1", tags=["ratings"])
RiderDep = Annotated[Principal, require("rider")]


def rating_out(r: feedback.RatingView) -> RatingResponse:
    return RatingResponse(booking_id=r.booking_id, rider_id=r.rider_id, stars=r.stars,
                          reasons=list(r.reasons), comment=r.comment, created_at=r.created_at,
                          updated_at=r.updated_at, area=r.area, service_date=r.service_date)


@router.put("/bookings/{booking_id}/rating", response_model=RatingResponse,
            summary="Rate a completed ride (again: replaces the rating)",
            responses={201: {"description": "rated for the first time",
                             "model": RatingResponse},
                       409: {"description": "the ride was not completed "
                                            "(`/problems/ride-not-completed`)", **PROBLEM}})
def rate_ride(booking_id: str, body: RatingRequest, who: RiderDep, svc: ServiceDep,
              response: Response) -> RatingResponse:
    """1–5 stars, optional reasons (``late``, ``early``, ``driver``, ``vehicle``,
    ``comfort``, ``booking``, ``other``) and a comment, for a ride the rider took
    (status ``completed``; else 409). Only the rider who booked the ride (another rider's
    booking: 404; staff and drivers: 403). 201 the first time, 200 when it replaces a
    rating."""
    r, new = feedback.rate(svc, who, booking_id, body.stars, body.reasons, body.comment)
    if new:
        response.status_code = 201
    return rating_out(r)


@router.get("/bookings/{booking_id}/rating", response_model=RatingResponse,
            summary="A ride's rating")
def get_rating(booking_id: str, who: CallerDep, svc: ServiceDep) -> RatingResponse:
    """For the ride's rider and staff; 404 when the ride is not rated (yet)."""
    return rating_out(feedback.rating(svc, who, booking_id))


@router.get("/ratings", response_model=RatingList, summary="Riders' ratings (staff)")
def list_ratings(_: StaffDep, svc: ServiceDep,
                 from_: Annotated[dt.date | None, Query(alias="from", description=(
                     "rides on or after this service date"))] = None,
                 to: Annotated[dt.date | None, Query(description=(
                     "rides on or before this service date"))] = None,
                 area: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
                 stars: Annotated[int | None, Query(ge=1, le=5)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> RatingList:
    """The latest rated first. Dispatchers and admins."""
    return RatingList(ratings=[rating_out(r) for r in feedback.ratings(
        svc, since=from_, until=to, area=area, stars=stars, limit=limit)])
