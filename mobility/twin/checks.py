"""The twin's checks at the end of the day, on what the server and the twin's own mail and SMS
receivers recorded — plain data in, figures out (no HTTP here, so that each check can be
tried on a hand-made day):

- a promise kept, or the rider told: every pickup inside its promised window (up to the
  server's lateness tolerance), else a ``late`` message written for that booking before the
  promise broke → ``broken_promises_unreported``;
- each notification once: an occasion told at most once per channel in the outbox, and each
  message received at most once by mail and SMS → ``duplicate_notifications``;
- each driver's event applied once: no eventId applied twice, no status twice in a booking's
  history → ``events_applied_twice``;
- a position report reaching the rider's estimate → ``eta_update_p95_s``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: kinds that may be told several times of one booking (each a new occasion)
REPEATABLE = ("late", "changed", "connection_missed")
#: statuses a booking reaches once at most
ONCE = ("confirmed", "on_board", "completed", "cancelled", "no_show")


@dataclass(frozen=True)
class Ride:
    """A booking at the end of the day: its status, the promised pickup window, when the
    twin's driver picked the rider up (the ``picked_up`` event's own time; None: not
    picked up) and its status history."""

    id: str
    status: str
    window_start: dt.datetime
    window_end: dt.datetime
    picked_up_at: dt.datetime | None = None
    history: tuple[tuple[str, dt.datetime], ...] = ()


@dataclass(frozen=True)
class Told:
    """A message the server wrote for a rider (a row of its outbox, or an in-app message):
    ``occasion`` is its de-duplication key when the server shows it."""

    id: str
    kind: str
    booking_id: str | None
    channel: str
    created_at: dt.datetime
    occasion: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Delivery:
    """A message the twin's mail server or SMS gateway received: ``ident`` tells one
    message from another (its Message-ID, else its text)."""

    channel: str
    to: str
    ident: str


@dataclass(frozen=True)
class Broken:
    """A pickup later than promised: by how much, and whether the rider was told in time."""

    booking_id: str
    late_s: float | None  #: None: never picked up
    told: bool


def broken_promises(rides: Iterable[Ride], told: Iterable[Told], *, tolerance_s: float,
                    day_over: dt.datetime) -> list[Broken]:
    """Pickups later than the window's end plus ``tolerance_s`` (the server's own lateness
    tolerance; 0: the window itself), and rides never picked up whose window ended before
    ``day_over``; each with whether a ``late`` message for that booking was written before
    the promise broke (the window's end plus the tolerance)."""
    late_told: dict[str, list[dt.datetime]] = {}
    for t in told:
        if t.kind == "late" and t.booking_id:
            late_told.setdefault(t.booking_id, []).append(t.created_at)
    out: list[Broken] = []
    for r in rides:
        due = r.window_end + dt.timedelta(seconds=tolerance_s)
        if r.picked_up_at is not None:
            if r.picked_up_at <= due:
                continue
            late: float | None = (r.picked_up_at - r.window_end).total_seconds()
        elif r.status == "confirmed" and due < day_over:
            late = None  # the vehicle never came
        else:
            continue  # cancelled, a no-show, or still to come
        out.append(Broken(r.id, late, any(at <= due for at in late_told.get(r.id, ()))))
    return out


def outbox_repeats(told: Iterable[Told]) -> dict[tuple[str, ...], int]:
    """Each occasion and channel told more than once, with how often. Without the server's
    occasion key, a kind told of a booking once (confirmed, reminder …) stands for it;
    repeatable kinds then cannot be told apart and are not counted."""
    seen: Counter[tuple[str, ...]] = Counter()
    for t in told:
        if t.occasion:
            seen[(t.occasion, t.channel)] += 1
        elif t.kind not in REPEATABLE and t.booking_id:
            seen[(t.kind, t.booking_id, t.channel)] += 1
    return {k: n for k, n in seen.items() if n > 1}


def duplicate_outbox(told: Iterable[Told]) -> int:
    """Messages beyond the first of one occasion and channel (see :func:`outbox_repeats`)."""
    return sum(n - 1 for n in outbox_repeats(told).values())


def delivery_repeats(received: Iterable[Delivery]) -> dict[tuple[str, ...], int]:
    """Each message received more than once (same channel, recipient and message)."""
    seen = Counter((d.channel, d.to, d.ident) for d in received)
    return {k: n for k, n in seen.items() if n > 1}


def duplicate_deliveries(received: Iterable[Delivery]) -> int:
    """Messages received more than once (same channel, recipient and message)."""
    return sum(n - 1 for n in delivery_repeats(received).values())


def history_repeats(rides: Iterable[Ride]) -> list[str]:
    """Bookings whose history holds a status twice (an event applied twice)."""
    out = []
    for r in rides:
        n = Counter(s for s, _ in r.history)
        if any(n[s] > 1 for s in ONCE):
            out.append(r.id)
    return out


def applied_twice(applied: Iterable[tuple[str, bool]]) -> int:
    """eventIds the server said it applied more than once (``(eventId, applied)`` per
    answer received)."""
    n = Counter(eid for eid, ok in applied if ok)
    return sum(1 for c in n.values() if c > 1)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile by nearest rank (None for no values)."""
    if not values:
        return None
    s = sorted(values)
    return float(s[max(0, math.ceil(q / 100 * len(s)) - 1)])
