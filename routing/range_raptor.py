"""One-to-all range queries: earliest arrival at every stop for every departure of a window.

``range_arrivals(router, date, sources, departures)`` answers, for each departure time ``t``,
exactly what ``router.search(date, [(s, t + walk) for s, walk in sources])`` gives as
``res.best()[-1]`` (the best arrival over all rounds at every stop). The search semantics —
initial footpaths from the sources, footpaths only right after a trip, same-stop transfer
times, wheelchair rules — are those of :meth:`routing.raptor.TransitRouter.search`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from routing._raptor import INF_T
from routing.raptor import TransitRouter

__all__ = ["INF_T", "range_arrivals", "range_arrivals_many"]


def range_arrivals(router: TransitRouter, date: dt.date, sources: Sequence[tuple[int, int]],
                   departures: Sequence[int], *, max_transfers: int = 8,
                   wheelchair: bool = False) -> np.ndarray:
    """Earliest arrival at every stop for each departure time.

    Parameters
    ----------
    router
        The transit router (timetable and footpaths).
    date
        Service date of the query.
    sources
        ``(stop index, walking seconds to it)``; a source stop counts as reached at
        ``departure + walking seconds``, then footpaths lead on from it (as
        ``TransitRouter.search`` with ``initial_walk=True``).
    departures
        Departure times in seconds after midnight of ``date``, in any order, duplicates
        allowed: row ``i`` of the result belongs to ``departures[i]``.
    max_transfers
        At most ``max_transfers + 1`` trips.
    wheelchair
        Only accessible trips and stops, step-free footpaths.

    Returns
    -------
    np.ndarray
        int64, shape ``(len(departures), n_stops)``: arrival in seconds after midnight,
        ``INF_T`` where unreachable.
    """
    deps = [int(t) for t in departures]
    out = np.full((len(deps), router.tt.n_stops), INF_T, np.int64)
    if not sources:
        return out
    for i, t in enumerate(deps):
        res = router.search(date, [(int(s), t + int(w)) for s, w in sources],
                            max_transfers=max_transfers, wheelchair=wheelchair)
        out[i] = res.best()[-1]
    return out


def range_arrivals_many(router: TransitRouter, date: dt.date,
                        origins: Sequence[Sequence[tuple[int, int]]],
                        departures: Sequence[int], *, max_transfers: int = 8,
                        wheelchair: bool = False) -> np.ndarray:
    """:func:`range_arrivals` for many origins: shape ``(len(origins), len(departures),
    n_stops)``; one range query per origin (each origin is its own list of sources)."""
    out = np.full((len(origins), len(departures), router.tt.n_stops), INF_T, np.int64)
    for o, src in enumerate(origins):
        out[o] = range_arrivals(router, date, src, departures, max_transfers=max_transfers,
                                wheelchair=wheelchair)
    return out
