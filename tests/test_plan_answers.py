"""Right answers in plain words (issue 16), through the real API on addison-vt with the
expired feed replayed and the service's clock set to a Tuesday morning: stops and points
plan alike, on-demand rides' ends are named by their street (checked against an independent
nearest-street computation over the extract's ways), and empty or late answers say why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pytest
import shapely
from pyproj import Transformer

from api.routes.plan import plan_answer
from api.schemas.plan import PlanResponse
from api.store import Store
from dispatch.service_area import BookingRule
from mobility.planning import RegionPlanner
from mobility.region import Region
from mobility.server import ride_legs
from routing.geo import local_metres
from tests.api_helpers import ADDISON_TZ, NOW, ApiUnderTest
from tests.conftest import UNLIMITED, booking_service

#: the service's clock: Tuesday 24 November 2026, 07:30 (the issue's riders asked at 08:00)
CLOCK = dt.datetime(2026, 11, 24, 7, 30, tzinfo=ADDISON_TZ)
DAY = CLOCK.date()
WOOSTER = "43.920543,-73.251581"  # Wooster Road, Cornwall: no stop within walking distance
HIGH_SCHOOL, MERCHANTS_ROW, LINDALE, SHAWS = "771331", "771333", "771379", "771377"
BURLINGTON = "44.4760,-73.2120"  # outside the service area


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> str:
    return f"{day}T{hour:02d}:{minute:02d}"


def ms(hour: int, minute: int = 0, day: dt.date = DAY) -> int:
    return int(dt.datetime.combine(day, dt.time(hour, minute), ADDISON_TZ).timestamp() * 1000)


@pytest.fixture(scope="module")
def app(addison: Region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiUnderTest]:
    """The served app (``mobility serve``'s wiring) on a fresh store, its clock started at
    ``CLOCK``."""
    from fastapi.testclient import TestClient

    from mobility.server import build
    from mobility.settings import Settings

    db = tmp_path_factory.mktemp("answers") / "m.db"
    a = build(addison, Settings(db_url=f"sqlite:///{db}", replay_feed=True, clock_start=CLOCK,
                                **UNLIMITED), warm=False)
    with TestClient(a, raise_server_exceptions=True) as c:
        yield ApiUnderTest(c, a.state.store, a.state.service)


def plan(app: ApiUnderTest, **params: Any) -> dict[str, Any]:
    r = app.get("/api/v1/plan", params={k.replace("_", ""): v for k, v in params.items()})
    assert r.status_code == 200, r.text
    body = r.json()
    PlanResponse.model_validate(body)  # documented: unknown keys are refused
    return body


def codes(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["code"]: e["params"] for e in out["explanations"]}


def rides(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [leg for it in out["itineraries"] for leg in it["legs"] if leg["mode"] == "ON_DEMAND"]


# -- stops and points plan alike -------------------------------------------------------------
def _beside(addison: Region, stop: int) -> tuple[float, float] | None:
    """A walkable street point 30-80 m from the stop (a map click beside it)."""
    net = addison.streets["walk"]
    tt = addison.timetable
    d = np.asarray(local_metres(float(tt.stop_lat[stop]), float(tt.stop_lon[stop]),
                                net.node_lat, net.node_lon))
    ok = np.flatnonzero((d >= 30) & (d <= 80))
    if not len(ok):
        return None
    k = ok[np.argmin(np.abs(d[ok] - 55))]
    return float(net.node_lat[k]), float(net.node_lon[k])


def _sweep_stops(addison: Region) -> list[tuple[int, tuple[float, float]]]:
    (area,) = addison.service_areas
    tt = addison.timetable
    out = []
    for s in range(tt.n_stops):
        p = (float(tt.stop_lat[s]), float(tt.stop_lon[s]))
        near = _beside(addison, s)
        if area.contains(p) and near is not None and area.contains(near):
            out.append((s, near))
    return out


def test_stops_and_points_beside_them_get_the_same_rides(app: ApiUnderTest,
                                                          addison: Region) -> None:
    """From Wooster Road (and back), every stop of the area and a street point beside it:
    the stop gets every on-demand option the point gets — always the door-to-door ride,
    picked up from the asked time (or dropped off by it), arriving within minutes of the
    point's — and a stop's ride ends at the stop itself."""
    tt = addison.timetable
    swept = _sweep_stops(addison)
    assert len(swept) >= 40  # the area's stops, not a handful
    rng = np.random.default_rng(16)
    for s, near in [swept[i] for i in sorted(rng.choice(len(swept), 14, replace=False))]:
        sid, point = f"stop:{tt.stop_id[s]}", f"{near[0]:.6f},{near[1]:.6f}"
        for leaving in (True, False):
            for arrive_by in (False, True):
                ends = ((WOOSTER, sid), (WOOSTER, point)) if leaving else \
                    ((sid, WOOSTER), (point, WOOSTER))
                hour = 8 if not arrive_by else 10
                by_stop, by_point = (plan(app, **{"from": a, "to": b}, time=at(hour),
                                          arriveBy=str(arrive_by).lower()) for a, b in ends)
                direct = [next(it for it in out["itineraries"] if it["kind"] == "on_demand")
                          for out in (by_stop, by_point)]
                # the options worth having: not beaten by the door-to-door ride on both ends
                # (a point may also get a bus hours later, ending in a walk longer than the
                # timetable's transfers, that the stop does not)
                kinds = [{it["kind"] for it in out["itineraries"] if it["kind"] != "walk"
                          and (it["endTime"] <= d["endTime"] if not arrive_by
                               else it["startTime"] >= d["startTime"])}
                         for out, d in zip((by_stop, by_point), direct, strict=True)]
                assert kinds[1] <= kinds[0], (sid, point, leaving, arrive_by, kinds)
                window = [d["legs"][0]["bookingInfo"]["pickupWindow"] for d in direct]
                if not arrive_by:
                    assert window[0]["start"] == window[1]["start"] == ms(hour)
                else:
                    assert all(d["endTime"] <= ms(hour) for d in direct)
                ends_ms = [d["endTime"] for d in direct]
                assert abs(ends_ms[0] - ends_ms[1]) <= 6 * 60_000, (sid, point, ends_ms)
                leg = direct[0]["legs"][0]
                at_stop = leg["to"] if leaving else leg["from"]
                assert at_stop["stopId"] == str(tt.stop_id[s])
                assert at_stop["name"] == str(tt.stop_name[s])


def test_the_issues_trips(app: ApiUnderTest) -> None:
    """Wooster Road to Middlebury High School and Merchant's Row (once "No connection
    found"), to Lindale (once only at 15:04) and to Shaw's (once only ride + bus + walk
    labelled "direct"): a door-to-door ride from 08:00, ranked before bus-based options
    arriving later; each itinerary says what it is."""
    for stop in (HIGH_SCHOOL, MERCHANTS_ROW, LINDALE, SHAWS):
        out = plan(app, **{"from": WOOSTER, "to": f"stop:{stop}"}, time=at(8))
        first = out["itineraries"][0]
        assert first["kind"] == "on_demand" and first["transfers"] == 0, stop
        assert first["legs"][0]["bookingInfo"]["pickupWindow"]["start"] == ms(8)
        ends = [it["endTime"] for it in out["itineraries"] if it["kind"] != "walk"]
        assert ends == sorted(ends)  # by arrival: the later bus-based options after it
        for it in out["itineraries"]:
            modes = {leg["mode"] for leg in it["legs"]}
            assert it["kind"] == ("on_demand_transit" if {"ON_DEMAND", "BUS"} <= modes
                                  else "on_demand" if "ON_DEMAND" in modes
                                  else "transit" if "BUS" in modes else "walk")
    shaws = plan(app, **{"from": WOOSTER, "to": f"stop:{SHAWS}"}, time=at(8))
    assert any(it["kind"] == "on_demand_transit" and it["transfers"] == 0
               for it in shaws["itineraries"])  # ride + one bus: not "direct"


# -- where to wait ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def streets(addison: Region) -> tuple[list[str], Any, Transformer]:
    """Named highways of the extract as shapely lines in UTM 18N metres, with a tree (an
    independent reading of the ways and an independent distance computation)."""
    utm = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)
    names, lines = [], []
    fp = osmium.FileProcessor(str(addison.config.osm),
                              osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for w in fp:
        if isinstance(w, osmium.osm.Way) and "highway" in w.tags and w.tags.get("name"):
            pts = [utm.transform(n.lon, n.lat) for n in w.nodes if n.location.valid()]
            if len(pts) >= 2:
                names.append(w.tags["name"])
                lines.append(shapely.LineString(pts))
    return names, shapely.STRtree(lines), utm


def _nearest_streets(streets: Any, lat: float, lon: float) -> tuple[set[str], float]:
    names, tree, utm = streets
    p = shapely.Point(*utm.transform(lon, lat))
    idx = tree.query_nearest(p, max_distance=400, all_matches=True)
    if not len(idx):
        return set(), np.inf
    d = np.array([tree.geometries[i].distance(p) for i in idx])
    close = d <= d.min() + 2.0  # a junction: either street names the place
    return {names[i] for i in np.asarray(idx)[close]}, float(d.min())


def test_ride_ends_are_named_by_their_street(app: ApiUnderTest, addison: Region,
                                             streets: Any) -> None:
    """Every on-demand leg's ends (points beside the area's stops and in its villages): a
    point is named by the nearest named street (as an independent computation finds it),
    with its village; a stop by its own name; never a stop farther than 150 m."""
    tt = addison.timetable
    stop_names = set(tt.stop_name.tolist())
    swept = _sweep_stops(addison)
    points = [WOOSTER, "43.9600,-73.2100", "44.0450,-73.2050", "43.8962,-73.1000"]
    points += [f"{p[0]:.6f},{p[1]:.6f}" for _, p in swept[::6]]
    checked = 0
    for a, b in zip(points, points[1:] + points[:1], strict=True):
        for leg in rides(plan(app, **{"from": a, "to": b}, time=at(9))):
            for end in (leg["from"], leg["to"]):
                if "stopId" in end:
                    assert end["name"] == str(tt.stop_name[np.flatnonzero(
                        tt.stop_id == end["stopId"])[0]])
                    continue
                gap = np.asarray(local_metres(end["lat"], end["lon"], tt.stop_lat, tt.stop_lon))
                if gap.min() < 15:  # at a stop (as a booking's coordinates are): its name
                    assert end["name"] == str(tt.stop_name[int(np.argmin(gap))])
                    continue
                expect, d = _nearest_streets(streets, end["lat"], end["lon"])
                street = end["name"].split(",")[0]
                assert street in expect, (end, expect, d)
                assert end["name"] not in stop_names or min(local_metres(
                    end["lat"], end["lon"], tt.stop_lat, tt.stop_lon)) < 150
                checked += 1
            place = leg["pickupPlace"]
            assert place["name"] == leg["from"]["name"]
            if "stopId" not in leg["from"] and place["street"] is not None and \
                    place["name"].startswith(place["street"]):
                assert place["street"] == leg["from"]["name"].split(",")[0]
                expect, d = _nearest_streets(streets, leg["from"]["lat"], leg["from"]["lon"])
                assert abs(place["distance_m"] - d) < 3.0  # UTM vs local metres
            if place["near"] is not None:
                assert place["near"] != place["name"]
    assert checked >= 8
    wooster = rides(plan(app, **{"from": WOOSTER, "to": f"stop:{HIGH_SCHOOL}"}, time=at(8)))
    assert wooster[0]["from"]["name"] == "Wooster Road, Cornwall"
    assert wooster[0]["to"]["name"] == "Middlebury High School"
    assert wooster[0]["pickupPlace"]["street"] == "Wooster Road"


def test_bookings_name_their_ends(app: ApiUnderTest) -> None:
    """A booked ride from Wooster Road reads "Wooster Road, Cornwall" (once "Eastview", a
    stop 10.7 km away) in the rider's and the dispatcher's lists."""
    out = plan(app, **{"from": WOOSTER, "to": f"stop:{LINDALE}"}, time=at(9))
    info = out["itineraries"][0]["legs"][0]["bookingInfo"]
    leg = {k: info[k] for k in ("origin", "destination", "pickupWindow", "dropOffWindow")}
    r = app.post("/api/v1/bookings", "rider", {"itinerary": [leg]})
    assert r.status_code == 201, r.text
    (b,) = r.json()["bookings"]
    assert (b["originName"], b["destinationName"]) == ("Wooster Road, Cornwall",
                                                      "Middlebury Lindale")
    listed = app.get("/api/v1/bookings", "dispatcher").json()["bookings"]
    assert any(x["id"] == b["id"] and x["originName"] == "Wooster Road, Cornwall"
               for x in listed)


# -- why not ---------------------------------------------------------------------------------
def test_outside_service_hours(app: ApiUnderTest) -> None:
    out = plan(app, **{"from": WOOSTER, "to": f"stop:{HIGH_SCHOOL}"}, time=at(21, 30))
    assert not rides(out)
    assert codes(out)["outside_hours"] == {"area": "middlebury", "start": "06:00",
                                           "end": "20:00"}
    assert out["next"] == {"time": f"{DAY + dt.timedelta(days=1)}T06:00-05:00",
                           "code": "outside_hours"}
    assert (out["date"], out["requested"]) == (str(DAY), f"{DAY}T21:30-05:00")


def test_past_times_get_no_ride_and_bookings_say_so(app: ApiUnderTest) -> None:
    """A week ago: no bookable ride (it once was), an explanation saying the time passed;
    booking such a ride is refused in plain words."""
    week_ago = DAY - dt.timedelta(days=7)
    out = plan(app, **{"from": WOOSTER, "to": f"stop:{HIGH_SCHOOL}"}, time=at(8, day=week_ago))
    assert not rides(out)
    assert set(codes(out)) == {"past"}
    assert codes(out)["past"]["now"].startswith(f"{DAY}T07:3")
    assert out["next"]["code"] == "past"
    future = plan(app, **{"from": WOOSTER, "to": f"stop:{MERCHANTS_ROW}"}, time=at(10))
    info = rides(future)[0]["bookingInfo"]
    week = 7 * 86_400_000
    leg = {"origin": info["origin"], "destination": info["destination"],
           "pickupWindow": {k: v - week for k, v in info["pickupWindow"].items()},
           "dropOffWindow": {"start": info["dropOffWindow"]["start"] - week, "end": None}}
    r = app.post("/api/v1/bookings", "rider", {"itinerary": [leg]})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "has already passed" in detail and "(now:" not in detail, detail
    assert f"{week_ago.day} November 2026" in detail


def test_beyond_the_booking_horizon(app: ApiUnderTest) -> None:
    out = plan(app, **{"from": WOOSTER, "to": f"stop:{HIGH_SCHOOL}"},
               time=at(8, day=DAY + dt.timedelta(days=30)))
    assert not rides(out)
    assert codes(out)["beyond_horizon"] == {"last": str(DAY + dt.timedelta(days=14))}


def test_wheelchair_without_stepfree_data(app: ApiUnderTest) -> None:
    """The feed publishes no step-free data: said so; the door-to-door ride (vehicles with a
    wheelchair place) is still offered."""
    out = plan(app, **{"from": WOOSTER, "to": f"stop:{HIGH_SCHOOL}"}, time=at(8),
               wheelchair="true")
    assert "no_stepfree" in codes(out)
    assert [it["kind"] for it in out["itineraries"]] == ["on_demand"]


def test_sunday_has_no_buses_but_rides(app: ApiUnderTest) -> None:
    """On a Sunday addison-vt's feed runs no bus (its only Sunday service is the ski
    shuttle of winter 2016-17, outside the replayed week); the demo fleet's shifts are daily,
    so the door-to-door ride is offered and the answer says there is no bus."""
    sunday = DAY + dt.timedelta(days=5)
    assert sunday.isoweekday() == 7
    out = plan(app, **{"from": WOOSTER, "to": f"stop:{LINDALE}"}, time=at(10, day=sunday))
    assert "no_service" in codes(out)
    assert [it["kind"] for it in out["itineraries"]] == ["on_demand"]
    bus = plan(app, **{"from": f"stop:{SHAWS}", "to": BURLINGTON}, time=at(10, day=sunday))
    assert "no_service" in codes(bus) and not bus["itineraries"]


def test_outside_the_area_and_no_stop_nearby(app: ApiUnderTest) -> None:
    out = plan(app, **{"from": "44.3000,-73.0000", "to": f"stop:{HIGH_SCHOOL}"}, time=at(10))
    assert not out["itineraries"]
    assert codes(out)["outside_area"] == {"end": "origin"}


def test_later_than_asked(app: ApiUnderTest) -> None:
    """Burlington to Shaw's at 09:00: the first bus leaves at 17:07."""
    out = plan(app, **{"from": BURLINGTON, "to": f"stop:{SHAWS}"}, time=at(9))
    first = min(it["startTime"] for it in out["itineraries"])
    assert first > ms(10)
    iso = dt.datetime.fromtimestamp(first / 1000, ADDISON_TZ).isoformat(timespec="minutes")
    assert codes(out)["later_than_asked"] == {"first": iso}
    soon = plan(app, **{"from": WOOSTER, "to": f"stop:{HIGH_SCHOOL}"}, time=at(9))
    assert "later_than_asked" not in codes(soon)


@pytest.mark.parametrize(("text", "words"), [
    ("20266-11-24T08:00", "year 20266 should have four digits"),
    ("2026-13-01T08:00", "no month 13"),
    ("2026-02-30T08:00", "February 2026 has no day 30"),
])
def test_mistyped_times_are_refused_in_plain_words(app: ApiUnderTest, text: str,
                                                   words: str) -> None:
    r = app.get("/api/v1/plan", params={"from": WOOSTER, "to": f"stop:{HIGH_SCHOOL}",
                                        "time": text})
    assert r.status_code == 422 and r.json()["field"] == "time"
    assert words in r.json()["detail"] and "isoformat" not in r.json()["detail"]
    q = app.post("/api/v1/quotes", "rider", {"origin": {"lat": 43.920543, "lon": -73.251581},
                                             "destination": {"lat": 44.0071, "lon": -73.1625},
                                             "time": text})
    assert q.status_code == 422, q.text
    assert words in q.json()["detail"] and "Input should" not in q.json()["detail"]


def _planner(addison: Region, addison_travel: Any, tmp_path: Path, **area_changes: Any
             ) -> RegionPlanner:
    """The planner with rides quoted by a booking service on the tests' fixed clock (NOW:
    Tuesday 06:00) over an area changed as given."""
    (area,) = addison.service_areas
    changes = dict(area_changes)
    shift = changes.pop("shift", None)
    if shift is not None:
        changes["vehicles"] = tuple(replace(v, shift=shift) for v in area.vehicles)
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    od = booking_service(addison, addison_travel, store, [replace(area, **changes)])
    planner = RegionPlanner(addison, replay=True)
    planner.on_demand = ride_legs(planner, od)
    return planner


def test_before_the_booking_notice(addison: Region, addison_travel: Any,
                                   tmp_path: Path) -> None:
    """An hour's notice asked, at 06:00 a ride at 06:20 cannot be booked: said so, with the
    earliest time (07:00), which is the next time worth asking."""
    planner = _planner(addison, addison_travel, tmp_path,
                       booking=BookingRule(1, notice_min_s=3600))
    now = NOW.replace(tzinfo=None)
    out = plan_answer(planner, WOOSTER, f"stop:{HIGH_SCHOOL}", f"{now.date()}T06:20")
    assert not rides(out)
    earliest = f"{now.date()}T07:00-05:00"
    assert codes(out)["before_notice"] == {"area": "middlebury", "earliest": earliest}
    assert out["next"] == {"time": earliest, "code": "before_notice"}
    later = plan_answer(planner, WOOSTER, f"stop:{HIGH_SCHOOL}", f"{now.date()}T07:00")
    assert rides(later) and "before_notice" not in codes(later)


def test_vehicles_busy(addison: Region, addison_travel: Any, tmp_path: Path) -> None:
    """Every vehicle off shift all day (the area's hours unknown): each ride tried is
    refused; the answer says so and that no stop is within walking distance."""
    planner = _planner(addison, addison_travel, tmp_path, shift=(3 * 3600.0, 4 * 3600.0),
                       hours=None)
    out = plan_answer(planner, WOOSTER, BURLINGTON, f"{NOW.date()}T08:00")
    assert not out["itineraries"]
    why = codes(out)
    assert why["vehicles_busy"]["tried"] >= 1
    assert why["no_stop_nearby"] == {"end": "origin", "minutes": 15}
