"""The OpenAPI document as a contract: every error answer is documented as problem details
(``application/problem+json`` with the ``Problem`` schema) on the operations that send it,
each status really sent is listed for its operation, and /plan is typed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from api.schemas.plan import Mode, PlanResponse
from api.schemas.problem import ProblemDetails
from routing.planner import route_mode
from tests.api_helpers import BRISTOL, MIDDLEBURY, ride, tomorrow

#: POST /ojp's errors about the document (not XML, too large, not XML by its type, too many)
OJP_ERRORS = {("/ojp", s) for s in (400, 413, 415, 429)}
PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref":
                                                           "#/components/schemas/Problem"}}}


@pytest.fixture()
def doc(api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = api.get("/openapi.json")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def test_problem_schema_is_rfc_9457_with_field_and_errors(doc: dict[str, Any]) -> None:
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert {"field", "errors"} <= set(problem["properties"])
    errors = problem["properties"]["errors"]["anyOf"][0]
    assert errors["items"] == {"$ref": "#/components/schemas/ProblemFieldError"}
    assert "HTTPValidationError" not in json.dumps(doc)  # FastAPI's, never sent


def test_every_error_status_is_a_problem(doc: dict[str, Any]) -> None:
    checked = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            errors = {int(s): r for s, r in op["responses"].items() if int(s) >= 400}
            for status, r in errors.items():
                if (path, status) == ("/health", 503):
                    continue  # the health report itself, degraded
                if (path, status) in OJP_ERRORS:  # OJP answers them as OJP documents
                    assert set(r["content"]) == {"application/xml"}, (method, path, status)
                else:
                    assert r["content"] == PROBLEM_CONTENT, (method, path, status)
                assert r["description"], (method, path, status)
                checked += 1
            where = f"{method.upper()} {path}"
            if "requestBody" in op:
                assert {400, 413, 422} <= set(errors), where
            if op.get("security"):
                assert {401, 503} <= set(errors), where
            if any(p["in"] == "path" for p in op.get("parameters", [])):
                assert 404 in errors, where
            if op.get("parameters"):
                assert 422 in errors, where
    assert checked > 100
    # what only an operation's own code raises
    ops = doc["paths"]
    assert {"404", "409", "410"} <= set(ops["/api/v1/bookings"]["post"]["responses"])
    assert {"403", "429"} <= set(ops["/api/v1/accounts"]["post"]["responses"])
    assert "403" in ops["/api/v1/vehicles"]["get"]["responses"]  # a rider's key
    assert "403" not in ops["/api/v1/bookings"]["get"]["responses"]  # any key may list
    assert "401" not in ops["/api/v1/plan"]["get"]["responses"]  # public
    assert "Retry-After" in ops["/api/v1/accounts"]["post"]["responses"]["429"]["headers"]


def _problem(doc: dict[str, Any], method: str, path: str, r: Any, status: int,
             slug: str) -> dict[str, Any]:
    """The answer is the expected problem, valid against the Problem schema and listed
    for its operation."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = ProblemDetails.model_validate(r.json())
    assert body.status == status and body.type == f"/problems/{slug}" and body.detail
    assert str(status) in doc["paths"][path][method]["responses"], (method, path, status)
    return r.json()  # type: ignore[no-any-return]


def test_every_status_sent_is_documented(api, doc: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    c = api.client
    r = c.post("/api/v1/quotes", content=b'{"origin": ', headers=api.h(
        "rider", **{"Content-Type": "application/json"}))
    _problem(doc, "post", "/api/v1/quotes", r, 400, "malformed-json")
    _problem(doc, "get", "/api/v1/bookings", c.get("/api/v1/bookings"), 401, "unauthorized")
    _problem(doc, "get", "/api/v1/vehicles", api.get("/api/v1/vehicles", "rider"), 403,
             "forbidden")
    _problem(doc, "get", "/api/v1/bookings/{booking_id}",
             api.get("/api/v1/bookings/b_nope", "rider"), 404, "not-found")
    body = _problem(doc, "get", "/api/v1/plan",
                    api.get("/api/v1/plan", params={"from": "Middlebury", "to": "44.1,-73.2"}),
                    422, "invalid-input")
    assert body["field"] == "from"
    body = _problem(doc, "post", "/api/v1/quotes",
                    api.post("/api/v1/quotes", "rider", {"origin": {"lat": 91}}), 422,
                    "validation")
    assert {e["field"] for e in body["errors"]} >= {"origin.lat", "destination", "time"}
    r = api.post("/api/v1/riders", "dispatcher", {"name": "x" * 70_000, "phone": "1"})
    _problem(doc, "post", "/api/v1/riders", r, 413, "too-large")

    q = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    assert q.status_code == 201, q.text
    assert api.post("/api/v1/bookings", "rider", {"quoteId": q.json()["id"]}).status_code == 201
    _problem(doc, "post", "/api/v1/bookings",
             api.post("/api/v1/bookings", "rider", {"quoteId": q.json()["id"]}), 409,
             "quote-used")
    late = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(11))).json()
    api.clock.advance(301)  # the quote lives 300 s
    _problem(doc, "post", "/api/v1/bookings",
             api.post("/api/v1/bookings", "rider", {"quoteId": late["id"]}), 410,
             "quote-expired")

    signups = [c.post("/api/v1/accounts", json={"name": f"Rider {k}"}) for k in range(11)]
    assert [r.status_code for r in signups[:10]] == [201] * 10
    body = _problem(doc, "post", "/api/v1/accounts", signups[10], 429, "too-many-signups")
    assert int(signups[10].headers["Retry-After"]) > 0

    real = api.store.sessions, api.store.readers  # a database that does not answer
    api.store.sessions = api.store.readers = sessionmaker(create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}))
    try:
        r = api.get("/api/v1/bookings", "rider")
    finally:
        api.store.sessions, api.store.readers = real
    _problem(doc, "get", "/api/v1/bookings", r, 503, "store-unavailable")
    assert r.headers["Retry-After"] == "2"


def test_operations_are_named_after_their_routes(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(set(ids)) == len(ids) and not any("api_v1" in x for x in ids)
    assert doc["paths"]["/api/v1/bookings"]["post"]["operationId"] == "create_booking"
    assert doc["paths"]["/api/v1/plan"]["get"]["operationId"] == "plan"


def test_links_chain_a_ride(doc: dict[str, Any]) -> None:
    """The answers say what comes next (OpenAPI links): a quote is booked, a booking (or an
    itinerary's first) read, cancelled, found on its vehicle's manifest and reported on; a
    new rider gets quotes and bookings. Each link's operation, parameters and body fields
    exist."""
    ops = {op["operationId"]: op for ops in doc["paths"].values() for op in ops.values()}
    links = {name: link for ops_ in doc["paths"].values() for op in ops_.values()
             for answer in op["responses"].values()
             for name, link in answer.get("links", {}).items()}
    assert {"BookQuote", "GetBooking", "CancelBooking", "CancelItineraryBooking",
            "ManifestBooking", "ReportBooking", "ReportStop", "QuoteForRider", "BookForRider",
            "GetRider"} <= set(links)
    quote_ok = doc["paths"]["/api/v1/quotes"]["post"]["responses"]["201"]["links"]
    assert quote_ok["BookQuote"] == {"operationId": "create_booking",
                                     "description": "book the ride offered",
                                     "requestBody": {"quoteId": "$response.body#/id"}}
    schemas = doc["components"]["schemas"]
    for name, link in links.items():
        target = ops[link["operationId"]]
        names = {p["name"] for p in target.get("parameters", [])}
        assert set(link.get("parameters", {})) <= names, name
        if "requestBody" in link:
            ref = target["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            fields = schemas[ref.rsplit("/", 1)[1]]["properties"]
            assert set(link["requestBody"]) <= set(fields), name


def test_plan_is_typed_with_epoch_ms_documented(doc: dict[str, Any]) -> None:
    ok = doc["paths"]["/api/v1/plan"]["get"]["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/PlanResponse"}
    schemas = doc["components"]["schemas"]
    leg = schemas["PlanLeg"]["properties"]
    assert leg["bookingInfo"]["anyOf"][0] == {"$ref": "#/components/schemas/BookingInfo"}
    assert "ON_DEMAND" in leg["mode"]["enum"]
    assert "epoch milliseconds" in leg["startTime"]["description"]
    info = schemas["BookingInfo"]
    assert {"origin", "destination", "pickupWindow", "dropOffWindow"} <= set(info["required"])
    end = schemas["OpenEpochWindow"]["properties"]["end"]
    assert {"type": "null"} in end["anyOf"] and "no bound" in end["description"]
    # RideLeg (booking an itinerary) takes the windows as bookingInfo gives them, or ISO
    start = schemas["RideWindow"]["properties"]["start"]["anyOf"]
    assert {"type": "integer", "description": "epoch milliseconds (UTC)"} in start
    assert any(x.get("format") == "date-time" for x in start)


def test_every_mode_the_planner_names_is_in_the_schema() -> None:
    modes = {route_mode(t) for t in range(0, 1700)} | {"WALK", "ON_DEMAND"}
    assert modes <= set(Mode.__args__)


@pytest.mark.parametrize("params", [
    {"from": "44.0153,-73.1673", "to": "44.1670,-73.2540", "time": "2016-03-03T08:00"},
    {"from": "44.0153,-73.1673", "to": "44.1670,-73.2540", "time": "2016-03-03T12:00-05:00",
     "arriveBy": "true"},
    {"from": "stop:771377", "to": "stop:771306", "time": "2016-03-03T17:00"},
    {"from": "44.0153,-73.1673", "to": "44.0160,-73.1690", "time": "2016-03-03T23:30"},
])
def test_real_plans_validate_against_the_schema(api, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    r = api.get("/api/v1/plan", params=params)
    assert r.status_code == 200, r.text
    plan = PlanResponse.model_validate(r.json())  # unknown keys are refused too
    assert plan.itineraries
    assert plan.model_dump(mode="json", by_alias=True, exclude_unset=True) == r.json()
