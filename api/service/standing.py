"""Standing orders: the same ride on chosen weekdays over a date range (Mon/Wed/Fri 07:30 to
the dialysis centre, for three months), made by a rider for themself or by a dispatcher
for a rider who phones. Each date is booked when its ride enters the booking horizon by
:class:`~api.service.standing_booker.StandingBooker` (which also tells the rider of a date
that cannot be served); a date or the whole series can be cancelled, and their bookings
are cancelled through the normal path, so vehicles' plans are updated at once.

An order's answer lists its dates: those written down (booked, not served, skipped as a
public holiday, cancelled; a booked one with its pickup window) and the next ones still to
be booked (``scheduled``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update

from api.auth import Principal, new_id
from api.service import audit, booking, notes, rules
from api.service.errors import ConflictError, InvalidRequestError, NotFoundError, not_found
from api.service.standing_booker import (
    Holiday,
    Report,
    StandingBooker,
    StandingContext,
    clock_text,
    dates,
    holiday_of,
    holiday_reason,
    insert_occurrence,
    moment,
    run,
    weekdays,
)
from api.service.views import Window
from api.store.models import Booking, Quote, StandingOccurrence, StandingOrder
from api.store.repository import Repository, reading, writing
from dispatch.model import Point

__all__ = ["Holiday", "OccurrenceView", "OrderRequest", "OrderView", "Report",
           "StandingBooker", "cancel_occurrence", "cancel_order", "create", "get", "list_orders"]

log = logging.getLogger("mobility.standing")

#: an order spans at most this many days (a year, leap day included) …
MAX_SPAN_DAYS = 366
#: … and starts at most this many days ahead
MAX_START_DAYS = 366
#: active orders a rider may hold of their own (dispatchers' orders for them do not count)
MAX_ORDERS_PER_RIDER = 10
#: dates still to be booked an answer shows (the series' next ones)
SCHEDULED_SHOWN = 10


@dataclass(frozen=True)
class OrderRequest:
    """A standing order as asked for: the ride (``time`` is the wall-clock time of day,
    "HH:MM"), the weekdays (ISO: 1 = Monday) and the date range."""

    origin: Point
    destination: Point
    weekdays: tuple[int, ...]
    time: str
    time_type: str
    first_date: dt.date
    last_date: dt.date
    passengers: int = 1
    wheelchair: bool = False
    skip_holidays: bool = True
    note: str | None = None
    rider_id: str | None = None


@dataclass(frozen=True)
class OccurrenceView:
    """A date of an order: its status, its booking (with the booking's own status and
    pickup window) or the reason it is not served."""

    date: dt.date
    status: str  #: scheduled, pending, booked, not_served, skipped, cancelled
    booking_id: str | None
    booking_status: str | None
    pickup_window: Window | None
    reason: str | None
    code: str | None


@dataclass(frozen=True)
class OrderView:
    """A standing order and its dates."""

    id: str
    rider_id: str
    status: str
    area: str
    origin: Point
    destination: Point
    weekdays: tuple[int, ...]
    time: str
    time_type: str
    first_date: dt.date
    last_date: dt.date
    passengers: int
    wheelchair: bool
    skip_holidays: bool
    note: str | None
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    occurrences: tuple[OccurrenceView, ...]
    rider_name: str | None = None
    origin_name: str | None = None
    destination_name: str | None = None


# -- checks -------------------------------------------------------------------------------------
def _seconds(text: str) -> float:
    """"HH:MM" as seconds after midnight (wall clock)."""
    h, _, m = text.partition(":")
    if not (len(h) == 2 and len(m) == 2 and h.isdigit() and m.isdigit()
            and int(h) < 24 and int(m) < 60):
        raise InvalidRequestError(f"time: {text!r} is not a time of day as HH:MM (00:00 to "
                                  "23:59)", field="time", code="validation")
    return float(int(h) * 3600 + int(m) * 60)


def _checked(svc: StandingContext, who: Principal, o: OrderRequest, today: dt.date
             ) -> tuple[str, str, str | None, tuple[int, ...], float]:
    """An order's rider, area, note, weekdays and time, checked as a quote's would be
    (area, roads, a road between the ends) plus its dates.

    Raises
    ------
    InvalidRequestError, ForbiddenError
        Naming the field at fault.
    """
    rider = svc.rider_for(None, who, o.rider_id)
    note = notes.checked(who, o.note)
    days = tuple(sorted(set(o.weekdays)))
    if not days or any(not 1 <= d <= 7 for d in days):
        raise InvalidRequestError("weekdays: choose at least one weekday, each 1 (Monday) to "
                                  "7 (Sunday)", field="weekdays", code="validation")
    secs = _seconds(o.time)
    if o.time_type not in ("departure", "arrival"):
        raise InvalidRequestError("timeType: departure or arrival", field="timeType",
                                  code="validation")
    if o.first_date < today:
        raise InvalidRequestError(f"firstDate {o.first_date.isoformat()} has passed (today is "
                                  f"{today.isoformat()})", field="firstDate",
                                  code="date-in-past", title="Date in the past")
    if o.last_date < o.first_date:
        raise InvalidRequestError(f"lastDate {o.last_date.isoformat()} is before firstDate "
                                  f"{o.first_date.isoformat()}", field="lastDate",
                                  code="date-order", title="Dates in the wrong order")
    if (o.first_date - today).days > MAX_START_DAYS:
        raise InvalidRequestError(f"a standing order starts at most {MAX_START_DAYS} days "
                                  "ahead", field="firstDate", code="date-too-far",
                                  title="Date too far ahead")
    if (o.last_date - o.first_date).days + 1 > MAX_SPAN_DAYS:
        raise InvalidRequestError(f"a standing order runs at most {MAX_SPAN_DAYS} days: make "
                                  "a new one when it ends", field="lastDate",
                                  code="range-too-long", title="Date range too long")
    if next(dates(days, o.first_date, o.last_date), None) is None:
        raise InvalidRequestError("none of the chosen weekdays falls between firstDate and "
                                  "lastDate", field="weekdays", code="no-dates",
                                  title="No dates")
    area = rules.area_for(svc.areas, o.origin, o.destination)
    for field, p in (("origin", o.origin), ("destination", o.destination)):
        svc.on_roads(p, field)
    if not math.isfinite(float(svc.travel.one_to_many(o.origin, [o.destination])[0])):
        raise InvalidRequestError("the destination cannot be reached by road from the origin",
                                  field="destination", code="unreachable",
                                  title="No road connection")
    return rider, area.name, note, days, secs


# -- operations ---------------------------------------------------------------------------------
def create(svc: StandingContext, who: Principal, o: OrderRequest) -> OrderView:
    """Make a standing order and book its dates already within the booking horizon (the
    booker books the rest as they come; a date that fails on the store now is booked by
    the next run).

    Raises
    ------
    InvalidRequestError
        Bad weekdays, time, dates (passed, wrong order, more than a year), ends outside the
        service area or the roads.
    ForbiddenError
        A rider ordering for another rider, a note from a rider, a driver's key.
    ConflictError
        A rider holding :data:`MAX_ORDERS_PER_RIDER` active orders of their own.
    """
    now = svc.timing.now()
    rider, area, note, days, secs = _checked(svc, who, o, svc.timing.today())
    oid = new_id("so_")
    with writing(svc.store) as repo:
        if not who.staff:
            repo.lock_rider(rider)  # two orders sent at once are counted one after the other
            held = repo.s.execute(select(func.count()).select_from(StandingOrder).where(
                StandingOrder.rider_id == rider, StandingOrder.status == "active",
                StandingOrder.by_role == "rider",
                StandingOrder.last_date >= svc.timing.today())).scalar_one()
            if held >= MAX_ORDERS_PER_RIDER:
                raise ConflictError(f"you have {held} standing orders (at most "
                                    f"{MAX_ORDERS_PER_RIDER} may run at a time); cancel one "
                                    "first", code="too-many-standing-orders",
                                    title="Too many standing orders",
                                    limit=MAX_ORDERS_PER_RIDER)
        repo.s.add(StandingOrder(
            id=oid, rider_id=rider, key_id=who.key_id, by_role=who.role, area=area,
            origin_lat=o.origin[0], origin_lon=o.origin[1], dest_lat=o.destination[0],
            dest_lon=o.destination[1], weekdays=",".join(map(str, days)), time_s=secs,
            time_type=o.time_type, first_date=o.first_date, last_date=o.last_date,
            passengers=o.passengers, wheelchairs=int(o.wheelchair),
            skip_holidays=o.skip_holidays, note=note, status="active", created_at=now))
        audit.record(repo, who, "standing_order.create", "standing_order", oid,
                     {"riderId": rider, "area": area, "weekdays": list(days),
                      "firstDate": o.first_date.isoformat(),
                      "lastDate": o.last_date.isoformat(), "withNote": note is not None},
                     now)
    try:
        run(svc, now, [oid])
    except Exception as exc:  # noqa: BLE001 - the order stands; the booker books it later
        log.warning("booking a new standing order's first dates failed (the booker tries "
                    "again): %s", type(exc).__name__)
    return get(svc, who, oid)


def _order(repo: Repository, svc: StandingContext, who: Principal, order_id: str
           ) -> StandingOrder:
    o = repo.s.get(StandingOrder, order_id)
    if o is None or not svc.may_see(who, o.rider_id):
        raise not_found("standing order", order_id)
    return o


def get(svc: StandingContext, who: Principal, order_id: str) -> OrderView:
    """An order with all its dates (404 for another rider's)."""
    with reading(svc.store) as repo:
        o = _order(repo, svc, who, order_id)
        return _views(svc, repo, [o], None)[0]


def list_orders(svc: StandingContext, who: Principal, *, rider_id: str | None = None,
                status: str | None = None, limit: int = 100) -> list[OrderView]:
    """The caller's orders (staff: everyone's, or one rider's), newest first, each with its
    dates from today on (the next :data:`SCHEDULED_SHOWN` still to be booked)."""
    with reading(svc.store) as repo:
        stmt = select(StandingOrder).order_by(StandingOrder.created_at.desc(),
                                              StandingOrder.id).limit(limit)
        mine = rider_id if who.staff else (who.rider_id or "")
        if mine is not None:
            stmt = stmt.where(StandingOrder.rider_id == mine)
        if status is not None:
            stmt = stmt.where(StandingOrder.status == status)
        orders = list(repo.s.execute(stmt).scalars())
        return _views(svc, repo, orders, svc.timing.today())


def cancel_order(svc: StandingContext, who: Principal, order_id: str) -> OrderView:
    """Cancel the series: no date is booked any more, and every booking of it still to be
    driven is cancelled (through the normal path: plans change at once). Cancelling again
    finishes what a failure left (a booking not yet cancelled) and is otherwise harmless.

    Raises
    ------
    NotFoundError
        No such order, or another rider's.
    """
    now = svc.timing.now()
    with writing(svc.store) as repo:
        o = _order(repo, svc, who, order_id)
        if o.status != "cancelled":
            o.status, o.cancelled_at = "cancelled", now
            audit.record(repo, who, "standing_order.cancel", "standing_order", order_id,
                         {"riderId": o.rider_id}, now)
        # a date being booked right now: its booker cancels what it booked (it finds the
        # date cancelled)
        repo.s.execute(update(StandingOccurrence).where(
            StandingOccurrence.order_id == order_id, StandingOccurrence.status == "pending")
            .values(status="cancelled", updated_at=now)
            .execution_options(synchronize_session=False))
    with reading(svc.store) as repo:
        open_rides = list(repo.s.execute(
            select(StandingOccurrence.service_date, Booking.id)
            .join(Booking, Booking.id == StandingOccurrence.booking_id)
            .where(StandingOccurrence.order_id == order_id,
                   StandingOccurrence.status == "booked", Booking.status == "confirmed")
            .order_by(StandingOccurrence.service_date)).all())
    for date, bid in open_rides:
        try:
            booking.cancel(svc, who, bid)
        except ConflictError:  # the ride started meanwhile: it is driven
            continue
        _mark(svc, order_id, date, now)
    return get(svc, who, order_id)


def _mark(svc: StandingContext, order_id: str, date: dt.date, now: dt.datetime) -> None:
    with writing(svc.store) as repo:
        repo.s.execute(update(StandingOccurrence).where(
            StandingOccurrence.order_id == order_id, StandingOccurrence.service_date == date)
            .values(status="cancelled", updated_at=now)
            .execution_options(synchronize_session=False))


def cancel_occurrence(svc: StandingContext, who: Principal, order_id: str, date: dt.date
                      ) -> OrderView:
    """Cancel one date: its booking is cancelled if it is booked, else the date is written
    down cancelled so that it will not be booked. Cancelling it again is harmless.

    Raises
    ------
    NotFoundError
        No such order (or another rider's), or ``date`` is not one of its dates.
    ConflictError
        The date has passed, or its ride has started.
    """
    now = svc.timing.now()
    with reading(svc.store) as repo:
        o = _order(repo, svc, who, order_id)
    if not (o.first_date <= date <= o.last_date and date.isoweekday() in weekdays(o)):
        days = ", ".join(dt.date(2024, 1, d).strftime("%A") for d in weekdays(o))
        raise NotFoundError(f"{date.isoformat()} is not a date of standing order {order_id} "
                            f"({days} from {o.first_date.isoformat()} to "
                            f"{o.last_date.isoformat()})", field="date",
                            title="date not found")
    if date < svc.timing.today():
        raise ConflictError(f"{date.isoformat()} has passed", field="date",
                            code="date-in-past", title="Date in the past")
    booked = None
    with writing(svc.store) as repo:
        audit.record(repo, who, "standing_order.cancel_date", "standing_order", order_id,
                     {"riderId": o.rider_id, "date": date.isoformat()}, now)
        if insert_occurrence(repo, order_id, date, "cancelled", now) is None:
            # written down already (or a booker wrote it just now): held until committed
            row = repo.s.execute(select(StandingOccurrence).where(
                StandingOccurrence.order_id == order_id,
                StandingOccurrence.service_date == date).with_for_update()).scalar_one()
            if row.status == "booked" and row.booking_id is not None:
                booked = row.booking_id  # the booking first: a ride under way refuses
            elif row.status != "cancelled":  # pending: its booker cancels what it books
                row.status, row.updated_at = "cancelled", now
    if booked is not None:
        booking.cancel(svc, who, booked)
        _mark(svc, order_id, date, now)
    return get(svc, who, order_id)


# -- views --------------------------------------------------------------------------------------
def _views(svc: StandingContext, repo: Repository, orders: Sequence[StandingOrder],
           since: dt.date | None) -> list[OrderView]:
    """Orders as answered: their written dates (from ``since`` on; None: all), their
    bookings' status and pickup windows, and their next dates still to be booked. A handful
    of queries for any number of orders."""
    if not orders:
        return []
    ids = [o.id for o in orders]
    stmt = select(StandingOccurrence).where(StandingOccurrence.order_id.in_(ids))
    if since is not None:
        stmt = stmt.where(StandingOccurrence.service_date >= since)
    rows: dict[str, list[StandingOccurrence]] = {}
    for r in repo.s.execute(stmt.order_by(StandingOccurrence.service_date)).scalars():
        rows.setdefault(r.order_id, []).append(r)
    bids = [r.booking_id for rs in rows.values() for r in rs if r.booking_id is not None]
    rides = {b.id: (b, q) for b, q in repo.s.execute(
        select(Booking, Quote).join(Quote, Booking.quote_id == Quote.id)
        .where(Booking.id.in_(bids))).all()} if bids else {}
    riders = repo.riders(o.rider_id for o in orders)
    names = svc.names
    out = []
    for o in orders:
        occ = [_occurrence(svc, r, rides.get(r.booking_id or "")) for r in rows.get(o.id, [])]
        occ += _scheduled(svc, o, {r.service_date for r in rows.get(o.id, [])})
        occ.sort(key=lambda x: x.date)
        rider = riders.get(o.rider_id)
        out.append(OrderView(
            o.id, o.rider_id, o.status, o.area, (o.origin_lat, o.origin_lon),
            (o.dest_lat, o.dest_lon), weekdays(o), clock_text(o), o.time_type, o.first_date,
            o.last_date, o.passengers, bool(o.wheelchairs), o.skip_holidays, o.note,
            o.created_at, o.cancelled_at, tuple(occ), rider.name if rider else None,
            names.name(o.origin_lat, o.origin_lon).name if names is not None else None,
            names.name(o.dest_lat, o.dest_lon).name if names is not None else None))
    return out


def _occurrence(svc: StandingContext, r: StandingOccurrence,
                ride: tuple[Booking, Quote] | None) -> OccurrenceView:
    status, window, bstatus = r.status, None, None
    if ride is not None:
        b, q = ride
        bstatus = b.status
        window = (svc.timing.moment(b.service_date, q.pickup_lo_s),
                  svc.timing.moment(b.service_date, q.pickup_hi_s))
        if status == "booked" and b.status == "cancelled":
            status = "cancelled"  # the booking itself was cancelled (DELETE /bookings/…)
    return OccurrenceView(r.service_date, status, r.booking_id, bstatus, window, r.reason,
                          r.code)


def _scheduled(svc: StandingContext, o: StandingOrder, written: set[dt.date]
               ) -> list[OccurrenceView]:
    """The order's next dates still to be booked (a holiday it skips says so already)."""
    if o.status != "active":
        return []
    now = svc.timing.now()
    out: list[OccurrenceView] = []
    start = max(o.first_date, svc.timing.today())
    for d in dates(weekdays(o), start, o.last_date):
        if len(out) >= SCHEDULED_SHOWN:
            break
        if d in written or moment(svc, o, d) <= max(now, o.created_at):
            continue
        name = holiday_of(svc, o, d)
        out.append(OccurrenceView(d, "skipped" if name else "scheduled", None, None, None,
                                  holiday_reason(name) if name else None,
                                  "holiday" if name else None))
    return out
