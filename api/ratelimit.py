"""Rate limits shared by every API process: requests per caller (an API key, or a client
address) in fixed windows, counted in the store (table ``rate_counts``), so that several
processes over one database enforce one count.

Two ways to count, per limit:

- **batched** (quotes, bookings and journey plans): a process counts in memory and a
  background thread adds its counts to the store once a second, reading back the shared
  total. While a caller's total as this process knows it stays within a quarter of the
  limit (:data:`SLACK`), a request costs no store access at all; beyond, every request is
  counted in the store. A person asking for rides and journeys stays far below a quarter of
  the limit; a script reaches it within seconds. The price: each process may admit up to a
  quarter of the limit that the others do not see yet (within the second before its next
  flush), so a caller spreading requests over ``P`` processes passes at most
  ``limit × (1 + P/4)`` in a window — in practice one or two more than the limit — instead
  of ``P × limit`` with counts per process. One process alone counts exactly. (Counting
  every request in the store cost quotes a third of their throughput on SQLite, whose one
  write lock every booking holds while it plans.)
- **exact** (sign-ups: rare, and writing an account anyway): every request adds one to its
  window's row in the store, in one statement that returns the new count.

Counts only grow within a window, so a process that has seen a caller's window full refuses
that caller without asking the store again until the window ends.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from api.store import Store
from api.store.faults import log_background_fault
from api.store.repository import Repository

log = logging.getLogger("mobility.api")

#: batched limits count in memory while a caller's known total stays within this share of
#: the limit
SLACK = 0.25


@dataclass(frozen=True)
class Limit:
    """At most ``n`` requests per ``window_s`` seconds per caller (``n`` = 0: no limit).

    ``scope`` names the limit in the store (at most 16 characters); ``batched`` counts in
    memory between flushes (see the module)."""

    scope: str
    n: int
    window_s: int = 60
    batched: bool = False


@dataclass
class _Slot:
    known: int = 0  #: the caller's count in the store when this process last wrote or read it
    pending: int = 0  #: counted here, not yet added to the store
    inflight: int = 0  #: being added to the store right now

    def seen(self) -> int:
        """Requests this process knows of."""
        return self.known + self.inflight + self.pending


@dataclass(frozen=True)
class Pending:
    """A request the store must count before it is answered."""

    limit: Limit
    slot_key: tuple[str, str, int]
    slot: _Slot
    add: int
    wait: int


class RateLimiter:
    """Counts requests per limit, caller and window (see the module).

    Parameters
    ----------
    store
        Where the counts are shared.
    now
        The clock (the booking service's: tests move it).
    flush_s
        How often the background thread adds batched counts to the store.
    max_slots
        Callers remembered at once; beyond that the oldest are forgotten (a batched
        count not yet flushed is then lost: the limit errs on the generous side).
    """

    def __init__(self, store: Store, now: Callable[[], dt.datetime], flush_s: float = 1.0,
                 max_slots: int = 100_000) -> None:
        self.store, self.now, self.flush_s, self.max_slots = store, now, flush_s, max_slots
        self._slots: dict[tuple[str, str, int], _Slot] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def retry_after(self, limit: Limit, key: str) -> int | None:
        """Count a request of caller ``key``: ``None`` if it is allowed, else the seconds
        until the caller's window ends (at least 1). May write to the store (blocks)."""
        d = self.decide(limit, key)
        return self.count(d) if isinstance(d, Pending) else d

    def decide(self, limit: Limit, key: str) -> int | None | Pending:
        """What this process decides alone, without waiting (safe on the event loop): allow
        (``None``), refuse (seconds to wait), or :class:`Pending` — the store must count it
        (:meth:`count`)."""
        if limit.n <= 0:
            return None
        t = self.now().timestamp()
        end = (math.floor(t / limit.window_s) + 1) * limit.window_s
        wait = max(1, math.ceil(end - t))
        slot_key = (limit.scope, key[:64], end)
        with self._lock:
            slot = self._slots.get(slot_key)
            if slot is None:
                slot = self._slots[slot_key] = _Slot()
                if len(self._slots) > self.max_slots:
                    del self._slots[next(iter(self._slots))]
            if slot.known >= limit.n:
                return wait
            if limit.batched and slot.seen() + 1 <= SLACK * limit.n:
                slot.pending += 1
                return None
            add, slot.pending = slot.pending + 1, 0
            slot.inflight += add
        return Pending(limit, slot_key, slot, add, wait)

    def count(self, p: Pending) -> int | None:
        """Add a pending request (and this process's batched ones) to the store: ``None``
        if the new count is within the limit, else the seconds to wait."""
        try:
            with self.store.counting() as session:
                count = Repository(session).add_count(*p.slot_key, p.add)
        except Exception:
            with self._lock:
                p.slot.inflight -= p.add
                p.slot.pending += p.add - 1  # this request failed; earlier ones still count
            raise
        with self._lock:
            p.slot.inflight -= p.add
            p.slot.known = max(p.slot.known, count)
        return None if count <= p.limit.n else p.wait

    def flush(self) -> None:
        """Add the batched counts to the store (one transaction) and read back the shared
        totals; forget windows that have ended."""
        now = self.now().timestamp()
        with self._lock:
            for k in [k for k, s in self._slots.items()
                      if k[2] <= now and not s.pending and not s.inflight]:
                del self._slots[k]
            todo = {k: s for k, s in self._slots.items() if s.pending}
            taken = {k: s.pending for k, s in todo.items()}
            for s in todo.values():
                s.inflight, s.pending = s.inflight + s.pending, 0
        if not todo:
            return
        try:
            with self.store.counting() as session:
                repo = Repository(session)
                counts = {k: repo.add_count(*k, n) for k, n in taken.items()}
        except Exception:
            with self._lock:  # counted again at the next flush
                for k, s in todo.items():
                    s.inflight -= taken[k]
                    s.pending += taken[k]
            raise
        with self._lock:
            for k, s in todo.items():
                s.inflight -= taken[k]
                s.known = max(s.known, counts[k])

    # -- the background thread ----------------------------------------------------------
    def start(self) -> None:
        """Flush batched counts every ``flush_s`` seconds in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rate-limit-flush",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and flush what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        try:
            self.flush()
        except Exception as exc:
            log_background_fault(log, "rate limits: the last counts could not be stored", exc)

    def _run(self) -> None:
        failing = False
        while not self._stop.wait(self.flush_s):
            try:
                self.flush()
                failing = False
            except Exception as exc:  # the store is away: the counts wait for the next flush
                if not failing:  # once per outage, not every second
                    log_background_fault(log, "rate limits: counts could not be stored; "
                                         "retrying", exc)
                failing = True
