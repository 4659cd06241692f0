"""Riders' personal data: everything the store holds about a rider (the export), forgetting a
rider while the statistics stay, and the retention period after which past rides lose their
personal fields.

Personal data in the store: a rider's name and phone (``riders``, with their folded name and
phone digits for the dispatcher's search), their keys' labels (``api_keys``), the exact ends
of their rides (``quotes``), the link of each ride to them (``rider_id`` and ``key_id`` of
quotes and bookings, the client's ``Idempotency-Key``), the dispatcher's notes for the driver
(``bookings.note``), their open sign-in codes (``sign_in_codes``, hashed; deleted when the
rider is forgotten), their standing orders (``standing_orders``: the exact ends of a ride
they take every week, and its dates in ``standing_occurrences``; deleted when the rider is
forgotten), their e-mail address, the messages they were sent (``notifications``: place
names and times; deleted when the rider is forgotten, else by housekeeping after
``keep_notifications_days``) and the positions drivers report at their addresses
(``vehicle_events``, ``vehicle_states``).

Anonymising a ride unlinks it from its rider (it then belongs to :data:`ANONYMOUS_RIDER`),
deletes its note for the driver, keeps the exact great-circle distance of its ends
(``quotes.direct_m``) and rounds the ends to a grid of :data:`GRID_DEG` (about 1 km: a
village or a quarter, not a house); statuses,
passengers, times and plans stay, so trip counts, kilometres and times stay exact.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import Float, Numeric, cast, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.auth import Principal
from api.service import audit
from api.service.errors import ConflictError, InvalidRequestError, NotFoundError
from api.service.timing import Timing
from api.store import Store
from api.store.models import (
    ANONYMOUS_RIDER,
    ApiKey,
    Base,
    Booking,
    BookingStatus,
    Notification,
    PlanStop,
    Quote,
    Rider,
    RideRating,
    SignInCode,
    StandingOccurrence,
    StandingOrder,
    VehicleEvent,
    VehicleState,
)
from api.store.repository import ACTIVE, Repository

log = logging.getLogger("mobility.privacy")

#: the key id anonymised rides name (no key has it: real key ids are 12 hex digits)
ANONYMOUS_KEY = "anonymous"
#: coarsened coordinates are rounded to this many decimals of a degree: 0.01° is about
#: 1.1 km north–south and 0.8 km east–west at 45° latitude
DECIMALS = 2
GRID_DEG = 10.0 ** -DECIMALS
#: drivers' positions this close to one of a forgotten rider's ends are coarsened too
NEAR_M = 250.0
#: the default retention period (days after a ride's service day)
RETENTION_DAYS = 90
#: the tables an export lists, in this order (what each row says is in the README)
EXPORTED = ("riders", "api_keys", "quotes", "bookings", "booking_status", "plan_stops",
            "vehicle_events", "standing_orders", "standing_occurrences", "notifications",
            "ride_ratings")
_BATCH = 1000
_EARTH_M = 6_371_008.8


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a rider changed."""

    rider_id: str
    at: dt.datetime
    bookings: int  #: bookings kept as anonymous rows
    quotes_deleted: int  #: offers never booked, deleted
    keys_revoked: int  #: keys that worked until now
    positions: int  #: drivers' reported positions and vehicles' states coarsened
    standing_orders: int = 0  #: standing orders deleted (with their dates)


@dataclass(frozen=True)
class Retained:
    """What one run of the retention changed (or, dry, would change)."""

    cutoff: dt.date  #: rides of service days before this date were anonymised
    quotes: int
    bookings: int
    events: int
    states: int
    #: standing orders that ended (or were cancelled) before the cutoff, deleted
    orders: int = 0
    notifications: int = 0  #: messages about the rides anonymised, deleted

    @property
    def total(self) -> int:
        return (self.quotes + self.bookings + self.events + self.states + self.orders
                + self.notifications)


def coarse(x: float) -> float:
    """A coordinate rounded to the grid of :data:`GRID_DEG`."""
    return round(x, DECIMALS)


def direct_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance of two points (metres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(a)))


# -- the export -------------------------------------------------------------------------------
def export_rider(store: Store, timing: Timing, rider_id: str) -> dict[str, Any]:
    """Everything the store holds about a rider, as JSON-ready rows of each table (column
    names as stored; keys without their hashes), read from one snapshot.

    Raises
    ------
    NotFoundError
        No such rider (or one forgotten already).
    """
    with store.snapshot() as s:
        if rider_id == ANONYMOUS_RIDER or s.get(Rider, rider_id) is None:
            raise _unknown(rider_id)
        booked = select(Booking.id).where(Booking.rider_id == rider_id)
        wheres: dict[str, Any] = {
            "riders": Rider.id == rider_id, "api_keys": ApiKey.rider_id == rider_id,
            "quotes": Quote.rider_id == rider_id, "bookings": Booking.rider_id == rider_id,
            "booking_status": BookingStatus.booking_id.in_(booked),
            "plan_stops": PlanStop.request_id.in_(booked),
            "vehicle_events": VehicleEvent.booking_id.in_(booked),
            "standing_orders": StandingOrder.rider_id == rider_id,
            "standing_occurrences": StandingOccurrence.order_id.in_(
                select(StandingOrder.id).where(StandingOrder.rider_id == rider_id)),
            "notifications": Notification.rider_id == rider_id,
            "ride_ratings": RideRating.rider_id == rider_id}
        tables = {name: _rows(s, name, wheres[name]) for name in EXPORTED}
        now = timing.now()
        codes = s.scalars(select(SignInCode.expires_at).where(
            SignInCode.rider_id == rider_id, SignInCode.expires_at > now)
            .order_by(SignInCode.expires_at))
        # open sign-in codes by their expiry only: the code (or its hash) would sign in
        open_codes = [{"expiresAt": _json(t)} for t in codes]
    for key in tables["api_keys"]:
        del key["key_hash"]  # a hash of the secret: of no use to anyone but an attacker
    return {"riderId": rider_id, "exportedAt": _json(now), "tables": tables,
            "signInCodes": open_codes}


def _rows(s: Session, table_name: str, where: Any) -> list[dict[str, Any]]:
    table = Base.metadata.tables[table_name]
    stmt = select(table).where(where).order_by(*table.primary_key.columns)
    return [{k: _json(v) for k, v in row._mapping.items()} for row in s.execute(stmt)]


def _json(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


def _unknown(rider_id: str) -> NotFoundError:
    return NotFoundError(f"no rider with id {rider_id!r} (or it is not yours)", field="id",
                         title="rider not found")


# -- forgetting a rider -----------------------------------------------------------------------
def forget_rider(store: Store, timing: Timing, rider_id: str,
                 who: Principal | None = None) -> Forgotten:
    """Forget a rider in one transaction: their name, phone and account go (the rider row
    is deleted, their keys revoked and unlinked), their offers never booked and their
    standing orders are deleted, their bookings stay as anonymous rows (ends coarsened,
    distance kept) and drivers' positions near their ends are coarsened; their ratings
    stay (stars and reasons) without the comment. Staff's ``who`` is audited
    (``rider.forget``, in the same transaction).

    Raises
    ------
    NotFoundError
        No such rider.
    ConflictError
        A ride of theirs is still to come or under way (confirmed for today or later, or
        on board): vehicles' plans need its exact ends. Cancel it first (a standing
        order's: cancel the series), or wait until the ride is over.
    """
    now = timing.now()
    with store.session() as s:
        if rider_id == ANONYMOUS_RIDER:
            raise _unknown(rider_id)
        rider = s.get(Rider, rider_id, with_for_update=True)  # PostgreSQL: new bookings wait
        if rider is None:
            raise _unknown(rider_id)
        bookings = list(s.scalars(select(Booking).where(Booking.rider_id == rider_id)))
        today = timing.today()
        active = sorted(b.id for b in bookings if b.status == "on_board"
                        or b.status in ACTIVE and b.service_date >= today)
        if active:
            raise ConflictError(
                f"rider {rider_id} has {len(active)} ride(s) to come or under way: cancel "
                "them (DELETE /api/v1/bookings/{id}) or wait until they are over",
                field="id", code="rides-active", title="Rides still active",
                bookingIds=active)
        _ensure_anonymous(store, s, now)
        quotes = list(s.scalars(select(Quote).where(Quote.rider_id == rider_id)))
        booked = {b.quote_id for b in bookings}
        ends: dict[dt.date, list[tuple[float, float]]] = {}
        for q in quotes:
            if q.id in booked:
                ends.setdefault(q.service_date, []).extend(
                    [(q.origin_lat, q.origin_lon), (q.dest_lat, q.dest_lon)])
        _anonymise_quotes(s, [_quote_values(q) for q in quotes if q.id in booked])
        unbooked = [q.id for q in quotes if q.id not in booked]
        if unbooked:
            s.execute(delete(Quote).where(Quote.id.in_(unbooked))
                      .execution_options(synchronize_session=False))
        s.execute(update(Booking).where(Booking.rider_id == rider_id)
                  .values(rider_id=ANONYMOUS_RIDER, key_id=ANONYMOUS_KEY, idempotency_key=None,
                          note=None)
                  .execution_options(synchronize_session=False))
        positions = _coarsen_near(s, ends, {b.id for b in bookings})
        revoked = _count(s.execute(update(ApiKey).where(ApiKey.rider_id == rider_id,
                                                        ApiKey.revoked_at.is_(None))
                                   .values(revoked_at=now)
                                   .execution_options(synchronize_session=False)))
        s.execute(update(ApiKey).where(ApiKey.rider_id == rider_id)
                  .values(rider_id=None, label=None)
                  .execution_options(synchronize_session=False))
        s.execute(delete(SignInCode).where(SignInCode.rider_id == rider_id)
                  .execution_options(synchronize_session=False))
        orders = _forget_standing_orders(s, rider_id)
        # messages to the rider tell of their rides by place and time: they go with them
        s.execute(delete(Notification).where(Notification.rider_id == rider_id)
                  .execution_options(synchronize_session=False))
        # ratings stay for the statistics; a comment may name people and places
        s.execute(update(RideRating).where(RideRating.rider_id == rider_id)
                  .values(rider_id=ANONYMOUS_RIDER, comment=None)
                  .execution_options(synchronize_session=False))
        s.expunge(rider)
        s.execute(delete(Rider).where(Rider.id == rider_id)
                  .execution_options(synchronize_session=False))
        if who is not None:
            audit.record(Repository(s), who, "rider.forget", "rider", rider_id,
                         {"bookingsAnonymised": len(bookings), "keysRevoked": revoked}, now)
    return Forgotten(rider_id, now, len(bookings), len(unbooked), revoked, positions, orders)


def _forget_standing_orders(s: Session, rider_id: str) -> int:
    """Delete a rider's standing orders and their dates (their bookings, anonymised, lose
    the link); how many orders. The series' rides to come were refused already: a
    cancelled or ended series books nothing, an active one is deleted before its next
    date is booked (the booker finds no order)."""
    orders = list(s.scalars(select(StandingOrder.id).where(StandingOrder.rider_id == rider_id)))
    if not orders:
        return 0
    s.execute(update(Booking).where(Booking.standing_order_id.in_(orders))
              .values(standing_order_id=None).execution_options(synchronize_session=False))
    s.execute(delete(StandingOccurrence).where(StandingOccurrence.order_id.in_(orders))
              .execution_options(synchronize_session=False))
    s.execute(delete(StandingOrder).where(StandingOrder.id.in_(orders))
              .execution_options(synchronize_session=False))
    return len(orders)


def _ensure_anonymous(store: Store, s: Session, now: dt.datetime) -> None:
    ins: Any = sqlite_insert if store.is_sqlite else pg_insert
    s.execute(ins(Rider).values(id=ANONYMOUS_RIDER, name=None, phone=None, created_at=now)
              .on_conflict_do_nothing())


def _quote_values(q: Any) -> dict[str, Any]:
    """A quote's anonymised columns (``q``: a Quote or a row with its columns)."""
    dist = q.direct_m if q.direct_m is not None else direct_m(
        q.origin_lat, q.origin_lon, q.dest_lat, q.dest_lon)
    return {"id": q.id, "rider_id": ANONYMOUS_RIDER, "key_id": ANONYMOUS_KEY,
            "direct_m": dist, "origin_lat": coarse(q.origin_lat),
            "origin_lon": coarse(q.origin_lon), "dest_lat": coarse(q.dest_lat),
            "dest_lon": coarse(q.dest_lon)}


def _anonymise_quotes(s: Session, values: Sequence[dict[str, Any]]) -> None:
    if values:  # an UPDATE per row by primary key (executemany)
        s.execute(update(Quote), list(values))


def _near(p: tuple[float, float], ends: Iterable[tuple[float, float]]) -> bool:
    # equirectangular: exact enough at a few hundred metres
    k = math.cos(math.radians(p[0]))
    return any(math.hypot(p[0] - a, (p[1] - b) * k) * math.pi / 180 * _EARTH_M <= NEAR_M
               for a, b in ends)


def _coarsen_near(s: Session, ends: dict[dt.date, list[tuple[float, float]]],
                  bookings: set[str]) -> int:
    """Coarsen drivers' reports about the rider's bookings, and every reported position or
    vehicle state of their rides' days near one of their rides' ends."""
    if not ends and not bookings:
        return 0
    n = 0
    events = s.execute(select(VehicleEvent.id, VehicleEvent.service_date, VehicleEvent.lat,
                              VehicleEvent.lon, VehicleEvent.booking_id).where(
        VehicleEvent.lat.is_not(None), or_(VehicleEvent.service_date.in_(list(ends)),
                                           VehicleEvent.booking_id.in_(list(bookings)))))
    rows = [{"id": e.id, "lat": coarse(e.lat), "lon": coarse(e.lon)} for e in events
            if e.booking_id in bookings or _near((e.lat, e.lon), ends.get(e.service_date, ()))]
    if rows:
        s.execute(update(VehicleEvent), rows)
        n += len(rows)
    states = s.execute(select(VehicleState.vehicle_id, VehicleState.service_date,
                              VehicleState.lat, VehicleState.lon).where(
        VehicleState.service_date.in_(list(ends))))
    rows = [{"vehicle_id": v.vehicle_id, "service_date": v.service_date, "lat": coarse(v.lat),
             "lon": coarse(v.lon)} for v in states
            if _near((v.lat, v.lon), ends.get(v.service_date, ()))]
    if rows:
        s.execute(update(VehicleState), rows)
        n += len(rows)
    return n


# -- retention --------------------------------------------------------------------------------
def apply_retention(store: Store, timing: Timing, days: int, *, dry_run: bool = False
                    ) -> Retained:
    """Anonymise every ride whose service day lies more than ``days`` days back (whatever
    its status: its day is over), in one transaction; with ``dry_run`` count only. Offers
    never booked are anonymised alike; drivers' reports and vehicles' states of those days
    are coarsened; standing orders over by then are deleted, and messages to riders about
    those rides. Rides anonymised already are not touched again.

    Raises
    ------
    InvalidRequestError
        ``days`` < 1 (today's plans need their exact ends).
    """
    if days < 1:
        raise InvalidRequestError("the retention period is at least one day", field="days")
    cutoff = timing.today() - dt.timedelta(days=days)
    with store.sessions() as s, s.begin() as tx:
        _ensure_anonymous(store, s, timing.now())
        quotes = 0
        cols = (Quote.id, Quote.origin_lat, Quote.origin_lon, Quote.dest_lat, Quote.dest_lon,
                Quote.direct_m)
        while True:  # in batches: each batch leaves the selection
            batch = s.execute(select(*cols).where(Quote.service_date < cutoff,
                                                  Quote.rider_id != ANONYMOUS_RIDER)
                              .order_by(Quote.id).limit(_BATCH)).all()
            if not batch:
                break
            _anonymise_quotes(s, [_quote_values(q) for q in batch])
            quotes += len(batch)
        bookings = _count(s.execute(
            update(Booking).where(Booking.service_date < cutoff,
                                  or_(Booking.rider_id != ANONYMOUS_RIDER,
                                      Booking.idempotency_key.is_not(None),
                                      Booking.note.is_not(None)))
            .values(rider_id=ANONYMOUS_RIDER, key_id=ANONYMOUS_KEY, idempotency_key=None,
                    note=None)
            .execution_options(synchronize_session=False)))
        events = _coarsen_all(s, VehicleEvent, cutoff)
        states = _coarsen_all(s, VehicleState, cutoff)
        told = _count(s.execute(  # messages about the rides name their places and times
            delete(Notification).where(Notification.booking_id.in_(
                select(Booking.id).where(Booking.service_date < cutoff)))
            .execution_options(synchronize_session=False)))
        orders = _expire_standing_orders(s, cutoff)
        s.execute(update(RideRating).where(  # a comment may name people and places
            RideRating.booking_id.in_(select(Booking.id).where(Booking.service_date < cutoff)),
            or_(RideRating.rider_id != ANONYMOUS_RIDER, RideRating.comment.is_not(None)))
            .values(rider_id=ANONYMOUS_RIDER, comment=None)
            .execution_options(synchronize_session=False))
        if dry_run:
            tx.rollback()
    return Retained(cutoff, quotes, bookings, events, states, orders, told)


def _expire_standing_orders(s: Session, cutoff: dt.date) -> int:
    """Delete standing orders over before ``cutoff`` (their last date, or the day they were
    cancelled) with their dates: an order holds a rider's exact ends, and its rides are
    anonymised like any other."""
    over = StandingOrder.last_date < cutoff
    cancelled = StandingOrder.cancelled_at < dt.datetime.combine(cutoff, dt.time(), dt.UTC)
    orders = list(s.scalars(select(StandingOrder.id).where(or_(over, cancelled))))
    if not orders:
        return 0
    s.execute(update(Booking).where(Booking.standing_order_id.in_(orders))
              .values(standing_order_id=None).execution_options(synchronize_session=False))
    s.execute(delete(StandingOccurrence).where(StandingOccurrence.order_id.in_(orders))
              .execution_options(synchronize_session=False))
    s.execute(delete(StandingOrder).where(StandingOrder.id.in_(orders))
              .execution_options(synchronize_session=False))
    return len(orders)


def _rounded(col: Any) -> Any:
    # SQL's round: PostgreSQL rounds numeric (not double precision) to decimals
    return cast(func.round(cast(col, Numeric), DECIMALS), Float)


def _coarsen_all(s: Session, model: type[VehicleEvent] | type[VehicleState],
                 cutoff: dt.date) -> int:
    """Round every position of ``model`` on days before ``cutoff`` (not rounded yet)."""
    return _count(s.execute(
        update(model).where(model.service_date < cutoff, model.lat.is_not(None),
                            or_(model.lat != _rounded(model.lat),
                                model.lon != _rounded(model.lon)))
        .values(lat=_rounded(model.lat), lon=_rounded(model.lon))
        .execution_options(synchronize_session=False)))


def _count(result: Any) -> int:
    """The rows an UPDATE changed."""
    return int(result.rowcount)


async def keep_retention(store: Store, timing: Timing, days: int, every_s: float = 3600.0
                         ) -> None:
    """Apply the retention now and every ``every_s`` seconds, until cancelled (a server's
    background task; a failure, e.g. the database being away, is logged and retried at the
    next round)."""
    while True:
        try:
            done = await anyio.to_thread.run_sync(apply_retention, store, timing, days)
            if done.total:
                log.info("retention: rides of service days before %s anonymised (%d quotes, "
                         "%d bookings, %d events, %d vehicle states, %d notifications)",
                         done.cutoff, done.quotes, done.bookings, done.events, done.states,
                         done.notifications)
        except Exception as exc:  # noqa: BLE001 - a background task must go on
            log.warning("retention failed, retrying in %.0f s: %s", every_s,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        await anyio.sleep(every_s)
