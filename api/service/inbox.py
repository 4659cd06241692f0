"""What riders read and choose of their notifications: their in-app messages (rendered in
their language when read), how they want to be told (e-mail address, language, channels),
and the outbox's delivery state for staff (ids, kinds, channels and statuses only)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update

from api.service.errors import InvalidRequestError, NotFoundError
from api.service.outbox import CHANNELS, channels_of
from api.service.templates import render
from api.store import Store
from api.store.models import ANONYMOUS_RIDER, Notification, Rider
from api.store.repository import Repository, reading, writing

#: the statuses of a message in the outbox
STATUSES = ("pending", "sending", "sent", "failed", "dropped")
LANGUAGES = ("de", "en")
#: an e-mail address as people write one: no display name, spaces, brackets or commas, a
#: domain with a dot (any script: international addresses are addresses)
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"\\]{1,64}@(?:[^\s@<>()\[\],;:\"\\.]+\.)+"
                    r"[^\s@<>()\[\],;:\"\\.]{2,}")


@dataclass(frozen=True)
class Message:
    """An in-app message as the rider reads it."""

    id: str
    kind: str
    subject: str
    text: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    booking_id: str | None


@dataclass(frozen=True)
class Preferences:
    """How a rider is told: e-mail address, language (None: the region's), channels, and
    whether they have a phone number (text messages need one)."""

    email: str | None
    language: str | None
    channels: tuple[str, ...]
    has_phone: bool


@dataclass(frozen=True)
class OutboxEntry:
    """A message's delivery state, without anything personal."""

    id: str
    rider_id: str
    booking_id: str | None
    kind: str
    channel: str
    status: str
    attempts: int
    created_at: dt.datetime
    next_try_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None


def _rider(repo: Repository, rider_id: str) -> Rider:
    r = repo.rider(rider_id) if rider_id != ANONYMOUS_RIDER else None
    if r is None:
        raise NotFoundError(f"no rider with id {rider_id!r} (or it is not yours)",
                            field="riderId", title="rider not found")
    return r


def _message(n: Notification, language: str | None) -> Message:
    subject, text = render(n.kind, language or n.language, json.loads(n.params or "{}"))
    return Message(n.id, n.kind, subject, text, n.created_at, n.read_at, n.booking_id)


def messages(store: Store, rider_id: str, limit: int = 50) -> tuple[list[Message], int]:
    """A rider's in-app messages, newest first, and how many are unread.

    Raises
    ------
    NotFoundError
        No such rider.
    """
    with reading(store) as repo:
        rider = _rider(repo, rider_id)
        mine = (Notification.rider_id == rider_id) & (Notification.channel == "app")
        rows = repo.s.scalars(select(Notification).where(mine).order_by(
            Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
        unread = repo.s.execute(select(func.count()).select_from(Notification).where(
            mine, Notification.read_at.is_(None))).scalar_one()
        return [_message(n, rider.language) for n in rows], int(unread)


def mark_read(store: Store, now: dt.datetime, rider_id: str, notification_id: str
              ) -> Message:
    """Mark a rider's in-app message read (the first reading's time stays).

    Raises
    ------
    NotFoundError
        No such message of this rider's in the app.
    """
    with writing(store) as repo:
        repo.s.execute(update(Notification).where(
            Notification.id == notification_id, Notification.rider_id == rider_id,
            Notification.channel == "app", Notification.read_at.is_(None))
            .values(read_at=now).execution_options(synchronize_session=False))
        n = repo.s.get(Notification, notification_id, populate_existing=True)
        if n is None or n.rider_id != rider_id or n.channel != "app":
            raise NotFoundError(f"no notification with id {notification_id!r} (or it is not "
                                "yours)", field="id", title="notification not found")
        rider = _rider(repo, rider_id)
        return _message(n, rider.language)


def _preferences(r: Rider) -> Preferences:
    return Preferences(r.email, r.language, channels_of(r.channels), bool(r.phone))


def preferences(store: Store, rider_id: str) -> Preferences:
    """How a rider is told.

    Raises
    ------
    NotFoundError
        No such rider.
    """
    with reading(store) as repo:
        return _preferences(_rider(repo, rider_id))


def checked_email(email: str | None) -> str | None:
    """An e-mail address as stored (blank: none).

    Raises
    ------
    InvalidRequestError
        Not an address mail can go to.
    """
    if email is None or not email.strip():
        return None
    email = email.strip()
    if len(email) > 254 or _EMAIL.fullmatch(email) is None:
        raise InvalidRequestError("email: this is not an e-mail address (write it as "
                                  "name@example.org, without a name or spaces)",
                                  field="email", code="invalid-email",
                                  title="Invalid e-mail address")
    return email


def set_preferences(store: Store, rider_id: str, email: str | None, language: str | None,
                    chosen: Sequence[str]) -> Preferences:
    """Set how a rider is told (in-app messages always).

    Raises
    ------
    NotFoundError
        No such rider.
    InvalidRequestError
        An address that is none, an unknown channel or language, e-mail chosen without an
        address, SMS without a phone number.
    """
    address = checked_email(email)
    if language is not None and language not in LANGUAGES:
        raise InvalidRequestError(f"language: {language!r} is not one of de, en (or null: "
                                  "the region's)", field="language", code="validation")
    unknown = sorted(set(chosen) - set(CHANNELS))
    if unknown:
        raise InvalidRequestError(f"channels: {unknown[0]!r} is not a channel (choose from "
                                  f"{', '.join(CHANNELS)})", field="channels",
                                  code="validation")
    with writing(store) as repo:
        r = _rider(repo, rider_id)
        if "email" in chosen and address is None:
            raise InvalidRequestError("to be told by e-mail, give an e-mail address",
                                      field="email", code="channel-needs-address",
                                      title="E-mail needs an address")
        if "sms" in chosen and not r.phone:
            raise InvalidRequestError("to be told by text message, the account needs a phone "
                                      "number: ask the dispatcher to add one",
                                      field="channels", code="channel-needs-phone",
                                      title="Text messages need a phone number")
        r.email, r.language = address, language
        r.channels = ",".join(channels_of(",".join(chosen)))
        return _preferences(r)


def outbox(store: Store, status: str | None, limit: int = 100
           ) -> tuple[dict[str, int], list[OutboxEntry]]:
    """The outbox's counts by status, and its newest messages (of one status).

    Raises
    ------
    InvalidRequestError
        An unknown status.
    """
    if status is not None and status not in STATUSES:
        raise InvalidRequestError(f"status: {status!r} is not one of {', '.join(STATUSES)}",
                                  field="status", code="validation")
    with reading(store) as repo:
        counts = dict.fromkeys(STATUSES, 0)
        for st, n in repo.s.execute(select(Notification.status, func.count())
                                    .group_by(Notification.status)).all():
            counts[st] = int(n)
        stmt = select(Notification).order_by(Notification.created_at.desc(),
                                             Notification.id).limit(limit)
        if status is not None:
            stmt = stmt.where(Notification.status == status)
        rows = [OutboxEntry(n.id, n.rider_id, n.booking_id, n.kind, n.channel, n.status,
                            n.attempts, n.created_at, n.next_try_at, n.sent_at, n.last_error)
                for n in repo.s.scalars(stmt)]
    return counts, rows
