"""Tours as driven: what a vehicle did in one stretch of available time, leg by leg — the
common ground of the companies' statements (:mod:`api.service.accounting`) and the monthly
report's vehicle figures, which therefore cannot disagree. Plain values; distances in km,
times in hours or seconds after the service day's midnight as named."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Leg:
    """One drive between two places of a tour (depot, pickups, drop-offs)."""

    km: float
    hours: float
    #: passengers on board while driving it, and how many rides they belong to (pooled: 2+)
    aboard: int
    rides: int


@dataclass(frozen=True)
class Tour:
    """One vehicle's work in one available window of one service day: it leaves its depot
    at ``start_s``, serves its rides and is back at ``end_s``. ``window`` is the available
    time the tour lies in (the daily shift for vehicles planned by shift)."""

    id: str  #: ``<vehicle>:<date>:<k>`` (k: the window's index that day)
    vehicle: str
    company: str | None
    area: str
    date: dt.date
    window: tuple[float, float]
    start_s: float
    end_s: float
    legs: tuple[Leg, ...]
    rides: tuple[str, ...]  #: booking ids completed in the tour
    no_shows: tuple[str, ...]  #: booking ids the rider did not show up for
    passengers: int  #: passengers of the completed rides
    fares_cents: int  #: fares of the completed rides and no-shows, and cancellation fees

    @property
    def driven_km(self) -> float:
        return sum(leg.km for leg in self.legs)

    @property
    def occupied_km(self) -> float:
        return sum(leg.km for leg in self.legs if leg.aboard > 0)

    @property
    def empty_km(self) -> float:
        return self.driven_km - self.occupied_km

    @property
    def pooled_km(self) -> float:
        """Passenger-km driven with two rides or more on board."""
        return sum(leg.km * leg.aboard for leg in self.legs if leg.rides >= 2)

    @property
    def passenger_km(self) -> float:
        return sum(leg.km * leg.aboard for leg in self.legs)

    @property
    def duty_h(self) -> float:
        """From leaving the depot to being back."""
        return max(0.0, self.end_s - self.start_s) / 3600.0

    @property
    def available_h(self) -> float:
        return max(0.0, self.window[1] - self.window[0]) / 3600.0
