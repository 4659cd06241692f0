"""Contracted operators: companies, their vehicles, the vehicles' availability, and moving
a tour to another vehicle."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator

from api.schemas.common import Input, LatLon, Schema

#: "HH:MM" from 00:00 to 24:00
CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def clock_seconds(text: str) -> float:
    """``HH:MM`` as seconds after midnight (24:00 is the day's end)."""
    m = CLOCK.match(text)
    if m is None:
        raise ValueError(f"{text!r} is no time of day HH:MM (00:00 to 24:00)")
    s = int(m.group(1)) * 3600 + int(m.group(2)) * 60
    if s > 86400:
        raise ValueError(f"{text!r} lies after 24:00")
    return float(s)


class CompanyRequest(Input):
    id: str | None = Field(None, min_length=1, max_length=32, description=(
        "the company's id (letters, digits, . _ -); default: one is made"))
    name: str = Field(min_length=1, max_length=200)


class CompanyResponse(Schema):
    id: str
    name: str
    active: bool
    created_at: dt.datetime
    vehicles: int = Field(description="how many vehicles the company has")


class CompanyList(Schema):
    companies: list[CompanyResponse]


class VehicleRequest(Input):
    id: str = Field(min_length=1, max_length=32, description=(
        "the vehicle's id, unique in the fleet (letters, digits, . _ -)"))
    area: str = Field(min_length=1, max_length=100, description="the service area it serves")
    seats: int = Field(description="1 to 60")
    wheelchair_places: int = Field(0, description="0 to 10")
    depot: LatLon
    label: str | None = Field(None, max_length=100, description="e.g. the number plate")


class VehiclePatchRequest(Input):
    label: str | None = Field(None, max_length=100, description='"" removes it')
    seats: int | None = None
    wheelchair_places: int | None = None
    depot: LatLon | None = None
    company_id: str | None = Field(None, min_length=1, max_length=32,
                                   description="admins only")
    uses_availability: bool | None = Field(None, description=(
        "admins only: planned only into its availability (true) or its daily shift"))


class FleetVehicle(Schema):
    id: str
    area: str
    seats: int
    wheelchair_places: int
    depot: LatLon
    label: str | None
    company_id: str | None
    source: str = Field(description="config (region.toml) or operator (entered here)")
    uses_availability: bool
    active: bool


class FleetVehicleList(Schema):
    vehicles: list[FleetVehicle]


class RuleRequest(Input):
    kind: Literal["weekly", "dated", "unavailable"] = Field(description=(
        "weekly: on the weekdays from firstDate (to lastDate, or open-ended); dated: every "
        "day from firstDate to lastDate; unavailable: an exception taken out of the others"))
    weekdays: list[int] = Field(default_factory=list, max_length=7, description=(
        "weekly rules: ISO weekdays, 1 = Monday … 7 = Sunday"))
    first_date: dt.date = Field(strict=False)
    last_date: dt.date | None = Field(None, strict=False, description=(
        "the last date (included); weekly rules may leave it out (open-ended)"))
    start: str = Field(description="HH:MM local time")
    end: str = Field(description="HH:MM local time, after start (24:00: midnight)")
    skip_holidays: bool = Field(False, description="weekly rules: not on public holidays")
    note: str | None = Field(None, max_length=200)

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, v: str) -> str:
        clock_seconds(v)
        return v


class RuleResponse(Schema):
    id: str
    vehicle_id: str
    kind: str
    weekdays: list[int]
    first_date: dt.date
    last_date: dt.date | None
    start: str
    end: str
    skip_holidays: bool
    note: str | None
    created_at: dt.datetime


class RuleList(Schema):
    rules: list[RuleResponse]


class DayWindows(Schema):
    date: dt.date
    windows: list[list[str]] = Field(description="[HH:MM, HH:MM] available windows")


class DayWindowsList(Schema):
    vehicle_id: str
    days: list[DayWindows]


class MoveRequest(Input):
    to: str = Field(min_length=1, max_length=64, description="the vehicle taking the tour")


class MoveResponse(Schema):
    vehicle_id: str
    to: str
    date: dt.date
    bookings: list[str] = Field(description="the bookings moved")
