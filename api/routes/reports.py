"""GET /api/v1/reports/monthly: the month's figures for the funding authority (staff)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import ServiceDep, StaffDep
from api.service import monthly_report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/monthly", response_model=dict[str, Any],
            summary="The month's report: trips, vehicles, cost, ratings (staff)")
def monthly(who: StaffDep, svc: ServiceDep,
            month: Annotated[str, Query(min_length=1, max_length=20, description=(
                "the calendar month, YYYY-MM (the running month: up to today)"))],
            area: Annotated[str | None, Query(min_length=1, max_length=100, description=(
                "a service area (none: all areas together)"))] = None) -> dict[str, Any]:
    """The month's KPIs (README "Monthly report"; keys as ``mobility report --json``) with
    ``daily`` series and ``definitions`` (``en``, ``de``: key, unit, name, definition per
    KPI). Dispatchers and admins (other keys: 403). A malformed month or one not begun,
    or an unknown area: 422 with ``field``; a month without data: zeros, never an error."""
    return monthly_report.for_staff(svc, who, area, month)
