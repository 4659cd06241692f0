"""Each service area's day of plans, as this process last saw them in the store.

Readers (quotes, the planner's ride offers) take the newest published dispatcher of a day
without any lock: a published dispatcher is never changed again. Writers (bookings,
cancellations, drivers' events, re-planning) take the day's lock in the store, change a
:meth:`~dispatch.insertion.Dispatcher.clone`, write the changed plans, and publish the
clone only once the transaction has committed — so a failure anywhere leaves the published
plans as they were, and the store stays the truth. Another process's change shows as a newer
stored version, and the day is then rebuilt from the store.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from api.store import Store
from api.store.repository import Repository
from dispatch.insertion import Dispatcher

Key = tuple[str, dt.date]
#: builds a day's dispatcher from the store (area, date) inside the given transaction
Builder = Callable[[Repository, str, dt.date], Dispatcher]


@dataclass
class DayChange:
    """A change of one day's plans in progress: the transaction's repository, the working
    copy of the plans, the stored version it started from, and the vehicles whose plans
    changed (their stops are written when the change ends)."""

    repo: Repository
    dispatcher: Dispatcher
    version: int
    changed: set[str] = field(default_factory=set)
    #: vehicles whose driver reported where they are in this change, and when
    reported: dict[str, dt.datetime] = field(default_factory=dict)


class DayPlans:
    """The days of plans this process knows (at most ``max_days``, least recently used
    first out), each at the stored version it was built from or written as."""

    def __init__(self, store: Store, build: Builder, write: Callable[[DayChange, str,
                                                                       dt.date], None],
                 max_days: int = 64) -> None:
        self.store = store
        self.build = build
        self.write = write
        self.max_days = max_days
        self._days: OrderedDict[Key, tuple[Dispatcher, int]] = OrderedDict()
        self._seen: dict[Key, float] = {}  #: when a day's version was last confirmed
        self._lock = threading.Lock()  # guards the dicts only, never held while working

    def current(self, area: str, date: dt.date, max_age_s: float = 0.0
                ) -> tuple[Dispatcher, int]:
        """The day's plans as stored now, and their version: one read of the version, and a
        rebuild only when another process changed them. Never waits for a writer.

        ``max_age_s`` > 0 accepts this process's copy without asking the store if it was
        confirmed that recently (the planner's ride offers: a booking re-checks anyway);
        this process's own changes are always seen at once."""
        key = (area, date)
        if max_age_s > 0:
            with self._lock:
                fresh = time.monotonic() - self._seen.get(key, float("-inf")) <= max_age_s
                hit = self._days.get(key) if fresh else None
            if hit is not None:
                return hit
        with self.store.snapshot() as s:
            repo = Repository(s)
            version = repo.version(area, date)
            known = self._get(key)
            if known is not None and known[1] == version:
                self._confirm(key)
                return known
            d = self.build(repo, area, date)  # the same snapshot as the version read
        self._publish(key, d, version)
        return d, version

    @contextmanager
    def change(self, area: str, date: dt.date) -> Iterator[DayChange]:
        """Change a day's plans under its lock, in one transaction (see the module)."""
        key = (area, date)
        with self.store.thread_lock(area, date):
            with self.store.session() as s:
                version = self.store.lock_day(s, area, date)
                base = self._base(key, s, version)
                ch = DayChange(Repository(s), base.clone(), version)
                yield ch
                if ch.changed:
                    self.write(ch, area, date)
                    ch.version = ch.repo.bump_version(area, date)
            # committed
            if ch.changed:
                self._publish(key, ch.dispatcher, ch.version)

    def _base(self, key: Key, s: Session, version: int) -> Dispatcher:
        known = self._get(key)
        if known is not None and known[1] == version:
            return known[0]
        d = self.build(Repository(s), *key)
        self._publish(key, d, version)
        return d

    def _get(self, key: Key) -> tuple[Dispatcher, int] | None:
        with self._lock:
            hit = self._days.get(key)
            if hit is not None:
                self._days.move_to_end(key)
            return hit

    def _confirm(self, key: Key) -> None:
        with self._lock:
            if key in self._days:
                self._seen[key] = time.monotonic()

    def _publish(self, key: Key, d: Dispatcher, version: int) -> None:
        with self._lock:
            known = self._days.get(key)
            if known is None or known[1] <= version:  # never go back to older plans
                self._days[key] = (d, version)
                self._days.move_to_end(key)
                self._seen[key] = time.monotonic()
            while len(self._days) > self.max_days:
                old, _ = self._days.popitem(last=False)
                self._seen.pop(old, None)
