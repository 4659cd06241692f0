"""The compile report: served stops beyond walking reach of the extract's streets (and the
routes losing access through them), the warning that an extract covers only part of its feed,
and the share of trips with interpolated times. Every figure is compared with an independent
count made here from the GTFS text (csv) and the OSM extract (pyosmium)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from mobility.region import Region, load_region
from tests.conftest import FIXTURES, SHARED
from tests.fixtures import tiny_osm
from tests.fixtures.osm_cut import cut_extract, street_nodes

LIMIT_M = 1000.0  # the street router's snapping limit (StreetRouter.max_snap_m)
ADDISON = SHARED / "regions" / "addison-vt"
#: addison-vt cut south of 44.20 N: Middlebury and the south stay, Burlington goes
NORTH_CUT = (-73.4, 43.4, -72.8, 44.20)


# -- independent counts ---------------------------------------------------------------------
def _rows(feed: Path, name: str) -> list[dict[str, str]]:
    if feed.is_dir():
        text = (feed / name).read_text(encoding="utf-8-sig") if (feed / name).exists() else ""
    else:
        with zipfile.ZipFile(feed) as z:
            text = z.read(name).decode("utf-8-sig") if name in z.namelist() else ""
    return list(csv.DictReader(io.StringIO(text)))


def _haversine(lat: float, lon: float, pts: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat), np.radians(pts[:, 0])
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(pts[:, 1] - lon) / 2) ** 2)
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


def _served_distances(feed: Path, nodes: np.ndarray) -> dict[str, float]:
    """Served stop -> metres to the nearest street node (never less than to the street)."""
    stops = {r["stop_id"]: r for r in _rows(feed, "stops.txt")}
    served = {r["stop_id"] for r in _rows(feed, "stop_times.txt")}
    return {s: float(_haversine(float(stops[s]["stop_lat"]), float(stops[s]["stop_lon"]),
                                nodes).min()) for s in served}


def _route_losses(feed: Path, far: set[str]) -> dict[str, tuple[int, int]]:
    """route_id -> (served stops, stops in ``far``) for routes with a stop in ``far``."""
    route_of = {r["trip_id"]: r["route_id"] for r in _rows(feed, "trips.txt")}
    stops: dict[str, set[str]] = defaultdict(set)
    for r in _rows(feed, "stop_times.txt"):
        stops[route_of[r["trip_id"]]].add(r["stop_id"])
    return {rid: (len(s), len(s & far)) for rid, s in stops.items() if s & far}


def _interpolated(feed: Path) -> tuple[int, int, int, int]:
    """(trips with a blank time, trips, blank stop times, stop times); a frequency-based trip
    counts once per departure, trips with fewer than two stop times not at all."""
    rows: dict[str, list[bool]] = defaultdict(list)
    for r in _rows(feed, "stop_times.txt"):
        rows[r["trip_id"]].append(not r["arrival_time"].strip()
                                  and not r["departure_time"].strip())
    runs: dict[str, int] = defaultdict(int)
    for f in _rows(feed, "frequencies.txt"):
        h0, m0, s0 = (int(x) for x in f["start_time"].split(":"))
        h1, m1, s1 = (int(x) for x in f["end_time"].split(":"))
        start, end = h0 * 3600 + m0 * 60 + s0, h1 * 3600 + m1 * 60 + s1
        runs[f["trip_id"]] += len(range(start, end, int(f["headway_secs"])))
    trips = blank_trips = st = blank_st = 0
    for tid, blanks in rows.items():
        if len(blanks) < 2:
            continue
        k = runs.get(tid, 1)
        trips += k
        st += k * len(blanks)
        blank_st += k * sum(blanks)
        blank_trips += k * any(blanks)
    return blank_trips, trips, blank_st, st


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mobility", *args], capture_output=True,
                          text=True, timeout=300, check=False, env={**os.environ, **env})


# -- the default region -----------------------------------------------------------------------
def test_addison_every_served_stop_is_walkable(addison: Region) -> None:
    cov = addison.coverage
    assert cov is not None
    served = {r["stop_id"] for r in _rows(ADDISON / "gtfs.zip", "stop_times.txt")}
    assert cov["served_stops"] == len(served) == 113
    assert cov["limit_m"] == LIMIT_M
    assert (cov["unreachable_stops"], cov["routes"], cov["partial_extract"]) == (0, [], False)
    assert cov["outside_extract_bbox"] == 0
    assert not any("walkable street" in w for w in addison.warnings)


def test_addison_interpolated_share(addison: Region) -> None:
    blank_trips, trips, blank_st, st = _interpolated(ADDISON / "gtfs.zip")
    assert (trips, st, blank_st) == (330, 4712, 3215)  # the data notes' figures
    assert addison.interpolated == {
        "trips": blank_trips, "trips_share": round(blank_trips / trips, 4),
        "stop_times": blank_st, "stop_times_share": round(blank_st / st, 4)}
    assert any(f"{blank_trips} trips (100%) have blank times" in w for w in addison.warnings)


# -- hand-made: stops beyond reach, routes losing access ------------------------------------
@pytest.fixture()
def stranded_region(tmp_path: Path) -> Path:
    """The tiny region plus two stops ~5 km north of its streets: route R2 runs from the
    streets to one of them, route R3 between the two."""
    folder = tmp_path / "regions" / "stranded"
    gtfs = folder / "gtfs"
    shutil.copytree(FIXTURES / "gtfs_tiny", gtfs)
    with (gtfs / "stops.txt").open("a", encoding="utf-8") as f:
        f.write("S5,North Farm,44.0500,-73.0000,0,,0\nS6,Far Hill,44.0600,-73.0000,0,,0\n")
    with (gtfs / "routes.txt").open("a", encoding="utf-8") as f:
        f.write("R2,A,2,Farm Line,3\nR3,A,,Hill Shuttle,3\n")
    with (gtfs / "trips.txt").open("a", encoding="utf-8") as f:
        f.write("R2,WK,T4,North Farm,\nR3,WK,T5,Far Hill,\n")
    with (gtfs / "stop_times.txt").open("a", encoding="utf-8") as f:
        f.write("T4,10:00:00,10:00:00,S4,1,,0,0\nT4,10:10:00,10:10:00,S5,2,,0,0\n"
                "T5,11:00:00,11:00:00,S5,1,,0,0\nT5,11:05:00,11:05:00,S6,2,,0,0\n")
    tiny_osm.write_osm(folder / "streets.osm")
    (folder / "region.toml").write_text('gtfs = ["gtfs"]\nosm = "streets.osm"\n'
                                        'service_areas = []\n', encoding="utf-8")
    return folder


def test_stranded_stops_and_routes(stranded_region: Path, tmp_path: Path) -> None:
    region = load_region("stranded", data=stranded_region.parent, cache_dir=tmp_path / "c",
                         workers=1)
    cov = region.coverage
    assert cov is not None
    # the walkable streets: the grid, without its island (nodes 11, 12: not strongly
    # connected) and without the private service way (node 10)
    grid = np.array([v for k, v in tiny_osm.NODES.items() if k not in (10, 11, 12)])
    dist = _served_distances(stranded_region / "gtfs", grid)
    far = {s for s, d in dist.items() if d > LIMIT_M}
    assert far == {"S5", "S6"} and max(d for s, d in dist.items() if s not in far) < 200
    assert (cov["served_stops"], cov["unreachable_stops"]) == (6, 2)
    assert cov["unreachable_share"] == round(2 / 6, 4) and cov["partial_extract"]
    assert [e["stop_id"] for e in cov["examples"]] == ["S6", "S5"]  # the farthest first
    for e in cov["examples"]:
        assert e["distance_m"] == pytest.approx(dist[e["stop_id"]], rel=0.01)
    losses = _route_losses(stranded_region / "gtfs", far)
    assert losses == {"R2": (2, 1), "R3": (2, 2)}
    assert cov["routes"] == [
        {"route_id": "R3", "name": "Hill Shuttle", "stops": 2, "unreachable_stops": 2},
        {"route_id": "R2", "name": "2", "stops": 2, "unreachable_stops": 1}]
    assert (cov["routes_without_access"], cov["routes_partly"]) == (1, 1)
    text = " ".join(region.warnings)
    assert "2 of 6 served stops (33%) lie more than 1,000 m from any walkable street" in text
    assert "S6 'Far Hill'" in text and "1 entirely (R3 'Hill Shuttle'), 1 in part" in text
    assert "covers only part of the feed (2 served stops lie outside" in text


# -- a real extract that covers only part of its feed ---------------------------------------
@pytest.mark.slow
def test_partial_extract_is_reported(tmp_path: Path) -> None:
    """addison-vt's feed over its extract cut at 44.20 N: the Burlington end of two routes
    lies 3-31 km beyond the streets. Compiled, reloaded from the cache and printed by
    ``info --json``, the report names the same stops as an independent count."""
    folder = tmp_path / "regions" / "addison-cut"
    folder.mkdir(parents=True)
    cut = cut_extract(ADDISON / "streets.osm.pbf", folder / "streets.osm.pbf", NORTH_CUT)
    gtfs = ADDISON / "gtfs.zip"
    (folder / "region.toml").write_text(f'gtfs = ["{gtfs}"]\nosm = "streets.osm.pbf"\n',
                                        encoding="utf-8")
    cache = tmp_path / "cache"
    region = load_region("addison-cut", data=folder.parent, cache_dir=cache)
    cov = region.coverage
    assert cov is not None and not region.from_cache

    # walking never uses motorways; every other street counts as walkable here
    nodes = street_nodes(cut, skip=frozenset({"motorway", "motorway_link"}))
    dist = _served_distances(gtfs, nodes)
    # the cut leaves no stop near the limit, so nodes (not segments) decide as well
    assert not [d for d in dist.values() if LIMIT_M / 2 < d < 2 * LIMIT_M]
    far = {s for s, d in dist.items() if d > LIMIT_M}
    assert len(far) == 26
    assert (cov["served_stops"], cov["unreachable_stops"]) == (len(dist), len(far)) == (113, 26)
    assert cov["unreachable_share"] == round(26 / 113, 4) and cov["partial_extract"]
    lat, lon = nodes[:, 0], nodes[:, 1]
    stops = {r["stop_id"]: r for r in _rows(gtfs, "stops.txt")}
    outside = [s for s in dist if not (lat.min() <= float(stops[s]["stop_lat"]) <= lat.max()
                                       and lon.min() <= float(stops[s]["stop_lon"]) <= lon.max())]
    assert cov["outside_extract_bbox"] == len(outside)
    assert {e["stop_id"] for e in cov["examples"]} <= far and len(cov["examples"]) == 5
    assert [e["stop_id"] for e in cov["examples"]] == sorted(far, key=lambda s: -dist[s])[:5]
    for e in cov["examples"]:  # flat-earth metres (within 1 %), segments nearer than nodes
        assert abs(e["distance_m"] - dist[e["stop_id"]]) <= 0.01 * dist[e["stop_id"]] + 100
    losses = _route_losses(gtfs, far)
    assert {r["route_id"]: (r["stops"], r["unreachable_stops"]) for r in cov["routes"]} \
        == losses
    assert cov["routes_without_access"] == sum(k == n for n, k in losses.values())
    text = " ".join(region.warnings)
    assert "26 of 113 served stops (23%) lie more than 1,000 m" in text
    assert "use a larger extract covering the feed's stops, bbox " in text
    assert "osmium extract -b" in text

    again = load_region("addison-cut", data=folder.parent, cache_dir=cache)
    assert again.from_cache and again.coverage == cov and again.warnings == region.warnings
    env = {"MOBILITY_DATA": str(folder.parent), "MOBILITY_CACHE": str(cache)}
    res = _cli("info", "addison-cut", "--json", env=env)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["cache"]["hit"] and doc["coverage"] == cov
    assert doc["interpolated"] == region.interpolated
    res = _cli("info", "addison-cut", env=env)
    assert res.returncode == 0, res.stderr
    out = " ".join(res.stdout.split())
    assert "87 of 113 served stops within 1,000 m of a walkable street" in out
    assert "covers only part of the feed" in out


# -- interpolated times on a hand-made feed ---------------------------------------------------
def test_interpolated_share_counts_each_departure(tiny_region: Path, tmp_path: Path) -> None:
    """The tiny feed with its frequency-based trip F1 given a blank middle stop: F1 runs three
    times, so it adds three interpolated trips and three stop times."""
    gtfs = tmp_path / "gtfs"
    shutil.copytree(FIXTURES / "gtfs_tiny", gtfs)
    st = (gtfs / "stop_times.txt").read_text(encoding="utf-8")
    st = st.replace("F1,00:04:00,00:05:00,S2,2,,0,0\n",
                    "F1,,,S2,2,,0,0\nF1,00:09:00,00:09:00,S3,3,,0,0\n")
    (gtfs / "stop_times.txt").write_text(st, encoding="utf-8")
    (tiny_region / "gtfs.zip").unlink()
    shutil.make_archive(str(tiny_region / "gtfs"), "zip", gtfs)
    region = load_region("tiny", data=tiny_region.parent, cache_dir=tmp_path / "c", workers=1)
    blank_trips, trips, blank_st, n_st = _interpolated(gtfs)
    assert (blank_trips, trips, blank_st, n_st) == (5, 6, 6, 21)
    assert region.interpolated == {"trips": 5, "trips_share": round(5 / 6, 4),
                                   "stop_times": 6, "stop_times_share": round(6 / 21, 4)}
    assert any(w.startswith("stop_times.txt: 5 trips (83%) have blank times at some stops "
                            "(6 stop times, 29%)") for w in region.warnings)
    cov = region.coverage
    assert cov is not None and (cov["served_stops"], cov["unreachable_stops"]) == (4, 0)
