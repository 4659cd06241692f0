"""The dispatch desk's live view: vehicles as last reported, and rides running late."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from api.schemas.common import LatLon, Schema, Window


class NextStop(Schema):
    booking_id: str | None = Field(description="null for a break")
    kind: Literal["pickup", "dropoff", "break"]
    location: LatLon
    planned_time: dt.datetime


class LiveVehicle(Schema):
    id: str
    position: LatLon | None = Field(description="where the plan starts from: the last "
                                                "report (null: none that day)")
    reported_at: dt.datetime | None = Field(description="when the driver last reported "
                                                        "where the vehicle is")
    ready_at: dt.datetime | None = Field(None, description=(
        "from when the plan goes on from the position (the report's time, or later: a "
        "silent vehicle's plan is re-timed from now)"))
    late: bool = Field(description="the vehicle cannot keep every window from where it is")
    next: list[NextStop] = Field(description="the stops ahead, in order, with their "
                                             "planned times (at most 8)")


class LiveFleet(Schema):
    now: dt.datetime = Field(description="the service's clock (move vehicles by it)")
    vehicles: list[LiveVehicle]


class Alert(Schema):
    kind: Literal["late", "connection_missed"]
    booking_id: str
    vehicle_id: str = Field(description="the vehicle running late")
    pickup_window: Window = Field(description="the promised pickup window")
    estimated_pickup: dt.datetime | None = Field(description=(
        "the pickup estimate when last noticed (on the late vehicle)"))
    estimated_dropoff: dt.datetime | None = None
    drop_off_by: dt.datetime | None = Field(None, description=(
        "connection_missed: the drop-off deadline the ride was booked to make"))
    minutes_late: int = Field(description="after the window's end (late) or the drop-off "
                                          "deadline (connection_missed)")
    action: Literal["moved", "told", "none"] = Field(description=(
        "moved to another vehicle that keeps every promise, the rider told the new "
        "estimate, or nothing (an anonymous rider)"))
    to_vehicle: str | None = Field(None, description="moved: the vehicle taking the ride")
    next: dt.datetime | None = Field(None, description=(
        "connection_missed: the next departure of the same line from that stop"))
    next_route: str | None = Field(None, description="its route's short (else long) name")
    next_headsign: str | None = None
    next_stop: str | None = Field(None, description="the stop's name")
    noticed_at: dt.datetime


class AlertList(Schema):
    now: dt.datetime
    alerts: list[Alert]
