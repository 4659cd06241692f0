"""Bookings: confirmed rides and their history."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from api.schemas.common import LatLon, Schema, Window

Status = Literal["confirmed", "on_board", "completed", "cancelled", "no_show"]


class RideLeg(Schema):
    """An ON_DEMAND leg of a planned itinerary, as the plan's ``bookingInfo`` gives it."""

    origin: LatLon
    destination: LatLon
    pickup_window: Window
    drop_off_window: Window
    passengers: int = Field(1, ge=1, le=20)
    wheelchair: bool = False


class BookingRequest(Schema):
    """Book a quote (``quoteId``), or every on-demand leg of an itinerary at once."""

    quote_id: str | None = Field(None, min_length=1, max_length=32)
    itinerary: list[RideLeg] | None = Field(None, min_length=1, max_length=4)
    rider_id: str | None = Field(None, max_length=32,
                                 description="dispatchers book itineraries for a rider")

    @model_validator(mode="after")
    def _one(self) -> BookingRequest:
        if (self.quote_id is None) == (self.itinerary is None):
            raise ValueError("give either quoteId or itinerary")
        return self


class StatusChange(Schema):
    status: Status
    at: dt.datetime


class Connection(Schema):
    drop_off_by: dt.datetime
    estimated_dropoff: dt.datetime | None
    status: Literal["on_time", "missed"]


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
    itinerary_id: str | None = None
    connection: Connection | None = Field(
        None, description="for a ride to a scheduled departure: whether it still makes it")


class BookingList(Schema):
    bookings: list[BookingResponse]


class ItineraryBooking(Schema):
    itinerary_id: str
    bookings: list[BookingResponse]
