"""What the dispatch desk watches during the day: where each vehicle last reported and the
stops still ahead of it (the map moves it between reports along them), and the rides
running late with what was done about them (:mod:`api.service.lateness`)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from api.auth import Principal
from api.service.context import Context
from api.service.views import Window
from api.store.repository import reading
from dispatch.model import Point

#: stops ahead of a vehicle in the live view (enough to move it until the next look)
NEXT_STOPS = 8


@dataclass(frozen=True)
class NextStopView:
    """A stop still ahead of a vehicle: a pickup, a drop-off or a break."""

    booking_id: str | None
    kind: str
    location: Point
    planned_time: dt.datetime


@dataclass(frozen=True)
class VehicleLiveView:
    """A vehicle as last reported: where (None: no report that day), when, from when its
    plan goes on from there, whether it runs late, and its next stops."""

    id: str
    position: Point | None
    reported_at: dt.datetime | None
    ready_at: dt.datetime | None
    late: bool
    next: tuple[NextStopView, ...]


@dataclass(frozen=True)
class AlertView:
    """A ride running late (see :class:`api.store.models.LateAlert`)."""

    kind: str
    booking_id: str
    vehicle_id: str
    pickup_window: Window
    estimated_pickup: dt.datetime | None
    estimated_dropoff: dt.datetime | None
    drop_off_by: dt.datetime | None
    minutes_late: int
    action: str
    to_vehicle: str | None
    next: dt.datetime | None
    next_route: str | None
    next_headsign: str | None
    next_stop: str | None
    noticed_at: dt.datetime


def fleet(svc: Context, who: Principal, date: dt.date) -> list[VehicleLiveView]:
    """Every active vehicle's last report and next stops on ``date`` (a driver: their own
    vehicle only): four queries for any fleet."""
    at = svc.timing.moment
    with reading(svc.store) as repo:
        rows = [v for v in repo.vehicles()
                if who.role != "driver" or v.id == who.vehicle_id]
        if not rows:
            return []
        one = rows[0].id if who.role == "driver" else None
        states = repo.vehicle_states(date)
        stops = repo.plan_stops(date, vehicle=one)
        places = {b.id: q for b, q in repo.rides([s.request for s in stops])}
    ahead: dict[str, list[NextStopView]] = {}
    depots = {v.id: (v.depot_lat, v.depot_lon) for v in rows}
    for s in stops:
        q = places.get(s.request)
        if q is None and s.kind != "pickup":
            continue  # a break: one stop at its start
        mine = ahead.setdefault(s.vehicle, [])
        if len(mine) >= NEXT_STOPS or s.vehicle not in depots:
            continue
        where = (depots[s.vehicle] if q is None else (q.origin_lat, q.origin_lon)
                 if s.kind == "pickup" else (q.dest_lat, q.dest_lon))
        mine.append(NextStopView(s.request if q is not None else None,
                                 s.kind if q is not None else "break", where,
                                 at(date, s.planned_s)))
    out = []
    for v in rows:
        st = states.get(v.id)
        out.append(VehicleLiveView(
            v.id, (st.lat, st.lon) if st is not None else None,
            st.reported_at.astimezone(svc.tz) if st is not None and st.reported_at else None,
            at(date, st.ready_s) if st is not None else None, bool(st and st.late),
            tuple(ahead.get(v.id, ()))))
    return out


def alerts(svc: Context, date: dt.date) -> list[AlertView]:
    """The day's rides found running late, in the order they were noticed."""
    at = svc.timing.moment
    with reading(svc.store) as repo:
        rows = repo.late_alerts(date)
    out = []
    for a, b, q in rows:
        by = b.connection_by_s if a.kind == "connection_missed" else None
        if a.kind == "late":
            over = (a.pickup_s or q.pickup_hi_s) - q.pickup_hi_s
        else:
            over = (a.dropoff_s or 0.0) - (by or 0.0)
        out.append(AlertView(
            a.kind, a.booking_id, a.vehicle_id,
            (at(date, q.pickup_lo_s), at(date, q.pickup_hi_s)),
            at(date, a.pickup_s) if a.pickup_s is not None else None,
            at(date, a.dropoff_s) if a.dropoff_s is not None else None,
            at(date, by) if by is not None else None, max(0, math.ceil(over / 60 - 1e-9)),
            a.action, a.to_vehicle, at(date, a.next_s) if a.next_s is not None else None,
            a.next_route, a.next_headsign, a.next_stop, a.noticed_at.astimezone(svc.tz)))
    return out
