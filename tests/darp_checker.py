"""Independent feasibility checker for dial-a-ride (DARP) solutions on the Cordeau benchmark.

Written from the problem definition only (Cordeau 2006, "A branch-and-cut algorithm for the
dial-a-ride problem"); it deliberately imports nothing from the solver code, so a bug shared by
solver and checker cannot hide an infeasible solution.

Instance file (``a2-16.txt`` ...)::

    K n T Q L                 vehicles, requests, max route duration, capacity, max ride time
    id x y d q e l            2n+2 lines: node 0 = start depot, 1..n pickups,
                              n+i = drop-off of request i, 2n+1 = end depot

Travel time = cost = Euclidean distance in double precision (no rounding).

Solution (one JSON object per instance, as written by the solver)::

    {"cost": float, "routes": [[0, ..., 2n+1], ...], "start_times": {node: B},
     "rejected": [request ids], "seconds": float}

``start_times`` maps every visited pickup/drop-off (key ``int`` or ``str``) to its service start
time B.  Depot times are per route because all vehicles share node ids 0 and 2n+1: keys
``"0@r"`` (departure) and ``"{2n+1}@r"`` (return), r = index into ``routes``.  When absent the
checker derives the latest feasible departure ``B(first) - d(0) - t(0, first)`` and the earliest
return ``B(last) + d(last) + t(last, 2n+1)``.  A plain ``"0"`` / ``"{2n+1}"`` key is ambiguous
and is ignored (with a note).

Every problem message starts with the rule it violates, e.g. ``"capacity: route 0 ..."``; the
rule names are listed in :data:`RULES`.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "RULES",
    "CheckReport",
    "Instance",
    "check_files",
    "check_solution",
    "load_instance",
    "load_solution",
    "read_bks",
]

#: rule tags that prefix problem messages
RULES = (
    "format",  # malformed solution (types, keys, node ids, route ends)
    "vehicles",  # more routes than vehicles K
    "duplicate",  # a node visited more than once
    "unserved",  # request neither served nor listed in ``rejected``
    "rejected",  # bad ``rejected`` list (unknown id, repeated, or also served)
    "pairing",  # pickup and drop-off not both on the same route
    "precedence",  # drop-off before its pickup
    "capacity",  # load above Q
    "missing-time",  # no start time for a visited node
    "time-window",  # B outside [e, l]
    "schedule",  # B(next) < B(prev) + d(prev) + t(prev, next)
    "ride-time",  # B(n+i) - (B(i) + d(i)) > L
    "duration",  # B(return) - B(departure) > T
    "cost",  # reported cost differs from the recomputed one
)

COST_ABS_TOL = 1e-3
COST_REL_TOL = 1e-6


# --------------------------------------------------------------------------------------- instance


@dataclass(frozen=True, eq=False)
class Instance:
    """A Cordeau DARP instance.  Arrays are indexed by node id 0..2n+1."""

    name: str
    K: int
    n: int
    T: float
    Q: int
    L: float
    coords: np.ndarray  # (2n+2, 2) float64
    d: np.ndarray  # service durations
    q: np.ndarray  # loads (+ at pickups, - at drop-offs)
    e: np.ndarray  # earliest start
    l: np.ndarray  # noqa: E741 - latest start

    @property
    def start_depot(self) -> int:
        return 0

    @property
    def end_depot(self) -> int:
        return 2 * self.n + 1

    @property
    def num_nodes(self) -> int:
        return 2 * self.n + 2

    def travel(self, i: int, j: int) -> float:
        """Euclidean distance (= travel time = cost) between nodes i and j, unrounded."""
        (xi, yi), (xj, yj) = self.coords[i], self.coords[j]
        return math.hypot(float(xi) - float(xj), float(yi) - float(yj))

    def pickup(self, request: int) -> int:
        return request

    def dropoff(self, request: int) -> int:
        return self.n + request


def _number(token: str, path: Path, lineno: int) -> float:
    try:
        return float(token)
    except ValueError:
        raise ValueError(f"{path}:{lineno}: not a number: {token!r}") from None


def load_instance(path: str | Path) -> Instance:
    """Parse a Cordeau instance file; raises ``ValueError`` on any structural defect."""
    path = Path(path)
    lines = [
        (no, ln.split())
        for no, ln in enumerate(path.read_text().splitlines(), start=1)
        if ln.strip()
    ]
    if not lines:
        raise ValueError(f"{path}: empty file")
    head_no, head = lines[0]
    if len(head) != 5:
        raise ValueError(f"{path}:{head_no}: header must be 'K n T Q L', got {head}")
    k, n, t_max, cap, ride = (_number(x, path, head_no) for x in head)
    if k != int(k) or n != int(n) or cap != int(cap) or k < 1 or n < 1:
        raise ValueError(f"{path}:{head_no}: K, n, Q must be positive integers, got {head}")
    k, n, cap = int(k), int(n), int(cap)
    body = lines[1:]
    if len(body) != 2 * n + 2:
        raise ValueError(f"{path}: expected 2n+2 = {2 * n + 2} node lines, found {len(body)}")
    table = np.empty((2 * n + 2, 6), dtype=np.float64)
    for expect, (no, tok) in enumerate(body):
        if len(tok) != 7:
            raise ValueError(f"{path}:{no}: node line must be 'id x y d q e l', got {tok}")
        vals = [_number(x, path, no) for x in tok]
        if vals[0] != expect:
            raise ValueError(f"{path}:{no}: node id {tok[0]} out of order, expected {expect}")
        table[expect] = vals[1:]
    q = table[:, 3]
    if np.any(q != np.round(q)):
        raise ValueError(f"{path}: non-integer loads")
    return Instance(
        name=path.stem,
        K=k,
        n=n,
        T=t_max,
        Q=cap,
        L=ride,
        coords=table[:, 0:2].copy(),
        d=table[:, 2].copy(),
        q=q.astype(np.int64),
        e=table[:, 4].copy(),
        l=table[:, 5].copy(),
    )


def read_bks(path: str | Path) -> dict[str, tuple[float, str]]:
    """``bks.csv`` -> {instance name: (best-known cost, verification status)}."""
    path = Path(path)
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}

        def pick(*names: str) -> str:
            for nm in names:
                if nm in cols:
                    return cols[nm]
            raise ValueError(f"{path}: none of the columns {names} in {list(cols)}")

        c_name = pick("instance", "name")
        c_cost = pick("bks_cost", "bks", "cost", "best_known")
        c_ver = pick("verification", "verified", "status")
        out: dict[str, tuple[float, str]] = {}
        for row in reader:
            name = row[c_name].strip()
            if not name:
                continue
            if name in out:
                raise ValueError(f"{path}: instance {name} listed twice")
            out[name] = (float(row[c_cost]), row[c_ver].strip())
    return out


def load_solution(path: str | Path) -> dict[str, Any]:
    with Path(path).open() as fh:
        return json.load(fh)


# ----------------------------------------------------------------------------------------- checks


@dataclass
class CheckReport:
    ok: bool
    problems: list[str]
    cost: float  # recomputed: sum of Euclidean distances over routes, depot to depot
    served: int  # requests with pickup and drop-off on the same route, in order
    notes: list[str] = field(default_factory=list)  # informational, do not affect ``ok``

    @property
    def rules(self) -> set[str]:
        """The set of rule tags among the problems."""
        return {p.split(":", 1)[0] for p in self.problems}

    def __str__(self) -> str:
        head = f"{'OK' if self.ok else 'INFEASIBLE'} cost={self.cost:.6f} served={self.served}"
        return "\n  ".join([head, *self.problems])


def _is_int(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, np.integer)):
        return True
    return isinstance(x, (float, np.floating)) and math.isfinite(x) and float(x).is_integer()


def _is_num(x: Any) -> bool:
    return (
        not isinstance(x, bool)
        and isinstance(x, (int, float, np.integer, np.floating))
        and math.isfinite(float(x))
    )


_KEY = re.compile(r"^\s*(-?\d+)\s*(?:@\s*(-?\d+)\s*)?$")


def _parse_times(
    inst: Instance, raw: Any, problems: list[str], notes: list[str]
) -> tuple[dict[int, float], dict[tuple[int, int], float]]:
    """-> ({node: B} for pickups/drop-offs, {(depot node, route): B})."""
    times: dict[int, float] = {}
    depot_times: dict[tuple[int, int], float] = {}
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.append(f"format: start_times must be an object, got {type(raw).__name__}")
        return times, depot_times
    depots = (inst.start_depot, inst.end_depot)
    plain_depot_keys = []
    for key, val in raw.items():
        if _is_int(key):
            node, route = int(key), None
        else:
            m = _KEY.match(str(key))
            if not m:
                problems.append(f"format: start_times key {key!r} is not 'node' or 'node@route'")
                continue
            node = int(m.group(1))
            route = None if m.group(2) is None else int(m.group(2))
        if not _is_num(val):
            problems.append(f"format: start_times[{key!r}] = {val!r} is not a finite number")
            continue
        val = float(val)
        if not 0 <= node < inst.num_nodes:
            problems.append(
                f"format: start_times key {key!r}: node {node} not in 0..{inst.end_depot}"
            )
            continue
        if route is not None:
            if node not in depots:
                problems.append(
                    f"format: start_times key {key!r}: per-route keys are only for depots "
                    f"{inst.start_depot} and {inst.end_depot}"
                )
                continue
            if (node, route) in depot_times and depot_times[(node, route)] != val:
                problems.append(f"format: start_times gives depot {node}@{route} twice")
            depot_times[(node, route)] = val
            continue
        if node in depots:
            plain_depot_keys.append(str(key))
            continue
        if node in times and times[node] != val:
            problems.append(
                f"format: start_times gives node {node} twice ({times[node]} and {val}) "
                "(int and str key)"
            )
        times[node] = val
    if plain_depot_keys:
        notes.append(
            f"start_times keys {plain_depot_keys} name a depot without a route (use '0@r'); "
            "ignored, depot times derived instead"
        )
    return times, depot_times


def check_solution(inst: Instance, sol: Mapping[str, Any], *, tol: float = 1e-6) -> CheckReport:
    """Check a solution dict against every DARP constraint; never raises on bad solutions."""
    problems: list[str] = []
    notes: list[str] = []
    n, end = inst.n, inst.end_depot

    if not isinstance(sol, Mapping):
        return CheckReport(False, [f"format: solution must be an object, got {type(sol)}"], 0.0, 0)

    # ---- routes: structure and node ids
    raw_routes = sol.get("routes")
    if not isinstance(raw_routes, list):
        problems.append(f"format: 'routes' must be a list, got {type(raw_routes).__name__}")
        raw_routes = []
    routes: list[list[int]] = []  # valid node ids only, depots stripped off the ends
    for r, raw in enumerate(raw_routes):
        if not isinstance(raw, list):
            problems.append(f"format: route {r} is not a list: {raw!r}")
            routes.append([])
            continue
        nodes: list[int] = []
        for pos, v in enumerate(raw):
            if not _is_int(v) or not 0 <= int(v) <= end:
                problems.append(f"format: route {r} position {pos}: {v!r} is not a node 0..{end}")
                continue
            nodes.append(int(v))
        if not nodes or nodes[0] != 0:
            problems.append(f"format: route {r} does not start at depot 0: {raw!r}")
        else:
            nodes = nodes[1:]
        if not nodes or nodes[-1] != end:
            problems.append(f"format: route {r} does not end at depot {end}: {raw!r}")
        else:
            nodes = nodes[:-1]
        for pos, v in enumerate(nodes, start=1):
            if v in (0, end):
                problems.append(f"format: route {r} position {pos}: depot {v} mid-route")
        routes.append([v for v in nodes if v not in (0, end)])

    used = [r for r, stops in enumerate(routes) if stops]
    if len(raw_routes) > inst.K:
        problems.append(
            f"vehicles: {len(raw_routes)} routes listed ({len(used)} non-empty) "
            f"but only K={inst.K} vehicles"
        )

    # ---- recomputed cost (route as given, depot to depot; empty routes cost nothing)
    cost = 0.0
    for stops in routes:
        if stops:
            seq = [0, *stops, end]
            cost += math.fsum(inst.travel(a, b) for a, b in zip(seq, seq[1:], strict=False))

    # ---- visits: duplicates, position of every node
    where: dict[int, tuple[int, int]] = {}  # node -> (route, position in stops)
    for r, stops in enumerate(routes):
        for pos, v in enumerate(stops):
            if v in where:
                r0, p0 = where[v]
                problems.append(
                    f"duplicate: node {v} visited again at route {r} stop {pos + 1} "
                    f"(first at route {r0} stop {p0 + 1})"
                )
                continue
            where[v] = (r, pos)

    # ---- rejected list
    raw_rej = sol.get("rejected", [])
    if raw_rej is None:
        raw_rej = []
    rejected: set[int] = set()
    if not isinstance(raw_rej, list):
        problems.append(f"format: 'rejected' must be a list, got {type(raw_rej).__name__}")
        raw_rej = []
    for x in raw_rej:
        if not _is_int(x) or not 1 <= int(x) <= n:
            problems.append(f"rejected: {x!r} is not a request id 1..{n}")
        elif int(x) in rejected:
            problems.append(f"rejected: request {int(x)} listed twice")
        else:
            rejected.add(int(x))

    # ---- requests: served exactly once, same route, pickup first
    served = 0
    for i in range(1, n + 1):
        p, dr = i, n + i
        wp, wd = where.get(p), where.get(dr)
        if i in rejected:
            if wp or wd:
                problems.append(f"rejected: request {i} is listed as rejected but visited")
            continue
        if wp is None and wd is None:
            problems.append(f"unserved: request {i} (nodes {p}->{dr}) not visited, not rejected")
            continue
        if wp is None or wd is None:
            missing, present = (p, wd) if wp is None else (dr, wp)
            problems.append(
                f"pairing: request {i}: node {missing} not visited but its partner is "
                f"(route {present[0]})"
            )
            continue
        if wp[0] != wd[0]:
            problems.append(
                f"pairing: request {i}: pickup {p} on route {wp[0]}, drop-off {dr} on route {wd[0]}"
            )
            continue
        if wd[1] < wp[1]:
            problems.append(
                f"precedence: request {i} on route {wp[0]}: drop-off {dr} at stop {wd[1] + 1} "
                f"before pickup {p} at stop {wp[1] + 1}"
            )
            continue
        served += 1

    # ---- capacity along each route (loads from the instance file)
    for r, stops in enumerate(routes):
        load = int(inst.q[0])
        for pos, v in enumerate(stops):
            load += int(inst.q[v])
            if load > inst.Q:
                problems.append(
                    f"capacity: route {r} stop {pos + 1} node {v}: load {load} > Q={inst.Q}"
                )

    # ---- times
    times, depot_times = _parse_times(inst, sol.get("start_times"), problems, notes)
    for key in depot_times:
        if not 0 <= key[1] < len(routes) or not routes[key[1]]:
            notes.append(f"start_times has depot time {key[0]}@{key[1]} for no non-empty route")

    def window(r: int, node: int, b: float, what: str = "") -> None:
        if b < inst.e[node] - tol or b > inst.l[node] + tol:
            problems.append(
                f"time-window: route {r} node {node}{what}: B={b:.6f} outside "
                f"[{inst.e[node]:g}, {inst.l[node]:g}]"
            )

    node_b: dict[int, float] = {}  # B of nodes whose route has a usable schedule
    for r, stops in enumerate(routes):
        if not stops:
            continue
        missing = [v for v in stops if v not in times]
        for v in missing:
            problems.append(f"missing-time: route {r} node {v} has no start time")
        if missing:
            continue
        first, last = stops[0], stops[-1]
        if (0, r) in depot_times:
            dep, dep_what = depot_times[(0, r)], " (departure)"
        else:
            dep = times[first] - inst.d[0] - inst.travel(0, first)
            dep_what = " (departure, derived latest)"
        if (end, r) in depot_times:
            ret, ret_what = depot_times[(end, r)], " (return)"
        else:
            ret = times[last] + inst.d[last] + inst.travel(last, end)
            ret_what = " (return, derived earliest)"
        window(r, 0, dep, dep_what)
        seq = [0, *stops, end]
        b_seq = [dep, *(times[v] for v in stops), ret]
        for v in stops:
            window(r, v, times[v])
            node_b[v] = times[v]
        window(r, end, ret, ret_what)
        for k in range(len(seq) - 1):
            a, b = seq[k], seq[k + 1]
            need = b_seq[k] + inst.d[a] + inst.travel(a, b)
            if b_seq[k + 1] < need - tol:
                problems.append(
                    f"schedule: route {r} {a}->{b}: B({b})={b_seq[k + 1]:.6f} < "
                    f"B({a})+d({a})+t({a},{b}) = {b_seq[k]:.6f}+{inst.d[a]:g}+"
                    f"{inst.travel(a, b):.6f} = {need:.6f}"
                )
        span = ret - dep
        if span > inst.T + tol:
            problems.append(
                f"duration: route {r}: B({end})-B(0) = {ret:.6f}-{dep:.6f} = {span:.6f} "
                f"> T={inst.T:g}"
            )

    # ---- ride times (only for requests whose pickup and drop-off share a route)
    for i in range(1, n + 1):
        p, dr = i, n + i
        if p in node_b and dr in node_b and where[p][0] == where[dr][0]:
            ride = node_b[dr] - (node_b[p] + inst.d[p])
            if ride > inst.L + tol:
                problems.append(
                    f"ride-time: route {where[p][0]} request {i}: B({dr})-(B({p})+d({p})) = "
                    f"{node_b[dr]:.6f}-({node_b[p]:.6f}+{inst.d[p]:g}) = {ride:.6f} > L={inst.L:g}"
                )

    # ---- reported cost
    rep = sol.get("cost")
    if not _is_num(rep):
        problems.append(f"cost: reported cost {rep!r} is not a finite number")
    else:
        allowed = max(COST_ABS_TOL, COST_REL_TOL * abs(cost))
        if abs(float(rep) - cost) > allowed:
            problems.append(
                f"cost: reported {float(rep):.6f} != recomputed {cost:.6f} "
                f"(diff {float(rep) - cost:+.6f}, allowed {allowed:g})"
            )

    return CheckReport(ok=not problems, problems=problems, cost=cost, served=served, notes=notes)


def check_files(
    instance_path: str | Path, solution_path: str | Path, *, tol: float = 1e-6
) -> CheckReport:
    """Convenience: load both files and check."""
    return check_solution(load_instance(instance_path), load_solution(solution_path), tol=tol)


def _main(argv: Iterable[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="check a DARP solution against a Cordeau instance")
    ap.add_argument("instance")
    ap.add_argument("solution")
    ap.add_argument("--tol", type=float, default=1e-6)
    args = ap.parse_args(None if argv is None else list(argv))
    report = check_files(args.instance, args.solution, tol=args.tol)
    print(report)
    for note in report.notes:
        print("  note:", note)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(_main())
