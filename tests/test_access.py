"""``mobility access``: per-cell times against plain repeated searches and walks, the
weighted mixture and the gain counted by hand, local pool == Ray, the CLI's files and its
answers to bad input."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mobility.access import AccessError, AccessOptions, parse_window, run_access
from mobility.access.analysis import samples, weighted_percentile
from mobility.access.origins import origin_cells
from mobility.region import Region
from routing.geo import local_metres
from tests.conftest import CACHE, DATA, ROOT

#: the town centres of the README's default analysis (Middlebury, Vergennes, Bristol)
CENTRES = "stops:771333,771400,771306"


def _options(**kw: object) -> AccessOptions:
    base = AccessOptions(to=CENTRES, data=DATA, cache=CACHE, window="07:00-07:06",
                         max_min=45, vehicles=[3])
    return replace(base, **kw)  # type: ignore[arg-type]


def _pick_cells(region: Region) -> tuple[int, ...]:
    """Cells near Middlebury's green, near Vergennes' centre and far from both (index)."""
    cells = origin_cells(region)
    picks = []
    for lat, lon in ((44.0138, -73.1674), (44.1660, -73.2540), (44.10, -73.05)):
        d = local_metres(lat, lon, cells.lat, cells.lon)
        picks.append(int(np.argmin(d)))
    return tuple(picks)


@pytest.fixture(scope="module")
def small(addison: Region):  # type: ignore[no-untyped-def]
    picks = _pick_cells(addison)
    return picks, run_access(addison, _options(cell_subset=picks))


def test_cell_times_match_repeated_searches_and_walks(addison: Region, small) -> None:  # type: ignore[no-untyped-def]
    from mobility.planning import RegionPlanner

    _, res = small
    p = RegionPlanner(addison)
    walk, router = p.street("walk"), p.transit
    tt = addison.timetable
    stops = list(zip(tt.stop_lat.astype(float).tolist(), tt.stop_lon.astype(float).tolist(),
                     strict=True))
    opps = res.opps.points()
    date = addison.config.default_date
    egress, _ = walk.matrix(stops, opps)
    for i in range(len(res.cells)):
        cell = (float(res.cells.lat[i]), float(res.cells.lon[i]))
        acc, _ = walk.matrix([cell], stops)
        direct, _ = walk.matrix([cell], opps)
        near = []
        for dep in range(7 * 3600, 7 * 3600 + 6 * 60, 60):
            best = math.inf
            for o in range(len(opps)):
                if direct[0, o] <= 45 * 60:
                    best = min(best, math.ceil(direct[0, o]))
            sources = [(s, dep + math.ceil(acc[0, s])) for s in range(len(stops))
                       if acc[0, s] <= 900]
            if sources:
                arr = router.search(date, sources).best()[-1]
                for s in range(len(stops)):
                    for o in range(len(opps)):
                        if arr[s] < 10**9 and egress[s, o] <= 900:
                            best = min(best, arr[s] + math.ceil(egress[s, o]) - dep)
            near.append(best / 60)
        expect = [float(np.percentile(near, q, method="inverted_cdf")) for q in (25, 50, 75)]
        assert res.result.before[i].tolist() == pytest.approx(expect), i
    # the three cells differ: one at the green (minutes), one unreachable within the window
    assert res.result.before[0, 1] < 10
    # with the service, nobody is worse off
    after = res.result.after[3]
    assert np.all((after <= res.result.before) | np.isnan(res.result.before))


def test_weighted_percentile_mixture_by_hand() -> None:
    before = np.array([10.0, 20.0, 30.0, 40.0])  # four minutes, transit only
    after = np.full((3, 4), 5.0)  # three measured quartiles, the service at 5 min
    # served share 0.25: transit samples weigh 0.75 each (3.0), service samples 1/12 (1.0);
    # sorted: twelve 5s (cum 1.0), 10 (1.75), 20 (2.5), 30 (3.25), 40 (4.0)
    v, w = samples(before, after, 0.25)
    assert w.sum() == pytest.approx(4.0)
    assert weighted_percentile(v, w, 25) == 5.0   # 25 % of 4.0 = 1.0: reached by the 5s
    assert weighted_percentile(v, w, 50) == 20.0  # 2.0: reached at 20
    assert weighted_percentile(v, w, 75) == 30.0  # 3.0: reached at 30
    # served share 0.6: the service samples weigh 2.4 of 4.0, the median is the service's
    v, w = samples(before, after, 0.6)
    assert weighted_percentile(v, w, 50) == 5.0
    assert weighted_percentile(v, w, 75) == 20.0  # 3.0 − 2.4 = 0.6 more: 10 (0.4), 20 (0.8)
    # unreachable minutes count (as never), not dropped
    v, w = samples(np.array([np.inf] * 4), np.full((3, 4), np.inf), 0.5)
    assert weighted_percentile(v, w, 50) == math.inf
    # equal weights: numpy's inverted-CDF percentile
    x = np.array([3.0, 1.0, 7.0, 2.0, 9.0])
    for q in (10, 25, 50, 75, 90):
        assert weighted_percentile(x, np.ones(5), q) == np.percentile(x, q,
                                                                      method="inverted_cdf")


def test_gain_counted_by_hand_from_the_cells(addison: Region, tmp_path: Path) -> None:
    import geopandas as gpd

    from mobility.access.outputs import write_cells

    cells = origin_cells(addison, 1000.0)
    # every 4th 1-km cell of the region: some inside the area, most outside
    res = run_access(addison, _options(cell_m=1000.0, vehicles=[3, 4], window="07:00-07:04",
                                       cell_subset=tuple(range(0, len(cells), 4))))
    path = write_cells(res, tmp_path / "cells.gpkg")
    df = gpd.read_file(path, layer="cells")
    assert len(df) == len(res.cells)
    for n, fleet in zip((3, 4), res.summary["fleets"], strict=True):
        before, after = df["before_p50"].fillna(np.inf), df[f"after{n}_p50"].fillna(np.inf)
        gain = (before > 45) & (after <= 45)
        assert (df[f"gain{n}"].astype(bool) == gain).all()
        gaining = float(df["weight"][gain].sum())
        assert fleet["residents_gaining"] == pytest.approx(gaining, abs=0.06)
        assert fleet["cells_gaining"] == int(gain.sum())
        if fleet["residents_gaining"]:
            assert fleet["cost_per_resident_gaining"] == pytest.approx(
                fleet["cost"] / gaining, abs=0.006)  # (rounded to cents)
            assert fleet["gaining_per_vehicle_hour"] == pytest.approx(
                gaining / fleet["vehicle_hours"], abs=0.0006)
    # the job API's GeoJSON carries the same figures (unreachable: null)
    gj = res.cells_geojson()
    assert len(gj["features"]) == len(df)
    for f, (_, row) in zip(gj["features"], df.iterrows(), strict=True):
        p50 = f["properties"]["before_p50"]
        assert (p50 is None and math.isnan(row["before_p50"])) or p50 == pytest.approx(
            row["before_p50"], abs=1e-3)
        assert f["properties"]["gain3"] == bool(row["gain3"])
    # the squares are the grid's: 1 km on a side (± the projection's error)
    g = df.to_crs(3857).geometry.iloc[0]
    side = math.sqrt(g.area) * math.cos(math.radians(float(df["lat"].iloc[0])))
    assert side == pytest.approx(1000.0, rel=0.02)


def test_population_file_overrides_the_proxy(addison: Region, tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text("lat,lon,count\n44.0138,-73.1674,120\n44.0139,-73.1675,30\n"
                 "44.1660,-73.2540,50\n", encoding="utf-8")
    cells = origin_cells(addison, 250.0, f)
    assert cells.source == "people.csv"
    assert sorted(cells.weight.tolist()) == [50.0, 150.0]  # the first two share a cell


@pytest.mark.slow
def test_local_pool_and_ray_give_identical_results(addison: Region, small) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("ray", reason="ray is not installed (pip install 'mobility[ray]')")
    picks, base = small
    opts = _options(cell_subset=picks, vehicles=[2, 3])
    pool = run_access(addison, replace(opts, workers=2))
    ray = run_access(addison, replace(opts, workers=2, ray="auto"))
    assert (pool.engine, ray.engine) == ("pool", "ray")
    for a, b in ((pool, ray), (pool, run_access(addison, opts))):
        np.testing.assert_array_equal(a.result.before, b.result.before)
        for n in (2, 3):
            np.testing.assert_array_equal(a.result.after[n], b.result.after[n])
            np.testing.assert_array_equal(a.result.count_after[n], b.result.count_after[n])
        assert a.measures == b.measures
        assert a.summary == b.summary


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOBILITY_DATA": str(DATA), "MOBILITY_CACHE": str(CACHE),
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "mobility", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)


@pytest.mark.slow
def test_cli_json_and_files(addison: Region, tmp_path: Path) -> None:
    out = tmp_path / "acc"
    r = _cli("access", "addison-vt", "--to", CENTRES, "--window", "07:00-07:03", "--max",
             "45", "--vehicles", "2,3", "--cell", "2000", "--out", str(out), "--json",
             "--language", "de")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    for key in ("region", "cells", "residents", "residents_within_before", "fleets",
                "median_min_before", "mean_min_before", "timings_s", "searches"):
        assert key in s
    assert [f["vehicles"] for f in s["fleets"]] == [2, 3]
    for f in s["fleets"]:
        for key in ("served_share", "wait_min", "detour_factor", "residents_gaining",
                    "gaining_per_vehicle_hour", "cost_per_resident_gaining",
                    "median_min_after", "mean_min_after", "cost", "vehicle_hours"):
            assert key in f
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["cells"] == s["cells"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'lang="de"' in page and "Rufbus" in page and "data:image/png;base64," in page
    import geopandas as gpd

    assert len(gpd.read_file(out / "cells.gpkg")) == s["cells"]


@pytest.mark.parametrize(("args", "message"), [
    (("--to", "stops:771333,NOPE"), "unknown stop id(s) NOPE"),
    (("--to", CENTRES, "--window", "9-7"), "--window must be HH:MM-HH:MM"),
    (("--to", CENTRES, "--window", "09:00-07:00"), "must end after it starts"),
    (("--to", CENTRES, "--max", "0"), "--max must be 1 to 240"),
    (("--to", "supermarkets"), "maps no supermarkets"),
    (("--to", "nowhere.csv"), "no such file"),
    (("--to", CENTRES, "--population", "missing.geojson"), "no such file"),
    (("--to", CENTRES, "--vehicles", "two"), "--vehicles must be a number"),
    (("--to", CENTRES, "--area", "atlantis"), "atlantis"),
    (("--to", ""), "--to is required"),
    (("--to", CENTRES, "--ray", "127.0.0.1:1"), "no Ray cluster answers there"),
    (("--to", CENTRES, "--ray", "nowhere"), "--ray must be auto or HOST:PORT"),
])
def test_cli_bad_input_is_a_clear_error(addison: Region, args: tuple[str, ...],
                                        message: str) -> None:
    r = _cli("access", "addison-vt", *args, "--out", "/nonexistent/never-written")
    assert r.returncode == 2, r.stderr
    assert message in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr


def test_bad_files_name_the_line(addison: Region, tmp_path: Path) -> None:
    bad = tmp_path / "opps.csv"
    bad.write_text("lat,lon,name\n44.0,-73.1,a\n44.0,east,b\n", encoding="utf-8")
    with pytest.raises(AccessError, match="line 3: lon must be a number"):
        run_access(addison, _options(to=str(bad)))
    geo = tmp_path / "people.geojson"
    geo.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                   '"geometry": {"type": "Point", "coordinates": [-73.1, 44.0]}, '
                   '"properties": {}}]}', encoding="utf-8")
    with pytest.raises(AccessError, match="feature 0: the property count"):
        run_access(addison, _options(population=geo))
    assert parse_window("7:00-7:30") == (25200, 27000)


def test_osm_categories_come_from_the_extract(tiny_region: Path, tmp_path: Path) -> None:
    from mobility.access.opportunities import opportunities
    from mobility.region import load_region

    osm = tiny_region / "streets.osm"
    lines = osm.read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("<way"))
    lines.insert(at, '<node id="999999" version="1" lat="40.0001000" lon="-75.0001000">'
                     '<tag k="amenity" v="pharmacy"/><tag k="name" v="Corner Pharmacy"/>'
                     '</node>')
    osm.write_text("\n".join(lines) + "\n", encoding="utf-8")
    region = load_region(tiny_region, data=tiny_region.parent, cache_dir=tmp_path / "c")
    found = opportunities(region, "pharmacies")
    assert found.names == ["Corner Pharmacy"]
    assert found.points() == [pytest.approx((40.0001, -75.0001))]
    with pytest.raises(AccessError, match="maps no supermarkets"):
        opportunities(region, "supermarkets")
