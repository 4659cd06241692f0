"""Tests for the independent DARP feasibility checker (tests/darp_checker.py).

Solutions are built by hand here -- a naive one-request-at-a-time greedy for the real Cordeau
files and explicit schedules for a tiny instance written in this file -- never by the solver.
Each mutation test breaks one rule and asserts the checker names it (on the tiny instance: names
exactly that rule and nothing else).
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
from pathlib import Path

import pytest

from tests.darp_checker import (
    RULES,
    CheckReport,
    Instance,
    check_solution,
    load_instance,
    read_bks,
)

ROOT = Path(__file__).resolve().parent.parent
if "MOBILITY_DARP_DIR" in os.environ:
    DARP = Path(os.environ["MOBILITY_DARP_DIR"])
elif "MOBILITY_DATA" in os.environ:  # ../shared/data/regions -> ../shared/data/darp/cordeau
    DARP = Path(os.environ["MOBILITY_DATA"]).parent / "darp" / "cordeau"
else:
    DARP = ROOT.parent / "shared" / "data" / "darp" / "cordeau"

INSTANCE_NAMES = [
    f"a{k}-{n}"
    for k, ns in [
        (2, (16, 20, 24)),
        (3, (18, 24, 30, 36)),
        (4, (16, 24, 32, 40, 48)),
        (5, (40, 50, 60)),
        (6, (48, 60, 72)),
        (7, (56, 70, 84)),
        (8, (64, 80, 96)),
    ]
    for n in ns
]
assert len(INSTANCE_NAMES) == 24


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"DARP data missing: {path} (set MOBILITY_DARP_DIR)")
    return path


# ------------------------------------------------------------------------------ helpers (own math)


def dist(inst: Instance, i: int, j: int) -> float:
    """The test's own Euclidean distance, independent of ``Instance.travel``."""
    return math.dist(tuple(map(float, inst.coords[i])), tuple(map(float, inst.coords[j])))


def route_cost(inst: Instance, routes: list[list[int]]) -> float:
    return sum(
        dist(inst, a, b) for r in routes if len(r) > 2 for a, b in zip(r, r[1:], strict=False)
    )


def earliest_schedule(inst: Instance, route: list[int], start: float = 0.0) -> dict[str, float]:
    """Forward pass: B(v) = max(e(v), B(prev) + d(prev) + t(prev, v)); depot departure at
    ``start``.  Returns times for the stops (not the depots)."""
    times: dict[str, float] = {}
    b, prev = start, route[0]
    for v in route[1:-1]:
        b = max(float(inst.e[v]), b + float(inst.d[prev]) + dist(inst, prev, v))
        times[str(v)] = b
        prev = v
    return times


def make_solution(inst: Instance, routes, times, rejected=()) -> dict:
    return {
        "cost": route_cost(inst, routes),
        "routes": [list(r) for r in routes],
        "start_times": dict(times),
        "rejected": list(rejected),
        "seconds": 0.0,
    }


def greedy(inst: Instance) -> dict:
    """Naive constructor: each vehicle serves one request at a time (pickup, then straight to
    the drop-off).  Requests in order of their tight window; each goes to the vehicle that can
    drop it off earliest.  The pickup is delayed so the drop-off is reached exactly when its
    window opens (no waiting with a passenger on board).  Requests that fit nowhere are
    rejected."""
    n, end = inst.n, 2 * inst.n + 1
    e, late, d = (list(map(float, a)) for a in (inst.e, inst.l, inst.d))
    order = sorted(range(1, n + 1), key=lambda i: (max(e[i], e[n + i] - inst.L), i))
    free = [0.0] * inst.K  # time the vehicle is free (after service) at ``loc``
    loc = [0] * inst.K
    stops: list[list[int]] = [[] for _ in range(inst.K)]
    times: dict[str, float] = {}
    rejected = []
    for i in order:
        p, q = i, n + i
        best = None
        for k in range(inst.K):
            bp = max(free[k] + dist(inst, loc[k], p), e[p], e[q] - d[p] - dist(inst, p, q))
            bq = max(bp + d[p] + dist(inst, p, q), e[q])
            back = bq + d[q] + dist(inst, q, end)
            ride = bq - (bp + d[p])
            fits = bp <= late[p] and bq <= late[q] and back <= min(late[end], inst.T)
            if fits and ride <= inst.L and (best is None or bq < best[0]):
                best = (bq, k, bp)
        if best is None:
            rejected.append(i)
            continue
        bq, k, bp = best
        stops[k] += [p, q]
        times[str(p)], times[str(q)] = bp, bq
        free[k], loc[k] = bq + d[q], q
    routes = [[0, *s, end] for s in stops if s]
    return make_solution(inst, routes, times, sorted(rejected))


def assert_rule(report: CheckReport, rule: str, *fragments: str) -> str:
    """The report is infeasible and has a ``rule`` problem whose text contains all fragments."""
    assert rule in RULES
    assert not report.ok
    hits = [p for p in report.problems if p.startswith(rule + ":")]
    assert hits, f"no {rule!r} problem in {report.problems}"
    for msg in hits:
        if all(f in msg for f in fragments):
            return msg
    raise AssertionError(f"no {rule!r} problem mentions {fragments}: {hits}")


# --------------------------------------------------------------------------------- tiny instance

# K n T Q L; depot window [0, 1000] is deliberately wider than T = 100 so route duration can be
# violated on its own.  Stops on a line: pickups 1..4 at x = 1..4, drop-offs 5..8 at x = 5..8.
TINY = """\
2 4 100 3 30
0 0.0 0.0 0 0 0 1000
1 1.0 0.0 3 1 0 1000
2 2.0 0.0 3 1 0 1000
3 3.0 0.0 3 1 0 1000
4 4.0 0.0 3 1 0 1000
5 5.0 0.0 3 -1 0 1000
6 6.0 0.0 3 -1 0 1000
7 7.0 0.0 3 -1 0 1000
8 8.0 0.0 3 -1 0 1000
9 0.0 0.0 0 0 0 1000
"""


@pytest.fixture()
def tiny(tmp_path: Path) -> Instance:
    path = tmp_path / "tiny.txt"
    path.write_text(TINY)
    return load_instance(path)


def tiny_feasible(inst: Instance) -> dict:
    r0, r1 = [0, 1, 2, 5, 6, 9], [0, 3, 4, 7, 8, 9]
    return make_solution(
        inst, [r0, r1], {**earliest_schedule(inst, r0), **earliest_schedule(inst, r1)}
    )


def only(report: CheckReport, rule: str) -> None:
    assert report.rules == {rule}, report.problems


def test_tiny_feasible(tiny: Instance) -> None:
    sol = tiny_feasible(tiny)
    rep = check_solution(tiny, sol)
    assert rep.ok, rep.problems
    assert rep.served == 4
    # two routes 0..6..0 and 0..8..0 along the x axis
    assert rep.cost == pytest.approx(12.0 + 16.0, abs=1e-12)
    assert rep.problems == [] and rep.notes == []


def test_tiny_capacity_four_on_board(tiny: Instance) -> None:
    r = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # four pickups, then four drop-offs: 4 > Q = 3
    rep = check_solution(tiny, make_solution(tiny, [r], earliest_schedule(tiny, r)))
    only(rep, "capacity")
    assert_rule(rep, "capacity", "route 0", "node 4", "load 4", "Q=3")
    assert len(rep.problems) == 1  # back to 3 at node 5
    assert rep.served == 4


def test_tiny_ride_time(tiny: Instance) -> None:
    sol = tiny_feasible(tiny)
    # wait 40 at drop-off 5 (request 1) and shift the rest of route 0 by the same amount
    for v in (5, 6):
        sol["start_times"][str(v)] += 40.0
    rep = check_solution(tiny, sol)
    only(rep, "ride-time")
    assert_rule(rep, "ride-time", "request 1", "B(5)", "L=30")
    assert_rule(rep, "ride-time", "request 2", "B(6)")


def test_tiny_route_duration(tiny: Instance) -> None:
    sol = tiny_feasible(tiny)
    for v in (1, 2, 5, 6):  # route 0 starts 150 later, but the vehicle leaves the depot at 0
        sol["start_times"][str(v)] += 150.0
    sol["start_times"]["0@0"] = 0.0
    rep = check_solution(tiny, sol)
    only(rep, "duration")
    assert_rule(rep, "duration", "route 0", "T=100")
    # without the explicit departure the checker derives the latest one: then it is feasible
    del sol["start_times"]["0@0"]
    assert check_solution(tiny, sol).ok


def test_tiny_schedule_consistency(tiny: Instance) -> None:
    sol = tiny_feasible(tiny)
    # route 0: 0 -> 1 -> 2: B(2) must be >= B(1) + 3 + 1
    sol["start_times"]["2"] = sol["start_times"]["1"] + 3.5
    rep = check_solution(tiny, sol)
    only(rep, "schedule")
    assert_rule(rep, "schedule", "route 0", "1->2", "B(2)")


def test_tiny_depot_times_explicit(tiny: Instance) -> None:
    sol = tiny_feasible(tiny)
    st = sol["start_times"]
    st.update({"0@0": 0.0, "9@0": st["6"] + 3 + 6, "0@1": 0.0, "9@1": st["8"] + 3 + 8})
    assert check_solution(tiny, sol).ok
    late = copy.deepcopy(sol)
    late["start_times"]["0@1"] = 0.5  # cannot reach node 3 (distance 3) by B(3) = 3
    rep = check_solution(tiny, late)
    only(rep, "schedule")
    assert_rule(rep, "schedule", "route 1", "0->3")
    early = copy.deepcopy(sol)
    early["start_times"]["9@0"] -= 1.0  # returns before it can get back
    assert_rule(check_solution(tiny, early), "schedule", "route 0", "6->9")
    neg = copy.deepcopy(sol)
    neg["start_times"]["0@0"] = -1.0  # departure before the depot opens
    assert_rule(check_solution(tiny, neg), "time-window", "route 0", "node 0", "departure")
    # a depot key without a route is ambiguous: ignored (with a note), times derived instead
    plain = copy.deepcopy(sol)
    plain["start_times"]["0"] = -50.0
    rep = check_solution(tiny, plain)
    assert rep.ok and any("'0'" in note for note in rep.notes)


def test_tiny_empty_routes_and_vehicle_count(tiny: Instance) -> None:
    r = [0, 1, 5, 2, 6, 3, 7, 4, 8, 9]
    sol = make_solution(tiny, [r, [0, 9]], earliest_schedule(tiny, r))
    rep = check_solution(tiny, sol)
    assert rep.ok, rep.problems  # empty route allowed, costs nothing
    assert rep.cost == pytest.approx(34.0)  # 1+4+3+4+3+4+3+4+8
    sol["routes"].append([0, 9])  # 3 routes, K = 2
    rep = check_solution(tiny, sol)
    only(rep, "vehicles")
    assert_rule(rep, "vehicles", "3 routes", "1 non-empty", "K=2")


def test_tiny_rejected_requests(tiny: Instance) -> None:
    r = [0, 1, 5, 2, 6, 9]
    sol = make_solution(tiny, [r], earliest_schedule(tiny, r))
    rep = check_solution(tiny, sol)
    only(rep, "unserved")
    assert_rule(rep, "unserved", "request 3")
    assert_rule(rep, "unserved", "request 4")
    sol["rejected"] = [3, 4]
    rep = check_solution(tiny, sol)
    assert rep.ok and rep.served == 2
    sol["rejected"] = [3, 4, 4, 9, "x"]
    rep = check_solution(tiny, sol)
    only(rep, "rejected")
    assert len(rep.problems) == 3
    sol["rejected"] = [1, 3, 4]  # request 1 is served
    assert_rule(check_solution(tiny, sol), "rejected", "request 1")


def test_tiny_tolerance(tiny: Instance) -> None:
    sol = tiny_feasible(tiny)
    sol["start_times"]["2"] = sol["start_times"]["1"] + 4.0 - 1e-7  # 1e-7 too early
    assert check_solution(tiny, sol).ok  # within default tol = 1e-6
    only(check_solution(tiny, sol, tol=1e-9), "schedule")


def test_tiny_format_errors(tiny: Instance) -> None:
    base = tiny_feasible(tiny)
    for mutate, fragment in [
        (lambda s: s["routes"][0].pop(), "does not end at depot 9"),
        (lambda s: s["routes"][1].pop(0), "does not start at depot 0"),
        (lambda s: s["routes"][0].insert(3, 9), "depot 9 mid-route"),
        (lambda s: s["routes"][0].insert(3, 42), "42"),
        (lambda s: s["routes"][0].insert(3, True), "True"),
        (lambda s: s.__setitem__("routes", None), "'routes' must be a list"),
        (lambda s: s["start_times"].__setitem__("1", float("nan")), "not a finite number"),
        (lambda s: s["start_times"].__setitem__("1@0", 3.0), "only for depots"),
        (lambda s: s["start_times"].__setitem__("one", 3.0), "'one'"),
    ]:
        sol = copy.deepcopy(base)
        mutate(sol)
        assert_rule(check_solution(tiny, sol), "format", fragment)
    assert_rule(check_solution(tiny, []), "format")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ real instances


@pytest.fixture(scope="module")
def a2_16() -> Instance:
    return load_instance(_require(DARP / "a2-16.txt"))


@pytest.fixture()
def base(a2_16: Instance) -> dict:
    sol = greedy(a2_16)
    assert sol["rejected"] == [], "naive greedy serves all of a2-16 with K=2"
    assert len(sol["routes"]) == 2
    return sol


def route_of(sol: dict, node: int) -> int:
    return next(r for r, route in enumerate(sol["routes"]) if node in route)


def test_a2_16_greedy_is_feasible(a2_16: Instance, base: dict) -> None:
    rep = check_solution(a2_16, base)
    assert rep.ok, "\n".join(rep.problems)
    assert rep.served == 16
    assert rep.cost == pytest.approx(route_cost(a2_16, base["routes"]), abs=1e-9)
    # JSON round trip (all keys become str) and int keys both work
    assert check_solution(a2_16, json.loads(json.dumps(base))).ok
    int_keys = dict(base, start_times={int(k): v for k, v in base["start_times"].items()})
    assert check_solution(a2_16, int_keys).ok
    # explicit per-route depot times equal to the derived ones
    explicit = copy.deepcopy(base)
    for r, route in enumerate(explicit["routes"]):
        st = explicit["start_times"]
        st[f"0@{r}"] = st[str(route[1])] - dist(a2_16, 0, route[1])
        st[f"33@{r}"] = st[str(route[-2])] + 3 + dist(a2_16, route[-2], 33)
    assert check_solution(a2_16, explicit).ok


def test_a2_16_swap_pickup_and_dropoff(a2_16: Instance, base: dict) -> None:
    route = base["routes"][0]
    i = route[1]  # first request on route 0
    a, b = route.index(i), route.index(16 + i)
    route[a], route[b] = route[b], route[a]
    assert_rule(check_solution(a2_16, base), "precedence", f"request {i}", f"drop-off {16 + i}")


def test_a2_16_time_past_latest(a2_16: Instance, base: dict) -> None:
    node = 9  # pickup with window [276, 291]
    base["start_times"]["9"] = float(a2_16.l[node]) + 1.0
    msg = assert_rule(check_solution(a2_16, base), "time-window", "node 9", "B=292", "291")
    assert f"route {route_of(base, 9)}" in msg


def test_a2_16_capacity_four_at_once(a2_16: Instance, base: dict) -> None:
    # move requests 2, 3, 4 into route 0 right after request 1's pickup: 4 passengers at once
    victims = [2, 3, 4]
    routes = [[v for v in r if v not in victims and v - 16 not in victims] for r in base["routes"]]
    r0 = routes[route_of(base, 1)]
    k = r0.index(1) + 1
    r0[k:k] = [2, 3, 4, 18, 19, 20]
    rep = check_solution(a2_16, make_solution(a2_16, routes, base["start_times"]))
    assert_rule(rep, "capacity", "node 4", "load 4 > Q=3")


def test_a2_16_ride_time(a2_16: Instance, base: dict) -> None:
    route = base["routes"][0]
    last_drop = route[-2]
    base["start_times"][str(last_drop)] += 45.0  # wait 45 with the passenger on board
    i = last_drop - 16
    assert_rule(check_solution(a2_16, base), "ride-time", f"request {i}", "L=30")


def test_a2_16_route_duration(a2_16: Instance, base: dict) -> None:
    st = base["start_times"]
    st["0@0"] = 0.0
    st["33@0"] = a2_16.T + 5.0
    rep = check_solution(a2_16, base)
    assert_rule(rep, "duration", "route 0", "T=480")
    assert_rule(rep, "time-window", "node 33", "return")  # depot window is [0, T] in the files


def test_a2_16_dropped_request(a2_16: Instance, base: dict) -> None:
    i = 5
    base["routes"] = [[v for v in r if v not in (i, 16 + i)] for r in base["routes"]]
    base["cost"] = route_cost(a2_16, base["routes"])
    rep = check_solution(a2_16, base)
    only(rep, "unserved")  # removing stops only creates slack (triangle inequality)
    assert_rule(rep, "unserved", "request 5")
    base["rejected"] = [i]
    rep = check_solution(a2_16, base)
    assert rep.ok and rep.served == 15


def test_a2_16_duplicate_node(a2_16: Instance, base: dict) -> None:
    p = base["routes"][0][1]
    base["routes"][1].insert(1, p)
    assert_rule(check_solution(a2_16, base), "duplicate", f"node {p}", "route 1")


def test_a2_16_split_request(a2_16: Instance, base: dict) -> None:
    i = base["routes"][0][1]
    base["routes"][0].remove(16 + i)
    base["routes"][1].insert(-1, 16 + i)
    assert_rule(check_solution(a2_16, base), "pairing", f"request {i}", "route 0", "route 1")


def test_a2_16_missing_time(a2_16: Instance, base: dict) -> None:
    del base["start_times"]["12"]
    assert_rule(check_solution(a2_16, base), "missing-time", "node 12")


def test_a2_16_wrong_cost(a2_16: Instance, base: dict) -> None:
    true = base["cost"]
    base["cost"] = true + 5e-4  # within 1e-3
    assert check_solution(a2_16, base).ok
    base["cost"] = true + 0.01
    rep = check_solution(a2_16, base)
    only(rep, "cost")
    msg = assert_rule(rep, "cost", "reported", "recomputed")
    recomputed = float(msg.split("recomputed ")[1].split()[0])
    assert recomputed == pytest.approx(true, abs=1e-6)
    base["cost"] = true * 100  # e.g. a solver reporting its integer-scaled objective
    only(check_solution(a2_16, base), "cost")
    del base["cost"]
    only(check_solution(a2_16, base), "cost")


def test_a2_16_too_many_routes(a2_16: Instance, base: dict) -> None:
    base["routes"].append([0, 33])
    assert_rule(check_solution(a2_16, base), "vehicles", "K=2")


# -------------------------------------------------------------------------------- files, bks


def _raw_rows(path: Path) -> tuple[list[int], list[list[float]]]:
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    return [int(x) for x in lines[0]], [[float(x) for x in ln] for ln in lines[1:]]


def test_read_bks_has_all_24() -> None:
    bks = read_bks(_require(DARP / "bks.csv"))
    assert sorted(bks) == sorted(INSTANCE_NAMES)
    assert sorted(p.stem for p in DARP.glob("a*.txt")) == sorted(INSTANCE_NAMES)
    for name, (cost, status) in bks.items():
        assert 250 < cost < 1300, name
        assert status in {"verified", "unverified", "CONFLICT"}, (name, status)


@pytest.mark.parametrize("name", INSTANCE_NAMES)
def test_instance_file(name: str) -> None:
    path = _require(DARP / f"{name}.txt")
    inst = load_instance(path)
    header, rows = _raw_rows(path)
    k, n = (int(x) for x in name[1:].split("-"))
    assert header == [inst.K, inst.n, inst.T, inst.Q, inst.L] and (inst.K, inst.n) == (k, n)
    assert len(rows) == 2 * n + 2 == inst.num_nodes == len(inst.coords)
    assert [int(r[0]) for r in rows] == list(range(2 * n + 2))
    assert (inst.Q, inst.L) == (3, 30)
    # what the bks table says about the instance agrees with the file
    with (DARP / "bks.csv").open() as fh:
        row = next(r for r in csv.DictReader(fh) if r["instance"] == name)
    assert [int(row[c]) for c in ["K", "n", "T", "Q", "L"]] == header
    end = 2 * n + 1
    for depot in (0, end):
        assert inst.d[depot] == 0 and inst.q[depot] == 0
        assert (inst.e[depot], inst.l[depot]) == (0, inst.T)  # depot window is [0, T]
        assert tuple(inst.coords[depot]) == (0.0, 0.0)
    assert list(inst.q[1 : n + 1]) == [1] * n
    assert list(inst.q[n + 1 : end]) == [-1] * n
    assert list(inst.d[1:end]) == [3] * (2 * n)
    # each request has one tight 15-minute window, the other side is open [0, 1440]:
    # requests 1..n/2 have it at the drop-off, requests n/2+1..n at the pickup
    for i in range(1, n + 1):
        wp = (inst.e[i], inst.l[i])
        wd = (inst.e[n + i], inst.l[n + i])
        tight, loose = (wd, wp) if i <= n // 2 else (wp, wd)
        assert loose == (0, 1440) and tight[1] - tight[0] == 15, (i, wp, wd)
    # the checker's distance is plain Euclidean
    assert inst.travel(1, end) == pytest.approx(math.hypot(rows[1][1], rows[1][2]), abs=0)


def test_load_instance_rejects_truncated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(TINY.splitlines()[:-1]))
    with pytest.raises(ValueError, match="2n\\+2"):
        load_instance(bad)
    bad.write_text(TINY.replace("\n3 3.0", "\n7 3.0"))
    with pytest.raises(ValueError, match="out of order"):
        load_instance(bad)


@pytest.mark.parametrize("name", INSTANCE_NAMES)
def test_greedy_checked_on_every_instance(name: str) -> None:
    """End to end on real data: the naive greedy's solution (rejecting what does not fit) is
    feasible per the checker, and a complete one never beats the best-known cost."""
    inst = load_instance(_require(DARP / f"{name}.txt"))
    sol = json.loads(json.dumps(greedy(inst)))
    rep = check_solution(inst, sol)
    assert rep.ok, "\n".join(rep.problems)
    assert rep.served == inst.n - len(sol["rejected"])
    assert rep.cost == pytest.approx(sol["cost"], abs=1e-9)
    if not sol["rejected"]:
        bks_cost, _ = read_bks(DARP / "bks.csv")[name]
        assert rep.cost >= bks_cost - 0.005
