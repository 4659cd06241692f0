"""A* with landmarks (ALT): exact point-to-point search with triangle-inequality bounds.

Preprocessing picks K landmarks by farthest-point selection and stores, per node, the travel
time from and to each landmark. For any nodes v, t and landmark L:
``d(v,t) >= d(L,t) - d(L,v)`` and ``d(v,t) >= d(v,L) - d(t,L)``, a consistent lower bound
that steers A* towards the target. Bounds are shrunk by a relative 1e-9 so float rounding can
never make them inadmissible; popped nodes may be reopened, so the answer stays exact.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from routing._dijkstra import INF, dijkstra
from routing._heap import heap_pop, heap_push

SHRINK = 1.0 - 1e-9


def select_landmarks(indptr: np.ndarray, head: np.ndarray, weight: np.ndarray,
                     r_indptr: np.ndarray, r_head: np.ndarray, r_weight: np.ndarray,
                     k: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Landmarks by farthest-point selection; returns (landmarks, from (n,K), to (n,K))."""
    n = len(indptr) - 1
    none = np.zeros(0, np.int64)
    zero = np.zeros(1)
    length = np.zeros(len(head))
    r_length = np.zeros(len(r_head))
    rng = np.random.default_rng(seed)
    k = min(k, n)
    marks = np.empty(k, np.int64)
    frm = np.empty((n, k), np.float32)
    to = np.empty((n, k), np.float32)
    nearest = np.full(n, INF)
    start = int(rng.integers(n))
    d0, _, _ = dijkstra(indptr, head, weight, length, np.array([start]), zero, zero, INF, none)
    cand = int(np.argmax(np.where(np.isfinite(d0), d0, -1)))
    for i in range(k):
        marks[i] = cand
        f, _, _ = dijkstra(indptr, head, weight, length, np.array([cand]), zero, zero, INF,
                           none)
        b, _, _ = dijkstra(r_indptr, r_head, r_weight, r_length, np.array([cand]), zero, zero,
                           INF, none)
        frm[:, i] = f
        to[:, i] = b
        nearest = np.minimum(nearest, np.minimum(f, b))
        cand = int(np.argmax(np.where(np.isfinite(nearest), nearest, -1)))
    return marks, frm, to


@njit(cache=True, inline="always")
def _bound(v: int, frm: np.ndarray, to: np.ndarray, t_nodes: np.ndarray,
           t_costs: np.ndarray) -> float:
    """Lower bound on the cost from v to the cheapest target (incl. its final cost)."""
    best = INF
    k = frm.shape[1]
    for j in range(len(t_nodes)):
        t = t_nodes[j]
        lb = 0.0
        for i in range(k):
            a = frm[t, i] - frm[v, i]
            if a > lb:
                lb = a
            b = to[v, i] - to[t, i]
            if b > lb:
                lb = b
        lb = lb * SHRINK + t_costs[j]
        if lb < best:
            best = lb
    return best


@njit(cache=True, nogil=True)  # threads of the API search in parallel
def alt_search(indptr: np.ndarray, head: np.ndarray, weight: np.ndarray, frm: np.ndarray,
               to: np.ndarray, s_nodes: np.ndarray, s_costs: np.ndarray, t_nodes: np.ndarray,
               t_costs: np.ndarray, cost: np.ndarray, pred: np.ndarray, pot: np.ndarray,
               touched: np.ndarray, keys: np.ndarray, items: np.ndarray
               ) -> tuple[float, int, np.ndarray]:
    """A* from source labels to target labels. ``cost``/``pred``/``pot`` are workspaces of
    size n, all ``inf``/-1/-1 on entry and restored before returning (only touched entries
    are reset, so a query costs what it explores, not O(n)).

    Returns (cost, target node reached, edges of the path in order); cost ``inf`` if none.
    """
    n_touched = 0
    size = 0
    for i in range(len(s_nodes)):
        s = s_nodes[i]
        if s_costs[i] < cost[s]:
            if cost[s] == INF:
                touched[n_touched] = s
                n_touched += 1
            cost[s] = s_costs[i]
            pred[s] = -2
            if pot[s] < 0:
                pot[s] = _bound(s, frm, to, t_nodes, t_costs)
            size = heap_push(keys, items, size, s_costs[i] + pot[s], s)
    best = INF
    best_t = -1
    while size > 0:
        key, u, size = heap_pop(keys, items, size)
        if key >= best:
            break
        g = cost[u]
        if key > g + pot[u] + 1e-9:
            continue  # stale entry
        for j in range(len(t_nodes)):
            if t_nodes[j] == u and g + t_costs[j] < best:
                best = g + t_costs[j]
                best_t = u
        for e in range(indptr[u], indptr[u + 1]):
            v = head[e]
            nc = g + weight[e]
            if nc < cost[v]:
                if cost[v] == INF:
                    touched[n_touched] = v
                    n_touched += 1
                cost[v] = nc
                pred[v] = e
                if pot[v] < 0:
                    pot[v] = _bound(v, frm, to, t_nodes, t_costs)
                size = heap_push(keys, items, size, nc + pot[v], v)
    # the path, read backwards from the target
    count = 0
    x = best_t
    while x >= 0 and pred[x] >= 0:
        count += 1
        x = _tail_of(pred[x], indptr)
    path = np.empty(count, np.int64)
    x = best_t
    for i in range(count - 1, -1, -1):
        e = pred[x]
        path[i] = e
        x = _tail_of(e, indptr)
    for i in range(n_touched):
        v = touched[i]
        cost[v] = INF
        pred[v] = -1
        pot[v] = -1.0
    return best, best_t, path


@njit(cache=True, inline="always")
def _tail_of(e: int, indptr: np.ndarray) -> int:
    """The source node of edge e (binary search in indptr)."""
    lo, hi = 0, len(indptr) - 2
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        if indptr[mid] <= e:
            lo = mid
        else:
            hi = mid - 1
    return lo
