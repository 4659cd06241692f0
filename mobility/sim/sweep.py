"""Sweeps: variants of a scenario (fleet sizes, demand rates), each simulated and reported
as one task of an engine (:mod:`mobility.engine`: this process, a local pool or Ray), and
the planner's comparison of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dispatch.scenario import Scenario
from mobility.engine import engine
from mobility.sim.scenario import label
from mobility.sim.variant import RegionRef, simulate_and_report


def sweep(ref: RegionRef, scenarios: list[Scenario], out: Path | None, workers: int, *,
          demand: Path | None = None, skip_bad: bool = False, language: str = "en",
          done: Callable[[str], None] | None = None, ray: str | None = None,
          folders: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Each scenario as a task (at most ``workers`` at once; on Ray when ``ray`` is an
    address or "auto"), its report in ``out/<folder>/`` in ``language`` (``folders``:
    one per scenario; default: its :func:`label`); the KPIs by folder, in the scenarios'
    order. ``done(folder)`` as each ends.

    Raises
    ------
    EngineError
        ``workers`` below 1, or Ray cannot be started or joined.
    """
    names = folders if folders is not None else [label(sc) for sc in scenarios]
    tasks = [(ref, sc, out / name if out is not None else None, demand, skip_bad, language)
             for sc, name in zip(scenarios, names, strict=True)]
    if len(set(names)) < len(names):
        raise ValueError("two variants of a sweep share a report folder")
    with engine(ray, workers) as eng:
        kpis = eng.map(_variant, tasks, None if done is None else (lambda k: done(names[k])))
    return dict(zip(names, kpis, strict=True))


def _variant(ref: RegionRef, sc: Scenario, out: Path | None, demand: Path | None,
             skip_bad: bool, language: str) -> dict[str, Any]:
    """A task: load the region (once per process), simulate the variant, write its report
    into ``out``; its KPIs."""
    return simulate_and_report(ref.load(), sc, out, demand=demand, skip_bad=skip_bad,
                               language=language).kpis


def comparison(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The planner's main view: one row per variant (served and refused with their shares;
    money in ``currency``)."""
    return [row(key, k) for key, k in results.items()]


def row(key: str, k: dict[str, Any]) -> dict[str, Any]:
    """A variant's row of the comparison: its label ``key`` and the KPIs a planner weighs."""
    return {"variant": key, "vehicles": k["vehicles"],
            "rate_per_hour": float(key.rpartition("/")[2].split("-")[1].removesuffix("perh")),
            "requests": k["requests"], "served": k["served"],
            "served_share": k["served_share"], "refused": k["rejected"],
            "refused_share": round(k["rejected"] / k["requests"], 4) if k["requests"] else 0.0,
            "wait_p95_min": k["wait_min"]["p95"],
            "pooling_rate": k["pooling_rate"], "vehicle_km": k["vehicle_km"],
            "cost_per_served_trip": k["cost_per_served_trip"],
            "currency": k.get("currency")}
