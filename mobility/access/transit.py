"""Walk and scheduled transit from the origin cells: the walk to stops within reach, range
arrivals at every stop for each departure minute (:mod:`routing.range_raptor`), the egress
walk from stops to the opportunities and the direct walk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from routing.range_raptor import INF_T, range_arrivals
from routing.raptor import TransitRouter
from routing.street_router import LatLon, StreetRouter

#: unreachable (s): larger than any time of day the analysis adds up
INF = np.int64(INF_T)


@dataclass(frozen=True)
class Walks:
    """The walking side of the network, precomputed once: seconds from every stop to every
    opportunity (``egress``, ``INF`` beyond the access limit) and the limit itself."""

    egress: np.ndarray  #: (n_stops, n_opp) int64
    access_s: int


def stop_points(router: TransitRouter) -> list[LatLon]:
    tt = router.tt
    return list(zip(tt.stop_lat.astype(float).tolist(), tt.stop_lon.astype(float).tolist(),
                    strict=True))


def walk_from(walk: StreetRouter, point: LatLon, targets: list[LatLon], max_s: float
              ) -> np.ndarray:
    """Walking seconds from ``point`` to each target (int64, ``INF`` beyond ``max_s`` or
    unreachable), by one bounded search on the walk network."""
    cost, _ = walk.one_to_many(point, max_s)
    table = walk.point_table(targets, leaving=False)
    sec = (cost[table.nodes] + table.extra).min(axis=1)
    out = np.full(len(targets), INF, np.int64)
    ok = np.isfinite(sec) & (sec <= max_s)
    out[ok] = np.ceil(sec[ok]).astype(np.int64)
    return out


def egress_walks(walk: StreetRouter, router: TransitRouter, opps: list[LatLon],
                 access_s: int) -> Walks:
    """Walks from every stop to every opportunity within ``access_s`` seconds."""
    stops = stop_points(router)
    eg = np.full((len(stops), len(opps)), INF, np.int64)
    for k, p in enumerate(stops):
        eg[k] = walk_from(walk, p, opps, access_s)
    return Walks(eg, access_s)


def to_opportunities(arrivals: np.ndarray, egress: np.ndarray) -> np.ndarray:
    """Arrival at each opportunity from arrivals at the stops: ``(M, S)`` and ``(S, O)`` →
    ``(M, O)`` (min over stops of arrival + egress walk; ``INF`` when none)."""
    if arrivals.shape[1] == 0 or egress.shape[1] == 0:
        return np.full((arrivals.shape[0], egress.shape[1]), INF, np.int64)
    out = np.full((arrivals.shape[0], egress.shape[1]), INF, np.int64)
    for s in np.flatnonzero((arrivals < INF).any(axis=0) & (egress < INF).any(axis=1)):
        out = np.minimum(out, np.where(arrivals[:, s, None] < INF,
                                       arrivals[:, s, None] + egress[None, s], INF))
    return np.minimum(out, INF)


def cell_arrivals(walk: StreetRouter, router: TransitRouter, date: dt.date,
                  point: LatLon, opps: list[LatLon], walks: Walks, departures: np.ndarray,
                  max_s: int, max_transfers: int = 8) -> np.ndarray:
    """Earliest arrival (s after midnight) at each opportunity for each departure from
    ``point``: walk to the stops within the access limit, transit (range query), walk on;
    or walk directly (within ``max_s``). Shape ``(len(departures), len(opps))``."""
    reach = max(max_s, walks.access_s)
    stops = stop_points(router)
    cost, _ = walk.one_to_many(point, reach)
    out = np.full((len(departures), len(opps)), INF, np.int64)
    if len(opps):
        table = walk.point_table(opps, leaving=False)
        direct = (cost[table.nodes] + table.extra).min(axis=1)
        ok = np.isfinite(direct) & (direct <= max_s)
        d = np.full(len(opps), INF, np.int64)
        d[ok] = np.ceil(direct[ok]).astype(np.int64)
        out = np.where(d[None, :] < INF, departures[:, None] + d[None, :], INF)
    st = walk.point_table(stops, leaving=False)
    acc = (cost[st.nodes] + st.extra).min(axis=1)
    near = np.flatnonzero(np.isfinite(acc) & (acc <= walks.access_s))
    sources = [(int(k), int(np.ceil(acc[k]))) for k in near]
    if sources:
        arr = range_arrivals(router, date, sources, departures.tolist(),
                             max_transfers=max_transfers)
        out = np.minimum(out, to_opportunities(arr, walks.egress))
    return out


def stop_tables(router: TransitRouter, date: dt.date, stops: list[int], grid: np.ndarray,
                egress: np.ndarray, max_transfers: int = 8) -> np.ndarray:
    """For each of ``stops``, the earliest arrival at each opportunity when leaving that
    stop at each time of ``grid``: shape ``(len(stops), len(grid), n_opp)`` (where an
    on-demand ride to a stop continues by transit)."""
    out = np.full((len(stops), len(grid), egress.shape[1]), INF, np.int64)
    for i, s in enumerate(stops):
        arr = range_arrivals(router, date, [(int(s), 0)], grid.tolist(),
                             max_transfers=max_transfers)
        out[i] = to_opportunities(arr, egress)
    return out
