"""GET /api/v1/plan, /api/v1/service-areas and /health through the app (real region)."""

from __future__ import annotations

import pytest

from api.otp import plan_to_otp
from api.plan_query import parse_plan_input
from tests.api_helpers import MIDDLEBURY, VERGENNES


def test_plan_answers_what_the_planner_answers(api, addison_planner) -> None:
    q = {"from": "44.0153,-73.1673", "to": "44.1670,-73.2540", "time": "2016-03-03T08:00"}
    r = api.get("/api/v1/plan", params=q)
    assert r.status_code == 200, r.text
    q_in = parse_plan_input(addison_planner, q["from"], q["to"], q["time"])
    own = addison_planner.plan(q_in.origin, q_in.destination, q_in.date, q_in.time_s)
    direct = plan_to_otp(own, addison_planner.timetable, q_in.date, addison_planner.tz,
                         time_s=q_in.time_s, names=addison_planner.names)
    assert r.json()["requested"] == "2016-03-03T08:00-05:00"
    assert r.json()["itineraries"] == direct["itineraries"]
    its = r.json()["itineraries"]
    assert its, "Middlebury -> Vergennes has a bus on the default date"
    first = its[0]
    for k in ("duration", "startTime", "endTime", "walkTime", "transitTime", "waitingTime",
              "transfers", "legs"):
        assert k in first
    assert any(leg["mode"] == "BUS" for leg in first["legs"])


def test_plan_arrive_by_ends_before_the_time(api) -> None:
    r = api.get("/api/v1/plan", params={"from": "44.0153,-73.1673", "to": "44.1670,-73.2540",
                                         "time": "2016-03-03T12:00-05:00", "arriveBy": "true"})
    assert r.status_code == 200
    noon_ms = 1457024400000  # 2016-03-03T12:00-05:00
    its = r.json()["itineraries"]
    assert its and all(it["endTime"] <= noon_ms for it in its)


@pytest.mark.parametrize(("params", "field", "slug"), [
    ({"from": "50.0,8.0", "to": "44.1670,-73.2540"}, "from", "outside-region"),
    ({"from": "44.0153,-73.1673", "to": "91,0"}, "to", "invalid-input"),
    ({"from": "Middlebury", "to": "44.1670,-73.2540"}, "from", "invalid-input"),
    ({"from": "44.0153,-73.1673", "to": "stop:nope"}, "to", "invalid-input"),
    ({"from": "44.0153,-73.1673", "to": "44.1670,-73.2540", "time": "2024-01-01T08:00"},
     "time", "outside-service-dates"),
    ({"from": "44.0153,-73.1673", "to": "44.1670,-73.2540", "time": "yesterday"}, "time",
     "invalid-input"),
    ({"from": "44.0153,-73.1673", "to": "44.1670,-73.2540", "maxTransfers": "11"},
     "maxTransfers", "validation"),
    ({"to": "44.1670,-73.2540"}, "from", "validation"),
])
def test_plan_bad_input_is_a_problem_naming_the_field(api, params, field, slug) -> None:
    r = api.get("/api/v1/plan", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == 422 and body["field"] == field and body["detail"]


def test_service_areas_are_geojson_with_their_fleet(api) -> None:
    r = api.get("/api/v1/service-areas")
    assert r.status_code == 200
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    (mid,) = fc["features"]
    assert mid["properties"]["name"] == "middlebury" and mid["properties"]["vehicles"] == 3
    assert mid["properties"]["hours"] == ["06:00", "20:00"]  # the fleet's shifts
    assert mid["geometry"]["type"] == "Polygon"
    area = api.service.areas["middlebury"]
    assert area.contains(MIDDLEBURY) and area.contains(VERGENNES)
    assert not area.contains((43.62, -73.15))  # Brandon, at the county's southern edge


def test_health_reports_region_and_store(api) -> None:
    r = api.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "region": "addison-vt", "regionLoaded": True,
                        "store": "ok", "serviceAreas": 1, "vehicles": 3}


def test_health_says_when_the_store_is_gone(api) -> None:
    from sqlalchemy import create_engine

    real = api.store.engine
    api.store.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                                     connect_args={"connect_timeout": 1})
    try:
        r = api.get("/health")
    finally:
        api.store.engine = real
    assert r.status_code == 503
    assert r.json()["store"] == "unreachable" and r.json()["status"] == "degraded"


def test_openapi_lists_every_endpoint(api) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for p in ("/api/v1/plan", "/api/v1/quotes", "/api/v1/bookings",
              "/api/v1/bookings/{booking_id}", "/api/v1/vehicles",
              "/api/v1/vehicles/{vehicle_id}/manifest", "/api/v1/vehicles/{vehicle_id}/events",
              "/api/v1/service-areas", "/health"):
        assert p in paths
    assert api.get("/docs").status_code == 200
