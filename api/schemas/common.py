"""Shapes shared by several resources."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Schema(BaseModel):
    """camelCase on the wire (as OTP and most apps expect), snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="forbid")


class LatLon(Schema):
    lat: float = Field(ge=-90, le=90, description="latitude (WGS 84)")
    lon: float = Field(ge=-180, le=180, description="longitude (WGS 84)")


class Window(Schema):
    start: dt.datetime
    end: dt.datetime
