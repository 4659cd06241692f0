"""The planner's simulation: a hand-made day whose KPIs are computed by hand, KPI identities
on the real addison-vt streets, reproducibility, fleet-size sweeps, demand files and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dispatch.demand import DemandError, Trip, read_demand
from dispatch.insertion import DispatchParams
from dispatch.kpis import compute_kpis
from dispatch.model import Vehicle
from dispatch.scenario import Scenario
from dispatch.service_area import ServiceArea
from dispatch.simulation import simulate
from dispatch.travel import EuclideanTravel
from mobility.sim import (
    Overrides,
    RegionRef,
    ScenarioError,
    demand_for,
    load_scenario,
    run,
    sweep,
    variants,
)
from tests.conftest import CACHE, DATA, ROOT

SQUARE = {"type": "Polygon", "coordinates": [[[-1, -1], [2000, -1], [2000, 2000],
                                              [-1, 2000], [-1, -1]]]}


def _tiny(no_show: float = 0.0) -> Scenario:
    v = Vehicle("v1", (0.0, 0.0), (0.0, 0.0), (0.0, 10_000.0), seats=4)
    area = ServiceArea("square", SQUARE, (v,))
    return Scenario(area, (v,), (0.0, 10_000.0),
                    DispatchParams(window_s=100, alpha=1.5, beta=100, boarding_s=0,
                                   alighting_s=0), no_show=no_show)


TINY_TRIPS = [Trip("A", 100.0, (100.0, 0.0), (600.0, 0.0), booked_at=0.0),
              Trip("B", 200.0, (200.0, 0.0), (500.0, 0.0), booked_at=0.0)]


def test_tiny_day_by_hand() -> None:
    """One vehicle on a line (1 unit/s, 1 unit = 1 m): A rides 100 -> 600, B 200 -> 500.
    The vehicle reaches A at 100, B at 200, drops B at 500 and A at 600, and returns: legs
    100, 100, 300, 100, 600 = 1.2 km; empty 0.7; passenger-km 0.1 + 0.6 + 0.1 = 0.8, of
    which 0.6 shared."""
    travel = EuclideanTravel()
    res = simulate(_tiny(), TINY_TRIPS, travel)
    a, b = res.outcomes["A"], res.outcomes["B"]
    assert (a.pickup, a.dropoff, b.pickup, b.dropoff) == (100.0, 600.0, 200.0, 500.0)
    k = compute_kpis(res, travel)
    assert (k["requests"], k["served"], k["rejected"], k["no_shows"]) == (2, 2, 0, 0)
    assert k["wait_min"] == {"mean": 0.0, "p50": 0.0, "p95": 0.0}
    assert k["in_vehicle_min"]["mean"] == pytest.approx((500 + 300) / 2 / 60, abs=0.05)
    assert k["detour_factor"]["mean"] == 1.0
    assert k["vehicle_km"] == 1.2 and k["empty_km"] == 0.7 and k["loaded_km"] == 0.5
    assert k["passenger_km"] == 0.8
    assert k["pooling_rate"] == 0.75
    assert k["mean_occupancy"] == pytest.approx(0.8 / 1.2, abs=1e-4)
    assert k["seat_occupancy"] == pytest.approx(0.8 / (1.2 * 4), abs=1e-4)
    hours = 10_000 / 3600
    assert k["vehicle_hours"] == pytest.approx(hours, abs=0.01)
    assert k["cost"] == pytest.approx(hours * 35 + 1.2 * 0.45, abs=0.01)
    assert k["cost_per_served_trip"] == pytest.approx(k["cost"] / 2, abs=0.01)
    assert k["co2_kg"] == pytest.approx(1.2 * 0.2, abs=0.001)


def test_no_show_frees_the_vehicle() -> None:
    travel = EuclideanTravel()
    res = simulate(_tiny(no_show=1.0), TINY_TRIPS, travel)
    assert {o.status for o in res.outcomes.values()} == {"no_show"}
    k = compute_kpis(res, travel)
    assert k["no_shows"] == 2 and k["served"] == 0 and k["passenger_km"] == 0.0
    assert k["cost_per_served_trip"] is None


@pytest.fixture(scope="module")
def morning(addison):  # type: ignore[no-untyped-def]
    """A morning (07-11) around Middlebury: 2 vehicles, 12 requests/hour."""
    sc = load_scenario(addison, None, Overrides(vehicles=2, rate_per_hour=12, seed=7))
    sc = replace(sc, hours=(7 * 3600.0, 11 * 3600.0))
    trips, notes = demand_for(addison, sc, None, False)
    return sc, trips, run(addison, sc, trips, notes)


def test_kpi_identities_on_real_streets(morning) -> None:  # type: ignore[no-untyped-def]
    sc, trips, r = morning
    k = r.kpis
    assert k["requests"] == len(trips) >= 30
    assert k["served"] + k["rejected"] + k["no_shows"] == k["requests"]
    assert sum(k["rejected_by_reason"].values()) == k["rejected"]
    assert 0 <= k["pooling_rate"] <= 1 and 0 <= k["seat_occupancy"] <= 1
    assert k["vehicle_km"] >= k["passenger_km"] / max(v.seats for v in sc.vehicles)
    assert k["loaded_km"] + k["empty_km"] == pytest.approx(k["vehicle_km"], abs=0.02)
    assert k["pickups_outside_window"] == 0
    assert k["detour_factor"]["p50"] >= 1.0 - 1e-6
    assert k["cost_per_served_trip"] == pytest.approx(k["cost"] / k["served"], abs=0.01)
    for o in r.result.outcomes.values():
        if o.status == "served":
            assert o.window[0] - 1e-6 <= o.pickup <= o.window[1] + 1e-6
            ride = o.dropoff - o.pickup - r.result.requests[o.trip.id].pickup_service
            assert ride <= r.result.requests[o.trip.id].max_ride + 1e-6
            assert o.pickup >= o.trip.time - 1e-6
    # vehicles never carry more than their seats
    for visits in r.result.visits.values():
        assert all(0 <= x.load <= sc.vehicles[0].seats for x in visits)
        times = [x.time for x in visits]
        assert times == sorted(times)


def test_same_seed_same_kpis(addison, morning) -> None:  # type: ignore[no-untyped-def]
    sc, trips, r = morning
    again = run(addison, sc, *demand_for(addison, sc, None, False))
    assert again.kpis == r.kpis
    other = replace(sc, seed=8)
    trips2, _ = demand_for(addison, other, None, False)
    assert [t.origin for t in trips2] != [t.origin for t in trips]


def _busy(n: int) -> list[subprocess.Popen[str]]:
    """``n`` processes that each keep a core busy, each running once it has said so."""
    procs = [subprocess.Popen([sys.executable, "-c", "print('busy', flush=True)\n"
                               "while True: pass"], stdout=subprocess.PIPE, text=True)
             for _ in range(n)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline() == "busy\n"
    return procs


def test_same_kpis_alone_and_under_load(addison) -> None:  # type: ignore[no-untyped-def]
    """The re-planning works to a count of solutions, never to the clock: the same day gives
    the same KPIs and the same outcome of every trip alone and while twice as many busy
    processes as cores compete for the machine. (A busy morning re-planned every quarter
    hour; homes along the streets only, which spares reading the extract's buildings.)"""
    sc = load_scenario(addison, None, Overrides(vehicles=3, rate_per_hour=20, seed=7))
    sc = replace(sc, hours=(7 * 3600.0, 10 * 3600.0), reoptimize_every_s=900.0)
    trips, _ = demand_for(addison, sc, buildings=np.empty((0, 2)))
    alone = run(addison, sc, trips, [])
    busy = _busy(2 * (os.cpu_count() or 2))
    try:
        loaded = run(addison, sc, trips, [])
    finally:
        for p in busy:
            p.kill()
            p.wait()
            assert p.stdout is not None
            p.stdout.close()
    assert alone.kpis["replans_adopted"] > 0  # the optimiser did re-plan the day
    assert loaded.kpis == alone.kpis

    def outcomes(r):  # type: ignore[no-untyped-def]
        return {k: (o.status, o.vehicle, o.pickup, o.dropoff)
                for k, o in r.result.outcomes.items()}

    assert outcomes(loaded) == outcomes(alone)


@pytest.mark.slow
def test_more_vehicles_never_serve_fewer(addison, morning) -> None:  # type: ignore[no-untyped-def]
    """A sweep over 1, 2, 3 vehicles on the same demand, in parallel processes."""
    sc, _, _ = morning
    results = sweep(RegionRef.of(addison, DATA, CACHE), variants(sc, [1, 2, 3], []), None,
                    workers=2)
    served = [k["served"] + k["no_shows"] for k in results.values()]
    assert list(results) == ["1veh-12perh", "2veh-12perh", "3veh-12perh"]
    assert served == sorted(served) and served[0] < served[-1]
    assert len({k["requests"] for k in results.values()}) == 1


def test_demand_file_reports_every_bad_row(tmp_path: Path) -> None:
    f = tmp_path / "demand.csv"
    f.write_text("time,origin_lat,origin_lon,destination_lat,destination_lon,passengers,"
                 "booked_at\n"
                 "08:00,44.0153,-73.1673,44.1336,-73.079,1,\n"
                 "25:99,44.0153,-73.1673,44.1336,-73.079,1,\n"
                 "09:00,north,-73.1673,44.1336,-73.079,0,\n"
                 "10:00,44.0153,-73.1673,44.1336,-73.079,2,10:30\n"
                 "11:00,44.0153,-73.1673,44.1336,-73.079,2,07:30\n", encoding="utf-8")
    with pytest.raises(DemandError) as exc:
        read_demand(f)
    where = [(n, c) for n, c, _ in exc.value.problems]
    assert where == [(3, "time"), (4, "origin_lat"), (4, "passengers"), (5, "booked_at")]
    assert "line 3, time" in str(exc.value) and "--skip-bad-rows" in str(exc.value)
    trips, warnings = read_demand(f, skip_bad=True)
    assert [t.time for t in trips] == [8 * 3600.0, 11 * 3600.0]
    assert trips[1].booked_at == 7.5 * 3600 and trips[1].passengers == 2
    assert len(warnings) == 4 and "line 4" in warnings[1]


def test_scenario_errors_name_the_key(addison, tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    for text, key in (('colour = "red"\n', "'colour'"), ('hours = ["10:00", "08:00"]\n',
                                                         "'hours'"),
                      ("[fleet]\nvehicles = 0\n", "'fleet.vehicles'"),
                      ("[rules]\nwindow_min = -5\n", "'rules.window_min'"),
                      ('area = "atlantis"\n', "'area'")):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError, match=key):
            load_scenario(addison, bad)


def test_scenario_tables_are_checked_key_by_key(addison, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The scenario's tables go through the same schema as region.toml: unknown keys, wrong
    types and values out of range are each named with their table and field, all at once;
    bad options are named as options."""
    bad = tmp_path / "s.toml"
    bad.write_text('seed = "seven"\n[fleet]\nseats = 0\ndoors = 2\n[rules]\nwindow = 15\n'
                   '[costs]\nper_km = "0.45"\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(addison, bad)
    m = str(exc.value)
    assert m.startswith(f"{bad}: ") and m.count(";") == 4
    assert "'seed' must be a whole number from 0 to 2147483648, not 'seven'" in m
    assert "'fleet.seats' must be a whole number from 1 to 100, not 0" in m
    assert "'fleet.doors' is not a known key (known: depot, seats, shift, vehicles, " \
           "wheelchair_places)" in m
    assert "'rules.window' is not a known key (known: alighting_s, alpha, beta_min" in m
    assert "'costs.per_km' must be a number from 0 to 10000, not '0.45'" in m
    with pytest.raises(ScenarioError, match=r"^options: 'fleet.vehicles' must be a whole "
                       r"number from 1 to 500, not 501$"):
        load_scenario(addison, None, Overrides(vehicles=501))
    with pytest.raises(ScenarioError, match=r"^options: 'area' 'atlantis' is neither"):
        load_scenario(addison, None, Overrides(area="atlantis"))


def test_scenario_defaults_are_the_fleet_defaults(addison) -> None:  # type: ignore[no-untyped-def]
    """Without a file: the region's first area, its first vehicle's depot, 3 vehicles of 7
    seats and 1 wheelchair place on shift for the area's hours (those of its configured
    fleet: 06:00-20:00 on addison-vt, not the library's 06:00-22:00), costs in US dollars."""
    sc = load_scenario(addison, None)
    (area,) = addison.service_areas
    assert sc.area.name == area.name and len(sc.vehicles) == 3
    hours = (min(v.shift[0] for v in area.vehicles), max(v.shift[1] for v in area.vehicles))
    assert hours == (6 * 3600.0, 20 * 3600.0) == area.hours
    assert {(v.seats, v.wheelchair_places, v.shift, v.start) for v in sc.vehicles} == {
        (7, 1, hours, area.vehicles[0].start)}
    assert sc.hours == hours and sc.rules == DispatchParams()
    assert sc.costs.currency == "USD"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA)}
    return subprocess.run([sys.executable, "-m", "mobility", "simulate", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_writes_a_self_contained_report(tmp_path: Path) -> None:
    scen = tmp_path / "s.toml"
    scen.write_text('hours = ["07:00", "10:00"]\nrate_per_hour = 8\nseed = 3\n'
                    "[fleet]\nvehicles = 2\nseats = 5\n[costs]\nper_vehicle_hour = 40\n",
                    encoding="utf-8")
    r = _cli("--scenario", str(scen), "--out", str(tmp_path / "rep"), "--json")
    assert r.returncode == 0, r.stderr
    k = json.loads(r.stdout)
    assert k["vehicles"] == 2 and k["vehicle_hours"] == pytest.approx(2 * 3, abs=0.01)
    page = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 4
    assert "src=\"http" not in page and "<script" not in page  # opens offline
    for name in ("map.png", "waits.png", "occupancy.png", "by_hour.png"):
        assert (tmp_path / "rep" / name).stat().st_size > 5000
    assert json.loads((tmp_path / "rep" / "kpis.json").read_text()) == k
    rows = (tmp_path / "rep" / "trips.csv").read_text().splitlines()
    assert len(rows) == k["requests"] + 1


@pytest.mark.slow
def test_cli_refuses_bad_demand_with_line_numbers(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text("time,origin_lat,origin_lon,destination_lat,destination_lon\n"
                 "8:00,44.0153,-73.1673,44.1336,-73.079\n"
                 "08:00,44.0153,,44.1336,-73.079\n", encoding="utf-8")
    r = _cli("--demand", str(f), "--out", str(tmp_path / "rep"))
    assert r.returncode == 2 and "line 3, origin_lon" in r.stderr
    assert "Traceback" not in r.stderr
    r = _cli("--demand", str(f), "--skip-bad-rows", "--out", str(tmp_path / "rep"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["requests"] == 1
    assert _cli("--vehicles", "0").returncode == 2
