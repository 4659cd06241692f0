"""Planners' accessibility analyses: start one (the opportunities, window, T, fleet sizes),
follow it, read its summary, its cells (GeoJSON) and its report files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from api.deps import AccessDep, StaffDep
from api.problems import Problem, not_found
from api.routes.quotes import PROBLEM
from api.schemas.access import Access, AccessList, AccessRequest

router = APIRouter(prefix="/api/v1/access", tags=["access"])
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
_FILE = r"^[A-Za-z0-9_.-]{1,40}$"


@router.post("", response_model=Access, status_code=202, summary="Start an accessibility "
             "analysis", responses={409: {"description": "another analysis is running",
                                          **PROBLEM}})
def start_access(body: AccessRequest, jobs: AccessDep, _: StaffDep) -> Access:
    """Who gains access within ``maxMin`` minutes with each fleet size (README
    "Accessibility: who gains access"). One runs at a time. Poll
    ``GET /api/v1/access/{id}``."""
    if jobs.busy():
        raise Problem(409, "access-running", "An analysis is running", "one accessibility "
                      "analysis runs at a time; wait for it to finish")
    return Access(**jobs.start(body.to, body.window, body.max_min, body.vehicles, body.area,
                               body.language))


@router.get("", response_model=AccessList, summary="Recent accessibility analyses")
def recent_access(jobs: AccessDep, _: StaffDep,
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> AccessList:
    return AccessList(analyses=[Access(**j) for j in jobs.list(limit)])


@router.get("/{job_id}", response_model=Access, summary="An analysis: progress, summary")
def get_access(job_id: JobId, jobs: AccessDep, _: StaffDep) -> Access:
    job = jobs.get(job_id)
    if job is None:
        raise not_found("analysis", job_id)
    return Access(**job)


@router.get("/{job_id}/cells", summary="The cells (GeoJSON FeatureCollection)",
            response_class=FileResponse,
            responses={200: {"content": {"application/geo+json": {}}}})
def access_cells(job_id: JobId, jobs: AccessDep, _: StaffDep) -> FileResponse:
    """One square per cell (EPSG:4326) with ``weight``, ``before_p50``, ``afterN_p50``,
    ``gainN``… as in ``cells.gpkg``; null times are unreachable. 404 until done."""
    path = jobs.cells(job_id)
    if path is None:
        raise not_found("cells", job_id)
    return FileResponse(path, media_type="application/geo+json")


@router.get("/{job_id}/{name}", summary="A report file (page, plots, summary, GeoPackage)",
            response_class=FileResponse)
def access_file(job_id: JobId, name: Annotated[str, Path(pattern=_FILE)],
                jobs: AccessDep) -> FileResponse:
    """``index.html``, ``map.png``, ``distribution.png``, ``summary.json``,
    ``cells.gpkg`` (the GeoJSON cells: ``/cells``, with a staff key). Public to whoever
    holds the analysis' id (an unguessable 64-bit token), so that the report opens as a
    link; it holds no personal data (homes are a proxy on a grid)."""
    path = jobs.file(job_id, name)
    if path is None:
        raise not_found("file", f"{job_id}/{name}")
    return FileResponse(path)
