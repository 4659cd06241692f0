"""The journey planner's response (OpenTripPlanner's plan shape)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class PlanResponse(BaseModel):
    """``itineraries`` in OTP's shape (duration, startTime, endTime, walkTime, transitTime,
    waitingTime, transfers, legs with mode, from/to, route, trip, headsign,
    intermediateStops, legGeometry) and ``messages`` saying why there are few or none."""

    model_config = ConfigDict(extra="allow")
    itineraries: list[dict[str, Any]]
    messages: list[str] = []
