"""A day's plans between the dispatcher and the store: rebuilt from the stored bookings, stop
orders, vehicle positions and riders on board; written back vehicle by vehicle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from api.service.days import DayChange
from api.store.models import Quote
from api.store.repository import Repository
from dispatch.insertion import Dispatcher, DispatchParams
from dispatch.model import Request, Vehicle
from dispatch.travel import TravelTimes


def promised(q: Quote, request_id: str) -> Request:
    """The request a quote promised, under the id it is booked as."""
    return Request(request_id, (q.origin_lat, q.origin_lon), (q.dest_lat, q.dest_lon),
                   (q.pickup_lo_s, q.pickup_hi_s), (q.dropoff_lo_s, q.dropoff_hi_s),
                   q.max_ride_s, q.passengers, q.wheelchairs, q.boarding_s, q.alighting_s)


def fleet(repo: Repository, area: str) -> list[Vehicle]:
    """The area's active vehicles as the store holds them."""
    return [Vehicle(r.id, (r.depot_lat, r.depot_lon), (r.depot_lat, r.depot_lon),
                    (r.shift_start_s, r.shift_end_s), r.seats, r.wheelchair_places)
            for r in repo.vehicles(area)]


def builder(travel: TravelTimes, params: DispatchParams
            ) -> Callable[[Repository, str, dt.date], Dispatcher]:
    """A function rebuilding a day's dispatcher from the store."""

    def build(repo: Repository, area: str, date: dt.date) -> Dispatcher:
        d = Dispatcher(fleet(repo, area), travel, params)
        rows = repo.active(area, date)
        requests = {b.id: promised(q, b.id) for b, q in rows}
        onboard: dict[str, dict[str, float]] = {}
        for b, _ in rows:
            if b.status == "on_board":
                onboard.setdefault(b.vehicle_id, {})[b.id] = float(b.picked_up_s or 0.0)
        stops: dict[str, list[tuple[str, str]]] = {}
        for ps in repo.plan_stops(date, area=area):
            stops.setdefault(ps.vehicle, []).append((ps.request, ps.kind))
        states = repo.vehicle_states(date)
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

    return build


def writer(now: Callable[[], dt.datetime]) -> Callable[[DayChange, str, dt.date], None]:
    """A function writing the changed vehicles' plans of a day change (the other vehicles'
    plans are unchanged: they share no stop)."""

    def write(ch: DayChange, area: str, date: dt.date) -> None:
        for vehicle in sorted(ch.changed):
            plan = ch.dispatcher.plans[vehicle]
            ch.repo.replace_plan(area, date, vehicle, plan.stops, plan.times[1:-1])
            if plan.origin is not None:
                ch.repo.set_vehicle_state(vehicle, date, plan.origin, plan.ready or 0.0,
                                          plan.late, now(), ch.reported.get(vehicle))

    return write
