"""A month of simulated operation over a store: the region's fleet divided between the
contracted companies of a setup file, a rural day of demand drawn for each date (fewer rides
at weekends and on public holidays) and operated through the booking service day by day
(:mod:`mobility.operate.day`). What it leaves in the store is what the monthly report and
the companies' statements read (``mobility report``)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from shapely.geometry import shape

from api.service.clock import FixedClock
from api.service.replanning import in_process
from api.store import Store
from api.store.models import Rider
from api.store.repository import writing
from dispatch.demand import synthetic_demand
from mobility.errors import RegionError
from mobility.operate.companies import CompanySetup, apply_setup, read_setup
from mobility.operate.day import Behaviour, DayTally, operate_day
from mobility.region import Region
from mobility.server import booking_service
from mobility.settings import Settings
from mobility.sim.demand import _buildings, homes_of, hubs_of

#: demand on a weekday relative to Monday–Friday (Saturday, Sunday); public holidays as Sunday
DAY_FACTOR = {5: 0.5, 6: 0.25}
#: the riders the month's rides are booked by (made once in the store)
RIDERS = 300
#: the hours riders wish to be picked up in (seconds after midnight)
HOURS = (6 * 3600.0, 20 * 3600.0)
DEFAULT_BEHAVIOUR = Behaviour()


@dataclass
class MonthResult:
    """The month's days as operated, and the companies set up."""

    area: str
    month: str
    companies: list[CompanySetup]
    days: list[DayTally] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        keys = ("asked", "booked", "cancelled", "picked_up", "no_shows", "completed", "rated")
        out = {k: sum(getattr(d, k) for d in self.days) for k in keys}
        out["refused"] = sum(sum(d.refused.values()) for d in self.days)
        out["errors"] = sum(sum(d.errors.values()) for d in self.days)
        return out


def month_dates(month: str) -> list[dt.date]:
    """The dates of ``YYYY-MM``.

    Raises
    ------
    ValueError
        Not a month written YYYY-MM.
    """
    try:
        y, m = (int(x) for x in month.split("-"))
        n = calendar.monthrange(y, m)[1]
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError(f"a month is written YYYY-MM (e.g. 2026-11), not {month!r}") from None
    if len(month) != 7:
        raise ValueError(f"a month is written YYYY-MM (e.g. 2026-11), not {month!r}")
    return [dt.date(y, m, d) for d in range(1, n + 1)]


def default_setup(region: Region) -> Path:
    """The region's built-in companies (``<region>-operators.toml`` beside its config)."""
    path = Path(__file__).resolve().parent.parent / "regions" / f"{region.name}-operators.toml"
    if not path.exists():
        raise RegionError(f"no companies set up for {region.name}: give --setup FILE "
                          "([[companies]] with vehicles and availability)")
    return path


def operate_month(region: Region, settings: Settings, store: Store, month: str,
                  setup: Path | None = None, *, rate_per_hour: float = 4.0, seed: int = 1,
                  days: int | None = None, behaviour: Behaviour = DEFAULT_BEHAVIOUR,
                  area: str | None = None,
                  progress: Callable[[int, int, DayTally], None] | None = None) -> MonthResult:
    """Operate ``month`` (its first ``days`` dates only, when given) in ``area`` (default:
    the first with vehicles) on ``store`` (migrated here): ``rate_per_hour`` requests per
    hour on weekdays, reproducible by ``seed``.

    Raises
    ------
    RegionError
        No service area with vehicles, or a setup file that does not fit the fleet.
    ValueError
        A bad month.
    """
    dates = month_dates(month)[:days]
    zone = next((a for a in region.service_areas
                 if a.vehicles and (area is None or a.name == area)), None)
    if zone is None:
        raise RegionError(f"{region.name} has no on-demand service area with vehicles"
                          + (f" named {area!r}" if area else ""))
    companies = read_setup(setup or default_setup(region))
    clock = FixedClock(dt.datetime.combine(dates[0], dt.time(0), dt.UTC))
    # the month's riders book as often as they like (fair-use caps are for real people)
    rules = settings.model_copy(update={"max_bookings_per_day": 0, "max_bookings": 0,
                                        "refuse_overlapping": False})
    store.migrate()
    svc = booking_service(region, rules, store, clock=clock, optimiser=in_process)
    try:
        tz = svc.tz
        clock.set(dt.datetime.combine(dates[0], dt.time(4), tz))
        svc.sync_fleet()
        apply_setup(store, companies, dates[0], clock.now())
        riders = _riders(store, clock.now())
        lon0, lat0, lon1, lat1 = shape(zone.geometry).bounds
        homes, hw, _ = homes_of(region, zone, _buildings(region.config.osm,
                                                         (lat0, lon0, lat1, lon1)))
        hubs, bw = hubs_of(region, zone)
        rng = np.random.default_rng(seed)
        out = MonthResult(zone.name, month, companies)
        for k, date in enumerate(dates):
            clock.set(max(clock.now(), dt.datetime.combine(date, dt.time(4), tz)))
            holiday = svc.holiday is not None and svc.holiday(date) is not None
            factor = DAY_FACTOR[6] if holiday else DAY_FACTOR.get(date.weekday(), 1.0)
            trips = synthetic_demand(homes, hw, hubs, bw, HOURS, rate_per_hour * factor,
                                     0.3, 3600.0, rng)
            tally = operate_day(svc, clock, zone.name, date, trips, riders, rng, behaviour)
            out.days.append(tally)
            if progress is not None:
                progress(k + 1, len(dates), tally)
        return out
    finally:
        svc.close()


def _riders(store: Store, at: dt.datetime) -> list[str]:
    """The month's riders (made once: a second run books for the same people)."""
    ids = [f"r_op{k:04d}" for k in range(RIDERS)]
    with writing(store) as repo:
        have = {r for (r,) in repo.s.query(Rider.id).filter(Rider.id.in_(ids))}
        for rid in ids:
            if rid not in have:
                repo.s.add(Rider(id=rid, name=f"Rider {rid[4:]}", created_at=at))
    return ids
