"""One variant of a scenario simulated and reported: the one path of every simulation — a
single run of ``mobility simulate``, each process of its sweeps, and each variant of the web
app's background runs."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from dispatch.scenario import Scenario
from dispatch.simulation import ProgressFn
from mobility.region import Region, load_region
from mobility.sim.demand import demand_for
from mobility.sim.runner import Run, run


@dataclass(frozen=True)
class RegionRef:
    """A region as another process finds it: its folder, the data and cache folders."""

    folder: Path
    data: Path
    cache: Path

    @classmethod
    def of(cls, region: Region, data: Path, cache: Path) -> RegionRef:
        return cls(region.config.folder, data, cache)

    def load(self) -> Region:
        """The region (from the cache; once per process)."""
        return _load(self)


@functools.lru_cache(maxsize=2)
def _load(ref: RegionRef) -> Region:
    return load_region(ref.folder, data=ref.data, cache_dir=ref.cache)


def simulate_and_report(region: Region, sc: Scenario, out: Path | None, *,
                        demand: Path | None = None, skip_bad: bool = False,
                        language: str = "en", progress: ProgressFn | None = None) -> Run:
    """Simulate ``sc`` on its demand (the ``demand`` file, or drawn by the scenario's seed)
    and write its report into ``out`` (none: the KPIs only) in ``language``; the KPIs carry
    the ``currency`` of their money figures.

    Raises
    ------
    DemandError
        The demand file has bad rows (and ``skip_bad`` is off).
    """
    trips, notes = demand_for(region, sc, demand, skip_bad)
    r = run(region, sc, trips, notes, progress)
    r.kpis["currency"] = sc.costs.currency  # beside the money figures, wherever they go
    if out is not None:
        from mobility.sim.report import write_report  # matplotlib: only where reports are made

        write_report(region, r, out, language)
    return r
