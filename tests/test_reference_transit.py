"""Self-checks of the reference transit search (tests/reference_transit.py).

The tiny feed (tests/fixtures/gtfs_tiny) on Tuesday 2024-01-02 runs three trips over the stops
S1 -> S2 -> S3 -> S4 (stop indices 0..3):

====  ==========  =====  =====  =============  =====  ==================================
trip  wheelchair  S1     S2     S3             S4     stop-time flags
====  ==========  =====  =====  =============  =====  ==================================
T1    1 (yes)     08:00  08:02  08:08          08:10  no drop-off at S1, no pickup at S4
T2    2 (no)      08:30  08:50  09:00          09:10
T3    0           08:40  08:45  interpolated   25:00
====  ==========  =====  =====  =============  =====  ==================================

Stops S1 and S3 are wheelchair accessible, S2 unknown, S4 not. T3 overtakes T2 between S1
and S2, so leaving S1 at 08:40 on T3 and changing to T2 at S2 reaches S4 at 09:10. Monday
2024-01-01 has no service (calendar_dates), so Tuesday has no previous-day trips.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from pathlib import Path

import numpy as np
import pytest

from feeds import compile_timetable, read_gtfs
from mobility.region import Region
from routing import Timetable
from tests.reference_transit import ReferenceTransit

S1, S2, S3, S4 = 0, 1, 2, 3
TUE = dt.date(2024, 1, 2)
WED = dt.date(2024, 1, 3)


def hms(h: int, m: int, s: int = 0) -> int:
    return h * 3600 + m * 60 + s


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _time_at(tt: Timetable, trip: str, j: int) -> int:
    t = list(tt.trip_id).index(trip)
    return int(tt.arrival[tt.stop_time_offset[t] + j])


@pytest.fixture()
def tt(tiny_gtfs: Path) -> Timetable:
    timetable = compile_timetable(read_gtfs(tiny_gtfs))
    assert timetable.stop_id.tolist() == ["S1", "S2", "S3", "S4"]
    return timetable


@pytest.fixture()
def t3_at_s3(tt: Timetable) -> int:
    """T3's interpolated time at S3 (worked out in test_timetable_tiny.py)."""
    return _time_at(tt, "T3", 2)


# -- earliest arrival on the tiny feed --------------------------------------------------------
def test_direct_trips(tt: Timetable) -> None:
    ref = ReferenceTransit(tt, TUE, [])
    assert ref.earliest_arrival(S1, hms(8, 0)) == {
        S1: hms(8, 0), S2: hms(8, 2), S3: hms(8, 8), S4: hms(8, 10)}
    # one second late for T1: T3 is first at S2, T2 first at S3 and S4
    assert ref.earliest_arrival(S1, hms(8, 0, 1)) == {
        S1: hms(8, 0, 1), S2: hms(8, 45), S3: hms(9, 0), S4: hms(9, 10)}
    # nothing runs backwards, nothing leaves S4 (T1 has no pickup there anyway)
    assert ref.earliest_arrival(S4, 0) == {S4: 0}
    # after the last departure
    assert ref.earliest_arrival(S1, hms(9, 0)) == {S1: hms(9, 0)}


def test_max_transfers_and_pareto(tt: Timetable, t3_at_s3: int) -> None:
    ref = ReferenceTransit(tt, TUE, [])
    # at 08:35 only T3 is left at S1; T3 -> T2 at S2 (08:45 -> 08:50) is much faster
    direct = {S1: hms(8, 35), S2: hms(8, 45), S3: t3_at_s3, S4: hms(25, 0)}
    one_change = {S1: hms(8, 35), S2: hms(8, 45), S3: hms(9, 0), S4: hms(9, 10)}
    assert ref.earliest_arrival(S1, hms(8, 35), max_transfers=0) == direct
    assert ref.earliest_arrival(S1, hms(8, 35), max_transfers=1) == one_change
    assert ref.earliest_arrival(S1, hms(8, 35)) == one_change
    assert ref.pareto(S1, hms(8, 35), S4) == [(hms(25, 0), 0), (hms(9, 10), 1)]
    assert ref.pareto(S1, hms(8, 35), S4, max_transfers=0) == [(hms(25, 0), 0)]
    assert ref.pareto(S1, hms(8, 0), S4) == [(hms(8, 10), 0)]
    assert ref.pareto(S1, hms(8, 0), S1) == [(hms(8, 0), 0)]
    assert ref.pareto(S1, hms(9, 0), S4) == []
    with pytest.raises(ValueError):
        ref.earliest_arrival(S1, 0, max_transfers=-1)


def test_pickup_and_drop_off_restrictions(tiny_gtfs: Path, t3_at_s3: int) -> None:
    # T1's own restrictions are at its terminals (no-ops); add two in mid-trip:
    # T1 no drop-off at S3, T2 no pickup at S2
    _replace(tiny_gtfs / "stop_times.txt", "T1,,,S3,3,400,0,0", "T1,,,S3,3,400,0,1")
    _replace(tiny_gtfs / "stop_times.txt", "T2,08:50:00,08:50:00,S2,2,,0,0",
             "T2,08:50:00,08:50:00,S2,2,,1,0")
    ref = ReferenceTransit(compile_timetable(read_gtfs(tiny_gtfs)), TUE, [])
    # T1 passes S3 without letting anyone off: S3 only by T2 from S1 (not from S2!)
    assert ref.earliest_arrival(S1, hms(8, 0)) == {
        S1: hms(8, 0), S2: hms(8, 2), S3: hms(9, 0), S4: hms(8, 10)}
    # from S2 at 08:20 T2 cannot be boarded, only T3
    assert ref.earliest_arrival(S2, hms(8, 20)) == {
        S2: hms(8, 20), S3: t3_at_s3, S4: hms(25, 0)}
    assert ref.latest_departure(S1, S3, hms(8, 30)) is None  # T1 would be 08:08
    assert ref.latest_departure(S2, S4, hms(24, 0)) == hms(8, 2)  # T1; T2 not boardable
    # T3 -> T2 at S2 needs an alighting from T3 and a boarding of T2 at S2: the latter is gone
    assert ref.latest_departure(S1, S4, hms(9, 10)) == hms(8, 30)


def test_footpaths_after_a_trip(tt: Timetable) -> None:
    t = hms(8, 0)
    # T1 reaches S3 at 08:08, a 60 s walk beats its 08:10 at S4; a 120 s walk ties
    assert ReferenceTransit(tt, TUE, [(S3, S4, 60)]).earliest_arrival(S1, t)[S4] == hms(8, 9)
    assert ReferenceTransit(tt, TUE, [(S3, S4, 120)]).earliest_arrival(S1, t)[S4] == hms(8, 10)
    # footpaths are directed
    assert ReferenceTransit(tt, TUE, [(S4, S3, 60)]).earliest_arrival(S1, t)[S4] == hms(8, 10)
    # no two footpaths in a row: S2 (08:02) -> S3 on foot at 08:02:10, but not on to S4
    ref = ReferenceTransit(tt, TUE, [(S2, S3, 10), (S3, S4, 10)])
    assert ref.earliest_arrival(S1, t) == {
        S1: t, S2: hms(8, 2), S3: hms(8, 2, 10), S4: hms(8, 8, 10)}
    # duplicates keep the shortest walk; bad footpaths are refused
    ref = ReferenceTransit(tt, TUE, [(S3, S4, 300), (S3, S4, 60)])
    assert ref.earliest_arrival(S1, t)[S4] == hms(8, 9)
    with pytest.raises(ValueError):
        ReferenceTransit(tt, TUE, [(S3, S4, -1)])
    with pytest.raises(ValueError):
        ReferenceTransit(tt, TUE, [(S3, 4, 10)])


def test_footpath_at_the_origin(tt: Timetable) -> None:
    # walk S4 -> S1 (2 min) at 07:58 and catch T1
    ref = ReferenceTransit(tt, TUE, [(S4, S1, 120)])
    assert ref.earliest_arrival(S4, hms(7, 58)) == {
        S4: hms(7, 58), S1: hms(8, 0), S2: hms(8, 2), S3: hms(8, 8)}
    assert ref.earliest_arrival(S4, hms(7, 58, 1))[S2] == hms(8, 45)  # T1 missed by 1 s
    # no two footpaths in a row at the origin either: S4 -> S3 -> S2 is not allowed
    ref = ReferenceTransit(tt, TUE, [(S4, S3, 60), (S3, S2, 60)])
    assert ref.earliest_arrival(S4, hms(8, 0)) == {S4: hms(8, 0), S3: hms(8, 1)}
    assert ref.latest_departure(S4, S2, hms(23, 0)) is None
    assert ref.latest_departure(S4, S3, hms(23, 0)) == hms(22, 59)  # walk only


def test_wheelchair(tt: Timetable) -> None:
    ref = ReferenceTransit(tt, TUE, [], wheelchair=True)
    # only T1 is accessible; of its stops only S1 and S3 are
    assert ref.earliest_arrival(S1, hms(8, 0)) == {S1: hms(8, 0), S3: hms(8, 8)}
    assert ref.earliest_arrival(S1, hms(8, 0, 1)) == {S1: hms(8, 0, 1)}  # T2 not accessible
    assert ref.latest_departure(S1, S3, hms(10, 0)) == hms(8, 0)
    assert ref.latest_departure(S1, S2, hms(10, 0)) is None
    # footpaths are used as given
    ref = ReferenceTransit(tt, TUE, [(S3, S4, 120)], wheelchair=True)
    assert ref.earliest_arrival(S1, hms(8, 0))[S4] == hms(8, 10)


def test_previous_day_trips(tiny_gtfs: Path) -> None:
    # T4 runs on weekdays at 24:30 from S1 to S2 (24:40), i.e. 00:30 the next morning
    with (tiny_gtfs / "trips.txt").open("a", encoding="utf-8") as f:
        f.write("R1,WK,T4,Night,1\n")
    with (tiny_gtfs / "stop_times.txt").open("a", encoding="utf-8") as f:
        f.write("T4,24:30:00,24:30:00,S1,1,,0,0\nT4,24:40:00,24:40:00,S2,2,,0,0\n")
    tt = compile_timetable(read_gtfs(tiny_gtfs))
    # Wednesday 00:20: Tuesday's T4 leaves S1 at 00:30 (= 24:30 - 24 h)
    assert ReferenceTransit(tt, WED, []).earliest_arrival(S1, hms(0, 20))[S2] == hms(0, 40)
    assert ReferenceTransit(tt, WED, []).latest_departure(S1, S2, hms(0, 50)) == hms(0, 30)
    # ... not without prev_day: then the first arrival is T1's at 08:02
    no_prev = ReferenceTransit(tt, WED, [], prev_day=False)
    assert no_prev.earliest_arrival(S1, hms(0, 20))[S2] == hms(8, 2)
    assert no_prev.latest_departure(S1, S2, hms(0, 50)) is None
    # Monday has no service, so on Tuesday there is no 00:30 trip
    assert ReferenceTransit(tt, TUE, []).earliest_arrival(S1, hms(0, 20))[S2] == hms(8, 2)
    assert ReferenceTransit(tt, TUE, []).latest_departure(S1, S2, hms(0, 50)) is None
    # today's own T4 still runs at 24:30
    assert ReferenceTransit(tt, WED, []).earliest_arrival(S1, hms(20, 0))[S2] == hms(24, 40)


# -- latest departure on the tiny feed --------------------------------------------------------
def test_latest_departure(tt: Timetable) -> None:
    ref = ReferenceTransit(tt, TUE, [])
    assert ref.latest_departure(S1, S4, hms(9, 10)) == hms(8, 40)  # T3, change to T2 at S2
    assert ref.latest_departure(S1, S4, hms(9, 10), max_transfers=0) == hms(8, 30)  # T2
    assert ref.latest_departure(S1, S4, hms(9, 9, 59)) == hms(8, 0)  # T1
    assert ref.latest_departure(S1, S4, hms(8, 9, 59)) is None
    assert ref.latest_departure(S1, S1, hms(5, 0)) == hms(5, 0)
    assert ref.latest_departure(S4, S1, hms(23, 0)) is None
    # a 60 s walk S3 -> S4 after T3 + T2 (S3 at 09:00)
    ref = ReferenceTransit(tt, TUE, [(S3, S4, 60)])
    assert ref.latest_departure(S1, S4, hms(9, 1)) == hms(8, 40)
    assert ref.latest_departure(S1, S4, hms(9, 0, 59)) == hms(8, 0)
    assert ref.latest_departure(S3, S4, hms(9, 1)) == hms(9, 0)  # just walk
    # walk S4 -> S1 first, then T1 to S3
    ref = ReferenceTransit(tt, TUE, [(S4, S1, 120)])
    assert ref.latest_departure(S4, S3, hms(8, 8)) == hms(7, 58)


def test_latest_departure_matches_earliest_arrival_on_tiny_feed(tt: Timetable) -> None:
    footpaths = [(S3, S4, 60), (S4, S1, 120), (S2, S3, 30)]
    for wheelchair in (False, True):
        ref = ReferenceTransit(tt, TUE, footpaths, wheelchair=wheelchair)
        for source in range(4):
            for depart in range(hms(7, 50), hms(9, 20), 60):
                for k in (0, 1, None):
                    _check_both_directions(ref, source, depart, k)


def _check_both_directions(ref: ReferenceTransit, source: int, depart: int,
                           max_transfers: int | None) -> None:
    """Arriving at the earliest time from ``depart`` one can leave no earlier than
    ``depart``, and leaving at that latest time one arrives at that same earliest time."""
    arrival = ref.earliest_arrival(source, depart, max_transfers)
    assert arrival[source] == depart
    for target, arrive_by in arrival.items():
        latest = ref.latest_departure(source, target, arrive_by, max_transfers)
        assert latest is not None and latest >= depart, (source, depart, target)
        # <= by the backward search's journey, >= since leaving later cannot arrive earlier
        assert ref.earliest_arrival(source, latest, max_transfers)[target] == arrive_by
        if latest > depart or target == source:
            continue
        # tight at ``depart``: one second less must be too late (unless reached on foot)
        if arrive_by - 1 >= depart:
            earlier = ref.latest_departure(source, target, arrive_by - 1, max_transfers)
            assert earlier is None or earlier < depart


# -- real data ------------------------------------------------------------------------------
def walking_footpaths(tt: Timetable, radius_m: float = 400.0,
                      speed_m_s: float = 1.2) -> list[tuple[int, int, int]]:
    """Both directions between every pair of distinct stops within ``radius_m`` (straight
    line, equirectangular), at ``speed_m_s``."""
    lat, lon = np.radians(tt.stop_lat), np.radians(tt.stop_lon)
    x = 6_371_008.8 * lon * np.cos(lat.mean())
    y = 6_371_008.8 * lat
    dist = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    a, b = np.nonzero((dist <= radius_m) & ~np.eye(len(x), dtype=bool))
    return [(int(i), int(j), round(float(dist[i, j]) / speed_m_s))
            for i, j in zip(a, b, strict=True)]


def _served_stops(tt: Timetable, date: dt.date) -> list[int]:
    """Stops with at least one stop time of a trip running on ``date``."""
    off = tt.stop_time_offset
    stops: set[int] = set()
    for t in np.flatnonzero(tt.active_trips(date)):
        p = tt.trip_pattern[t]
        n = off[t + 1] - off[t]
        first = tt.pattern_stop_offset[p]
        stops.update(tt.pattern_stops[first:first + n].tolist())
    return sorted(stops)


ADDISON_DATE = dt.date(2016, 3, 3)


@pytest.fixture(scope="module")
def addison_ref(addison: Region) -> ReferenceTransit:
    tt = addison.timetable
    return ReferenceTransit(tt, ADDISON_DATE, walking_footpaths(tt))


def _addison_queries(addison: Region, n: int = 30) -> list[tuple[int, int]]:
    rng = random.Random(1)
    served = _served_stops(addison.timetable, ADDISON_DATE)
    return [(rng.choice(served), rng.randrange(hms(5, 0), hms(22, 0))) for _ in range(n)]


def test_directions_agree_on_addison(addison: Region, addison_ref: ReferenceTransit) -> None:
    queries = _addison_queries(addison)
    reached = 0
    for source, depart in queries:
        arrival = addison_ref.earliest_arrival(source, depart)
        reached += len(arrival) - 1
        again: dict[int, dict[int, int]] = {}
        for target, arrive_by in arrival.items():
            latest = addison_ref.latest_departure(source, target, arrive_by)
            assert latest is not None and latest >= depart, (source, depart, target)
            if latest not in again:
                again[latest] = addison_ref.earliest_arrival(source, latest)
            assert again[latest][target] <= arrive_by, (source, depart, target, latest)
            assert again[latest][target] == arrive_by  # leaving later never arrives earlier
    assert reached > 100  # the queries do go somewhere


def dijkstra_earliest(tt: Timetable, date: dt.date, footpaths: list[tuple[int, int, int]],
                      source: int, depart: int) -> dict[int, int]:
    """A third, independent method: time-dependent Dijkstra over (stop, walked) states,
    riding every boardable trip to every later allowed stop (no transfer limit)."""
    boardings: dict[int, list[tuple[int, list[tuple[int, int, bool]]]]] = {}
    for day, shift in ((date, 0), (date - dt.timedelta(days=1), -86_400)):
        for t in np.flatnonzero(tt.active_trips(day)).tolist():
            a, b = int(tt.stop_time_offset[t]), int(tt.stop_time_offset[t + 1])
            p0 = int(tt.pattern_stop_offset[tt.trip_pattern[t]])
            stops = tt.pattern_stops[p0:p0 + b - a].tolist()
            alight = [(stops[j], int(tt.arrival[a + j]) + shift, tt.drop_off_type[a + j] != 1)
                      for j in range(b - a)]
            for j in range(b - a):
                if tt.pickup_type[a + j] != 1:
                    boardings.setdefault(stops[j], []).append(
                        (int(tt.departure[a + j]) + shift, alight[j + 1:]))
    walks: dict[int, list[tuple[int, int]]] = {}
    for a, b, d in footpaths:
        walks.setdefault(a, []).append((b, d))
    best: dict[tuple[int, bool], int] = {}
    heap = [(depart, source, False)]
    while heap:
        t, s, walked = heapq.heappop(heap)
        if (s, walked) in best:
            continue
        best[s, walked] = t
        if not walked:
            for s2, d in walks.get(s, ()):
                heapq.heappush(heap, (t + d, s2, True))
        for dep, rest in boardings.get(s, ()):
            if dep >= t:
                for s2, arr, ok in rest:
                    if ok and (s2, False) not in best:
                        heapq.heappush(heap, (arr, s2, False))
    out: dict[int, int] = {}
    for (s, _), t in best.items():
        if s not in out or t < out[s]:
            out[s] = t
    return out


def test_matches_dijkstra_on_addison(addison: Region, addison_ref: ReferenceTransit) -> None:
    tt = addison.timetable
    footpaths = walking_footpaths(tt)
    for source, depart in _addison_queries(addison):
        assert addison_ref.earliest_arrival(source, depart) == dijkstra_earliest(
            tt, ADDISON_DATE, footpaths, source, depart), (source, depart)
