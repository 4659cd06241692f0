"""What the twin's riders and drivers share during a run: the server, its clock, the day,
the options, and the logs the checks read at the end."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np

from mobility.twin.api import Api
from mobility.twin.clock import ServerClock
from mobility.twin.device import DeviceLog
from mobility.twin.options import TwinOptions


@dataclass
class Booked:
    """A booking the twin's riders made (or a standing order's occurrence they hold)."""

    rider_id: str
    rider_key: str | None  #: None: a rider made by the dispatcher (books through staff)
    source: str  #: "quote", "itinerary" or "standing"


@dataclass
class RiderLog:
    """What the simulated riders did."""

    asked: int = 0
    too_late: int = 0  #: wishes whose time had passed when the twin started
    refused: Counter[str] = field(default_factory=Counter)  #: by the server's problem code
    quotes: int = 0
    planned: int = 0  #: journeys planned through /plan
    itineraries: int = 0  #: itineraries booked (their ride legs are bookings)
    cancelled: int = 0
    standing_orders: int = 0
    riders: int = 0
    with_email: int = 0
    with_sms: int = 0


@dataclass
class DriverLog:
    """What the simulated drivers did: when each rider was picked up (the event's own time,
    as the driver's device reported it), the legs driven and how many ran late."""

    pickups: dict[str, dt.datetime] = field(default_factory=dict)
    no_shows: int = 0
    dropoffs: int = 0
    legs: int = 0
    late_legs: int = 0
    positions: int = 0
    moved_away: int = 0  #: the next stop left the manifest while driving there
    #: a pickup left the manifest while its driver waited there for the window
    gone_while_waiting: int = 0


@dataclass
class Context:
    """One run's shared state (one asyncio loop: no locks needed)."""

    api: Api
    clock: ServerClock
    tz: ZoneInfo
    date: dt.date
    opts: TwinOptions
    staff_key: str | None
    seeds: np.random.SeedSequence
    #: endpoints found missing (-> "not available" in the figures)
    missing: set[str] = field(default_factory=set)
    bookings: dict[str, Booked] = field(default_factory=dict)
    riders: RiderLog = field(default_factory=RiderLog)
    drivers: DriverLog = field(default_factory=DriverLog)
    devices: DeviceLog = field(default_factory=DeviceLog)
    #: wall seconds from a position report to the rider's estimate showing it
    eta_s: list[float] = field(default_factory=list)
    eta_timeouts: int = 0
    #: each quote: when it was asked (server time) and how long its answer took (wall s)
    quote_times: list[tuple[dt.datetime, float]] = field(default_factory=list)
    #: the riders are done asking (drivers may go home once their manifests are empty)
    asking_done: bool = False
    orders: list[str] = field(default_factory=list)  #: standing orders made
    #: the server's time when the twin began (before its standing orders)
    began: dt.datetime | None = None
    #: every rider of the twin: id -> their key (None: the dispatcher books for them)
    rider_keys: dict[str, str | None] = field(default_factory=dict)
    #: riders told by e-mail or SMS: id -> (e-mail address, phone digits), None if not chosen
    contacts: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    _n_rider: int = 0

    def rng(self) -> np.random.Generator:
        """A generator of its own for one rider or driver (reproducible by the seed)."""
        return np.random.default_rng(self.seeds.spawn(1)[0])

    def next_rider(self) -> int:
        self._n_rider += 1
        return self._n_rider

    def moment(self, seconds: float) -> dt.datetime:
        """``seconds`` after the twin's day's midnight, in the region's zone."""
        midnight = dt.datetime.combine(self.date, dt.time(), self.tz)
        return (midnight.astimezone(dt.UTC) + dt.timedelta(seconds=seconds)).astimezone(self.tz)

    def key_for(self, booking_id: str) -> str | None:
        """The key to read a booking with: its rider's, else the dispatcher's."""
        b = self.bookings.get(booking_id)
        return (b.rider_key if b and b.rider_key else None) or self.staff_key
