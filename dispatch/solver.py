"""Dial-a-ride optimisation with OR-Tools routing (an implementation detail behind ``solve``).

Nodes: one start and one end node per vehicle, then a pickup and a drop-off node per request.
Times are scaled to integers with *ceiling* rounding of travel times, so an integer-feasible
schedule is feasible with the exact times too; the reported cost is recomputed exactly.
Ride times use ``SetPickupToDeliveryLimitFunctionForPair`` on the time dimension (a plain
cumul constraint was seen to fail under local search).

Two budgets: by the clock (``time_limit_s``: the best plan found in that time, which
depends on the machine and its load) or reproducible (``solution_limit`` > 0: every search
stops after a count of solutions, the portfolio and the ruin-and-recreate cycles run a fixed
number of times, and no clock stops anything before ``time_limit_s``, which is then only a
safety net — the same problem gives the same plan on any machine under any load).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from dispatch.model import BREAK_PREFIX, Request, Route, Solution, Stop, Vehicle, break_requests
from dispatch.schedule import earliest_schedule
from dispatch.travel import TravelTimes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SolverParams:
    """How hard to search. ``scale``: integer units per time unit.

    By default the search stops by the clock (``time_limit_s``). With ``solution_limit`` it
    is reproducible: counts stop every part of it, and ``time_limit_s`` is only a safety net
    (a warning is logged if it is ever reached: the plan may then differ between runs).
    """

    time_limit_s: float = 10.0
    scale: int = 1000
    rejection_penalty: float = 1e5  #: per rejected request, in cost units
    first_solution: str = "LOCAL_CHEAPEST_COST_INSERTION"
    #: first-solution strategies tried briefly before the main run (best one continues)
    portfolio: tuple[str, ...] = ("LOCAL_CHEAPEST_COST_INSERTION", "LOCAL_CHEAPEST_INSERTION",
                                  "PARALLEL_CHEAPEST_INSERTION")
    portfolio_share: float = 0.15
    #: after the portfolio: cycles of this many seconds, each re-inserting a random
    #: ``ruin_share`` of the requests (0: one long search instead)
    ruin_cycles_s: float = 2.0
    ruin_share: float = 0.1
    seed: int = 0  #: for the choice of requests to re-insert
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    #: extra OR-Tools local-search operators to switch on (names of
    #: ``local_search_operators`` fields without ``use_``)
    operators: tuple[str, ...] = ()
    #: OR-Tools stops completing each large neighbourhood after this long (0: its default,
    #: 100 ms); a wall-clock limit, so the reproducible mode never applies it
    lns_time_limit_ms: int = 0
    #: stop each search after this many solutions instead of by the clock; the search has no
    #: random component, so the same problem always gives the same plan — the reproducible
    #: mode (0: by the clock)
    solution_limit: int = 0
    #: the reproducible mode's ruin-and-recreate cycles after the portfolio (each stopped
    #: by ``solution_limit``; 0: none)
    ruin_cycles: int = 0
    #: stop each search after this many failed moves too (0: no such limit): a budget of
    #: work that, unlike the clock, is the same on any machine. A whole day's bookings take
    #: seconds per improving move, so 50 solutions alone can take a minute
    failure_limit: int = 0
    #: also post ride limits as CP constraints (checked on every accepted move)
    hard_ride_constraint: bool = True
    #: what a plan costs: "distance" (metres driven), or "lateness" — every stop's service
    #: start after its request's earliest pickup, ``lateness_weight`` per second, plus the
    #: seconds driven: plans that keep every vehicle free as early as the promises allow
    #: (room for requests still to come). On four addison-vt days at 2, 3 and 4 vehicles
    #: weight 1 served 1,096 riders, weights 10 and 100 1,087 and 1,086
    objective: str = "distance"
    lateness_weight: int = 1
    log: bool = False


@dataclass
class Problem:
    """Vehicles and requests; ``keep`` pins booked requests to their vehicles.

    ``onboard`` (request id -> (vehicle id, time picked up)): riders already in a vehicle,
    whose ``start`` is its current position and ``shift[0]`` the current time. Their pickup
    is modelled as a visit at the vehicle's start at that time, and their drop-off must
    come within the ride-time limit counted from the real pickup.
    """

    vehicles: list[Vehicle]
    requests: list[Request]
    keep: dict[str, str] = field(default_factory=dict)  #: request id -> vehicle id
    onboard: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: requests that must be served, by any vehicle (booked, not yet picked up)
    required: frozenset[str] = frozenset()

    def effective(self) -> Problem:
        """The problem with on-board riders rewritten as pinned pickups at the start, and
        vehicle breaks as pinned pseudo-requests (see :func:`dispatch.model.break_requests`)."""
        ids = {r.id for r in self.requests}
        extra = [b for v in self.vehicles for b in break_requests(v) if b.id not in ids]
        if not self.onboard and not extra:
            return self
        veh = {v.id: v for v in self.vehicles}
        reqs = []
        keep = dict(self.keep)
        for b in extra:
            keep[b.id] = b.id[len(BREAK_PREFIX):].rsplit(":", 1)[0]
        for r in self.requests:
            if r.id in self.onboard:
                vid, picked = self.onboard[r.id]
                v = veh[vid]
                now = v.shift[0]
                latest = picked + r.pickup_service + r.max_ride
                r = Request(r.id, v.start, r.dropoff, (now, now),
                            (r.dropoff_window[0], min(r.dropoff_window[1], latest)),
                            max(0.0, latest - now), r.passengers, r.wheelchairs, 0.0,
                            r.dropoff_service)
                keep[r.id] = vid
            reqs.append(r)
        return Problem(self.vehicles, reqs + extra, keep, required=self.required)


def problem_points(problem: Problem) -> list:
    """Every place the optimiser asks travel times between (for a matrix computed before,
    e.g. when the optimiser runs in another process: see ``travel.MatrixTravel``)."""
    return _nodes(problem.effective())[0]


def _nodes(p: Problem) -> tuple[list, list]:
    v = len(p.vehicles)
    points = [x.start for x in p.vehicles] + [x.end for x in p.vehicles]
    for r in p.requests:
        points += [r.pickup, r.dropoff]
    return points, [2 * v + 2 * i for i in range(len(p.requests))]


def solve(problem: Problem, travel: TravelTimes, params: SolverParams = SolverParams(),
          warm_start: Sequence[Sequence[str]] | None = None) -> Solution:
    """Optimise routes for all requests (optional ones pay ``rejection_penalty``).

    ``warm_start``: per vehicle, the request ids in visiting order (each id twice: pickup,
    then drop-off) — e.g. the current plans. Without it, a portfolio of first-solution
    strategies each gets a short run (``portfolio_share`` of the time limit in all); the best
    result is then improved for the rest of the time by cycles of ruin and recreate: a random
    ``ruin_share`` of the requests is taken out and OR-Tools re-inserts them and searches for
    ``ruin_cycles_s``, keeping the result only if it is better. In the reproducible mode
    (``solution_limit``) each of these searches stops by that count instead, and
    ``ruin_cycles`` cycles run.
    """
    t0 = time.perf_counter()
    reproducible = params.solution_limit > 0
    problem = problem.effective()
    points, pick = _nodes(problem)
    dur, dist = travel.matrix(points, points)
    service = np.zeros(len(points))
    for i, r in enumerate(problem.requests):
        service[pick[i]] = r.pickup_service
        service[pick[i] + 1] = r.dropoff_service
    data = (points, pick, dur, dist, service)
    limit = params.time_limit_s
    best: tuple[float, list[list[int]]] | None = None
    start_routes: list[list[int]] | None = None
    if warm_start is not None:
        index_of = {r.id: pick[i] for i, r in enumerate(problem.requests)}
        start_routes = []
        for seq in warm_start:
            seen: set[str] = set()
            nodes = []
            for rid in seq:
                nodes.append(index_of[rid] + (1 if rid in seen else 0))
                seen.add(rid)
            start_routes.append(nodes)
    elif len(params.portfolio) > 1:
        # reproducible: each strategy searches to its solution count, the clock a safety net
        share = limit if reproducible else limit * params.portfolio_share / len(
            params.portfolio)
        for strategy in params.portfolio:
            found = _run(problem, data, params, strategy, share, None)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        start_routes = best[1] if best is not None else None
    cycles = params.ruin_cycles if reproducible else params.ruin_cycles_s
    if cycles and warm_start is None and best is not None:
        # large-neighbourhood search around OR-Tools: drop a random share of the requests
        # from the best routes, let OR-Tools re-insert them and search again; keep the best
        rng = np.random.default_rng(params.seed)
        deadline = t0 + limit
        n_drop = max(1, int(params.ruin_share * len(problem.requests)))
        cycle = 0
        while True:
            left = deadline - time.perf_counter()
            if cycle >= params.ruin_cycles if reproducible else left <= 0.5:
                break
            cycle += 1
            seconds = limit if reproducible else min(params.ruin_cycles_s, left)
            # random removal (Shaw-related removal measured no better at 30 s on a6-a8)
            drop = {int(x) for x in rng.choice(len(problem.requests), n_drop, replace=False)}
            gone = {pick[i] for i in drop} | {pick[i] + 1 for i in drop}
            start = [[x for x in seq if x not in gone] for seq in best[1]]
            found = _run(problem, data, params, params.first_solution, seconds, start)
            if found is not None and found[0] < best[0]:
                best = found
    else:
        remaining = limit if reproducible else max(0.5, limit - (time.perf_counter() - t0))
        found = _run(problem, data, params, params.first_solution, remaining, start_routes,
                     scratch=warm_start is None)
        if found is not None and (best is None or found[0] <= best[0]):
            best = found
    if best is None:
        return Solution([Route(v.id) for v in problem.vehicles],
                        [r.id for r in problem.requests], 0.0, time.perf_counter() - t0)
    return _extract(problem, best[1], pick, dur, dist, service, time.perf_counter() - t0)


def _run(problem: Problem, data: tuple, params: SolverParams, strategy: str,
         seconds: float, start: list[list[int]] | None, scratch: bool = True
         ) -> tuple[float, list[list[int]]] | None:
    """One OR-Tools search; returns (objective, node sequences per vehicle without depots).
    ``start``: routes to begin from; if they cannot be read, a search from scratch follows
    only with ``scratch``."""
    points, pick, dur, dist, service = data
    n_veh = len(problem.vehicles)
    scale = params.scale
    n = len(points)
    # transit = service at the from-node + travel, ceil-scaled (conservative)
    transit = np.ceil((dur + service[:, None]) * scale - 1e-9).astype(np.int64)
    lateness = params.objective == "lateness"
    cost = transit if lateness else np.rint(dist * scale).astype(np.int64)
    starts = list(range(n_veh))
    ends = list(range(n_veh, 2 * n_veh))
    manager = pywrapcp.RoutingIndexManager(n, n_veh, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    if params.failure_limit:
        never = 2**62
        routing.AddSearchMonitor(routing.solver().Limit(
            never, never, params.failure_limit, never, True, False))
    # matrices are evaluated natively by OR-Tools (a Python callback per arc costs far more
    # than the search itself)
    cost_idx = routing.RegisterTransitMatrix(cost.tolist())
    time_idx = routing.RegisterTransitMatrix(transit.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_idx)
    horizon = int(max(v.shift[1] for v in problem.vehicles) * scale) + 1
    routing.AddDimension(time_idx, horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    for name, need, cap in (("seats", lambda r: r.passengers, lambda v: v.seats),
                            ("wheelchairs", lambda r: r.wheelchairs,
                             lambda v: v.wheelchair_places)):
        demand = np.zeros(n, np.int64)
        for i, r in enumerate(problem.requests):
            demand[pick[i]] = need(r)
            demand[pick[i] + 1] = -need(r)
        if name == "wheelchairs" and not demand.any():
            continue
        idx = routing.RegisterUnaryTransitVector(demand.tolist())
        routing.AddDimensionWithVehicleCapacity(idx, 0, [int(cap(v)) for v in problem.vehicles],
                                                True, name)
    solver = routing.solver()
    for k, v in enumerate(problem.vehicles):
        for node in (routing.Start(k), routing.End(k)):
            tdim.CumulVar(node).SetRange(int(np.ceil(v.shift[0] * scale)),
                                         int(v.shift[1] * scale))
        if v.max_duration < v.shift[1] - v.shift[0]:
            tdim.SetSpanUpperBoundForVehicle(int(v.max_duration * scale), k)
    penalty = int(params.rejection_penalty * scale)
    vehicle_of = {v.id: k for k, v in enumerate(problem.vehicles)}
    for i, r in enumerate(problem.requests):
        p, d = manager.NodeToIndex(pick[i]), manager.NodeToIndex(pick[i] + 1)
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(tdim.CumulVar(p) <= tdim.CumulVar(d))
        tdim.CumulVar(p).SetRange(int(np.ceil(r.pickup_window[0] * scale)),
                                  int(np.floor(r.pickup_window[1] * scale)))
        tdim.CumulVar(d).SetRange(int(np.ceil(r.dropoff_window[0] * scale)),
                                  int(np.floor(min(r.dropoff_window[1], horizon / scale)
                                               * scale)))
        if r.id in problem.keep:  # booked: served, by its vehicle
            routing.VehicleVar(p).SetValue(vehicle_of[problem.keep[r.id]])
            routing.VehicleVar(d).SetValue(vehicle_of[problem.keep[r.id]])
        elif r.id in problem.required:  # booked: served, by any vehicle
            pass
        else:
            routing.AddDisjunction([p], penalty)
            routing.AddDisjunction([d], penalty)
        # ride time: cumul(d) - cumul(p) <= max_ride + boarding (boarding precedes the ride)
        lim = int(np.floor((r.max_ride + r.pickup_service) * scale))
        tdim.SetPickupToDeliveryLimitFunctionForPair(lambda _a, _b, lim=lim: lim, i)
        if params.hard_ride_constraint:
            solver.Add(tdim.CumulVar(d) - tdim.CumulVar(p) <= lim)
        if lateness and not r.id.startswith(BREAK_PREFIX):
            # each stop's time after the earliest pickup (a constant offset for the drop-off)
            at = int(np.ceil(r.pickup_window[0] * scale))
            for node in (p, d):
                tdim.SetCumulVarSoftUpperBound(node, at, params.lateness_weight)
    for k in range(n_veh):
        routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(routing.End(k)))
        routing.AddVariableMaximizedByFinalizer(tdim.CumulVar(routing.Start(k)))
    sp = _search_parameters(params, strategy, seconds)
    t0 = time.perf_counter()
    assignment = None
    if start is not None:
        routing.CloseModelWithParameters(sp)
        initial = routing.ReadAssignmentFromRoutes(
            [[manager.NodeToIndex(x) for x in seq] for seq in start], True)
        if initial is not None:
            assignment = routing.SolveFromAssignmentWithParameters(initial, sp)
        elif not scratch:
            # the given plans do not fit the integer model (times rounded up): a search from
            # scratch with every booking required would rarely find one, and spend its whole
            # budget trying — keep the plans as they are instead
            log.info("the warm start does not fit the optimiser's model: no search")
            return None
    if assignment is None:
        assignment = routing.SolveWithParameters(sp)
    if params.solution_limit and time.perf_counter() - t0 >= 0.99 * seconds:
        log.warning("the reproducible search reached its %.0f s safety net: this plan may "
                    "differ between runs (raise time_limit_s)", seconds)
    if assignment is None:
        return None
    routes = []
    for k in range(n_veh):
        seq = []
        idx = assignment.Value(routing.NextVar(routing.Start(k)))
        while not routing.IsEnd(idx):
            seq.append(manager.IndexToNode(idx))
            idx = assignment.Value(routing.NextVar(idx))
        routes.append(seq)
    return float(assignment.ObjectiveValue()), routes


def _search_parameters(params: SolverParams, strategy: str, seconds: float) -> Any:
    """OR-Tools' parameters of one search lasting at most ``seconds``.

    By the clock each large neighbourhood's completion also stops after OR-Tools' default
    100 ms (or ``lns_time_limit_ms``). In the reproducible mode the solution count stops the
    search and the completions share the whole safety net: a 100 ms completion limit
    rejects a neighbour whenever the process is descheduled that long, so that a loaded
    machine takes another path through the search.
    """
    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
    sp.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic,
                                            params.metaheuristic)
    sp.guided_local_search_lambda_coefficient = params.gls_lambda
    sp.time_limit.FromMilliseconds(int(seconds * 1000))
    if params.solution_limit:
        sp.solution_limit = params.solution_limit
        sp.lns_time_limit.FromMilliseconds(int(seconds * 1000))
    elif params.lns_time_limit_ms:
        sp.lns_time_limit.FromMilliseconds(params.lns_time_limit_ms)
    for op in params.operators:
        setattr(sp.local_search_operators, f"use_{op}", 3)  # BOOL_TRUE
    sp.log_search = params.log
    return sp


def _extract(problem: Problem, routes: list[list[int]], pick: list[int], dur: np.ndarray,
             dist: np.ndarray, service: np.ndarray, seconds: float) -> Solution:
    """Routes in the solver's order with times from the exact schedule (see
    :mod:`dispatch.schedule`); a route OR-Tools found that is not feasible with exact times
    raises, it is never reported as a plan."""
    n_veh = len(problem.vehicles)
    req_of = {}
    for i, r in enumerate(problem.requests):
        req_of[pick[i]] = (r, "pickup")
        req_of[pick[i] + 1] = (r, "dropoff")
    out, served, total = [], set(), 0.0
    for k, v in enumerate(problem.vehicles):
        nodes = [k, *routes[k], n_veh + k]
        times = route_schedule(problem, v, nodes, req_of, dur, service)
        if times is None:
            raise RuntimeError(f"vehicle {v.id}: the optimiser's route is infeasible with "
                               "exact travel times (a bug: please report it)")
        route = Route(v.id, depart=float(times[0]), arrive=float(times[-1]))
        load = 0
        for pos, node in enumerate(nodes[1:-1], 1):
            r, kind = req_of[node]
            load += r.passengers if kind == "pickup" else -r.passengers
            route.stops.append(Stop(r.id, kind, float(times[pos]), load))
            served.add(r.id)
        total += float(sum(dist[a, b] for a, b in zip(nodes[:-1], nodes[1:], strict=True)))
        out.append(route)
    rejected = [r.id for r in problem.requests
                if r.id not in served and not r.id.startswith(BREAK_PREFIX)]
    return Solution(out, rejected, total, seconds)


def route_schedule(problem: Problem, v: Vehicle, nodes: list[int], req_of: dict,
                   dur: np.ndarray, service: np.ndarray) -> np.ndarray | None:
    """Earliest exact times for a vehicle's node sequence (depots included)."""
    m = len(nodes)
    lo, hi = np.empty(m), np.empty(m)
    lo[0], hi[0] = v.shift
    lo[-1], hi[-1] = v.shift
    ride, where = [], {}
    for pos, node in enumerate(nodes[1:-1], 1):
        r, kind = req_of[node]
        lo[pos], hi[pos] = r.pickup_window if kind == "pickup" else r.dropoff_window
        if kind == "pickup":
            where[r.id] = pos
        else:
            ride.append((where[r.id], pos, r.max_ride))
    travel = np.array([dur[a, b] for a, b in zip(nodes[:-1], nodes[1:], strict=True)])
    return earliest_schedule(travel, service[nodes], lo, hi, ride, v.max_duration)
