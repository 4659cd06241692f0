"""Range queries: one-to-all earliest arrivals for every departure minute of a window, as one
range RAPTOR call (routing.range_raptor) against repeated single searches
(TransitRouter.search per minute), with every served stop as an origin (or a sample).

Also timed: the same kernel without label reuse between minutes (each minute from empty
labels) — what the compiled loop alone gains over Python-driven single searches — and all
origins in one ``range_arrivals_many`` call. Results are checked equal.

Usage: python benchmarks/range.py [--region addison-vt] [--window 07:00-09:00]
                                  [--origins N] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, stats_ms  # noqa: E402

from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from routing._range_raptor import range_raptor  # noqa: E402
from routing.range_raptor import range_arrivals, range_arrivals_many  # noqa: E402
from routing.raptor import TransitRouter  # noqa: E402


def hhmm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 3600 + int(m) * 60


def no_reuse(router: TransitRouter, date: dt.date, stop: int, deps: np.ndarray) -> np.ndarray:
    """The kernel with every minute starting from empty labels (the reuse switched off)."""
    d = router.day(date)
    x = router.transfers
    return range_raptor(d.stop_off, d.stops, d.trip_off, d.time_off, d.arr, d.dep, d.pick_ok,
                        d.drop_ok, np.ones(len(d.inst_trip), np.bool_),
                        np.ones(router.tt.n_stops, np.bool_), d.sp_off, d.sp_dp, d.sp_pos,
                        x.indptr, x.to, x.duration, x.min_same_stop,
                        np.array([0, 1], np.int64), np.array([stop], np.int64),
                        np.zeros(1, np.int64), deps[::-1].copy(), 9, False)[0, ::-1]


def best_of(fn: Callable[[], np.ndarray], repeat: int) -> tuple[float, np.ndarray]:
    """Fastest of ``repeat`` runs (seconds) and the last result."""
    best, out = float("inf"), np.zeros(0)
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--region", default="addison-vt")
    ap.add_argument("--window", default="07:00-09:00")
    ap.add_argument("--origins", type=int, default=0, help="sample size (0: all served stops)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per origin (fastest kept)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    s = Settings()
    region = load_region(args.region, data=s.data, cache_dir=s.cache)
    assert region.transfers is not None
    if region.config.default_date is None:
        raise SystemExit(f"{args.region} has no default_date in its region.toml")
    date: dt.date = region.config.default_date
    router = TransitRouter(region.timetable, region.transfers, region.transfers_stepfree)
    a, b = (hhmm(x) for x in args.window.split("-"))
    deps = np.arange(a, b, 60, dtype=np.int64)
    served = np.unique(region.timetable.pattern_stops)
    if args.origins and args.origins < len(served):
        served = np.sort(np.random.default_rng(args.seed).choice(served, args.origins,
                                                                 replace=False))
    origins = served.tolist()
    # warm-up: day structures and compiled kernels
    range_arrivals(router, date, [(origins[0], 0)], deps)
    no_reuse(router, date, origins[0], deps)
    router.search(date, [(origins[0], int(deps[0]))])

    t_rep: list[float] = []
    t_rng: list[float] = []
    t_raw: list[float] = []
    for o in origins:
        def repeated(o: int = o) -> np.ndarray:
            return np.array([router.search(date, [(o, int(t))]).best()[-1] for t in deps])

        def ranged(o: int = o) -> np.ndarray:
            return range_arrivals(router, date, [(o, 0)], deps)

        def raw_kernel(o: int = o) -> np.ndarray:
            return no_reuse(router, date, o, deps)

        t, want = best_of(repeated, args.repeat)
        t_rep.append(t)
        t, got = best_of(ranged, args.repeat)
        t_rng.append(t)
        t, raw = best_of(raw_kernel, args.repeat)
        t_raw.append(t)
        if not (np.array_equal(got, want) and np.array_equal(raw, want)):
            raise SystemExit(f"range query differs from repeated searches at origin {o}")
    t0 = time.perf_counter()
    range_arrivals_many(router, date, [[(o, 0)] for o in origins], deps)
    t_many = time.perf_counter() - t0

    rm, rp = stats_ms(t_rep)
    qm, qp = stats_ms(t_rng)
    nm, np95 = stats_ms(t_raw)
    speedup = sum(t_rep) / sum(t_rng)
    n_dep = len(deps)
    print(f"{args.region} {date}: {len(origins)} origins x {n_dep} departure minutes "
          f"({args.window}), {region.timetable.n_stops} stops; per origin, fastest of "
          f"{args.repeat}")
    print(f"{'one-to-all, whole window':34} {'median ms':>10} {'p95 ms':>8} {'total s':>8}")
    print(f"{'repeated single searches':34} {rm:10.3f} {rp:8.3f} {sum(t_rep):8.3f}")
    print(f"{'range kernel, no reuse':34} {nm:10.3f} {np95:8.3f} {sum(t_raw):8.3f}")
    print(f"{'range RAPTOR (range_arrivals)':34} {qm:10.3f} {qp:8.3f} {sum(t_rng):8.3f}")
    print(f"{'all origins, range_arrivals_many':34} {'':10} {'':8} {t_many:8.3f}")
    print(f"speedup over repeated searches: {speedup:.1f}x (median per origin "
          f"{rm / qm:.1f}x); reuse alone: {sum(t_raw) / sum(t_rng):.1f}x; "
          f"{len(origins) * n_dep / t_many:,.0f} one-to-all searches/s; results identical")
    emit({"region": args.region, "origins": len(origins), "departures": n_dep,
          "repeated_median_ms": round(rm, 3), "repeated_p95_ms": round(rp, 3),
          "range_median_ms": round(qm, 3), "range_p95_ms": round(qp, 3),
          "no_reuse_median_ms": round(nm, 3), "many_total_s": round(t_many, 3),
          "searches_per_s": round(len(origins) * n_dep / t_many),
          "range_speedup": round(speedup, 1), "same_result": True})


if __name__ == "__main__":
    main()
