"""Vehicles: the fleet, each vehicle's manifest, and the events drivers report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.auth import Principal
from api.deps import FleetDep, OnDemandDep, SessionDep, today
from api.problems import Problem, not_found
from api.routes.quotes import PROBLEM
from api.schemas.common import LatLon, Window
from api.schemas.vehicles import (
    Manifest,
    ManifestStop,
    VehicleEventRequest,
    VehicleEventResponse,
    VehicleList,
    VehicleResponse,
)
from api.store.models import Booking, PlanStop, Quote, Rider, VehicleRow, VehicleState
from routing.timebase import clock_text

router = APIRouter(prefix="/api/v1/vehicles", tags=["vehicles"])


def _mine(who: Principal, vehicle_id: str) -> None:
    if who.role == "driver" and who.vehicle_id != vehicle_id:
        raise not_found("vehicle", vehicle_id)


@router.get("", response_model=VehicleList, summary="The fleet")
def list_vehicles(s: SessionDep, who: FleetDep) -> VehicleList:
    rows = s.execute(select(VehicleRow).where(VehicleRow.active.is_(True))
                     .order_by(VehicleRow.id)).scalars()
    return VehicleList(vehicles=[
        VehicleResponse(id=v.id, area=v.area, seats=v.seats,
                        wheelchair_places=v.wheelchair_places,
                        depot=LatLon(lat=v.depot_lat, lon=v.depot_lon),
                        shift_start=clock_text(v.shift_start_s),
                        shift_end=clock_text(v.shift_end_s))
        for v in rows if who.role != "driver" or who.vehicle_id == v.id])


@router.get("/{vehicle_id}/manifest", response_model=Manifest,
            summary="A vehicle's stops for a day, in order")
def manifest(vehicle_id: str, s: SessionDep, who: FleetDep, od: OnDemandDep,
             date: Annotated[dt.date | None, Query(description="service date (default: "
                                                              "today)")] = None) -> Manifest:
    """Ordered stops with planned times, the riders to pick up or drop off (names and phone
    numbers for the driver), the windows promised to them, and who is on board."""
    _mine(who, vehicle_id)
    v = s.get(VehicleRow, vehicle_id)
    if v is None:
        raise not_found("vehicle", vehicle_id)
    day = date or today(od)
    stops = s.execute(select(PlanStop).where(PlanStop.vehicle_id == vehicle_id,
                                             PlanStop.service_date == day)
                      .order_by(PlanStop.seq)).scalars().all()
    rows = s.execute(select(Booking, Quote, Rider).join(Quote, Booking.quote_id == Quote.id)
                     .join(Rider, Booking.rider_id == Rider.id)
                     .where(Booking.vehicle_id == vehicle_id, Booking.service_date == day)
                     ).all()
    info = {b.id: (b, q, r) for b, q, r in rows}
    out = []
    for st in stops:
        if st.request_id not in info:  # a break: one entry at its start
            if st.kind == "pickup":
                out.append(ManifestStop(seq=st.seq, kind="break", booking_id=None,
                                        passengers=0, wheelchair=False,
                                        location=LatLon(lat=v.depot_lat, lon=v.depot_lon),
                                        planned_time=od.moment(day, st.planned_s)))
            continue
        b, q, r = info[st.request_id]
        pick = st.kind == "pickup"
        lo, hi = ((q.pickup_lo_s, q.pickup_hi_s) if pick else
                  (max(q.dropoff_lo_s, q.pickup_lo_s), min(q.dropoff_hi_s,
                                       q.pickup_hi_s + q.boarding_s + q.max_ride_s)))
        out.append(ManifestStop(
            seq=st.seq, kind=st.kind, booking_id=b.id,  # type: ignore[arg-type]
            rider_name=r.name, rider_phone=r.phone, passengers=q.passengers,
            wheelchair=bool(q.wheelchairs),
            location=LatLon(lat=q.origin_lat if pick else q.dest_lat,
                            lon=q.origin_lon if pick else q.dest_lon),
            planned_time=od.moment(day, st.planned_s),
            window=Window(start=od.moment(day, lo), end=od.moment(day, hi))))
    state = s.get(VehicleState, (vehicle_id, day))
    return Manifest(vehicle_id=vehicle_id, service_date=day, late=bool(state and state.late),
                    position=LatLon(lat=state.lat, lon=state.lon) if state else None,
                    on_board=[b.id for b, _, _ in rows if b.status == "on_board"], stops=out)


@router.post("/{vehicle_id}/events", response_model=VehicleEventResponse, status_code=201,
             summary="Report arrived, picked_up, dropped_off, no_show or position",
             responses={409: {"description": "the event does not fit the booking's status",
                              **PROBLEM}})
def vehicle_event(vehicle_id: str, body: VehicleEventRequest, who: FleetDep,
                  od: OnDemandDep) -> VehicleEventResponse:
    """Update the plan with what happened: a pickup done, a rider on board or delivered, a
    no-show (the seats are freed), or where the vehicle is now."""
    _mine(who, vehicle_id)
    if body.time is not None and abs((od.local(body.time) - dt.datetime.now(od.tz))
                                     .total_seconds()) > 2 * 86400:
        raise Problem(422, "implausible-time", "Implausible time", "an event's time must be "
                      "within two days of now", field="time")
    pos = (body.lat, body.lon) if body.lat is not None and body.lon is not None else None
    b, late = od.event(who, vehicle_id, body.type, body.booking_id, body.time, pos)
    return VehicleEventResponse(vehicle_id=vehicle_id, type=body.type,
                                booking_id=b.id if b else None,
                                booking_status=b.status if b else None, late=late)
