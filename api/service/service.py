"""The booking service: on-demand rides of one region over the store — quotes, bookings of
single rides and whole itineraries, cancellations, drivers' events and re-planning — with
its rules, its clock and its days of plans. It knows no HTTP: refusals are
:mod:`api.service.errors`, answers are :mod:`api.service.views`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from api.auth import Principal
from api.config import ApiConfig
from api.metrics import Metrics
from api.place_names import PlaceNamer
from api.service import (
    booking,
    callers,
    driving,
    live,
    notes,
    privacy,
    quoting,
    replanning,
    rules,
    service_alerts,
    standing,
)
from api.service.clock import Clock, SystemClock
from api.service.connections import Connections
from api.service.days import DayPlans
from api.service.errors import ForbiddenError, InvalidRequestError, not_found
from api.service.stored_plans import builder, promised, writer
from api.service.timing import Timing
from api.service.views import (
    BookingView,
    ManifestStopView,
    ManifestView,
    QuoteView,
    booking_view,
)
from api.store import Store
from api.store.models import Rider, VehicleRow
from api.store.repository import Repository, reading
from dispatch.fares import FareClasses
from dispatch.insertion import Dispatcher, DispatchParams
from dispatch.model import Point
from dispatch.service_area import ServiceArea
from dispatch.travel import CachedTravel, TravelTimes
from routing.errors import OutOfRegionError

#: a function running the optimiser on a re-planning task (in another process by default)
Optimiser = Callable[..., Any]
#: how old another process's view of a day the planner's ride offers may read
PLANNER_MAX_AGE_S = 0.5


class BookingService:
    """The on-demand service of one region: its areas and fleet, rules, clock and store.

    Parameters
    ----------
    areas
        The service areas with their vehicles (``ServiceArea.vehicles``).
    travel
        Car travel times; must also check that a point lies on the region's roads
        (``check(point)``, as :class:`dispatch.travel.StreetTravel` does).
    timezone
        The region's IANA time zone.
    store
        The database.
    params, config, clock
        Dispatch rules, service limits and the clock (default: the machine's).
    optimiser
        Runs re-planning tasks; default: a child process (OR-Tools holds Python's lock for
        long stretches of a search, which would stall every other request of this process).
    """

    def __init__(self, areas: Sequence[ServiceArea], travel: TravelTimes, timezone: str,
                 store: Store, params: DispatchParams | None = None,
                 config: ApiConfig | None = None, clock: Clock | None = None,
                 optimiser: Optimiser | None = None) -> None:
        self.areas = {a.name: a for a in areas}
        self.travel = CachedTravel(travel)  # plans are rebuilt often: their legs repeat
        self.store = store
        self.params = params or DispatchParams()
        self.config = config or ApiConfig()
        self.timing = Timing(timezone, clock or SystemClock())
        self.days = DayPlans(store, builder(self.travel, self.params, lambda: self.holiday),
                             writer(self.timing.now))
        self.optimiser = optimiser or replanning.ChildProcessOptimiser()
        #: what this process counted (quotes, bookings, refusals, re-plans, notifications)
        self.metrics = Metrics()
        #: names bookings' ends in plain words (handed in by the app's wiring)
        self.names: PlaceNamer | None = None
        #: the timetable's departures, for a ride that will miss its connection (handed in
        #: by the app's wiring from the journey planner)
        self.connections: Connections | None = None
        #: the region's public holidays, which standing orders skip (handed in by the app's
        #: wiring from ``MOBILITY_HOLIDAYS``; None: no holidays)
        self.holiday: standing.Holiday | None = None

    @property
    def tz(self) -> Any:
        return self.timing.tz

    def close(self) -> None:
        """Stop the optimiser's process (if one was started)."""
        close = getattr(self.optimiser, "close", None)
        if close is not None:
            close()

    # -- fleet ----------------------------------------------------------------------------
    def sync_fleet(self) -> None:
        """Write the configured fleet to the store (vehicles no longer configured are kept,
        inactive, so their history stays readable). Vehicles operators entered through the
        API (``source`` ``operator``) are theirs: left as they are; a configured vehicle
        keeps the company and ``uses_availability`` set through the API."""
        with self.store.session() as s:
            self.store.hold_startup_lock(s)  # processes starting together: one at a time
            configured = {v.id: (a.name, v) for a in self.areas.values() for v in a.vehicles}
            for row in Repository(s).all_vehicles():
                if row.source != "operator":
                    row.active = row.id in configured
            for vid, (area, v) in configured.items():
                row = s.get(VehicleRow, vid) or VehicleRow(id=vid, source="config",
                                                           uses_availability=False)
                if row.source == "operator":
                    continue  # an operator's vehicle of the same id: never overwritten
                row.area, row.seats, row.wheelchair_places = area, v.seats, v.wheelchair_places
                row.depot_lat, row.depot_lon = v.start
                row.shift_start_s, row.shift_end_s = v.shift
                row.active = True
                s.add(row)

    # -- shared checks --------------------------------------------------------------------
    def rider_for(self, repo: Repository | None, who: Principal, rider_id: str | None,
                  field: str = "riderId") -> str:
        """The rider a caller books for: riders themselves, staff a named rider."""
        if who.role == "rider":
            if rider_id is not None and rider_id != who.rider_id:
                raise ForbiddenError("riders book for themselves only", field=field)
            assert who.rider_id is not None
            return who.rider_id
        if not who.staff:
            raise ForbiddenError(f"a {who.role} key cannot book rides")
        if rider_id is None:
            raise InvalidRequestError("dispatchers must name the rider they book for (riderId; "
                                 "create one with POST /api/v1/riders)", field=field,
                                 code="validation")
        with nullcontext(repo) if repo is not None else reading(self.store) as r:
            if r.rider(rider_id) is None or rider_id == privacy.ANONYMOUS_RIDER:
                raise InvalidRequestError(f"no rider {rider_id!r}", field=field,
                                     code="unknown-rider", title="Unknown rider")
        return rider_id

    def on_roads(self, point: Point, field: str) -> None:
        """Refuse a point farther from the region's roads than they can be reached."""
        try:
            self.travel.check(point)
        except OutOfRegionError as exc:
            raise InvalidRequestError(f"{field}: {exc}", field=field, code="outside-region",
                                 title="Outside the region") from None

    def area(self, name: str, field: str = "area") -> ServiceArea:
        a = self.areas.get(name)
        if a is None:
            raise not_found("service area", name, field)
        return a

    def may_see(self, who: Principal, rider_id: str) -> bool:
        return who.staff or (who.role == "rider" and who.rider_id == rider_id)

    # -- on-demand rides --------------------------------------------------------------------
    def quote(self, who: Principal, origin: Point, destination: Point, when: dt.datetime,
              time_type: str, passengers: int, wheelchair: bool,
              rider_id: str | None = None, classes: FareClasses | None = None) -> QuoteView:
        """An offer for a ride, stored so that it can be booked until it expires (see
        :func:`api.service.quoting.quote`)."""
        return quoting.quote(self, who, origin, destination, when, time_type, passengers,
                             wheelchair, rider_id, classes)

    def book(self, who: Principal, quote_id: str, idempotency_key: str | None,
             note: str | None = None) -> tuple[BookingView, bool]:
        """Book a quote: (the booking, whether it was made now)."""
        return booking.book(self, who, quote_id, idempotency_key, note)

    def book_itinerary(self, who: Principal, legs: Sequence[booking.RideLegRequest],
                       idempotency_key: str | None, rider_id: str | None,
                       note: str | None = None) -> tuple[str, list[BookingView], bool]:
        """Book every on-demand leg of an itinerary at once: (itinerary id, bookings, whether
        they were made now)."""
        return booking.book_itinerary(self, who, legs, idempotency_key, rider_id, note)

    def set_note(self, who: Principal, booking_id: str, note: str | None) -> BookingView:
        """Set or remove a booking's note for the driver (staff; see
        :func:`api.service.notes.set_note`)."""
        return notes.set_note(self, who, booking_id, note)

    def find_riders(self, who: Principal, query: str, limit: int = 10) -> list[Rider]:
        """Riders a dispatcher's search fits (see :func:`api.service.callers.find`)."""
        return callers.find(self, who, query, limit)

    def cancel(self, who: Principal, booking_id: str) -> BookingView:
        return booking.cancel(self, who, booking_id)

    def event(self, who: Principal, vehicle_id: str, kind: str, booking_id: str | None,
              when: dt.datetime | None, position: Point | None, event_id: str | None = None
              ) -> tuple[BookingView | None, bool, bool]:
        """Apply what a driver reported: (the booking concerned, whether the vehicle now
        runs late, whether it was applied now: false for an ``event_id`` sent before)."""
        return driving.event(self, who, vehicle_id, kind, booking_id, when, position,
                             event_id)

    def replan(self, area: str, date: dt.date, time_limit_s: float, solution_limit: int = 0,
               *, who: Principal | None = None) -> tuple[float, list[str]]:
        """Let the optimiser improve a day's plans: (vehicle seconds saved, bookings moved);
        a change ``who`` (staff) asked for is audited."""
        return replanning.replan(self, area, date, time_limit_s, solution_limit, who=who)

    # -- reading ----------------------------------------------------------------------------
    def booking(self, who: Principal, booking_id: str) -> BookingView:
        with reading(self.store) as repo:
            b = repo.booking(booking_id)
            if b is None or not self.may_see(who, b.rider_id):
                raise not_found("booking", booking_id)
            return booking_view(self.timing, repo.records([b])[0], self.names)

    def bookings(self, who: Principal, *, date: dt.date | None = None,
                 status: str | None = None, limit: int = 100, offset: int = 0
                 ) -> list[BookingView]:
        """The caller's bookings (all of them for staff), newest first, from ``offset``."""
        with reading(self.store) as repo:
            found = repo.list_bookings(rider_id=None if who.staff else (who.rider_id or ""),
                                       date=date, status=status, limit=limit, offset=offset)
            return [booking_view(self.timing, r, self.names) for r in repo.records(found)]

    def views(self, repo: Repository, bookings: Sequence[Any]) -> list[BookingView]:
        return [booking_view(self.timing, r, self.names) for r in repo.records(bookings)]

    def manifest(self, who: Principal, vehicle_id: str, date: dt.date | None
                 ) -> ManifestView:
        """A vehicle's stops of a day in order (default: today), with riders' names and
        phones, the windows promised to them, and who is on board."""
        self.own_vehicle(who, vehicle_id)
        day = date or self.timing.today()
        at = self.timing.moment
        with reading(self.store) as repo:
            v = repo.vehicle(vehicle_id)
            if v is None:
                raise not_found("vehicle", vehicle_id)
            rows = repo.manifest_rows(vehicle_id, day)
            info = {b.id: (b, q, r) for b, q, r in rows}
            out = []
            for st in repo.plan_stops(day, vehicle=vehicle_id):
                if st.request not in info:  # a break: one entry at its start
                    if st.kind == "pickup":
                        depot = (v.depot_lat, v.depot_lon)
                        out.append(ManifestStopView(st.seq, "break", None, None, None, 0,
                                                    False, depot, at(day, st.planned_s), None,
                                                    place_name=self.place_name(depot)))
                    continue
                b, q, r = info[st.request]
                pick = st.kind == "pickup"
                lo, hi = ((q.pickup_lo_s, q.pickup_hi_s) if pick else
                          (max(q.dropoff_lo_s, q.pickup_lo_s),
                           promised(q, b.id).latest_dropoff))
                where = (q.origin_lat, q.origin_lon) if pick else (q.dest_lat, q.dest_lon)
                out.append(ManifestStopView(
                    st.seq, st.kind, b.id, r.name, r.phone, q.passengers, bool(q.wheelchairs),
                    where, at(day, st.planned_s), (at(day, lo), at(day, hi)), b.note,
                    self.place_name(where)))
            state = repo.vehicle_state(vehicle_id, day)
            return ManifestView(vehicle_id, day, bool(state and state.late),
                                (state.lat, state.lon) if state else None,
                                tuple(b.id for b, _, _ in rows if b.status == "on_board"),
                                tuple(out))

    def live_fleet(self, who: Principal, date: dt.date | None = None
                   ) -> list[live.VehicleLiveView]:
        """Each vehicle's last report and next stops of a day (default today; a driver
        sees their own vehicle only)."""
        return live.fleet(self, who, date or self.timing.today())

    def alerts(self, date: dt.date | None = None) -> list[live.AlertView]:
        """The rides of a day (default today) found running late, and what was done."""
        return live.alerts(self, date or self.timing.today())

    def place_name(self, at: Point) -> str | None:
        """A place in plain words (as bookings' ends are named), or None without a namer."""
        return self.names.name(at[0], at[1]).name if self.names is not None else None

    def own_vehicle(self, who: Principal, vehicle_id: str) -> None:
        """Drivers see their own vehicle only (another's is "not found")."""
        if who.role == "driver" and who.vehicle_id != vehicle_id:
            raise not_found("vehicle", vehicle_id)

    # -- riders' data ---------------------------------------------------------------------
    def export_rider(self, who: Principal, rider_id: str) -> dict[str, Any]:
        """Everything stored about a rider (see :func:`api.service.privacy.export_rider`):
        for the rider themself and staff."""
        if not self.may_see(who, rider_id):
            raise not_found("rider", rider_id)
        return privacy.export_rider(self.store, self.timing, rider_id)

    def forget_rider(self, who: Principal, rider_id: str) -> privacy.Forgotten:
        """Forget a rider, keeping their rides as anonymous rows (see
        :func:`api.service.privacy.forget_rider`): for the rider themself and staff."""
        if not self.may_see(who, rider_id):
            raise not_found("rider", rider_id)
        return privacy.forget_rider(self.store, self.timing, rider_id, who)

    # -- standing orders (see :mod:`api.service.standing`) ---------------------------------
    def create_standing_order(self, who: Principal, order: standing.OrderRequest
                              ) -> standing.OrderView:
        """Make a standing order and book its dates within the booking horizon."""
        return standing.create(self, who, order)

    def standing_orders(self, who: Principal, *, rider_id: str | None = None,
                        status: str | None = None, limit: int = 100
                        ) -> list[standing.OrderView]:
        """The caller's standing orders (staff: everyone's, or one rider's), newest first."""
        return standing.list_orders(self, who, rider_id=rider_id, status=status, limit=limit)

    def standing_order(self, who: Principal, order_id: str) -> standing.OrderView:
        return standing.get(self, who, order_id)

    def cancel_standing_order(self, who: Principal, order_id: str) -> standing.OrderView:
        """Cancel a series: its bookings still to be driven are cancelled."""
        return standing.cancel_order(self, who, order_id)

    def book_standing_orders(self, now: dt.datetime | None = None) -> standing.Report:
        """Book the standing orders' dates that are due now (what the booker's thread does
        every interval; see :func:`api.service.standing_booker.run`)."""
        return standing.run(self, now)

    def cancel_standing_date(self, who: Principal, order_id: str, date: dt.date
                             ) -> standing.OrderView:
        """Cancel one date of a series (its booking, if booked)."""
        return standing.cancel_occurrence(self, who, order_id, date)

    # -- service alerts (see :mod:`api.service.service_alerts`) ----------------------------
    def create_service_alert(self, who: Principal, req: service_alerts.AlertRequest
                             ) -> service_alerts.AlertView:
        """Enter an area's closure or reduced service for a period (staff)."""
        return service_alerts.create(self, who, req)

    def list_service_alerts(self, *, include_over: bool = False, limit: int = 100
                       ) -> list[service_alerts.AlertView]:
        return service_alerts.list_alerts(self, include_over=include_over, limit=limit)

    def service_alert(self, alert_id: str) -> service_alerts.AlertView:
        return service_alerts.get(self, alert_id)

    def closure_between(self, area: str, date: dt.date, lo_s: float, hi_s: float
                        ) -> str | None:
        """The headline of a closure of ``area`` meeting that time of ``date`` (None: open)."""
        return service_alerts.closure_between(self, area, date, lo_s, hi_s)

    def end_service_alert(self, who: Principal, alert_id: str) -> service_alerts.AlertView:
        """End an alert now: it leaves the feed, and a closure books again."""
        return service_alerts.end(self, who, alert_id)

    # -- for the journey planner ----------------------------------------------------------
    def view(self, area: str, date: dt.date) -> AbstractContextManager[Dispatcher]:
        """The day's plans as stored, for reading (the planner's ride offers): no lock, and
        at most ``PLANNER_MAX_AGE_S`` old when another process changed them (a booking
        re-checks against the plans as stored)."""
        return nullcontext(self.days.current(area, date, PLANNER_MAX_AGE_S)[0])

    def earliest_pickup_s(self, area: str, date: dt.date) -> float:
        """The earliest pickup still bookable on ``date`` in ``area`` (seconds after its
        midnight; beyond the day's end for a past day)."""
        return rules.earliest_pickup_s(self.timing, self.areas.get(area), date)

    def rule_refusal(self, area: str, date: dt.date, pickup_s: float) -> str | None:
        """Why ``area``'s booking rule refuses, now, a ride picked up ``pickup_s`` after
        ``date``'s midnight (None: it does not)."""
        a = self.areas.get(area)
        if a is None or a.booking is None:
            return None
        return a.booking.refusal(self.timing.now(), self.timing.moment(date, pickup_s))

    def last_date(self) -> dt.date:
        """The last date rides can be booked for (the booking horizon)."""
        return rules.last_bookable_date(self.timing, self.config)


