"""Tours as driven (staff) and the companies' month statements (staff, and an operator for
its own company), as JSON or CSV."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.auth import Principal
from api.deps import ServiceDep, StaffDep, require
from api.schemas.accounting import (
    AreaLineOut,
    DayLineOut,
    LegOut,
    RuleOut,
    StatementOut,
    TourLineOut,
    TourList,
    TourOut,
    VehicleLineOut,
)
from api.service import accounting
from dispatch.tours import Tour

router = APIRouter(prefix="/api/v1", tags=["accounting"])
ReaderDep = Annotated[Principal, require("dispatcher", "admin", "operator")]
CompanyId = Annotated[str, Path(min_length=1, max_length=32, description=(
    "a company's id; `_own` for the region's own vehicles (no company)"))]
Month = Annotated[str, Path(min_length=1, max_length=7, description="YYYY-MM, e.g. 2026-11")]


def tour_out(t: Tour) -> TourOut:
    return TourOut(id=t.id, vehicle=t.vehicle, company=t.company, area=t.area, date=t.date,
                   window=t.window, start_s=t.start_s, end_s=t.end_s,
                   available_h=t.available_h, duty_h=t.duty_h, driven_km=t.driven_km,
                   occupied_km=t.occupied_km, empty_km=t.empty_km,
                   passenger_km=t.passenger_km,
                   legs=[LegOut(km=x.km, hours=x.hours, aboard=x.aboard, rides=x.rides)
                         for x in t.legs],
                   rides=list(t.rides), no_shows=list(t.no_shows), passengers=t.passengers,
                   fares_cents=t.fares_cents)


def statement_out(st: accounting.Statement) -> StatementOut:
    return StatementOut(
        company_id=st.company_id, company_name=st.company_name, month=st.month,
        since=st.since, until=st.until, provisional=st.provisional, currency=st.currency,
        total_cents=st.total_cents, available_h=st.available_h, driven_km=st.driven_km,
        occupied_km=st.occupied_km, empty_km=st.empty_km, passengers=st.passengers,
        rides=st.rides, no_shows=st.no_shows, fares_cents=st.fares_cents,
        areas=[AreaLineOut(
            area=a.area, available_h=a.available_h, driven_km=a.driven_km, tours=a.tours,
            hours_cents=a.hours_cents, km_cents=a.km_cents, tours_cents=a.tours_cents,
            day_cap_cents=a.day_cap_cents, month_cap_cents=a.month_cap_cents,
            total_cents=a.total_cents,
            rule=None if a.rule is None else RuleOut(
                per_vehicle_hour_cents=a.rule.per_vehicle_hour, per_km_cents=a.rule.per_km,
                per_tour_cents=a.rule.per_tour, cap_per_day_cents=a.rule.cap_per_day,
                cap_per_month_cents=a.rule.cap_per_month)) for a in st.areas],
        vehicles=[VehicleLineOut(**asdict(v)) for v in st.vehicles],
        days=[DayLineOut(**asdict(d), total_cents=d.total_cents) for d in st.days],
        tours=[TourLineOut(**asdict(t)) for t in st.tours], notes=list(st.notes))


@router.get("/companies/{company_id}/statements/{month}.csv", summary=(
    "A company's month statement as CSV"), response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": (
        "one table: a `line` column says tour, day, vehicle, area or total")}})
def statement_csv(company_id: CompanyId, month: Month, who: ReaderDep, svc: ServiceDep
                  ) -> Response:
    """The statement of :func:`statement` as CSV (amounts with two decimals in the
    region's currency, hours and km with three)."""
    st = accounting.company_statement(svc, who, company_id, month)
    name = f"statement-{st.company_id}-{st.month}.csv"
    return Response(accounting.statement_csv(st), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/companies/{company_id}/statements/{month}", response_model=StatementOut,
            summary="A company's month statement")
def statement(company_id: CompanyId, month: Month, who: ReaderDep, svc: ServiceDep
              ) -> StatementOut:
    """What a company is paid for a month (``YYYY-MM``; the running month up to today)
    under the service areas' compensation rules: its tours, each vehicle's available
    hours and days, the pay per area with the caps applied, the total in cents.
    Dispatchers and admins read any company's; an operator only its own company's (another
    company: 404). A month after the running one, or not ``YYYY-MM``: 422."""
    return statement_out(accounting.company_statement(svc, who, company_id, month))


@router.get("/tours", response_model=TourList, summary="The tours driven on a day (staff)")
def list_tours(_: StaffDep, svc: ServiceDep,
               date: Annotated[dt.date, Query(description="the service date, YYYY-MM-DD")],
               vehicle: Annotated[str | None, Query(min_length=1, max_length=64, description=(
                   "only this vehicle's tours"))] = None) -> TourList:
    """Each vehicle's tours of the day as driven (drivers' pickup, drop-off and no-show
    reports; one tour per available window with visits): legs by road from the depot and
    back, with the passengers on board, km, duty hours and fares."""
    return TourList(date=date, tours=[tour_out(t) for t in accounting.day_tours(
        svc, date, vehicle)])
