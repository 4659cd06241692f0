"""Transit figures on rhein-neckar (2016-11-04): stop-to-stop earliest arrival, coordinate to
coordinate plans, and — side by side, on the same stop-to-stop queries — the pure-Python
RAPTOR package pyraptor from PyPI (run in its own virtual environment, see
benchmarks/peers/README.md; skipped with a note if it is not installed).

Usage: python benchmarks/transit.py [--queries 1000] [--plans 200] [--peer-queries 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, stats_ms  # noqa: E402

from api.otp import plan_to_otp  # noqa: E402
from mobility.planning import RegionPlanner  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402

PEER_PY = Path.home() / ".cache" / "mobility" / "peers" / "pyraptor-venv" / "bin" / "python"
PEER = Path(__file__).resolve().parent / "peers" / "pyraptor_peer.py"


def hms(t: int) -> str:
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--plans", type=int, default=200)
    ap.add_argument("--peer-queries", type=int, default=100,
                    help="how many of the stop-to-stop queries pyraptor answers (it takes "
                         "seconds each)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    s = Settings()
    date = dt.date(2016, 11, 4)
    region = load_region("rhein-neckar", data=s.data, cache_dir=s.cache)
    planner = RegionPlanner(region)
    tt = region.timetable
    t0 = time.perf_counter()
    router = planner.transit
    router.day(date)
    _ = planner.journeys  # builds walk routers, stop anchors, landmarks
    build = time.perf_counter() - t0
    rng = np.random.default_rng(args.seed)
    served = np.unique(tt.pattern_stops)
    queries = [(int(a), int(b), int(rng.integers(6 * 3600, 20 * 3600)))
               for a, b in rng.choice(served, (args.queries, 2))]
    router.pareto(date, queries[0][0], queries[0][1], queries[0][2])  # warm-up
    s2s, arrivals = [], []
    for a, b, dep in queries:
        t0 = time.perf_counter()
        front = router.pareto(date, a, b, dep)
        s2s.append(time.perf_counter() - t0)
        arrivals.append(front[-1][0] if front else None)
    plans, n_its = [], []
    for _ in range(args.plans):
        a, b = rng.choice(served, 2)
        o = (float(tt.stop_lat[a]) + rng.normal(0, 0.003), float(tt.stop_lon[a]) +
             rng.normal(0, 0.004))
        d = (float(tt.stop_lat[b]) + rng.normal(0, 0.003), float(tt.stop_lon[b]) +
             rng.normal(0, 0.004))
        t = int(rng.integers(6 * 3600, 20 * 3600))
        t0 = time.perf_counter()
        result = planner.plan(o, d, date, t)
        json.dumps(plan_to_otp(result, planner.timetable, date, planner.tz))
        plans.append(time.perf_counter() - t0)
        n_its.append(len(result.itineraries))
    sm, sp = stats_ms(s2s)
    pm, pp = stats_ms(plans)
    print(f"rhein-neckar {date}: {int(tt.active_trips(date).sum()):,} trips, "
          f"{region.transfers.n if region.transfers else 0:,} footpaths; "
          f"router build {build:.2f} s")
    print(f"{'query':28} {'n':>6} {'median ms':>10} {'p95 ms':>8}")
    print(f"{'stop-to-stop (Pareto)':28} {len(s2s):6} {sm:10.3f} {sp:8.3f}")
    print(f"{'coordinate plan (+ JSON)':28} {len(plans):6} {pm:10.3f} {pp:8.3f}"
          f"   ({np.mean(n_its):.1f} itineraries each)")
    figures: dict[str, object] = {"s2s_median_ms": round(sm, 3), "s2s_p95_ms": round(sp, 3),
                                  "plan_median_ms": round(pm, 3), "plan_p95_ms": round(pp, 3),
                                  "router_build_s": round(build, 3)}
    peer = run_peer(region, queries[: args.peer_queries], arrivals, s2s)
    figures.update(peer)
    emit(figures)


def run_peer(region, queries, arrivals, ours) -> dict[str, object]:  # type: ignore[no-untyped-def]
    if not PEER_PY.exists():
        print("pyraptor: not installed — run `bash benchmarks/peers/pyraptor_setup.sh` "
              "first (figures left out)")
        return {"pyraptor_median_ms": None, "speedup_vs_pyraptor": None}
    tt = region.timetable
    with tempfile.TemporaryDirectory() as tmp:
        qfile, rfile = Path(tmp) / "q.json", Path(tmp) / "r.json"
        qfile.write_text(json.dumps([{"from_stop_id": str(tt.stop_id[a]),
                                      "to_stop_id": str(tt.stop_id[b]), "depart": hms(dep)}
                                     for a, b, dep in queries]))
        subprocess.run([str(PEER_PY), str(PEER), "--gtfs", str(region.config.gtfs[0]),
                        "--date", "2016-11-04", "--queries", str(qfile), "--out", str(rfile)],
                       check=True)
        res = json.loads(rfile.read_text())
    done = [(i, q) for i, q in enumerate(res["queries"]) if q.get("error") is None
            and q.get("seconds") is not None]
    if not done:
        print("pyraptor: no query answered")
        return {"pyraptor_median_ms": None, "speedup_vs_pyraptor": None}
    theirs = [q["seconds"] for _, q in done]
    mine = [ours[i] for i, _ in done]
    tm, tp = stats_ms(theirs)
    om, _ = stats_ms(mine)
    same = sum(1 for i, q in done if q.get("arrival") == arrivals[i])
    print(f"{'pyraptor (same queries)':28} {len(done):6} {tm:10.1f} {tp:8.1f}   "
          f"build {res.get('build_s') or res.get('cached_build_s')} s; ours on these: "
          f"{om:.3f} ms; "
          f"{tm / om:,.0f}x; same arrival {same}/{len(done)} "
          f"(pyraptor merges stops by name); errors "
          f"{sum(1 for q in res['queries'] if q.get('error'))}")
    return {"pyraptor_median_ms": round(tm, 1), "pyraptor_p95_ms": round(tp, 1),
            "pyraptor_build_s": res.get("build_s") or res.get("cached_build_s"),
            "pyraptor_answered": len(done),
            "pyraptor_same_arrival": same, "speedup_vs_pyraptor": round(tm / om, 1)}


if __name__ == "__main__":
    main()
