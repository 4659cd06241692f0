"""Tours as driven and the companies' month statements (amounts in cents of ``currency``)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from api.schemas.common import Schema


class LegOut(Schema):
    km: float
    hours: float
    aboard: int = Field(description="passengers on board while driving it")
    rides: int = Field(description="how many rides they belong to (2 or more: pooled)")


class TourOut(Schema):
    id: str = Field(description="`<vehicle>:<date>:<k>`, k the available window's index")
    vehicle: str
    company: str | None
    area: str
    date: dt.date
    window: tuple[float, float] = Field(description=(
        "the available window the tour lies in, seconds after the day's midnight"))
    start_s: float = Field(description="leaving the depot, seconds after midnight")
    end_s: float = Field(description="back at the depot, seconds after midnight")
    available_h: float
    duty_h: float
    driven_km: float
    occupied_km: float
    empty_km: float
    passenger_km: float
    legs: list[LegOut]
    rides: list[str] = Field(description="booking ids completed in the tour")
    no_shows: list[str]
    passengers: int
    fares_cents: int


class TourList(Schema):
    date: dt.date
    tours: list[TourOut]


class TourLineOut(Schema):
    date: dt.date
    vehicle: str
    tour: str
    area: str
    available_h: float
    duty_h: float
    driven_km: float
    occupied_km: float
    empty_km: float
    passengers: int
    rides: int
    no_shows: int
    fares_cents: int


class DayLineOut(Schema):
    date: dt.date
    vehicle: str
    area: str
    available_h: float
    driven_km: float
    tours: int
    hours_cents: int
    km_cents: int
    tours_cents: int
    day_cap_cents: int = Field(description="taken off by the area's cap per vehicle and day")
    total_cents: int


class VehicleLineOut(Schema):
    vehicle: str
    area: str
    available_h: float
    days: int = Field(description="days with available time")
    driven_km: float
    tours: int


class RuleOut(Schema):
    per_vehicle_hour_cents: int
    per_km_cents: int
    per_tour_cents: int
    cap_per_day_cents: int | None
    cap_per_month_cents: int | None


class AreaLineOut(Schema):
    area: str
    rule: RuleOut | None = Field(description="null: the area has no compensation rule")
    available_h: float
    driven_km: float
    tours: int
    hours_cents: int
    km_cents: int
    tours_cents: int
    day_cap_cents: int
    month_cap_cents: int = Field(description="taken off by the area's cap per company and "
                                             "month")
    total_cents: int


class StatementOut(Schema):
    company_id: str = Field(description="`_own`: the region's own vehicles (no company)")
    company_name: str
    month: str
    since: dt.date
    until: dt.date = Field(description="the last day covered (today in the running month)")
    provisional: bool = Field(description="the month is still running")
    currency: str
    total_cents: int
    available_h: float
    driven_km: float
    occupied_km: float
    empty_km: float
    passengers: int
    rides: int
    no_shows: int
    fares_cents: int
    areas: list[AreaLineOut]
    vehicles: list[VehicleLineOut]
    days: list[DayLineOut]
    tours: list[TourLineOut]
    notes: list[str]
