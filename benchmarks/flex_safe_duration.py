"""How the published safe travel duration (GTFS ``trips.safe_duration_factor`` and
``safe_duration_offset``, from the dispatch rules' ride-time limit) compares with the rides
the dispatcher really plans: the addison-vt default day over several seeds — the share of
served rides within ``factor × direct + offset`` (boarding to alighted) and how much of
that bound a ride uses (median, 95th percentile, maximum).

Usage: python benchmarks/flex_safe_duration.py [--seeds 5]

Deterministic: fixed seeds, the scenario's own rules.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit  # noqa: E402

from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from mobility.sim import demand_for, load_scenario, run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="days (seeds 1..N)")
    ap.add_argument("--cache", type=Path, default=None)
    args = ap.parse_args()
    settings = Settings()
    region = load_region("addison-vt", data=settings.data, cache_dir=args.cache or settings.cache)
    used, direct = [], []
    factor = offset = 0.0
    for seed in range(1, args.seeds + 1):
        sc = replace(load_scenario(region, None), seed=seed)
        factor, offset = sc.rules.safe_duration()
        trips, notes = demand_for(region, sc)
        res = run(region, sc, trips, notes).result
        for o in res.outcomes.values():
            if o.status != "served" or o.direct_s <= 0:
                continue
            took = o.dropoff - o.pickup + res.requests[o.trip.id].dropoff_service
            used.append(took / (factor * o.direct_s + offset))
            direct.append(o.direct_s)
    u = np.asarray(used)
    within = float(np.mean(u <= 1 + 1e-9))
    print(f"safe_duration_factor {factor:g}, safe_duration_offset {offset:g} s; "
          f"{len(u)} served rides over {args.seeds} days "
          f"(direct drive median {np.median(direct) / 60:.1f} min)")
    print(f"within the safe duration: {100 * within:.1f} %; share of it used: median "
          f"{np.median(u):.2f}, p95 {np.percentile(u, 95):.2f}, max {u.max():.2f}")
    emit({"factor": factor, "offset_s": offset, "rides": len(u), "within": round(within, 4),
          "used_p50": round(float(np.median(u)), 3),
          "used_p95": round(float(np.percentile(u, 95)), 3), "used_max": round(float(u.max()), 3)})


if __name__ == "__main__":
    main()
