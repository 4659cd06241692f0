"""Service alerts: an on-demand area closed or served less for a period, as the dispatcher
enters them (published in the GTFS-Realtime alerts feed)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from api.schemas.common import Input, Schema
from api.service.service_alerts import CAUSES, DESCRIPTION_MAX, HEADER_MAX, MAX_LANGUAGES

Effect = Literal["closure", "reduced"]
Cause = Literal[CAUSES]  # type: ignore[valid-type]


class AlertTextIn(Input):
    language: str = Field(min_length=2, max_length=35, description=(
        "a BCP 47 language tag: de, en, en-US …"))
    header: str = Field(min_length=1, max_length=HEADER_MAX, description="a short headline")
    description: str | None = Field(None, max_length=DESCRIPTION_MAX, description=(
        "what riders should know (one paragraph: no line breaks)"))


class ServiceAlertRequest(Input):
    area: str = Field(min_length=1, max_length=100, description=(
        "the service area's name (GET /api/v1/service-areas)"))
    effect: Effect = Field(description=(
        "closure: no rides in the area during the period (new ones are refused, the feed "
        "says NO_SERVICE); reduced: fewer vehicles or longer waits (REDUCED_SERVICE), rides "
        "are still booked"))
    start: dt.datetime | None = Field(None, strict=False, description=(
        "when it begins (ISO 8601; without an offset: the region's local time); default "
        "now"))
    end: dt.datetime | None = Field(None, strict=False, description=(
        "when it ends (after start, at most a year later); default: until a dispatcher "
        "ends it"))
    cause: Cause | None = Field(None, description="what caused it (default: unknown)")
    texts: list[AlertTextIn] = Field(min_length=1, max_length=MAX_LANGUAGES, description=(
        "the header (and description) in each language riders read, e.g. German and "
        "English"))


class AlertTextOut(Schema):
    language: str
    header: str
    description: str | None = None


class ServiceAlertResponse(Schema):
    id: str
    area: str
    effect: Effect
    cause: str | None
    start: dt.datetime
    end: dt.datetime | None
    texts: list[AlertTextOut]
    status: Literal["scheduled", "active", "over"] = Field(description=(
        "scheduled: its period is still to come; active; over: its period ended or a "
        "dispatcher ended it"))
    created_by: str = Field(description="the id of the key that entered it")
    created_at: dt.datetime
    ended_at: dt.datetime | None = Field(description="when a dispatcher ended it early")


class ServiceAlertList(Schema):
    alerts: list[ServiceAlertResponse]
