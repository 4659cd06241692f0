"""Standing orders: the same ride on chosen weekdays over a date range, and its dates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from api.schemas.common import Input, LatLon, Schema, Window
from api.store.models import NOTE_MAX

Weekday = Annotated[int, Field(ge=1, le=7, description="ISO weekday: 1 = Monday … 7 = Sunday")]
OccurrenceStatus = Literal["scheduled", "pending", "booked", "not_served", "skipped",
                           "cancelled"]


class StandingOrderRequest(Input):
    """The ride (as a quote asks for it), its weekdays and its date range."""

    rider_id: str | None = Field(None, min_length=1, max_length=32,
                                 description="dispatchers order for a rider; riders omit it")
    origin: LatLon
    destination: LatLon
    weekdays: list[Weekday] = Field(min_length=1, max_length=7, description=(
        "the weekdays to ride, e.g. [1, 3, 5] for Monday, Wednesday and Friday"))
    time: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description=(
        "the time of day, HH:MM, in the region's local time"))
    time_type: Literal["departure", "arrival"] = Field(
        "departure", description="departure: be picked up from this time; arrival: arrive "
                                 "by this time")
    first_date: dt.date = Field(strict=False, description="the first date (today or later)")
    last_date: dt.date = Field(strict=False, description=(
        "the last date (at most a year after the first)"))
    passengers: int = Field(1, ge=1, le=20)
    wheelchair: bool = False
    skip_holidays: bool = Field(True, description="no ride on the region's public holidays")
    note: str | None = Field(None, max_length=NOTE_MAX, description=(
        "dispatchers only: a note for the driver on every ride of the series"))


class Occurrence(Schema):
    date: dt.date
    status: OccurrenceStatus = Field(description=(
        "scheduled: to be booked when it enters the booking horizon; pending: being booked; "
        "booked; not_served: no ride could be booked (see reason); skipped: a public "
        "holiday; cancelled"))
    booking_id: str | None = None
    booking_status: str | None = Field(None, description="the booking's own status")
    pickup_window: Window | None = Field(None, description="the booked ride's pickup window")
    reason: str | None = Field(None, description="why it is not served or skipped, in plain "
                               "words")
    code: str | None = Field(None, description=(
        "the reason's code: the refusal's problem type (outside-service-hours, "
        "no-vehicle-available, booking-notice, too-many-bookings …) or holiday"))


class StandingOrderResponse(Schema):
    id: str
    rider_id: str
    rider_name: str | None = Field(None, description="for the rider themself and staff")
    status: Literal["active", "cancelled"]
    area: str
    origin: LatLon
    destination: LatLon
    origin_name: str | None = None
    destination_name: str | None = None
    weekdays: list[int]
    time: str
    time_type: Literal["departure", "arrival"]
    first_date: dt.date
    last_date: dt.date
    passengers: int
    wheelchair: bool
    skip_holidays: bool
    note: str | None = None
    created_at: dt.datetime
    cancelled_at: dt.datetime | None = None
    occurrences: list[Occurrence] = Field(description=(
        "its dates: those written down, and the next ones still to be booked (scheduled)"))


class StandingOrderList(Schema):
    standing_orders: list[StandingOrderResponse]
