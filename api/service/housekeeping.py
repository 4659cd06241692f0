"""Housekeeping: the store keeps what the service and its reports need, and no more.

Each kind of data has one step (a function in :data:`STEPS`) that deletes — or, with
``dry_run``, counts — what is older than the service's settings keep:

- ``quotes``: expired quotes never booked, ``keep_quotes_days`` after they expired (a booked
  quote is the booking's promise and stays with it);
- ``idempotency_keys``: bookings' ``Idempotency-Key`` values, ``keep_idempotency_days``
  after the booking (a retry comes within minutes; the booking itself stays);
- ``positions``: drivers' position reports, ``keep_positions_days`` after they arrived (a
  vehicle's track is its driver's personal data; the day's plans keep where it was last);
- ``events``: drivers' other reports (arrived, picked up, dropped off, no-show),
  ``keep_events_days`` after they arrived — what reports need of them is kept with the
  booking (its status history with times, the pickup time);
- ``rate_counts``: rate-limit windows that have ended;
- ``sign_in_codes``: sign-in codes that have expired;
- ``notifications``: messages to riders, ``keep_notifications_days`` after they were queued
  (whatever became of them: a message that old is history).

Large deletions go in batches, each its own short transaction, so that bookings never wait
long for the store. Every step is idempotent, so several processes may purge; a server's
:class:`Housekeeper` makes one process per interval do it.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from api.config import ApiConfig
from api.service.background import Loop
from api.store import Store
from api.store.models import (
    Booking,
    Notification,
    Quote,
    RateCount,
    SignInCode,
    VehicleEvent,
)
from api.store.repository import writing

log = logging.getLogger("mobility.housekeeping")

#: rows deleted (or changed) per transaction
BATCH = 2000

#: a step: (store, now, settings, dry_run) -> rows it purged (or would purge)
Step = Callable[[Store, dt.datetime, ApiConfig, bool], int]


def _ago(now: dt.datetime, days: float) -> dt.datetime:
    return now - dt.timedelta(days=days)


def _in_batches(store: Store, pk: InstrumentedAttribute[Any], where: ColumnElement[bool],
                dry_run: bool, change: Callable[[list[Any]], Any] | None = None) -> int:
    """Delete the rows of ``pk``'s table matching ``where`` (or apply ``change`` to their
    keys), ``BATCH`` per transaction; with ``dry_run`` only count them."""
    if dry_run:
        with store.snapshot() as s:
            return int(s.execute(select(func.count()).select_from(pk.class_).where(where)
                                 ).scalar_one())
    done = 0
    while True:
        with store.session() as s:
            keys = list(s.execute(select(pk).where(where).limit(BATCH)).scalars())
            if keys:
                s.execute(change(keys) if change is not None
                          else delete(pk.class_).where(pk.in_(keys)))
        done += len(keys)
        if len(keys) < BATCH:
            return done


def expired_quotes(store: Store, now: dt.datetime, config: ApiConfig, dry_run: bool) -> int:
    """Quotes that expired ``keep_quotes_days`` ago and were never booked."""
    booked = exists().where(Booking.quote_id == Quote.id)
    return _in_batches(store, Quote.id, (Quote.expires_at < _ago(now, config.keep_quotes_days))
                       & ~booked, dry_run)


def idempotency_keys(store: Store, now: dt.datetime, config: ApiConfig, dry_run: bool) -> int:
    """Bookings' idempotency keys older than ``keep_idempotency_days`` (set to null)."""
    where = (Booking.idempotency_key.is_not(None)
             & (Booking.created_at < _ago(now, config.keep_idempotency_days)))
    return _in_batches(store, Booking.id, where, dry_run, lambda ids: update(Booking).where(
        Booking.id.in_(ids)).values(idempotency_key=None))


def positions(store: Store, now: dt.datetime, config: ApiConfig, dry_run: bool) -> int:
    """Drivers' position reports older than ``keep_positions_days``."""
    return _in_batches(store, VehicleEvent.id, (VehicleEvent.type == "position") & (
        VehicleEvent.received_at < _ago(now, config.keep_positions_days)), dry_run)


def events(store: Store, now: dt.datetime, config: ApiConfig, dry_run: bool) -> int:
    """Drivers' other reports older than ``keep_events_days``."""
    return _in_batches(store, VehicleEvent.id, (VehicleEvent.type != "position") & (
        VehicleEvent.received_at < _ago(now, config.keep_events_days)), dry_run)


def rate_windows(store: Store, now: dt.datetime, config: ApiConfig, dry_run: bool) -> int:
    """Rate-limit windows that have ended."""
    where = RateCount.window_end < math.floor(now.timestamp())
    if dry_run:
        with store.snapshot() as s:
            return int(s.execute(select(func.count()).select_from(RateCount).where(where)
                                 ).scalar_one())
    with store.session() as s:  # few rows: one per caller and window
        return int(s.execute(delete(RateCount).where(where)).rowcount or 0)  # type: ignore[attr-defined]


def sign_in_codes(store: Store, now: dt.datetime, config: ApiConfig, dry_run: bool) -> int:
    """Sign-in codes that have expired (used and replaced ones are deleted at once)."""
    return _in_batches(store, SignInCode.id, SignInCode.expires_at <= now, dry_run)


def notifications(store: Store, now: dt.datetime, config: ApiConfig, dry_run: bool) -> int:
    """Messages to riders queued more than ``keep_notifications_days`` ago."""
    return _in_batches(store, Notification.id, Notification.created_at < _ago(
        now, config.keep_notifications_days), dry_run)


#: every step, in order (other kinds of data add theirs here)
STEPS: dict[str, Step] = {"quotes": expired_quotes, "idempotency_keys": idempotency_keys,
                          "positions": positions, "events": events,
                          "rate_counts": rate_windows, "sign_in_codes": sign_in_codes,
                          "notifications": notifications}


def purge(store: Store, now: dt.datetime, config: ApiConfig, *, dry_run: bool = False,
          steps: dict[str, Step] | None = None) -> dict[str, int]:
    """Run every step (or the given ones) as of ``now``: rows purged (or, with ``dry_run``,
    that would be) per kind of data."""
    return {name: step(store, now, config, dry_run)
            for name, step in (steps if steps is not None else STEPS).items()}


class Housekeeper(Loop):
    """Purges the store every ``config.purge_interval_s`` seconds of the service's clock,
    from a daemon thread of a server process. Each interval is a fixed window of the
    clock; the first process to claim it in the store (``rate_counts``, scope ``purge``)
    purges, the others skip it."""

    def __init__(self, store: Store, config: ApiConfig, now: Callable[[], dt.datetime],
                 check_s: float = 60.0) -> None:
        self.store, self.config, self.now = store, config, now
        self.check_s = min(check_s, max(1.0, config.purge_interval_s / 4))
        super().__init__("housekeeping", self.check_s, config.purge_interval_s > 0, log)

    failure = "housekeeping failed; trying again later"

    def step(self) -> object:
        return self.tick()

    def tick(self) -> dict[str, int] | None:
        """Purge if this interval has not been claimed yet: the counts, else ``None``."""
        every = self.config.purge_interval_s
        if every <= 0:
            return None
        now = self.now()
        end = (math.floor(now.timestamp() / every) + 1) * every
        with writing(self.store) as repo:
            if repo.add_count("purge", "store", end, 1) != 1:
                return None
        counts = purge(self.store, now, self.config)
        if any(counts.values()):
            log.info("purged %s", ", ".join(f"{n} {k}" for k, n in counts.items() if n))
        return counts
