"""Re-planning a service area's day."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from api.schemas.common import Input, Schema


class ReplanRequest(Input):
    area: str = Field(min_length=1, max_length=100)
    date: dt.date = Field(strict=False)
    time_limit_s: float = Field(5.0, gt=0, le=120, description="optimiser time limit")
    solution_limit: int | None = Field(
        None, ge=1, le=100_000, description="stop after this many improving solutions "
        "instead of at the time limit (the same plans on any machine)")


class ReplanResponse(Schema):
    area: str
    date: dt.date
    saved_s: float = Field(description="vehicle time saved (0: the plans stayed)")
    moved: list[str] = Field(description="bookings now served by another vehicle")
