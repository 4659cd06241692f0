"""Dial-a-ride figures: the Cordeau a-series solved by the OR-Tools optimiser (cost, gap to the
best-known solution, feasibility by the independent checker in tests/, time), and instant
insertion latency with 30 vehicles and 300 accepted requests on addison-vt streets.

Usage: python benchmarks/darp.py [--time-limit S] [--out FILE] [--jobs N] [NAMES...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, stats_ms  # noqa: E402

from dispatch import EuclideanTravel, SolverParams, read_cordeau, solve  # noqa: E402
from mobility.settings import default_data_dir  # noqa: E402
from tests.darp_checker import check_solution, load_instance, read_bks  # noqa: E402

CORDEAU = default_data_dir().parent / "darp" / "cordeau"


def run_one(args: tuple[str, float]) -> tuple[str, dict, dict]:
    name, limit = args
    inst = read_cordeau(CORDEAU / f"{name}.txt")
    sol = solve(inst.problem(), EuclideanTravel(), SolverParams(time_limit_s=limit))
    doc = inst.to_benchmark(sol)
    rep = check_solution(load_instance(CORDEAU / f"{name}.txt"), doc)
    return name, doc, {"ok": rep.ok and not sol.rejected, "problems": rep.problems[:5],
                       "cost": rep.cost}


def insertion_latency(n_vehicles: int = 30, n_accept: int = 300, seed: int = 0
                      ) -> tuple[list[float], int, int]:
    from dispatch import StreetTravel, Vehicle
    from dispatch.insertion import Dispatcher, Offer
    from mobility.region import load_region
    from mobility.settings import Settings

    s = Settings()
    region = load_region("addison-vt", data=s.data, cache_dir=s.cache)
    travel = StreetTravel(region.router("car").prepare())
    depot = (44.0153, -73.1673)
    fleet = [Vehicle(f"v{k}", depot, depot, (6 * 3600, 22 * 3600), seats=8)
             for k in range(n_vehicles)]
    d = Dispatcher(fleet, travel)
    net = travel.router.net
    near = np.flatnonzero((np.abs(net.node_lat - depot[0]) < 0.12)
                          & (np.abs(net.node_lon - depot[1]) < 0.15))
    rng = np.random.default_rng(seed)
    times, accepted, asked = [], 0, 0
    while accepted < n_accept and asked < 20 * n_accept:
        a, b = rng.choice(near, 2)
        r = d.make_request(f"r{asked}", (float(net.node_lat[a]), float(net.node_lon[a])),
                           (float(net.node_lat[b]), float(net.node_lon[b])),
                           earliest_pickup=float(rng.uniform(6.5 * 3600, 20 * 3600)))
        asked += 1
        t0 = time.perf_counter()
        offer = d.quote(r)
        times.append(time.perf_counter() - t0)
        if isinstance(offer, Offer):
            d.commit(offer)
            accepted += 1
    return times[1:], accepted, asked  # the first call loads compiled kernels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="*", help="instances (default: all a-series)")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--out", type=Path, default=None, help="write all solutions as JSON")
    ap.add_argument("--jobs", type=int, default=1, help="instances solved at once")
    args = ap.parse_args()
    bks = read_bks(CORDEAU / "bks.csv")
    names = args.names or sorted(bks, key=lambda n: (int(n[1]), int(n.split("-")[1])))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run_one, [(n, args.time_limit) for n in names]))
    total = time.perf_counter() - t0
    out, gaps, feasible = {}, [], 0
    print(f"{'instance':9} {'cost':>9} {'best known':>10} {'gap %':>7} {'feasible':>8} "
          f"{'s':>5}")
    for name, doc, check in results:
        best = bks[name][0]
        gap = 100 * (check["cost"] - best) / best
        gaps.append(gap)
        feasible += check["ok"]
        out[name] = doc
        print(f"{name:9} {check['cost']:9.2f} {best:10.2f} {gap:7.2f} "
              f"{'yes' if check['ok'] else 'NO':>8} {doc['seconds']:5.1f}")
        for p in check["problems"]:
            print(f"    {p}")
    if args.out:
        args.out.write_text(json.dumps(out, indent=1))
    lat, accepted, asked = insertion_latency()
    med, p95 = stats_ms(lat)
    print(f"mean gap {np.mean(gaps):.2f} % over {len(names)} instances, {feasible} feasible "
          f"with every request served; {total:.0f} s")
    print(f"instant insertion on addison-vt streets, 30 vehicles, {accepted} accepted of "
          f"{asked} asked: median {med:.1f} ms, p95 {p95:.1f} ms")
    emit({"instances": len(names), "feasible": feasible,
          "mean_gap_pct": round(float(np.mean(gaps)), 3),
          "max_gap_pct": round(float(np.max(gaps)), 3), "time_limit_s": args.time_limit,
          "total_s": round(total, 1), "insertion_median_ms": round(med, 2),
          "insertion_p95_ms": round(p95, 2), "insertion_accepted": accepted})


if __name__ == "__main__":
    main()
