"""A quote's one-to-many / many-to-one on the contraction hierarchy against the Dijkstra
searches read at the points (the answers the dispatcher had before): snapped points with
partial edge costs, pairs on one street segment, unreachable points; and the bounded LRU
of search spaces."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.travel import StreetTravel
from mobility.region import Region
from routing import StreetRouter
from routing.ch import Contraction
from routing.ch_query import PointQueries

LatLon = tuple[float, float]


@pytest.fixture(scope="module")
def routers(addison: Region) -> tuple[StreetRouter, StreetRouter]:
    """(router with the region's hierarchy, router without one) over addison's car net."""
    return addison.router("car"), StreetRouter(addison.streets["car"])


def _points(router: StreetRouter, k: int, seed: int) -> list[LatLon]:
    """Coordinates slightly off random nodes (mid-street once snapped), and for every
    fourth one a second point on the same street segment a little further along it."""
    net = router.net
    rng = np.random.default_rng(seed)
    out: list[LatLon] = []
    for i in rng.integers(0, net.n_nodes, k):
        p = (float(net.node_lat[i]) + rng.normal(0, 2e-4),
             float(net.node_lon[i]) + rng.normal(0, 2e-4))
        out.append(p)
        if len(out) % 4 == 1:
            s = router.snap(*p)
            e = s.edge
            b = net.geom_offset[e + 1]
            # a point between the snap and the segment's far end, on its geometry
            out.append((float(0.5 * (s.lat + net.geom_lat[b - 1])),
                        float(0.5 * (s.lon + net.geom_lon[b - 1]))))
    return out


def _reference(router: StreetRouter, point: LatLon, others: list[LatLon],
               forward: bool) -> np.ndarray:
    """The dispatcher's Dijkstra search from (towards) the point, read at the others."""
    return router.read(router.labels(point, forward, targets=others), others)


def test_equal_to_dijkstra(routers: tuple[StreetRouter, StreetRouter]) -> None:
    """Both directions, every pair of 30 points, by scans of spaces and by PHAST sweeps:
    Dijkstra's seconds to float rounding, the same-segment rides included."""
    ch_router, plain = routers
    pts = _points(plain, 24, seed=3)
    scans, sweeps = PointQueries(ch_router), PointQueries(ch_router, sweep_factor=0.0)
    same_edge = 0
    for p in pts:
        for forward in (True, False):
            want = _reference(plain, p, pts, forward)
            assert np.isfinite(want).all()  # addison's car network is strongly connected
            for q in (scans, sweeps):
                got = q.one_to_many(p, pts) if forward else q.many_to_one(pts, p)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
        src = plain.snap(*p)
        same_edge += sum(plain.same_edge_cost(src, plain.snap(*o)) is not None
                         for o in pts if o != p)
    assert same_edge >= 8  # the pairs on one segment were exercised


def test_unreachable_is_inf(routers: tuple[StreetRouter, StreetRouter]) -> None:
    """On addison's main roads only (residential, unclassified and service streets
    removed: pieces cut off from each other), the hierarchy answers inf exactly where
    Dijkstra does."""
    net = routers[1].net.without(("residential", "unclassified", "service"))
    plain = StreetRouter(net)
    ch = Contraction.build(net.indptr, net.head, net.travel_time, net.length)
    has = np.flatnonzero(np.diff(net.indptr) > 0)
    cost, _ = plain.one_to_many(int(has[0]))
    cut = has[np.isinf(cost[has])]
    assert len(cut) > 0
    pts = [(float(net.node_lat[i]), float(net.node_lon[i]))
           for i in [*has[:: len(has) // 12], *cut[:4]]]
    on_ch = StreetRouter(net, contraction=ch)
    n_inf = 0
    for q in (PointQueries(on_ch), PointQueries(on_ch, sweep_factor=0.0)):
        for p in pts:
            for forward in (True, False):
                want = _reference(plain, p, pts, forward)
                got = q.one_to_many(p, pts) if forward else q.many_to_one(pts, p)
                np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
                ok = np.isfinite(want)
                np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12, atol=1e-9)
                n_inf += int((~ok).sum())
    assert n_inf > 0


def test_lru_is_bounded(routers: tuple[StreetRouter, StreetRouter]) -> None:
    """The spaces kept never exceed the bound in settled nodes; the latest is kept, and
    answers after evictions are unchanged."""
    ch_router, plain = routers
    pts = _points(plain, 30, seed=11)
    big = PointQueries(ch_router)
    want = [big.one_to_many(p, pts[:10]) for p in pts]
    bound = big.cached_entries // 3
    small = PointQueries(ch_router, max_entries=bound)
    for p, w in zip(pts, want, strict=True):
        a = small.one_to_many(p, pts[:10])
        assert small.cached_entries <= bound
        assert small.space(p, True) is small._spaces[(p[0], p[1], True)]  # the latest kept
        np.testing.assert_array_equal(a, w)
    assert small.cached_points < big.cached_points
    assert big.cached_entries == sum(len(s[0]) for s in big._spaces.values())


def test_street_travel_uses_hierarchy(routers: tuple[StreetRouter, StreetRouter]) -> None:
    """StreetTravel answers on the hierarchy when the router has one, on Dijkstra
    otherwise, with the same seconds."""
    ch_router, plain = routers
    pts = _points(plain, 12, seed=7)
    on_ch, on_dijkstra = StreetTravel(ch_router), StreetTravel(plain)
    assert on_ch.point_queries is not None and on_dijkstra.point_queries is None
    np.testing.assert_allclose(on_ch.one_to_many(pts[0], pts),
                               on_dijkstra.one_to_many(pts[0], pts), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(on_ch.many_to_one(pts, pts[1]),
                               on_dijkstra.many_to_one(pts, pts[1]), rtol=1e-12, atol=1e-9)
