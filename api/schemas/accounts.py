"""Riders signing up from the web app, and who a key belongs to."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import Input, Schema


class SignupRequest(Input):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40, pattern=r"^[0-9 +()./-]{3,40}$")


class SignupResponse(Schema):
    key: str
    rider_id: str
    role: str


class Me(Schema):
    role: str
    rider_id: str | None
    vehicle_id: str | None
    name: str | None
