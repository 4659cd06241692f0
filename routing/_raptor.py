"""The RAPTOR rounds (numba): earliest arrival with at most k trips, for every k.

Labels per round k and stop s:
* ``t_trip[k, s]``: arrival by a trip boarded in round k (with ``trip_inst/board/alight``);
* ``t_walk[k, s]``: arrival on foot right after such a trip (``walk_from``), or at round 0
  the sources and the footpaths from them.
A traveller may board at s in round k+1 from ``min(t_trip + min_same_stop, t_walk)`` of any
round <= k: a footpath is walked only after a trip (never two in a row), and a same-stop
change takes ``transfers.txt``'s minimum time. Labels that cannot beat the best arrival at a
target (``target_stops`` + ``target_extra`` seconds) are pruned.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF_T = np.int64(1) << 40


@njit(cache=True)
def _earliest(dep: np.ndarray, pick_ok: np.ndarray, inst_ok: np.ndarray, base: int, n: int,
              first: int, count: int, pos: int, t: int) -> int:
    """Index (0-based within the day pattern) of the earliest usable instance departing at
    position ``pos`` at or after ``t``; -1 if none."""
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) >> 1
        if dep[base + mid * n + pos] < t:
            lo = mid + 1
        else:
            hi = mid
    for i in range(lo, count):
        if pick_ok[base + i * n + pos] and inst_ok[first + i]:
            return i
    return -1


@njit(cache=True, nogil=True)  # threads of the API search in parallel
def raptor(stop_off: np.ndarray, stops: np.ndarray, trip_off: np.ndarray,
           time_off: np.ndarray, arr: np.ndarray, dep: np.ndarray, pick_ok: np.ndarray,
           drop_ok: np.ndarray, inst_ok: np.ndarray, stop_ok: np.ndarray, sp_off: np.ndarray,
           sp_dp: np.ndarray, sp_pos: np.ndarray, tr_off: np.ndarray, tr_to: np.ndarray,
           tr_dur: np.ndarray, min_same: np.ndarray, src_stops: np.ndarray,
           src_times: np.ndarray, initial_walk: bool, rounds: int, target_stops: np.ndarray,
           target_extra: np.ndarray):
    n_stops = len(sp_off) - 1
    n_dp = len(stop_off) - 1
    t_trip = np.full((rounds + 1, n_stops), INF_T, np.int64)
    t_walk = np.full((rounds + 1, n_stops), INF_T, np.int64)
    trip_inst = np.full((rounds + 1, n_stops), -1, np.int32)
    trip_board = np.full((rounds + 1, n_stops), -1, np.int32)
    trip_alight = np.full((rounds + 1, n_stops), -1, np.int32)
    walk_from = np.full((rounds + 1, n_stops), -1, np.int32)
    board = np.full(n_stops, INF_T, np.int64)  # best boarding time so far (all rounds)
    best_trip = np.full(n_stops, INF_T, np.int64)  # best trip arrival so far
    marked = np.zeros(n_stops, np.bool_)
    is_target = np.full(n_stops, -1, np.int64)
    for j in range(len(target_stops)):
        t = target_stops[j]
        if is_target[t] < 0 or target_extra[j] < is_target[t]:
            is_target[t] = target_extra[j]
    bound = INF_T
    # round 0: sources, and footpaths from them
    for j in range(len(src_stops)):
        s = src_stops[j]
        if src_times[j] < t_walk[0, s]:
            t_walk[0, s] = src_times[j]
            walk_from[0, s] = s
            board[s] = min(board[s], src_times[j])
            marked[s] = True
            if is_target[s] >= 0:
                bound = min(bound, src_times[j] + is_target[s])
    if initial_walk:
        for j in range(len(src_stops)):
            s = src_stops[j]
            if t_walk[0, s] != src_times[j]:
                continue
            for x in range(tr_off[s], tr_off[s + 1]):
                s2 = tr_to[x]
                a = src_times[j] + tr_dur[x]
                if a < t_walk[0, s2] and a < board[s2]:
                    t_walk[0, s2] = a
                    walk_from[0, s2] = s
                    board[s2] = a
                    marked[s2] = True
                    if is_target[s2] >= 0:
                        bound = min(bound, a + is_target[s2])
    start_pos = np.full(n_dp, -1, np.int64)
    prev_board = board.copy()
    for k in range(1, rounds + 1):
        # patterns through marked stops, from their earliest marked position
        any_marked = False
        for s in range(n_stops):
            if not marked[s]:
                continue
            marked[s] = False
            any_marked = True
            for x in range(sp_off[s], sp_off[s + 1]):
                d = sp_dp[x]
                p = sp_pos[x]
                if start_pos[d] < 0 or p < start_pos[d]:
                    start_pos[d] = p
        if not any_marked:
            break
        prev_board[:] = board
        improved = np.zeros(n_stops, np.bool_)
        for d in range(n_dp):
            p0 = start_pos[d]
            if p0 < 0:
                continue
            start_pos[d] = -1
            a0, a1 = stop_off[d], stop_off[d + 1]
            n = a1 - a0
            first = trip_off[d]
            count = trip_off[d + 1] - first
            base = time_off[d]
            cur = -1
            cur_board = -1
            for pos in range(p0, n):
                s = stops[a0 + pos]
                if cur >= 0 and drop_ok[base + cur * n + pos] and stop_ok[s]:
                    a = arr[base + cur * n + pos]
                    if a < best_trip[s] and a < bound:
                        best_trip[s] = a
                        t_trip[k, s] = a
                        trip_inst[k, s] = first + cur
                        trip_board[k, s] = cur_board
                        trip_alight[k, s] = pos
                        improved[s] = True
                        if is_target[s] >= 0:
                            bound = min(bound, a + is_target[s])
                bt = prev_board[s]
                if bt < INF_T and stop_ok[s] and (
                        cur < 0 or bt <= dep[base + cur * n + pos]):
                    i = _earliest(dep, pick_ok, inst_ok, base, n, first, count, pos, bt)
                    if i >= 0 and (cur < 0 or i < cur):
                        cur = i
                        cur_board = pos
        # boarding times and footpaths from the stops improved by a trip this round
        for s in range(n_stops):
            if not improved[s]:
                continue
            b = t_trip[k, s] + min_same[s]
            if b < board[s]:
                board[s] = b
                marked[s] = True
        for s in range(n_stops):
            if not improved[s]:
                continue
            for x in range(tr_off[s], tr_off[s + 1]):
                s2 = tr_to[x]
                a = t_trip[k, s] + tr_dur[x]
                if a < board[s2] and a < bound and a < t_walk[k, s2]:
                    t_walk[k, s2] = a
                    walk_from[k, s2] = s
                    board[s2] = a
                    marked[s2] = True
                    if is_target[s2] >= 0:
                        bound = min(bound, a + is_target[s2])
    return t_trip, t_walk, trip_inst, trip_board, trip_alight, walk_from
