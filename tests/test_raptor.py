"""RAPTOR against the independent reference search (tests/reference_transit.py) on both real
regions: earliest arrival at every stop, Pareto sets, latest departures, journeys."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from feeds import compile_timetable, read_gtfs
from mobility.region import Region
from routing import ServiceDateError
from routing._raptor import INF_T
from routing.raptor import RideLeg, TransitRouter, WalkLeg
from routing.transfers import Transfers
from tests.reference_transit import ReferenceTransit

DATES = {"addison": dt.date(2016, 3, 3), "rhein_neckar": dt.date(2016, 11, 4)}


def _footpaths(x: Transfers) -> list[tuple[int, int, int]]:
    f, t, d = x.pairs()
    return list(zip(f.tolist(), t.tolist(), d.tolist(), strict=True))


@pytest.fixture(scope="module")
def setups(addison: Region, rhein_neckar: Region) -> dict:
    out = {}
    for name, region in (("addison", addison), ("rhein_neckar", rhein_neckar)):
        assert region.transfers is not None
        out[name] = (region, TransitRouter(region.timetable, region.transfers,
                                           region.transfers_stepfree),
                     ReferenceTransit(region.timetable, DATES[name],
                                      _footpaths(region.transfers)))
    return out


def _queries(region: Region, n: int, seed: int) -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(seed)
    served = np.unique(region.timetable.pattern_stops)
    return [(int(rng.choice(served)), int(rng.choice(served)),
             int(rng.integers(6 * 3600, 20 * 3600))) for _ in range(n)]


@pytest.mark.parametrize("name", ["addison", pytest.param("rhein_neckar", marks=pytest.mark.slow)])
def test_earliest_arrival_everywhere_equals_reference(name: str, setups: dict) -> None:
    """Random queries (1,000 on addison-vt, 400 on rhein-neckar, where the plain reference
    takes a third of a second each); every stop's earliest arrival must agree (100 %)."""
    region, router, ref = setups[name]
    agree = 0
    n = 1000 if name == "addison" else 400
    for src, _, dep in _queries(region, n, seed=1):
        got = router.earliest_arrival(DATES[name], src, dep)
        want = ref.earliest_arrival(src, dep)
        got_d = {int(s): int(t) for s, t in enumerate(got) if t < INF_T}
        assert got_d == want, (src, dep)
        agree += 1
    assert agree == n


@pytest.mark.parametrize("name", ["addison", pytest.param("rhein_neckar", marks=pytest.mark.slow)])
def test_pareto_sets_equal_reference_and_are_non_dominated(name: str, setups: dict) -> None:
    region, router, ref = setups[name]
    nonempty = 0
    for src, dst, dep in _queries(region, 200, seed=2):
        got = router.pareto(DATES[name], src, dst, dep)
        assert got == ref.pareto(src, dep, dst), (src, dst, dep)
        for (a1, k1), (a2, k2) in zip(got[:-1], got[1:], strict=True):
            assert k1 < k2 and a1 > a2  # more transfers only when strictly earlier
        nonempty += bool(got)
    assert nonempty > 100


@pytest.mark.parametrize("name", ["addison", pytest.param("rhein_neckar", marks=pytest.mark.slow)])
def test_arrive_by_consistent_with_forward(name: str, setups: dict) -> None:
    region, router, ref = setups[name]
    date = DATES[name]
    checked = 0
    n = 150 if name == "addison" else 90
    for src, dst, dep in _queries(region, n, seed=3):
        front = router.pareto(date, src, dst, dep)
        if not front:
            continue
        arrive_by = front[-1][0]
        latest = router.latest_departure(date, src, dst, arrive_by)
        assert latest == ref.latest_departure(src, dst, arrive_by)
        assert latest is not None and latest >= dep
        # leaving at the latest departure still arrives in time
        assert router.earliest_arrival(date, src, latest)[dst] <= arrive_by
        # ... and the reverse search's journey is real, in time order, within the window
        res = router.search(date, [(dst, arrive_by)], reverse=True, targets=[(src, 0)])
        legs = router.journey(res, res.rounds, src)
        _check_legs(router, legs, src, dst, latest, arrive_by)
        checked += 1
    assert checked > n // 3


def _check_legs(router: TransitRouter, legs: list, src: int, dst: int, t0: int,
                t_end: int) -> None:
    tt = router.tt
    at, t = src, t0
    for leg in legs:
        if isinstance(leg, RideLeg):
            assert leg.board_stop == at and leg.departure >= t
            k = leg.trip
            a = tt.stop_time_offset[k]
            stops = tt.pattern_stops[tt.pattern_stop_offset[tt.trip_pattern[k]]:
                                     tt.pattern_stop_offset[tt.trip_pattern[k] + 1]]
            assert stops[leg.board_index] == leg.board_stop
            assert stops[leg.alight_index] == leg.alight_stop
            assert leg.board_index < leg.alight_index
            # times are the timetable's, possibly from yesterday's service (-24 h)
            assert (tt.departure[a + leg.board_index] - leg.departure) in (0, 86400)
            assert tt.pickup_type[a + leg.board_index] != 1
            assert tt.drop_off_type[a + leg.alight_index] != 1
            at = leg.alight_stop
        else:
            assert isinstance(leg, WalkLeg) and leg.from_stop == at and leg.departure >= t
            at = leg.to_stop
        t = leg.arrival
    assert at == dst and t <= t_end


@pytest.mark.parametrize("name", ["addison", "rhein_neckar"])
def test_journeys_match_labels(name: str, setups: dict) -> None:
    region, router, _ = setups[name]
    date = DATES[name]
    for src, dst, dep in _queries(region, 150, seed=4):
        res = router.search(date, [(src, dep)], targets=[(dst, 0)])
        best = res.best()
        for k in range(1, res.rounds + 1):
            if best[k, dst] >= INF_T or (k > 1 and best[k, dst] == best[k - 1, dst]):
                continue
            legs = router.journey(res, k, dst)
            assert sum(isinstance(leg, RideLeg) for leg in legs) <= k
            _check_legs(router, legs, src, dst, dep, int(best[k, dst]))
            assert legs[-1].arrival == best[k, dst]


def test_wheelchair_uses_only_accessible_trips_and_stops(setups: dict) -> None:
    """The real feeds publish no accessibility data; mark a random half accessible and
    compare with the reference's wheelchair mode (step-free transfers)."""
    region, _, _ = setups["rhein_neckar"]
    rng = np.random.default_rng(9)
    tt = dataclasses.replace(
        region.timetable,
        trip_wheelchair=rng.choice([0, 1, 2], region.timetable.n_trips).astype(np.int8),
        stop_wheelchair=rng.choice([1, 1, 2], region.timetable.n_stops).astype(np.int8))
    assert region.transfers_stepfree is not None
    router = TransitRouter(tt, region.transfers, region.transfers_stepfree)
    ref = ReferenceTransit(tt, DATES["rhein_neckar"], _footpaths(region.transfers_stepfree),
                           wheelchair=True)
    date = DATES["rhein_neckar"]
    used = 0
    for src, dst, dep in _queries(region, 150, seed=5):
        if tt.stop_wheelchair[src] != 1:
            continue
        got = router.earliest_arrival(date, src, dep, wheelchair=True)
        want = ref.earliest_arrival(src, dep)
        assert {int(s): int(t) for s, t in enumerate(got) if t < INF_T} == want
        res = router.search(date, [(src, dep)], wheelchair=True)
        best = res.best()
        if best[-1, dst] < INF_T and dst != src:
            for leg in router.journey(res, res.rounds, dst):
                if isinstance(leg, RideLeg):
                    used += 1
                    assert tt.trip_wheelchair[leg.trip] == 1
                    assert tt.stop_wheelchair[leg.board_stop] == 1
                    assert tt.stop_wheelchair[leg.alight_stop] == 1
    assert used > 20


def test_previous_day_trips_after_midnight(tiny_gtfs: Path) -> None:
    """A trip of Tuesday's service running at 24:30 is caught early on Wednesday."""
    with (tiny_gtfs / "trips.txt").open("a") as f:
        f.write("R1,WK,T4,East End,1\n")
    with (tiny_gtfs / "stop_times.txt").open("a") as f:
        f.write("T4,24:30:00,24:30:00,S1,1,,0,0\nT4,24:40:00,24:40:00,S2,2,,0,0\n")
    tt = compile_timetable(read_gtfs(tiny_gtfs))
    s1, s2 = list(tt.stop_id).index("S1"), list(tt.stop_id).index("S2")
    none = Transfers(np.zeros(tt.n_stops + 1, np.int64), np.zeros(0, np.int32),
                     np.zeros(0, np.int32), np.zeros(tt.n_stops, np.int32))
    router = TransitRouter(tt, none)
    wed, tue = dt.date(2024, 1, 3), dt.date(2024, 1, 2)
    assert router.earliest_arrival(wed, s1, 0)[s2] == 40 * 60  # 00:40, yesterday's T4
    assert router.earliest_arrival(tue, s1, 0)[s2] == 8 * 3600 + 120  # Monday: no service
    assert router.earliest_arrival(tue, s1, 23 * 3600)[s2] == 24 * 3600 + 40 * 60
    with pytest.raises(ServiceDateError, match="outside the timetable's service dates"):
        router.day(dt.date(2030, 1, 1))
