"""Vehicles, their manifests and the events drivers report."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from api.schemas.common import Input, LatLon, Schema, Window


class VehicleResponse(Schema):
    id: str
    area: str
    seats: int
    wheelchair_places: int
    depot: LatLon
    shift_start: str | None = Field(description="HH:MM local time: today's first available "
                                                "moment (null: not available today)")
    shift_end: str | None = Field(description="HH:MM: today's last available moment")
    windows: list[list[str]] = Field(default_factory=list,
                                     description="today's available windows [HH:MM, HH:MM]: "
                                                 "the daily shift, or the availability its "
                                                 "company entered (usesAvailability)")
    company_id: str | None = None
    label: str | None = None
    source: str = Field("config", description="config (region.toml) or operator (the API)")
    uses_availability: bool = False


class VehicleList(Schema):
    vehicles: list[VehicleResponse]


class ManifestStop(Schema):
    seq: int
    kind: Literal["pickup", "dropoff", "break"]
    booking_id: str | None
    rider_name: str | None = None
    rider_phone: str | None = None
    passengers: int
    wheelchair: bool
    location: LatLon
    planned_time: dt.datetime
    window: Window | None = None
    note: str | None = Field(None, description="the dispatcher's note for the driver")
    place_name: str | None = Field(None, description="the stop in plain words (its street "
                                                     "or a place beside it, as bookings' "
                                                     "ends are named)")


class Manifest(Schema):
    vehicle_id: str
    service_date: dt.date
    late: bool = Field(description="the vehicle cannot keep every window from where it is")
    position: LatLon | None = None
    on_board: list[str] = Field(description="booking ids of riders on board")
    stops: list[ManifestStop]


class VehicleEventRequest(Input):
    type: Literal["arrived", "picked_up", "dropped_off", "no_show", "position"]
    booking_id: str | None = Field(None, min_length=1, max_length=32)
    time: dt.datetime | None = Field(None, strict=False,
                                     description="when it happened (default: now)")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    event_id: str | None = Field(None, min_length=1, max_length=64,
                                 pattern=r"^[A-Za-z0-9_.:-]+$",
                                 description="the device's own id for the event: an id the "
                                             "vehicle sent before is not applied again (a "
                                             "driver's app re-sending its offline queue)")

    @model_validator(mode="after")
    def _needs(self) -> VehicleEventRequest:
        if self.type == "position" and (self.lat is None or self.lon is None):
            raise ValueError("a position event needs lat and lon")
        if self.type != "position" and self.booking_id is None:
            raise ValueError(f"a {self.type} event needs bookingId")
        return self


class VehicleEventResponse(Schema):
    vehicle_id: str
    type: str
    booking_id: str | None
    booking_status: str | None
    late: bool
    applied: bool = Field(True, description="false: an event with this eventId was applied "
                                            "before, and nothing changed now")
