"""The dispatch model: requests, vehicles, plans — plain objects, times in seconds (or the
instance's time unit for benchmark instances), locations as points the travel-time provider
understands."""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.timebase import NO_BOUND_S

Point = tuple[float, float]
#: a vehicle unless told otherwise: a minibus with 7 seats and 1 wheelchair place, on shift
#: 06:00-22:00 (seconds after the service day's midnight) — the one set of defaults of
#: region.toml's [[vehicles]], scenarios' [fleet] and this model
DEFAULT_SEATS = 7
DEFAULT_WHEELCHAIR_PLACES = 1
DEFAULT_HOURS = (6 * 3600.0, 22 * 3600.0)


@dataclass(frozen=True)
class Request:
    """A ride request: picked up within ``pickup_window``, dropped off within
    ``dropoff_window``, riding at most ``max_ride`` (from the end of boarding to drop-off)."""

    id: str
    pickup: Point
    dropoff: Point
    pickup_window: tuple[float, float]
    dropoff_window: tuple[float, float] = (0.0, NO_BOUND_S)
    max_ride: float = NO_BOUND_S
    passengers: int = 1
    wheelchairs: int = 0
    pickup_service: float = 0.0  #: boarding time
    dropoff_service: float = 0.0

    @property
    def latest_dropoff(self) -> float:
        """The latest drop-off promised: the drop-off window's end, or the ride-time limit
        after the latest pickup, whichever comes first."""
        return min(self.dropoff_window[1],
                   self.pickup_window[1] + self.pickup_service + self.max_ride)


@dataclass(frozen=True)
class Break:
    """A driver's break: starts between ``earliest`` and ``latest``, lasts ``duration``, at
    ``location`` (default: the vehicle's end depot), with nobody on board."""

    earliest: float
    latest: float
    duration: float
    location: Point | None = None


@dataclass(frozen=True)
class Vehicle:
    """A vehicle on shift: leaves ``start`` no earlier than ``shift[0]``, back at ``end`` by
    ``shift[1]``, at most ``max_duration`` on the road, with optional ``breaks``."""

    id: str
    start: Point
    end: Point
    shift: tuple[float, float]
    seats: int = DEFAULT_SEATS
    wheelchair_places: int = DEFAULT_WHEELCHAIR_PLACES
    max_duration: float = NO_BOUND_S
    breaks: tuple[Break, ...] = ()
    #: takes no new rides (e.g. not available that day, planned only to keep the rides
    #: booked on it before): quotes pass it by and the optimiser leaves the day alone
    closed: bool = False


BREAK_PREFIX = "break:"


def break_requests(v: Vehicle) -> list[Request]:
    """A vehicle's breaks as pseudo-requests pinned to it: "picked up" at the break place
    within the window with the break's duration as boarding time, "dropped off" right there
    (ride limit 0), occupying every seat so that no rider is on board meanwhile."""
    out = []
    for k, b in enumerate(sorted(v.breaks, key=lambda b: b.earliest)):
        at = b.location or v.end
        out.append(Request(f"{BREAK_PREFIX}{v.id}:{k}", at, at, (b.earliest, b.latest),
                           max_ride=0.0, passengers=v.seats, pickup_service=b.duration))
    return out


@dataclass(frozen=True)
class Stop:
    """One visit in a plan: the pickup or drop-off of a request at its scheduled time."""

    request: str
    kind: str  #: "pickup" or "dropoff"
    time: float  #: service start
    load: int = 0  #: passengers on board after this stop


@dataclass
class Route:
    """A vehicle's planned stops in order (depot departure and return times included)."""

    vehicle: str
    stops: list[Stop] = field(default_factory=list)
    depart: float = 0.0
    arrive: float = 0.0


@dataclass
class Solution:
    """Routes, the requests left unserved (never silently dropped), and the total cost."""

    routes: list[Route]
    rejected: list[str]
    cost: float
    seconds: float = 0.0
