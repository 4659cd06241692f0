"""Insertion against insertion: our simulator and ridepy's C++ brute-force insertion
(benchmarks/peers/ridepy_peer.py, in its own venv) on the same addison-vt day of requests
and the same travel-time matrix; both days' KPIs from the one ``compute_kpis``, and every
ride of both checked by the independent checker (tests/day_checker.py).

What the two share, as far as ridepy allows: the matrix among the day's request points and
the depot (our car router; made symmetric with the slower direction and closed under
shortest paths, because ridepy's graph is undirected), the pickup windows (earliest pickup
to 15 min later), the latest drop-off (window end + ride-time limit), one rider per
request (ridepy counts requests, not passengers), no boarding or alighting time (ridepy has
none), vehicles on the road all day. ridepy knows no ride-time limit beyond the latest
drop-off: its rides are checked against our rule, and those breaking it counted apart.
Our side: instant insertion, no re-planning.

Usage: python benchmarks/insertion_peer.py [--fleets 2,3,4] [--seed 1]
       [--python ~/.cache/mobility/peers/ridepy-venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, stats_ms  # noqa: E402

from dispatch.demand import Trip  # noqa: E402
from dispatch.kpis import compute_kpis  # noqa: E402
from dispatch.model import Point  # noqa: E402
from dispatch.scenario import Scenario  # noqa: E402
from dispatch.simulation import Outcome, SimResult, Visit, simulate  # noqa: E402
from dispatch.travel import MatrixTravel  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from mobility.sim import demand_for, load_scenario  # noqa: E402
from mobility.sim.trips import trip_rows  # noqa: E402
from routing.street_router import StreetRouter  # noqa: E402
from tests.day_checker import Rules, VisitRecord, check_day  # noqa: E402

PEER = Path(__file__).resolve().parent / "peers" / "ridepy_peer.py"
VENV_PY = Path.home() / ".cache" / "mobility" / "peers" / "ridepy-venv" / "bin" / "python"


def shared_matrix(router: StreetRouter, points: list[Point]) -> tuple[np.ndarray, np.ndarray]:
    """Durations and distances among ``points``: symmetric (the slower direction) and
    closed under shortest paths, so that ridepy's undirected graph gives exactly these."""
    dur, dist = router.matrix(points, points)
    dur = np.maximum(dur, dur.T)
    dist = np.maximum(dist, dist.T)
    for k in range(len(points)):  # Floyd-Warshall: a metric
        dur = np.minimum(dur, dur[:, k:k + 1] + dur[k:k + 1, :])
    return dur, dist


def day(region, seed: int):  # type: ignore[no-untyped-def]
    """The comparison scenario and its trips (one rider each, inside the area and hours)."""
    sc = load_scenario(region, None)
    sc = replace(sc, seed=seed, no_show=0.0, replanning="off",
                 rules=replace(sc.rules, boarding_s=0.0, alighting_s=0.0))
    trips, _ = demand_for(region, sc)
    keep = [replace(t, passengers=1, wheelchair=False) for t in trips
            if sc.area.contains(t.origin) and sc.area.contains(t.destination)
            and sc.hours[0] <= t.time <= sc.hours[1]]
    return sc, keep


def with_fleet(sc: Scenario, n: int) -> Scenario:
    """``n`` vehicles on the road all day (ridepy's vehicles have no shift)."""
    sc = sc.with_fleet(n)
    fleet = tuple(replace(v, shift=(0.0, 30 * 3600.0)) for v in sc.vehicles)
    return replace(sc, vehicles=fleet, area=replace(sc.area, vehicles=fleet))


def run_ridepy(python: Path, sc: Scenario, trips: list[Trip], index: dict[Point, int],
               dur: np.ndarray) -> dict:  # type: ignore[type-arg]
    r = sc.rules
    reqs = []
    # in our booking order; ridepy's clock starts at 0 (bookings of the day before at 0)
    for t in sorted(trips, key=lambda t: (t.booked_at, t.time, t.id)):
        o, d = index[t.origin], index[t.destination]
        earliest = max(t.time, t.booked_at + sc.notice_s)
        latest = earliest + r.window_s
        reqs.append({"id": t.id, "created": max(0.0, t.booked_at), "origin": o, "destination": d,
                     "pickup_min": earliest, "pickup_max": latest,
                     "delivery_max": latest + r.max_ride(float(dur[o, d]))})
    doc = {"durations": dur.tolist(), "requests": reqs,
           "vehicles": [{"id": v.id, "start": index[v.start], "seats": v.seats}
                        for v in sc.vehicles]}
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(doc), encoding="utf-8")
        subprocess.run([str(python), str(PEER), "--input", str(inp), "--out", str(out)],
                       check=True)
        return json.loads(out.read_text(encoding="utf-8"))


def as_result(sc: Scenario, trips: list[Trip], peer: dict, travel: MatrixTravel
              ) -> SimResult:  # type: ignore[type-arg]
    """ridepy's day as our SimResult: outcomes, requests and each vehicle's visits."""
    r = sc.rules
    by_id = {t.id: t for t in trips}
    outcomes: dict[str, Outcome] = {}
    requests = {}
    for t in trips:
        direct = float(travel.one_to_many(t.origin, [t.destination])[0])
        earliest = max(t.time, t.booked_at + sc.notice_s)
        req = r.request(t.id, t.origin, t.destination, direct,
                        (earliest, earliest + r.window_s))
        outcomes[t.id] = Outcome(t, "rejected", "ridepy: no insertion", direct_s=direct)
        if t.id in peer["accepted"]:
            requests[t.id] = req
            outcomes[t.id] = Outcome(t, "booked", window=req.pickup_window, direct_s=direct)
    visits: dict[str, list[Visit]] = {v.id: [] for v in sc.vehicles}
    load = dict.fromkeys(visits, 0)
    for ev in peer["events"]:  # in the order ridepy served them
        o, vid = outcomes[ev["request"]], ev["vehicle"]
        t = by_id[ev["request"]]
        o.vehicle = o.booked_vehicle = vid
        if ev["kind"] == "pickup":
            load[vid] += 1
            o.pickup = ev["time"]
            visits[vid].append(Visit(ev["time"], "pickup", t.id, t.origin, load[vid]))
        else:
            load[vid] -= 1
            o.status, o.dropoff = "served", ev["time"]
            visits[vid].append(Visit(ev["time"], "dropoff", t.id, t.destination, load[vid]))
    return SimResult(sc, outcomes, visits, requests, request_s=peer["request_s"])


def check(res: SimResult, region, dur: np.ndarray, index: dict[Point, int]  # type: ignore[no-untyped-def]
          ) -> list[str]:
    """Every broken rule of a day, by the independent checker (times as epoch seconds of
    the region's default date)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    origin = (dt.datetime.combine(region.default_date, dt.time(12), ZoneInfo(region.timezone))
              .timestamp() - 12 * 3600)
    rows = trip_rows(res, region.timezone, region.default_date)
    visits = {vid: [VisitRecord(origin + v.time, v.kind, v.trip, *v.point) for v in vs]
              for vid, vs in res.visits.items()}
    r, v = res.scenario.rules, res.scenario.vehicles[0]
    rules = Rules(r.alpha, r.beta, r.boarding_s, r.alighting_s, v.seats, v.wheelchair_places)
    # the file's places are rounded to 6 decimals: look them up so
    near = {(round(p[0], 6), round(p[1], 6)): k for p, k in index.items()}

    def drive(a: Point, b: Point) -> float:
        return float(dur[near[round(a[0], 6), round(a[1], 6)],
                         near[round(b[0], 6), round(b[1], 6)]])

    return check_day(rows, visits, rules, drive)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fleets", default="2,3,4")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--python", type=Path, default=VENV_PY, help="ridepy venv's python")
    ap.add_argument("--cache", type=Path, default=None)
    args = ap.parse_args()
    if not args.python.exists():
        sys.exit(f"{args.python} missing: run bash benchmarks/peers/ridepy_setup.sh first")
    settings = Settings()  # MOBILITY_DATA, MOBILITY_CACHE, as the command line
    region = load_region("addison-vt", data=settings.data, cache_dir=args.cache or settings.cache)
    base, trips = day(region, args.seed)
    depot = base.vehicles[0].start
    points = list(dict.fromkeys([depot] + [p for t in trips for p in (t.origin, t.destination)]))
    t0 = time.perf_counter()
    dur, dist = shared_matrix(region.router("car"), points)
    matrix_s = time.perf_counter() - t0
    index = {p: k for k, p in enumerate(points)}
    reach = [t for t in trips if np.isfinite(dur[index[t.origin], index[t.destination]])]
    travel = MatrixTravel(points, dur, dist)
    print(f"{len(reach)} requests, {len(points)} points, matrix {matrix_s:.1f} s")
    rows, figures = [], {}
    for n in [int(x) for x in args.fleets.split(",")]:
        sc = with_fleet(base, n)
        ours = simulate(sc, reach, travel)
        theirs = as_result(sc, reach, run_ridepy(args.python, sc, reach, index, dur), travel)
        for name, res in (("ours", ours), ("ridepy", theirs)):
            k = compute_kpis(res, travel)
            problems = check(res, region, dur, index)
            ride = {p.split()[1].rstrip(":") for p in problems if p.startswith("ride:")}
            other = [p for p in problems if not p.startswith("ride:")]
            med, p95 = stats_ms(res.request_s)
            figures[f"{n}/{name}"] = {"served": k["served"], "ride_rule_broken": len(ride),
                                      "other_problems": other[:5], "kpis": k,
                                      "request_ms": [med, p95]}
            rows.append((n, name, k, len(ride), len(other), med, p95))
    print("| vehicles | simulator | served | of them within our ride-time rule | "
          "detour median | vehicle-km | wait p50 / p95 (min) | ms per request "
          "(median / p95) | other rule breaks |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, name, k, broken, other, med, p95 in rows:
        print(f"| {n} | {name} | {k['served']} | {k['served'] - broken} | "
              f"{k['detour_factor']['p50']} | {k['vehicle_km']:,.0f} | "
              f"{k['wait_min']['p50']} / {k['wait_min']['p95']} | {med:.2f} / {p95:.2f} | "
              f"{other} |")
    emit(figures)


if __name__ == "__main__":
    main()
