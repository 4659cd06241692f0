"""GET /api/v1/plan: journeys by walking, scheduled transit and on-demand rides (OTP's plan
shape)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.openapi.models import Example

from api.deps import Planner, PlannerDep, plan_limited
from api.otp import plan_to_otp
from api.plan_query import parse_plan_input
from api.schemas.plan import PlanResponse

router = APIRouter(prefix="/api/v1", tags=["plan"])
# examples on the default region (addison-vt: Middlebury, Vergennes; the feed is of 2016)
FROM_EXAMPLES: dict[str, Example] = {
    "coordinate": {"summary": "a coordinate", "value": "44.0153,-73.1673"},
    "stop": {"summary": "a stop", "value": "stop:771377"}}
TO_EXAMPLES: dict[str, Example] = {
    "coordinate": {"summary": "a coordinate", "value": "44.1670,-73.2540"},
    "stop": {"summary": "a stop", "value": "stop:771306"}}
TIME_EXAMPLES: dict[str, Example] = {
    "local": {"summary": "local time of the region", "value": "2016-03-03T08:00"},
    "offset": {"summary": "with an offset", "value": "2016-03-03T17:00-05:00"}}


@router.get("/plan", response_model=PlanResponse, summary="Plan a journey",
            dependencies=[Depends(plan_limited)])
def plan(planner: PlannerDep,
         origin: Annotated[str, Query(alias="from", max_length=100,
                                      description="LAT,LON or stop:<stop_id>",
                                      openapi_examples=FROM_EXAMPLES)],
         destination: Annotated[str, Query(alias="to", max_length=100,
                                           description="LAT,LON or stop:<stop_id>",
                                           openapi_examples=TO_EXAMPLES)],
         time: Annotated[str | None, Query(max_length=40, description=(
             "ISO date-time; without an offset: local time of the region (default: its "
             "default date, 08:00)"), openapi_examples=TIME_EXAMPLES)] = None,
         arrive_by: Annotated[bool, Query(alias="arriveBy")] = False,
         wheelchair: bool = False,
         max_transfers: Annotated[int, Query(alias="maxTransfers", ge=0, le=10)] = 8,
         ) -> Response:
    """Itineraries leaving at (or, with ``arriveBy``, arriving by) ``time``, in
    OpenTripPlanner's shape: times are epoch milliseconds, durations seconds. An
    ``ON_DEMAND`` leg's ``bookingInfo`` is bookable as it is (``POST /api/v1/bookings``
    with ``itinerary``). No key is needed; plans are rate-limited per key when one is
    sent, else per client address (429 with ``Retry-After``)."""
    out = plan_answer(planner, origin, destination, time, arrive_by=arrive_by,
                      wheelchair=wheelchair, max_transfers=max_transfers)
    # off the event loop (FastAPI's threads): a plan searches and reads the day's rides;
    # plain JSON already, documented by PlanResponse: skip re-validating every leg (the hot
    # path; tests validate real answers against the schema)
    return Response(json.dumps(out, separators=(",", ":")), media_type="application/json")


def plan_answer(planner: Planner, origin: str, destination: str, time: str | None, *,
                arrive_by: bool = False, wheelchair: bool = False, max_transfers: int = 8
                ) -> dict[str, Any]:
    """The route's answer to a query as typed (parsed, planned, in OTP's shape), also for
    callers in the same process (benchmarks, tests).

    Raises
    ------
    MobilityError
        Input the planner cannot serve, naming its field.
    """
    q = parse_plan_input(planner, origin, destination, time)
    result = planner.plan(q.origin, q.destination, q.date, q.time_s, arrive_by=arrive_by,
                          wheelchair=wheelchair, max_transfers=max_transfers)
    return plan_to_otp(result, planner.timetable, q.date, planner.tz, time_s=q.time_s,
                       names=planner.names)
