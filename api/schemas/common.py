"""Shapes shared by several resources."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from api.schemas.text import text_problem


class Schema(BaseModel):
    """camelCase on the wire (as OTP and most apps expect), snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="forbid")


class Input(Schema):
    """What clients send (every request body and its parts): strict types — ``"3"`` or
    ``true`` is no passenger count, ``1`` or ``"yes"`` no boolean (dates and times stay
    ISO 8601 text: mark such fields ``strict=False``) — and text without control,
    bidirectional or invisible format characters (:mod:`api.schemas.text`). Answers are
    plain :class:`Schema`: what the store holds is shown as it is."""

    model_config = ConfigDict(strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, v: Any) -> Any:
        if isinstance(v, str):
            problem = text_problem(v)
            if problem is not None:
                raise ValueError(problem)
        return v


class LatLon(Input):
    lat: float = Field(ge=-90, le=90, description="latitude (WGS 84)")
    lon: float = Field(ge=-180, le=180, description="longitude (WGS 84)")


class Window(Schema):
    start: dt.datetime
    end: dt.datetime
