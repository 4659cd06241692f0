"""Property-based requests generated from the OpenAPI document (schemathesis): whatever a
client sends to any operation, the API answers without a server error, with a status the
document lists for that operation, in the media type it lists and matching the typed
response model of that status (problem details included). The document's examples (a real
journey on the feed's dates) run too, so successful plans are checked against their
schema as well as refusals."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import delete, select

from tests.api_helpers import (
    ADDISON_TZ,
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    NOW,
    VERGENNES,
    WEYBRIDGE,
)

EXAMPLES = 30  # per operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

# thousands of generated requests: not in the fast lane
pytestmark = pytest.mark.slow


def test_no_server_errors(api) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    # generated requests carry a dispatcher's key, so they reach past authentication
    headers = api.h("dispatcher")
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 11
    calls = 0
    statuses: dict[str, set[int]] = {}

    def check(label: str, case) -> None:  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.setdefault(label, set()).add(response.status_code)

    for op in operations:
        for strategy in (op.as_strategy(), *schema.get_strategies_from_examples(op)):

            @given(case=strategy)
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case) -> None:  # type: ignore[no-untyped-def]
                check(case.operation.label, case)

            run()
    assert calls >= len(operations) * 5
    # the documented examples plan real journeys: their answers met the plan schema
    assert 200 in statuses["GET /api/v1/plan"] and 422 in statuses["GET /api/v1/plan"]



# -- stateful: quotes -> bookings -> manifests, events and cancellations --------------------
SCENARIOS = 100  # sequences of calls
STEPS = 10  # calls per sequence at most
PLACES = [MIDDLEBURY, BRISTOL, VERGENNES, WEYBRIDGE, EAST_MIDDLEBURY]
_WIDTHS_S = [0, 60, 300, 900, 1800, 5400, 30000]  # of generated itinerary pickup windows


def _at(day: dt.date, seconds: int) -> str:
    return (dt.datetime.combine(day, dt.time(), ADDISON_TZ)
            + dt.timedelta(seconds=seconds)).isoformat()


@st.composite
def _ride_ends(draw: st.DrawFn) -> dict[str, object]:
    o, d = draw(st.lists(st.sampled_from(PLACES), min_size=2, max_size=2, unique=True))
    return {"origin": {"lat": o[0], "lon": o[1]}, "destination": {"lat": d[0], "lon": d[1]}}


@st.composite
def _quote_body(draw: st.DrawFn, rider: str) -> dict[str, object]:
    """A ride someone would ask for: between real places, today or in the next days,
    mostly in service hours."""
    day = NOW.date() + dt.timedelta(days=draw(st.integers(0, 3)))
    body = {**draw(_ride_ends()), "time": _at(day, draw(st.integers(5 * 12, 21 * 12)) * 300),
            "timeType": draw(st.sampled_from(["departure", "arrival"])),
            "passengers": draw(st.integers(1, 4)), "riderId": rider}
    if draw(st.booleans()):
        body["wheelchair"] = draw(st.booleans())
    return body


@st.composite
def _itinerary_body(draw: st.DrawFn, rider: str) -> dict[str, object]:
    """One or two ride legs as a plan's bookingInfo gives them, or with the windows clients
    get wrong: zero or huge widths, across midnight, in the past."""
    legs = []
    for _ in range(draw(st.integers(1, 2))):
        day = NOW.date() + dt.timedelta(days=draw(st.integers(-1, 2)))
        start = draw(st.integers(4 * 12, 23 * 12)) * 300
        end = start + draw(st.sampled_from(_WIDTHS_S))
        drop_end = draw(st.one_of(st.none(), st.integers(start + 600, start + 4 * 3600)))
        legs.append({**draw(_ride_ends()),
                     "pickupWindow": {"start": _at(day, start), "end": _at(day, end)},
                     "dropOffWindow": {"start": _at(day, start),
                                       "end": None if drop_end is None else _at(day, drop_end)}})
    return {"itinerary": legs, "riderId": rider}


@st.composite
def _event_body(draw: st.DrawFn) -> dict[str, object]:
    """What a driver's app reports: any event type, now or a little earlier, sometimes
    with a position (a link adds the booking)."""
    body: dict[str, object] = {"type": draw(st.sampled_from(
        ["arrived", "picked_up", "dropped_off", "no_show", "position"]))}
    if draw(st.booleans()):
        body["time"] = (NOW - dt.timedelta(minutes=draw(st.integers(0, 90)))).isoformat()
    if draw(st.booleans()):
        lat, lon = draw(st.sampled_from(PLACES))
        body.update(lat=lat, lon=lon)
    return body


_NAMES = ["Erika Muster", "Renée Ångström", "محمد", "Zoë O'Neil", "李小龙"]


def _realistic(rider: str):  # type: ignore[no-untyped-def]
    """A hook mixing rides someone would ask for (for ``rider``) into the generated quote
    and itinerary bodies: random coordinates and times hardly ever give a ride to book,
    cancel or drive."""

    def before_generate_body(context, strategy):  # type: ignore[no-untyped-def]
        label = context.operation.label if context.operation is not None else ""
        if label == "POST /api/v1/quotes":
            return st.one_of(strategy, _quote_body(rider))
        if label == "POST /api/v1/bookings":
            return st.one_of(strategy, _itinerary_body(rider))
        if label == "POST /api/v1/vehicles/{vehicle_id}/events":
            return st.one_of(strategy, _event_body())
        if label == "POST /api/v1/riders":
            return st.one_of(strategy, st.builds(lambda n: {"name": n}, st.sampled_from(_NAMES)))
        return strategy

    return before_generate_body


def _forget_rides(api) -> None:  # type: ignore[no-untyped-def]
    """Empty the store but for the keys, their riders and the fleet, and forget the plans
    held in memory: each scenario starts from the same state, so that Hypothesis meets the
    same answers whenever it walks the same calls again."""
    from api.service.days import DayPlans
    from api.service.stored_plans import builder, writer
    from api.store.models import ApiKey, Base, Rider, VehicleRow

    svc = api.service
    with api.store.session() as s:
        keep = set(s.scalars(select(ApiKey.rider_id).where(ApiKey.rider_id.is_not(None))))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == Rider.__tablename__:
                s.execute(delete(table).where(table.c.id.not_in(keep)))
            elif table.name not in (ApiKey.__tablename__, VehicleRow.__tablename__):
                s.execute(delete(table))
    svc.days = DayPlans(api.store, builder(svc.travel, svc.params), writer(svc.timing.now))


def test_stateful_no_server_errors(api) -> None:  # type: ignore[no-untyped-def]
    """Schemathesis follows the OpenAPI links: quotes to bookings (single and itinerary) to
    the booking, its cancellation, its vehicle's manifest and its driver's events; no call
    answers 5xx or off the documented statuses and shapes. Derandomized: the same calls
    every run."""
    # the operations of a ride's life (the stateless test above covers every operation)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app).include(
        path_regex=r"^/api/v1/(quotes|bookings|riders|vehicles/\{vehicle_id\}/)").exclude(
        method="GET", path=["/api/v1/bookings", "/api/v1/riders/{rider_id}",
                            "/api/v1/riders/{rider_id}/export",
                            "/api/v1/riders/{rider_id}/notifications"]).exclude(
        # a rider's data, not a ride's life (test_api_privacy.py, test_api_notifications.py;
        # the stateless test above calls them too)
        method=["DELETE", "PUT"], path=["/api/v1/riders/{rider_id}",
                                        "/api/v1/riders/{rider_id}/notifications"]).exclude(
        # a vehicle's availability and moving its tours: the operators' tests
        # (test_api_operators.py; the stateless test above calls them too)
        path_regex=r"/(availability|tours)")
    schema.hooks.register_hook_with_name(_realistic(api.rider_id()), "before_generate_body")
    seen: dict[str, set[int]] = {}
    legs: set[str] = set()  # bookings made as an itinerary's legs
    legs_followed: set[str] = set()  # ... and read, cancelled or reported on after
    staff = api.h("dispatcher")  # books for riders, sees every vehicle

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            _forget_rides(api)

        def get_call_kwargs(self, case):  # type: ignore[no-untyped-def]
            return {"headers": staff}

        def after_call(self, response, case):  # type: ignore[no-untyped-def]
            super().after_call(response, case)
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            body = case.body if isinstance(case.body, dict) else {}
            booking = (case.path_parameters or {}).get("booking_id") or body.get("bookingId")
            if booking in legs:
                legs_followed.add(booking)
            if case.operation.label == "POST /api/v1/bookings" and response.status_code == 201:
                legs.update(b["id"] for b in response.json().get("bookings", []))

        def validate_response(self, response, case, additional_checks=None,  # type: ignore[no-untyped-def]
                              **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    # generation only (the store keeps what each scenario did: replaying one to shrink it
    # would not meet the same state)
    Workflow.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS,
                                   derandomize=True, database=None, deadline=None,
                                   phases=[Phase.generate],
                                   suppress_health_check=list(HealthCheck)))
    # the links were followed to the end: rides booked (from quotes and as itineraries),
    # read, cancelled and reported on by their driver
    assert 201 in seen["POST /api/v1/quotes"], seen
    assert 201 in seen["POST /api/v1/bookings"], seen
    assert 200 in seen["GET /api/v1/bookings/{booking_id}"], seen
    assert 200 in seen["DELETE /api/v1/bookings/{booking_id}"], seen
    assert 200 in seen["GET /api/v1/vehicles/{vehicle_id}/manifest"], seen
    assert 201 in seen["POST /api/v1/vehicles/{vehicle_id}/events"], seen
    assert legs_followed, "no itinerary's booking was followed by another call"
