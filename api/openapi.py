"""The OpenAPI document as client generators read it, finished in one place: every
operation lists each status of RFC 9457 problem details it can answer with, as
``application/problem+json`` with the ``Problem`` schema, and is named after its route
function (``create_booking``, not ``create_booking_api_v1_bookings_post``).

The statuses follow from what an operation is made of (a request body, parameters, the API
key and role it needs, the store it touches), plus the few that only its body raises
(:data:`RAISED`). Descriptions a route declares itself are kept; FastAPI's own 422
(``HTTPValidationError``, which this API never sends) is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.deps import (
    get_access,
    get_atlas,
    get_planner,
    get_principal,
    get_session,
    get_simulator,
    get_store,
    plan_limited,
    rate_limited,
    require,
)
from api.problems import MEDIA_TYPE
from api.schemas.problem import ProblemDetails

PROBLEM_SCHEMA = "Problem"
_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying",
                                "schema": {"type": "integer"}}}

#: why each status occurs (unless the route says so itself)
DESCRIPTIONS: dict[int, str] = {
    400: "the request body is not valid JSON (`/problems/malformed-json`)",
    401: "no API key, or an unknown or revoked one (`/problems/unauthorized`)",
    403: "this key's role may not do this (`/problems/forbidden`)",
    404: "no such resource, or not yours (`/problems/not-found`)",
    409: "a concurrent request changed the same record; retry (`/problems/conflict`)",
    410: "gone: it expired",
    413: "the request body is too large (`/problems/too-large`)",
    422: "invalid input: `field` names it (a validation problem lists every one under "
         "`errors`)",
    429: "too many requests; retry after `Retry-After` seconds",
    503: "the database is unreachable, restarting or busy (`/problems/store-unavailable`: "
         "retry a booking with the same `Idempotency-Key`), read-only "
         "(`/problems/store-read-only`) or full (`/problems/store-full`); retry after "
         "`Retry-After` seconds",
}

#: statuses only an operation's own code raises, and why: (method, path) -> {status: why}
RAISED: dict[tuple[str, str], dict[int, str]] = {
    ("POST", "/api/v1/quotes"): {
        409: "no vehicle can take the ride (`reason` says why)",
        429: "too many quotes from this key; retry after `Retry-After` seconds "
             "(`/problems/too-many-requests`)"},
    ("POST", "/api/v1/bookings"): {
        404: "no quote with that id, or not yours (`/problems/not-found`)",
        409: "the quote was booked already, or the ride no longer fits the plans, or the "
             "rider holds too many bookings (`/problems/too-many-bookings`) or one at the "
             "same time (`/problems/overlapping-booking`)",
        410: "the quote expired (`/problems/quote-expired`)",
        429: "too many bookings from this key; retry after `Retry-After` seconds "
             "(`/problems/too-many-requests`)"},
    ("GET", "/api/v1/plan"): {
        429: "too many plans from this key, or without a key from this client address; "
             "retry after `Retry-After` seconds (`/problems/too-many-requests`)"},
    ("DELETE", "/api/v1/bookings/{booking_id}"): {
        409: "the ride started or ended (`/problems/ride-finished`)"},
    ("POST", "/api/v1/vehicles/{vehicle_id}/events"): {
        409: "the event does not fit the booking's status (`/problems/wrong-status`)"},
    ("POST", "/api/v1/plans/replan"): {
        404: "no such service area (`/problems/not-found`)",
        409: "the plans changed while the optimiser worked: re-plan again "
             "(`/problems/plans-changed`)"},
    ("POST", "/api/v1/accounts"): {
        409: DESCRIPTIONS[409], 503: DESCRIPTIONS[503],
        403: "sign-up is closed (`/problems/signup-closed`)",
        429: "too many sign-ups from this address; retry after `Retry-After` seconds"},
    ("POST", "/api/v1/accounts/sign-in-codes"): {
        403: "only a rider's key makes sign-in codes (`/problems/forbidden`)",
        404: "the rider was forgotten meanwhile (`/problems/not-found`)"},
    ("POST", "/api/v1/accounts/sign-in"): {
        409: DESCRIPTIONS[409], 503: DESCRIPTIONS[503],
        422: "the code is wrong, used, replaced or expired — which is not said "
             "(`/problems/sign-in-code-invalid`) — or the body is invalid",
        429: "too many attempts from this address; retry after `Retry-After` seconds "
             "(`/problems/too-many-sign-ins`)"},
    ("GET", "/api/v1/notifications"): {
        404: "no rider with that `riderId`, or not yours (`/problems/not-found`)"},
    ("POST", "/api/v1/simulations"): {
        409: "another simulation is running (`/problems/simulation-running`)"},
    ("POST", "/api/v1/access"): {
        409: "another accessibility analysis is running (`/problems/access-running`)"},
    ("GET", "/api/v1/tours"): {
        404: "no vehicle with that `vehicle` id (`/problems/not-found`)"},
}

#: how operations chain: what an answer gives the next request (OpenAPI links, followed by
#: client generators and by stateful API tests): (method, path, status) -> {link name:
#: (target method, target path, parameters, request body, what it does)}
Link = tuple[str, str, dict[str, str], dict[str, str] | None, str]
_BOOKING = "/api/v1/bookings/{booking_id}"
_EVENTS = "/api/v1/vehicles/{vehicle_id}/events"


def _on_booking(pointer: str) -> dict[str, Link]:
    """What follows a booking whose id is at ``pointer`` of the answer."""
    booking = {"booking_id": f"$response.body#{pointer}/id"}
    vehicle = {"vehicle_id": f"$response.body#{pointer}/vehicleId"}
    return {"Get": ("GET", _BOOKING, booking, None, "read the booking"),
            "Cancel": ("DELETE", _BOOKING, booking, None, "cancel the booking"),
            "Manifest": ("GET", "/api/v1/vehicles/{vehicle_id}/manifest", vehicle, None,
                         "the vehicle's manifest (dispatchers, its driver)"),
            "Report": ("POST", _EVENTS, vehicle,
                       {"bookingId": f"$response.body#{pointer}/id", "type": "arrived"},
                       "its driver reports arriving at the pickup"),
            "Note": ("PATCH", _BOOKING, booking, None,
                     "the dispatcher changes the note for the driver")}


LINKS: dict[tuple[str, str, str], dict[str, Link]] = {
    ("POST", "/api/v1/quotes", "201"): {
        "BookQuote": ("POST", "/api/v1/bookings", {}, {"quoteId": "$response.body#/id"},
                      "book the ride offered")},
    ("POST", "/api/v1/bookings", "201"): {
        **{f"{k}Booking": v for k, v in _on_booking("").items()},
        # an itinerary's answer lists its bookings
        **{f"{k}ItineraryBooking": v for k, v in _on_booking("/bookings/0").items()}},
    ("DELETE", _BOOKING, "200"): {
        "GetBooking": ("GET", _BOOKING, {"booking_id": "$response.body#/id"}, None,
                       "read the cancelled booking")},
    ("GET", "/api/v1/vehicles/{vehicle_id}/manifest", "200"): {
        "ReportStop": ("POST", _EVENTS, {"vehicle_id": "$response.body#/vehicleId"},
                       {"bookingId": "$response.body#/stops/0/bookingId"},
                       "report on the first stop's ride")},
    ("POST", "/api/v1/riders", "201"): {
        "GetRider": ("GET", "/api/v1/riders/{rider_id}", {"rider_id": "$response.body#/id"},
                     None, "read the rider"),
        "QuoteForRider": ("POST", "/api/v1/quotes", {}, {"riderId": "$response.body#/id"},
                          "ask for a ride for the rider"),
        "BookForRider": ("POST", "/api/v1/bookings", {}, {"riderId": "$response.body#/id"},
                         "book a planned journey's rides for the rider")},
    ("POST", "/api/v1/accounts", "201"): {
        "GetRider": ("GET", "/api/v1/riders/{rider_id}",
                     {"rider_id": "$response.body#/riderId"}, None, "read the new rider")},
    ("POST", "/api/v1/access", "202"): {
        "GetAccess": ("GET", "/api/v1/access/{job_id}", {"job_id": "$response.body#/id"},
                      None, "follow the analysis")},
    ("POST", "/api/v1/simulations", "202"): {
        "GetSimulation": ("GET", "/api/v1/simulations/{sim_id}",
                          {"sim_id": "$response.body#/id"}, None, "follow the run")},
}

#: dependencies that read or write the store (the on-demand service alone may not)
_STORE = {get_session, get_store, get_principal, plan_limited}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _calls(dep: Dependant) -> Iterator[Callable[..., Any]]:
    for d in dep.dependencies:
        if d.call is not None:
            yield d.call
        yield from _calls(d)


def _needs_role(call: Callable[..., Any]) -> bool:
    """A role check made by :func:`api.deps.require`."""
    return getattr(call, "__qualname__", "").startswith(f"{require.__qualname__}.<locals>")


def _rate_limited(call: Callable[..., Any]) -> bool:
    """A rate limit's check (:func:`api.deps.rate_limited`, :func:`api.deps.plan_limited`)."""
    return call is plan_limited or getattr(call, "__qualname__", "").startswith(
        f"{rate_limited.__qualname__}.<locals>")


def api_routes(app: FastAPI) -> Iterator[Any]:
    """The app's API routes, each with its full path (newer FastAPI keeps an included router
    nested and answers with route contexts that stand for its routes)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if contexts is None:
        yield from (r for r in app.routes if isinstance(r, APIRoute))
        return
    for ctx in contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            yield ctx


def problem_statuses(route: APIRoute, method: str, operation: dict[str, Any]) -> set[int]:
    """The problem statuses an operation can answer with.

    Parameters
    ----------
    route
        The route (its dependencies tell what it needs).
    method
        The HTTP method of the operation.
    operation
        The operation as FastAPI documents it (its parameters and request body).
    """
    calls = set(_calls(route.dependant))
    params = operation.get("parameters", [])
    body = "requestBody" in operation
    out = set(RAISED.get((method, route.path_format), ()))
    if body:
        out |= {400, 413}
    if get_principal in calls:
        out |= {401, 422}  # 422: a key the store cannot hold (control characters)
    if any(_needs_role(c) for c in calls):
        out.add(403)
    if any(_rate_limited(c) for c in calls):
        out.add(429)
    if any(p.get("in") == "path" for p in params) or calls & {get_atlas, get_simulator,
                                                              get_access}:
        out.add(404)  # this server has no map, no simulator or no accessibility analyses
    if params or body:
        out.add(422)
    if calls & _STORE or get_planner in calls:  # the planner quotes rides from the store
        out.add(503)
        if method in _WRITES:
            out.add(409)  # a concurrent write to the same record
    return out


def _problem_components() -> dict[str, Any]:
    schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {PROBLEM_SCHEMA: schema, **defs}


def document_problems(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Add the problem answers to the OpenAPI document ``schema`` of ``app`` (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(_problem_components())
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in sorted(route.methods or ()):
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(problem_statuses(route, method, operation)):
                declared = responses.get(str(status), {})
                if status == 422 or MEDIA_TYPE in declared.get("content", {}) or not declared:
                    described = declared.get("description")
                    if status == 422 and described == "Validation Error":  # FastAPI's own
                        described = None
                    raised = RAISED.get((method, route.path_format), {})
                    responses[str(status)] = {
                        "description": (described or raised.get(status)
                                        or DESCRIPTIONS[status]),
                        "content": {MEDIA_TYPE: {"schema": _REF}},
                        **({"headers": _RETRY_AFTER} if status in (429, 503) else {})}
            operation["responses"] = dict(sorted(responses.items()))
    text = json.dumps(schema["paths"])
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's, unused now
        if f"#/components/schemas/{name}" not in text:
            components.pop(name, None)
    return schema


def name_operations(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Each operation's ``operationId`` is its route function's name (generated clients call
    ``create_booking``), as long as those names are unique; else FastAPI's stay."""
    ops = [(route, method.lower()) for route in api_routes(app) if route.include_in_schema
           for method in route.methods or ()]
    names = [route.name for route, _ in ops]
    if len(set(names)) < len(names):
        return schema
    for route, method in ops:
        operation = schema["paths"].get(route.path_format, {}).get(method)
        if operation is not None:
            operation["operationId"] = route.name
    return schema


def document_links(schema: dict[str, Any]) -> dict[str, Any]:
    """Add :data:`LINKS` to the answers of the OpenAPI document ``schema`` (in place),
    naming their targets by ``operationId`` (links to operations this app lacks are left
    out)."""
    paths = schema["paths"]
    for (method, path, status), links in LINKS.items():
        response = paths.get(path, {}).get(method.lower(), {}).get("responses", {}).get(status)
        if response is None:
            continue
        out = response.setdefault("links", {})
        for name, (t_method, t_path, params, body, what) in links.items():
            target = paths.get(t_path, {}).get(t_method.lower())
            if target is None or "operationId" not in target:
                continue
            link: dict[str, Any] = {"operationId": target["operationId"], "description": what}
            if params:
                link["parameters"] = params
            if body is not None:
                link["requestBody"] = body
            out[name] = link
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (``/openapi.json``, ``/docs``) document every problem answer
    and name operations after their routes; the document is built once, on first use,
    after every router is included."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_links(
                name_operations(app, document_problems(app, build())))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
