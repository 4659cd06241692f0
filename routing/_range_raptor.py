"""Range RAPTOR (numba): one-to-all earliest arrivals for many departure times at once.

rRAPTOR (Delling, Pajor, Werneck 2012): departures are processed from the latest to the
earliest and the round labels are kept between them — a journey possible from a later
departure is possible from an earlier one by waiting — so a departure only rescans the
patterns through stops its own sources (and what follows from them) improve.

The labels are cumulative per round (``lab[k]`` = best with at most k trips, hence
``lab[k] <= lab[k-1]``), unlike :func:`routing._raptor.raptor` which keeps per-round
labels plus one best-so-far over all rounds. With labels reused from a later departure, a
best-so-far over *all* rounds would prune a label of few trips by one of more trips and
lose journeys under the round limit; per-round cumulative labels keep every round exact.
Per round and stop:

* ``trip[k, s]``: best arrival by a trip (footpaths lead on from it);
* ``board[k, s]``: best time to board at s: ``min(trip + min_same, arrival on foot)``;
* ``best[k, s]``: best arrival of any kind (the answer at ``k = rounds``).

The rules — the initial walk from the sources (in the same order, with the same skip of a
source whose label another source's footpath beat), footpaths only right after a trip,
same-stop transfer times, wheelchair ``inst_ok``/``stop_ok``, the pattern scan — are
those of :func:`routing._raptor.raptor`; the scan itself is the same code. Round 0 does
not depend on the departure time except by a shift, so it is computed once per origin.

Reuse is exact when, within every day pattern, a position allows drop-off on all of its
trips or on none (true of both shipped feeds): then the scan's arrival at a stop is the
minimum over its boarding positions, whichever positions are rescanned. When some pattern
mixes them, the caller passes ``reuse=False`` and every departure starts from empty labels
(same results as repeated single searches, without the reuse).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing._raptor import INF_T, _earliest


@njit(cache=True, nogil=True)
def _round0(tr_off: np.ndarray, tr_to: np.ndarray, tr_dur: np.ndarray, src: np.ndarray,
            walk: np.ndarray, off: np.ndarray) -> None:
    """Round-0 offsets from the departure time (``INF_T`` if not reached), exactly as the
    single search computes its round-0 labels with departure time 0."""
    board = np.full(len(off), INF_T, np.int64)
    for j in range(len(src)):
        s = src[j]
        if walk[j] < off[s]:
            off[s] = walk[j]
            board[s] = min(board[s], walk[j])
    for j in range(len(src)):  # the initial walk
        s = src[j]
        if off[s] != walk[j]:
            continue
        for x in range(tr_off[s], tr_off[s + 1]):
            s2 = tr_to[x]
            a = walk[j] + tr_dur[x]
            if a < off[s2] and a < board[s2]:
                off[s2] = a
                board[s2] = a


@njit(cache=True)
def mixed_drop_off(stop_off: np.ndarray, trip_off: np.ndarray, time_off: np.ndarray,
                   drop_ok: np.ndarray) -> bool:
    """True when some day pattern allows drop-off at a position on some trips only."""
    for d in range(len(stop_off) - 1):
        n = stop_off[d + 1] - stop_off[d]
        count = trip_off[d + 1] - trip_off[d]
        base = time_off[d]
        for pos in range(n):
            first = drop_ok[base + pos]
            for i in range(1, count):
                if drop_ok[base + i * n + pos] != first:
                    return True
    return False


@njit(cache=True, nogil=True)
def range_raptor(stop_off: np.ndarray, stops: np.ndarray, trip_off: np.ndarray,
                 time_off: np.ndarray, arr: np.ndarray, dep: np.ndarray, pick_ok: np.ndarray,
                 drop_ok: np.ndarray, inst_ok: np.ndarray, stop_ok: np.ndarray,
                 sp_off: np.ndarray, sp_dp: np.ndarray, sp_pos: np.ndarray,
                 tr_off: np.ndarray, tr_to: np.ndarray, tr_dur: np.ndarray,
                 min_same: np.ndarray, org_off: np.ndarray, src_stops: np.ndarray,
                 src_walk: np.ndarray, deps_desc: np.ndarray, rounds: int, reuse: bool
                 ) -> np.ndarray:
    """Best arrival (any round <= ``rounds``) at every stop, shape (origins, departures,
    stops). Origin ``o``'s sources are ``src_stops/src_walk[org_off[o]:org_off[o+1]]``;
    ``deps_desc`` must be strictly decreasing."""
    n_stops = len(sp_off) - 1
    n_dp = len(stop_off) - 1
    n_org = len(org_off) - 1
    n_dep = len(deps_desc)
    out = np.full((n_org, n_dep, n_stops), INF_T, np.int64)
    trip = np.empty((rounds + 1, n_stops), np.int64)
    board = np.empty((rounds + 1, n_stops), np.int64)
    best = np.empty((rounds + 1, n_stops), np.int64)
    # per round: stops whose labels changed / whose boarding time improved (to rescan)
    chg_stamp = np.zeros((rounds + 1, n_stops), np.int64)
    chg_list = np.empty((rounds + 1, n_stops), np.int64)
    chg_n = np.zeros(rounds + 1, np.int64)
    mrk_stamp = np.zeros((rounds + 1, n_stops), np.int64)
    mrk_list = np.empty((rounds + 1, n_stops), np.int64)
    mrk_n = np.zeros(rounds + 1, np.int64)
    imp_stamp = np.zeros(n_stops, np.int64)
    imp_list = np.empty(n_stops, np.int64)
    start_pos = np.full(n_dp, -1, np.int64)
    dp_list = np.empty(n_dp, np.int64)
    off0 = np.empty(n_stops, np.int64)
    it = 0
    for o in range(n_org):
        a_src, b_src = org_off[o], org_off[o + 1]
        if a_src == b_src:
            continue
        off0[:] = INF_T
        _round0(tr_off, tr_to, tr_dur, src_stops[a_src:b_src], src_walk[a_src:b_src], off0)
        trip[:, :] = INF_T
        board[:, :] = INF_T
        best[:, :] = INF_T
        for di in range(n_dep):
            tau = deps_desc[di]
            it += 1
            if not reuse:
                trip[:, :] = INF_T
                board[:, :] = INF_T
                best[:, :] = INF_T
            chg_n[:] = 0
            mrk_n[:] = 0
            # round 0: the sources and the initial walk, shifted to this departure
            for s in range(n_stops):
                if off0[s] >= INF_T:
                    continue
                t = tau + off0[s]
                if t < board[0, s]:
                    board[0, s] = t
                    best[0, s] = t
                    chg_stamp[0, s] = it
                    chg_list[0, chg_n[0]] = s
                    chg_n[0] += 1
                    mrk_stamp[0, s] = it
                    mrk_list[0, mrk_n[0]] = s
                    mrk_n[0] += 1
            for k in range(1, rounds + 1):
                if chg_n[k - 1] == 0 and mrk_n[k - 1] == 0:
                    break
                # keep lab[k] <= lab[k-1] where round k-1 changed
                for j in range(chg_n[k - 1]):
                    s = chg_list[k - 1, j]
                    low = False
                    if trip[k - 1, s] < trip[k, s]:
                        trip[k, s] = trip[k - 1, s]
                        low = True
                    if board[k - 1, s] < board[k, s]:
                        board[k, s] = board[k - 1, s]
                        low = True
                    if best[k - 1, s] < best[k, s]:
                        best[k, s] = best[k - 1, s]
                        low = True
                    if low and chg_stamp[k, s] != it:
                        chg_stamp[k, s] = it
                        chg_list[k, chg_n[k]] = s
                        chg_n[k] += 1
                if mrk_n[k - 1] == 0:
                    continue
                # patterns through the stops marked in round k-1, from the earliest one
                n_list = 0
                for j in range(mrk_n[k - 1]):
                    s = mrk_list[k - 1, j]
                    for x in range(sp_off[s], sp_off[s + 1]):
                        d = sp_dp[x]
                        p = sp_pos[x]
                        if start_pos[d] < 0:
                            dp_list[n_list] = d
                            n_list += 1
                            start_pos[d] = p
                        elif p < start_pos[d]:
                            start_pos[d] = p
                n_imp = 0
                for q in range(n_list):
                    d = dp_list[q]
                    p0 = start_pos[d]
                    start_pos[d] = -1
                    a0 = stop_off[d]
                    n = stop_off[d + 1] - a0
                    first = trip_off[d]
                    count = trip_off[d + 1] - first
                    base = time_off[d]
                    cur = -1
                    for pos in range(p0, n):
                        s = stops[a0 + pos]
                        if cur >= 0 and drop_ok[base + cur * n + pos] and stop_ok[s]:
                            a = arr[base + cur * n + pos]
                            if a < trip[k, s]:
                                trip[k, s] = a
                                if imp_stamp[s] != it * (rounds + 1) + k:
                                    imp_stamp[s] = it * (rounds + 1) + k
                                    imp_list[n_imp] = s
                                    n_imp += 1
                        bt = board[k - 1, s]
                        if bt < INF_T and stop_ok[s] and (
                                cur < 0 or bt <= dep[base + cur * n + pos]):
                            i = _earliest(dep, pick_ok, inst_ok, base, n, first, count, pos,
                                          bt)
                            if i >= 0 and (cur < 0 or i < cur):
                                cur = i
                # boarding times and footpaths from the stops a trip improved this round
                for j in range(n_imp):
                    s = imp_list[j]
                    a = trip[k, s]
                    if a < best[k, s]:
                        best[k, s] = a
                    b = a + min_same[s]
                    if b < board[k, s]:
                        board[k, s] = b
                        if mrk_stamp[k, s] != it:
                            mrk_stamp[k, s] = it
                            mrk_list[k, mrk_n[k]] = s
                            mrk_n[k] += 1
                    if chg_stamp[k, s] != it:  # the trip label changed in any case
                        chg_stamp[k, s] = it
                        chg_list[k, chg_n[k]] = s
                        chg_n[k] += 1
                for j in range(n_imp):
                    s = imp_list[j]
                    for x in range(tr_off[s], tr_off[s + 1]):
                        s2 = tr_to[x]
                        a = trip[k, s] + tr_dur[x]
                        if a < board[k, s2]:
                            board[k, s2] = a
                            if a < best[k, s2]:
                                best[k, s2] = a
                            if mrk_stamp[k, s2] != it:
                                mrk_stamp[k, s2] = it
                                mrk_list[k, mrk_n[k]] = s2
                                mrk_n[k] += 1
                            if chg_stamp[k, s2] != it:
                                chg_stamp[k, s2] = it
                                chg_list[k, chg_n[k]] = s2
                                chg_n[k] += 1
            # rounds left unvisited (early break) hold lab[k] <= lab[k-1] already
            out[o, di] = best[rounds]
    return out
