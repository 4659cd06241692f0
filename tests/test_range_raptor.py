"""Range RAPTOR (routing.range_raptor) against repeated single searches (TransitRouter.search)
and against the independent reference search (tests/reference_transit.py), on both real
regions: every minute of 07:00–09:00, several origins, wheelchair and transfer limits."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from mobility.region import Region
from routing._range_raptor import mixed_drop_off
from routing._raptor import INF_T
from routing.range_raptor import range_arrivals, range_arrivals_many
from routing.raptor import TransitRouter
from tests.reference_transit import ReferenceTransit
from tests.test_raptor import DATES, _footpaths

WINDOW = list(range(7 * 3600, 9 * 3600, 60))


def _router(region: Region, wheelchair_seed: int | None = None) -> TransitRouter:
    """The region's router; with a seed, a random part of trips and stops marked accessible
    (the real feeds publish no accessibility data)."""
    assert region.transfers is not None
    tt = region.timetable
    if wheelchair_seed is not None:
        rng = np.random.default_rng(wheelchair_seed)
        tt = dataclasses.replace(
            tt, trip_wheelchair=rng.choice([0, 1, 1], tt.n_trips).astype(np.int8),
            stop_wheelchair=rng.choice([1, 1, 2], tt.n_stops).astype(np.int8))
    return TransitRouter(tt, region.transfers, region.transfers_stepfree)


def _origins(region: Region, n: int, seed: int) -> list[list[tuple[int, int]]]:
    """Random origins of 1–3 served stops, each with a walk of 0–10 minutes."""
    rng = np.random.default_rng(seed)
    served = np.unique(region.timetable.pattern_stops)
    return [[(int(rng.choice(served)), int(rng.integers(0, 600)))
             for _ in range(int(rng.integers(1, 4)))] for _ in range(n)]


def _repeated(router: TransitRouter, date: dt.date, sources: list[tuple[int, int]],
              departures: list[int], **kw: object) -> np.ndarray:
    """The independent computation: one single search per departure."""
    return np.array([router.search(date, [(s, t + w) for s, w in sources], **kw)  # type: ignore[arg-type]
                     .best()[-1] for t in departures], np.int64)


@pytest.fixture(scope="module")
def addison_router(addison: Region) -> TransitRouter:
    return _router(addison)


@pytest.mark.parametrize(("max_transfers", "wheelchair"),
                         [(8, False), (0, False), (1, False), (2, True), (8, True)])
def test_every_minute_equals_repeated_searches_addison(addison: Region, max_transfers: int,
                                                       wheelchair: bool) -> None:
    router = _router(addison, wheelchair_seed=3 if wheelchair else None)
    date = DATES["addison"]
    reached = 0
    for src in _origins(addison, 12, seed=max_transfers * 10 + wheelchair):
        got = range_arrivals(router, date, src, WINDOW, max_transfers=max_transfers,
                             wheelchair=wheelchair)
        want = _repeated(router, date, src, WINDOW, max_transfers=max_transfers,
                         wheelchair=wheelchair)
        assert got.dtype == np.int64 and got.shape == (len(WINDOW), router.tt.n_stops)
        np.testing.assert_array_equal(got, want, err_msg=str(src))
        reached += int((got < INF_T).sum())
    # the window reaches much beyond the sources and their footpaths
    assert reached > 12 * len(WINDOW) * 10


def test_transfer_limit_and_wheelchair_change_the_answer(addison: Region) -> None:
    """The variants above are not vacuous: fewer trips or accessible-only trips arrive later
    (or not at all) somewhere."""
    date = DATES["addison"]
    plain, wc = _router(addison), _router(addison, wheelchair_seed=3)
    served = np.unique(addison.timetable.pattern_stops)
    later_0 = later_wc = 0
    for s in served[:20].tolist():
        full = range_arrivals(plain, date, [(s, 0)], WINDOW)
        later_0 += int((range_arrivals(plain, date, [(s, 0)], WINDOW, max_transfers=0)
                        > full).sum())
        if wc.stop_wheelchair_ok[s]:
            later_wc += int((range_arrivals(wc, date, [(s, 0)], WINDOW, wheelchair=True)
                             > range_arrivals(wc, date, [(s, 0)], WINDOW)).sum())
    assert later_0 > 0 and later_wc > 0


def test_every_minute_equals_repeated_searches_rhein_neckar(rhein_neckar: Region) -> None:
    date = DATES["rhein_neckar"]
    plain, wc = _router(rhein_neckar), _router(rhein_neckar, wheelchair_seed=4)
    for i, src in enumerate(_origins(rhein_neckar, 8, seed=11)):
        mt = (8, 1, 0, 3)[i % 4]
        router, wheelchair = (wc, True) if i % 3 == 2 else (plain, False)
        got = range_arrivals(router, date, src, WINDOW, max_transfers=mt,
                             wheelchair=wheelchair)
        np.testing.assert_array_equal(
            got, _repeated(router, date, src, WINDOW, max_transfers=mt,
                           wheelchair=wheelchair), err_msg=str(src))
        assert (got[0] < INF_T).sum() > 10


def test_equals_reference_at_some_departures_addison(addison: Region,
                                                     addison_router: TransitRouter) -> None:
    """The connection-scan style reference, one source stop, a handful of departures."""
    assert addison.transfers is not None
    date = DATES["addison"]
    ref = ReferenceTransit(addison.timetable, date, _footpaths(addison.transfers))
    rng = np.random.default_rng(5)
    served = np.unique(addison.timetable.pattern_stops)
    deps = sorted(int(t) for t in rng.integers(6 * 3600, 18 * 3600, 6))
    for s in rng.choice(served, 8).tolist():
        got = range_arrivals(addison_router, date, [(s, 0)], deps)
        for i, t in enumerate(deps):
            assert {j: int(a) for j, a in enumerate(got[i]) if a < INF_T} == \
                ref.earliest_arrival(s, t, max_transfers=8), (s, t)


def test_equals_reference_at_some_departures_rhein_neckar(rhein_neckar: Region) -> None:
    assert rhein_neckar.transfers is not None
    date = DATES["rhein_neckar"]
    router = _router(rhein_neckar)
    ref = ReferenceTransit(rhein_neckar.timetable, date, _footpaths(rhein_neckar.transfers))
    deps = [7 * 3600, 7 * 3600 + 17 * 60, 8 * 3600 + 45 * 60]
    for src in _origins(rhein_neckar, 3, seed=12):
        s = src[0][0]
        got = range_arrivals(router, date, [(s, 0)], deps)
        for i, t in enumerate(deps):
            assert {j: int(a) for j, a in enumerate(got[i]) if a < INF_T} == \
                ref.earliest_arrival(s, t, max_transfers=8), (s, t)


def test_departures_in_callers_order_with_duplicates(addison: Region,
                                                     addison_router: TransitRouter) -> None:
    date = DATES["addison"]
    src = _origins(addison, 1, seed=21)[0]
    deps = [8 * 3600, 7 * 3600, 8 * 3600, 7 * 3600 + 1, 9 * 3600 + 30, 7 * 3600]
    got = range_arrivals(addison_router, date, src, deps)
    np.testing.assert_array_equal(got, _repeated(addison_router, date, src, deps))
    np.testing.assert_array_equal(got[0], got[2])
    np.testing.assert_array_equal(got[1], got[5])


def test_many_origins_equal_one_by_one(addison: Region, addison_router: TransitRouter) -> None:
    date = DATES["addison"]
    origins = _origins(addison, 5, seed=22) + [[]]
    deps = WINDOW[::7]
    many = range_arrivals_many(addison_router, date, origins, deps)
    assert many.shape == (6, len(deps), addison_router.tt.n_stops)
    for o, src in enumerate(origins):
        np.testing.assert_array_equal(many[o], _repeated(addison_router, date, src, deps)
                                      if src else np.full_like(many[o], INF_T))


def test_edge_cases(addison: Region, addison_router: TransitRouter) -> None:
    date = DATES["addison"]
    n = addison_router.tt.n_stops
    # no sources: nothing is reached
    assert (range_arrivals(addison_router, date, [], WINDOW) == INF_T).all()
    # no departures: no rows
    assert range_arrivals(addison_router, date, [(0, 0)], []).shape == (0, n)
    # late at night only the source and its footpaths are reached; the rest stays INF
    served = np.unique(addison.timetable.pattern_stops)
    s = int(served[0])
    late = range_arrivals(addison_router, date, [(s, 30)], [23 * 3600 + 59 * 60])[0]
    assert addison.transfers is not None
    walk = {int(t): int(d) for t, d in zip(
        addison.transfers.to[addison.transfers.indptr[s]:addison.transfers.indptr[s + 1]],
        addison.transfers.duration[addison.transfers.indptr[s]:addison.transfers.indptr[s + 1]],
        strict=True)}
    t0 = 23 * 3600 + 59 * 60 + 30
    want = {s: t0} | {t: t0 + d for t, d in walk.items() if t != s}
    assert {j: int(a) for j, a in enumerate(late) if a < INF_T} == want
    # stops no pattern serves are never reached, whatever the departure
    unserved = np.setdiff1d(np.arange(n), served)
    got = range_arrivals(addison_router, date, [(s, 0)], WINDOW)
    lonely = [u for u in unserved.tolist() if u not in walk and u != s]
    assert all((got[:, u] == INF_T).all() for u in lonely)
    # a bad stop index is refused, not read out of bounds
    with pytest.raises(ValueError, match="not a stop index"):
        range_arrivals(addison_router, date, [(n, 0)], WINDOW)
    with pytest.raises(ValueError, match="not a stop index"):
        range_arrivals(addison_router, date, [(-1, 0)], WINDOW)


def test_mixed_drop_off_falls_back_to_exact_searches(addison: Region) -> None:
    """A pattern whose trips differ in where they let riders off: the reuse of labels would
    not be exact there, so the kernel starts each departure afresh — still equal."""
    assert addison.transfers is not None
    tt = addison.timetable
    rng = np.random.default_rng(8)
    drop = tt.drop_off_type.copy()
    drop[rng.random(len(drop)) < 0.3] = 1
    tt2 = dataclasses.replace(tt, drop_off_type=drop)
    router = TransitRouter(tt2, addison.transfers, addison.transfers_stepfree)
    date = DATES["addison"]
    d = router.day(date)
    assert mixed_drop_off(d.stop_off, d.trip_off, d.time_off, d.drop_ok)
    for src in _origins(addison, 4, seed=23):
        np.testing.assert_array_equal(range_arrivals(router, date, src, WINDOW),
                                      _repeated(router, date, src, WINDOW))


def test_sources_sharing_stops_and_footpaths(addison: Region,
                                             addison_router: TransitRouter) -> None:
    """A stop given twice with different walks, and a source whose label another source's
    footpath beats (the single search then walks on only from the better label)."""
    x = addison.transfers
    assert x is not None
    date = DATES["addison"]
    frm, to, dur = x.pairs()
    served = set(np.unique(addison.timetable.pattern_stops).tolist())
    pairs = [(int(a), int(b), int(d)) for a, b, d in zip(frm, to, dur, strict=True)
             if a != b and int(a) in served and int(b) in served][:5]
    assert pairs
    for a, b, d in pairs:
        for src in ([(a, 0), (b, d + 120)], [(b, d + 120), (a, 0)], [(a, 300), (a, 60), (b, 0)]):
            np.testing.assert_array_equal(range_arrivals(addison_router, date, src, WINDOW),
                                          _repeated(addison_router, date, src, WINDOW),
                                          err_msg=str(src))
