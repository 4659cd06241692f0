"""Riders: dispatchers create them for people who phone in; a rider (or staff) exports
everything stored about them, or has them forgotten."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import new_id
from api.deps import BookerDep, CallerDep, ServiceDep, SessionDep, StaffDep
from api.problems import Problem, not_found
from api.routes.quotes import PROBLEM
from api.schemas.riders import (
    RiderExport,
    RiderForgotten,
    RiderList,
    RiderRequest,
    RiderResponse,
)
from api.schemas.text import text_problem
from api.service import audit
from api.store.models import Rider
from api.store.repository import writing

router = APIRouter(prefix="/api/v1/riders", tags=["riders"])


def _out(r: Rider) -> RiderResponse:
    return RiderResponse(id=r.id, name=r.name, phone=r.phone, created_at=r.created_at)


@router.post("", response_model=RiderResponse, status_code=201, summary="Create a rider")
def create_rider(body: RiderRequest, svc: ServiceDep, who: StaffDep) -> RiderResponse:
    r = Rider(id=new_id("r_"), name=body.name, phone=body.phone,
              created_at=svc.timing.now())
    with writing(svc.store) as repo:  # committed before the answer: bookable at once
        repo.s.add(r)
        # which fields were given, never their values (contact data)
        audit.record(repo, who, "rider.create", "rider", r.id,
                     {"fields": sorted(k for k in ("name", "phone") if getattr(r, k))},
                     r.created_at)
    return _out(r)


@router.get("", response_model=RiderList, summary="Find riders by name or phone number",
            responses={403: {"description": "not a dispatcher's key", **PROBLEM}})
def find_riders(who: StaffDep, svc: ServiceDep,
                q: Annotated[str, Query(min_length=1, max_length=100, description=(
                    "part of the name (any case, with or without accents; every word must "
                    "be in the name) and/or of the phone number (its digits)"))],
                limit: Annotated[int, Query(ge=1, le=50)] = 10) -> RiderList:
    """The riders a caller may be, by name: a dispatcher finds a caller again instead of
    creating a new rider for each call. At least 2 letters or 3 digits (422
    ``query-too-short``). Dispatchers only (names and phone numbers)."""
    problem = text_problem(q)
    if problem is not None:
        raise Problem(422, "validation", "Invalid request", f"q: {problem}", field="q")
    return RiderList(riders=[_out(r) for r in svc.find_riders(who, q, limit)])


@router.get("/{rider_id}", response_model=RiderResponse, summary="A rider")
def get_rider(rider_id: str, s: SessionDep, who: CallerDep) -> RiderResponse:
    r = s.get(Rider, rider_id)
    if r is None or not (who.staff or who.rider_id == rider_id):
        raise not_found("rider", rider_id)
    return _out(r)


@router.get("/{rider_id}/export", response_model=RiderExport,
            summary="Everything stored about a rider")
def export_rider(rider_id: str, who: BookerDep, svc: ServiceDep, response: Response
                 ) -> RiderExport:
    """The rider's record, their keys (never the secrets or their hashes), quotes, bookings
    with their status history and planned stops, and the drivers' reports about their
    rides — each table's rows as stored, read from one snapshot. For the rider themself
    and staff."""
    response.headers["Cache-Control"] = "no-store"
    return RiderExport.model_validate(svc.export_rider(who, rider_id))


@router.delete("/{rider_id}", response_model=RiderForgotten, summary="Forget a rider",
               responses={409: {"description": "a ride is still to come or under way",
                                **PROBLEM}})
def forget_rider(rider_id: str, who: BookerDep, svc: ServiceDep, response: Response
                 ) -> RiderForgotten:
    """Delete the rider's name, phone and account (their keys stop working at once) and
    keep their rides as anonymous rows for the statistics: ends coarsened to about 1 km,
    distance, times and statuses kept. Refused (409, with ``bookingIds``) while a ride of
    theirs is booked for today or later or under way: cancel it first. For the rider
    themself and staff; one transaction."""
    response.headers["Cache-Control"] = "no-store"
    f = svc.forget_rider(who, rider_id)
    return RiderForgotten(rider_id=f.rider_id, forgotten_at=f.at,
                          bookings_anonymised=f.bookings, quotes_deleted=f.quotes_deleted,
                          keys_revoked=f.keys_revoked, positions_coarsened=f.positions,
                          standing_orders_deleted=f.standing_orders)
