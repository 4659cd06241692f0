"""Quotes: what a rider asks for and the offer they get."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from api.schemas.common import Input, LatLon, Schema, Window


class FareClassesIn(Input):
    """Who of the passengers pays a reduced fare (the rest pay the adult fare): children by
    age (one entry each, in years), concessions, companions of the wheelchair user."""

    children: list[int] = Field(default_factory=list, max_length=20,
                                description="each child's age in years (0-120)")
    concession: int = Field(0, ge=0, le=20)
    companions: int = Field(0, ge=0, le=20, description="companions of the wheelchair user "
                                                        "(free)")

    @field_validator("children")
    @classmethod
    def _ages(cls, v: list[int]) -> list[int]:
        bad = [a for a in v if not 0 <= a <= 120]
        if bad:
            raise ValueError(f"ages must be whole years from 0 to 120, not {bad[0]}")
        return v


class FareLineOut(Schema):
    kind: str = Field(description="adult, child, concession or companion")
    count: int
    amount: float = Field(description="these passengers together, in the currency")
    note: str = ""


class FareOut(Schema):
    """A ride's fare (the price quoted, kept with the booking)."""

    amount: float = Field(description="the total, in the currency (e.g. 2.5)")
    currency: str = Field(description="ISO 4217, e.g. EUR")
    lines: list[FareLineOut]


def check_fare_classes(v: FareClassesIn | None, info: ValidationInfo) -> FareClassesIn | None:
    """Reduced passengers are among the passengers; companions come with a wheelchair user."""
    if v is None:
        return v
    n = info.data.get("passengers")
    reduced = len(v.children) + v.concession + v.companions
    if n is not None and reduced > n:
        raise ValueError(f"counts {reduced} reduced passengers (children, concession, "
                         f"companions) but only {n} passengers ride")
    if v.companions and info.data.get("wheelchair") is not True:
        raise ValueError("companions ride free only with a wheelchair user (wheelchair: true)")
    if n is not None and v.companions >= n:
        raise ValueError(f"{v.companions} companions need {v.companions + 1} passengers "
                         "(with the wheelchair user)")
    return v


class QuoteRequest(Input):
    origin: LatLon
    destination: LatLon
    time: dt.datetime = Field(strict=False, description="ISO 8601; without an offset: local "
                                                       "time of the region")
    time_type: Literal["departure", "arrival"] = Field(
        "departure", description="departure: be picked up from this time; arrival: arrive "
                                 "by this time")
    passengers: int = Field(1, ge=1, le=20)
    wheelchair: bool = False
    rider_id: str | None = Field(None, min_length=1, max_length=32,
                                 description="dispatchers book for a rider; riders omit it")
    fare_classes: FareClassesIn | None = Field(
        None, description="who pays a reduced fare; default: every passenger an adult")

    _fare_classes = field_validator("fare_classes")(check_fare_classes)


class QuoteResponse(Schema):
    id: str
    status: Literal["offered"] = "offered"
    area: str
    rider_id: str
    pickup_window: Window = Field(description="the promised pickup window")
    estimated_pickup: dt.datetime
    estimated_dropoff: dt.datetime
    latest_dropoff: dt.datetime
    passengers: int
    wheelchair: bool
    expires_at: dt.datetime
    fare: FareOut | None = Field(None, description="the fare (null: the area has no fares)")
