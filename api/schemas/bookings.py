"""Bookings: confirmed rides and their history."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from api.schemas.common import LatLon, Schema, Window

Status = Literal["confirmed", "on_board", "completed", "cancelled", "no_show"]


class BookingRequest(Schema):
    quote_id: str = Field(min_length=1, max_length=32)


class StatusChange(Schema):
    status: Status
    at: dt.datetime


class BookingResponse(Schema):
    id: str
    quote_id: str
    rider_id: str
    status: Status
    area: str
    vehicle_id: str
    origin: LatLon
    destination: LatLon
    passengers: int
    wheelchair: bool
    pickup_window: Window
    latest_dropoff: dt.datetime
    estimated_pickup: dt.datetime | None = Field(
        None, description="from the vehicle's current plan (none once the ride is over)")
    estimated_dropoff: dt.datetime | None = None
    created_at: dt.datetime
    history: list[StatusChange]


class BookingList(Schema):
    bookings: list[BookingResponse]
