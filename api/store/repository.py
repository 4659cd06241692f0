"""Every query of the booking path, on one session: riders, quotes, bookings with their
history, each day's plan stops, vehicle states and events. Lists load what they show in a
constant number of queries, however many bookings they hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.store.db import Store
from api.store.models import (
    ANONYMOUS_RIDER,
    Booking,
    BookingStatus,
    LateAlert,
    PlanStop,
    PlanVersion,
    Quote,
    RateCount,
    Rider,
    VehicleEvent,
    VehicleRow,
    VehicleState,
)
from api.store.search import like_pattern

ACTIVE = ("confirmed", "on_board")  #: bookings that are in a vehicle's plan


@dataclass
class BookingRecord:
    """A booking with what a view of it needs: its quote (the promise), the planned pickup
    and drop-off (``kind`` -> seconds after the service day's midnight) and its history."""

    booking: Booking
    quote: Quote
    planned: dict[str, float] = field(default_factory=dict)
    history: list[BookingStatus] = field(default_factory=list)
    #: the rider (None once forgotten: anonymous rides name nobody)
    rider: Rider | None = None
    #: where its vehicle last was that day (loaded for rides still in a plan only)
    state: VehicleState | None = None


@dataclass
class PlannedStop:
    """One stop of a stored plan."""

    vehicle: str
    seq: int
    request: str
    kind: str
    planned_s: float


class Repository:
    """The booking path's queries on one session (the caller owns its transaction)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    # -- riders and vehicles ------------------------------------------------------------
    def rider(self, rider_id: str) -> Rider | None:
        return self.s.get(Rider, rider_id)

    def find_riders(self, words: Sequence[str], phone_digits: str | None, limit: int
                    ) -> list[Rider]:
        """Riders whose folded name holds every one of ``words`` (folded already) and, with
        ``phone_digits``, whose phone number holds those digits — by name; never the
        anonymous rider."""
        conds = [Rider.search_name.like(like_pattern(w), escape="\\") for w in words]
        if phone_digits is not None:
            conds.append(Rider.phone_digits.like(like_pattern(phone_digits), escape="\\"))
        stmt = select(Rider).where(Rider.id != ANONYMOUS_RIDER, and_(*conds))
        return list(self.s.execute(stmt.order_by(Rider.search_name, Rider.id).limit(limit)
                                   ).scalars())

    def lock_rider(self, rider_id: str) -> None:
        """Hold the rider's row until the transaction ends (PostgreSQL: ``FOR UPDATE``;
        SQLite's writers are one at a time anyway): a rider's bookings on different days
        or areas are checked against each other one after the other."""
        if self.s.get_bind().dialect.name != "sqlite":
            self.s.execute(select(Rider.id).where(Rider.id == rider_id).with_for_update())

    def vehicle(self, vehicle_id: str) -> VehicleRow | None:
        return self.s.get(VehicleRow, vehicle_id)

    def vehicles(self, area: str | None = None) -> list[VehicleRow]:
        """Active vehicles (of one area), by id."""
        stmt = select(VehicleRow).where(VehicleRow.active.is_(True)).order_by(VehicleRow.id)
        if area is not None:
            stmt = stmt.where(VehicleRow.area == area)
        return list(self.s.execute(stmt).scalars())

    def all_vehicles(self) -> list[VehicleRow]:
        return list(self.s.execute(select(VehicleRow)).scalars())

    # -- quotes ---------------------------------------------------------------------------
    def add_quote(self, **values: Any) -> None:
        """Store a quote (one INSERT, no ORM bookkeeping: quotes are the hot path)."""
        self.s.execute(insert(Quote).values(**values))

    def quote(self, quote_id: str) -> Quote | None:
        return self.s.get(Quote, quote_id)

    def quotes(self, ids: Iterable[str]) -> dict[str, Quote]:
        ids = set(ids)
        if not ids:
            return {}
        return {q.id: q for q in self.s.execute(
            select(Quote).where(Quote.id.in_(ids))).scalars()}

    # -- bookings -------------------------------------------------------------------------
    def booking(self, booking_id: str) -> Booking | None:
        return self.s.get(Booking, booking_id)

    def booking_by_key(self, key_id: str, idempotency_key: str) -> Booking | None:
        """The booking a key made with an ``Idempotency-Key`` (its first, for itineraries)."""
        return self.s.execute(select(Booking).where(
            Booking.key_id == key_id, Booking.idempotency_key == idempotency_key)
        ).scalar_one_or_none()

    def booking_of_quote(self, quote_id: str) -> str | None:
        return self.s.execute(select(Booking.id).where(Booking.quote_id == quote_id)
                              ).scalar_one_or_none()

    def itinerary(self, itinerary_id: str) -> list[Booking]:
        return list(self.s.execute(select(Booking).where(
            Booking.itinerary_id == itinerary_id).order_by(Booking.created_at, Booking.id)
        ).scalars())

    def add_booking(self, booking: Booking, by_role: str) -> BookingStatus:
        """Store a new booking and the first entry of its history (returned)."""
        self.s.add(booking)
        self.s.flush()
        first = BookingStatus(booking_id=booking.id, status=booking.status,
                              at=booking.created_at, by_role=by_role)
        self.s.add(first)
        return first

    def set_note(self, booking_id: str, note: str | None, statuses: Sequence[str],
                 at: dt.datetime) -> bool:
        """Set a booking's note for the driver if its status is one of ``statuses`` and it
        is not anonymised (one statement: a status changing meanwhile is seen); whether it
        was set."""
        done = self.s.execute(update(Booking).where(Booking.id == booking_id,
                                                    Booking.status.in_(statuses),
                                                    Booking.rider_id != ANONYMOUS_RIDER)
                              .values(note=note, updated_at=at)
                              .execution_options(synchronize_session=False))
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def set_status(self, booking: Booking, status: str, by_role: str, at: dt.datetime
                   ) -> None:
        booking.status, booking.updated_at = status, at
        self.s.add(BookingStatus(booking_id=booking.id, status=status, at=at, by_role=by_role))

    def list_bookings(self, *, rider_id: str | None = None, date: dt.date | None = None,
                      status: str | None = None, limit: int = 100, offset: int = 0
                      ) -> list[Booking]:
        """The newest bookings first, filtered; ``offset``: skipping that many (pages)."""
        stmt = (select(Booking).order_by(Booking.created_at.desc(), Booking.id).limit(limit)
                .offset(offset))
        if rider_id is not None:
            stmt = stmt.where(Booking.rider_id == rider_id)
        if date is not None:
            stmt = stmt.where(Booking.service_date == date)
        if status is not None:
            stmt = stmt.where(Booking.status == status)
        return list(self.s.execute(stmt).scalars())

    def active_rides(self, rider_id: str, since: dt.date
                     ) -> list[tuple[str, str | None, dt.date, float, float]]:
        """A rider's bookings in a plan (confirmed or on board) from ``since`` on: (booking
        id, itinerary id, service date, pickup window's start and end in seconds)."""
        return [tuple(row) for row in self.s.execute(  # type: ignore[misc]
            select(Booking.id, Booking.itinerary_id, Booking.service_date, Quote.pickup_lo_s,
                   Quote.pickup_hi_s).join(Quote, Booking.quote_id == Quote.id)
            .where(Booking.rider_id == rider_id, Booking.status.in_(ACTIVE),
                   Booking.service_date >= since)).all()]

    def records(self, bookings: Sequence[Booking]) -> list[BookingRecord]:
        """Bookings with their quotes, riders, planned times, histories and (for rides in
        a plan) their vehicles' last known states: at most five queries for any number of
        bookings."""
        if not bookings:
            return []
        quotes = self.quotes(b.quote_id for b in bookings)
        riders = self.riders(b.rider_id for b in bookings)
        ids = [b.id for b in bookings]
        planned: dict[tuple[str, dt.date], dict[str, float]] = {}
        for ps in self.s.execute(select(PlanStop).where(PlanStop.request_id.in_(ids))
                                 ).scalars():
            planned.setdefault((ps.request_id, ps.service_date), {})[ps.kind] = ps.planned_s
        history: dict[str, list[BookingStatus]] = {}
        for h in self.s.execute(select(BookingStatus).where(
                BookingStatus.booking_id.in_(ids)).order_by(BookingStatus.id)).scalars():
            history.setdefault(h.booking_id, []).append(h)
        states = self.states_of([(b.vehicle_id, b.service_date) for b in bookings
                                 if b.status in ACTIVE])
        return [BookingRecord(b, quotes[b.quote_id], planned.get((b.id, b.service_date), {}),
                              history.get(b.id, []), riders.get(b.rider_id),
                              states.get((b.vehicle_id, b.service_date)))
                for b in bookings]

    def states_of(self, pairs: Iterable[tuple[str, dt.date]]
                  ) -> dict[tuple[str, dt.date], VehicleState]:
        """Vehicles' states on days, by (vehicle, date): one query (none for no pairs)."""
        wanted = set(pairs)
        if not wanted:
            return {}
        rows = self.s.execute(select(VehicleState).where(
            VehicleState.vehicle_id.in_({v for v, _ in wanted}),
            VehicleState.service_date.in_({d for _, d in wanted}))).scalars()
        return {(st.vehicle_id, st.service_date): st for st in rows
                if (st.vehicle_id, st.service_date) in wanted}

    def riders(self, ids: Iterable[str]) -> dict[str, Rider]:
        """Riders by id (the anonymous rider is nobody: left out)."""
        ids = set(ids) - {ANONYMOUS_RIDER}
        if not ids:
            return {}
        return {r.id: r for r in self.s.execute(select(Rider).where(Rider.id.in_(ids))
                                                ).scalars()}

    # -- a day's plans ----------------------------------------------------------------------
    def version(self, area: str, date: dt.date) -> int:
        """The stored plan version of a day (0 if none is stored)."""
        v = self.s.execute(select(PlanVersion.version).where(
            PlanVersion.area == area, PlanVersion.service_date == date)).scalar_one_or_none()
        return int(v or 0)

    def bump_version(self, area: str, date: dt.date) -> int:
        """Count a change of the day's plans (its row is locked already); the new version."""
        self.s.execute(update(PlanVersion).where(PlanVersion.area == area,
                                                 PlanVersion.service_date == date)
                       .values(version=PlanVersion.version + 1))
        return self.version(area, date)

    def active(self, area: str, date: dt.date) -> list[tuple[Booking, Quote]]:
        """The day's bookings in a plan (confirmed or on board) with their quotes."""
        return [(b, q) for b, q in self.s.execute(
            select(Booking, Quote).join(Quote, Booking.quote_id == Quote.id)
            .where(Booking.area == area, Booking.service_date == date,
                   Booking.status.in_(ACTIVE))).all()]

    def plan_stops(self, date: dt.date, *, area: str | None = None,
                   vehicle: str | None = None) -> list[PlannedStop]:
        """Stored plan stops of a day (one area's or one vehicle's), in order."""
        stmt = select(PlanStop.vehicle_id, PlanStop.seq, PlanStop.request_id, PlanStop.kind,
                      PlanStop.planned_s).where(PlanStop.service_date == date)
        if area is not None:
            stmt = stmt.where(PlanStop.area == area)
        if vehicle is not None:
            stmt = stmt.where(PlanStop.vehicle_id == vehicle)
        return [PlannedStop(*row) for row in
                self.s.execute(stmt.order_by(PlanStop.vehicle_id, PlanStop.seq)).all()]

    def replace_plan(self, area: str, date: dt.date, vehicle: str,
                     stops: Sequence[tuple[str, str]], times: Iterable[float]) -> None:
        """Store a vehicle's plan for the day (stop k at ``times[k]``)."""
        self.s.execute(delete(PlanStop).where(PlanStop.vehicle_id == vehicle,
                                              PlanStop.service_date == date))
        if stops:
            self.s.execute(insert(PlanStop), [
                {"area": area, "service_date": date, "vehicle_id": vehicle, "seq": k,
                 "request_id": rid, "kind": kind, "planned_s": float(t)}
                for k, ((rid, kind), t) in enumerate(zip(stops, times, strict=True), 1)])

    def vehicle_state(self, vehicle: str, date: dt.date) -> VehicleState | None:
        return self.s.get(VehicleState, (vehicle, date))

    def vehicle_states(self, date: dt.date) -> dict[str, VehicleState]:
        return {st.vehicle_id: st for st in self.s.execute(
            select(VehicleState).where(VehicleState.service_date == date)).scalars()}

    def set_vehicle_state(self, vehicle: str, date: dt.date, position: tuple[float, float],
                          ready_s: float, late: bool, at: dt.datetime,
                          reported_at: dt.datetime | None = None) -> None:
        """Store where a vehicle is and from when it goes on; ``reported_at``: when its
        driver reported that (None: a re-timing only, the last report stays)."""
        st = self.vehicle_state(vehicle, date) or VehicleState(vehicle_id=vehicle,
                                                               service_date=date)
        st.lat, st.lon = position
        st.ready_s, st.late, st.updated_at = float(ready_s), late, at
        if reported_at is not None:
            st.reported_at = reported_at
        self.s.add(st)

    def has_event(self, vehicle: str, event_id: str) -> bool:
        """Whether the vehicle's device sent an event with this id before."""
        return self.s.execute(select(VehicleEvent.id).where(
            VehicleEvent.vehicle_id == vehicle, VehicleEvent.event_id == event_id)
        ).first() is not None

    def add_event(self, **values: Any) -> None:
        self.s.add(VehicleEvent(**values))

    def rides(self, ids: Iterable[str]) -> list[tuple[Booking, Quote]]:
        """Bookings by id with their quotes (ids of no booking are left out): one query."""
        ids = set(ids)
        if not ids:
            return []
        return [(b, q) for b, q in self.s.execute(
            select(Booking, Quote).join(Quote, Booking.quote_id == Quote.id)
            .where(Booking.id.in_(ids))).all()]

    def late_alerts(self, date: dt.date) -> list[tuple[LateAlert, Booking, Quote]]:
        """A day's alerts of rides running late with their bookings and quotes, in the
        order they were noticed."""
        return [(a, b, q) for a, b, q in self.s.execute(
            select(LateAlert, Booking, Quote).join(Booking, LateAlert.booking_id == Booking.id)
            .join(Quote, Booking.quote_id == Quote.id)
            .where(LateAlert.service_date == date)
            .order_by(LateAlert.noticed_at, LateAlert.id)).all()]

    def manifest_rows(self, vehicle: str, date: dt.date
                      ) -> list[tuple[Booking, Quote, Rider]]:
        """The vehicle's bookings of the day with their quotes and riders."""
        return [(b, q, r) for b, q, r in self.s.execute(
            select(Booking, Quote, Rider).join(Quote, Booking.quote_id == Quote.id)
            .join(Rider, Booking.rider_id == Rider.id)
            .where(Booking.vehicle_id == vehicle, Booking.service_date == date)).all()]

    # -- rate limits ------------------------------------------------------------------------
    def add_count(self, scope: str, key: str, window_end: int, n: int) -> int:
        """Add ``n`` requests to a rate-limit window (created at the first); its new count.
        One statement on SQLite (3.35+) and PostgreSQL alike."""
        ins: Any = (sqlite_insert if self.s.get_bind().dialect.name == "sqlite"
                    else pg_insert)(RateCount)
        stmt = ins.values(scope=scope, key=key, window_end=window_end, count=n)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RateCount.scope, RateCount.key, RateCount.window_end],
            set_={"count": RateCount.count + stmt.excluded.count}).returning(RateCount.count)
        return int(self.s.execute(stmt).scalar_one())


@contextmanager
def reading(store: Store) -> Iterator[Repository]:
    """A repository on a read-only snapshot (never waits for a writer)."""
    with store.snapshot() as s:
        yield Repository(s)


@contextmanager
def writing(store: Store) -> Iterator[Repository]:
    """A repository in a writing transaction that commits when the block ends."""
    with store.session() as s:
        yield Repository(s)
