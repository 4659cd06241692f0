"""GET /api/v1/alerts: rides running late, for the dispatch desk."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ServiceDep, StaffDep
from api.schemas.common import Window
from api.schemas.live import Alert, AlertList

router = APIRouter(prefix="/api/v1/alerts", tags=["vehicles"])


@router.get("", response_model=AlertList, summary="Rides running late on a day")
def list_alerts(_: StaffDep, svc: ServiceDep,
                date: Annotated[dt.date | None, Query(description="service date (default: "
                                                                 "today)")] = None
                ) -> AlertList:
    """Pickups expected after their promised window by more than the tolerance
    (``MOBILITY_LATE_TOLERANCE_S``) and rides that will miss the scheduled connection they
    were booked for, each with its latest estimate and what was done: moved to another
    vehicle that keeps every promise, or the rider told. Dispatchers only."""
    return AlertList(now=svc.timing.now().astimezone(svc.tz), alerts=[Alert(
        kind=a.kind, booking_id=a.booking_id, vehicle_id=a.vehicle_id,  # type: ignore[arg-type]
        pickup_window=Window(start=a.pickup_window[0], end=a.pickup_window[1]),
        estimated_pickup=a.estimated_pickup, estimated_dropoff=a.estimated_dropoff,
        drop_off_by=a.drop_off_by, minutes_late=a.minutes_late,
        action=a.action, to_vehicle=a.to_vehicle, next=a.next,  # type: ignore[arg-type]
        next_route=a.next_route, next_headsign=a.next_headsign, next_stop=a.next_stop,
        noticed_at=a.noticed_at) for a in svc.alerts(date)])
