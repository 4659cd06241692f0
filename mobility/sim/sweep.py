"""Sweeps: variants of a scenario (fleet sizes, demand rates), each simulated and reported
in its own process, and the planner's comparison of them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from dispatch.scenario import Scenario
from mobility.sim.scenario import label
from mobility.sim.variant import RegionRef, simulate_and_report


def sweep(ref: RegionRef, scenarios: list[Scenario], out: Path | None, workers: int, *,
          demand: Path | None = None, skip_bad: bool = False, language: str = "en",
          done: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """Each scenario in its own process (at most ``workers`` at once), its report in
    ``out/<label>/`` in ``language``; KPIs by label, in the scenarios' order.
    ``done(label)`` as each ends."""
    results: dict[str, dict[str, Any]] = {}
    ctx = get_context("spawn")  # fresh interpreters: no forked numba or OR-Tools state
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futs = [pool.submit(_variant, ref, sc, out, demand, skip_bad, language)
                for sc in scenarios]
        for f in as_completed(futs):
            key, k = f.result()
            results[key] = k
            if done is not None:
                done(key)
    return {label(sc): results[label(sc)] for sc in scenarios}


def _variant(ref: RegionRef, sc: Scenario, out: Path | None, demand: Path | None,
             skip_bad: bool, language: str) -> tuple[str, dict[str, Any]]:
    """A worker process: load the region, simulate the variant, write its report."""
    r = simulate_and_report(ref.load(), sc, out / label(sc) if out is not None else None,
                            demand=demand, skip_bad=skip_bad, language=language)
    return label(sc), r.kpis


def comparison(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The planner's main view: one row per variant (served and refused with their shares;
    money in ``currency``)."""
    return [{"variant": key, "vehicles": k["vehicles"],
             "rate_per_hour": float(key.split("-")[1].removesuffix("perh")),
             "requests": k["requests"], "served": k["served"],
             "served_share": k["served_share"], "refused": k["rejected"],
             "refused_share": round(k["rejected"] / k["requests"], 4) if k["requests"] else 0.0,
             "wait_p95_min": k["wait_min"]["p95"],
             "pooling_rate": k["pooling_rate"], "vehicle_km": k["vehicle_km"],
             "cost_per_served_trip": k["cost_per_served_trip"],
             "currency": k.get("currency")}
            for key, k in results.items()]
