"""A district sweep: several service areas of a region (all of them, or those named) ×
fleet sizes (× demand rates) as one sweep, and the planner's comparison across the areas —
each variant's KPIs and, per area, the smallest fleet tried that meets a target served
share. Reports are drawn by :mod:`mobility.sim.district_report`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.demand import DemandProfile
from dispatch.scenario import Scenario
from mobility.region import Region
from mobility.schema import read_toml
from mobility.sim.scenario import Overrides, ScenarioError, label, load_scenario, variants
from mobility.sim.sweep import row

#: ``--area all``: every service area of the region
ALL = "all"
#: the served share a fleet must reach to be "enough" (``--target``)
TARGET = 0.95


def is_district(spec: str | None) -> bool:
    """Whether an ``--area`` option names several areas (``all`` or a comma list)."""
    return spec is not None and (spec.strip() == ALL or "," in spec)


@dataclass(frozen=True)
class AreaVariant:
    """One variant of a district sweep: a scenario on one of its areas."""

    area: str
    scenario: Scenario

    @property
    def folder(self) -> str:
        """Its report's folder under the sweep's: ``<area>/<label>``."""
        return f"{slug(self.area)}/{label(self.scenario)}"


def slug(name: str) -> str:
    """An area's name as a folder name (letters, digits, ``.-_``)."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "area"


def configured_fleet(region: Region, area: str) -> int:
    """The vehicles ``region.toml`` gives the area (0 if none)."""
    return sum(1 for name, _ in region.config.fleet if name == area)


def district_variants(region: Region, path: Path | None, spec: str, o: Overrides,
                      vehicles: list[int], rates: list[float]) -> list[AreaVariant]:
    """Every (area, fleet size, rate) of ``spec`` ("all" or a comma list of area names and
    GeoJSON files), area by area in the order given.

    Without ``vehicles``, each area's configured fleet (else the scenario's); without
    ``rates``, the scenario file's ``rate_per_hour`` if it sets one, else the area's share
    of the region's demand profile (``[demand]``: its requests a day over the area's
    service hours, standing orders counted as booked ahead), else the default rate.

    Raises
    ------
    ScenarioError
        No area, an unknown one (listing the region's), or one given twice.
    """
    names = [a.name for a in region.service_areas]
    if spec.strip() == ALL:
        if not names:
            raise ScenarioError(f"--area all: region {region.name} has no service area; "
                                "list GeoJSON files instead (--area a.geojson,b.geojson)")
        specs = names
    else:
        specs = [s.strip() for s in spec.split(",")]
        if not all(specs):
            raise ScenarioError(f"--area: an empty name in {spec!r}; give names or GeoJSON "
                                f"files separated by commas ({', '.join(names) or 'none'}), "
                                "or all")
    raw = read_toml(path, ScenarioError) if path is not None else {}
    profile = region.config.demand  # the district's [demand], if any
    out: list[AreaVariant] = []
    seen: set[str] = set()
    for s in specs:
        base = load_scenario(region, path, replace(o, area=s, vehicles=None,
                                                   rate_per_hour=None))
        a = base.area.name
        if a in seen or slug(a) in {slug(x) for x in seen}:
            raise ScenarioError(f"--area: the area {a!r} is given twice")
        seen.add(a)
        if not rates and "rate_per_hour" not in raw and profile is not None \
                and profile.per_day(a) > 0:
            base = _profiled(base, profile)
        sizes = vehicles or [configured_fleet(region, a) or len(base.vehicles)]
        out += [AreaVariant(a, sc) for sc in variants(base, sizes, rates)]
    return out


def _profiled(sc: Scenario, profile: DemandProfile) -> Scenario:
    """``sc`` with its area's requests a day of the district's ``profile``: spread by the
    profile's hourly weights, their mean rate over the whole hours the synthetic demand
    draws in (as :func:`dispatch.demand.synthetic_demand` counts them; the profile's weight
    outside the area's hours is not drawn), its standing orders and rides booked ahead —
    as :func:`mobility.sim.scenario.district_scenarios` gives them."""
    start, end = sc.hours
    hrs = np.arange(int(start // 3600), math.ceil(end / 3600))
    w = np.asarray(profile.hourly, np.float64)
    inside = float(w[hrs % 24].sum() / w.sum())
    return replace(sc, rate_per_hour=round(profile.per_day(sc.area.name) * inside / len(hrs), 3),
                   profile=profile.hourly, standing_share=profile.standing_share,
                   prebooked_share=profile.prebooked_share)


def district_comparison(found: list[AreaVariant], results: dict[str, dict[str, Any]],
                        target: float = TARGET) -> dict[str, Any]:
    """The comparison: ``comparison`` (one row per variant, its area first), ``areas`` (per
    area and rate: the smallest fleet tried whose served share reaches ``target`` — None
    if none did — with its figures, else those of the best tried) and ``district`` (per
    rate — ``None`` where each area has its own — every area's smallest fleet together,
    with the requests and riders served at it).
    Shares are fractions; a larger fleet is not assumed to serve more."""
    rows = [{"area": v.area, "folder": v.folder, **row(label(v.scenario), results[v.folder])}
            for v in found]
    areas: list[dict[str, Any]] = []
    groups: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["area"], r["rate_per_hour"]), []).append(r)
    for (area, rate), rs in groups.items():
        rs = sorted(rs, key=lambda r: r["vehicles"])
        ok = [r for r in rs if r["served_share"] >= target]
        pick = ok[0] if ok else max(rs, key=lambda r: (r["served_share"], -r["vehicles"]))
        areas.append({"area": area, "rate_per_hour": rate,
                      "sizes": [r["vehicles"] for r in rs],
                      "smallest_fleet": pick["vehicles"] if ok else None,
                      "at": pick["variant"], "requests": pick["requests"],
                      "served": pick["served"], "served_share": pick["served_share"],
                      "wait_p95_min": pick["wait_p95_min"],
                      "vehicle_km": pick["vehicle_km"],
                      "cost_per_served_trip": pick["cost_per_served_trip"],
                      "currency": pick["currency"]})
    # the i-th rate of every area together (the same rate, or each area's own demand)
    by_area: dict[str, list[dict[str, Any]]] = {}
    for a in areas:
        by_area.setdefault(a["area"], []).append(a)
    district = []
    for i in range(min(len(v) for v in by_area.values())):
        at = [sorted(v, key=lambda a: a["rate_per_hour"])[i] for v in by_area.values()]
        req = sum(a["requests"] for a in at)
        served = sum(a["served"] for a in at)
        met = all(a["smallest_fleet"] is not None for a in at)
        rates = {a["rate_per_hour"] for a in at}
        district.append({"rate_per_hour": rates.pop() if len(rates) == 1 else None,
                         "areas": len(at),
                         "vehicles": sum(a["smallest_fleet"] for a in at) if met else None,
                         "all_met": met, "requests": req, "served": served,
                         "served_share": round(served / req, 4) if req else 0.0})
    return {"target": target, "comparison": rows, "areas": areas, "district": district}
