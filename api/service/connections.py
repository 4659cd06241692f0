"""The next possible connection for a ride that will miss its own.

A ride booked as a leg of a planned journey (``Booking.connection_by_s``) drops its rider at
a stop by a deadline: the scheduled departure it was planned for leaves a transfer time
later. The booking names that trip and its stop when the client said them (the web app
does: the plan's next leg); else the departure is found again in the timetable as the
first one from the stops at the ride's drop-off at or after the deadline. When the vehicle
runs so late that the drop-off comes after the deadline, the offer is the next departure of
the same route (and headsign) from that stop that the rider can still make, with the same
transfer time. The journey beyond that stop is not planned again: riders are offered the
next bus or train of their line.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from routing.timetable import PICKUP_NONE, Timetable

Point = tuple[float, float]
#: a drop-off this close to a stop is at that stop (rides to a stop end at its coordinates)
AT_STOP_M = 30.0


@dataclass(frozen=True)
class Departure:
    """A scheduled departure from a stop on the ride's service day."""

    stop_name: str
    route: str  #: the route's short name (else its long name)
    headsign: str
    departure_s: float  #: seconds after the service day's midnight


class Connections:
    """Departures of a compiled timetable; ``table_date`` maps a service date to the
    feed's date whose timetable serves it (a replayed feed), by default the date itself."""

    def __init__(self, timetable: Timetable,
                 table_date: Callable[[dt.date], dt.date] | None = None) -> None:
        self.tt = timetable
        self.table_date = table_date or (lambda d: d)

    def stops_at(self, point: Point, max_m: float = AT_STOP_M) -> np.ndarray:
        """Indexes of the stops within ``max_m`` metres of a point."""
        tt = self.tt
        if tt.n_stops == 0:
            return np.zeros(0, np.int64)
        k = np.cos(np.radians(point[0]))
        d = np.hypot(tt.stop_lat - point[0], (tt.stop_lon - point[1]) * k) * 111_195.0
        return np.flatnonzero(d <= max_m)

    def departures(self, stops: np.ndarray, date: dt.date
                   ) -> list[tuple[float, int, int, int]]:
        """(departure s, route index, trip index, stop index) of every trip running on
        ``date`` that one can board at one of ``stops`` (not at its last stop), by time."""
        tt = self.tt
        active = tt.active_trips(self.table_date(date))
        out: list[tuple[float, int, int, int]] = []
        for s in stops.tolist():
            for pos in np.flatnonzero(tt.pattern_stops == s).tolist():
                p = int(np.searchsorted(tt.pattern_stop_offset, pos, side="right")) - 1
                j = pos - int(tt.pattern_stop_offset[p])
                if j == int(tt.pattern_stop_offset[p + 1] - tt.pattern_stop_offset[p]) - 1:
                    continue  # its last stop: nobody boards there
                trips = np.arange(tt.pattern_trip_offset[p], tt.pattern_trip_offset[p + 1])
                trips = trips[active[trips]]
                idx = tt.stop_time_offset[trips] + j
                ok = tt.pickup_type[idx] != PICKUP_NONE
                route = int(tt.pattern_route[p])
                out += [(float(t), route, int(trip), s) for t, trip in
                        zip(tt.departure[idx[ok]].tolist(), trips[ok].tolist(), strict=True)]
        return sorted(out)

    def next_after(self, date: dt.date, point: Point, deadline_s: float, dropoff_s: float,
                   trip_id: str | None = None, stop_id: str | None = None
                   ) -> Departure | None:
        """The next connection for a ride to ``point`` that was to arrive by
        ``deadline_s`` and now arrives at ``dropoff_s``, or None (no stop there, no
        departure of the line later that day).

        The planned connection is ``trip_id`` boarded at ``stop_id`` when the booking
        names them; else the departures from the stops at ``point`` leaving first at or
        after the deadline (several lines may leave at once: the earliest next departure
        of any of them is offered). The next one is of the same route and headsign, no
        sooner after the new drop-off than the plan's transfer time."""
        tt = self.tt
        planned = self._planned(date, trip_id, stop_id)
        if planned is not None:
            stops = np.array([planned[3]])
            deps = self.departures(stops, date)
            firsts = [planned]
        else:
            stops = self.stops_at(point)
            deps = self.departures(stops, date)
            first = next((d[0] for d in deps if d[0] >= deadline_s), None)
            if first is None:
                return None
            firsts = [d for d in deps if d[0] == first]
        best: tuple[float, int, int, int] | None = None
        for dep, route, trip, _ in firsts:
            gap = dep - deadline_s  # the transfer time the plan kept
            sign = str(tt.trip_headsign[trip])
            later = [d for d in deps if d[1] == route and d[0] > dep
                     and d[0] >= dropoff_s + gap]
            same = [d for d in later if str(tt.trip_headsign[d[2]]) == sign] or later
            if same and (best is None or same[0][0] < best[0]):
                best = same[0]
        if best is None:
            return None
        t, route, trip, stop = best
        name = str(tt.route_short_name[route]) or str(tt.route_long_name[route])
        return Departure(str(tt.stop_name[stop]), name, str(tt.trip_headsign[trip]), t)

    def _planned(self, date: dt.date, trip_id: str | None, stop_id: str | None
                 ) -> tuple[float, int, int, int] | None:
        """The booked connection's departure (as :meth:`departures` gives them), if the
        timetable runs that trip on ``date`` and boards it at that stop."""
        if trip_id is None or stop_id is None:
            return None
        tt = self.tt
        trips = np.flatnonzero(tt.trip_id == trip_id)
        stops = np.flatnonzero(tt.stop_id == stop_id)
        if not len(trips) or not len(stops):
            return None
        trip, stop = int(trips[0]), int(stops[0])
        return next((d for d in self.departures(stops[:1], date) if d[2] == trip
                     and d[3] == stop), None)
