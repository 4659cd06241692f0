"""Street searches against independent references: networkx Dijkstra on the same compiled
graph, a brute-force nearest-segment search, and the router's own point-to-point answers."""

from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from feeds import compile_streets
from mobility.region import Region
from routing import OutOfRegionError, StreetNetwork, StreetRouter
from routing.polyline import decode, encode
from tests.fixtures.tiny_osm import write_osm

MODES = ("walk", "bike", "car")


def _nx_graph(net: StreetNetwork) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    tail = net.tail()
    g.add_weighted_edges_from(zip(tail.tolist(), net.head.tolist(),
                                  net.travel_time.astype(float).tolist(), strict=True))
    return g


@pytest.fixture(scope="module")
def routers(addison: Region, rhein_neckar: Region) -> dict[tuple[str, str], StreetRouter]:
    return {(r, m): StreetRouter(reg.streets[m]) for r, reg in
            (("addison", addison), ("rhein_neckar", rhein_neckar)) for m in MODES}


@pytest.mark.parametrize("region", ["addison", "rhein_neckar"])
@pytest.mark.parametrize("mode", MODES)
def test_durations_equal_networkx(region: str, mode: str, routers: dict) -> None:
    """20 sources x all nodes (one-to-many) and 200 point-to-point pairs, to the second."""
    router: StreetRouter = routers[(region, mode)]
    net = router.net
    g = _nx_graph(net)
    rng = np.random.default_rng(7)
    sources = rng.integers(0, net.n_nodes, 20)
    pairs = 0
    for s in sources:
        ref = nx.single_source_dijkstra_path_length(g, int(s), weight="weight")
        cost, _ = router.one_to_many(int(s))
        want = np.full(net.n_nodes, np.inf)
        want[list(ref)] = list(ref.values())
        np.testing.assert_allclose(cost, want, atol=1e-6)
        for t in rng.integers(0, net.n_nodes, 10):
            path = router.route(int(s), int(t))
            assert path is not None
            assert abs(path.duration_s - want[t]) < 1e-6
            # the node path is real and its edges add up to the duration
            nodes = path.nodes
            assert nodes[0] == s and nodes[-1] == t
            total = sum(g[u][v]["weight"] for u, v in zip(nodes[:-1], nodes[1:], strict=True))
            assert abs(total - path.duration_s) < 1e-6
            pairs += 1
    assert pairs == 200


def test_unreachable_is_reported() -> None:
    """A one-way pair of nodes: B cannot reach A."""
    net = StreetNetwork(
        mode="car", node_osm_id=np.array([1, 2]), node_lat=np.array([44.0, 44.001]),
        node_lon=np.array([-73.0, -73.0]), indptr=np.array([0, 1, 1]),
        head=np.array([1], np.int32), length=np.array([111.0], np.float32),
        travel_time=np.array([10.0], np.float32), highway=np.array([11], np.int8),
        geom_offset=np.array([0, 2]), geom_lat=np.array([44.0, 44.001], np.float32),
        geom_lon=np.array([-73.0, -73.0], np.float32))
    router = StreetRouter(net)
    assert router.route(0, 1) is not None and router.route(0, 1).duration_s == 10.0
    assert router.route(1, 0) is None
    dur, dist = router.matrix(np.array([0, 1]), np.array([0, 1]))
    assert dur.tolist() == [[0.0, 10.0], [np.inf, 0.0]]
    assert np.isinf(dist[1, 0])
    cost, _ = router.one_to_many(0, max_duration=5.0)
    assert cost.tolist() == [0.0, np.inf]  # beyond the bound counts as unreachable


@pytest.fixture(scope="module")
def tiny_nets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StreetNetwork]:
    path = write_osm(tmp_path_factory.mktemp("osm") / "streets.osm")
    return compile_streets(path, country="US", workers=1)[0]


def test_one_way_respected_by_car_and_bike_not_walk(tiny_nets: dict) -> None:
    def dur(mode: str, a: int, b: int) -> float:
        net = tiny_nets[mode]
        idx = {int(o): i for i, o in enumerate(net.node_osm_id)}
        path = StreetRouter(net).route(idx[a], idx[b])
        assert path is not None
        return path.duration_s

    # 4 -> 5 is one-way: going back 5 -> 4 by car/bike needs a detour, on foot it does not
    for mode in ("car", "bike"):
        assert dur(mode, 5, 4) > 3 * dur(mode, 4, 5)
    assert dur("walk", 5, 4) == pytest.approx(dur("walk", 4, 5))


@pytest.mark.parametrize("mode", ["car", "walk"])
def test_matrix_equals_point_to_point(mode: str, routers: dict) -> None:
    router: StreetRouter = routers[("addison", mode)]
    net = router.net
    rng = np.random.default_rng(3)
    idx = rng.integers(0, net.n_nodes, 25)
    # coordinates slightly off the nodes: snapping puts them mid-street
    pts = [(float(net.node_lat[i]) + rng.normal(0, 2e-4), float(net.node_lon[i]) +
            rng.normal(0, 2e-4)) for i in idx]
    dur, dist = router.matrix(pts, pts)
    for i in range(len(pts)):
        for j in range(len(pts)):
            path = router.route(pts[i], pts[j])
            assert path is not None
            assert dur[i, j] == pytest.approx(path.duration_s, abs=1e-6)
            assert dist[i, j] == pytest.approx(path.distance_m, rel=1e-6, abs=1e-6)
    assert (np.diag(dur) == 0).all()


def test_many_to_one_equals_point_to_point(routers: dict) -> None:
    router: StreetRouter = routers[("rhein_neckar", "car")]
    dest = (49.4875, 8.4660)
    back, _ = router.many_to_one(dest)
    rng = np.random.default_rng(5)
    for s in rng.integers(0, router.net.n_nodes, 30):
        path = router.route(int(s), dest)
        assert path is not None and back[s] == pytest.approx(path.duration_s, abs=1e-6)


def _brute_force_snap(net: StreetNetwork, lat: float, lon: float) -> float:
    """Distance (m) to the nearest edge segment, by checking every segment."""
    kx = 111_320.0 * np.cos(np.radians(float(np.mean(net.geom_lat))))
    x, y = net.geom_lon.astype(float) * kx, net.geom_lat.astype(float) * 110_574.0
    last = np.zeros(len(x), bool)
    last[net.geom_offset[1:] - 1] = True
    a = np.flatnonzero(~last)
    ax, ay, bx, by = x[a], y[a], x[a + 1], y[a + 1]
    qx, qy = lon * kx, lat * 110_574.0
    dx, dy = bx - ax, by - ay
    ll = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(((qx - ax) * dx + (qy - ay) * dy) / ll, 0, 1)
    return float(np.min(np.hypot(ax + t * dx - qx, ay + t * dy - qy)))


def test_snapping_finds_the_nearest_street(routers: dict) -> None:
    router: StreetRouter = routers[("addison", "car")]
    net = router.net
    rng = np.random.default_rng(11)
    lat0, lon0 = float(np.mean(net.node_lat)), float(np.mean(net.node_lon))
    checked = 0
    for _ in range(60):
        lat, lon = lat0 + rng.uniform(-0.1, 0.1), lon0 + rng.uniform(-0.1, 0.1)
        want = _brute_force_snap(net, lat, lon)
        # the distance itself, also beyond the limit (compile reports measure stranded stops)
        assert router.street_distance_m(lat, lon) == pytest.approx(want, abs=1e-6)
        if want > router.max_snap_m:
            with pytest.raises(OutOfRegionError, match=r"m from the nearest street"):
                router.snap(lat, lon)
            continue
        assert router.snap(lat, lon).distance_m == pytest.approx(want, abs=1e-6)
        checked += 1
    assert checked > 30


def test_far_point_is_refused_with_its_distance(routers: dict) -> None:
    router: StreetRouter = routers[("addison", "car")]
    with pytest.raises(OutOfRegionError, match=r"is [\d,]+ m from the nearest street usable "
                                               r"by car \(the limit is 1,000 m\)"):
        router.route((45.5, -73.1), (44.1, -73.1))
    with pytest.raises(OutOfRegionError, match="not a valid latitude/longitude"):
        router.snap(95.0, 0.0)


def test_path_geometry(routers: dict) -> None:
    router: StreetRouter = routers[("addison", "car")]
    a, b = (44.0153, -73.1673), (44.1, -73.1)
    path = router.route(a, b)
    assert path is not None
    sa, sb = router.snap(*a), router.snap(*b)
    assert path.coordinates[0] == pytest.approx((sa.lat, sa.lon), abs=1e-5)
    assert path.coordinates[-1] == pytest.approx((sb.lat, sb.lon), abs=1e-5)
    pts = np.array(path.coordinates)
    kx = np.cos(np.radians(pts[:, 0].mean()))
    along = np.hypot(np.diff(pts[:, 0]) * 110_574, np.diff(pts[:, 1]) * 111_320 * kx).sum()
    assert along == pytest.approx(path.distance_m, rel=0.02)
    np.testing.assert_allclose(np.array(decode(path.polyline)), pts, atol=1.1e-5)


def test_polyline_known_value() -> None:
    # the example of the format's documentation
    pts = [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]
    assert encode(pts) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    assert decode("_p~iF~ps|U_ulLnnqC_mqNvxq`@") == pts


def test_isochrone(routers: dict) -> None:
    router: StreetRouter = routers[("addison", "car")]
    origin = (44.0153, -73.1673)
    iso = router.isochrone(origin, 600)
    cost, _ = router.one_to_many(origin)
    assert set(iso.nodes.tolist()) == set(np.flatnonzero(cost <= 600).tolist())
    assert (iso.durations <= 600).all()
    poly = iso.polygon
    assert poly["type"] == "MultiPolygon" and len(poly["coordinates"]) >= 1
    from routing.isochrone import _inside

    rings = [np.array(p[0]) for p in poly["coordinates"]]
    lonlat = np.column_stack([router.net.node_lon[iso.nodes], router.net.node_lat[iso.nodes]])
    inside = [any(_inside(pt, r) for r in rings) for pt in lonlat]
    assert np.mean(inside) > 0.97  # reachable junctions lie inside the outline
    far = np.flatnonzero(np.isfinite(cost) & (cost > 1800))[:200]
    outside = [any(_inside(np.array([router.net.node_lon[i], router.net.node_lat[i]]), r)
                   for r in rings) for i in far]
    assert not any(outside)  # places 30+ minutes away are not inside a 10-minute isochrone


def test_cli_street_json(addison: Region) -> None:
    from tests.conftest import CACHE, DATA

    res = subprocess.run(
        [sys.executable, "-m", "mobility", "street", "--from", "44.0153,-73.1673", "--to",
         "44.1,-73.1", "--mode", "car", "--json", "--data", str(DATA), "--cache", str(CACHE)],
        capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert set(doc) == {"mode", "duration_s", "distance_m", "polyline", "coordinates"}
    path = StreetRouter(addison.streets["car"]).route((44.0153, -73.1673), (44.1, -73.1))
    assert path is not None and doc["duration_s"] == round(path.duration_s, 1)
    res = subprocess.run(
        [sys.executable, "-m", "mobility", "street", "--from", "54,-73", "--to", "44.1,-73.1",
         "--data", str(DATA), "--cache", str(CACHE)],
        capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 2 and "m from the nearest street" in res.stderr
    assert "Traceback" not in res.stderr
