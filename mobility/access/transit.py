"""Walk and scheduled transit from the origin cells: the walk to stops within reach, range
arrivals at every stop for each departure minute (:mod:`routing.range_raptor`), the egress
walk from stops to the opportunities and the direct walk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from routing.range_raptor import INF_T, range_arrivals
from routing.raptor import TransitRouter
from routing.street_router import Labels, LatLon, StreetRouter

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
    """Walking seconds from ``point`` to each target (int64, rounded up; ``INF`` beyond
    ``max_s`` or unreachable), by one bounded search on the walk network — what
    ``StreetRouter.matrix`` gives (a target on the point's own street segment included)."""
    return _seconds(walk, _labels(walk, point, max_s), targets, max_s)


def _labels(walk: StreetRouter, point: LatLon, max_s: float) -> Labels:
    cost, _ = walk.one_to_many(point, max_s)
    return Labels(walk.anchor(point, leaving=True), cost, True, True)


def _seconds(walk: StreetRouter, labels: Labels, targets: list[LatLon], max_s: float
             ) -> np.ndarray:
    out = np.full(len(targets), INF, np.int64)
    if not targets:
        return out
    sec = walk.read(labels, targets)
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
    labels = _labels(walk, point, reach)
    d = _seconds(walk, labels, opps, max_s)
    out = np.where(d[None, :] < INF, departures[:, None] + d[None, :], INF)
    acc = _seconds(walk, labels, stops, walks.access_s)
    sources = [(int(k), int(acc[k])) for k in np.flatnonzero(acc < INF)]
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
