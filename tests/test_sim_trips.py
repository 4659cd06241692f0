"""trips.csv of a real addison-vt day with hourly re-planning, read back and checked row by
row against the vehicles' visits by an independent checker (tests/day_checker.py); and the
re-planning modes a planner chooses between."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dispatch.scenario import Scenario
from mobility.sim import Overrides, demand_for, load_scenario, run
from mobility.sim.trips import COLUMNS, write_trips
from routing.street_router import StreetRouter
from tests.day_checker import Rules, VisitRecord, check_day, epoch

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
TIMES = ("requested", "booked_at", "window_start", "window_end", "latest_dropoff", "pickup",
         "dropoff")


@pytest.fixture(scope="module")
def day(addison):  # type: ignore[no-untyped-def]
    """The default addison-vt day with 3 vehicles, re-planned every hour (keep_slack)."""
    sc = load_scenario(addison, None, Overrides(vehicles=3))
    assert sc.replanning_mode == "keep_slack"
    trips, notes = demand_for(addison, sc)
    return sc, run(addison, sc, trips, notes)


def _visits(res, date: dt.date, tz: str) -> dict[str, list[VisitRecord]]:  # type: ignore[no-untyped-def]
    # service day's origin: noon minus 12 hours (the day's seconds count from it)
    origin = (dt.datetime.combine(date, dt.time(12), ZoneInfo(tz)).timestamp() - 12 * 3600)
    return {vid: [VisitRecord(origin + v.time, v.kind, v.trip, v.point[0], v.point[1])
                  for v in vs] for vid, vs in res.visits.items()}


def _rules(sc: Scenario) -> Rules:
    r, v = sc.rules, sc.vehicles[0]
    return Rules(r.alpha, r.beta, r.boarding_s, r.alighting_s, v.seats, v.wheelchair_places)


def _written(addison, r, tmp_path: Path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The day's trips.csv as written for the planner, read back as rows."""
    path = write_trips(tmp_path / "trips.csv", r.result, addison.timezone, addison.default_date)
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_trips_csv_checks_out_against_the_visits(addison, day, tmp_path: Path  # type: ignore[no-untyped-def]
                                                 ) -> None:
    sc, r = day
    rows = _written(addison, r, tmp_path)
    assert tuple(rows[0]) == COLUMNS and len(rows) == r.kpis["requests"]
    for row in rows:
        for c in TIMES:
            assert row[c] == "" or ISO.match(row[c]), (c, row[c])
    served = [row for row in rows if row["status"] == "served"]
    assert len(served) == r.kpis["served"] > 50
    assert {row["status"] for row in rows} >= {"served", "rejected"}
    assert all(row["reason"] for row in rows if row["status"] == "rejected")
    # bookings made the day before carry the day before's date
    day0 = addison.default_date.isoformat()
    before = [row for row in rows if row["booked_at"][:10] < day0]
    assert before and all(epoch(row["booked_at"]) < epoch(row["requested"]) for row in before)
    # a re-plan moved bookings: the file names the vehicle that served them
    assert r.kpis["replans_adopted"] > 0
    moved = [row for row in served if row["vehicle"] != row["booked_vehicle"]]
    assert moved
    router = StreetRouter(addison.streets["car"])

    def drive(a: tuple[float, float], b: tuple[float, float]) -> float:
        return float(router.matrix([a], [b])[0][0, 0])

    visits = _visits(r.result, addison.default_date, addison.timezone)
    assert check_day(rows, visits, _rules(sc), drive) == []
    # the checker is not blind: the booking's vehicle (the old column) fails on moved rides
    wrong = [{**row, "vehicle": row["booked_vehicle"]} for row in rows]
    found = check_day(wrong, visits, _rules(sc), drive)
    assert len([p for p in found if p.startswith("vehicle:")]) == len(
        [row for row in rows if row["status"] in ("served", "no_show")
         and row["vehicle"] != row["booked_vehicle"]])


def test_checker_catches_a_broken_promise(addison, day, tmp_path: Path  # type: ignore[no-untyped-def]
                                          ) -> None:
    """A pickup moved out of its window, and a ride stretched past its limit, are found."""
    sc, r = day
    rows = _written(addison, r, tmp_path)
    visits = _visits(r.result, addison.default_date, addison.timezone)
    row = next(x for x in rows if x["status"] == "served")
    late = [{**x, "window_end": x["window_start"]} if x is row else x for x in rows]
    lo = epoch(row["window_start"])
    pick = epoch(row["pickup"])
    problems = check_day(late, visits, _rules(sc), lambda a, b: 0.0)
    if pick > lo + 1:
        assert any(p.startswith(f"window: {row['request']}") for p in problems)
    tight = replace(_rules(sc), alpha=0.0, beta=0.0)
    problems = check_day(rows, visits, tight, lambda a, b: 0.0)
    assert any(p.startswith("ride:") for p in problems)


def test_replanning_modes_are_a_choice(addison) -> None:  # type: ignore[no-untyped-def]
    """off never re-plans, save_km takes plans that drive less, keep_slack plans whose
    stops come earlier; the KPIs name the mode; an unknown mode is refused."""
    sc = load_scenario(addison, None, Overrides(vehicles=2, rate_per_hour=20, seed=5))
    sc = replace(sc, hours=(7 * 3600.0, 11 * 3600.0), no_show=0.0)
    trips, notes = demand_for(addison, sc)
    out = {m: run(addison, replace(sc, replanning=m), trips, notes)
           for m in ("off", "save_km", "keep_slack")}
    assert out["off"].kpis["replanning"] == "off" and not out["off"].result.replans
    assert out["save_km"].kpis["replanning"] == "save_km"
    assert out["keep_slack"].kpis["replanning"] == "keep_slack"
    km = out["save_km"].result.replans
    assert km and any(x.adopted for x in km)
    assert all(x.saved_s > 0 for x in km if x.adopted)  # save_km only takes shorter plans
    assert any(x.adopted for x in out["keep_slack"].result.replans)
    with pytest.raises(ValueError, match="replanning must be one of"):
        replace(sc, replanning="fast")
    # no interval: no re-plan whatever the mode
    still = replace(sc, reoptimize_every_s=0.0)
    assert still.replanning_mode == "off" and not still.replans
