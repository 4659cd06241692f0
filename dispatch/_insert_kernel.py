"""Compiled core of instant insertion: every (pickup, drop-off) position pair of one vehicle's
plan, pruned by added travel time and capacity, each survivor decided by a forward walk over
the stops it delays (:func:`_forward_check`) or, when that cannot tell, by an exact schedule
(Bellman-Ford on the route's difference constraints, see :mod:`dispatch.schedule`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from routing.timebase import NO_BOUND_S

BIG = NO_BOUND_S  # no bound (a time or cost beyond any real one)


@njit(cache=True, nogil=True)
def _forward_pass(travel: np.ndarray, service: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  out: np.ndarray) -> bool:
    """Each stop as soon as the previous one allows (its window's start at the earliest),
    into ``out``; False at the first window it misses (compared as Bellman-Ford compares)."""
    for k in range(len(lo)):
        out[k] = lo[k]
        if k > 0:
            cand = out[k - 1] + (service[k - 1] + travel[k - 1])
            if cand > lo[k] + 1e-9:
                out[k] = cand
        if hi[k] - out[k] < -1e-9:
            return False
    return True


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
    if not _forward_pass(travel, service, lo, hi, out):
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


@njit(cache=True, nogil=True)
def _forward_check(i: int, j: int, fw: np.ndarray, service: np.ndarray, lo: np.ndarray,
                   hi: np.ndarray, t_next: np.ndarray, pick_of: np.ndarray,
                   rlim: np.ndarray, max_dur: float, to_p: np.ndarray, from_p: np.ndarray,
                   to_d: np.ndarray, from_d: np.ndarray, t_pd: float, p_lo: float,
                   p_hi: float, d_lo: float, d_hi: float, p_service: float,
                   d_service: float, p_ride: float, nt: np.ndarray
                   ) -> tuple[int, float, float]:
    """What :func:`stp_earliest` would say of the plan with the pickup before old stop
    ``i`` and the drop-off before old stop ``j``, found by walking only the stops whose
    times change: 0 infeasible, 1 feasible with the forward pass's pickup and drop-off
    times (only when the old plan's forward pass keeps every ride limit and the duration:
    ``fw`` easy), 2 undecided (the full system must be solved).

    The new plan's forward pass (each stop as early as the windows' starts and the legs
    allow) equals ``fw``, the old one's, before the pickup; from the pickup on it is
    computed here with the same operations in the same order, so the same numbers. It
    bounds every feasible schedule from below: a window it misses, a drop-off it puts later
    than its pickup's window end plus the ride limit allows, or an end later than the
    start's latest plus the longest duration, cannot be met at all (the last two with a
    margin of 1e-6 s: only a clear miss is refused here). Once a stop after the drop-off
    keeps its old time, the rest is the old pass (which meets every window of a plan that
    can be scheduled, and refuses nothing further); if no stop between came earlier than
    before, every ride limit it kept still holds.
    """
    m = len(lo)
    tp = p_lo
    cand = fw[i - 1] + (service[i - 1] + to_p[i - 1])
    if cand > p_lo + 1e-9:
        tp = cand
    if p_hi - tp < -1e-9:
        return 0, 0.0, 0.0
    undecided = False
    prev = tp
    s_prev = p_service
    td = 0.0
    tr_prev = t_pd if j == i else from_p[i]  # the leg out of the pickup
    never_earlier = True
    for k in range(i, m):
        if k == j:  # the drop-off, just before old stop j (j == i: right after the pickup)
            td = d_lo
            cand = prev + (s_prev + tr_prev)
            if cand > d_lo + 1e-9:
                td = cand
            if d_hi - td < -1e-9:
                return 0, 0.0, 0.0
            if td - (p_ride + p_service) > tp + 1e-9:
                if td - (p_ride + p_service) > p_hi + 1e-6:
                    return 0, 0.0, 0.0
                undecided = True
            prev = td
            s_prev = d_service
            tr_prev = from_d[j]
        nk = lo[k]
        cand = prev + (s_prev + tr_prev)
        if cand > lo[k] + 1e-9:
            nk = cand
        if hi[k] - nk < -1e-9:
            return 0, 0.0, 0.0
        nt[k] = nk
        q = pick_of[k]
        if q >= 0:  # a drop-off: its ride's limit, from its pickup's new or old time
            tq = nt[q] if q >= i else fw[q]
            if nk - (rlim[k] + service[q]) > tq + 1e-9:
                if nk - (rlim[k] + service[q]) > hi[q] + 1e-6:
                    return 0, 0.0, 0.0
                undecided = True
        if nk < fw[k]:
            never_earlier = False
        elif nk == fw[k] and k >= j:  # the old pass from here on
            return (1 if never_earlier and not undecided else 2), tp, td
        prev = nk
        s_prev = service[k]
        if k + 1 < m:
            tr_prev = to_d[k] if k + 1 == j else t_next[k]
    if m > 1 and max_dur < BIG and nt[m - 1] - max_dur > fw[0] + 1e-9:
        if nt[m - 1] - max_dur > hi[0] + 1e-6:
            return 0, 0.0, 0.0
        undecided = True
    return (2 if undecided else 1), tp, td


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
    # the old plan's forward pass, and each drop-off's pickup and ride limit: a candidate
    # is then decided by walking only the stops whose times it changes (_forward_check);
    # a plan whose forward pass is not its schedule (a ride limit or the duration binds)
    # has every candidate solved whole
    fw = np.empty(m)
    nt = np.empty(m)
    pick_of = np.full(m, -1, np.int64)
    rlim = np.zeros(m)
    # the forward pass keeps every window: a walk can refuse a candidate; and every ride
    # limit and the duration too (easy): a walk can accept one
    walk = _forward_pass(t_next, service, lo, hi, fw)
    easy = True
    if m > 1 and max_dur < BIG and fw[m - 1] - max_dur > fw[0] + 1e-9:
        easy = False
    for x in range(len(rp)):
        if pick_of[rd[x]] >= 0 or rp[x] >= rd[x]:
            walk = False
        elif fw[rd[x]] - (rl[x] + service[rp[x]]) > fw[rp[x]] + 1e-9:
            easy = False
        pick_of[rd[x]] = rp[x]
        rlim[rd[x]] = rl[x]
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
        # the pickup here makes old stop i miss its window (or its ride limit, for good):
        # then every drop-off after it fails on time (as _forward_check would find at
        # once), and only the drop-off right after the pickup is left to try
        dead = False
        if walk:
            tpf = p_lo
            cand = fw[i - 1] + (service[i - 1] + to_p[i - 1])
            if cand > p_lo + 1e-9:
                tpf = cand
            nk = lo[i]
            cand = tpf + (p_service + from_p[i])
            if cand > lo[i] + 1e-9:
                nk = cand
            q = pick_of[i]
            if hi[i] - nk < -1e-9:
                dead = True
            elif q >= 0:
                lim = rlim[i] + service[q]
                dead = nk - lim > fw[q] + 1e-9 and nk - lim > hi[q] + 1e-6
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
            if dead and j > i:
                saw_time = True  # (no later drop-off fits either)
                break
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
            if walk:
                got, tp, td = _forward_check(i, j, fw, service, lo, hi, t_next, pick_of,
                                             rlim, max_dur, to_p, from_p, to_d, from_d,
                                             t_pd, p_lo, p_hi, d_lo, d_hi, p_service,
                                             d_service, p_ride, nt)
                if got == 0:
                    saw_time = True
                    continue
                if got == 1 and easy:
                    best = added
                    bi = i
                    bj = j
                    bp = tp
                    bdd = td
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
