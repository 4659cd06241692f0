"""Bookings: confirmed rides and their history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    Strict,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from api.schemas.common import Input, LatLon, Schema, Window
from api.schemas.feedback import RatingResponse
from api.schemas.quotes import FareClassesIn, FareOut, check_fare_classes
from api.store.models import NOTE_MAX

Status = Literal["confirmed", "on_board", "completed", "cancelled", "no_show"]


MIN_EPOCH_MS = -62_135_596_800_000 + 86_400_000  # 0001-01-02 (UTC): every zone can hold it
MAX_EPOCH_MS = 253_402_300_799_999 - 86_400_000  # 9999-12-30


def _epoch_ms(value: Any) -> Any:
    """A JSON number is epoch milliseconds (as the plan's ``bookingInfo`` gives them);
    anything else goes on to pydantic's ISO 8601 parsing."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if not MIN_EPOCH_MS <= value <= MAX_EPOCH_MS:
        raise ValueError(f"{value} is not an epoch-millisecond time between the years 1 and "
                         "9999")
    return dt.datetime.fromtimestamp(value / 1000, dt.UTC)


#: a moment as epoch milliseconds or ISO 8601 (without an offset: local time of the region)
Moment = Annotated[dt.datetime, Strict(False), BeforeValidator(_epoch_ms), WithJsonSchema({
    "anyOf": [{"type": "integer", "description": "epoch milliseconds (UTC)"},
              {"type": "string", "format": "date-time",
               "description": "ISO 8601; without an offset: local time of the region"}]})]


class RideWindow(Input):
    """A window of a ride to book: each end epoch milliseconds or ISO 8601."""

    start: Moment
    end: Moment


class OpenRideWindow(Input):
    """A drop-off window to book: each end epoch milliseconds or ISO 8601; the end may be
    null or left out (no bound: no connection to make)."""

    start: Moment
    end: Moment | None = None


class ConnectionRef(Input):
    """The scheduled trip an on-demand ride feeds: the plan's next leg (``tripId``, and
    ``from.stopId`` where it is boarded)."""

    trip_id: str = Field(min_length=1, max_length=200)
    stop_id: str = Field(min_length=1, max_length=200)


class RideLeg(Input):
    """An ON_DEMAND leg of a planned itinerary: ``origin``, ``destination``,
    ``pickupWindow`` and ``dropOffWindow`` as the plan's ``bookingInfo`` gives them (epoch
    milliseconds), or with ISO 8601 times."""

    origin: LatLon
    destination: LatLon
    pickup_window: RideWindow
    drop_off_window: OpenRideWindow = Field(
        description="its end is the connection the ride must make (the booking reports "
                    "whether it still does)")
    passengers: int = Field(1, ge=1, le=20)
    wheelchair: bool = False
    connection: ConnectionRef | None = Field(None, description=(
        "the scheduled trip the ride is to make (the plan's next leg): should the ride "
        "run so late that it misses it, the rider is offered that line's next departure"))
    fare_classes: FareClassesIn | None = Field(
        None, description="who pays a reduced fare; default: every passenger an adult")

    _fare_classes = field_validator("fare_classes")(check_fare_classes)


class BookingRequest(Input):
    """Book a quote (``quoteId``), or every on-demand leg of an itinerary at once."""

    quote_id: str | None = Field(None, min_length=1, max_length=32)
    itinerary: list[RideLeg] | None = Field(None, min_length=1, max_length=4)
    rider_id: str | None = Field(None, min_length=1, max_length=32,
                                 description="dispatchers book itineraries for a rider")
    note: str | None = Field(None, max_length=NOTE_MAX, description=(
        "dispatchers only: a note for the driver, shown on the vehicle's manifest (one line, "
        f"at most {NOTE_MAX} characters; empty: none)"))

    @model_validator(mode="after")
    def _one(self) -> BookingRequest:
        if (self.quote_id is None) == (self.itinerary is None):
            raise ValueError("give either quoteId or itinerary")
        return self


class BookingPatch(Input):
    """Change a booking: its note for the driver (dispatchers only)."""

    note: str | None = Field(max_length=NOTE_MAX, description=(
        f"the note for the driver (one line, at most {NOTE_MAX} characters); null or empty "
        "removes it"))


class StatusChange(Schema):
    status: Status
    at: dt.datetime


class Connection(Schema):
    drop_off_by: dt.datetime
    estimated_dropoff: dt.datetime | None
    status: Literal["on_time", "missed"]


class Live(Schema):
    estimated_pickup: dt.datetime | None = Field(description=(
        "the pickup now expected, from the vehicle's last report (null once on board); "
        "never before now while the pickup is still to come"))
    estimated_dropoff: dt.datetime | None = None
    reported_at: dt.datetime = Field(description="when the vehicle last reported where it "
                                                 "is")
    late: bool = Field(description="the estimate breaks the promise: a pickup after its "
                                   "window, or (on board) a drop-off after the latest "
                                   "promised")


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
    rider_name: str | None = Field(None, description=(
        "the rider's name and phone, for the rider themself and staff (null once the rider "
        "is forgotten or the ride anonymised)"))
    rider_phone: str | None = None
    note: str | None = Field(None, description="the dispatcher's note for the driver")
    no_show_from: dt.datetime | None = Field(None, description=(
        "from when the rider may be reported as not shown up: the pickup window's start "
        "(null unless confirmed)"))
    origin_name: str | None = Field(
        None, description="the pickup place in plain words (street and house number, or "
                          "the named place or stop there), from the coordinates")
    destination_name: str | None = Field(
        None, description="the drop-off place in plain words, named as ``origin_name``")
    live: Live | None = Field(None, description=(
        "the current estimates from the vehicle's last report (null when it has not "
        "reported that day, or the ride is over)"))
    rating: RatingResponse | None = Field(None, description=(
        "the rider's rating of the ride (PUT /api/v1/bookings/{id}/rating), for the rider "
        "and staff; null: not rated"))
    fare: FareOut | None = Field(None, description=(
        "the price quoted, kept with the booking (null: the area has no fares)"))
    cancel_fee: float | None = Field(None, description=(
        "the fee for the rider's cancellation after the area's deadline, in the fare's "
        "currency (null: none charged)"))


class BookingList(Schema):
    bookings: list[BookingResponse]
    now: dt.datetime | None = Field(None, description=(
        "the service's clock when the list was read (compare with noShowFrom)"))


class ItineraryBooking(Schema):
    itinerary_id: str
    bookings: list[BookingResponse]
