"""Compensation: what a company is paid for its vehicles' work under a service area's rule
(``[[compensation]]`` of ``region.toml``).

A rule pays per available vehicle-hour (the vehicle's available windows, driven or not),
per km driven in tours and a flat amount per tour; ``cap_per_day`` caps what one vehicle
earns on one day, ``cap_per_month`` what one company earns in one month in the area.
Amounts are whole minor units of the currency (cents). Rounding, once per vehicle and day:
``hours × per_vehicle_hour`` and ``km × per_km`` are each rounded to whole cents, halves up;
the month is the sum of its days, so a statement's lines add up to its total exactly.

Pure functions: the rule and the day's figures in, the amounts out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class CompensationRule:
    """A service area's compensation rule (amounts in cents of ``currency``)."""

    currency: str
    per_vehicle_hour: int = 0  #: per available hour of a vehicle
    per_km: int = 0  #: per km driven in tours (depot to depot)
    per_tour: int = 0  #: flat, per tour
    cap_per_day: int | None = None  #: at most this per vehicle and day (None: no cap)
    cap_per_month: int | None = None  #: at most this per company and month (None: no cap)


@dataclass(frozen=True)
class DayPay:
    """One vehicle's pay for one day: the parts, the day's cap cut and what remains."""

    hours_cents: int
    km_cents: int
    tours_cents: int
    cap_cut_cents: int  #: taken off by ``cap_per_day`` (0: under the cap)

    @property
    def before_cap_cents(self) -> int:
        return self.hours_cents + self.km_cents + self.tours_cents

    @property
    def cents(self) -> int:
        return self.before_cap_cents - self.cap_cut_cents


def cents(x: float) -> int:
    """An amount in cents rounded to whole cents, halves up (amounts are not negative)."""
    return math.floor(x + 0.5)


def day_pay(rule: CompensationRule, available_h: float, driven_km: float, tours: int
            ) -> DayPay:
    """A vehicle's pay for a day with ``available_h`` available hours, ``driven_km`` km of
    tours and ``tours`` tours."""
    hours = cents(available_h * rule.per_vehicle_hour)
    km = cents(driven_km * rule.per_km)
    flat = tours * rule.per_tour
    total = hours + km + flat
    cut = max(0, total - rule.cap_per_day) if rule.cap_per_day is not None else 0
    return DayPay(hours, km, flat, cut)


def month_cut(rule: CompensationRule, days_total_cents: int) -> int:
    """What ``cap_per_month`` takes off a company's month in the area (0: under the cap)."""
    if rule.cap_per_month is None:
        return 0
    return max(0, days_total_cents - rule.cap_per_month)
