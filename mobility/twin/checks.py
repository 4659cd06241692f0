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
- a position report reaching the rider's estimate → ``eta_update_p95_s``;
- no booking lost: each ride the twin got a confirmation for is in the store, and by the end
  of the day served (picked up or a no-show), cancelled or still to come → ``lost``;
- no ride booked twice: no rider holds two live bookings of one trip at one time (a retry
  answered on another process as a new booking) → ``doubled``;
- no seat sold twice: each vehicle's load over its driven day — from its bookings' own
  events, boarding to drop-off — never above its seats or wheelchair places →
  ``overbooked``;
- quotes answered fast enough all day: the latency the riders measured, per hour
  (:func:`hourly`);
- bounded memory: each API process's resident memory at the end against an hour after the
  start (:func:`rss_growth_pct`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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


# -- the store at district size: lost, doubled, overbooked --------------------------------------
#: statuses of a ride that was served (the vehicle came)
SERVED = ("on_board", "completed", "no_show")


@dataclass(frozen=True)
class Stored:
    """A booking as the store holds it at the end of the day: its rider, status, vehicle,
    load (seats; a wheelchair place besides), trip (origin and destination, ``[lat, lon]``
    each), promised pickup window and status history."""

    id: str
    rider_id: str | None
    status: str
    window_start: dt.datetime
    window_end: dt.datetime
    vehicle_id: str | None = None
    passengers: int = 1
    wheelchair: bool = False
    trip: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    history: tuple[tuple[str, dt.datetime], ...] = ()
    #: the pickup its vehicle's plan still has (None: on no vehicle's plan, or over)
    estimated_pickup: dt.datetime | None = None


def lost(confirmed: Iterable[str], stored: Iterable[Stored], *, day_over: dt.datetime
         ) -> list[str]:
    """Rides the twin got a confirmation for that the store does not hold, or holds neither
    served, nor cancelled, nor still to come (confirmed, its window over by ``day_over``,
    and on no vehicle's plan): the rider was promised a ride that nobody came for and
    nobody called off. A ride its vehicle is still driving to is late, not lost
    (:func:`late_at_end`)."""
    held = {b.id: b for b in stored}
    out = []
    for bid in confirmed:
        b = held.get(bid)
        if b is None or (b.status not in (*SERVED, "cancelled")
                         and not (b.status == "confirmed"
                                  and (b.window_end >= day_over
                                       or b.estimated_pickup is not None))):
            out.append(bid)
    return out


def late_at_end(stored: Iterable[Stored], *, day_over: dt.datetime) -> list[str]:
    """Rides still confirmed when the drivers' day ended (``day_over``) with their window
    over, their vehicle's plan still holding the pickup: a vehicle running late was on its
    way (a broken promise, told or not, but not a lost ride)."""
    return [b.id for b in stored if b.status == "confirmed" and b.window_end < day_over
            and b.estimated_pickup is not None]


def doubled(stored: Iterable[Stored]) -> list[list[str]]:
    """Live (not cancelled) bookings of one rider for one trip whose pickup windows
    overlap, as groups: each group beyond its first booking is a ride booked twice."""
    by: dict[tuple[object, ...], list[Stored]] = {}
    for b in stored:
        if b.status != "cancelled" and b.rider_id:
            by.setdefault((b.rider_id, *(round(x, 5) for x in b.trip)), []).append(b)
    out = []
    for group in by.values():
        group.sort(key=lambda b: (b.window_start, b.id))
        run = [group[0]]
        for b in group[1:]:
            if b.window_start <= max(x.window_end for x in run):
                run.append(b)
            else:
                if len(run) > 1:
                    out.append([x.id for x in run])
                run = [b]
        if len(run) > 1:
            out.append([x.id for x in run])
    return out


@dataclass(frozen=True)
class Overload:
    """A moment a vehicle carried more than it holds: its seats or wheelchair places
    taken, and what it has."""

    vehicle_id: str
    at: dt.datetime
    seats: int
    wheelchairs: int
    capacity: tuple[int, int]


def overbooked(stored: Iterable[Stored], capacity: Mapping[str, tuple[int, int]]
               ) -> list[Overload]:
    """Each vehicle's load over its driven day from its bookings' events — a rider on board
    from ``on_board`` to ``completed`` (to the end of the day when never dropped off) —
    and the first moment of each run over its ``capacity`` (seats, wheelchair places).
    At one moment drop-offs come before pickups. A vehicle of unknown capacity counts
    as holding nobody."""
    moves: dict[str, list[tuple[dt.datetime, int, int, int]]] = {}
    for b in stored:
        if b.vehicle_id is None:
            continue
        on = next((at for s, at in b.history if s == "on_board"), None)
        if on is None:
            continue
        off = next((at for s, at in b.history if s == "completed"), None)
        w = int(b.wheelchair)
        moves.setdefault(b.vehicle_id, []).append((on, 1, b.passengers, w))
        if off is not None:
            moves[b.vehicle_id].append((off, 0, -b.passengers, -w))
    out = []
    for vid, m in moves.items():
        cap = capacity.get(vid, (0, 0))
        seats = wheel = 0
        over = False
        for at, _, ds, dw in sorted(m, key=lambda x: (x[0], x[1])):
            seats, wheel = seats + ds, wheel + dw
            now_over = seats > cap[0] or wheel > cap[1]
            if now_over and not over:
                out.append(Overload(vid, at, seats, wheel, cap))
            over = now_over
    return out


def hourly(samples: Iterable[tuple[dt.datetime, float]]) -> dict[str, dict[str, float]]:
    """Latencies (wall seconds) by the hour of day they were measured in (``HH:00``):
    each hour's count and p50 and p95 in milliseconds."""
    by: dict[str, list[float]] = {}
    for at, wall in samples:
        by.setdefault(f"{at.hour:02d}:00", []).append(wall * 1000.0)
    return {h: {"n": len(v), "p50_ms": round(percentile(v, 50) or 0.0, 1),
                "p95_ms": round(percentile(v, 95) or 0.0, 1)} for h, v in sorted(by.items())}


def rss_growth_pct(first: Mapping[int, int], last: Mapping[int, int]) -> float | None:
    """The largest growth of a process's resident memory from ``first`` to ``last``
    (bytes by process id), in per cent of ``first``; None without a process seen in
    both."""
    grown = [(last[p] - first[p]) / first[p] * 100.0 for p in first
             if p in last and first[p] > 0]
    return round(max(grown), 1) if grown else None
