"""GET /api/v1/service-areas: the on-demand areas as GeoJSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ServiceDep

router = APIRouter(prefix="/api/v1", tags=["service areas"])


@router.get("/service-areas", response_model=dict[str, Any],
            summary="On-demand service areas (GeoJSON FeatureCollection)")
def service_areas(svc: ServiceDep) -> dict[str, Any]:
    return {"type": "FeatureCollection",
            "features": [a.feature() for a in svc.areas.values()]}
