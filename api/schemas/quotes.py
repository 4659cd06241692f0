"""Quotes: what a rider asks for and the offer they get."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from api.schemas.common import Input, LatLon, Schema, Window


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
