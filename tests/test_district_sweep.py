"""The planner's district sweep (``mobility simulate --area all|a,b,c``): every (area, fleet
size) variant on the local pool, one comparison report; each variant's KPIs are those of
the same variant simulated alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mobility.region import Region
from mobility.sim import Overrides, ScenarioError, load_scenario, simulate_and_report
from mobility.sim.district import district_comparison, district_variants, slug
from tests.conftest import CACHE, DATA, ROOT

#: a second area north of Middlebury (New Haven, Bristol's stops), drawn by hand
NORTH = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": "north hills"},
    "geometry": {"type": "Polygon", "coordinates": [[
        [-73.20, 44.10], [-73.06, 44.10], [-73.06, 44.16], [-73.20, 44.16], [-73.20, 44.10]]]}}]}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny day (07-09, 4 requests/h) and the hand-made second area."""
    d = tmp_path_factory.mktemp("district")
    (d / "north.geojson").write_text(json.dumps(NORTH), encoding="utf-8")
    (d / "s.toml").write_text('hours = ["07:00", "09:00"]\nrate_per_hour = 4\nseed = 5\n',
                              encoding="utf-8")
    return d / "s.toml", d / "north.geojson"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA)}
    return subprocess.run([sys.executable, "-m", "mobility", "simulate", "addison-vt", *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_variants_area_by_area(addison: Region, district: tuple[Path, Path]) -> None:
    scen, north = district
    found = district_variants(addison, scen, f"middlebury, {north}", Overrides(), [1, 3], [])
    assert [(v.area, len(v.scenario.vehicles)) for v in found] == [
        ("middlebury", 1), ("middlebury", 3), ("north hills", 1), ("north hills", 3)]
    assert [v.folder for v in found][2:] == ["north-hills/1veh-4perh", "north-hills/3veh-4perh"]
    assert {v.scenario.rate_per_hour for v in found} == {4.0}
    # without sizes: each area's configured fleet (middlebury: 3 in addison-vt.toml)
    only = district_variants(addison, None, "all", Overrides(), [], [2.5])
    assert [(v.area, len(v.scenario.vehicles), v.scenario.rate_per_hour) for v in only] == [
        ("middlebury", 3, 2.5)]
    with pytest.raises(ScenarioError, match="given twice"):
        district_variants(addison, scen, f"{north},{north}", Overrides(), [1], [])
    with pytest.raises(ScenarioError, match=r"'nowhere' is neither .*\(middlebury\)"):
        district_variants(addison, scen, "middlebury,nowhere", Overrides(), [1], [])
    assert slug("Süd / Ost") == "Süd-Ost"


def test_each_area_draws_its_share_of_the_district_profile(rhein_neckar: Region) -> None:
    found = district_variants(rhein_neckar, None, "all", Overrides(), [8, 10], [])
    assert len(found) == 8 and [v.area for v in found[::2]] == [
        "freinsheim", "hassloch", "schwetzingen", "wilhelmsfeld"]
    per_day = {"freinsheim": 700, "hassloch": 850, "schwetzingen": 900, "wilhelmsfeld": 550}
    for v in found:
        sc = v.scenario
        # service 05:30-22:30: whole hours 5-22 hold every weight of the profile, so the
        # expected requests of the day are the area's requests a day
        assert sc.hours == (5.5 * 3600, 22.5 * 3600)
        assert sc.rate_per_hour * 18 == pytest.approx(per_day[v.area], abs=0.01)
        assert (sc.standing_share, sc.prebooked_share) == (0.15, 0.3)
        assert sc.profile is not None and sc.profile[7] == 2.4
    # a rate given (or a scenario file's) is every area's
    assert {v.scenario.rate_per_hour
            for v in district_variants(rhein_neckar, None, "all", Overrides(), [8], [20])
            } == {20.0}


def _row(area: str, n: int, served: int, requests: int = 100) -> dict[str, Any]:
    return {"vehicles": n, "requests": requests, "served": served, "rejected": requests - served,
            "served_share": served / requests, "wait_min": {"p95": 10.0},
            "pooling_rate": 0.2, "vehicle_km": 100.0 * n, "cost_per_served_trip": 9.0 * n,
            "currency": "EUR"}


def test_smallest_fleet_meeting_the_target_is_read_from_every_size() -> None:
    from types import SimpleNamespace

    shares = {"a": {2: 80, 4: 96, 6: 94, 8: 99}, "b": {2: 90, 4: 93}}
    found = [SimpleNamespace(area=a, folder=f"{a}/{n}veh-10perh",
                             scenario=SimpleNamespace(vehicles=[None] * n, rate_per_hour=10.0))
             for a, by in shares.items() for n in by]
    results = {f"{a}/{n}veh-10perh": _row(a, n, s) for a, by in shares.items()
               for n, s in by.items()}
    c = district_comparison(found, results, 0.95)  # type: ignore[arg-type]
    assert [(r["area"], r["vehicles"]) for r in c["comparison"]] == [
        ("a", 2), ("a", 4), ("a", 6), ("a", 8), ("b", 2), ("b", 4)]
    a, b = c["areas"]
    assert (a["smallest_fleet"], a["served"], a["sizes"]) == (4, 96, [2, 4, 6, 8])
    assert (b["smallest_fleet"], b["at"], b["served"]) == (None, "4veh-10perh", 93)
    assert c["district"] == [{"rate_per_hour": 10.0, "areas": 2, "vehicles": None,
                              "all_met": False, "requests": 200, "served": 189,
                              "served_share": 0.945}]
    c = district_comparison(found, results, 0.9)  # type: ignore[arg-type]
    assert [x["smallest_fleet"] for x in c["areas"]] == [4, 2]
    assert c["district"][0]["vehicles"] == 6 and c["district"][0]["all_met"]


@pytest.mark.slow
def test_cli_district_sweep_on_the_pool_equals_single_runs(
        addison: Region, district: tuple[Path, Path], tmp_path: Path) -> None:
    scen, north = district
    out = tmp_path / "rep"
    # one size per area: each of the two workers pays its imports and an area's homes once
    r = _cli("--area", f"middlebury,{north}", "--vehicles", "2", "--scenario", str(scen),
             "--workers", "2", "--out", str(out), "--json", "--target", "0.9")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["engine"] == "pool" and got["workers"] == 2 and got["target"] == 0.9
    assert [(v["area"], v["vehicles"]) for v in got["comparison"]] == [
        ("middlebury", 2), ("north hills", 2)]
    # the reference: each variant simulated alone, in this process, by the single-run path
    for spec, area in (("middlebury", "middlebury"), (str(north), "north-hills")):
        sc = load_scenario(addison, scen, Overrides(area=spec, vehicles=2))
        alone = simulate_and_report(addison, sc, None).kpis
        key = f"{area}/2veh-4perh"
        assert got["variants"][key] == alone, key
        assert json.loads((out / key / "kpis.json").read_text()) == alone
    c = json.loads((out / "comparison.json").read_text())
    assert c["comparison"] == got["comparison"] and c["areas"] == got["areas"]
    page = (out / "index.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    for area in ("middlebury", "north hills"):
        assert page.count(f"<td>{area}</td>") == 2  # the areas' table and the variants'
        assert md.count(f"| {area} |") == 2
    assert page.count("data:image/png;base64,") == 2 and "src=\"http" not in page
    assert "middlebury/2veh-4perh/index.html" in page
    for name in ("served_share.png", "cost_per_trip.png"):
        assert (out / name).stat().st_size > 5000


@pytest.mark.slow
def test_cli_bad_area_lists_the_valid_ones(tmp_path: Path) -> None:
    r = _cli("--area", "middlebury,nowhere", "--vehicles", "1", "--out", str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert ("'nowhere' is neither a service area of addison-vt (middlebury)"
            in " ".join(r.stderr.split()))
