"""Riders' notifications: in-app messages, how a rider wants to be told, and the outbox's
delivery state for staff."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from api.schemas.common import Input, Schema

#: what a message tells of (``api.service.outbox.KINDS``)
KIND = ("confirmed, reminder, on_the_way, late, changed, cancelled, no_show, standing_booked, "
        "standing_not_served or connection_missed")
Channel = Literal["app", "email", "sms"]
Status = Literal["pending", "sending", "sent", "failed", "dropped"]


class NotificationResponse(Schema):
    """An in-app message, in the rider's language."""

    id: str
    kind: str = Field(description=KIND)
    subject: str
    text: str
    created_at: dt.datetime
    read_at: dt.datetime | None = Field(description="when the rider first read it (null: "
                                        "unread)")
    booking_id: str | None


class NotificationList(Schema):
    notifications: list[NotificationResponse] = Field(description="newest first")
    unread: int = Field(description="messages not read yet (of all, not only those listed)")


class NotificationPreferences(Schema):
    """How a rider is told of their rides."""

    email: str | None = Field(description="the address e-mails go to")
    language: Literal["de", "en"] | None = Field(description="the messages' language (null: "
                                                 "the region's)")
    channels: list[Channel] = Field(description="in-app messages always; e-mail and SMS as "
                                    "chosen")
    has_phone: bool = Field(description="the account has a phone number (SMS needs one)")


class NotificationPreferencesRequest(Input):
    """Set how a rider is told: every field (a missing e-mail or language is none)."""

    email: str | None = Field(None, max_length=254, description="an e-mail address; null "
                              "or empty: none")
    language: str | None = Field(None, max_length=5, description="de or en; null: the "
                                 "region's language")
    channels: list[str] = Field(max_length=10, description="from app, email, sms (app is "
                                "always included); email needs an address, sms a phone "
                                "number")


class OutboxEntryResponse(Schema):
    """A message's delivery state: ids, kind, channel, status and times — nothing
    personal."""

    id: str
    rider_id: str
    booking_id: str | None
    kind: str = Field(description=KIND)
    channel: Channel
    status: Status
    attempts: int
    created_at: dt.datetime
    next_try_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None = Field(description="why the last attempt failed or the message "
                                   "was dropped (never an address or a text)")


class OutboxResponse(Schema):
    counts: dict[str, int] = Field(description="messages by status, all of them")
    notifications: list[OutboxEntryResponse] = Field(description="newest first")
