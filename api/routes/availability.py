"""A vehicle's availability: the rules its company entered (weekly patterns, dated windows,
exceptions) and the windows they give on each day."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from api.auth import Principal
from api.deps import ServiceDep, require
from api.routes.quotes import PROBLEM
from api.schemas.operators import (
    DayWindows,
    DayWindowsList,
    RuleList,
    RuleRequest,
    RuleResponse,
    clock_seconds,
)
from api.service import operators
from routing.timebase import clock_text

router = APIRouter(prefix="/api/v1/vehicles", tags=["operators"])
OperatorsDep = Annotated[Principal, require("operator", "dispatcher", "admin")]
VehicleId = Annotated[str, Path(min_length=1, max_length=64)]
RuleId = Annotated[str, Path(min_length=1, max_length=32)]
RIDES: dict[int | str, dict[str, Any]] = {409: {
    "description": "a ride booked on the vehicle would be left outside its available time "
                   "(`/problems/vehicle-has-rides`, with `bookings`): move them first",
    **PROBLEM}}


def rule_out(r: operators.RuleView) -> RuleResponse:
    a = r.rule
    return RuleResponse(id=r.id, vehicle_id=r.vehicle_id, kind=a.kind,
                        weekdays=list(a.weekdays), first_date=a.first_date,
                        last_date=a.last_date, start=clock_text(a.start_s),
                        end=clock_text(a.end_s), skip_holidays=a.skip_holidays, note=r.note,
                        created_at=r.created_at)


@router.get("/{vehicle_id}/availability", response_model=RuleList,
            summary="A vehicle's availability rules")
def list_rules(vehicle_id: VehicleId, who: OperatorsDep, svc: ServiceDep) -> RuleList:
    """Weekly rules, dated ones, then exceptions, each by first date and start (an
    operator: its company's vehicles only)."""
    return RuleList(rules=[rule_out(r) for r in operators.list_rules(svc, who, vehicle_id)])


@router.post("/{vehicle_id}/availability", response_model=RuleResponse, status_code=201,
             summary="Add an availability rule", responses=RIDES)
def add_rule(vehicle_id: VehicleId, body: RuleRequest, who: OperatorsDep, svc: ServiceDep
             ) -> RuleResponse:
    """A weekly pattern, a dated window or an exception (``unavailable``); every problem
    of the rule is reported at once (``errors``). The vehicle's operators and admins."""
    return rule_out(operators.add_rule(svc, who, vehicle_id, operators.RuleInput(
        body.kind, tuple(body.weekdays), body.first_date, body.last_date,
        clock_seconds(body.start), clock_seconds(body.end), body.skip_holidays, body.note)))


@router.delete("/{vehicle_id}/availability/{rule_id}", status_code=204,
               summary="Delete an availability rule", responses=RIDES)
def delete_rule(vehicle_id: VehicleId, rule_id: RuleId, who: OperatorsDep, svc: ServiceDep
                ) -> Response:
    operators.delete_rule(svc, who, vehicle_id, rule_id)
    return Response(status_code=204)


@router.get("/{vehicle_id}/availability/days", response_model=DayWindowsList,
            summary="A vehicle's available windows, day by day")
def availability_days(
        vehicle_id: VehicleId, who: OperatorsDep, svc: ServiceDep,
        first: Annotated[dt.date | None, Query(alias="from", description=(
            "the first date (default: today)"))] = None,
        last: Annotated[dt.date | None, Query(alias="to", description=(
            "the last date (default: 13 days after the first; at most 62 days)"))] = None,
) -> DayWindowsList:
    """The windows the rules give on each date (public holidays counted), or the daily
    shift of a vehicle planned without availability."""
    a = first or svc.timing.today()
    b = last or min(a, dt.date.max - dt.timedelta(days=13)) + dt.timedelta(days=13)
    return DayWindowsList(vehicle_id=vehicle_id, days=[
        DayWindows(date=d, windows=[[clock_text(lo), clock_text(hi)] for lo, hi in ws])
        for d, ws in operators.days(svc, who, vehicle_id, a, b)])
