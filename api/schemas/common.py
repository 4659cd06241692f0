"""Shapes shared by several resources."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Schema(BaseModel):
    """camelCase on the wire (as OTP and most apps expect), snake_case in Python; text
    holds no control characters (no database stores a NUL byte)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, v: Any) -> Any:
        if isinstance(v, str) and _CONTROL.search(v):
            raise ValueError("must not contain control characters")
        return v


class LatLon(Schema):
    lat: float = Field(ge=-90, le=90, description="latitude (WGS 84)")
    lon: float = Field(ge=-180, le=180, description="longitude (WGS 84)")


class Window(Schema):
    start: dt.datetime
    end: dt.datetime
