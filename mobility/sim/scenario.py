"""A planner's scenario on a region: the scenario TOML (:class:`mobility.schema.ScenarioFile`)
with command-line or web-form overrides, the region's service area and depot filled in; and
the variants a sweep compares."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from dispatch.scenario import Costs, Scenario, default_fleet
from dispatch.service_area import ServiceArea
from mobility.config import read_service_areas
from mobility.errors import RegionError
from mobility.region import Region
from mobility.schema import ScenarioFile, read_toml, validate
from mobility.sim.demand import hubs_of


class ScenarioError(RegionError):
    """A scenario file or option is invalid; the message names the key to fix."""


@dataclass(frozen=True)
class Overrides:
    """Values from the command line or the web form that replace the scenario file's."""

    vehicles: int | None = None
    rate_per_hour: float | None = None
    seed: int | None = None
    area: str | None = None
    #: the costs' currency (``MOBILITY_CURRENCY``); a scenario file's ``costs.currency`` wins
    currency: str | None = None


def load_scenario(region: Region, path: Path | None, o: Overrides = Overrides()) -> Scenario:
    """The scenario of ``path`` (TOML; none: every default) on ``region`` with the
    overrides applied; unset: the region's first service area and its fleet's depot there,
    requests and shifts within the area's service hours (those of its configured fleet),
    costs in the region's currency.

    Raises
    ------
    ScenarioError
        Naming the file (or "options") and the key to fix.
    """
    raw = read_toml(path, ScenarioError) if path is not None else {}
    where = str(path) if path is not None else "scenario"
    f = validate(ScenarioFile, raw, where, ScenarioError)
    changes = {k: v for k, v in (("rate_per_hour", o.rate_per_hour), ("seed", o.seed),
                                 ("area", o.area)) if v is not None}
    if changes or o.vehicles is not None:  # checked by the same rules, named as options
        raw = {**raw, **changes}
        if o.vehicles is not None:
            raw["fleet"] = {**raw.get("fleet", {}), "vehicles": o.vehicles}
        f = validate(ScenarioFile, raw, "options", ScenarioError)
    area = _area(region, f.area, "options" if o.area is not None else where)
    depot = f.fleet.depot or _default_depot(region, area)
    if not area.contains(depot):
        raise ScenarioError(f"{where}: 'fleet.depot' must be [lat, lon] inside the service "
                            f"area, not {list(depot)!r}")
    # the area's own hours unless the scenario sets others (a planner's what-if)
    hours = f.hours if "hours" in raw or area.hours is None else area.hours
    fleet = default_fleet(f.fleet.vehicles, depot, f.fleet.shift or hours, f.fleet.seats,
                          f.fleet.wheelchair_places)
    currency = o.currency or region.config.currency
    return Scenario(replace(area, vehicles=fleet), fleet, hours, f.rules.params(),
                    notice_s=60 * f.notice_min, prebooked_share=f.prebooked_share,
                    no_show=f.no_show, rate_per_hour=f.rate_per_hour,
                    costs=f.costs.costs(currency), seed=f.seed)


def district_scenarios(region: Region, seed: int = 1) -> list[Scenario]:
    """One scenario per service area with demand in the region's ``[demand]`` profile: the
    area's configured fleet and service hours, its requests a day spread by the profile's
    hourly weights, the profile's shares of standing orders and of rides booked ahead.

    Raises
    ------
    ScenarioError
        If the region has no ``[demand]`` profile.
    """
    prof = region.config.demand
    if prof is None:
        raise ScenarioError(f"region {region.name} has no [demand] profile in its "
                            "configuration")
    out = []
    for area in region.service_areas:
        if prof.per_day(area.name) <= 0 or not area.vehicles or area.hours is None:
            continue
        hours = area.hours
        n_hours = int(np.ceil(hours[1] / 3600)) - int(hours[0] // 3600)
        # rate_per_hour is the profile's mean over the service hours: the weights outside
        # them (none in a sensible profile) would be lost
        w = np.asarray(prof.hourly, np.float64)
        hrs = np.arange(int(hours[0] // 3600), int(np.ceil(hours[1] / 3600))) % 24
        rate = prof.per_day(area.name) * float(w[hrs].sum() / w.sum()) / n_hours
        out.append(Scenario(area, area.vehicles, hours, rate_per_hour=rate,
                            prebooked_share=prof.prebooked_share,
                            standing_share=prof.standing_share, profile=prof.hourly,
                            costs=Costs(currency=region.config.currency), seed=seed))
    return out


def variants(base: Scenario, vehicles: list[int], rates: list[float]) -> list[Scenario]:
    """Every combination of fleet size and demand rate (in that order); an empty list keeps
    the base scenario's."""
    out = []
    for n, r in itertools.product(vehicles or [len(base.vehicles)],
                                  rates or [base.rate_per_hour]):
        out.append(replace(base.with_fleet(n), rate_per_hour=r))
    return out


def label(sc: Scenario) -> str:
    """A variant's name in a sweep (and its report's folder), e.g. ``3veh-10perh``."""
    return f"{len(sc.vehicles)}veh-{sc.rate_per_hour:g}perh"


def _area(region: Region, spec: str | None, where: str) -> ServiceArea:
    """A named service area of the region, or a GeoJSON file; default: the region's first."""
    areas = {a.name: a for a in region.service_areas}
    if spec is None:
        if not areas:
            raise ScenarioError(f"region {region.name} has no service area: give one "
                                "(--area FILE.geojson or 'area' in the scenario)")
        return next(iter(areas.values()))
    if spec in areas:
        return areas[spec]
    path = Path(spec)
    if path.suffix.lower() in (".geojson", ".json"):
        specs = read_service_areas(path)
        return ServiceArea(specs[0].name, specs[0].geometry, (), specs[0].properties)
    raise ScenarioError(f"{where}: 'area' {spec!r} is neither a service area of "
                        f"{region.name} ({', '.join(areas) or 'none'}) nor a .geojson file")


def _default_depot(region: Region, area: ServiceArea) -> tuple[float, float]:
    """The depot of the region's first vehicle in the area, else its busiest stop."""
    for name, v in region.config.fleet:
        if name == area.name:
            return v.start
    hubs, w = hubs_of(region, area)
    if not len(hubs):
        return (0.0, 0.0)  # (outside any area: refused by the caller)
    lat, lon = hubs[int(np.argmax(w))]
    return float(lat), float(lon)
