"""Access, egress and direct legs for the journey planner, behind a small protocol.

The planner asks a :class:`LegProvider` how to get from a point to nearby stops (access),
from stops to a point (egress) and from point to point (direct). Walking is the provider
here; an on-demand provider (in ``dispatch``) can be handed to the planner the same way, so
the core never imports the dispatcher.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from routing.street_router import LatLon, StreetPath, StreetRouter
from routing.timetable import Timetable
from routing.transfers import stop_anchor_costs


@dataclass(frozen=True)
class StopLeg:
    """A way to reach (or leave) a stop from (or to) a point."""

    stop: int
    duration_s: int
    distance_m: float


class LegProvider(Protocol):
    """Provides first/last-mile and direct options for one mode."""

    mode: str

    def access(self, origin: LatLon, max_s: int) -> list[StopLeg]:
        """Stops reachable from ``origin`` within ``max_s`` seconds."""
        ...

    def egress(self, destination: LatLon, max_s: int) -> list[StopLeg]:
        """Stops from which ``destination`` is reachable within ``max_s`` seconds."""
        ...

    def path(self, a: LatLon, b: LatLon) -> StreetPath | None:
        """The street path of a leg (for its geometry and distance)."""
        ...


@dataclass(frozen=True)
class BookingTerms:
    """How an on-demand area asks riders to book (the data of its booking rule): a message
    for riders, a phone number, a web address and the minimum notice."""

    message: str = ""
    phone: str = ""
    url: str = ""
    notice_min_s: float = 0.0


@dataclass(frozen=True)
class RideOffer:
    """An on-demand ride the dispatcher can take now: estimated pickup and drop-off, the
    windows promised for them (seconds after the service day's midnight; a drop-off window
    may end at ``routing.timebase.NO_BOUND_S``: no bound), the length of the drive, the
    service area and the vehicle it was quoted on, the area's booking terms, and the fare of
    one adult (minor units of ``fare_currency``; None: the area has no fares)."""

    pickup_s: float
    dropoff_s: float
    pickup_window: tuple[float, float]
    dropoff_window: tuple[float, float]
    distance_m: float
    area: str
    vehicle: str
    terms: BookingTerms | None = None
    fare_cents: int | None = None
    fare_currency: str = ""


@dataclass(frozen=True)
class Note:
    """Why an answer is empty, late or partial, for people and machines: a ``code`` (e.g.
    ``outside_hours``), an English ``message``, plain ``params`` and the times among them
    (``at``: name -> seconds after the query's service-day midnight; the edge writes them
    as local date-times)."""

    code: str
    message: str
    params: dict[str, object] = field(default_factory=dict)
    at: dict[str, float] = field(default_factory=dict)


class OnDemandProvider(Protocol):
    """On-demand first and last miles to and from hub stops, quoted against live plans
    (implemented in ``dispatch``; the core only calls it)."""

    buffer_s: int  #: transfer time between the ride and the scheduled vehicle

    def access(self, origin: LatLon, date: object) -> list[StopLeg]:
        """Hub stops an on-demand ride from ``origin`` can reach: drive time plus margins."""
        ...

    def egress(self, destination: LatLon, date: object) -> list[StopLeg]:
        """Hub stops from which a ride reaches ``destination``."""
        ...

    def ride_to(self, origin: LatLon, stop: int, date: object, *, latest_arrival_s: float,
                earliest_pickup_s: float | None, wheelchair: bool) -> RideOffer | None:
        """A bookable ride to ``stop`` arriving by ``latest_arrival_s`` (None: no vehicle)."""
        ...

    def ride_from(self, stop: int, destination: LatLon, date: object, *,
                  earliest_pickup_s: float, latest_arrival_s: float | None,
                  wheelchair: bool) -> RideOffer | None:
        """A bookable ride from ``stop`` picked up from ``earliest_pickup_s``."""
        ...

    def ride_direct(self, origin: LatLon, destination: LatLon, date: object, *,
                    earliest_pickup_s: float | None, latest_arrival_s: float | None,
                    wheelchair: bool) -> RideOffer | None:
        """A bookable door-to-door ride (both ends in one service area)."""
        ...

    def explain(self, origin: LatLon, destination: LatLon, date: object, time_s: int, *,
                arrive_by: bool) -> tuple[list[Note], tuple[float, str] | None]:
        """Why no ride may be offered at ``time_s`` of ``date`` between these places (the
        service's hours, booking notice, the clock, the booking horizon), and the next
        moment worth asking (seconds after the date's midnight, the note's code) or None."""
        ...

    def serves(self, point: LatLon) -> bool:
        """Whether on-demand rides start and end at ``point``."""
        ...


class WalkLegs:
    """Walking access/egress on the walk network, at ``speed_mps``."""

    mode = "WALK"

    def __init__(self, router: StreetRouter, tt: Timetable, speed_mps: float = 1.33) -> None:
        self.router = router
        self.speed = speed_mps
        self.net_speed = float(np.median(router.net.length / router.net.travel_time))
        anchors = stop_anchor_costs(router, tt.stop_lat, tt.stop_lon)
        # flat (stop, node, metres) triples for leaving and arriving at each stop
        leave = [(s, n, m) for s, a in enumerate(anchors) if a for n, m in zip(a[0], a[1],
                                                                                 strict=True)]
        arrive = [(s, n, m) for s, a in enumerate(anchors) if a for n, m in zip(a[2], a[3],
                                                                                  strict=True)]
        self._leave = tuple(np.array(c) for c in zip(*leave, strict=True)) if leave else None
        self._arrive = tuple(np.array(c) for c in zip(*arrive, strict=True)) if arrive else None
        self.stop_lat, self.stop_lon = tt.stop_lat, tt.stop_lon
        self.max_walks = 4096
        self._walks: OrderedDict[tuple[LatLon, LatLon], tuple[np.ndarray, float] | None] = (
            OrderedDict())
        self._walks_lock = threading.Lock()

    def _collect(self, metres: np.ndarray, anchor: tuple[np.ndarray, ...] | None, max_s: int
                 ) -> list[StopLeg]:
        if anchor is None:
            return []
        stop, node, extra = anchor
        total = metres[node] + extra
        secs = total / self.speed
        ok = secs <= max_s
        best: dict[int, tuple[float, float]] = {}
        for s, t, m in zip(stop[ok].tolist(), secs[ok].tolist(), total[ok].tolist(),
                           strict=True):
            if s not in best or t < best[s][0]:
                best[s] = (t, m)
        return [StopLeg(s, int(np.ceil(t)), m) for s, (t, m) in best.items()]

    def access(self, origin: LatLon, max_s: int) -> list[StopLeg]:
        bound = max_s * self.speed / self.net_speed * 1.001
        _, metres = self.router.one_to_many(origin, bound)
        # from the door to the street it snaps to
        return self._collect(metres + self.router.snap(*origin).distance_m, self._arrive,
                             max_s)

    def egress(self, destination: LatLon, max_s: int) -> list[StopLeg]:
        bound = max_s * self.speed / self.net_speed * 1.001
        _, metres = self.router.many_to_one(destination, bound)
        return self._collect(metres + self.router.snap(*destination).distance_m, self._leave,
                             max_s)

    def path(self, a: LatLon, b: LatLon) -> StreetPath | None:
        return self.router.route(a, b)

    def door_to_door(self, a: LatLon, b: LatLon) -> tuple[np.ndarray, float] | None:
        """Coordinates (read-only) and metres of a walk from ``a`` to ``b``, including the
        approaches from each point to the street it snaps to. Remembered (bounded): a plan's
        itineraries share their walks to and from the same stops, and so do plans from the
        same places."""
        key = (a, b)
        with self._walks_lock:
            if key in self._walks:
                self._walks.move_to_end(key)
                return self._walks[key]
        path = self.router.route(a, b)
        out = None
        if path is not None:
            off = self.router.snap(*a).distance_m + self.router.snap(*b).distance_m
            coords = np.vstack([[a], path.coords, [b]])
            coords.flags.writeable = False
            out = coords, path.distance_m + off
        with self._walks_lock:
            self._walks[key] = out
            while len(self._walks) > self.max_walks:
                self._walks.popitem(last=False)
        return out
