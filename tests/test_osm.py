"""Street networks: mode rules on the tiny extract, invariants on both real regions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from feeds import FeedError, compile_streets
from feeds.osm import parse_speed
from mobility.region import Region
from routing import StreetNetwork
from tests.fixtures.tiny_osm import write_osm


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, StreetNetwork], object]:
    path = write_osm(tmp_path_factory.mktemp("osm") / "streets.osm")
    return compile_streets(path, country="US", workers=1)


def _edges(net: StreetNetwork) -> set[tuple[int, int]]:
    ids = net.node_osm_id
    return set(zip(ids[net.tail()].tolist(), ids[net.head].tolist(), strict=True))


def test_oneway_for_car_not_for_walking(tiny: tuple) -> None:
    nets, _ = tiny
    car, walk = _edges(nets["car"]), _edges(nets["walk"])
    assert (4, 5) in car and (5, 4) not in car  # oneway=yes
    assert (9, 8) in car and (8, 9) not in car  # oneway=-1: against the drawing order
    assert {(4, 5), (5, 4)} <= walk
    assert walk == {(v, u) for u, v in walk}  # walking ignores every one-way tag


def test_bike_contraflow_where_tagged(tiny: tuple) -> None:
    bike = _edges(tiny[0]["bike"])
    assert (4, 5) in bike and (5, 4) not in bike
    # oneway:bicycle=no on 7-8-9 (9 is a mere corner for bikes: 8 connects to 6 through it)
    assert {(8, 6), (6, 8)} <= bike
    assert (8, 6) not in _edges(tiny[0]["car"])


def test_access_rules_per_mode(tiny: tuple) -> None:
    nets, _ = tiny
    nodes = {m: set(n.node_osm_id.tolist()) for m, n in nets.items()}
    assert 10 not in nodes["car"] | nodes["walk"]  # access=private
    footway = {(2, 5), (5, 2), (5, 8), (8, 5)}
    assert footway <= _edges(nets["walk"])
    assert not footway & (_edges(nets["car"]) | _edges(nets["bike"]))


def test_islands_dropped_and_reported(tiny: tuple) -> None:
    nets, report = tiny
    for m, net in nets.items():
        assert not {11, 12} & set(net.node_osm_id.tolist())
        assert any(p.message.startswith(f"{m}: kept the largest strongly connected")
                   for p in report.warnings)


def test_travel_times_follow_speeds(tiny: tuple) -> None:
    car = tiny[0]["car"]
    ids = car.node_osm_id
    tail = car.tail()
    e = int(np.flatnonzero((ids[tail] == 4) & (ids[car.head] == 5))[0])
    # residential, no maxspeed, US default 25 mph; ~80 m between grid columns
    assert car.travel_time[e] == pytest.approx(car.length[e] / (25 * 0.44704), rel=1e-5)
    assert 75 < car.length[e] < 85
    walk = tiny[0]["walk"]
    assert np.allclose(walk.travel_time, walk.length / 1.33, rtol=1e-5)


@pytest.mark.parametrize("value,country,kmh", [
    ("50", "DE", 50.0), ("30 mph", "US", 30 * 1.609344), ("none", "DE", 130.0),
    ("walk", "DE", 7.0), ("DE:zone30", "DE", 30.0), ("DE:urban", "DE", 50.0),
    ("DE:rural", "DE", 100.0), ("50;30", "DE", 30.0), ("signals", "DE", None), ("", "DE", None),
])
def test_parse_speed(value: str, country: str, kmh: float | None) -> None:
    got = parse_speed(value, country)
    assert got == (pytest.approx(kmh) if kmh is not None else None)


def test_unreadable_extract_is_a_feed_error(tmp_path: Path) -> None:
    bad = tmp_path / "streets.osm.pbf"
    bad.write_bytes(b"this is not a pbf")
    with pytest.raises(FeedError, match="cannot read the OSM extract"):
        compile_streets(bad, workers=1)
    with pytest.raises(FeedError, match="unknown OSM file type"):
        compile_streets(tmp_path / "x.shp" if (tmp_path / "x.shp").touch() is None else bad)


@pytest.mark.parametrize("name", ["addison", "rhein_neckar"])
def test_real_networks_are_valid_csr(name: str, request: pytest.FixtureRequest) -> None:
    region: Region = request.getfixturevalue(name)
    for mode, net in region.streets.items():
        n, m = net.n_nodes, net.n_edges
        assert net.indptr[0] == 0 and net.indptr[-1] == m and (np.diff(net.indptr) >= 0).all()
        assert net.head.min() >= 0 and net.head.max() < n
        assert (net.travel_time > 0).all() and (net.length > 0).all()
        # one strongly connected component, no parallel edges, no self loops
        adj = csr_matrix((np.ones(m), net.head, net.indptr), shape=(n, n))
        assert connected_components(adj, directed=True, connection="strong")[0] == 1
        pairs = net.tail().astype(np.int64) * n + net.head
        assert len(np.unique(pairs)) == m
        assert not (net.tail() == net.head).any()
        # geometry runs from tail to head
        first = net.geom_offset[:-1]
        last = net.geom_offset[1:] - 1
        assert np.allclose(net.geom_lat[first], net.node_lat[net.tail()], atol=1e-5)
        assert np.allclose(net.geom_lat[last], net.node_lat[net.head], atol=1e-5)
        if mode == "walk":  # walking ignores one-way streets: every edge has its reverse
            rev = net.head.astype(np.int64) * n + net.tail()
            assert np.isin(rev, pairs).all()


def test_car_speeds_are_country_aware(addison: Region, rhein_neckar: Region) -> None:
    """Most addison-vt edges carry no maxspeed: its car speeds come from the US table
    (25 mph residential), rhein-neckar's from the German one (mostly 30/50 km/h)."""
    us = addison.streets["car"]
    de = rhein_neckar.streets["car"]
    kmh_us = np.median(3.6 * us.length / us.travel_time)
    kmh_de = np.median(3.6 * de.length / de.travel_time)
    assert 25 * 1.609 - 1 < kmh_us < 50 * 1.609
    assert 29 < kmh_de <= 50


@pytest.mark.parametrize("suffix,opener", [(".osm.gz", "gzip"), (".osm.bz2", "bz2")])
def test_compressed_extracts(suffix: str, opener: str, tmp_path: Path, tiny: tuple) -> None:
    import bz2
    import gzip

    raw = write_osm(tmp_path / "streets.osm").read_bytes()
    packed = tmp_path / f"streets{suffix}"
    packed.write_bytes(gzip.compress(raw) if opener == "gzip" else bz2.compress(raw))
    nets, _ = compile_streets(packed, country="US", workers=1)
    for mode, net in nets.items():
        assert _edges(net) == _edges(tiny[0][mode])
