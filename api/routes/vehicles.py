"""Vehicles: the fleet, each vehicle's manifest, and the events drivers report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import FleetDep, ServiceDep
from api.routes.companies import OperatorsDep, vehicle_out
from api.routes.quotes import PROBLEM
from api.schemas.common import LatLon, Window
from api.schemas.live import LiveFleet, LiveVehicle, NextStop
from api.schemas.operators import FleetVehicle, VehiclePatchRequest
from api.schemas.vehicles import (
    Manifest,
    ManifestStop,
    VehicleEventRequest,
    VehicleEventResponse,
    VehicleList,
    VehicleResponse,
)
from api.service import operators
from api.service.availability import fleet_windows
from api.store.repository import reading
from routing.timebase import clock_text

router = APIRouter(prefix="/api/v1/vehicles", tags=["vehicles"])


def _point(p: tuple[float, float]) -> LatLon:
    return LatLon(lat=p[0], lon=p[1])


@router.get("", response_model=VehicleList, summary="The fleet")
def list_vehicles(who: FleetDep, svc: ServiceDep) -> VehicleList:
    """Each active vehicle with today's available windows (a driver sees their own)."""
    with reading(svc.store) as repo:
        rows = [v for v in repo.vehicles() if who.role != "driver" or who.vehicle_id == v.id]
        wins = fleet_windows(repo, rows, svc.timing.today(), svc.holiday)
    return VehicleList(vehicles=[
        VehicleResponse(id=v.id, area=v.area, seats=v.seats,
                        wheelchair_places=v.wheelchair_places,
                        depot=LatLon(lat=v.depot_lat, lon=v.depot_lon),
                        shift_start=clock_text(wins[v.id][0][0]) if wins[v.id] else None,
                        shift_end=clock_text(wins[v.id][-1][1]) if wins[v.id] else None,
                        windows=[[clock_text(a), clock_text(b)] for a, b in wins[v.id]],
                        company_id=v.company_id, label=v.label, source=v.source,
                        uses_availability=v.uses_availability)
        for v in rows])


@router.patch("/{vehicle_id}", response_model=FleetVehicle, summary="Change a vehicle",
              responses={409: {"description": "a ride booked on it would not be kept "
                                              "(`/problems/vehicle-has-rides`)", **PROBLEM}})
def update_vehicle(vehicle_id: Annotated[str, Path(min_length=1, max_length=64)],
                   body: VehiclePatchRequest, who: OperatorsDep, svc: ServiceDep
                   ) -> FleetVehicle:
    """Its label, seats, wheelchair places or depot (its company's operators and admins);
    its company or whether it is planned into its availability (admins). A change that
    would leave a ride booked on it unkept is refused."""
    return vehicle_out(operators.update_vehicle(svc, who, vehicle_id, operators.VehiclePatch(
        body.label, body.seats, body.wheelchair_places,
        (body.depot.lat, body.depot.lon) if body.depot is not None else None,
        body.company_id, body.uses_availability)))


@router.get("/live", response_model=LiveFleet, summary="Vehicles as last reported")
def live_fleet(who: FleetDep, svc: ServiceDep,
               date: Annotated[dt.date | None, Query(description="service date (default: "
                                                                "today)")] = None
               ) -> LiveFleet:
    """Each vehicle's last reported position and time, whether it runs late, and the stops
    ahead with their planned times (re-timed from each report): the dispatcher's map moves
    a vehicle between reports along them. A driver sees their own vehicle only."""
    return LiveFleet(now=svc.timing.now().astimezone(svc.tz), vehicles=[LiveVehicle(
        id=v.id, position=_point(v.position) if v.position else None,
        reported_at=v.reported_at, ready_at=v.ready_at, late=v.late,
        next=[NextStop(booking_id=s.booking_id, kind=s.kind,  # type: ignore[arg-type]
                       location=_point(s.location), planned_time=s.planned_time)
              for s in v.next]) for v in svc.live_fleet(who, date)])


@router.get("/{vehicle_id}/manifest", response_model=Manifest,
            summary="A vehicle's stops for a day, in order")
def manifest(vehicle_id: str, who: FleetDep, svc: ServiceDep,
             date: Annotated[dt.date | None, Query(description="service date (default: "
                                                              "today)")] = None) -> Manifest:
    """Ordered stops with planned times, the riders to pick up or drop off (names and phone
    numbers for the driver), the windows promised to them, and who is on board."""
    m = svc.manifest(who, vehicle_id, date)
    return Manifest(
        vehicle_id=m.vehicle_id, service_date=m.service_date, late=m.late,
        position=_point(m.position) if m.position else None, on_board=list(m.on_board),
        stops=[ManifestStop(
            seq=st.seq, kind=st.kind, booking_id=st.booking_id,  # type: ignore[arg-type]
            rider_name=st.rider_name, rider_phone=st.rider_phone, passengers=st.passengers,
            wheelchair=st.wheelchair, location=_point(st.location),
            planned_time=st.planned_time,
            window=Window(start=st.window[0], end=st.window[1]) if st.window else None,
            note=st.note, place_name=st.place_name)
            for st in m.stops])


@router.post("/{vehicle_id}/events", response_model=VehicleEventResponse, status_code=201,
             summary="Report arrived, picked_up, dropped_off, no_show or position",
             responses={409: {"description": "the event does not fit the booking's status, "
                                             "or a no-show comes before the pickup window "
                                             "(`/problems/no-show-too-early`)", **PROBLEM}})
def vehicle_event(vehicle_id: str, body: VehicleEventRequest, who: FleetDep,
                  svc: ServiceDep, response: Response) -> VehicleEventResponse:
    """Update the plan with what happened: a pickup done, a rider on board or delivered, a
    no-show (the seats are freed; only from the pickup window's start, else 409
    ``no-show-too-early`` with ``noShowFrom``), or where the vehicle is now (only a
    position report, an arrival, a pickup or a drop-off moves the vehicle). An event whose
    ``eventId`` the vehicle sent before is not applied again: 200 with ``applied`` false
    and how things stand now."""
    pos = (body.lat, body.lon) if body.lat is not None and body.lon is not None else None
    b, late, applied = svc.event(who, vehicle_id, body.type, body.booking_id, body.time, pos,
                                 body.event_id)
    if not applied:
        response.status_code = 200
    return VehicleEventResponse(vehicle_id=vehicle_id, type=body.type,
                                booking_id=b.id if b else None,
                                booking_status=b.status if b else None, late=late,
                                applied=applied)
