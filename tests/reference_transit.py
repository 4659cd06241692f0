"""A slow, simple reference for earliest-arrival transit search, used to check the fast router.

Everything here is plain Python (lists, tuples, ``bisect``); numpy is only used once, in the
constructor, to turn the :class:`routing.timetable.Timetable` arrays into Python lists. The
code is written to be *obviously* correct rather than fast: each query costs a few hundred
milliseconds to a few seconds on a large regional timetable.

Rules (the specification the fast RAPTOR implementation follows as well)
-----------------------------------------------------------------------
Times are integer seconds since midnight of the query's service ``date``.

Trip instances
    Every trip active on ``date`` (``Timetable.active_trips``) with its times as stored.
    With ``prev_day=True`` also every trip active on ``date - 1 day``, as a *separate*
    instance whose times are shifted by -86 400 s (so a trip running at 25:10 yesterday
    runs at 01:10 today). Both instances of a trip that runs on both days are kept.
Wheelchair mode
    Only trips with ``trip_wheelchair == 1``; boarding and alighting only at stops with
    ``stop_wheelchair == 1``. Footpaths are used exactly as given.
Boarding and alighting
    A traveller at stop ``s`` at time ``t`` may board a trip instance at its stop time ``i``
    if the stop is ``s``, ``pickup_type[i] != 1`` and ``t <= departure[i]`` (no minimum
    transfer time: a same-stop transfer needs no time). Having boarded at ``i`` they may
    alight at any later stop time ``k > i`` of the same trip with ``drop_off_type[k] != 1``,
    arriving at ``arrival[k]``.
Footpaths
    ``(from_stop, to_stop, duration_s)``, directed, ``duration_s >= 0``. A footpath may be
    walked (a) right after alighting from a trip, or (b) once at the very start, from the
    source stop at the departure time. Never two in a row: a stop reached on foot is only a
    place to board a trip (or the destination). Hence a journey is ::

        source [walk] board trip_1 alight [walk] board trip_2 ... alight [walk] target

    or, with no trip at all, ``source [walk] target``.
Transfers
    The number of trips boarded minus one. A walk-only journey (or staying at the source)
    counts as zero transfers; ``max_transfers=k`` allows at most ``k + 1`` trips.

Algorithm
---------
Round-based connection scan (the label structure of RAPTOR, the scan of CSA). Round ``k``
computes, for every stop, the best label using at most ``k`` trips from the labels of round
``k - 1`` only:

* forward (:meth:`ReferenceTransit.earliest_arrival`): ``board[k][s]`` is the earliest time
  one can stand at ``s`` ready to board, using at most ``k`` trips. Round ``k`` walks
  through every trip instance in stop order; the trip is *reached* at the first stop time
  where one can board with ``board[k-1]``, and from then on every allowed alighting gives a
  candidate ``ride[s] = arrival``. Then
  ``board[k][s] = min(board[k-1][s], ride[s], min over footpaths s'->s of ride[s'] + d)``.
* backward (:meth:`ReferenceTransit.latest_departure`), the exact mirror image in reversed
  time: ``leave[k][s]`` is the latest time one can stand at ``s`` (just arrived, before any
  walking) and still reach the target by ``arrive_by`` with at most ``k`` trips. Round ``k``
  walks each trip instance from its last stop time to its first; the trip is reached at the
  first (i.e. latest) stop time where one can alight in time for ``leave[k-1]``, and from
  then on every allowed boarding gives ``ride[s] = departure``. Then
  ``leave[k][s] = max(leave[k-1][s], ride[s], max over footpaths s->s' of ride[s'] - d)``.

Because a round reads only the previous round's labels, the order in which trip instances
are scanned does not matter; only the order of stop times *within* a trip does, and that is
the stored order. As the only pruning, a query skips trip instances whose latest possible
boarding is before the departure time (forward) or whose earliest possible alighting is after
the arrival deadline (backward); this is exact because every label is ``>= depart`` (resp.
``<= arrive_by``), which the constructor makes sure of by checking that times never decrease
along a trip.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from routing.timetable import Timetable

#: stop-time flag value (pickup_type / drop_off_type) meaning "not possible here"
NOT_AVAILABLE = 1
#: label of a stop not reached (forward) -- larger than any time
_LATE = 1 << 62
#: label of a stop from which the target cannot be reached (backward)
_EARLY = -(1 << 62)

#: one stop time of a trip instance: (stop, arrival, departure, can_board, can_alight)
StopTime = tuple[int, int, int, bool, bool]


def _last(rounds: Iterator[list[int]]) -> list[int]:
    """The labels of the last round (the rounds always yield at least round 0)."""
    return deque(rounds, maxlen=1)[0]


class ReferenceTransit:
    """Earliest-arrival / latest-departure transit search over one service date.

    Parameters
    ----------
    tt
        The compiled timetable.
    date
        The service date; query times are seconds since its midnight.
    footpaths
        Directed walking transfers ``(from_stop, to_stop, duration_s)`` with stop indices
        into ``tt`` and ``duration_s >= 0``. Duplicates keep the shortest duration.
    wheelchair
        Restrict to wheelchair-accessible trips (``trip_wheelchair == 1``) and to boarding
        and alighting at accessible stops (``stop_wheelchair == 1``).
    prev_day
        Also use the trips of ``date - 1 day``, their times shifted by -86 400 s.

    Raises
    ------
    ValueError
        On a footpath with a bad stop index or a negative duration, or on a trip whose
        times decrease along its stops (the timetable compiler never produces those).
    """

    def __init__(self, tt: Timetable, date: dt.date, footpaths: Iterable[Sequence[int]] = (),
                 *, wheelchair: bool = False, prev_day: bool = True) -> None:
        self.n_stops: int = tt.n_stops
        self.date = date
        self.wheelchair = wheelchair
        self.prev_day = prev_day

        # footpaths, shortest duration per (from, to) pair
        shortest: dict[tuple[int, int], int] = {}
        for a, b, d in footpaths:
            a, b, d = int(a), int(b), int(d)
            if not (0 <= a < self.n_stops and 0 <= b < self.n_stops):
                raise ValueError(f"footpath {(a, b, d)}: stop index out of range")
            if d < 0:
                raise ValueError(f"footpath {(a, b, d)}: negative duration")
            if (a, b) not in shortest or d < shortest[a, b]:
                shortest[a, b] = d
        #: walks_from[s] = [(to_stop, duration)], walks_to[s] = [(from_stop, duration)]
        self.walks_from: list[list[tuple[int, int]]] = [[] for _ in range(self.n_stops)]
        self.walks_to: list[list[tuple[int, int]]] = [[] for _ in range(self.n_stops)]
        for (a, b), d in sorted(shortest.items()):
            self.walks_from[a].append((b, d))
            self.walks_to[b].append((a, d))

        # trip instances, as tuples of stop times
        trips = self._trip_instances(tt, date, wheelchair, prev_day)
        #: number of trip instances (after dropping those that cannot carry anyone)
        self.n_trip_instances: int = len(trips)

        # forward pruning: sorted by the latest departure at which one can board
        def last_board(trip: tuple[StopTime, ...]) -> int:
            return max(dep for _, _, dep, can_board, _ in trip if can_board)

        def first_alight(trip: tuple[StopTime, ...]) -> int:
            return min(arr for _, arr, _, _, can_alight in trip if can_alight)

        fwd = sorted(trips, key=last_board)
        self._fwd_trips: list[tuple[StopTime, ...]] = fwd
        self._fwd_keys: list[int] = [last_board(t) for t in fwd]
        # backward pruning: sorted by the earliest arrival at which one can alight; the stop
        # times are stored reversed, the order in which the backward scan visits them
        bwd = sorted(trips, key=first_alight)
        self._bwd_trips: list[tuple[StopTime, ...]] = [tuple(reversed(t)) for t in bwd]
        self._bwd_keys: list[int] = [first_alight(t) for t in bwd]

    @staticmethod
    def _trip_instances(tt: Timetable, date: dt.date, wheelchair: bool,
                        prev_day: bool) -> list[tuple[StopTime, ...]]:
        """All trip instances of ``date`` (and shifted ones of the day before)."""
        offset = tt.stop_time_offset.tolist()
        pattern = tt.trip_pattern.tolist()
        pattern_offset = tt.pattern_stop_offset.tolist()
        pattern_stops = tt.pattern_stops.tolist()
        arrival = tt.arrival.tolist()
        departure = tt.departure.tolist()
        pickup = tt.pickup_type.tolist()
        drop_off = tt.drop_off_type.tolist()
        stop_ok = (tt.stop_wheelchair == 1).tolist()
        trip_ok = (tt.trip_wheelchair == 1).tolist()

        days = [(date, 0)]
        if prev_day:
            days.append((date - dt.timedelta(days=1), -86_400))
        instances: list[tuple[StopTime, ...]] = []
        for day, shift in days:
            for t in np.flatnonzero(tt.active_trips(day)).tolist():
                if wheelchair and not trip_ok[t]:
                    continue
                first, end = offset[t], offset[t + 1]
                p0 = pattern_offset[pattern[t]]
                stop_times: list[StopTime] = []
                for j, i in enumerate(range(first, end)):
                    stop = pattern_stops[p0 + j]
                    accessible = stop_ok[stop] or not wheelchair
                    stop_times.append((stop, arrival[i] + shift, departure[i] + shift,
                                       pickup[i] != NOT_AVAILABLE and accessible,
                                       drop_off[i] != NOT_AVAILABLE and accessible))
                for j, (_, arr, dep, _, _) in enumerate(stop_times):
                    nxt = stop_times[j + 1][1] if j + 1 < len(stop_times) else dep
                    if not arr <= dep <= nxt:
                        raise ValueError(f"trip {tt.trip_id[t]!r}: times decrease at stop "
                                         f"time {j}")
                # a trip instance is useful only if one can board and later alight
                boards = [j for j, st in enumerate(stop_times) if st[3]]
                if boards and any(st[4] for st in stop_times[boards[0] + 1:]):
                    instances.append(tuple(stop_times))
        return instances

    # -- checks ----------------------------------------------------------------------------
    def _check_stop(self, stop: int) -> int:
        stop = int(stop)
        if not 0 <= stop < self.n_stops:
            raise ValueError(f"stop index {stop} out of range 0..{self.n_stops - 1}")
        return stop

    @staticmethod
    def _max_trips(max_transfers: int | None) -> int | None:
        if max_transfers is None:
            return None
        if max_transfers < 0:
            raise ValueError(f"max_transfers must be >= 0, not {max_transfers}")
        return max_transfers + 1

    # -- forward ---------------------------------------------------------------------------
    def _forward_rounds(self, source: int, depart: int,
                        max_trips: int | None) -> Iterator[list[int]]:
        """Yield ``board[0]``, ``board[1]``, ... (see the module docstring).

        ``board[k][s]`` is the earliest time at stop ``s`` using at most ``k`` trips, or
        ``_LATE``. Stops after ``board[max_trips]``, or as soon as a round changes nothing
        (then every later round would be the same).
        """
        board = [_LATE] * self.n_stops
        board[source] = depart
        for s2, d in self.walks_from[source]:  # the one footpath allowed at the start
            board[s2] = min(board[s2], depart + d)
        yield board

        # every label is >= depart, so a trip whose last boarding is earlier is useless
        trips = self._fwd_trips[bisect.bisect_left(self._fwd_keys, depart):]
        k = 0
        while max_trips is None or k < max_trips:
            k += 1
            prev = board
            ride = [_LATE] * self.n_stops  # arrival by the k-th trip
            for trip in trips:
                on_board = False
                for stop, arr, dep, can_board, can_alight in trip:
                    if on_board:
                        if can_alight and arr < ride[stop]:
                            ride[stop] = arr
                    elif can_board and prev[stop] <= dep:
                        on_board = True  # from here on the trip is reached
            board = list(prev)
            for s in range(self.n_stops):
                t = ride[s]
                if t == _LATE:
                    continue
                board[s] = min(board[s], t)
                for s2, d in self.walks_from[s]:  # one footpath after the trip
                    board[s2] = min(board[s2], t + d)
            if board == prev:
                return
            yield board

    def earliest_arrival(self, source: int, depart: int,
                         max_transfers: int | None = None) -> dict[int, int]:
        """Earliest arrival time at every stop reachable from ``source``.

        Parameters
        ----------
        source
            Stop index to start from.
        depart
            Time (seconds since midnight of the service date) at the source.
        max_transfers
            If given, use at most ``max_transfers + 1`` trips; None for no limit.

        Returns
        -------
        dict[int, int]
            ``{stop: earliest arrival}`` for every reachable stop; ``source`` maps to
            ``depart``. Stops reached by a footpath (from the source, or after a trip) are
            included with the time the walk ends.
        """
        source = self._check_stop(source)
        board = _last(self._forward_rounds(source, int(depart), self._max_trips(max_transfers)))
        return {s: t for s, t in enumerate(board) if t != _LATE}

    def pareto(self, source: int, depart: int, target: int,
               max_transfers: int = 8) -> list[tuple[int, int]]:
        """The Pareto set of ``(arrival, transfers)`` at ``target``.

        For ``k = 0 .. max_transfers`` the earliest arrival using at most ``k + 1`` trips,
        kept only where it is strictly earlier than with fewer transfers. A walk-only journey
        (or ``target == source``) counts as ``k = 0``.

        Returns
        -------
        list[tuple[int, int]]
            ``[(arrival, transfers), ...]`` sorted by transfers (so by decreasing arrival);
            empty if ``target`` cannot be reached.
        """
        source, target = self._check_stop(source), self._check_stop(target)
        max_trips = self._max_trips(max_transfers)
        assert max_trips is not None
        result: list[tuple[int, int]] = []
        best = _LATE
        for k, board in enumerate(self._forward_rounds(source, int(depart), max_trips)):
            transfers = max(k - 1, 0)  # round 0 (walking only) belongs to "at most 1 trip"
            if board[target] < best:
                best = board[target]
                if result and result[-1][1] == transfers:  # round 0 improved by round 1
                    result[-1] = (best, transfers)
                else:
                    result.append((best, transfers))
        return result

    # -- backward --------------------------------------------------------------------------
    def _backward_rounds(self, target: int, arrive_by: int,
                         max_trips: int | None) -> Iterator[list[int]]:
        """Yield ``leave[0]``, ``leave[1]``, ... (the mirror image of ``_forward_rounds``).

        ``leave[k][s]`` is the latest time one may be at stop ``s`` -- having just arrived
        there by a trip, or starting there -- and still reach ``target`` by ``arrive_by`` with
        at most ``k`` more trips (walking at most one footpath before each trip and one
        into the target), or ``_EARLY``.
        """
        leave = [_EARLY] * self.n_stops
        leave[target] = arrive_by
        for s0, d in self.walks_to[target]:  # the one footpath allowed at the end
            leave[s0] = max(leave[s0], arrive_by - d)
        yield leave

        # every label is <= arrive_by, so a trip whose first alighting is later is useless
        trips = self._bwd_trips[:bisect.bisect_right(self._bwd_keys, arrive_by)]
        k = 0
        while max_trips is None or k < max_trips:
            k += 1
            prev = leave
            ride = [_EARLY] * self.n_stops  # latest boarding of the k-th-from-last trip
            for trip in trips:  # stop times in reverse order
                on_board = False
                for stop, arr, dep, can_board, can_alight in trip:
                    if on_board:
                        if can_board and dep > ride[stop]:
                            ride[stop] = dep
                    elif can_alight and arr <= prev[stop]:
                        on_board = True  # alighting here is in time: the trip is reached
            leave = list(prev)
            for s in range(self.n_stops):
                t = ride[s]
                if t == _EARLY:
                    continue
                leave[s] = max(leave[s], t)
                for s0, d in self.walks_to[s]:  # one footpath before boarding
                    leave[s0] = max(leave[s0], t - d)
            if leave == prev:
                return
            yield leave

    def latest_departure(self, source: int, target: int, arrive_by: int,
                         max_transfers: int | None = None) -> int | None:
        """The latest time one can be at ``source`` and still reach ``target`` by ``arrive_by``.

        Computed by a backward scan, independently of :meth:`earliest_arrival`.

        Parameters
        ----------
        source, target
            Stop indices.
        arrive_by
            Deadline at the target (seconds since midnight of the service date).
        max_transfers
            If given, use at most ``max_transfers + 1`` trips; None for no limit.

        Returns
        -------
        int or None
            The latest departure time (``arrive_by`` itself if ``source == target``;
            ``arrive_by - d`` for a direct footpath of ``d`` seconds, if nothing later
            works), or None if ``target`` cannot be reached in time at all.
        """
        source, target = self._check_stop(source), self._check_stop(target)
        leave = _last(self._backward_rounds(target, int(arrive_by),
                                            self._max_trips(max_transfers)))
        return None if leave[source] == _EARLY else leave[source]
