"""Dependencies of the routes, as ``Annotated`` aliases: the session, the caller, the
planner and the booking service (all provided by the app factory through ``app.state``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Protocol

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import Principal, lookup
from api.limits import client_key
from api.place_names import PlaceNamer
from api.plan_query import PlanSite
from api.problems import Problem
from api.service import BookingService
from api.store import Store
from routing.planner import Endpoint, PlanResult
from routing.timetable import Timetable


class Planner(PlanSite, Protocol):
    """What the API needs of a journey planner (``mobility``'s RegionPlanner is one): the
    region's facts that parsing needs (:class:`api.plan_query.PlanSite`), its timetable (for
    the answer's stops and trips) and plans on parsed values."""

    @property
    def timetable(self) -> Timetable: ...

    @property
    def names(self) -> PlaceNamer | None:
        """Names on-demand legs' ends in plain words (None: the planner's names)."""
        ...

    def plan(self, origin: Endpoint, destination: Endpoint, date: dt.date, time_s: int, *,
             arrive_by: bool = False, wheelchair: bool = False,
             max_transfers: int = 8, num_itineraries: int = 3,
             window_s: int | None = None) -> PlanResult:
        """Itineraries leaving at (or arriving by) ``time_s`` seconds after ``date``'s
        midnight: up to ``num_itineraries`` by scheduled vehicles, besides a door-to-door ride
        and a walk (with ``window_s``: all leaving within that many seconds, arrive-by:
        arriving); raises MobilityError (with ``field``) for input it cannot serve (a date
        outside the feed, too many transfers)."""
        ...


class PlaceLike(Protocol):
    """A search hit (read-only attributes)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def stop_id(self) -> str | None: ...
    @property
    def near(self) -> str | None: ...


class Atlas(Protocol):
    """Map data and place search of the region (``mobility``'s Atlas is one)."""

    def info(self) -> dict[str, Any]: ...
    def streets_gz(self) -> bytes: ...
    def stops(self) -> dict[str, Any]: ...
    def search(self, query: str, limit: int = 10,
               near: tuple[float, float] | None = None) -> Sequence[PlaceLike]: ...


class Simulator(Protocol):
    """Runs planners' simulations in the background (``mobility``'s Simulations is one).
    Jobs are plain dicts: ``id``, ``status``, ``progress``, ``variants``, ``error``…"""

    def start(self, area: str | None, vehicles: list[int], rate_per_hour: float,
              seed: int, language: str | None = None,
              replanning: list[str] | None = None) -> dict[str, Any]:
        """Start a run in the background (one variant per fleet size and re-planning mode),
        its report in ``language``; raises MobilityError (with ``field``) for bad input."""
        ...

    def busy(self) -> bool:
        """A run is going (one at a time: a simulation takes a core for seconds to
        minutes)."""
        ...

    def get(self, job_id: str) -> dict[str, Any] | None: ...
    def list(self, limit: int = 20) -> list[dict[str, Any]]: ...
    def file(self, job_id: str, variant: str, name: str) -> Path | None: ...


class AccessRunner(Protocol):
    """Runs planners' accessibility analyses in the background (``mobility``'s AccessJobs
    is one). Jobs are plain dicts: ``id``, ``status``, ``stage``, ``progress``, ``summary``,
    ``error``…"""

    def start(self, to: str, window: str, max_min: int, vehicles: list[int],
              area: str | None = None, language: str | None = None) -> dict[str, Any]:
        """Check the input (MobilityError with ``field``) and start an analysis."""
        ...

    def busy(self) -> bool:
        """An analysis is going (one at a time)."""
        ...

    def get(self, job_id: str) -> dict[str, Any] | None: ...
    def list(self, limit: int = 20) -> list[dict[str, Any]]: ...
    def file(self, job_id: str, name: str) -> Path | None: ...
    def cells(self, job_id: str) -> Path | None: ...


# trivial getters are coroutines: FastAPI would otherwise send each through its thread pool
async def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    """A read-only snapshot of the store for a route that only reads. Routes that write do
    so in their own transaction (``api.store.repository.writing``), committed before they
    answer: a client's next request must see what the answer reported."""
    with request.app.state.store.snapshot() as s:
        yield s


async def get_planner(request: Request) -> Planner:
    return request.app.state.planner  # type: ignore[no-any-return]


async def get_atlas(request: Request) -> Atlas:
    atlas = request.app.state.atlas
    if atlas is None:
        raise Problem(404, "no-map", "No map", "this server has no map data")
    return atlas  # type: ignore[no-any-return]


async def get_simulator(request: Request) -> Simulator:
    sim = request.app.state.simulator
    if sim is None:
        raise Problem(404, "no-simulator", "No simulator", "this server runs no simulations")
    return sim  # type: ignore[no-any-return]


async def get_access(request: Request) -> AccessRunner:
    jobs = getattr(request.app.state, "access", None)
    if jobs is None:
        raise Problem(404, "no-access", "No accessibility analyses", "this server runs no "
                      "accessibility analyses")
    return jobs  # type: ignore[no-any-return]


async def get_service(request: Request) -> BookingService:
    return request.app.state.service  # type: ignore[no-any-return]


_bearer = HTTPBearer(auto_error=False, description="an API key: `mobility keys create`")


def get_principal(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None,
                                                     Depends(_bearer)]) -> Principal:
    if creds is None or not creds.credentials:
        raise Problem(401, "unauthorized", "Unauthorized", "send an API key as "
                      "'Authorization: Bearer <key>'", headers={"WWW-Authenticate": "Bearer"})
    with request.app.state.store.snapshot() as s:  # a reader: never waits for a booking
        who = lookup(s, creds.credentials)
    if who is None:
        raise Problem(401, "unauthorized", "Unauthorized", "unknown or revoked API key",
                      headers={"WWW-Authenticate": "Bearer"})
    return who


def rate_limited(name: str) -> Any:
    """A dependency counting the caller's request against the rate limit ``name`` (per API
    key; 429 with ``Retry-After`` beyond it)."""

    async def check(request: Request, who: Annotated[Principal, Depends(get_principal)]
                    ) -> None:
        await request.app.state.limits.acheck(name, f"k:{who.key_id}")

    return Depends(check)


async def plan_limited(request: Request) -> None:
    """Count a journey plan: per API key when a valid one is sent, else per client address
    (plans need no key, so the header is read here without documenting it as security; a
    wrong key counts by the address too). On the event loop: a plan without a key costs no
    thread and, far from its limit, no store access."""
    caller = None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        who = await anyio.to_thread.run_sync(_lookup, request.app.state.store, token.strip())
        if who is not None:
            caller = f"k:{who.key_id}"
    if caller is None:
        caller = f"a:{client_key(request.client.host if request.client else '')}"
    await request.app.state.limits.acheck("plans", caller)


def _lookup(store: Store, token: str) -> Principal | None:
    with store.snapshot() as s:
        return lookup(s, token)


def require(*roles: str) -> Any:
    """A dependency admitting only the given roles."""

    def check(who: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if who.role not in roles:
            raise Problem(403, "forbidden", "Forbidden",
                          f"this needs a {' or '.join(roles)} key (yours is {who.role})")
        return who

    return Depends(check)


SessionDep = Annotated[Session, Depends(get_session)]
StoreDep = Annotated[Store, Depends(get_store)]
PlannerDep = Annotated[Planner, Depends(get_planner)]
AtlasDep = Annotated[Atlas, Depends(get_atlas)]
SimulatorDep = Annotated[Simulator, Depends(get_simulator)]
AccessDep = Annotated[AccessRunner, Depends(get_access)]
ServiceDep = Annotated[BookingService, Depends(get_service)]
CallerDep = Annotated[Principal, Depends(get_principal)]
StaffDep = Annotated[Principal, require("dispatcher", "admin")]
BookerDep = Annotated[Principal, require("rider", "dispatcher", "admin")]
FleetDep = Annotated[Principal, require("driver", "dispatcher", "admin")]
