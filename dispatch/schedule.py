"""Exact schedules for a fixed stop order: a simple temporal problem.

Every rule of a route is a difference constraint ``B_j - B_i <= w`` (travel and service
between consecutive stops, time windows against a zero node, maximum ride times, maximum
route duration). Bellman-Ford on that small graph decides feasibility exactly (a negative
cycle means none) and yields the *earliest* feasible schedule.
"""

from __future__ import annotations

import numpy as np


def earliest_schedule(travel: np.ndarray, service: np.ndarray, lo: np.ndarray,
                      hi: np.ndarray, ride: list[tuple[int, int, float]],
                      max_duration: float) -> np.ndarray | None:
    """Service start times of stops ``0..m-1`` visited in order, or None if infeasible.

    Parameters
    ----------
    travel
        (m-1,) travel time from stop k to stop k+1.
    service
        (m,) service duration at each stop.
    lo, hi
        (m,) time windows.
    ride
        (pickup position, drop-off position, max ride) triples: ``B_d - (B_p + s_p) <= L``.
    max_duration
        ``B_last - B_first`` at most this.
    """
    m = len(lo)
    z = m  # the zero node
    edges: list[tuple[int, int, float]] = []  # (i, j, w): B_j - B_i <= w
    for k in range(m - 1):
        edges.append((k + 1, k, -(service[k] + travel[k])))  # B_k - B_{k+1} <= -(s+t)
    for k in range(m):
        edges.append((z, k, float(hi[k])))  # B_k <= hi
        edges.append((k, z, -float(lo[k])))  # -B_k <= -lo
    for p, d, limit in ride:
        edges.append((p, d, float(limit + service[p])))
    if m > 1 and np.isfinite(max_duration):
        edges.append((0, m - 1, float(max_duration)))
    # earliest solution: B_k = -dist(k -> z) in the graph; run Bellman-Ford towards z
    dist = np.full(m + 1, np.inf)
    dist[z] = 0.0
    rev = [(j, i, w) for i, j, w in edges]  # dist(x -> z) via reversed edges from z
    for _ in range(m + 1):
        changed = False
        for a, b, w in rev:
            if dist[a] + w < dist[b] - 1e-12:
                dist[b] = dist[a] + w
                changed = True
        if not changed:
            break
    else:
        return None  # still relaxing after m+1 rounds: a negative cycle
    if not np.isfinite(dist[:m]).all():
        return None
    return -dist[:m]
