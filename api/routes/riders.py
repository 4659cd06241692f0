"""Riders: dispatchers create them for people who phone in."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import new_id
from api.deps import CallerDep, ServiceDep, SessionDep, StaffDep
from api.problems import not_found
from api.schemas.riders import RiderRequest, RiderResponse
from api.store.models import Rider
from api.store.repository import writing

router = APIRouter(prefix="/api/v1/riders", tags=["riders"])


def _out(r: Rider) -> RiderResponse:
    return RiderResponse(id=r.id, name=r.name, phone=r.phone, created_at=r.created_at)


@router.post("", response_model=RiderResponse, status_code=201, summary="Create a rider")
def create_rider(body: RiderRequest, svc: ServiceDep, _: StaffDep) -> RiderResponse:
    r = Rider(id=new_id("r_"), name=body.name, phone=body.phone,
              created_at=svc.timing.now())
    with writing(svc.store) as repo:  # committed before the answer: bookable at once
        repo.s.add(r)
    return _out(r)


@router.get("/{rider_id}", response_model=RiderResponse, summary="A rider")
def get_rider(rider_id: str, s: SessionDep, who: CallerDep) -> RiderResponse:
    r = s.get(Rider, rider_id)
    if r is None or not (who.staff or who.rider_id == rider_id):
        raise not_found("rider", rider_id)
    return _out(r)
