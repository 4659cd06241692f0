"""Numba kernels of the point-to-points queries on a contraction hierarchy (see
:mod:`routing.ch_query`): one upward search space, and a scan of many against one."""

from __future__ import annotations

import numpy as np
from numba import njit

from routing._ch import _upward

INF = np.inf


@njit(cache=True, nogil=True)
def upward_space(s_nodes: np.ndarray, s_costs: np.ndarray, indptr: np.ndarray,
                 head: np.ndarray, w: np.ndarray, length: np.ndarray, opp_indptr: np.ndarray,
                 opp_head: np.ndarray, opp_w: np.ndarray, cost: np.ndarray, dist: np.ndarray,
                 touched: np.ndarray, settled: np.ndarray, s_cost: np.ndarray,
                 s_dist: np.ndarray, hk: np.ndarray, hi: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The nodes (ranks) an upward search from the start labels settles and their seconds,
    as new compact arrays (the workspaces ``cost`` .. ``hi`` are left as found)."""
    ns = _upward(s_nodes, s_costs, np.zeros(len(s_nodes)), INF, indptr, head, w, length,
                 opp_indptr, opp_head, opp_w, cost, dist, touched, settled, s_cost, s_dist,
                 hk, hi)
    return settled[:ns].astype(np.int32), s_cost[:ns].copy()


@njit(cache=True, nogil=True)
def scan_spaces(mark: np.ndarray, a_nodes: np.ndarray, a_costs: np.ndarray,
                sp_nodes: np.ndarray, sp_costs: np.ndarray, sp_offsets: np.ndarray
                ) -> np.ndarray:
    """For every space j (``sp_offsets[j]:sp_offsets[j+1]``) the cheapest meeting of it
    with the space ``a``: min over shared nodes of the two costs' sum (inf: none).
    ``mark`` (one inf per node) is used as scratch and left all inf."""
    for k in range(len(a_nodes)):
        mark[a_nodes[k]] = a_costs[k]
    n = len(sp_offsets) - 1
    out = np.full(n, INF)
    for j in range(n):
        best = INF
        for p in range(sp_offsets[j], sp_offsets[j + 1]):
            t = mark[sp_nodes[p]] + sp_costs[p]
            if t < best:
                best = t
        out[j] = best
    for k in range(len(a_nodes)):
        mark[a_nodes[k]] = INF
    return out


@njit(cache=True, nogil=True)
def phast(s_nodes: np.ndarray, s_costs: np.ndarray, indptr: np.ndarray, head: np.ndarray,
          w: np.ndarray, length: np.ndarray, opp_indptr: np.ndarray, opp_head: np.ndarray,
          opp_w: np.ndarray, cost: np.ndarray, dist: np.ndarray, touched: np.ndarray,
          settled: np.ndarray, s_cost: np.ndarray, s_dist: np.ndarray, hk: np.ndarray,
          hi: np.ndarray) -> np.ndarray:
    """Seconds from the start labels to every node (rank order), or to them from every
    node, PHAST-style (Delling et al. 2011): the upward search (``indptr``..: the edges to
    higher nodes in the search's direction; ``opp_*``: the other direction's, which also are
    the edges into each node from higher ones) then one sweep down the ranks relaxing every
    edge from a higher node — linear, whatever the number of targets."""
    ns = _upward(s_nodes, s_costs, np.zeros(len(s_nodes)), INF, indptr, head, w, length,
                 opp_indptr, opp_head, opp_w, cost, dist, touched, settled, s_cost, s_dist,
                 hk, hi)
    n = len(indptr) - 1
    out = np.full(n, INF)
    for k in range(ns):
        out[settled[k]] = s_cost[k]
    for v in range(n - 1, -1, -1):
        best = out[v]
        for e in range(opp_indptr[v], opp_indptr[v + 1]):
            t = out[opp_head[e]] + opp_w[e]
            if t < best:
                best = t
        out[v] = best
    return out
