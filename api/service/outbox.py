"""The outbox: messages to riders are written to the store in the same transaction as what
they tell of (a booking confirmed, a delay noticed …) and sent later, outside any request,
by the outbox's worker. An occasion is told once per channel however often it is noticed:
each message's ``dedupe`` key (kind, occasion, channel) is unique in the store."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from api.store import Store
from api.store.models import ANONYMOUS_RIDER, Notification
from api.store.repository import Repository, reading

#: every channel; a rider's choice is a subset (``app`` always included)
CHANNELS = ("app", "email", "sms")
#: the occasions a rider is told of
KINDS = ("confirmed", "reminder", "on_the_way", "late", "changed", "cancelled", "no_show",
         "standing_booked", "standing_not_served", "connection_missed")


def channels_of(text: str | None) -> tuple[str, ...]:
    """A rider's stored channel choice as a tuple in :data:`CHANNELS` order, ``app`` first."""
    chosen = {c.strip() for c in (text or "").split(",") if c.strip()}
    return tuple(c for c in CHANNELS if c == "app" or c in chosen)


def enqueue(repo: Repository, *, rider_id: str, kind: str, occasion: str, at: dt.datetime,
            params: Mapping[str, Any] | None = None, booking_id: str | None = None,
            order_id: str | None = None, default_language: str = "en") -> int:
    """Put a message to a rider in the outbox, one row per channel they chose, in the
    caller's transaction; returns the rows added (0 when the occasion was told already, or
    for an anonymous rider). ``occasion`` tells apart what may be told more than once of a
    booking (e.g. a later delay: ``"<booking>:<new estimate>"``); ``params`` fill the
    template and must hold no address or phone number."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if rider_id == ANONYMOUS_RIDER:
        return 0
    rider = repo.rider(rider_id)
    if rider is None:
        return 0
    added = 0
    body = json.dumps(dict(params or {}), sort_keys=True, default=str)
    for channel in channels_of(rider.channels):
        dedupe = f"{kind}:{occasion}:{channel}"[:160]
        if repo.s.execute(select(Notification.id).where(Notification.dedupe == dedupe)
                          ).first() is not None:
            continue
        row = Notification(id="n_" + secrets.token_hex(8), rider_id=rider_id,
                           booking_id=booking_id, standing_order_id=order_id, kind=kind,
                           channel=channel, dedupe=dedupe, params=body,
                           language=rider.language or default_language,
                           status="pending", attempts=0, next_try_at=at, created_at=at)
        try:
            with repo.s.begin_nested():  # another process told the same occasion meanwhile
                repo.s.add(row)
                repo.s.flush()
        except IntegrityError:
            continue
        added += 1
    return added


def backlog_query() -> Select[str, str, int, dt.datetime]:
    """The outbox's backlog as one grouped count (served by ``ix_notifications_backlog``:
    it reads the unsent messages, not every message sent)."""
    return (select(Notification.channel, Notification.status, func.count(),
                   func.min(Notification.next_try_at))
            .where(Notification.status.in_(("pending", "sending")))
            .group_by(Notification.channel, Notification.status))


def backlog(store: Store) -> list[tuple[str, str, int, dt.datetime | None]]:
    """The outbox's messages not yet sent: (channel, status, count, for ``pending`` the
    earliest ``next_try_at``) per channel and status (``pending``, ``sending``)."""
    with reading(store) as repo:
        rows = repo.s.execute(backlog_query()).all()
    return [(c, s, int(n), first if s == "pending" else None) for c, s, n, first in rows]
