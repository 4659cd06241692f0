"""Every cache a long-lived object keeps (the server's routers, travel times, days of plans)
stays within its bound however many different questions it is asked, and answers the same
with or without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from api.service.days import DayPlans
from api.store import Store
from dispatch.insertion import Dispatcher
from dispatch.travel import CachedTravel, StreetTravel
from mobility.region import Region
from routing.street_router import StreetRouter

MIDDLEBURY = (44.0153, -73.1673)


@pytest.fixture(scope="module")
def points(addison: Region) -> list[tuple[float, float]]:
    """Distinct points on the car network around Middlebury."""
    net = addison.streets["car"]
    rng = np.random.default_rng(3)
    near = np.flatnonzero(np.hypot(net.node_lat - MIDDLEBURY[0],
                                   net.node_lon - MIDDLEBURY[1]) < 0.05)
    picks = rng.choice(near, 300, replace=False)
    return [(float(net.node_lat[k]) + 1e-5, float(net.node_lon[k])) for k in picks]


def test_router_caches_are_bounded(addison: Region, points) -> None:  # type: ignore[no-untyped-def]
    router = StreetRouter(addison.streets["car"])
    router.max_cached_points, router.max_cached_tables = 50, 3
    fresh = StreetRouter(addison.streets["car"])
    for k in range(0, 280, 20):
        group = points[k:k + 20]
        labels = router.labels(points[k], True)
        assert np.array_equal(router.read(labels, group),
                              fresh.read(fresh.labels(points[k], True), group))
        assert len(router._anchors) <= 50 and len(router._tables) <= 3
        # the tables gathered from remembered rows are those built point by point
        got, want = router._table(group, False), fresh._table_loop(group, False)
        for a, b in zip((got.nodes, got.extra, got.edge, got.fraction),
                        (want.nodes, want.extra, want.edge, want.fraction), strict=True):
            assert np.array_equal(a, b)
        assert len(router._rows) <= 50


def test_travel_caches_are_bounded(addison: Region, points) -> None:  # type: ignore[no-untyped-def]
    router = StreetRouter(addison.streets["car"])
    street = StreetTravel(router, max_labels=4, repeat=2)
    cached = CachedTravel(street, max_pairs=30)
    plain = StreetTravel(StreetRouter(addison.streets["car"]))
    for a in points[:60]:
        for _ in range(2):  # the second time complete labels are kept (repeat=2)
            got = cached.one_to_many(a, points[100:104])
            assert np.array_equal(got, plain.one_to_many(a, points[100:104]))
        cached.one_to_many(a, [points[200]])
        assert len(street._labels) <= 4 and len(street._seen) <= 64 * 4
        assert len(cached._pairs) <= 30


def test_days_of_plans_are_bounded(addison: Region, tmp_path: Path) -> None:
    """A server running for weeks sees a new day every day: it keeps at most
    ``max_days`` of them in memory (older ones are rebuilt from the store if asked)."""
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    travel = StreetTravel(StreetRouter(addison.streets["car"]))
    built: list[tuple[str, dt.date]] = []

    def build(repo, area, date):  # type: ignore[no-untyped-def]
        built.append((area, date))
        return Dispatcher([], travel)

    days = DayPlans(store, build, lambda ch, area, date: None, max_days=5)
    start = dt.date(2026, 12, 1)
    for k in range(40):
        days.current("a", start + dt.timedelta(days=k))
        assert len(days._days) <= 5 and len(days._seen) <= 5
    days.current("a", start)  # long gone from memory: rebuilt
    assert built.count(("a", start)) == 2
    days.current("a", start)  # and now remembered again
    assert built.count(("a", start)) == 2
    store.engine.dispose()


def test_remembered_walks_are_bounded(addison: Region, points) -> None:  # type: ignore[no-untyped-def]
    from routing.legs import WalkLegs

    walk = WalkLegs(StreetRouter(addison.streets["walk"]), addison.timetable)
    walk.max_walks = 10
    fresh = WalkLegs(StreetRouter(addison.streets["walk"]), addison.timetable)
    for a, b in zip(points[:40], points[40:80], strict=True):
        got, again = walk.door_to_door(a, b), walk.door_to_door(a, b)
        ref = fresh.door_to_door(a, b)
        assert got is again  # remembered
        assert ref is not None and got is not None
        assert np.array_equal(got[0], ref[0]) and got[1] == ref[1]
        assert not got[0].flags.writeable  # shared: nobody may change it
        assert len(walk._walks) <= 10
