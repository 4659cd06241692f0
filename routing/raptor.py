"""Transit searches on the compiled timetable: RAPTOR rounds over per-date day patterns.

``TransitRouter.search`` runs forward (earliest arrival from departure-time labels) or, with
``reverse=True``, on the time-reversed day (latest departure towards arrival-time labels);
``journey`` turns the round labels into legs in real time order.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from routing._raptor import INF_T, raptor
from routing._raptor_day import TransitDay, build_day
from routing.errors import ServiceDateError
from routing.timetable import Timetable
from routing.transfers import Transfers


@dataclass(frozen=True)
class RideLeg:
    """A ride on one trip between two of its stops (times in seconds of the query date)."""

    trip: int  #: trip index in the Timetable
    board_stop: int
    alight_stop: int
    board_index: int  #: position of the boarding stop within the trip
    alight_index: int
    departure: int
    arrival: int


@dataclass(frozen=True)
class WalkLeg:
    """A footpath between two stops (a transfer)."""

    from_stop: int
    to_stop: int
    departure: int
    arrival: int


Leg = RideLeg | WalkLeg


@dataclass(frozen=True, eq=False)
class SearchResult:
    """Round labels of one search (times in the search's time axis: negated when reverse)."""

    day: TransitDay
    t_trip: np.ndarray
    t_walk: np.ndarray
    trip_inst: np.ndarray
    trip_board: np.ndarray
    trip_alight: np.ndarray
    walk_from: np.ndarray
    min_same: np.ndarray

    @property
    def rounds(self) -> int:
        return self.t_trip.shape[0] - 1

    def best(self) -> np.ndarray:
        """(rounds+1, S): best arrival at each stop using at most k trips (INF_T if none)."""
        return np.minimum.accumulate(np.minimum(self.t_trip, self.t_walk), axis=0)

    def best_by_trip(self) -> np.ndarray:
        """(rounds+1, S): best arrival by a trip (no final footpath) with at most k trips."""
        return np.minimum.accumulate(self.t_trip, axis=0)


class TransitRouter:
    """RAPTOR over a :class:`Timetable` with precomputed :class:`Transfers`.

    Parameters
    ----------
    tt
        The compiled timetable.
    transfers
        Footpaths between stops; ``transfers_stepfree`` (optional) are used in wheelchair
        searches (walking without steps).
    cache_days
        How many per-date structures (forward and reverse count separately) to keep.
    """

    def __init__(self, tt: Timetable, transfers: Transfers,
                 transfers_stepfree: Transfers | None = None, cache_days: int = 8) -> None:
        self.tt = tt
        self.transfers = transfers
        self.transfers_stepfree = transfers_stepfree or transfers
        self._days: OrderedDict[tuple[dt.date, bool], TransitDay] = OrderedDict()
        self._cache_days = cache_days
        self._reversed: dict[int, Transfers] = {}
        self.stop_wheelchair_ok = tt.stop_wheelchair == 1

    def day(self, date: dt.date, reverse: bool = False) -> TransitDay:
        """The per-date structure (built once, then cached)."""
        key = (date, reverse)
        if key in self._days:
            self._days.move_to_end(key)
            return self._days[key]
        span = self.tt.service_dates()
        if span is None or not (span[0] <= date <= span[1] + dt.timedelta(days=1)):
            first, last = span if span else (None, None)
            raise ServiceDateError(f"{date} is outside the timetable's service dates "
                                   f"({first} … {last}); choose a date within them")
        d = build_day(self.tt, date, reverse)
        self._days[key] = d
        while len(self._days) > self._cache_days:
            self._days.popitem(last=False)
        return d

    def _footpaths(self, wheelchair: bool, reverse: bool) -> Transfers:
        x = self.transfers_stepfree if wheelchair else self.transfers
        if not reverse:
            return x
        key = id(x)
        if key not in self._reversed:
            frm, to, dur = x.pairs()
            order = np.lexsort((frm, to))
            n = len(x.indptr) - 1
            indptr = np.r_[0, np.cumsum(np.bincount(to, minlength=n))].astype(np.int64)
            self._reversed[key] = Transfers(indptr, frm[order].astype(np.int32), dur[order],
                                            x.min_same_stop)
        return self._reversed[key]

    def search(self, date: dt.date, sources: list[tuple[int, int]], *, reverse: bool = False,
               max_transfers: int = 8, wheelchair: bool = False,
               targets: list[tuple[int, int]] | None = None,
               initial_walk: bool = True) -> SearchResult:
        """Run RAPTOR rounds.

        ``sources``: (stop, time) labels — departure times, or with ``reverse`` the latest
        arrival times (in real seconds of ``date``; negated internally). ``targets``: (stop,
        extra seconds) used only to prune. At most ``max_transfers + 1`` trips.
        """
        d = self.day(date, reverse)
        x = self._footpaths(wheelchair, reverse)
        sign = -1 if reverse else 1
        src = np.array([s for s, _ in sources], np.int64)
        times = np.array([sign * t for _, t in sources], np.int64)
        tgt = targets or []
        inst_ok = d.inst_wheelchair if wheelchair else np.ones(len(d.inst_trip), np.bool_)
        stop_ok = self.stop_wheelchair_ok if wheelchair else np.ones(self.tt.n_stops, np.bool_)
        out = raptor(d.stop_off, d.stops, d.trip_off, d.time_off, d.arr, d.dep, d.pick_ok,
                     d.drop_ok, inst_ok, stop_ok, d.sp_off, d.sp_dp, d.sp_pos, x.indptr, x.to,
                     x.duration, x.min_same_stop, src, times, initial_walk,
                     max(0, max_transfers) + 1, np.array([s for s, _ in tgt], np.int64),
                     np.array([e for _, e in tgt], np.int64))
        t_trip, t_walk, inst, board, alight, walk_from = out
        return SearchResult(d, t_trip, t_walk, inst, board, alight, walk_from,
                            min_same=x.min_same_stop)

    # -- journeys -------------------------------------------------------------------------
    def journey(self, res: SearchResult, k: int, stop: int, by_trip_only: bool = False
                ) -> list[Leg]:
        """The legs of the best journey to ``stop`` with at most ``k`` trips, in real time
        order (for a reverse search: from ``stop`` to the search's source)."""
        legs: list[Leg] = []
        s = stop
        best = res.best_by_trip() if by_trip_only else res.best()
        target = int(best[k, s])
        if target >= INF_T:
            raise ValueError(f"stop {stop} is not reached with {k} trips")
        kind = "trip" if by_trip_only else "any"
        while True:
            # the earliest round <= k holding this label
            j = next(r for r in range(k + 1)
                     if (res.t_trip[r, s] == target and kind != "walk")
                     or (res.t_walk[r, s] == target and kind != "trip"))
            if res.t_walk[j, s] == target and kind != "trip" and res.t_trip[j, s] != target:
                f = int(res.walk_from[j, s])
                if j == 0 and f == s:
                    break  # a source
                if j == 0:  # an initial footpath from a source
                    legs.append(self._walk(res, f, s, int(res.t_walk[0, f]), target))
                    break
                t0 = int(res.t_trip[j, f])
                legs.append(self._walk(res, f, s, t0, target))
                s, target, k, kind = f, t0, j, "trip"
                continue
            inst = int(res.trip_inst[j, s])
            b_pos, a_pos = int(res.trip_board[j, s]), int(res.trip_alight[j, s])
            leg = self._ride(res, inst, b_pos, a_pos)
            legs.append(leg)
            # the label we boarded from: any round < j that allowed boarding in time
            board_stop = int(res.day.stops[res.day.stop_off[res.day.inst_pattern[inst]] +
                                           b_pos])
            dep = self._dep_axis(res, inst, b_pos)
            s = board_stop
            r, target, kind = self._boarding_label(res, s, j - 1, dep)
            k = r
        legs.reverse()
        if res.day.reverse:  # built backwards in reversed time: flip into real order
            legs = [self._flip(leg) for leg in reversed(legs)]
        return legs

    def _boarding_label(self, res: SearchResult, s: int, max_round: int, dep: int
                        ) -> tuple[int, int, str]:
        """The lowest round label at ``s`` from which the departure ``dep`` can be caught."""
        for r in range(max_round + 1):
            tw = int(res.t_walk[r, s])
            if tw < INF_T and tw <= dep:
                return r, tw, "walk"
            tt_ = int(res.t_trip[r, s])
            if tt_ < INF_T and tt_ + int(res.min_same[s]) <= dep:
                return r, tt_, "trip"
        raise AssertionError("no boarding label: inconsistent RAPTOR labels")

    def _dep_axis(self, res: SearchResult, inst: int, pos: int) -> int:
        d = res.day
        p = d.inst_pattern[inst]
        n = d.stop_off[p + 1] - d.stop_off[p]
        return int(d.dep[d.time_off[p] + (inst - d.trip_off[p]) * n + pos])

    def _ride(self, res: SearchResult, inst: int, b_pos: int, a_pos: int) -> RideLeg:
        d = res.day
        p = int(d.inst_pattern[inst])
        n = int(d.stop_off[p + 1] - d.stop_off[p])
        base = int(d.time_off[p] + (inst - d.trip_off[p]) * n)
        return RideLeg(int(d.inst_trip[inst]), int(d.stops[d.stop_off[p] + b_pos]),
                       int(d.stops[d.stop_off[p] + a_pos]), b_pos, a_pos,
                       int(d.dep[base + b_pos]), int(d.arr[base + a_pos]))

    @staticmethod
    def _walk(res: SearchResult, f: int, t: int, t0: int, t1: int) -> WalkLeg:
        return WalkLeg(f, t, t0, t1)

    def _flip(self, leg: Leg) -> Leg:
        """A leg of the reversed day, in real time and stop order."""
        if isinstance(leg, WalkLeg):
            return WalkLeg(leg.to_stop, leg.from_stop, -leg.arrival, -leg.departure)
        n = int(self.tt.stop_time_offset[leg.trip + 1] - self.tt.stop_time_offset[leg.trip])
        return RideLeg(leg.trip, leg.alight_stop, leg.board_stop, n - 1 - leg.alight_index,
                       n - 1 - leg.board_index, -leg.arrival, -leg.departure)

    # -- convenience queries (stop to stop) ---------------------------------------------
    def earliest_arrival(self, date: dt.date, source: int, depart: int,
                         max_transfers: int = 8, wheelchair: bool = False) -> np.ndarray:
        """Earliest arrival (s) at every stop from ``source`` leaving at ``depart``;
        ``INF_T`` where unreachable."""
        res = self.search(date, [(source, depart)], max_transfers=max_transfers,
                          wheelchair=wheelchair)
        return res.best()[-1]

    def pareto(self, date: dt.date, source: int, target: int, depart: int,
               max_transfers: int = 8, wheelchair: bool = False) -> list[tuple[int, int]]:
        """(arrival, transfers) at ``target``, each strictly earlier than with fewer
        transfers."""
        res = self.search(date, [(source, depart)], max_transfers=max_transfers,
                          wheelchair=wheelchair, targets=[(target, 0)])
        col = res.best()[:, target]
        out: list[tuple[int, int]] = []
        for k, a in enumerate(col.tolist()):
            if a < INF_T and (not out or a < out[-1][0]):
                out.append((int(a), max(k - 1, 0)))
        return out

    def latest_departure(self, date: dt.date, source: int, target: int, arrive_by: int,
                         max_transfers: int = 8, wheelchair: bool = False) -> int | None:
        """The latest time to leave ``source`` and still reach ``target`` by
        ``arrive_by``."""
        res = self.search(date, [(target, arrive_by)], reverse=True,
                          max_transfers=max_transfers, wheelchair=wheelchair,
                          targets=[(source, 0)])
        a = int(res.best()[-1, source])
        return None if a >= INF_T else -a
