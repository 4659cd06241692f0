"""Riders (created by dispatchers for people who phone in)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from api.schemas.common import Input, Schema


class RiderRequest(Input):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40, pattern=r"^[0-9 +()./-]{3,40}$")


class RiderResponse(Schema):
    id: str
    name: str | None
    phone: str | None
    created_at: dt.datetime


class RiderList(Schema):
    riders: list[RiderResponse]


class SignInCodeExpiry(Schema):
    expires_at: dt.datetime


class RiderExport(Schema):
    """Everything the store holds about a rider: each table's rows as stored (column names
    of the database; API keys without their hashes)."""

    rider_id: str
    exported_at: dt.datetime
    tables: dict[str, list[dict[str, Any]]] = Field(description=(
        "riders, api_keys, quotes, bookings, booking_status, plan_stops, vehicle_events, "
        "standing_orders, standing_occurrences, notifications, ride_ratings"))
    sign_in_codes: list[SignInCodeExpiry] = Field(default_factory=list, description=(
        "the rider's open sign-in codes: when each expires (never the code)"))


class RiderForgotten(Schema):
    """A rider forgotten: what changed."""

    rider_id: str
    forgotten_at: dt.datetime
    bookings_anonymised: int = Field(description="bookings kept as anonymous rows (ends "
                                     "coarsened to about 1 km, distance and times kept)")
    quotes_deleted: int = Field(description="offers never booked")
    keys_revoked: int
    positions_coarsened: int = Field(description="drivers' reported positions and vehicle "
                                     "states near the rider's addresses")
    standing_orders_deleted: int = Field(0, description="standing orders (with their dates)")
