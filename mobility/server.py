"""Wiring for ``mobility serve``: a region, its planner, its on-demand service and the store
become one FastAPI app."""

from __future__ import annotations

import atexit
import dataclasses
import gc
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from api import ApiConfig, BookingService, Store, create_app
from api.metrics import MULTIPROC_ENV, process_exited
from api.routes.plan import plan_answer
from api.service import Clock, RunningClock, SystemClock
from dispatch.ondemand_legs import OnDemandLegs
from dispatch.travel import StreetTravel
from mobility.access_log import log_config
from mobility.atlas import region_language
from mobility.planning import RegionPlanner
from mobility.public_holidays import calendar, code_for
from mobility.region import Region, load_region
from mobility.settings import Settings
from routing.street_router import StreetRouter

log = logging.getLogger("mobility.server")
#: set by ``mobility serve`` for its worker processes
REGION_ENV = "MOBILITY_SERVE_REGION"


def api_config(s: Settings) -> ApiConfig:
    return ApiConfig(cors_origins=tuple(s.cors_origins), max_body_bytes=s.max_body_bytes,
                     quote_ttl_s=s.quote_ttl_s, horizon_days=s.horizon_days, threads=s.threads,
                     open_signup=s.open_signup, retention_days=s.retention_days,
                     max_bookings_per_day=s.max_bookings_per_day,
                     max_bookings=s.max_bookings, refuse_overlapping=s.refuse_overlapping,
                     rate_window_s=s.rate_window_s, rate_quotes=s.rate_quotes,
                     rate_bookings=s.rate_bookings, rate_plans=s.rate_plans,
                     rate_signups=s.rate_signups,
                     rate_signins=s.rate_signins, trusted_proxies=tuple(s.trusted_proxies),
                     keep_quotes_days=s.keep_quotes_days,
                     keep_idempotency_days=s.keep_idempotency_days,
                     keep_positions_days=s.keep_positions_days,
                     keep_events_days=s.keep_events_days, purge_interval_s=s.purge_interval_s,
                     late_tolerance_s=s.late_tolerance_s, late_interval_s=s.late_interval_s,
                     standing_interval_s=s.standing_interval_s,
                     replan_interval_s=s.replan_interval_s,
                     replan_solutions=s.replan_solutions, metrics=s.metrics,
                     metrics_token=(s.metrics_token.get_secret_value()
                                    if s.metrics_token is not None else None),
                     **notify_config(s))


def notify_config(s: Settings) -> dict[str, Any]:
    """The notification settings of :class:`ApiConfig` (the outbox's worker, e-mail, SMS)."""
    return {"notify_interval_s": s.notify_interval_s,
            "notify_max_attempts": s.notify_max_attempts,
            "reminder_minutes": s.reminder_minutes,
            "keep_notifications_days": s.keep_notifications_days,
            "smtp_host": s.smtp_host, "smtp_port": s.smtp_port, "smtp_user": s.smtp_user,
            "smtp_password": (s.smtp_password.get_secret_value()
                              if s.smtp_password is not None else None),
            "smtp_from": s.smtp_from, "smtp_starttls": s.smtp_starttls,
            "sms_url": s.sms_url, "sms_body": s.sms_body,
            "sms_headers": tuple(sorted(s.sms_headers.items()))}


def clock(s: Settings) -> Clock:
    """The service's clock: the machine's, or one started at ``MOBILITY_CLOCK_START``."""
    return (RunningClock(s.clock_start, s.clock_speed, s.clock_epoch, s.clock_epoch_file)
            if s.clock_start is not None else SystemClock())


def booking_service(region: Region, settings: Settings, store: Store,
                    car: StreetRouter | None = None, **kw: Any) -> BookingService:
    """The on-demand service of a loaded region over ``store``, with the settings' rules,
    clock and public holidays (which standing orders skip); ``car``: the region's car
    router when the caller has one already."""
    # riders who chose no language are told in the region's (the web app's default)
    config = dataclasses.replace(api_config(settings),
                                 language=region_language(region, settings.language))
    service = BookingService(region.service_areas,
                             StreetTravel(car or region.router("car")),
                             region.timezone, store, config=config,
                             clock=kw.pop("clock", None) or clock(settings), **kw)
    service.holiday = calendar(code_for(settings.holidays, region.config))
    return service


def build(region: Region, settings: Settings, *, migrate: bool = True,
          warm: bool = True) -> FastAPI:
    """The app of a loaded region over the store at ``settings.db_url``."""
    store = Store(settings.db_url)
    planner = RegionPlanner(region, replay=settings.replay_feed)
    service = booking_service(region, settings, store, planner.street("car"))
    planner.on_demand = ride_legs(planner, service)
    service.names = planner.names  # bookings' ends named as the plans' rides
    if migrate:
        store.migrate()
        service.sync_fleet()
    if warm:
        _warm(planner, service)
    from mobility.access.jobs import AccessJobs
    from mobility.atlas import Atlas
    from mobility.sim.jobs import Simulations

    atlas = Atlas(region, tile_url=settings.tile_url, language=settings.language)
    if warm:  # in the background: the API answers meanwhile (map requests wait for it)
        threading.Thread(target=atlas.warm, name="atlas-warm", daemon=True).start()
        threading.Thread(target=planner.names.warm, name="names-warm", daemon=True).start()
    sims = Simulations(region, settings.sim_dir, data=settings.data, cache=settings.cache,
                       language=atlas.language, currency=settings.currency)
    access = AccessJobs(region, settings.access_dir or settings.sim_dir.parent / "access",
                        data=settings.data, cache=settings.cache, language=atlas.language,
                        currency=settings.currency)
    app = create_app(planner, service, region_name=region.name, atlas=atlas, simulator=sims,
                     access=access)
    if warm:
        # what was built so far lives as long as the server: out of the garbage collector's
        # sight, so that its full collections stop pausing requests for tens of milliseconds
        gc.collect()
        gc.freeze()
    return app


def ride_legs(planner: RegionPlanner, service: BookingService) -> OnDemandLegs | None:
    """On-demand first and last miles for the planner, quoted against the API's plans."""
    areas = [a for a in service.areas.values() if a.vehicles]
    if not areas:
        return None
    tt = planner.region.timetable
    return OnDemandLegs(areas, service.travel, tt.stop_lat, tt.stop_lon,
                        planner.departures(), service.view, service.params,
                        earliest=service.earliest_pickup_s, last_date=service.last_date,
                        closure=service.closure_between, refusal=service.rule_refusal)


def _warm(planner: RegionPlanner, service: BookingService) -> None:
    """Build the routers' indexes and compile their kernels before the first request."""
    tt = planner.region.timetable
    if tt.n_stops >= 2:
        plan_answer(planner, f"stop:{tt.stop_id[0]}", f"stop:{tt.stop_id[-1]}", None)
    for a in service.areas.values():
        for v in a.vehicles[:1]:
            service.travel.one_to_many(v.start, [v.end])
            service.travel.many_to_one([v.start], v.end)
            service.travel.matrix([v.start], [v.end])  # loads the contraction hierarchy
            legs = planner.on_demand
            if isinstance(legs, OnDemandLegs):  # compile the ride quotes' kernels too
                for x in legs.access(v.start, planner.region.default_date)[:1]:
                    legs.ride_to(v.start, x.stop, planner.region.default_date,
                                 latest_arrival_s=12 * 3600, earliest_pickup_s=None,
                                 wheelchair=False)


def app_factory() -> FastAPI:
    """For ``uvicorn --factory`` worker processes: settings from the environment; the
    parent process migrated the store already."""
    s = Settings()  # type: ignore[call-arg]  # read from the environment
    region = load_region(os.environ.get(REGION_ENV) or s.region, data=s.data, cache_dir=s.cache,
                         workers=s.workers)
    return build(region, s, migrate=False)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket that several processes may bind at once (``SO_REUSEPORT``:
    the kernel spreads new connections over them). Created with ``IPPROTO_TCP`` so that
    asyncio turns Nagle's algorithm off on accepted connections — uvicorn's own multi-worker
    socket lacks it, and every keep-alive response then waits ~40 ms for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def uvicorn_config(app: FastAPI, access_log: bool, log_format: str = "text") -> Any:
    """uvicorn's settings for an API process: its access log masks the places riders ask
    about (:mod:`mobility.access_log`), and its own proxy-header handling is off (it would
    trust ``X-Forwarded-For`` from any local client): the app honours the header from
    ``MOBILITY_TRUSTED_PROXIES`` only (:mod:`api.proxies`). ``log_format``: text or json
    (:mod:`mobility.json_log`)."""
    import uvicorn

    return uvicorn.Config(app, access_log=access_log, log_level="info",
                          log_config=log_config(log_format), proxy_headers=False,
                          forwarded_allow_ips="")


def _worker(host: str, port: int, access_log: bool) -> None:
    import uvicorn

    app = app_factory()
    log_format = Settings().log_format  # type: ignore[call-arg]  # from the environment
    uvicorn.Server(uvicorn_config(app, access_log, log_format)).run(
        sockets=[listen(host, port)])


def metrics_dir(workers: int) -> Path | None:
    """Prepare the folder where API processes keep their metrics for each other (so that a
    scrape reaching any of them sees all: :mod:`api.metrics`), before anything is counted:
    ``PROMETHEUS_MULTIPROC_DIR`` if set (created, emptied of an earlier run's counts), else
    for several ``workers`` a new temporary folder, set in the environment the processes
    inherit and removed when this process exits; None: one process counting in memory."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):  # an earlier run's counts would add up with ours
            old.unlink()
        return folder
    if workers == 1:
        return None
    folder = Path(tempfile.mkdtemp(prefix="mobility-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def run_workers(n: int, host: str, port: int, access_log: bool) -> None:
    """``n`` API processes on one port, each with its own listening socket, sharing their
    metrics (:func:`metrics_dir`, prepared by the caller); a worker that dies is replaced;
    SIGTERM or SIGINT stops them all."""
    listen(host, port).close()  # fail here, clearly, if the port is taken
    # this process built an app only to migrate the store: no gauge of its is any process's
    process_exited(os.getpid())
    _supervise(n, host, port, access_log)


def _supervise(n: int, host: str, port: int, access_log: bool) -> None:
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no forked numba state
    stopping = False
    started: dict[int, float] = {}

    def start() -> multiprocessing.process.BaseProcess:
        p = ctx.Process(target=_worker, args=(host, port, access_log), daemon=False)
        p.start()
        started[p.pid or 0] = time.monotonic()
        return p

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    procs = [start() for _ in range(n)]
    log.info("started %d API processes on %s:%d", n, host, port)
    while not stopping:
        time.sleep(0.5)
        for k, p in enumerate(procs):
            if not p.is_alive() and not stopping:
                if time.monotonic() - started.get(p.pid or 0, 0.0) < 60:
                    log.error("API process %s failed while starting (exit code %s)", p.pid,
                              p.exitcode)
                    stopping = True  # a broken setup: do not restart in a loop
                    break
                log.warning("API process %s exited with %s; starting another", p.pid,
                            p.exitcode)
                if p.pid is not None:
                    process_exited(p.pid)  # its live gauges (memory …) go
                procs[k] = start()
    for p in procs:
        if p.is_alive() and p.pid is not None:
            os.kill(p.pid, signal.SIGTERM)
    for p in procs:
        p.join(30)
        if p.is_alive():
            p.kill()
