"""Riders signing up from the web app, signing in on another device with a code, and who a
key belongs to."""

from __future__ import annotations

import datetime as dt

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
    company_id: str | None = Field(None, description="an operator key's company")


class SignInCodeResponse(Schema):
    code: str = Field(description="to type on the other device, e.g. K7QF-3MWD (any case, "
                      "dashes and spaces optional); works once")
    expires_at: dt.datetime


class SignInRequest(Input):
    code: str = Field(min_length=1, max_length=40)


class SignInResponse(Schema):
    key: str = Field(description="a new rider key (shown this once)")
    rider_id: str
    role: str
    name: str | None
