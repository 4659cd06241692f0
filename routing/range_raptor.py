"""One-to-all range queries: earliest arrival at every stop for every departure of a window.

``range_arrivals(router, date, sources, departures)`` answers, for each departure time ``t``,
exactly what ``router.search(date, [(s, t + walk) for s, walk in sources])`` gives as
``res.best()[-1]`` (the best arrival over all rounds at every stop). The search semantics —
initial footpaths from the sources, footpaths only right after a trip, same-stop transfer
times, wheelchair rules — are those of :meth:`routing.raptor.TransitRouter.search`.

Both functions run the compiled range RAPTOR (:mod:`routing._range_raptor`): the departures
are processed from the latest to the earliest, reusing the labels of the later ones, in one
kernel call. ``range_arrivals_many`` runs many origins in one call (each origin starts from
empty labels; the kernel releases the GIL, so callers may split origins over threads).
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence

import numpy as np

from routing._range_raptor import mixed_drop_off, range_raptor
from routing._raptor import INF_T
from routing._raptor_day import TransitDay
from routing.raptor import TransitRouter

__all__ = ["INF_T", "range_arrivals", "range_arrivals_many"]

# whether a day mixes drop-off rules within a pattern position (then no label reuse)
_MIXED: weakref.WeakKeyDictionary[TransitDay, bool] = weakref.WeakKeyDictionary()


def range_arrivals(router: TransitRouter, date: dt.date, sources: Sequence[tuple[int, int]],
                   departures: Sequence[int] | np.ndarray, *, max_transfers: int = 8,
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
        ``TransitRouter.search`` with ``initial_walk=True``). No sources: all ``INF_T``.
    departures
        Departure times in seconds after midnight of ``date``, in any order, duplicates
        allowed: row ``i`` of the result belongs to ``departures[i]``.
    max_transfers
        At most ``max_transfers + 1`` trips (negative counts as 0).
    wheelchair
        Only accessible trips and stops, step-free footpaths.

    Returns
    -------
    np.ndarray
        int64, shape ``(len(departures), n_stops)``: arrival in seconds after midnight,
        ``INF_T`` where unreachable.

    Raises
    ------
    ValueError
        A source stop index outside the timetable.
    routing.errors.ServiceDateError
        ``date`` outside the timetable's service dates.
    """
    return range_arrivals_many(router, date, [sources], departures,
                               max_transfers=max_transfers, wheelchair=wheelchair)[0]


def range_arrivals_many(router: TransitRouter, date: dt.date,
                        origins: Sequence[Sequence[tuple[int, int]]],
                        departures: Sequence[int] | np.ndarray, *, max_transfers: int = 8,
                        wheelchair: bool = False) -> np.ndarray:
    """:func:`range_arrivals` for many origins in one kernel call.

    Each origin is its own list of ``(stop, walking seconds)`` sources. Returns int64 of
    shape ``(len(origins), len(departures), n_stops)``.
    """
    n_stops = router.tt.n_stops
    deps = np.asarray([int(t) for t in departures], np.int64)
    uniq, inverse = np.unique(deps, return_inverse=True)
    org_off = np.zeros(len(origins) + 1, np.int64)
    stops: list[int] = []
    walks: list[int] = []
    for o, src in enumerate(origins):
        for s, w in src:
            if not 0 <= int(s) < n_stops:
                raise ValueError(f"source stop {s} is not a stop index (0 … {n_stops - 1})")
            stops.append(int(s))
            walks.append(int(w))
        org_off[o + 1] = len(stops)
    if len(origins) == 0 or len(deps) == 0:
        return np.full((len(origins), len(deps), n_stops), INF_T, np.int64)
    d = router.day(date)
    x = router.transfers_stepfree if wheelchair else router.transfers
    mixed = _MIXED.get(d)
    if mixed is None:
        mixed = bool(mixed_drop_off(d.stop_off, d.trip_off, d.time_off, d.drop_ok))
        _MIXED[d] = mixed
    inst_ok = d.inst_wheelchair if wheelchair else np.ones(len(d.inst_trip), np.bool_)
    stop_ok = router.stop_wheelchair_ok if wheelchair else np.ones(n_stops, np.bool_)
    out = range_raptor(d.stop_off, d.stops, d.trip_off, d.time_off, d.arr, d.dep, d.pick_ok,
                       d.drop_ok, inst_ok, stop_ok, d.sp_off, d.sp_dp, d.sp_pos, x.indptr,
                       x.to, x.duration, x.min_same_stop, org_off,
                       np.asarray(stops, np.int64), np.asarray(walks, np.int64),
                       uniq[::-1].copy(), max(0, max_transfers) + 1, not mixed)
    # the kernel's rows run from the latest departure to the earliest
    return out[:, len(uniq) - 1 - inverse.ravel(), :]
