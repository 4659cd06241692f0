"""The app factory: it receives its planner, on-demand service and store (it builds none of
them, so the same app runs on a real region in production and on anything in tests)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import anyio
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError

from api.config import ApiConfig
from api.deps import AccessRunner, Atlas, Planner, Simulator
from api.faults import install_store_faults
from api.gtfs_rt.ids import TripIds
from api.headers import SecurityHeaders
from api.internal_errors import InternalErrors
from api.limits import BodyLimit, Limits
from api.metrics import JobsCollector, QueueCollector
from api.observe import Observe
from api.openapi import install_openapi
from api.problems import MEDIA_TYPE, Problem, install
from api.proxies import ForwardedFor, TrustedProxies
from api.ratelimit import RateLimiter
from api.routes import (
    access as access_routes,
)
from api.routes import (
    accounting,
    accounts,
    alerts,
    audit,
    availability,
    bookings,
    companies,
    gtfs_rt,
    health,
    notifications,
    ojp,
    plan,
    plans,
    quotes,
    ratings,
    reports,
    riders,
    service_alerts,
    service_areas,
    simulations,
    standing_orders,
    tours,
    vehicles,
)
from api.routes import (
    atlas as atlas_routes,
)
from api.routes import (
    metrics as metrics_route,
)
from api.service import BookingService
from api.service.connections import Connections
from api.service.housekeeping import Housekeeper
from api.service.lateness import LateWatch
from api.service.notify import Notifier
from api.service.outbox import backlog
from api.service.privacy import keep_retention
from api.service.replanning import Replanner
from api.service.standing import StandingBooker
from api.web import mount_web

DESCRIPTION = """Journeys by walking and scheduled transit (OpenTripPlanner's plan shape) and
on-demand rides: quotes, bookings, vehicles' manifests and events. Errors are RFC 9457 problem
details. Authenticate with `Authorization: Bearer <API key>` (`mobility keys create`)."""


def create_app(planner: Planner, service: BookingService, *, region_name: str,
               config: ApiConfig | None = None, atlas: Atlas | None = None,
               simulator: Simulator | None = None,
               access: AccessRunner | None = None) -> FastAPI:
    """The HTTP API over a journey planner and a booking service (with its store), and the
    web app at ``/``; with ``atlas`` the map and place search, with ``simulator`` planners'
    simulations, with ``access`` their accessibility analyses. While the app runs, daemon
    threads flush rate-limit counts to the store, purge it (every
    ``config.purge_interval_s``), look for rides running late (every
    ``config.late_interval_s``), book standing orders' dates (every
    ``config.standing_interval_s``), send riders' notifications (every
    ``config.notify_interval_s``) and re-plan today's plans of every area (every
    ``config.replan_interval_s``); the service's optimiser process stops with the app.
    ``GET /metrics`` tells what the service counted (:mod:`api.metrics`), and every answer
    carries its request's id (:mod:`api.observe`)."""
    config = config or service.config
    # rate limits shared by every process over the store, on the service's clock
    limiter = RateLimiter(service.store, service.timing.now)
    housekeeper = Housekeeper(service.store, config, service.timing.now)
    if service.connections is None:  # missed connections: the next departure from there
        service.connections = Connections(planner.timetable,
                                          getattr(planner, "timetable_date", None))
    late_watch = LateWatch(service)
    booker = StandingBooker(service, config.standing_interval_s)
    notifier = Notifier(service, config)  # the outbox: messages to riders, never in a request
    replanner = Replanner(service)  # hourly: today's plans of every area
    metrics = service.metrics
    runners = {k: r.list for k, r in (("simulation", simulator), ("access", access))
               if r is not None}
    metrics.read_on_scrape(QueueCollector(partial(backlog, service.store), service.timing.now),
                           JobsCollector(runners))
    for loop in (housekeeper, late_watch, booker, notifier, replanner):
        loop.on_turn = metrics.background_turn

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = config.threads
        retention = None if config.retention_days is None else asyncio.create_task(
            keep_retention(service.store, service.timing, config.retention_days))
        limiter.start()
        housekeeper.start()
        late_watch.start()
        booker.start()
        notifier.start()
        replanner.start()
        yield
        replanner.stop()
        notifier.stop()
        booker.stop()
        late_watch.stop()
        housekeeper.stop()
        limiter.stop()
        if retention is not None:
            retention.cancel()
        service.close()

    app = FastAPI(title="mobility", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.planner = planner
    app.state.service = service
    app.state.store = service.store
    app.state.region_name = region_name
    app.state.atlas = atlas
    app.state.simulator = simulator
    app.state.access = access
    app.state.limits = Limits(limiter, config)
    app.state.housekeeper = housekeeper
    app.state.late_watch = late_watch
    app.state.standing_booker = booker
    app.state.notifier = notifier
    app.state.metrics = metrics
    app.state.trip_ids = TripIds(service.store, service.timing.now)  # realtime feeds' ids
    install(app)

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        p = Problem(409, "conflict", "Conflict", "a concurrent request changed the same "
                    "record; retry the request")
        return JSONResponse(p.body(request.url.path), 409, media_type=MEDIA_TYPE)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL byte in an id or header: PostgreSQL refuses such text
        p = Problem(422, "invalid-characters", "Invalid characters", "a value holds "
                    "characters that cannot be stored (control characters such as NUL)")
        return JSONResponse(p.body(request.url.path), 422, media_type=MEDIA_TYPE)

    install_store_faults(app)  # unreachable, busy, read-only or full: 503

    for r in (health, plan, service_areas, quotes, bookings, riders, vehicles, plans,
              atlas_routes, accounts, simulations, alerts, standing_orders,
              notifications, service_alerts, gtfs_rt, ojp, ratings, audit, accounting,
              companies, availability, tours,
              reports, access_routes, metrics_route):
        app.include_router(r.router)
    install_openapi(app)  # every operation's problem answers, documented in one place
    # last: the API's routes match first
    info = atlas.info() if atlas is not None else {}
    mount_web(app, tile_url=info.get("tileUrl"), language=info.get("language", "en"))
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes,  # OJP answers as OJP
                       answer_as=ojp.too_large, clock=lambda: service.timing.now().timestamp())
    app.add_middleware(InternalErrors)  # a bug's 500 leaves the connection open
    # everything after it (the access log too) sees the client's own address
    app.add_middleware(ForwardedFor, trusted=TrustedProxies(config.trusted_proxies))
    app.add_middleware(SecurityHeaders)  # every answer gets them, 413s and 500s too
    # outermost: every request's latency and id, whatever answered it
    app.add_middleware(Observe, metrics=metrics)
    return app
