"""Contraction hierarchy kernels (numba): node ordering with shortcuts, and many-to-many
bucket queries (Knopp et al. 2007) on the upward graphs.

Contraction: nodes are removed one by one, cheapest first by the priority: twice the *edge
difference* (shortcuts a removal adds minus the edges it removes) plus *deleted neighbours*
plus the node's *level* (weights chosen by measurement: 15 % fewer shortcuts and 20 % faster
matrices on rhein-neckar than with equal weights); priorities are updated lazily (a popped
node is re-simulated and put back if it got worse) and for the neighbours of every contracted
node. Removing ``v`` adds a shortcut ``u -> w`` for a path ``u -> v -> w`` unless a *witness
search* (a Dijkstra from ``u`` that avoids ``v``, limited in settled nodes) finds a path at
most as fast. A missed witness only adds an unneeded shortcut, never a wrong answer.
Shortcuts carry both the seconds and the metres of the path they stand for.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing._heap import heap_pop, heap_push

INF = np.inf


@njit(cache=True)
def _grow_f(a: np.ndarray, size: int) -> np.ndarray:
    out = np.empty(size, a.dtype)
    out[: len(a)] = a
    return out


@njit(cache=True)
def _witness(s: int, avoid: int, bound: float, settle_limit: int, out_first: np.ndarray,
             out_next: np.ndarray, ehead: np.ndarray, ew: np.ndarray, contracted: np.ndarray,
             wcost: np.ndarray, touched: np.ndarray, hk: np.ndarray, hi: np.ndarray,
             tmark: np.ndarray, stamp: int, n_targets: int) -> int:
    """Dijkstra from ``s`` over the remaining nodes except ``avoid``, up to ``bound`` seconds,
    ``settle_limit`` settled nodes or until the ``n_targets`` nodes marked ``stamp`` in
    ``tmark`` are settled. Leaves costs in ``wcost`` (the caller resets the ``touched``)."""
    n_touched = 1
    touched[0] = s
    wcost[s] = 0.0
    size = heap_push(hk, hi, 0, 0.0, s)
    settled = 0
    while size > 0:
        c, u, size = heap_pop(hk, hi, size)
        if c > wcost[u]:
            continue  # stale entry
        if c > bound:
            break
        settled += 1
        if tmark[u] == stamp:
            n_targets -= 1
            if n_targets <= 0:
                break
        if settled >= settle_limit:
            break
        e = out_first[u]
        while e >= 0:
            x = ehead[e]
            if not contracted[x] and x != avoid:
                nc = c + ew[e]
                if nc < wcost[x]:
                    if wcost[x] == INF:
                        touched[n_touched] = x
                        n_touched += 1
                    wcost[x] = nc
                    size = heap_push(hk, hi, size, nc, x)
            e = out_next[e]
    return n_touched


@njit(cache=True)
def _find_edge(u: int, w: int, out_first: np.ndarray, out_next: np.ndarray,
               ehead: np.ndarray) -> int:
    e = out_first[u]
    while e >= 0:
        if ehead[e] == w:
            return e
        e = out_next[e]
    return -1


@njit(cache=True)
def _contract_node(v: int, simulate: bool, settle_limit: int, n_edges: int,
                   out_first: np.ndarray, out_next: np.ndarray, in_first: np.ndarray,
                   in_next: np.ndarray, etail: np.ndarray, ehead: np.ndarray, ew: np.ndarray,
                   elen: np.ndarray, emid: np.ndarray, contracted: np.ndarray,
                   wcost: np.ndarray, touched: np.ndarray, hk: np.ndarray, hi: np.ndarray,
                   tmark: np.ndarray, stamp: int) -> tuple[int, int, int]:
    """Contract ``v`` (or, with ``simulate``, only count what that would do).

    Returns (shortcuts added or updated, edges of v to remaining nodes, new edge count).
    """
    shortcuts = 0
    # the remaining out-neighbours of v and the cost of reaching them
    max_out = 0.0
    n_out = 0
    e = out_first[v]
    while e >= 0:
        if not contracted[ehead[e]]:
            n_out += 1
            if ew[e] > max_out:
                max_out = ew[e]
        e = out_next[e]
    n_in = 0
    ei = in_first[v]
    while ei >= 0:
        u = etail[ei]
        if not contracted[u]:
            n_in += 1
            if n_out > 0:
                stamp += 1
                n_t = 0
                eo = out_first[v]
                while eo >= 0:
                    w = ehead[eo]
                    if not contracted[w] and w != u and tmark[w] != stamp:
                        tmark[w] = stamp
                        n_t += 1
                    eo = out_next[eo]
                if n_t > 0:
                    nt = _witness(u, v, ew[ei] + max_out, settle_limit, out_first, out_next,
                                  ehead, ew, contracted, wcost, touched, hk, hi, tmark,
                                  stamp, n_t)
                    eo = out_first[v]
                    while eo >= 0:
                        w = ehead[eo]
                        if not contracted[w] and w != u:
                            via = ew[ei] + ew[eo]
                            if wcost[w] > via:  # no witness at most as fast: shortcut
                                shortcuts += 1
                                if not simulate:
                                    f = _find_edge(u, w, out_first, out_next, ehead)
                                    if f >= 0:  # an existing slower edge u->w: improve it
                                        if via < ew[f]:
                                            ew[f] = via
                                            elen[f] = elen[ei] + elen[eo]
                                            emid[f] = v
                                    else:
                                        etail[n_edges] = u
                                        ehead[n_edges] = w
                                        ew[n_edges] = via
                                        elen[n_edges] = elen[ei] + elen[eo]
                                        emid[n_edges] = v
                                        out_next[n_edges] = out_first[u]
                                        out_first[u] = n_edges
                                        in_next[n_edges] = in_first[w]
                                        in_first[w] = n_edges
                                        n_edges += 1
                        eo = out_next[eo]
                    for k in range(nt):
                        wcost[touched[k]] = INF
        ei = in_next[ei]
    return shortcuts, n_in + n_out, n_edges


@njit(cache=True)
def build_hierarchy(n: int, tail: np.ndarray, head: np.ndarray, weight: np.ndarray,
                    length: np.ndarray, settle_limit: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                               np.ndarray]:
    """Contract every node of the graph ``tail -> head``.

    Returns (rank per node, and for every edge of the hierarchy — the original ones and the
    shortcuts — tail, head, seconds, metres, middle node or -1).
    """
    m = len(head)
    cap = 2 * m + 16
    etail = np.empty(cap, np.int64)
    ehead = np.empty(cap, np.int64)
    ew = np.empty(cap, np.float64)
    elen = np.empty(cap, np.float64)
    emid = np.empty(cap, np.int64)
    out_next = np.empty(cap, np.int64)
    in_next = np.empty(cap, np.int64)
    out_first = np.full(n, -1, np.int64)
    in_first = np.full(n, -1, np.int64)
    n_edges = 0
    for k in range(m):
        if tail[k] == head[k]:
            continue  # a loop never lies on a fastest path
        etail[n_edges] = tail[k]
        ehead[n_edges] = head[k]
        ew[n_edges] = weight[k]
        elen[n_edges] = length[k]
        emid[n_edges] = -1
        out_next[n_edges] = out_first[tail[k]]
        out_first[tail[k]] = n_edges
        in_next[n_edges] = in_first[head[k]]
        in_first[head[k]] = n_edges
        n_edges += 1
    contracted = np.zeros(n, np.bool_)
    wcost = np.full(n, INF)
    touched = np.empty(n, np.int64)
    tmark = np.zeros(n, np.int64)
    stamp = 0
    hk = np.empty(cap + 1, np.float64)
    hi = np.empty(cap + 1, np.int64)
    deleted = np.zeros(n, np.int64)
    level = np.zeros(n, np.int64)
    prio = np.empty(n, np.float64)
    # the ordering queue (lazy: stale entries are skipped when their priority changed)
    qcap = 4 * n + 16
    qk = np.empty(qcap, np.float64)
    qi = np.empty(qcap, np.int64)
    qsize = 0
    for v in range(n):
        sc, removed, _ = _contract_node(v, True, settle_limit, n_edges, out_first, out_next,
                                        in_first, in_next, etail, ehead, ew, elen, emid,
                                        contracted, wcost, touched, hk, hi, tmark, stamp)
        stamp += removed + 1
        prio[v] = 2 * (sc - removed)
        qsize = heap_push(qk, qi, qsize, prio[v], v)
    rank = np.full(n, -1, np.int64)
    next_rank = 0
    while qsize > 0:
        p, v, qsize = heap_pop(qk, qi, qsize)
        if contracted[v] or p != prio[v]:
            continue
        sc, removed, _ = _contract_node(v, True, settle_limit, n_edges, out_first, out_next,
                                        in_first, in_next, etail, ehead, ew, elen, emid,
                                        contracted, wcost, touched, hk, hi, tmark, stamp)
        stamp += removed + 1
        newp = 2 * (sc - removed) + deleted[v] + level[v]
        if qsize > 0 and newp > qk[0]:  # got worse than the next one: later
            prio[v] = newp
            qsize = heap_push(qk, qi, qsize, newp, v)
            continue
        # room for every shortcut this contraction may add
        need = n_edges + sc + 1
        if need > cap:
            cap = max(2 * cap, need)
            etail = _grow_f(etail, cap)
            ehead = _grow_f(ehead, cap)
            ew = _grow_f(ew, cap)
            elen = _grow_f(elen, cap)
            emid = _grow_f(emid, cap)
            out_next = _grow_f(out_next, cap)
            in_next = _grow_f(in_next, cap)
            hk = np.empty(cap + 1, np.float64)
            hi = np.empty(cap + 1, np.int64)
        _, _, n_edges = _contract_node(v, False, settle_limit, n_edges, out_first, out_next,
                                       in_first, in_next, etail, ehead, ew, elen, emid,
                                       contracted, wcost, touched, hk, hi, tmark, stamp)
        stamp += removed + 1
        contracted[v] = True
        rank[v] = next_rank
        next_rank += 1
        # neighbours: one more deleted neighbour, a level above v, a fresh priority
        for side in range(2):
            e = out_first[v] if side == 0 else in_first[v]
            while e >= 0:
                x = ehead[e] if side == 0 else etail[e]
                if not contracted[x]:
                    deleted[x] += 1
                    if level[v] + 1 > level[x]:
                        level[x] = level[v] + 1
                    sc2, rem2, _ = _contract_node(x, True, settle_limit, n_edges, out_first,
                                                  out_next, in_first, in_next, etail, ehead,
                                                  ew, elen, emid, contracted, wcost, touched,
                                                  hk, hi, tmark, stamp)
                    stamp += rem2 + 1
                    prio[x] = 2 * (sc2 - rem2) + deleted[x] + level[x]
                    if qsize >= qcap:
                        qcap *= 2
                        qk = _grow_f(qk, qcap)
                        qi = _grow_f(qi, qcap)
                    qsize = heap_push(qk, qi, qsize, prio[x], x)
                e = out_next[e] if side == 0 else in_next[e]
    return (rank, etail[:n_edges].copy(), ehead[:n_edges].copy(), ew[:n_edges].copy(),
            elen[:n_edges].copy(), emid[:n_edges].copy())


@njit(cache=True, nogil=True)
def _upward(s_nodes: np.ndarray, s_costs: np.ndarray, s_dists: np.ndarray, max_cost: float,
            indptr: np.ndarray, head: np.ndarray, w: np.ndarray, length: np.ndarray,
            opp_indptr: np.ndarray, opp_head: np.ndarray, opp_w: np.ndarray,
            cost: np.ndarray, dist: np.ndarray, touched: np.ndarray, settled: np.ndarray,
            settled_cost: np.ndarray, settled_dist: np.ndarray, hk: np.ndarray,
            hi: np.ndarray) -> int:
    """One upward search (nodes are ranks) from start labels, with stall-on-demand: a node
    reached more cheaply through a higher neighbour (``opp_*``, the edges from it to higher
    nodes in the other direction) is neither expanded nor reported. Returns how many nodes
    were settled, their ids, costs and metres in ``settled*``; resets ``cost``."""
    n_t = 0
    size = 0
    for k in range(len(s_nodes)):
        x = s_nodes[k]
        if s_costs[k] < cost[x] and s_costs[k] <= max_cost:
            if cost[x] == INF:
                touched[n_t] = x
                n_t += 1
            cost[x] = s_costs[k]
            dist[x] = s_dists[k]
            size = heap_push(hk, hi, size, s_costs[k], x)
    n_s = 0
    while size > 0:
        c, u, size = heap_pop(hk, hi, size)
        if c > cost[u]:
            continue
        stalled = False
        for e in range(opp_indptr[u], opp_indptr[u + 1]):
            if cost[opp_head[e]] + opp_w[e] < c:
                stalled = True
                break
        if stalled:
            continue
        settled[n_s] = u
        settled_cost[n_s] = c
        settled_dist[n_s] = dist[u]
        n_s += 1
        for e in range(indptr[u], indptr[u + 1]):
            x = head[e]
            nc = c + w[e]
            if nc < cost[x] and nc <= max_cost:
                if cost[x] == INF:
                    touched[n_t] = x
                    n_t += 1
                cost[x] = nc
                dist[x] = dist[u] + length[e]
                size = heap_push(hk, hi, size, nc, x)
    for k in range(n_t):
        cost[touched[k]] = INF
    return n_s


@njit(cache=True, nogil=True)  # threads of the API search in parallel
def ch_many_to_many(rank: np.ndarray, up_indptr: np.ndarray, up_head: np.ndarray,
                    up_w: np.ndarray, up_len: np.ndarray, down_indptr: np.ndarray,
                    down_head: np.ndarray, down_w: np.ndarray, down_len: np.ndarray,
                    o_nodes: np.ndarray, o_costs: np.ndarray, o_dists: np.ndarray,
                    o_offsets: np.ndarray, d_nodes: np.ndarray, d_costs: np.ndarray,
                    d_dists: np.ndarray, d_offsets: np.ndarray, max_cost: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Durations and distances from every origin to every destination (the arguments of
    :func:`routing._dijkstra.many_to_many`, plus the hierarchy).

    ``up_*``: for node (rank) r, the edges r -> higher; ``down_*``: for node r, the edges
    higher -> r, stored reversed. A backward upward search from every destination leaves
    (destination, seconds, metres) in the buckets of the nodes it settles; a forward upward
    search from every origin then meets them there.
    """
    n = len(up_indptr) - 1
    n_o = len(o_offsets) - 1
    n_d = len(d_offsets) - 1
    dur = np.full((n_o, n_d), INF)
    met = np.full((n_o, n_d), INF)
    cost = np.full(n, INF)
    dist = np.full(n, INF)
    touched = np.empty(n, np.int64)
    settled = np.empty(n, np.int64)
    s_cost = np.empty(n, np.float64)
    s_dist = np.empty(n, np.float64)
    hsize = max(len(up_head), len(down_head)) + len(o_nodes) + len(d_nodes) + 1
    hk = np.empty(hsize, np.float64)
    hi = np.empty(hsize, np.int64)
    # backward searches fill the buckets
    cap = 64 * n_d + 16
    b_node = np.empty(cap, np.int64)
    b_t = np.empty(cap, np.int64)
    b_c = np.empty(cap, np.float64)
    b_d = np.empty(cap, np.float64)
    n_b = 0
    for j in range(n_d):
        a, b = d_offsets[j], d_offsets[j + 1]
        ns = _upward(rank[d_nodes[a:b]], d_costs[a:b], d_dists[a:b], max_cost, down_indptr,
                     down_head, down_w, down_len, up_indptr, up_head, up_w, cost, dist,
                     touched, settled, s_cost, s_dist, hk, hi)
        if n_b + ns > cap:
            cap = max(2 * cap, n_b + ns)
            b_node = _grow_f(b_node, cap)
            b_t = _grow_f(b_t, cap)
            b_c = _grow_f(b_c, cap)
            b_d = _grow_f(b_d, cap)
        for k in range(ns):
            b_node[n_b] = settled[k]
            b_t[n_b] = j
            b_c[n_b] = s_cost[k]
            b_d[n_b] = s_dist[k]
            n_b += 1
    # buckets as CSR by node (a counting sort keeps each bucket's destinations in order)
    bptr = np.zeros(n + 1, np.int64)
    for k in range(n_b):
        bptr[b_node[k] + 1] += 1
    for v in range(n):
        bptr[v + 1] += bptr[v]
    fill = bptr[:-1].copy()
    bt = np.empty(n_b, np.int64)
    bc = np.empty(n_b, np.float64)
    bd = np.empty(n_b, np.float64)
    for k in range(n_b):
        p = fill[b_node[k]]
        fill[b_node[k]] += 1
        bt[p] = b_t[k]
        bc[p] = b_c[k]
        bd[p] = b_d[k]
    # forward searches scan them
    for i in range(n_o):
        a, b = o_offsets[i], o_offsets[i + 1]
        ns = _upward(rank[o_nodes[a:b]], o_costs[a:b], o_dists[a:b], max_cost, up_indptr,
                     up_head, up_w, up_len, down_indptr, down_head, down_w, cost, dist,
                     touched, settled, s_cost, s_dist, hk, hi)
        row_d = dur[i]
        row_m = met[i]
        for k in range(ns):
            x = settled[k]
            c = s_cost[k]
            for p in range(bptr[x], bptr[x + 1]):
                t = c + bc[p]
                j = bt[p]
                if t < row_d[j] and t <= max_cost:
                    row_d[j] = t
                    row_m[j] = s_dist[k] + bd[p]
    return dur, met
