"""Opaque trip ids for booked rides: an HMAC of the booking id under a secret made once and
kept in the store (:class:`api.store.models.FeedSecret`), so every process and restart
gives a ride the same id, and nobody can tell a booking (or its rider) from it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from api.store import Store
from api.store.models import FeedSecret

#: the secret's name in the store
NAME = "gtfs-rt-trips"
#: a realtime trip id: this prefix (it never clashes with the static feed's ids, which
#: start with ``od-``) and 128 bits of the HMAC in hex
PREFIX = "odr-"


class TripIds:
    """Trip ids of rides over one store (the secret is read, or made, at the first use)."""

    def __init__(self, store: Store, now: Callable[[], dt.datetime]) -> None:
        self.store = store
        self.now = now  # the service's clock: when the secret was made
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def key(self) -> bytes:
        with self._lock:
            if self._key is None:
                self._key = _secret(self.store, self.now)
            return self._key

    def trip_id(self, booking_id: str) -> str:
        mac = hmac.new(self.key(), booking_id.encode(), hashlib.sha256).hexdigest()
        return PREFIX + mac[:32]


def _secret(store: Store, now: Callable[[], dt.datetime]) -> bytes:
    """The stored secret; made now if there is none (two processes making it at once: the
    second reads the first's)."""
    with store.snapshot() as s:
        row = s.get(FeedSecret, NAME)
        if row is not None:
            return bytes.fromhex(row.value)
    try:
        with store.session() as s:
            s.add(FeedSecret(name=NAME, value=secrets.token_hex(32), created_at=now()))
    except IntegrityError:
        pass
    with store.snapshot() as s:
        row = s.get(FeedSecret, NAME)
        assert row is not None
        return bytes.fromhex(row.value)
