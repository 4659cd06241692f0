"""Planners' simulations: start a run (or a small sweep of fleet sizes), follow it, read
its KPIs, plots and report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from api.deps import SimulatorDep, StaffDep
from api.problems import Problem, not_found
from api.routes.quotes import PROBLEM
from api.schemas.simulations import Simulation, SimulationList, SimulationRequest

router = APIRouter(prefix="/api/v1/simulations", tags=["simulations"])
_FILE = r"^[A-Za-z0-9_.-]{1,80}$"


@router.post("", response_model=Simulation, status_code=202, summary="Start a simulation",
             responses={409: {"description": "another simulation is running", **PROBLEM}})
def start(body: SimulationRequest, sim: SimulatorDep, _: StaffDep) -> Simulation:
    """A simulated day on a service area with synthetic demand; several fleet sizes run
    one after another and compare. The report and plots are written in ``language`` (the
    planner's interface language). Poll ``GET /api/v1/simulations/{id}``."""
    if sim.busy():
        raise Problem(409, "simulation-running", "A simulation is running", "one simulation "
                      "runs at a time; wait for it to finish")
    return Simulation(**sim.start(body.area, sorted(set(body.vehicles)), body.rate_per_hour,
                                  body.seed, body.language,
                                  list(dict.fromkeys(body.replanning))))


@router.get("", response_model=SimulationList, summary="Recent simulations")
def recent(sim: SimulatorDep, _: StaffDep,
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> SimulationList:
    return SimulationList(simulations=[Simulation(**j) for j in sim.list(limit)])


@router.get("/{sim_id}", response_model=Simulation, summary="A simulation and its KPIs")
def one(sim_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")], sim: SimulatorDep,
        _: StaffDep) -> Simulation:
    job = sim.get(sim_id)
    if job is None:
        raise not_found("simulation", sim_id)
    return Simulation(**job)


@router.get("/{sim_id}/{variant}/{name}", summary="A report file (plot, page, KPIs, trips)",
            response_class=FileResponse)
def report_file(sim_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
                variant: Annotated[str, Path(pattern=_FILE)],
                name: Annotated[str, Path(pattern=_FILE)], sim: SimulatorDep) -> FileResponse:
    """Public to whoever holds the run's id (an unguessable 64-bit token), so that plots
    can be images on a page; reports hold synthetic demand only."""
    path = sim.file(sim_id, variant, name)
    if path is None:
        raise not_found("file", f"{sim_id}/{variant}/{name}")
    return FileResponse(path)
