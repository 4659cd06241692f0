"""GET /health: the region is loaded and the store answers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import ServiceDep, StoreDep
from api.schemas.health import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(request: Request, store: StoreDep, svc: ServiceDep) -> Health | JSONResponse:
    ok = store.ping()
    h = Health(status="ok" if ok else "degraded", region=request.app.state.region_name,
               region_loaded=True, store="ok" if ok else "unreachable",
               service_areas=len(svc.areas),
               vehicles=sum(len(a.vehicles) for a in svc.areas.values()))
    if not ok:
        return JSONResponse(h.model_dump(by_alias=True), status_code=503)
    return h
