"""Compiled core of instant insertion: every (pickup, drop-off) position pair of one vehicle's
plan, pruned by added travel time and capacity, each survivor checked by an exact schedule
(Bellman-Ford on the route's difference constraints, see :mod:`dispatch.schedule`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from routing.timebase import NO_BOUND_S

BIG = NO_BOUND_S  # no bound (a time or cost beyond any real one)


@njit(cache=True, nogil=True)
def stp_earliest(travel: np.ndarray, service: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 rp: np.ndarray, rd: np.ndarray, rl: np.ndarray, max_dur: float,
                 out: np.ndarray) -> bool:
    """Earliest feasible service times into ``out``; False if the stops cannot be scheduled.

    ``travel[k]``: stop k -> k+1; ride pairs ``B[rd] - B[rp] <= rl + service[rp]``.
    """
    m = len(lo)
    # Fast path: the forward pass (each stop as soon as the previous one allows) is the least
    # schedule of the windows' lower bounds and the travel times alone, so it bounds every
    # feasible schedule from below: a window it misses cannot be met at all; and if it keeps
    # every ride limit and the duration too, it is the earliest schedule itself (the same
    # numbers Bellman-Ford below would give). Only otherwise is the full system solved.
    for k in range(m):
        out[k] = lo[k]
        if k > 0:
            cand = out[k - 1] + (service[k - 1] + travel[k - 1])
            if cand > lo[k] + 1e-9:
                out[k] = cand
        if hi[k] - out[k] < -1e-9:  # (the comparisons as Bellman-Ford makes them)
            return False
    easy = not (m > 1 and max_dur < BIG and out[m - 1] - max_dur > out[0] + 1e-9)
    for x in range(len(rp)):
        if out[rd[x]] - (rl[x] + service[rp[x]]) > out[rp[x]] + 1e-9:
            easy = False
            break
    if easy:
        return True
    # dist[k] = shortest distance k -> zero node; B_k = -dist[k]
    dist = np.empty(m)
    for k in range(m):
        dist[k] = -lo[k]  # edge k -> z with weight -lo
    for _ in range(m + 2):
        changed = False
        for k in range(m):
            # k -> z directly is the init; k -> k-1 (B_{k-1} - B_k <= -(s+t)) ... as edges
            # i -> j with weight w meaning B_j - B_i <= w; dist[i] <= w + dist[j]
            # consecutive: edge (k+1) -> k with w = -(s_k + t_k)
            if k + 1 < m:
                w = -(service[k] + travel[k])
                if w + dist[k] < dist[k + 1] - 1e-9:
                    dist[k + 1] = w + dist[k]
                    changed = True
            # window upper bound: edge z -> k, w = hi[k]: dist[z] = 0 <= hi + dist[k]
            # (violated if hi + dist[k] < 0: infeasible, checked below)
        for x in range(len(rp)):
            # ride: edge p -> d with w = rl + s_p: dist[p] <= w + dist[d]
            p = rp[x]
            d = rd[x]
            w = rl[x] + service[p]
            if w + dist[d] < dist[p] - 1e-9:
                dist[p] = w + dist[d]
                changed = True
        # duration: edge 0 -> m-1 with w = max_dur: dist[0] <= w + dist[m-1]
        if m > 1 and max_dur < BIG and max_dur + dist[m - 1] < dist[0] - 1e-9:
            dist[0] = max_dur + dist[m - 1]
            changed = True
        for k in range(m):
            if hi[k] + dist[k] < -1e-9:
                return False  # B_k = -dist[k] > hi[k]
        if not changed:
            for k in range(m):
                out[k] = -dist[k]
            return True
    return False


@njit(cache=True, nogil=True)  # threads of the API quote in parallel
def best_insertion(t_next: np.ndarray, sched: np.ndarray, service: np.ndarray,
                   lo: np.ndarray, hi: np.ndarray,
                   load_after: np.ndarray, capacity: int, wload_after: np.ndarray,
                   wcapacity: int, rp: np.ndarray, rd: np.ndarray,
                   rl: np.ndarray, max_dur: float, to_p: np.ndarray, from_p: np.ndarray,
                   to_d: np.ndarray, from_d: np.ndarray, t_pd: float, p_lo: float,
                   p_hi: float, d_lo: float, d_hi: float, p_service: float, d_service: float,
                   p_ride: float, passengers: int, wheelchairs: int, bound: float
                   ) -> tuple[float, int, int, float, float, int]:
    """Cheapest feasible insertion into one plan of ``m`` stops (first = vehicle start,
    last = end depot). ``to_p[k]``: stop k -> pickup, ``from_p[k]``: pickup -> stop k, alike for
    the drop-off. Only insertions adding less than ``bound`` are tried. Seats and wheelchair
    places are separate capacities (``*load_after``: on board after each stop).

    ``sched`` is the plan's earliest schedule: inserting stops only ever delays a plan, so
    ``sched[k] + service[k]`` plus the leg to a new stop bounds that stop's earliest start
    from below, and positions that cannot meet a window or the ride limit are skipped
    before the exact check (the bound grows along the plan, so later ones are skipped too).

    Returns (added time, i, j, pickup time, drop-off time, failure code): the pickup goes
    before old stop i, the drop-off before old stop j (j >= i; j == i: right after the
    pickup). Failure code when nothing fits: 1 capacity, 2 time (windows/ride/shift).
    """
    m = len(lo)
    best = bound
    bi = -1
    bj = -1
    bp = 0.0
    bdd = 0.0
    saw_time = False
    saw_cap = False
    n2 = m + 2
    tr = np.empty(n2 - 1)
    sv = np.empty(n2)
    l2 = np.empty(n2)
    h2 = np.empty(n2)
    rp2 = np.empty(len(rp) + 1, np.int64)
    rd2 = np.empty(len(rp) + 1, np.int64)
    rl2 = np.empty(len(rp) + 1)
    times = np.empty(n2)
    for i in range(1, m):
        # (the failure codes stay what trying every candidate would give: a pruned candidate
        # that has room fails on time; one without room fails on capacity)
        ready_p = sched[i - 1] + service[i - 1]
        if ready_p > p_hi + 1e-9:  # every later position reaches the pickup later still
            for k in range(i, m):
                if (load_after[k - 1] + passengers <= capacity
                        and wload_after[k - 1] + wheelchairs <= wcapacity):
                    saw_time = True
                    break
            break
        p_lb = max(p_lo, ready_p + to_p[i - 1])
        if p_lb > p_hi + 1e-9:
            if (load_after[i - 1] + passengers <= capacity
                    and wload_after[i - 1] + wheelchairs <= wcapacity):
                saw_time = True
            else:
                saw_cap = True
            continue
        add_p = to_p[i - 1] + from_p[i] - t_next[i - 1]
        peak = 0
        wpeak = 0
        for j in range(i, m):
            if j == i:
                added = to_p[i - 1] + t_pd + from_d[i] - t_next[i - 1]
            else:
                added = add_p + to_d[j - 1] + from_d[j] - t_next[j - 1]
            peak = max(peak, load_after[j - 1]) if j > i else load_after[i - 1]
            wpeak = max(wpeak, wload_after[j - 1]) if j > i else wload_after[i - 1]
            if peak + passengers > capacity or wpeak + wheelchairs > wcapacity:
                saw_cap = True
                if j > i:
                    break  # carrying through j-1 is over capacity: later j are too
                continue
            if added >= best:
                continue
            if j > i:
                ready_d = sched[j - 1] + service[j - 1]
                if ready_d > d_hi + 1e-9 or ready_d - p_hi - p_service > p_ride + 1e-9:
                    saw_time = True
                    break  # later positions drop off later still
                d_lb = ready_d + to_d[j - 1]
            else:
                d_lb = p_lb + p_service + t_pd
            if d_lb > d_hi + 1e-9 or d_lb - p_hi - p_service > p_ride + 1e-9:
                saw_time = True
                continue
            # the new sequence: old[0..i-1], P, old[i..j-1], D, old[j..m-1]
            pos = 0
            newpos = np.empty(m, np.int64)
            for k in range(m):
                if k == i:
                    pos += 1  # P sits here
                if k == j:
                    pos += 1  # D sits here
                newpos[k] = pos
                pos += 1
            # P and D sit just before old stops i and j (both before i when j == i)
            p_at = newpos[i] - 2 if j == i else newpos[i] - 1
            d_at = newpos[j] - 1
            for k in range(m):
                q = newpos[k]
                sv[q] = service[k]
                l2[q] = lo[k]
                h2[q] = hi[k]
            sv[p_at] = p_service
            l2[p_at] = p_lo
            h2[p_at] = p_hi
            sv[d_at] = d_service
            l2[d_at] = d_lo
            h2[d_at] = d_hi
            # travel between consecutive stops of the new sequence
            for k in range(m - 1):
                a = newpos[k]
                b = newpos[k + 1]
                if b == a + 1:
                    tr[a] = t_next[k]
            tr[p_at - 1] = to_p[i - 1]
            if j == i:
                tr[p_at] = t_pd
                tr[d_at] = from_d[i]
            else:
                tr[p_at] = from_p[i]
                tr[d_at - 1] = to_d[j - 1]
                tr[d_at] = from_d[j]
            for x in range(len(rp)):
                rp2[x] = newpos[rp[x]]
                rd2[x] = newpos[rd[x]]
                rl2[x] = rl[x]
            rp2[len(rp)] = p_at
            rd2[len(rp)] = d_at
            rl2[len(rp)] = p_ride
            if stp_earliest(tr, sv, l2, h2, rp2, rd2, rl2, max_dur, times):
                best = added
                bi = i
                bj = j
                bp = times[p_at]
                bdd = times[d_at]
            else:
                saw_time = True
    code = 0 if bi >= 0 else (2 if saw_time else (1 if saw_cap else 2))
    return best, bi, bj, bp, bdd, code
