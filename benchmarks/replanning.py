"""What the hourly re-plan costs and saves: the addison-vt default day (no no-shows) at 2,
3 and 4 vehicles with each re-planning mode — riders served, vehicle-km, re-plans taken and
the optimiser's time per re-plan — on the fixed seed, then summed over several seeds (one
day's served count moves by a few riders with any change of plan; the sum shows whether a
mode costs riders).

Usage: python benchmarks/replanning.py [--fleets 2,3,4] [--seeds 8] [--json]

Deterministic but for the seconds: the re-plans stop after a count of solutions.
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

from dispatch.scenario import REPLANNING  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from mobility.sim import demand_for, load_scenario, run  # noqa: E402

MODES = ("off", "save_km", "keep_slack")
assert set(MODES) == set(REPLANNING)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fleets", default="2,3,4")
    ap.add_argument("--seeds", type=int, default=8, help="days summed (seeds 1..N)")
    ap.add_argument("--cache", type=Path, default=None)
    args = ap.parse_args()
    fleets = [int(x) for x in args.fleets.split(",")]
    settings = Settings()  # MOBILITY_DATA, MOBILITY_CACHE, as the command line
    region = load_region("addison-vt", data=settings.data, cache_dir=args.cache or settings.cache)
    rows: list[dict] = []
    for seed in range(1, args.seeds + 1):
        base = replace(load_scenario(region, None), no_show=0.0, seed=seed)
        trips, notes = demand_for(region, base)
        for n in fleets:
            for mode in MODES:
                r = run(region, replace(base.with_fleet(n), replanning=mode), trips, notes)
                k, rp = r.kpis, r.result.replans
                rows.append({"seed": seed, "vehicles": n, "mode": mode,
                             "requests": k["requests"], "served": k["served"],
                             "vehicle_km": k["vehicle_km"], "replans": len(rp),
                             "adopted": sum(x.adopted for x in rp),
                             "saved_min": k["replanning_saved_min"],
                             "replan_s": [round(x.seconds, 3) for x in rp]})
    first = [r for r in rows if r["seed"] == 1]
    print(f"seed 1 ({first[0]['requests']} requests, no no-shows):")
    print("| vehicles | re-planning | served | vehicle-km | re-plans taken | "
          "s per re-plan (median / max) |")
    print("|---|---|---|---|---|---|")
    for r in first:
        s = r["replan_s"]
        t = f"{np.median(s):.2f} / {max(s):.2f}" if s else "–"
        print(f"| {r['vehicles']} | {r['mode']} | {r['served']} "
              f"({100 * r['served'] / r['requests']:.1f} %) | {r['vehicle_km']:,.0f} | "
              f"{r['adopted']} of {r['replans']} | {t} |")
    n_req = sum(r["requests"] for r in rows if r["vehicles"] == fleets[0]
                and r["mode"] == MODES[0])
    print(f"\nseeds 1-{args.seeds} summed ({n_req} requests):")
    print("| vehicles | re-planning | served | vehicle-km | days serving fewer than 'off' |")
    print("|---|---|---|---|---|")
    for n in fleets:
        off = {r["seed"]: r["served"] for r in rows if r["vehicles"] == n
               and r["mode"] == "off"}
        for mode in MODES:
            mine = [r for r in rows if r["vehicles"] == n and r["mode"] == mode]
            fewer = sum(1 for r in mine if r["served"] < off[r["seed"]])
            print(f"| {n} | {mode} | {sum(r['served'] for r in mine)} | "
                  f"{sum(r['vehicle_km'] for r in mine):,.0f} | "
                  f"{fewer if mode != 'off' else '–'} |")
    all_s = [s for r in rows for s in r["replan_s"]]
    print(f"\n{len(all_s)} re-plans: median {np.median(all_s):.2f} s, "
          f"max {max(all_s):.2f} s")
    emit({"rows": [{k: v for k, v in r.items() if k != "replan_s"} for r in rows],
          "replan_s_median": float(np.median(all_s)), "replan_s_max": float(max(all_s))})


if __name__ == "__main__":
    main()
