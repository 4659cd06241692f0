"""A vehicle's tour of a day moved to another vehicle by a dispatcher, every promise kept."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import ServiceDep, StaffDep
from api.routes.quotes import PROBLEM
from api.schemas.operators import MoveRequest, MoveResponse
from api.service import moving

router = APIRouter(prefix="/api/v1/vehicles", tags=["operators"])
VehicleId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/{vehicle_id}/tours/{date}/move", response_model=MoveResponse,
             summary="Move a vehicle's tour of a day to another vehicle",
             responses={409: {"description": "a ride cannot keep its promised times on the "
                                             "other vehicle: nothing moved "
                                             "(`/problems/cannot-move`, with `bookings`)",
                              **PROBLEM}})
def move_tour(vehicle_id: VehicleId, date: dt.date, body: MoveRequest, who: StaffDep,
              svc: ServiceDep) -> MoveResponse:
    """Every ride booked on the vehicle that day and not yet picked up moves to ``to``
    (any company's vehicle of the same area), all or nothing, each keeping its promised
    pickup and drop-off windows and its ride-time limit. Dispatchers and admins."""
    m = moving.move(svc, who, vehicle_id, date, body.to)
    return MoveResponse(vehicle_id=m.vehicle_id, to=m.to, date=m.date,
                        bookings=list(m.bookings))
