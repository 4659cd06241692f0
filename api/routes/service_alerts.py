"""Service alerts: dispatchers enter an area's closure or reduced service for a period,
list them and end them; the GTFS-Realtime alerts feed publishes them (a closure also
refuses rides in its area and period)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ServiceDep, StaffDep
from api.routes.quotes import PROBLEM
from api.schemas.service_alerts import (
    AlertTextOut,
    ServiceAlertList,
    ServiceAlertRequest,
    ServiceAlertResponse,
)
from api.service.service_alerts import AlertRequest, AlertText, AlertView

router = APIRouter(prefix="/api/v1/service-alerts", tags=["service alerts"])
AlertId = Annotated[str, Path(min_length=1, max_length=32)]


def alert_out(a: AlertView) -> ServiceAlertResponse:
    return ServiceAlertResponse(
        id=a.id, area=a.area, effect=a.effect,  # type: ignore[arg-type]
        cause=a.cause, start=a.start, end=a.end,
        texts=[AlertTextOut(language=t.language, header=t.header, description=t.description)
               for t in a.texts],
        status=a.status,  # type: ignore[arg-type]
        created_by=a.created_by, created_at=a.created_at, ended_at=a.ended_at)


@router.post("", response_model=ServiceAlertResponse, status_code=201,
             summary="Enter an area's closure or reduced service",
             responses={422: {"description": "an unknown area, a bad period or texts",
                              **PROBLEM}})
def create_service_alert(body: ServiceAlertRequest, who: StaffDep, svc: ServiceDep
                 ) -> ServiceAlertResponse:
    """A service alert for one area and period, published at once in
    ``/gtfs-rt/alerts``. A ``closure`` refuses new rides in the area whose time meets the
    period (`/problems/service-closed`); rides booked before stay booked (cancel them through
    the bookings to tell their riders). Dispatchers and admins only."""
    return alert_out(svc.create_service_alert(who, AlertRequest(
        area=body.area, effect=body.effect, start=body.start, end=body.end, cause=body.cause,
        texts=tuple(AlertText(t.language, t.header, t.description) for t in body.texts))))


@router.get("", response_model=ServiceAlertList, summary="Service alerts")
def list_service_alerts(_: StaffDep, svc: ServiceDep,
                include_over: Annotated[bool, Query(alias="includeOver", description=(
                    "also the alerts that are over"))] = False,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> ServiceAlertList:
    """The alerts still to come or lasting (the latest start first). Dispatchers and
    admins only."""
    return ServiceAlertList(alerts=[alert_out(a) for a in svc.list_service_alerts(
        include_over=include_over, limit=limit)])


@router.get("/{alert_id}", response_model=ServiceAlertResponse, summary="A service alert")
def get_service_alert(alert_id: AlertId, _: StaffDep, svc: ServiceDep) -> ServiceAlertResponse:
    return alert_out(svc.service_alert(alert_id))


@router.post("/{alert_id}/end", response_model=ServiceAlertResponse,
             summary="End a service alert now")
def end_service_alert(alert_id: AlertId, who: StaffDep, svc: ServiceDep) -> ServiceAlertResponse:
    """The alert leaves the realtime feed and a closure no longer refuses rides (ending
    it again changes nothing). Dispatchers and admins only."""
    return alert_out(svc.end_service_alert(who, alert_id))
