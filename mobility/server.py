"""Wiring for ``mobility serve``: a region, its planner, its on-demand service and the store
become one FastAPI app."""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from api import ApiConfig, OnDemand, Store, create_app
from dispatch.service_area import ServiceArea
from dispatch.travel import StreetTravel
from mobility.planning import RegionPlanner
from mobility.region import Region, load_region
from mobility.settings import Settings

log = logging.getLogger("mobility.server")
#: set by ``mobility serve`` for its worker processes
REGION_ENV = "MOBILITY_SERVE_REGION"


def api_config(s: Settings) -> ApiConfig:
    return ApiConfig(cors_origins=tuple(s.cors_origins), max_body_bytes=s.max_body_bytes,
                     quote_ttl_s=s.quote_ttl_s, horizon_days=s.horizon_days)


def service_areas(region: Region) -> list[ServiceArea]:
    fleet = region.config.fleet
    return [ServiceArea(a.name, a.geometry, tuple(v for name, v in fleet if name == a.name),
                        a.properties) for a in region.service_areas]


def build(region: Region, settings: Settings, *, migrate: bool = True,
          warm: bool = True) -> FastAPI:
    """The app of a loaded region over the store at ``settings.db_url``."""
    store = Store(settings.db_url)
    planner = RegionPlanner(region)
    ondemand = OnDemand(service_areas(region), StreetTravel(planner.street("car")),
                        region.timezone, store, config=api_config(settings))
    if migrate:
        store.migrate()
        ondemand.sync_fleet()
    if warm:
        _warm(planner, ondemand)
    return create_app(planner, ondemand, region_name=region.name)


def _warm(planner: RegionPlanner, ondemand: OnDemand) -> None:
    """Build the routers' indexes and compile their kernels before the first request."""
    tt = planner.region.timetable
    if tt.n_stops >= 2:
        planner.plan_query(f"stop:{tt.stop_id[0]}", f"stop:{tt.stop_id[-1]}", None)
    for a in ondemand.areas.values():
        for v in a.vehicles[:1]:
            ondemand.travel.one_to_many(v.start, [v.end])
            ondemand.travel.many_to_one([v.start], v.end)


def app_factory() -> FastAPI:
    """For ``uvicorn --factory`` worker processes: settings from the environment; the
    parent process migrated the store already."""
    s = Settings()  # type: ignore[call-arg]  # read from the environment
    region = load_region(os.environ.get(REGION_ENV) or s.region, data=s.data, cache_dir=s.cache,
                         workers=s.workers)
    return build(region, s, migrate=False)
