"""The planner's simulation: a scenario on a region (service area, fleet, rules, costs),
its demand, a simulated day of on-demand service with its KPIs and report, sweeps over fleet
sizes and demand rates (and across a district's service areas: :mod:`mobility.sim.district`),
and the web app's background runs — all through one
run-and-report path (:func:`simulate_and_report`).

Reports (matplotlib) are drawn by :mod:`mobility.sim.report`, imported where one is
written. No web framework is imported here.
"""

from mobility.sim.demand import demand_for, homes_of, hubs_of
from mobility.sim.district import is_district
from mobility.sim.jobs import Simulations
from mobility.sim.runner import Run, area_router, run
from mobility.sim.scenario import (
    Overrides,
    ScenarioError,
    district_scenarios,
    label,
    load_scenario,
    variants,
)
from mobility.sim.sweep import comparison, sweep
from mobility.sim.variant import RegionRef, simulate_and_report

__all__ = ["Overrides", "RegionRef", "Run", "ScenarioError", "Simulations", "area_router",
           "comparison", "demand_for", "district_scenarios", "homes_of", "hubs_of",
           "is_district", "label", "load_scenario", "run", "simulate_and_report", "sweep",
           "variants"]
