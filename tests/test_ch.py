"""Contraction hierarchy matrices against independent references: scipy's Dijkstra on the
same CSR graph and the router's own one-Dijkstra-per-origin kernel; and the hierarchy's cache
next to the compiled region."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

from mobility import contraction as ch_cache
from mobility.region import Region
from routing import StreetNetwork, StreetRouter
from routing._dijkstra import many_to_many
from routing.ch import Contraction


@pytest.fixture(scope="module")
def car(addison: Region) -> tuple[StreetRouter, StreetRouter]:
    """(router with the region's hierarchy, router without one) over addison's car net."""
    return addison.router("car"), StreetRouter(addison.streets["car"])


def _csr(net: StreetNetwork) -> csr_matrix:
    return csr_matrix((net.travel_time.astype(np.float64), net.head, net.indptr),
                      shape=(net.n_nodes, net.n_nodes))


def _points(net: StreetNetwork, k: int, seed: int) -> list[tuple[float, float]]:
    """Coordinates slightly off random nodes: snapping puts them mid-street, so each
    joins the graph at two nodes with partial costs."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, net.n_nodes, k)
    return [(float(net.node_lat[i]) + rng.normal(0, 2e-4),
             float(net.node_lon[i]) + rng.normal(0, 2e-4)) for i in idx]


def _flat_nodes(idx: np.ndarray) -> tuple[np.ndarray, ...]:
    k = len(idx)
    return (idx.astype(np.int64), np.zeros(k), np.zeros(k), np.arange(k + 1, dtype=np.int64))


def test_node_matrix_equals_scipy(car: tuple[StreetRouter, StreetRouter]) -> None:
    """Node to node: the durations of scipy's Dijkstra to float rounding."""
    router, _ = car
    net = router.net
    idx = np.random.default_rng(5).integers(0, net.n_nodes, 60)
    dur, _ = router.matrix(idx, idx)
    want = scipy_dijkstra(_csr(net), True, idx)[:, idx]
    np.testing.assert_allclose(dur, want, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("mode", ["car", "walk"])
def test_point_matrix_equals_dijkstra_and_scipy(mode: str, addison: Region) -> None:
    """Snapped coordinates: equal to the Dijkstra kernel (durations and distances: these
    points' fastest paths are unique, so distances must agree too), and to a reference made
    from scipy's node-to-node times plus each anchor's partial costs (the matrix may only be
    lower, where two points share a street segment and the direct ride wins)."""
    net = addison.streets[mode]
    with_ch = StreetRouter(net, contraction=addison.contraction(mode))
    plain = StreetRouter(net)
    pts = _points(net, 50, seed=11)
    pts += pts[:3]  # repeated points: zero on their pairs
    dur, met = with_ch.matrix(pts, pts)
    ref_dur, ref_met = plain.matrix(pts, pts)
    np.testing.assert_allclose(dur, ref_dur, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(met, ref_met, rtol=1e-9, atol=1e-6)
    o = with_ch.point_table(pts, leaving=True)  # (k, 2) nodes and partial seconds,
    d = with_ch.point_table(pts, leaving=False)  # padded with inf
    src, row = np.unique(o.nodes, return_inverse=True)
    table = scipy_dijkstra(_csr(net), True, src)
    # via every pair of the two points' nodes: (i, x, j, y)
    via = (o.extra[:, :, None, None] + table[row.reshape(o.nodes.shape)][:, :, d.nodes]
           + d.extra[None, None, :, :])
    want = via.min(axis=(1, 3))
    for i in range(len(pts)):  # where both lie on one segment, the direct ride may win
        for j in range(len(pts)):
            direct = with_ch.same_edge_cost(with_ch.snap(*pts[i]), with_ch.snap(*pts[j]))
            if direct is not None:
                want[i, j] = min(want[i, j], direct)
    np.testing.assert_allclose(dur, want, rtol=1e-12, atol=1e-9)
    assert (np.diag(dur) == 0).all() and (np.diag(dur[-3:, :3]) == 0).all()


def test_max_duration_and_same_segment(car: tuple[StreetRouter, StreetRouter]) -> None:
    """Beyond ``max_duration``: inf, the rest unchanged; points on one segment get the
    direct ride (one-way segments: only forwards)."""
    router, plain = car
    net = router.net
    pts = _points(net, 30, seed=2)
    full, _ = router.matrix(pts, pts)
    bound = float(np.median(full))
    dur, met = router.matrix(pts, pts, max_duration=bound)
    ref, ref_met = plain.matrix(pts, pts, max_duration=bound)
    inside = full <= bound
    assert 0 < inside.sum() < full.size
    np.testing.assert_array_equal(np.isinf(dur), ~inside)
    np.testing.assert_allclose(dur[inside], full[inside], rtol=1e-12)
    np.testing.assert_array_equal(np.isinf(ref), np.isinf(dur))
    np.testing.assert_allclose(met[inside], ref_met[inside], rtol=1e-9)
    # three points along one long straight segment, a two-way and a one-way one
    length = net.length.astype(float)
    rev = router._reverse_edge
    tail = net.tail()
    straight = np.diff(net.geom_offset) == 2
    for two_way in (True, False):
        for e in np.flatnonzero(straight & (length > 200) & ((rev >= 0) == two_way)).tolist():
            a, b = int(tail[e]), int(net.head[e])
            on = [(float(net.node_lat[a] + f * (net.node_lat[b] - net.node_lat[a])),
                   float(net.node_lon[a] + f * (net.node_lon[b] - net.node_lon[a])))
                  for f in (0.2, 0.5, 0.8)]
            snaps = [router.snap(*p) for p in on]
            if all(x.edge in (e, rev[e]) for x in snaps):
                break  # (else another street lies nearer to one of them: next segment)
        got, _ = router.matrix(on, on)
        want, _ = plain.matrix(on, on)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
        # forwards along the segment: the direct ride, a share of the segment's time
        assert got[0, 2] == pytest.approx(0.6 * float(net.travel_time[e]), rel=0.02)
        assert got[0, 2] == pytest.approx(router.same_edge_cost(snaps[0], snaps[2]))
        if not two_way:  # backwards: around the block
            assert got[2, 0] > float(net.travel_time[e])


def test_unreachable_and_random_graph() -> None:
    """A random sparse directed graph with several components and one-way edges:
    durations (inf where unreachable) equal scipy's, distances the Dijkstra kernel's
    (random real weights: every fastest path is unique)."""
    rng = np.random.default_rng(4)
    n, m = 400, 900
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    keep = np.unique(tail * n + head)  # no parallel edges (the compiled networks have none)
    tail, head = keep // n, keep % n
    w = rng.uniform(1, 60, len(tail)).astype(np.float32).astype(np.float64)
    length = rng.uniform(10, 900, len(tail))
    indptr = np.r_[0, np.cumsum(np.bincount(tail, minlength=n))].astype(np.int64)
    ch = Contraction.build(indptr, head, w, length)
    src = rng.integers(0, n, 40)
    dst = rng.integers(0, n, 50)
    for bound in (np.inf, 120.0):
        dur, met = ch.many_to_many(*_flat_nodes(src), *_flat_nodes(dst), bound)
        want = scipy_dijkstra(csr_matrix((w, head, indptr), shape=(n, n)), True, src,
                              limit=bound)[:, dst]
        _, ref_met = many_to_many(indptr, head.astype(np.int32), w, length,
                                  *_flat_nodes(src), *_flat_nodes(dst), bound)
        assert np.isinf(want).sum() > 100 and np.isfinite(want).sum() > 100
        np.testing.assert_array_equal(np.isinf(dur), np.isinf(want))
        fin = np.isfinite(want)
        np.testing.assert_allclose(dur[fin], want[fin], rtol=1e-12)
        np.testing.assert_allclose(met[fin], ref_met[fin], rtol=1e-9)
        assert np.isinf(met[~fin]).all()


def test_cache_round_trip(addison: Region, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Built and written once; loaded afterwards without a build; a corrupt file is
    reported and rebuilt; an edited network gets another file."""
    net = addison.streets["car"]
    first = ch_cache.load_or_build(net, "addison-vt", tmp_path)
    files = list(tmp_path.glob("addison-vt.ch-car-*.npz"))
    assert len(files) == 1

    def no_build(*_a: object, **_k: object) -> Contraction:
        raise AssertionError("rebuilt although cached")

    with monkeypatch.context() as mp:
        mp.setattr(Contraction, "build", no_build)
        again = ch_cache.load_or_build(net, "addison-vt", tmp_path)
    for k, v in first.to_arrays().items():
        np.testing.assert_array_equal(again.to_arrays()[k], v)
    files[0].write_bytes(b"not a zip")
    warnings: list[str] = []
    rebuilt = ch_cache.load_or_build(net, "addison-vt", tmp_path, warnings.append)
    assert warnings and "corrupt" in warnings[0]
    np.testing.assert_array_equal(rebuilt.rank, first.rank)
    # a faster street is another network: another key, hence another file
    faster = StreetNetwork(**{**vars(net), "travel_time": net.travel_time * 0.5})
    assert ch_cache.network_digest(faster) != ch_cache.network_digest(net)
    # the region keeps one hierarchy per mode, and its routers use it
    assert addison.contraction("car") is addison.contraction("car")
    assert addison.router("car").contraction is addison.contraction("car")
