"""A day's plans between the dispatcher and the store: rebuilt from the stored bookings, stop
orders, vehicle positions and riders on board; written back vehicle by vehicle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import replace

from api.service.availability import fleet_windows
from api.service.days import DayChange
from api.store.models import Quote, VehicleState
from api.store.repository import Repository
from dispatch.availability import DAY_S, IsHoliday, shift_and_breaks
from dispatch.insertion import Dispatcher, DispatchParams
from dispatch.model import Request, Vehicle
from dispatch.travel import TravelTimes
from routing.errors import MobilityError


def promised(q: Quote, request_id: str) -> Request:
    """The request a quote promised, under the id it is booked as."""
    return Request(request_id, (q.origin_lat, q.origin_lon), (q.dest_lat, q.dest_lon),
                   (q.pickup_lo_s, q.pickup_hi_s), (q.dropoff_lo_s, q.dropoff_hi_s),
                   q.max_ride_s, q.passengers, q.wheelchairs, q.boarding_s, q.alighting_s)


def fleet(repo: Repository, area: str, date: dt.date | None = None,
          holiday: IsHoliday | None = None, keep: Collection[str] = ()) -> list[Vehicle]:
    """The area's active vehicles as the store holds them, planned on ``date``: a vehicle of
    ``uses_availability`` gets that day's windows as its shift, each gap a break at its
    depot (:func:`dispatch.availability.shift_and_breaks`); without a window that day it is
    left out — unless it is in ``keep`` (it holds stored rides that day: never lose one),
    then it keeps them but takes no new ones (``closed``). Other vehicles have their daily
    shift. Without ``date``: every vehicle's daily shift."""
    rows = repo.vehicles(area)
    wins = fleet_windows(repo, rows, date, holiday) if date is not None else {}
    out = []
    for r in rows:
        depot = (r.depot_lat, r.depot_lon)
        v = Vehicle(r.id, depot, depot, (r.shift_start_s, r.shift_end_s), r.seats,
                    r.wheelchair_places)
        if r.uses_availability and date is not None:
            ws = wins[r.id]
            if ws:
                shift, breaks = shift_and_breaks(ws)
                v = replace(v, shift=shift, breaks=breaks)
            elif r.id in keep:
                v = replace(v, shift=(0.0, DAY_S), closed=True)
            else:
                continue
        out.append(v)
    return out


def _with_breaks(booked: list[tuple[str, str, float]], breaks: list[tuple[str, str]],
                 d: Dispatcher) -> list[tuple[str, str]]:
    """A stored plan's bookings' stops (with their stored times) and the day's breaks in
    time order: each break (pickup, drop-off pair) before the first stop planned after its
    start."""
    out = [(rid, kind) for rid, kind, _ in booked]
    pairs = [rid for rid, kind in breaks if kind == "pickup"]
    for rid in sorted(pairs, key=lambda b: d.requests[b].pickup_window[0], reverse=True):
        start = d.requests[rid].pickup_window[0]
        at = next((k for k, (_, _, t) in enumerate(booked) if t > start), len(booked))
        out[at:at] = [(rid, "pickup"), (rid, "dropoff")]
    return out


def builder(travel: TravelTimes, params: DispatchParams,
            holiday: Callable[[], IsHoliday | None] = lambda: None
            ) -> Callable[[Repository, str, dt.date], Dispatcher]:
    """A function rebuilding a day's dispatcher from the store; ``holiday`` gives the
    region's public holidays (read at each build: the app's wiring sets them after)."""

    def build(repo: Repository, area: str, date: dt.date) -> Dispatcher:
        rows = repo.active(area, date)
        requests = {b.id: promised(q, b.id) for b, q in rows}
        onboard: dict[str, dict[str, float]] = {}
        for b, _ in rows:
            if b.status == "on_board":
                onboard.setdefault(b.vehicle_id, {})[b.id] = float(b.picked_up_s or 0.0)
        stops: dict[str, list[tuple[str, str, float]]] = {}
        for ps in repo.plan_stops(date, area=area):
            if ps.request in requests:  # a stored break is planned afresh from the day's
                stops.setdefault(ps.vehicle, []).append((ps.request, ps.kind, ps.planned_s))
        d = Dispatcher(fleet(repo, area, date, holiday(), set(stops) | set(onboard)), travel,
                       params)
        states = repo.vehicle_states(date)
        for vid in d.plans:
            mine = stops.get(vid, [])
            st = states.get(vid)
            if not mine and vid not in onboard:
                continue  # no booking stored: the fresh plan (its breaks only)
            ids = {rid for rid, _, _ in mine} | set(onboard.get(vid, {}))
            breaks = list(d.plans[vid].stops)  # a fresh plan holds its breaks only
            mine_requests = [requests[i] for i in ids if i in requests]

            def restore(order: list[tuple[str, str]], vid: str = vid,
                        st: VehicleState | None = st, reqs: list[Request] = mine_requests
                        ) -> None:
                d.restore(vid, order, reqs, origin=(st.lat, st.lon) if st else None,
                          ready=st.ready_s if st else None, onboard=onboard.get(vid))

            try:
                restore(_with_breaks(mine, breaks, d))
            except MobilityError:
                if not breaks:
                    raise
                # the breaks do not fit the rides booked before the availability changed:
                # keep the rides (they were promised), without the breaks
                for rid in {rid for rid, _ in breaks}:
                    d.requests.pop(rid, None)
                restore([(r, k) for r, k, _ in mine])
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
