"""The standing orders' booker: each date of an active standing order is booked when its
ride enters the booking horizon, as the rider's own booking through the service's normal
paths (a quote, then the booking), and written down as an occurrence of the order.

One date, one occurrence, one booking — however many processes book at once and wherever
one of them stops:

1. The occurrence is written first, ``pending``, in a transaction of its own; the store's
   unique (order, date) lets one booker win it, the others leave the date alone.
2. The winner quotes and books with an ``Idempotency-Key`` derived from the order and the
   date (``standing:<order>:<date>``): if it stops after booking but before step 3, the
   booker that takes the date over after :data:`LEASE_S` finds that booking again instead
   of booking a second ride.
3. The occurrence becomes ``booked`` (and the booking is linked to its order) or
   ``not_served`` with the reason in plain words — only if it is still pending: a rider who
   cancelled the date (or the series) meanwhile wins, and the booking just made is
   cancelled again.

The rider is told of a date that cannot be served (``standing_not_served``, with the
refusal's message and code) and of a public holiday skipped (the same kind, code
``holiday``): in the transaction that records it, so once. A booked date is told by the
``confirmed`` message every booking gets — the booker adds no ``standing_booked`` of its
own, so nobody hears of one ride twice.

Fair use (:mod:`api.service.fair_use`): a rider's own order books as the rider, so its
rides count towards the rider's caps and must not overlap their other rides (a refusal is a
date not served, with the reason); an order a dispatcher made books as staff and is exempt,
as a dispatcher's bookings are.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.auth import Principal
from api.service import booking, outbox, quoting
from api.service.background import Loop
from api.service.context import Context
from api.service.errors import ServiceError
from api.store.faults import log_background_fault
from api.store.models import Booking, StandingOccurrence, StandingOrder
from api.store.repository import Repository, reading, writing

log = logging.getLogger("mobility.standing")

#: a booker holds a pending date this long (then another takes it over: a crash or a lost
#: connection leaves no date stuck); booking one date takes well under a second
LEASE_S = 600.0
#: the longest reason an occurrence keeps (the column's width)
REASON_MAX = 200
#: the occurrences' statuses (``scheduled``, in answers only, is a date still to be booked)
STATUSES = ("pending", "booked", "not_served", "skipped", "cancelled")

#: a region's public holidays: the holiday's name on a date, or None on a working day
Holiday = Callable[[dt.date], str | None]


class StandingContext(Context, Protocol):
    """The booking service as the standing orders see it: with the region's holidays."""

    @property
    def holiday(self) -> Holiday | None: ...


@dataclass
class Report:
    """What a run of the booker did: dates booked, not served, skipped as holidays, and
    bookings cancelled again because their date was cancelled meanwhile."""

    booked: int = 0
    not_served: int = 0
    skipped: int = 0
    undone: int = 0

    @property
    def total(self) -> int:
        return self.booked + self.not_served + self.skipped + self.undone


# -- an order's dates -------------------------------------------------------------------------
def weekdays(order: StandingOrder) -> tuple[int, ...]:
    """The order's ISO weekdays (1 = Monday … 7 = Sunday)."""
    return tuple(int(x) for x in order.weekdays.split(",") if x.strip())


def ride_time(order: StandingOrder) -> dt.time:
    """The order's time of day (``time_s``: wall-clock seconds after midnight)."""
    minutes = int(order.time_s) // 60
    return dt.time(minutes // 60, minutes % 60)


def clock_text(order: StandingOrder) -> str:
    return ride_time(order).strftime("%H:%M")


def moment(svc: Context, order: StandingOrder, date: dt.date) -> dt.datetime:
    """The ride's time on ``date`` (the wall clock of the region: 07:30 stays 07:30 across a
    change of daylight saving time)."""
    return dt.datetime.combine(date, ride_time(order), svc.timing.tz)


def dates(days: Iterable[int], first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """The dates from ``first`` to ``last`` (both included) on the given weekdays."""
    chosen = set(days)
    d = first
    while d <= last:
        if d.isoweekday() in chosen:
            yield d
        d += dt.timedelta(days=1)


def due(svc: Context, order: StandingOrder, now: dt.datetime, taken: set[dt.date]
        ) -> list[dt.date]:
    """The order's dates to book now: their ride lies ahead (and after the order was made:
    a ride earlier the day it was made is not part of it) and within the booking horizon,
    and they have no occurrence yet."""
    tz = svc.timing.tz
    horizon = now + dt.timedelta(days=svc.config.horizon_days)
    start = max(order.first_date, now.astimezone(tz).date())
    end = min(order.last_date, horizon.astimezone(tz).date())
    return [d for d in dates(weekdays(order), start, end) if d not in taken
            and max(now, order.created_at) < moment(svc, order, d) <= horizon]


def principal(order: StandingOrder) -> Principal:
    """Who the order's rides are booked as: the rider (a rider's own order) or staff."""
    return Principal(order.key_id, order.by_role, order.rider_id)


def idempotency_key(order_id: str, date: dt.date) -> str:
    return f"standing:{order_id}:{date.isoformat()}"


def holiday_of(svc: StandingContext, order: StandingOrder, date: dt.date) -> str | None:
    """The public holiday the order skips on ``date`` (None: a date to ride)."""
    if not order.skip_holidays or svc.holiday is None:
        return None
    return svc.holiday(date)


def holiday_reason(name: str) -> str:
    return f"{name} is a public holiday: no ride is booked"[:REASON_MAX]


# -- the store ----------------------------------------------------------------------------------
def insert_occurrence(repo: Repository, order_id: str, date: dt.date, status: str,
                      now: dt.datetime, reason: str | None = None, code: str | None = None
                      ) -> int | None:
    """Write the date's occurrence unless it has one: its id, or None when another was
    there first (one statement: concurrent writers meet at the unique (order, date))."""
    ins: Any = (sqlite_insert if repo.s.get_bind().dialect.name == "sqlite"
                else pg_insert)(StandingOccurrence)
    stmt = ins.values(order_id=order_id, service_date=date, status=status, reason=reason,
                      code=code, created_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_nothing(index_elements=[StandingOccurrence.order_id,
                                                       StandingOccurrence.service_date])
    found = repo.s.execute(stmt.returning(StandingOccurrence.id)).scalar_one_or_none()
    return None if found is None else int(found)


def tell_not_served(svc: Context, repo: Repository, order: StandingOrder, date: dt.date,
                    reason: str, code: str, now: dt.datetime) -> None:
    """Put ``standing_not_served`` in the outbox (in the caller's transaction)."""
    outbox.enqueue(repo, rider_id=order.rider_id, kind="standing_not_served",
                   occasion=f"{order.id}:{date.isoformat()}", at=now,
                   params={"date": date.isoformat(), "reason": reason, "code": code},
                   order_id=order.id, default_language=svc.config.language)


# -- booking ------------------------------------------------------------------------------------
def run(svc: StandingContext, now: dt.datetime | None = None,
        order_ids: Sequence[str] | None = None) -> Report:
    """Book every active order's dates that are due (or only those of ``order_ids``), and
    take over pending dates whose booker stopped (:data:`LEASE_S`). A date whose booking
    fails on the store stays pending and is taken over after the lease."""
    now = now or svc.timing.now()
    today = now.astimezone(svc.timing.tz).date()
    with reading(svc.store) as repo:
        stmt = select(StandingOrder).where(StandingOrder.status == "active",
                                           StandingOrder.last_date >= today)
        if order_ids is not None:
            stmt = stmt.where(StandingOrder.id.in_(list(order_ids)))
        orders = list(repo.s.execute(stmt.order_by(StandingOrder.created_at,
                                                   StandingOrder.id)).scalars())
        occ = repo.s.execute(
            select(StandingOccurrence.order_id, StandingOccurrence.service_date,
                   StandingOccurrence.id, StandingOccurrence.status,
                   StandingOccurrence.updated_at)
            .join(StandingOrder, StandingOrder.id == StandingOccurrence.order_id)
            .where(StandingOrder.status == "active",
                   StandingOccurrence.service_date >= today)).all()
    taken: dict[str, set[dt.date]] = {}
    stale: dict[str, list[tuple[int, dt.date]]] = {}
    cutoff = now - dt.timedelta(seconds=LEASE_S)
    for order_id, date, occ_id, status, updated in occ:
        taken.setdefault(order_id, set()).add(date)
        if status == "pending" and (updated is None or updated < cutoff):
            stale.setdefault(order_id, []).append((occ_id, date))
    report = Report()
    for order in orders:
        try:
            for occ_id, date in stale.get(order.id, []):
                if _resume(svc, occ_id, now, cutoff):
                    _attempt(svc, order, date, occ_id, now, report)
            for date in due(svc, order, now, taken.get(order.id, set())):
                serve(svc, order, date, now, report)
        except (DBAPIError, PoolTimeout) as exc:  # the store is away: next run (a date
            # left pending is taken over after the lease)
            log_background_fault(log, "booking standing orders failed", exc)
            return report
        except Exception as exc:  # a bug with one order: the others are still booked
            log_background_fault(log, "a standing order's dates could not be booked", exc)
    return report


def serve(svc: StandingContext, order: StandingOrder, date: dt.date, now: dt.datetime,
          report: Report) -> None:
    """Book one date of an order (or skip it as a holiday), unless another booker has it."""
    name = holiday_of(svc, order, date)
    if name is not None:
        with writing(svc.store) as repo:
            reason = holiday_reason(name)
            if insert_occurrence(repo, order.id, date, "skipped", now, reason,
                                 "holiday") is not None:
                tell_not_served(svc, repo, order, date, reason, "holiday", now)
                report.skipped += 1
        return
    with writing(svc.store) as repo:
        occ_id = insert_occurrence(repo, order.id, date, "pending", now)
    if occ_id is not None:
        _attempt(svc, order, date, occ_id, now, report)


def _resume(svc: Context, occ_id: int, now: dt.datetime, cutoff: dt.datetime) -> bool:
    """Take over a pending date whose lease ran out (whether this booker won it)."""
    with writing(svc.store) as repo:
        done = repo.s.execute(
            update(StandingOccurrence)
            .where(StandingOccurrence.id == occ_id, StandingOccurrence.status == "pending",
                   or_(StandingOccurrence.updated_at.is_(None),
                       StandingOccurrence.updated_at < cutoff))
            .values(updated_at=now).execution_options(synchronize_session=False))
        return bool(done.rowcount)  # type: ignore[attr-defined]


def _booked_before(svc: Context, who: Principal, key: str) -> str | None:
    with reading(svc.store) as repo:
        b = repo.booking_by_key(who.key_id, key)
        return None if b is None else b.id


def _attempt(svc: StandingContext, order: StandingOrder, date: dt.date, occ_id: int,
             now: dt.datetime, report: Report) -> None:
    """Quote and book a pending date as the order's rider, then write down the outcome."""
    who = principal(order)
    key = idempotency_key(order.id, date)
    booking_id: str | None = _booked_before(svc, who, key)  # a booker stopped after booking
    refusal: ServiceError | None = None
    if booking_id is None:
        try:
            q = quoting.quote(svc, who, (order.origin_lat, order.origin_lon),
                              (order.dest_lat, order.dest_lon), moment(svc, order, date),
                              order.time_type, order.passengers, bool(order.wheelchairs),
                              order.rider_id)
            b, _ = booking.book(svc, who, q.id, key, order.note if who.staff else None)
            booking_id = b.id
        except ServiceError as exc:
            booking_id = (_booked_before(svc, who, key)
                          if exc.code == "idempotency-key-reused" else None)
            refusal = None if booking_id is not None else exc
    undo = _finish(svc, order, date, occ_id, now, booking_id, refusal, report)
    if undo is not None:
        try:
            booking.cancel(svc, who, undo)
            report.undone += 1
        except ServiceError as exc:  # e.g. the ride started already: it stays
            log.warning("a standing order's booking for a cancelled date stays: %s", exc.code)


def _finish(svc: Context, order: StandingOrder, date: dt.date, occ_id: int,
            now: dt.datetime, booking_id: str | None, refusal: ServiceError | None,
            report: Report) -> str | None:
    """Write down a date's outcome if it is still pending; the booking to cancel again when
    the date was cancelled (or decided by another booker) meanwhile."""
    with writing(svc.store) as repo:
        row = repo.s.get(StandingOccurrence, occ_id, with_for_update=True)
        if row is None or row.status != "pending":
            kept = row is not None and row.booking_id == booking_id
            return None if booking_id is None or kept else booking_id
        row.updated_at = now
        if booking_id is not None:
            row.status, row.booking_id, row.reason, row.code = "booked", booking_id, None, None
            repo.s.execute(update(Booking).where(Booking.id == booking_id)
                           .values(standing_order_id=order.id)
                           .execution_options(synchronize_session=False))
            report.booked += 1
            return None
        assert refusal is not None
        reason = (str(refusal) or refusal.title)[:REASON_MAX]
        row.status, row.reason, row.code = "not_served", reason, refusal.code[:40]
        tell_not_served(svc, repo, order, date, reason, row.code, now)
        report.not_served += 1
        return None


# -- the background loop ------------------------------------------------------------------------
class StandingBooker(Loop):
    """Books standing orders' dates every ``interval_s`` seconds of the service's clock
    (``MOBILITY_STANDING_INTERVAL_S``), from a daemon thread of a server process. Each
    interval is a fixed window of the clock; the first process to claim it in the store
    (``rate_counts``, scope ``standing``) books, the others skip it (they would find nothing
    left to book: the occurrences guard each date anyway). :meth:`run_once` books at once,
    for tests and the command line."""

    def __init__(self, svc: StandingContext, interval_s: float | None = None,
                 check_s: float = 60.0) -> None:
        self.svc = svc
        self.interval_s = (svc.config.standing_interval_s if interval_s is None
                           else interval_s)
        self.check_s = min(check_s, max(1.0, self.interval_s / 4))
        super().__init__("standing-orders", self.check_s, self.interval_s > 0, log)

    failure = "booking standing orders failed; trying again later"

    def step(self) -> object:
        return self.tick()

    def run_once(self, now: dt.datetime | None = None) -> Report:
        """Book every date that is due as of ``now`` (default: the service's clock)."""
        return run(self.svc, now)

    def tick(self) -> Report | None:
        """Book if this interval has not been claimed yet: what was done, else ``None``."""
        every = self.interval_s
        if every <= 0:
            return None
        now = self.svc.timing.now()
        end = (math.floor(now.timestamp() / every) + 1) * every
        with writing(self.svc.store) as repo:
            if repo.add_count("standing", "booker", int(end), 1) != 1:
                return None
        report = self.run_once(now)
        if report.total:
            log.info("standing orders: %d date(s) booked, %d not served, %d skipped as "
                     "holidays, %d booking(s) undone", report.booked, report.not_served,
                     report.skipped, report.undone)
        return report
