"""Compiled shortest-path kernels over CSR graphs (numba).

Costs are float64 seconds accumulated from float32 edge weights; distances in metres are
carried along the fastest path as a secondary label.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing._heap import heap_pop, heap_push

INF = np.inf


@njit(cache=True, nogil=True)  # threads of the API search in parallel
def dijkstra(indptr: np.ndarray, head: np.ndarray, weight: np.ndarray, length: np.ndarray,
             src_nodes: np.ndarray, src_costs: np.ndarray, src_dists: np.ndarray,
             max_cost: float, targets: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Multi-source Dijkstra, bounded by ``max_cost``.

    Stops early once every node in ``targets`` (may be empty: no early stop) is settled.
    Returns (cost, metres, predecessor edge) per node; unreached nodes cost ``inf`` and have
    predecessor -1; source nodes have predecessor -2.
    """
    n = len(indptr) - 1
    cost = np.full(n, INF)
    dist = np.full(n, INF)
    pred = np.full(n, -1, np.int64)
    done = np.zeros(n, np.bool_)
    keys = np.empty(len(head) + len(src_nodes) + 1, np.float64)
    items = np.empty(len(head) + len(src_nodes) + 1, np.int64)
    size = 0
    for i in range(len(src_nodes)):
        s = src_nodes[i]
        if src_costs[i] < cost[s]:
            cost[s] = src_costs[i]
            dist[s] = src_dists[i]
            pred[s] = -2
            size = heap_push(keys, items, size, src_costs[i], s)
    is_target = np.zeros(n, np.bool_)
    remaining = 0
    for t in targets:
        if not is_target[t]:
            is_target[t] = True
            remaining += 1
    while size > 0:
        c, u, size = heap_pop(keys, items, size)
        if done[u]:
            continue
        if c > max_cost:
            break
        done[u] = True
        if is_target[u]:
            remaining -= 1
            if remaining == 0:
                break
        for e in range(indptr[u], indptr[u + 1]):
            v = head[e]
            nc = c + weight[e]
            if nc < cost[v] and nc <= max_cost:
                cost[v] = nc
                dist[v] = dist[u] + length[e]
                pred[v] = e
                size = heap_push(keys, items, size, nc, v)
    # labels above the bound or not settled are not final
    for v in range(n):
        if not done[v]:
            cost[v] = INF
            dist[v] = INF
            pred[v] = -1
    return cost, dist, pred


@njit(cache=True, nogil=True)  # threads of the API search in parallel
def many_to_many(indptr: np.ndarray, head: np.ndarray, weight: np.ndarray,
                 length: np.ndarray, o_nodes: np.ndarray, o_costs: np.ndarray,
                 o_dists: np.ndarray, o_offsets: np.ndarray, d_nodes: np.ndarray,
                 d_costs: np.ndarray, d_dists: np.ndarray, d_offsets: np.ndarray,
                 max_cost: float) -> tuple[np.ndarray, np.ndarray]:
    """Durations and distances from every origin to every destination.

    Origin i starts from ``o_nodes[o_offsets[i]:o_offsets[i+1]]`` with those initial costs;
    destination j is reached at ``d_nodes[...]`` plus its final costs. One bounded Dijkstra
    per origin that stops once all destination nodes are settled.
    """
    n_o = len(o_offsets) - 1
    n_d = len(d_offsets) - 1
    dur = np.full((n_o, n_d), INF)
    met = np.full((n_o, n_d), INF)
    for i in range(n_o):
        a, b = o_offsets[i], o_offsets[i + 1]
        cost, dist, _ = dijkstra(indptr, head, weight, length, o_nodes[a:b], o_costs[a:b],
                                 o_dists[a:b], max_cost, d_nodes)
        for j in range(n_d):
            for k in range(d_offsets[j], d_offsets[j + 1]):
                c = cost[d_nodes[k]] + d_costs[k]
                if c < dur[i, j] and c <= max_cost:
                    dur[i, j] = c
                    met[i, j] = dist[d_nodes[k]] + d_dists[k]
    return dur, met
