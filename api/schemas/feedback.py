"""Riders' ratings of their rides, and the audit log of staff actions."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from api.schemas.common import Input, Schema
from api.service.feedback import COMMENT_MAX, REASONS

Reason = Literal[REASONS]  # type: ignore[valid-type]


class RatingRequest(Input):
    stars: int = Field(ge=1, le=5, description="1 (poor) to 5 (very good)")
    reasons: list[Reason] = Field(default_factory=list, max_length=len(REASONS),
                                  description=(
        "what the rating is about (any of: " + ", ".join(REASONS) + "); repeats count once"))
    comment: str | None = Field(None, max_length=COMMENT_MAX, description=(
        f"a few words (one paragraph, at most {COMMENT_MAX} characters; empty: none)"))


class RatingResponse(Schema):
    booking_id: str
    rider_id: str
    stars: int
    reasons: list[str]
    comment: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime = Field(description="when it was last rated (a new rating "
                                                "replaces the one before)")
    area: str
    service_date: dt.date


class RatingList(Schema):
    ratings: list[RatingResponse]


class AuditEntryResponse(Schema):
    id: int
    at: dt.datetime
    key_id: str = Field(description="the API key that acted (its id, never the secret)")
    role: str
    action: str = Field(description="e.g. booking.cancel, service_alert.create")
    target_type: str
    target_id: str
    details: dict[str, Any] | None = Field(None, description=(
        "ids and what changed — never a rider's name, phone number or e-mail address"))


class AuditList(Schema):
    entries: list[AuditEntryResponse]
    next_before_id: int | None = Field(None, description=(
        "pass as beforeId for the next (older) page; null: this page is the last"))
