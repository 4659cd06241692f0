"""Tours as driven, from the store: what each vehicle did in each of its available windows
of a service day (:class:`dispatch.tours.Tour`) — the ground the companies' statements
(:mod:`api.service.accounting`) and the monthly report stand on.

A tour (README "Accounting and statements"):

- its visits are the vehicle's ``picked_up``, ``dropped_off`` and ``no_show`` events of the
  day (``vehicle_events``; ``arrived`` and ``position`` reports are not visits), placed at
  the booking's quote origin (pickup, no-show) or destination (drop-off), in the order of
  their times;
- one tour per available window of the vehicle that day holding at least one visit: the
  windows are the vehicle's availability (weekly and dated rules minus exceptions), or its
  daily shift for a vehicle not planned by availability. A visit outside every window goes
  with the nearest window (a driver late back); a drop-off always stays in its pickup's
  tour. A vehicle with visits but no window that day (its availability changed
  afterwards) gets one tour with an empty window at its first visit: its km and the tour
  count, no available hours;
- its legs run depot → visits → depot by road (the region's car travel, one ``matrix`` call
  per tour); it leaves the depot the first leg's duration before its first visit and is back
  the last leg's duration after its last;
- each leg carries the passengers on board while driving it and how many rides they
  belong to (a pickup boards the quote's passengers, a drop-off lets them off);
- its fares are the booked fares of its completed rides and no-shows, plus the
  cancellation fees of the vehicle's bookings cancelled for that day, each in the tour
  whose window holds the cancelled ride's pickup window start (else the day's nearest
  tour; a fee on a day the vehicle made no tour is in no tour).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from api.store import Store
from api.store.models import Availability, Booking, Quote, VehicleEvent, VehicleRow
from api.store.repository import Repository, reading
from dispatch.model import Point
from dispatch.tours import Leg, Tour
from dispatch.travel import TravelTimes

#: the events that are visits, and what each does on board
VISITS = ("picked_up", "dropped_off", "no_show")
#: a region's public holidays: the holiday's name on a date, or None (availability rules
#: may skip them)
Holiday = Callable[[dt.date], str | None]
Window = tuple[float, float]


@dataclass(frozen=True)
class _Visit:
    time_s: float
    kind: str
    booking: str
    place: Point
    passengers: int


@contextmanager
def opened(store_or_repo: Store | Repository) -> Iterator[Repository]:
    """A repository: the one given, or a snapshot of the store for the ``with`` block."""
    if isinstance(store_or_repo, Repository):
        yield store_or_repo
    else:
        with reading(store_or_repo) as repo:
            yield repo


def tours(store_or_repo: Store | Repository, travel: TravelTimes, since: dt.date,
          until: dt.date, area: str | None = None, *, holiday: Holiday | None = None,
          vehicle: str | None = None, vehicles: Collection[str] | None = None
          ) -> list[Tour]:
    """The tours driven from ``since`` to ``until`` (service dates, both included), sorted
    by date, vehicle and start.

    Parameters
    ----------
    store_or_repo
        The store (read in one snapshot) or a repository of an open transaction.
    travel
        The region's car travel (durations in s, distances in m).
    since, until
        The service dates.
    area
        Only the vehicles of this service area (None: every area).
    holiday
        The region's public holidays, which availability rules may skip (None: none).
    vehicle, vehicles
        Only this vehicle's tours, only these vehicles' (None: every vehicle's).
    """
    with opened(store_or_repo) as repo:
        rows = {v.id: v for v in repo.all_vehicles()
                if (area is None or v.area == area) and (vehicle is None or v.id == vehicle)
                and (vehicles is None or v.id in vehicles)}
        if not rows:
            return []
        # one join, not a list of a month's booking ids (a database caps a query's values)
        events = repo.s.execute(
            select(VehicleEvent, Booking, Quote)
            .join(Booking, Booking.id == VehicleEvent.booking_id)
            .join(Quote, Quote.id == Booking.quote_id)
            .where(VehicleEvent.service_date >= since, VehicleEvent.service_date <= until,
                   VehicleEvent.type.in_(VISITS), VehicleEvent.vehicle_id.in_(list(rows)))
            .order_by(VehicleEvent.service_date, VehicleEvent.vehicle_id,
                      VehicleEvent.time_s, VehicleEvent.id)).all()
        fees = repo.s.execute(
            select(Booking, Quote).join(Quote, Quote.id == Booking.quote_id)
            .where(Booking.service_date >= since, Booking.service_date <= until,
                   Booking.status == "cancelled", Booking.cancel_fee_cents > 0,
                   Booking.vehicle_id.in_(list(rows)))).all()
        rules = _rules(repo, [v.id for v in rows.values() if v.uses_availability])
    by_day: dict[tuple[dt.date, str], list[_Visit]] = defaultdict(list)
    fares: dict[str, int] = {}
    for e, b, q in events:
        fares[b.id] = int(b.fare_cents or 0)
        place = (q.dest_lat, q.dest_lon) if e.type == "dropped_off" else (q.origin_lat,
                                                                          q.origin_lon)
        by_day[(e.service_date, e.vehicle_id)].append(
            _Visit(e.time_s, e.type, b.id, place, q.passengers))
    fees_by_day: dict[tuple[dt.date, str], list[tuple[float, int]]] = defaultdict(list)
    for b, q in fees:
        fees_by_day[(b.service_date, b.vehicle_id)].append((q.pickup_lo_s,
                                                            int(b.cancel_fee_cents or 0)))
    out: list[Tour] = []
    for (date, vid), visits in sorted(by_day.items()):
        v = rows[vid]
        windows = vehicle_windows(v, rules.get(vid, []), date, holiday)
        out.extend(_day_tours(v, date, windows, visits, fares, fees_by_day.get((date, vid), []),
                              travel))
    return out


def vehicle_windows(v: VehicleRow, rules: Sequence[Availability], date: dt.date,
                    holiday: Holiday | None = None) -> list[Window]:
    """A vehicle's available windows on ``date`` (seconds after midnight, sorted, disjoint):
    its daily shift unless it is planned by availability, else its rules' windows."""
    if not v.uses_availability:
        return [(float(v.shift_start_s), float(v.shift_end_s))]
    return _windows_on(rules, date, holiday)


def _rules(repo: Repository, vehicle_ids: Sequence[str]) -> dict[str, list[Availability]]:
    out: dict[str, list[Availability]] = defaultdict(list)
    if vehicle_ids:
        for r in repo.s.execute(select(Availability).where(
                Availability.vehicle_id.in_(list(vehicle_ids)))).scalars():
            out[r.vehicle_id].append(r)
    return out


def availability_rules(store_or_repo: Store | Repository, vehicle_ids: Sequence[str]
                       ) -> dict[str, list[Availability]]:
    """The availability rows of these vehicles, by vehicle id."""
    with opened(store_or_repo) as repo:
        return dict(_rules(repo, vehicle_ids))


def _windows_on(rules: Sequence[Availability], date: dt.date, holiday: Holiday | None
                ) -> list[Window]:
    """The contract's availability on ``date`` (issue 20): the union of the weekly rules
    (the date's ISO weekday listed, within first_date..last_date or open-ended, not a
    public holiday when they skip holidays) and the dated rules covering it, minus the
    unavailable rules covering it; merged, sorted, disjoint. (Kept private until
    ``dispatch.availability.windows_on`` is on main.)"""
    def covers(r: Availability) -> bool:
        return r.first_date <= date and (r.last_date is None or date <= r.last_date)

    on: list[Window] = []
    off: list[Window] = []
    for r in rules:
        if not covers(r):
            continue
        if r.kind == "weekly":
            days = {int(x) for x in (r.weekdays or "").split(",") if x.strip()}
            if date.isoweekday() not in days:
                continue
            if r.skip_holidays and holiday is not None and holiday(date):
                continue
            on.append((r.start_s, r.end_s))
        elif r.kind == "dated":
            on.append((r.start_s, r.end_s))
        elif r.kind == "unavailable":
            off.append((r.start_s, r.end_s))
    merged: list[list[float]] = []
    for a, b in sorted(on):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out: list[Window] = []
    for a, b in merged:
        pieces = [(a, b)]
        for x, y in off:
            pieces = [p for lo, hi in pieces
                      for p in ((lo, min(hi, x)), (max(lo, y), hi)) if p[1] > p[0]]
        out.extend(pieces)
    return sorted(out)


def _nearest(windows: Sequence[Window], t: float) -> int:
    """The window holding ``t``, else the nearest one."""
    return min(range(len(windows)),
               key=lambda k: max(windows[k][0] - t, t - windows[k][1], 0.0))


def _day_tours(v: VehicleRow, date: dt.date, windows: list[Window], visits: list[_Visit],
               fares: dict[str, int], fees: list[tuple[float, int]], travel: TravelTimes
               ) -> list[Tour]:
    """The tours of one vehicle on one day."""
    if not windows:  # visits but no window (availability changed afterwards): no hours
        t0 = visits[0].time_s
        windows = [(t0, t0)]
    groups: dict[int, list[_Visit]] = defaultdict(list)
    where: dict[str, int] = {}
    for x in visits:
        k = (where[x.booking] if x.kind == "dropped_off" and x.booking in where
             else _nearest(windows, x.time_s))
        where.setdefault(x.booking, k)
        groups[k].append(x)
    fee_of: dict[int, int] = defaultdict(int)
    for start, cents in fees:
        ks = sorted(groups)
        fee_of[min(ks, key=lambda k: max(windows[k][0] - start, start - windows[k][1], 0.0))] \
            += cents
    depot = (v.depot_lat, v.depot_lon)
    out = []
    for k in sorted(groups):
        vs = sorted(groups[k], key=lambda x: x.time_s)
        out.append(_tour(v, date, k, windows[k], depot, vs, fares, fee_of[k], travel))
    return out


def _tour(v: VehicleRow, date: dt.date, k: int, window: Window, depot: Point,
          visits: list[_Visit], fares: dict[str, int], fees: int, travel: TravelTimes
          ) -> Tour:
    places = [depot, *(x.place for x in visits), depot]
    secs, metres = travel.matrix(places, places)  # one search per tour
    aboard: dict[str, int] = {}
    legs = []
    for i in range(len(places) - 1):
        legs.append(Leg(km=float(metres[i, i + 1]) / 1000.0,
                        hours=float(secs[i, i + 1]) / 3600.0,
                        aboard=sum(aboard.values()), rides=len(aboard)))
        if i < len(visits):
            x = visits[i]
            if x.kind == "picked_up":
                aboard[x.booking] = x.passengers
            elif x.kind == "dropped_off":
                aboard.pop(x.booking, None)
    rides = tuple(x.booking for x in visits if x.kind == "dropped_off")
    no_shows = tuple(x.booking for x in visits if x.kind == "no_show")
    passengers = sum(x.passengers for x in visits if x.kind == "dropped_off")
    fare_cents = sum(fares.get(b, 0) for b in (*rides, *no_shows)) + fees
    start = visits[0].time_s - float(secs[0, 1])
    end = visits[-1].time_s + float(secs[len(places) - 2, len(places) - 1])
    return Tour(id=f"{v.id}:{date.isoformat()}:{k}", vehicle=v.id, company=v.company_id,
                area=v.area, date=date, window=window, start_s=start, end_s=end,
                legs=tuple(legs), rides=rides, no_shows=no_shows, passengers=passengers,
                fares_cents=fare_cents)
