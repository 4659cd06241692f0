"""POST /api/v1/plans/replan: the optimiser improves a service area's day."""

from __future__ import annotations

from functools import partial

import anyio
from fastapi import APIRouter

from api.deps import ServiceDep, StaffDep
from api.schemas.plans import ReplanRequest, ReplanResponse

router = APIRouter(prefix="/api/v1/plans", tags=["plans"])


#: re-plannings waiting for the optimiser: apart from the threads that answer everything else
_REPLANS = anyio.CapacityLimiter(4)


@router.post("/replan", response_model=ReplanResponse, summary="Re-plan a day")
async def replan(body: ReplanRequest, who: StaffDep, svc: ServiceDep) -> ReplanResponse:
    """Re-plan every booked ride of the day with the optimiser: every promised window and
    ride limit is kept, vehicles under way start where they are, riders on board stay, and a
    ride not yet picked up may move to another vehicle. The plans change only if the fleet
    drives less. The optimiser runs in its own process: bookings and other requests go on
    meanwhile (if the plans change in the meantime, the answer is 409: re-plan again)."""
    # seconds of waiting for the optimiser's process: not in the threads shared by the
    # other requests (nor, of course, on the event loop)
    saved, moved = await anyio.to_thread.run_sync(
        partial(svc.replan, body.area, body.date, body.time_limit_s, body.solution_limit or 0,
                who=who),
        limiter=_REPLANS)
    return ReplanResponse(area=body.area, date=body.date, saved_s=round(saved, 1), moved=moved)
