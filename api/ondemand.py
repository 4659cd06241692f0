"""On-demand rides over the store: quotes, bookings, cancellations and vehicle events.

Every change to a service area's plans for a day happens in one transaction holding that
day's lock (:meth:`Store.day`). Each process keeps the day's :class:`Dispatcher` in memory
and rebuilds it from the store whenever the stored plan version differs from its own — after a
restart, or when another process changed the plans — so that a booking is re-checked against
the plans as stored, never against a stale copy. A failure anywhere drops the in-memory copy.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.auth import Principal, new_id
from api.config import ApiConfig
from api.problems import Problem, not_found
from api.store import Store
from api.store.models import (
    Booking,
    BookingStatus,
    PlanStop,
    PlanVersion,
    Quote,
    Rider,
    VehicleEvent,
    VehicleRow,
    VehicleState,
    utcnow,
)
from dispatch.insertion import Dispatcher, DispatchParams, NoOffer
from dispatch.model import Point, Request, Vehicle
from dispatch.service_area import ServiceArea
from dispatch.travel import CachedTravel, TravelTimes
from routing.errors import MobilityError, OutOfRegionError
from routing.timebase import NO_BOUND_S, clock_text

ACTIVE = ("confirmed", "on_board")
_NO_OFFER = {"no vehicle in time": "no-vehicle-available", "capacity": "no-capacity",
             "ride-time limit": "ride-time-limit", "outside shift": "outside-service-hours"}


@dataclass
class _Day:
    dispatcher: Dispatcher
    version: int


class OnDemand:
    """The on-demand service of one region: its areas, fleet, clock and store."""

    def __init__(self, areas: list[ServiceArea], travel: TravelTimes, timezone: str,
                 store: Store, params: DispatchParams | None = None,
                 config: ApiConfig | None = None) -> None:
        self.areas = {a.name: a for a in areas}
        self.travel = CachedTravel(travel)  # plans are rebuilt often: their legs repeat
        self.tz = ZoneInfo(timezone)
        self.store = store
        self.params = params or DispatchParams()
        self.config = config or ApiConfig()
        self._days: dict[tuple[str, dt.date], _Day] = {}
        self._days_guard = threading.Lock()

    # -- fleet --------------------------------------------------------------------------
    def sync_fleet(self) -> None:
        """Write the configured fleet to the store (vehicles no longer configured are kept,
        inactive, so their history stays readable)."""
        with self.store.session() as s:
            configured = {v.id: (a.name, v) for a in self.areas.values() for v in a.vehicles}
            for row in s.execute(select(VehicleRow)).scalars():
                row.active = row.id in configured
            for vid, (area, v) in configured.items():
                row = s.get(VehicleRow, vid) or VehicleRow(id=vid)
                row.area, row.seats, row.wheelchair_places = area, v.seats, v.wheelchair_places
                row.depot_lat, row.depot_lon = v.start
                row.shift_start_s, row.shift_end_s = v.shift
                row.active = True
                s.add(row)

    # -- time ---------------------------------------------------------------------------
    def local(self, moment: dt.datetime) -> dt.datetime:
        """A moment in the region's zone (a time without offset is local time already)."""
        try:
            return (moment.replace(tzinfo=self.tz) if moment.tzinfo is None
                    else moment.astimezone(self.tz))
        except OverflowError:  # e.g. 0001-01-01T00:00+01:00 lies before year 1 here
            raise Problem(422, "implausible-time", "Implausible time", f"{moment.isoformat()}"
                          " is not a time this service can handle", field="time") from None

    def day_seconds(self, moment: dt.datetime) -> tuple[dt.date, float]:
        """(service date, seconds after its midnight) of a moment, in the region's zone."""
        m = self.local(moment)
        return m.date(), (m - self._midnight(m.date())).total_seconds()

    def moment(self, date: dt.date, seconds: float) -> dt.datetime:
        """Seconds after a service day's midnight as local time (whole seconds)."""
        return (self._midnight(date) + dt.timedelta(seconds=round(seconds))).astimezone(self.tz)

    def _midnight(self, date: dt.date) -> dt.datetime:
        # GTFS's service-day origin: noon minus 12 h (differs from midnight on DST days)
        return dt.datetime.combine(date, dt.time(12), self.tz) - dt.timedelta(hours=12)

    # -- quotes -------------------------------------------------------------------------
    def rider_for(self, s: Session, who: Principal, rider_id: str | None) -> str:
        if who.role == "rider":
            if rider_id is not None and rider_id != who.rider_id:
                raise Problem(403, "forbidden", "Forbidden", "riders book for themselves only",
                              field="riderId")
            assert who.rider_id is not None
            return who.rider_id
        if not who.staff:
            raise Problem(403, "forbidden", "Forbidden", f"a {who.role} key cannot book rides")
        if rider_id is None:
            raise Problem(422, "validation", "Invalid request", "dispatchers must name the "
                          "rider they book for (riderId; create one with POST /api/v1/riders)",
                          field="riderId")
        if s.get(Rider, rider_id) is None:
            raise Problem(422, "unknown-rider", "Unknown rider", f"no rider {rider_id!r}",
                          field="riderId")
        return rider_id

    def area_of(self, origin: Point, destination: Point) -> ServiceArea:
        names = ", ".join(self.areas) or "none"
        if not self.areas:
            raise Problem(422, "no-service-area", "No on-demand service",
                          "this region has no on-demand service area")
        for field, p in (("origin", origin), ("destination", destination)):
            if not any(a.contains(p) for a in self.areas.values()):
                raise Problem(422, "outside-service-area", "Outside the service area",
                              f"{field} ({p[0]:.5f}, {p[1]:.5f}) is outside every on-demand "
                              f"service area ({names}; GET /api/v1/service-areas)",
                              field=field)
        for a in self.areas.values():
            if a.contains(origin) and a.contains(destination):
                return a
        raise Problem(422, "outside-service-area", "Outside the service area",
                      "origin and destination lie in different service areas",
                      field="destination")

    def check_time(self, moment: dt.datetime, area: ServiceArea | None = None
                   ) -> dt.datetime:
        """The requested moment, checked against the clock, the booking horizon and the
        area's booking rule (its notice) and service hours."""
        m = self.local(moment)
        now = dt.datetime.now(dt.UTC)
        rule = area.booking if area is not None else None
        if rule is not None and rule.notice_min_s > 0 and m >= now and \
                m < now + dt.timedelta(seconds=rule.notice_min_s):
            earliest = (now + dt.timedelta(seconds=rule.notice_min_s)).astimezone(self.tz)
            raise Problem(422, "booking-notice", "Too short notice",
                          f"rides in {area.name} must be booked at least "  # type: ignore[union-attr]
                          f"{rule.notice_min_s / 60:g} minutes ahead: the earliest time is "
                          f"{earliest.isoformat(timespec='minutes')}", field="time")
        if area is not None and area.hours is not None:
            secs = self.day_seconds(m)[1]
            if not area.hours[0] <= secs <= area.hours[1]:
                raise Problem(422, "outside-service-hours", "Outside service hours",
                              f"{area.name} is served {clock_text(area.hours[0])}–"
                              f"{clock_text(area.hours[1])}", field="time")
        if m < now - dt.timedelta(seconds=self.config.past_grace_s):
            raise Problem(422, "time-in-past", "Time in the past",
                          f"time {m.isoformat()} is in the past (now: "
                          f"{now.astimezone(self.tz).isoformat(timespec='seconds')})",
                          field="time")
        if m > now + dt.timedelta(days=self.config.horizon_days):
            raise Problem(422, "time-too-far", "Time too far ahead",
                          f"rides can be booked at most {self.config.horizon_days} days ahead",
                          field="time")
        return m

    def earliest_pickup_s(self, area: str, date: dt.date) -> float | None:
        """The earliest pickup a rider can still book on ``date`` in ``area`` (now plus the
        area's booking notice), as seconds after that day's midnight; None for past days
        (planning only: nothing there is booked)."""
        now = dt.datetime.now(self.tz)
        if date < now.date():
            return None
        rule = self.areas[area].booking if area in self.areas else None
        notice = rule.notice_min_s if rule is not None else 0.0
        return (now + dt.timedelta(seconds=notice) - self._midnight(date)).total_seconds()

    def quote(self, who: Principal, origin: Point, destination: Point, when: dt.datetime,
              time_type: str, passengers: int, wheelchair: bool,
              rider_id: str | None) -> Quote:
        """An offer for a ride, stored so that it can be booked until it expires.

        Raises
        ------
        Problem
            422 for a request no rule can serve (outside the area, in the past, …), 409 with
            the reason when no vehicle can take it now.
        """
        with self.store.session() as s:
            rider = self.rider_for(s, who, rider_id)
        area = self.area_of(origin, destination)
        date, secs = self.day_seconds(self.check_time(when, area))
        for field, p in (("origin", origin), ("destination", destination)):
            try:
                self.travel.one_to_many(p, [p])
            except OutOfRegionError as exc:
                raise Problem(422, "outside-region", "Outside the region", f"{field}: {exc}",
                              field=field) from None
        qid = new_id("q_")
        # a quote changes no plan: it reads the day's plans as stored, without holding the
        # database lock while it searches (the booking re-checks under the lock)
        with self._snapshot(area.name, date) as d:
            try:
                req = d.make_request(
                    qid, origin, destination, passengers=passengers,
                    wheelchairs=int(wheelchair),
                    earliest_pickup=secs if time_type == "departure" else None,
                    latest_arrival=secs if time_type == "arrival" else None)
            except MobilityError as exc:
                raise Problem(422, "unreachable", "No road connection", str(exc),
                              field="destination") from None
            offer = d.quote(req)
        if isinstance(offer, NoOffer):
            raise Problem(409, _NO_OFFER.get(offer.reason, "no-offer"),
                          "No ride available", f"{offer.reason}: {offer.detail}",
                          reason=offer.reason)
        q = Quote(id=qid, rider_id=rider, key_id=who.key_id, area=area.name,
                  service_date=date, time_type=time_type,
                  origin_lat=origin[0], origin_lon=origin[1],
                  dest_lat=destination[0], dest_lon=destination[1],
                  passengers=passengers, wheelchairs=int(wheelchair),
                  pickup_lo_s=req.pickup_window[0], pickup_hi_s=req.pickup_window[1],
                  dropoff_lo_s=req.dropoff_window[0],
                  dropoff_hi_s=min(req.dropoff_window[1], 10.0**9),
                  max_ride_s=req.max_ride, boarding_s=req.pickup_service,
                  alighting_s=req.dropoff_service, vehicle_id=offer.vehicle,
                  est_pickup_s=offer.pickup_time, est_dropoff_s=offer.dropoff_time,
                  created_at=utcnow(),
                  expires_at=utcnow() + dt.timedelta(seconds=self.config.quote_ttl_s))
        with self.store.session() as s:
            s.add(q)
        return q

    # -- bookings -----------------------------------------------------------------------
    def book(self, who: Principal, quote_id: str, idempotency_key: str | None
             ) -> tuple[Booking, bool]:
        """Book a quote: (the booking, whether it was created now). A retried request with
        the same ``Idempotency-Key`` returns the booking made the first time.

        Raises
        ------
        Problem
            404 unknown quote, 410 expired, 409 already booked or no longer feasible,
            422 an idempotency key reused for another quote.
        """
        with self.store.session() as s:
            done = self._replay(s, who, quote_id, idempotency_key)
            if done is not None:
                return done, False
            q = s.get(Quote, quote_id)
            if q is None or not self._may_use(who, q.rider_id):
                raise not_found("quote", quote_id)
        if q.expires_at < dt.datetime.now(dt.UTC):
            raise Problem(410, "quote-expired", "Quote expired",
                          f"quote {quote_id} expired at {q.expires_at.isoformat()}; ask for a "
                          "new quote", field="quoteId")
        with self._day(q.area, q.service_date) as (s, d):
            done = self._replay(s, who, quote_id, idempotency_key)
            if done is not None:
                return done, False
            taken = s.execute(select(Booking.id).where(Booking.quote_id == quote_id)
                              ).scalar_one_or_none()
            if taken is not None:
                raise Problem(409, "quote-used", "Quote already booked",
                              f"quote {quote_id} was booked already (booking {taken})",
                              field="quoteId", bookingId=taken)
            bid = new_id("b_")
            req = _request(q, bid)
            offer = d.quote(req)
            if isinstance(offer, NoOffer):
                raise Problem(409, "quote-stale", "No longer available",
                              "the vehicles' plans changed since the quote and the ride no "
                              "longer fits; ask for a new quote", field="quoteId")
            d.commit(offer)
            now = utcnow()
            b = Booking(id=bid, quote_id=q.id, rider_id=q.rider_id, key_id=who.key_id,
                        idempotency_key=idempotency_key, area=q.area,
                        service_date=q.service_date, vehicle_id=offer.vehicle,
                        status="confirmed", created_at=now, updated_at=now)
            s.add(b)
            s.flush()
            s.add(BookingStatus(booking_id=bid, status="confirmed", at=now, by_role=who.role))
            self._save(s, q.area, q.service_date, d, offer.vehicle)
        return b, True

    def book_itinerary(self, who: Principal, legs: list[dict[str, Any]],
                       idempotency_key: str | None, rider_id: str | None
                       ) -> tuple[str, list[Booking], bool]:
        """Book every on-demand leg of a planned itinerary in one transaction: all or none.
        Each leg is ``{origin, destination, pickup (lo, hi), dropoff (lo, hi), passengers,
        wheelchair}`` with aware datetimes; the drop-off window's end is the connection to
        make. Returns (itinerary id, bookings, created now)."""
        with self.store.session() as s:
            rider = self.rider_for(s, who, rider_id)
            if idempotency_key is not None:
                first = s.execute(select(Booking).where(
                    Booking.key_id == who.key_id,
                    Booking.idempotency_key == idempotency_key)).scalar_one_or_none()
                if first is not None:
                    if first.itinerary_id is None:
                        raise Problem(422, "idempotency-key-reused", "Idempotency key reused",
                                      f"Idempotency-Key {idempotency_key!r} was used for a "
                                      "single booking", field="Idempotency-Key")
                    same = s.execute(select(Booking).where(
                        Booking.itinerary_id == first.itinerary_id)
                        .order_by(Booking.created_at, Booking.id)).scalars().all()
                    return first.itinerary_id, list(same), False
        parts = []
        for k, leg in enumerate(legs):
            o, dst = leg["origin"], leg["destination"]
            sa = self.area_of(o, dst)
            self.check_time(leg["pickup"][1], None)  # not over yet, not too far ahead
            early = self.earliest_pickup_s(sa.name, self.local(leg["pickup"][1]).date())
            pickup_end = self.day_seconds(leg["pickup"][1])[1]
            if early is not None and pickup_end < early:
                raise Problem(422, "booking-notice", "Too short notice",
                              f"itinerary leg {k}: rides in {sa.name} must be booked "
                              "further ahead; plan the journey again", field=f"itinerary.{k}")
            date, plo = self.day_seconds(leg["pickup"][0])
            phi = (self.local(leg["pickup"][1]) - self._midnight(date)).total_seconds()
            dlo = (self.local(leg["dropoff"][0]) - self._midnight(date)).total_seconds()
            end = leg["dropoff"][1]  # None: no connection to make
            dhi = (NO_BOUND_S if end is None
                   else (self.local(end) - self._midnight(date)).total_seconds())
            if not (plo <= phi and dlo <= dhi):
                raise Problem(422, "validation", "Invalid request", f"itinerary leg {k}: a "
                              "window ends before it starts", field=f"itinerary.{k}")
            parts.append((sa.name, date, o, dst, (plo, phi), (max(0.0, dlo), dhi), leg))
        if len({(a, d) for a, d, *_ in parts}) > 1:
            raise Problem(422, "itinerary-spans-days", "Book legs one by one",
                          "the itinerary's rides lie in different service areas or days: "
                          "book them one by one", field="itinerary")
        area, date = parts[0][0], parts[0][1]
        iid = new_id("i_")
        now = utcnow()
        with self._day(area, date) as (s, d):
            made: list[Booking] = []
            changed: set[str] = set()
            for k, (_, _, o, dst, pw, dw, leg) in enumerate(parts):
                bid = new_id("b_")
                direct = float(self.travel.one_to_many(o, [dst])[0])
                p = self.params
                req = Request(bid, o, dst, pw, dw, p.alpha * direct + p.beta, leg["passengers"],
                              int(leg["wheelchair"]), p.boarding_s, p.alighting_s)
                offer = d.quote(req)
                if isinstance(offer, NoOffer):
                    if made:  # an earlier leg is in the in-memory plans: forget them
                        with self._days_guard:
                            self._days.pop((area, date), None)
                    raise Problem(409, "itinerary-unavailable", "No longer available",
                                  f"leg {k}: {offer.reason} — plan the journey again",
                                  field=f"itinerary.{k}", reason=offer.reason)
                d.commit(offer)
                changed.add(offer.vehicle)
                q = Quote(id=new_id("q_"), rider_id=rider, key_id=who.key_id, area=area,
                          service_date=date, time_type="departure", origin_lat=o[0],
                          origin_lon=o[1], dest_lat=dst[0], dest_lon=dst[1],
                          passengers=req.passengers, wheelchairs=req.wheelchairs,
                          pickup_lo_s=pw[0], pickup_hi_s=pw[1], dropoff_lo_s=dw[0],
                          dropoff_hi_s=min(dw[1], 10.0**9), max_ride_s=req.max_ride,
                          boarding_s=p.boarding_s, alighting_s=p.alighting_s,
                          vehicle_id=offer.vehicle, est_pickup_s=offer.pickup_time,
                          est_dropoff_s=offer.dropoff_time, created_at=now, expires_at=now)
                s.add(q)
                s.flush()  # the quote row first: the booking refers to it
                b = Booking(id=bid, quote_id=q.id, rider_id=rider, key_id=who.key_id,
                            idempotency_key=idempotency_key if k == 0 else None, area=area,
                            service_date=date, vehicle_id=offer.vehicle, status="confirmed",
                            created_at=now, updated_at=now, itinerary_id=iid,
                            connection_by_s=dw[1] if dw[1] < 10.0**8 else None)
                s.add(b)
                s.flush()
                s.add(BookingStatus(booking_id=bid, status="confirmed", at=now,
                                    by_role=who.role))
                made.append(b)
            self._save(s, area, date, d, *sorted(changed))
        return iid, made, True

    def _replay(self, s: Session, who: Principal, quote_id: str, key: str | None
                ) -> Booking | None:
        if key is None:
            return None
        b = s.execute(select(Booking).where(Booking.key_id == who.key_id,
                                            Booking.idempotency_key == key)
                      ).scalar_one_or_none()
        if b is not None and b.quote_id != quote_id:
            raise Problem(422, "idempotency-key-reused", "Idempotency key reused",
                          f"Idempotency-Key {key!r} was used for another quote",
                          field="Idempotency-Key")
        return b

    def _may_use(self, who: Principal, rider_id: str) -> bool:
        return who.staff or (who.role == "rider" and who.rider_id == rider_id)

    def get_booking(self, s: Session, who: Principal, booking_id: str) -> Booking:
        b = s.get(Booking, booking_id)
        if b is None or not self._may_use(who, b.rider_id):
            raise not_found("booking", booking_id)
        return b

    def cancel(self, who: Principal, booking_id: str) -> Booking:
        """Cancel a booking (cancelling twice is harmless; a ride that started or ended
        cannot be cancelled)."""
        with self.store.session() as s:
            b = self.get_booking(s, who, booking_id)
        with self._day(b.area, b.service_date) as (s, d):
            b = s.get_one(Booking, booking_id)
            if b.status == "cancelled":
                return b
            if b.status != "confirmed":
                raise Problem(409, "ride-finished", "Cannot cancel",
                              f"booking {booking_id} is {b.status.replace('_', ' ')}: only a "
                              "ride not yet started can be cancelled", field="id")
            d.remove(b.id)
            self._status(s, b, "cancelled", who)
            self._save(s, b.area, b.service_date, d, b.vehicle_id)
        return b

    def _status(self, s: Session, b: Booking, status: str, who: Principal) -> None:
        now = utcnow()
        b.status, b.updated_at = status, now
        s.add(BookingStatus(booking_id=b.id, status=status, at=now, by_role=who.role))

    # -- vehicle events -----------------------------------------------------------------
    def event(self, who: Principal, vehicle_id: str, kind: str, booking_id: str | None,
              when: dt.datetime | None, position: Point | None) -> tuple[Booking | None, bool]:
        """Apply what a driver reported; returns (the booking concerned, whether the
        vehicle now runs late)."""
        moment = self.local(when) if when is not None else dt.datetime.now(self.tz)
        with self.store.session() as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise not_found("vehicle", vehicle_id)
            b = s.get(Booking, booking_id) if booking_id else None
            if booking_id and (b is None or b.vehicle_id != vehicle_id):
                raise Problem(404, "not-found", "booking not found",
                              f"no booking {booking_id!r} on vehicle {vehicle_id}",
                              field="bookingId")
        date = b.service_date if b is not None else self.day_seconds(moment)[0]
        secs = (moment - self._midnight(date)).total_seconds()
        with self._day(v.area, date) as (s, d):
            if b is not None:
                b = s.get_one(Booking, b.id)
                self._apply(s, d, who, b, kind, secs)
            elif position is not None:
                d.locate(vehicle_id, position, secs)
            s.add(VehicleEvent(vehicle_id=vehicle_id, service_date=date, type=kind,
                               booking_id=booking_id,
                               lat=position[0] if position else None,
                               lon=position[1] if position else None, time_s=secs,
                               at=moment.astimezone(dt.UTC), key_id=who.key_id))
            self._save(s, v.area, date, d, vehicle_id)
            return b, d.is_late(vehicle_id)

    def _apply(self, s: Session, d: Dispatcher, who: Principal, b: Booking, kind: str,
               secs: float) -> None:
        need = {"arrived": ("confirmed", "on_board"), "picked_up": ("confirmed",),
                "no_show": ("confirmed",), "dropped_off": ("on_board",)}[kind]
        if b.status not in need:
            raise Problem(409, "wrong-status", "Event does not fit the booking",
                          f"{kind} for booking {b.id}, which is {b.status.replace('_', ' ')} "
                          f"(expected {' or '.join(need)})", field="type")
        q = s.get_one(Quote, b.quote_id)
        if kind == "arrived":
            at = (q.origin_lat, q.origin_lon) if b.status == "confirmed" else (
                q.dest_lat, q.dest_lon)
            d.locate(b.vehicle_id, at, secs)
        elif kind == "picked_up":
            d.picked_up(b.id, secs)
            b.picked_up_s = secs
            self._status(s, b, "on_board", who)
        elif kind == "dropped_off":
            d.dropped_off(b.id, secs)
            self._status(s, b, "completed", who)
        else:  # no_show: the vehicle waited at the pickup
            d.remove(b.id)
            d.locate(b.vehicle_id, (q.origin_lat, q.origin_lon), secs)
            self._status(s, b, "no_show", who)

    # -- re-planning --------------------------------------------------------------------
    def replan(self, area: str, date: dt.date, time_limit_s: float) -> tuple[float, list[str]]:
        """Let the optimiser improve a day's plans (every promise kept; rides not yet picked
        up may change vehicle). Returns (vehicle time saved in s, bookings moved)."""
        if area not in self.areas:
            raise Problem(404, "not-found", "service area not found",
                          f"no service area {area!r} (known: {', '.join(self.areas)})",
                          field="area")
        with self._day(area, date) as (s, d):
            before = {rid: vid for vid, p in d.plans.items() for rid, _ in p.stops}
            saved = d.reoptimize(time_limit_s=time_limit_s)
            if saved <= 0:
                return 0.0, []
            after = {rid: vid for vid, p in d.plans.items() for rid, _ in p.stops}
            moved = sorted(rid for rid, vid in after.items() if before.get(rid) != vid)
            for rid in moved:
                b = s.get(Booking, rid)
                if b is not None:
                    b.vehicle_id, b.updated_at = after[rid], utcnow()
            self._save(s, area, date, d, *d.plans)
        return saved, moved

    # -- the day's plans ----------------------------------------------------------------
    @contextmanager
    def _day(self, area: str, date: dt.date) -> Iterator[tuple[Session, Dispatcher]]:
        """The day's lock, its transaction and its dispatcher (rebuilt if stale). Any
        failure drops the in-memory dispatcher: the store stays the truth."""
        try:
            with self.store.day(area, date) as (s, version):
                yield s, self._current(s, area, date, version)
        except Problem:
            raise  # refused before anything changed: the in-memory plans are intact
        except BaseException:
            with self._days_guard:
                self._days.pop((area, date), None)
            raise

    def view(self, area: str, date: dt.date) -> AbstractContextManager[Dispatcher]:
        """The day's dispatcher as stored, for reading (e.g. the planner's ride quotes)."""
        return self._snapshot(area, date)

    @contextmanager
    def _snapshot(self, area: str, date: dt.date) -> Iterator[Dispatcher]:
        """The day's dispatcher, current with the store, for reading: this process's lock is
        held while it is used, the database's is not."""
        with self.store.thread_lock(area, date):
            # one snapshot: the version and the plans read must belong together
            with self.store.snapshot() as s:
                d = self._current(s, area, date, self.store.read_version(s, area, date))
            yield d

    def _current(self, s: Session, area: str, date: dt.date, version: int) -> Dispatcher:
        """The in-memory dispatcher of the day if it is at the stored version, else one
        rebuilt from the store."""
        with self._days_guard:
            day = self._days.get((area, date))
        if day is None or day.version != version:
            day = _Day(self._load(s, area, date), version)
            with self._days_guard:
                self._days[(area, date)] = day
        return day.dispatcher

    def _vehicles(self, s: Session, area: str) -> list[Vehicle]:
        rows = s.execute(select(VehicleRow).where(VehicleRow.area == area,
                                                  VehicleRow.active.is_(True))
                         .order_by(VehicleRow.id)).scalars()
        return [Vehicle(r.id, (r.depot_lat, r.depot_lon), (r.depot_lat, r.depot_lon),
                        (r.shift_start_s, r.shift_end_s), r.seats, r.wheelchair_places)
                for r in rows]

    def _load(self, s: Session, area: str, date: dt.date) -> Dispatcher:
        """The day's dispatcher as stored: bookings, stop order, positions, riders on board."""
        d = Dispatcher(self._vehicles(s, area), self.travel, self.params)
        rows = s.execute(select(Booking, Quote).join(Quote, Booking.quote_id == Quote.id)
                         .where(Booking.area == area, Booking.service_date == date,
                                Booking.status.in_(ACTIVE))).all()
        requests = {b.id: _request(q, b.id) for b, q in rows}
        onboard: dict[str, dict[str, float]] = {}
        for b, _ in rows:
            if b.status == "on_board":
                onboard.setdefault(b.vehicle_id, {})[b.id] = float(b.picked_up_s or 0.0)
        stops: dict[str, list[tuple[str, str]]] = {}
        for ps in s.execute(select(PlanStop).where(PlanStop.area == area,
                                                   PlanStop.service_date == date)
                            .order_by(PlanStop.vehicle_id, PlanStop.seq)).scalars():
            stops.setdefault(ps.vehicle_id, []).append((ps.request_id, ps.kind))
        states = {st.vehicle_id: st for st in s.execute(
            select(VehicleState).where(VehicleState.service_date == date)).scalars()}
        for vid in d.plans:
            mine = stops.get(vid)
            st = states.get(vid)
            if mine is None and st is None and vid not in onboard:
                continue  # nothing stored: the fresh plan (breaks only)
            ids = {rid for rid, _ in mine or []} | set(onboard.get(vid, {}))
            d.restore(vid, mine or [], [requests[i] for i in ids if i in requests],
                      origin=(st.lat, st.lon) if st else None,
                      ready=st.ready_s if st else None, onboard=onboard.get(vid))
        return d

    def _save(self, s: Session, area: str, date: dt.date, d: Dispatcher, *vehicles: str
              ) -> None:
        """Write the changed vehicles' plans and bump the day's version (the lock is held).
        The other vehicles' plans are unchanged (they share no stop)."""
        for vehicle in vehicles:
            s.execute(delete(PlanStop).where(PlanStop.vehicle_id == vehicle,
                                             PlanStop.service_date == date))
            plan = d.plans[vehicle]
            s.add_all(PlanStop(area=area, service_date=date, vehicle_id=vehicle, seq=k,
                               request_id=rid, kind=kind, planned_s=float(plan.times[k]))
                      for k, (rid, kind) in enumerate(plan.stops, 1))
            if plan.origin is not None:
                st = s.get(VehicleState, (vehicle, date)) or VehicleState(
                    vehicle_id=vehicle, service_date=date)
                st.lat, st.lon = plan.origin
                st.ready_s = float(plan.ready or 0.0)
                st.late = plan.late
                st.updated_at = utcnow()
                s.add(st)
        s.execute(update(PlanVersion).where(PlanVersion.area == area,
                                            PlanVersion.service_date == date)
                  .values(version=PlanVersion.version + 1))
        s.flush()
        new = s.execute(select(PlanVersion.version).where(
            PlanVersion.area == area, PlanVersion.service_date == date)).scalar_one()
        with self._days_guard:
            day = self._days.get((area, date))
            if day is not None and day.dispatcher is d:
                day.version = int(new)


def _request(q: Quote, rid: str) -> Request:
    """The request a quote promised, under the id it is booked as."""
    return Request(rid, (q.origin_lat, q.origin_lon), (q.dest_lat, q.dest_lon),
                   (q.pickup_lo_s, q.pickup_hi_s), (q.dropoff_lo_s, q.dropoff_hi_s),
                   q.max_ride_s, q.passengers, q.wheelchairs, q.boarding_s, q.alighting_s)
