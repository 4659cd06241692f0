"""The multimodal planner: OTP-shaped itineraries that are real (timetable times, walking
times, places chain up), arrive-by, wheelchair honesty, transfers file, CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from api.otp import plan_to_otp
from api.plan_query import parse_endpoint, parse_time
from mobility.planning import InputError, RegionPlanner
from mobility.region import Region
from routing import ServiceDateError
from routing.polyline import decode
from tests.conftest import CACHE, DATA

DATES = {"addison": dt.date(2016, 3, 3), "rhein_neckar": dt.date(2016, 11, 4)}
TZ = {"addison": "America/New_York", "rhein_neckar": "Europe/Berlin"}
ITINERARY_KEYS = {"duration", "startTime", "endTime", "walkTime", "transitTime",
                  "waitingTime", "walkDistance", "transfers", "legs"}
LEG_KEYS = {"mode", "startTime", "endTime", "duration", "distance", "from", "to",
            "legGeometry", "transitLeg"}
TRANSIT_KEYS = {"routeShortName", "routeLongName", "tripId", "headsign", "intermediateStops",
                "routeId", "agencyName", "serviceDate"}


@pytest.fixture(scope="module")
def planners(addison: Region, rhein_neckar: Region) -> dict[str, RegionPlanner]:
    return {"addison": RegionPlanner(addison), "rhein_neckar": RegionPlanner(rhein_neckar)}


def _random_points(region: Region, n: int, seed: int) -> list[tuple[tuple, tuple, int]]:
    tt = region.timetable
    rng = np.random.default_rng(seed)
    served = np.unique(tt.pattern_stops)
    out = []
    for _ in range(n):
        a, b = rng.choice(served, 2)
        o = (float(tt.stop_lat[a]) + rng.normal(0, 0.002), float(tt.stop_lon[a]) +
             rng.normal(0, 0.003))
        d = (float(tt.stop_lat[b]) + rng.normal(0, 0.002), float(tt.stop_lon[b]) +
             rng.normal(0, 0.003))
        out.append((o, d, int(rng.integers(6 * 3600, 19 * 3600))))
    return out


def _check_itinerary(it: dict, planner: RegionPlanner, name: str, origin: tuple,
                     destination: tuple) -> None:
    tt = planner.region.timetable
    assert set(it) >= ITINERARY_KEYS
    legs = it["legs"]
    assert legs[0]["from"]["lat"] == pytest.approx(origin[0], abs=1e-6)
    assert legs[-1]["to"]["lon"] == pytest.approx(destination[1], abs=1e-6)
    assert it["startTime"] == legs[0]["startTime"] and it["endTime"] == legs[-1]["endTime"]
    assert it["duration"] * 1000 == it["endTime"] - it["startTime"]
    assert it["walkTime"] + it["transitTime"] + it["waitingTime"] == it["duration"]
    assert it["waitingTime"] >= 0
    rides = [leg for leg in legs if leg["transitLeg"]]
    assert it["transfers"] == max(0, len(rides) - 1)
    base = dt.datetime.combine(DATES[name], dt.time(12), ZoneInfo(TZ[name])).timestamp() - 43200
    for prev, leg in zip(legs[:-1], legs[1:], strict=True):
        assert leg["startTime"] >= prev["endTime"]  # no leg starts before the previous ends
        assert (leg["from"]["lat"], leg["from"]["lon"]) == (prev["to"]["lat"],
                                                             prev["to"]["lon"])
    for leg in legs:
        assert set(leg) >= LEG_KEYS
        assert leg["duration"] * 1000 == leg["endTime"] - leg["startTime"]
        pts = decode(leg["legGeometry"]["points"])
        assert len(pts) == leg["legGeometry"]["length"] >= 2
        if not leg["transitLeg"]:
            assert leg["mode"] == "WALK"
            # walking time is the walked distance at the region's walking speed (transfers
            # may take longer where transfers.txt sets a minimum time)
            assert leg["duration"] >= leg["distance"] / 1.33 - 1
            continue
        assert set(leg) >= TRANSIT_KEYS
        k = list(tt.trip_id).index(leg["tripId"])
        a = tt.stop_time_offset[k]
        seq = tt.pattern_stops[tt.pattern_stop_offset[tt.trip_pattern[k]]:
                               tt.pattern_stop_offset[tt.trip_pattern[k] + 1]]
        ids = [str(tt.stop_id[s]) for s in seq]
        i, j = leg["from"]["stopIndex"], leg["to"]["stopIndex"]
        assert (ids[i], ids[j]) == (leg["from"]["stopId"], leg["to"]["stopId"])
        shift = (dt.datetime.strptime(leg["serviceDate"], "%Y%m%d").date() - DATES[name]).days
        assert (base + shift * 86400 + tt.departure[a + i]) * 1000 == leg["startTime"]
        assert (base + shift * 86400 + tt.arrival[a + j]) * 1000 == leg["endTime"]
        assert [s["stopId"] for s in leg["intermediateStops"]] == ids[i + 1:j]


@pytest.mark.parametrize("name", ["addison", "rhein_neckar"])
def test_plans_are_real_and_otp_shaped(name: str, planners: dict) -> None:
    planner = planners[name]
    with_transit = 0
    for o, d, t in _random_points(planner.region, 40, seed=1):
        result = planner.plan(o, d, DATES[name], t)
        doc = plan_to_otp(result, planner.timetable, DATES[name], planner.tz)
        assert set(doc) == {"date", "requested", "itineraries", "messages", "explanations",
                            "next"}
        assert doc["date"] == DATES[name].isoformat() and doc["requested"] is None
        for it in doc["itineraries"]:
            _check_itinerary(it, planner, name, o, d)
            assert it["startTime"] >= (dt.datetime.combine(
                DATES[name], dt.time(12), ZoneInfo(TZ[name])).timestamp() - 43200 + t) * 1000
        keys = {tuple(leg.get("tripId") for leg in it["legs"]) for it in doc["itineraries"]}
        assert len(keys) == len(doc["itineraries"])  # distinct itineraries
        with_transit += any(it["transitTime"] > 0 for it in doc["itineraries"])
    assert with_transit >= 10


def test_plan_is_optimal_against_stop_to_stop_searches(planners: dict) -> None:
    """Every raw optimum (earliest arrival with at most k trips, over all access stops by
    stop-to-stop RAPTOR without an initial footpath, plus the egress walk) is offered: by an
    itinerary with no more transfers that arrives no later, give or take the planner's
    penalty for each transfer it saves."""
    from routing.planner import TRANSFER_PENALTY_S

    planner = planners["rhein_neckar"]
    jp = planner.journeys
    date = DATES["rhein_neckar"]
    checked = 0
    for o, d, t in _random_points(planner.region, 15, seed=2):
        result = planner.plan(o, d, date, t, num_itineraries=6)
        transit = [it for it in result.itineraries if any(leg.trip is not None
                                                         for leg in it.legs)]
        acc = jp.walk.access(o, jp.max_walk_s)
        egr = {x.stop: x.duration_s for x in jp.walk.egress(d, jp.max_walk_s)}
        best = np.full(10, np.inf)  # by number of trips (max_transfers 8 + round 0)
        for x in acc:
            res = planner.transit.search(date, [(x.stop, t + x.duration_s)],
                                         initial_walk=False)
            by_trip = res.best_by_trip()
            for s, e in egr.items():
                best = np.minimum(best, by_trip[:, s] + e)
        if not transit:
            assert not np.isfinite(best).any()
            continue
        assert min(it.end for it in transit) >= best[-1]  # nothing beats the optimum
        for k in range(1, 10):
            if best[k] < best[k - 1]:  # a Pareto point with k trips
                assert any(it.transfers <= k - 1 and it.end <= best[k] + TRANSFER_PENALTY_S *
                           (k - 1 - it.transfers) for it in transit), (o, d, t, k)
        checked += 1
    assert checked >= 5


def test_arrive_by(planners: dict) -> None:
    planner = planners["rhein_neckar"]
    date = DATES["rhein_neckar"]
    checked = 0
    for o, d, t in _random_points(planner.region, 20, seed=3):
        result = planner.plan(o, d, date, t, arrive_by=True)
        for it in result.itineraries:
            assert it.end <= t
            doc = plan_to_otp(result, planner.timetable, date, planner.tz)
            _check_itinerary(doc["itineraries"][0], planner, "rhein_neckar", o, d)
        transit = [it for it in result.itineraries if it.transfers >= 0 and any(
            leg.trip is not None for leg in it.legs)]
        if transit:
            latest = max(it.start for it in transit)
            forward = planner.plan(o, d, date, latest, num_itineraries=1)
            assert min(it.end for it in forward.itineraries) <= t
            checked += 1
    assert checked >= 5


def test_wheelchair_is_honest_without_accessibility_data(planners: dict) -> None:
    planner = planners["addison"]
    result = planner.plan((44.0149, -73.1650), (44.1330, -73.0790), DATES["addison"],
                          7 * 3600, wheelchair=True)
    assert any("no wheelchair accessibility" in m for m in result.messages)
    assert all(all(leg.trip is None for leg in it.legs) for it in result.itineraries)


def test_bad_inputs_are_clear(planners: dict) -> None:
    planner = planners["addison"]
    with pytest.raises(InputError, match="expected LAT,LON"):
        parse_endpoint(planner, "Middlebury", "from")
    with pytest.raises(InputError, match="no stop with stop_id 'nope'"):
        parse_endpoint(planner, "stop:nope", "from")
    with pytest.raises(ServiceDateError, match="outside the feed's service dates"):
        planner.plan((44.0149, -73.1650), (44.1330, -73.0790),
                     *parse_time(planner, "2024-05-01T08:00"))
    with pytest.raises(InputError, match="is not a valid date and time"):
        parse_time(planner, "tomorrow")
    assert parse_time(planner, "2016-03-03T08:00") == (dt.date(2016, 3, 3), 8 * 3600)


def test_transfers_file_matches_the_network(addison: Region, planners: dict,
                                            tmp_path: Path) -> None:
    out = tmp_path / "transfers.csv"
    res = subprocess.run([sys.executable, "-m", "mobility", "transfers", "--out", str(out),
                          "--data", str(DATA), "--cache", str(CACHE)], capture_output=True,
                         text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert addison.transfers is not None and len(rows) == addison.transfers.n
    tt = addison.timetable
    index = {str(s): i for i, s in enumerate(tt.stop_id)}
    walk = planners["addison"].street("walk")
    for row in rows[::10]:
        a, b = index[row["from_stop_id"]], index[row["to_stop_id"]]
        assert 0 < int(row["duration_s"]) <= 600
        pa = (float(tt.stop_lat[a]), float(tt.stop_lon[a]))
        pb = (float(tt.stop_lat[b]), float(tt.stop_lon[b]))
        path = walk.route(pa, pb)
        assert path is not None
        # the same walk, recomputed point to point (plus each stop's approach to its street),
        # at 1.33 m/s, rounded up to a second
        metres = path.distance_m + walk.snap(*pa).distance_m + walk.snap(*pb).distance_m
        assert int(row["duration_s"]) == pytest.approx(np.ceil(metres / 1.33), abs=1)


@pytest.mark.slow
def test_cli_route_json(addison: Region) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "mobility", "route", "--from", "44.0149,-73.1650", "--to",
         "44.1330,-73.0790", "--at", "2016-03-03T07:00", "--json", "--data", str(DATA),
         "--cache", str(CACHE)], capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    bus = [leg for it in doc["itineraries"] for leg in it["legs"] if leg["mode"] == "BUS"]
    assert bus and all(leg["tripId"] for leg in bus)
    res = subprocess.run(
        [sys.executable, "-m", "mobility", "route", "--from", "stop:771377", "--to", "x",
         "--data", str(DATA), "--cache", str(CACHE)], capture_output=True, text=True,
        timeout=300, check=False)
    assert res.returncode == 2 and "--to: expected LAT,LON" in res.stderr
    assert "Traceback" not in res.stderr


def test_range_query_over_a_departure_window(planners: dict) -> None:
    """Every distinct itinerary leaving within the window: rhein-neckar's tram 5 runs every
    ten minutes or so, so a 60-minute window holds several, all distinct and in time."""
    planner = planners["rhein_neckar"]
    date = DATES["rhein_neckar"]
    o, d, t = (49.4875, 8.4660), (49.4094, 8.6942), 8 * 3600
    result = planner.plan(o, d, date, t, window_s=3600)
    transit = [it for it in result.itineraries if any(leg.trip is not None
                                                     for leg in it.legs)]
    assert len(transit) >= 4
    assert all(t <= it.start <= t + 3600 for it in transit)
    assert len({it.key() for it in transit}) == len(transit)
    first_rides = sorted(next(leg.start for leg in it.legs if leg.trip is not None)
                         for it in transit)
    assert first_rides[-1] - first_rides[0] >= 30 * 60  # spread over the window
    with pytest.raises(InputError, match="search window"):
        planner.plan(o, d, date, t, window_s=0)
