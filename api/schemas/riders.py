"""Riders (created by dispatchers for people who phone in)."""

from __future__ import annotations

import datetime as dt

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
