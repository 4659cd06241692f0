"""GET /api/v1/plan: journeys by walking and scheduled transit (OTP's plan shape)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import PlannerDep
from api.schemas.plan import PlanResponse

router = APIRouter(prefix="/api/v1", tags=["plan"])


@router.get("/plan", response_model=PlanResponse, summary="Plan a journey")
def plan(planner: PlannerDep,
         origin: Annotated[str, Query(alias="from", max_length=100,
                                      description="LAT,LON or stop:<stop_id>")],
         destination: Annotated[str, Query(alias="to", max_length=100)],
         time: Annotated[str | None, Query(max_length=40, description=(
             "ISO date-time; without an offset: local time of the region (default: its "
             "default date, 08:00)"))] = None,
         arrive_by: Annotated[bool, Query(alias="arriveBy")] = False,
         wheelchair: bool = False,
         max_transfers: Annotated[int, Query(alias="maxTransfers", ge=0, le=10)] = 8,
         ) -> Response:
    """Itineraries leaving at (or, with ``arriveBy``, arriving by) ``time``."""
    out = planner.plan_query(origin, destination, time, arrive_by=arrive_by,
                             wheelchair=wheelchair, max_transfers=max_transfers)
    # off the event loop (FastAPI's threads): a plan searches and reads the day's rides;
    # the planner's answer is plain JSON already: skip re-validating every leg (the hot path)
    return Response(json.dumps(out, separators=(",", ":")), media_type="application/json")
