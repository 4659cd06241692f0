"""A region: its compiled timetable and street networks, built once and cached on disk."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.service_area import AreaStop, ServiceArea
from mobility import _cache
from mobility.compile_report import (
    coverage_warnings,
    interpolated_times,
    interpolation_warnings,
    stop_coverage,
)
from mobility.config import RegionConfig, ServiceAreaSpec, country_of, resolve_region
from mobility.contraction import load_or_build
from mobility.errors import CacheError, RegionError
from mobility.schema import report
from routing.ch import Contraction
from routing.street_router import StreetRouter
from routing.streets import MODES, StreetNetwork
from routing.timetable import Timetable
from routing.transfers import Transfers, walking_transfers

#: compile steps, in order (progress displays count them)
COMPILE_STEPS = ("hash inputs", "read GTFS", "compile timetable", "read OSM ways",
                 "built network", "built network", "built network", "walking transfers",
                 "write cache")
StepCallback = Callable[[str], None]
_CH_LOCK = threading.Lock()  # one hierarchy build at a time, per process


@dataclass(frozen=True, eq=False)
class Region:
    """A compiled region, ready for the router and the dispatcher."""

    config: RegionConfig
    timetable: Timetable
    streets: dict[str, StreetNetwork]
    timezone: str
    default_date: dt.date
    transfers: Transfers | None = None  #: walking transfers between stops
    transfers_stepfree: Transfers | None = None  #: the same, avoiding steps (wheelchairs)
    warnings: tuple[str, ...] = ()
    #: the compile report (``feeds.compile_report``): stops beyond walking reach of the
    #: streets, and interpolated times; None for a region compiled without them
    coverage: dict[str, Any] | None = None
    interpolated: dict[str, Any] | None = None
    cache_path: Path | None = None
    from_cache: bool = False
    #: the on-demand service areas as configured (GeoJSON polygons)
    area_specs: tuple[ServiceAreaSpec, ...] = ()
    #: the stops of stop-based areas (``[[areas]] stops`` looked up in the timetable)
    area_stops: tuple[tuple[str, tuple[AreaStop, ...]], ...] = ()

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def service_areas(self) -> list[ServiceArea]:
        """The on-demand service areas with their fleet (``[[vehicles]]`` of the region's
        configuration), service hours (from the earliest shift start to the latest shift
        end; ``None`` for an area without vehicles), booking rule and, for a stop-based
        area, its stops (``[[areas]]``)."""
        return list(self._service_areas)

    @cached_property
    def _service_areas(self) -> tuple[ServiceArea, ...]:
        # built once: each area prepares its polygon for point tests on first use
        out = []
        for a in self.area_specs:
            vs = tuple(v for name, v in self.config.fleet if name == a.name)
            hours = (min(v.shift[0] for v in vs), max(v.shift[1] for v in vs)) if vs else None
            stops = dict(self.area_stops).get(a.name, ())
            out.append(ServiceArea(a.name, a.geometry, vs, a.properties, hours,
                                   self.config.booking(a.name), stops,
                                   fare=self.config.fare_rule(a.name),
                                   compensation=self.config.compensation_rule(a.name)))
        return tuple(out)

    def router(self, mode: str, **kw: Any) -> StreetRouter:
        """A router over the ``mode`` network whose matrices use the mode's contraction
        hierarchy (loaded from the cache, or built, on the first matrix)."""
        return StreetRouter(self.streets[mode], contraction=lambda: self.contraction(mode),
                            **kw)

    def contraction(self, mode: str) -> Contraction:
        """The contraction hierarchy of the ``mode`` network: from the folder of the
        region's cache (built and written there the first time), kept for the region's
        lifetime."""
        with _CH_LOCK:
            hit = self._contractions.get(mode)
            if hit is None:
                folder = self.cache_path.parent if self.cache_path is not None else None
                hit = load_or_build(self.streets[mode], self.name, folder)
                self._contractions[mode] = hit
            return hit

    @cached_property
    def _contractions(self) -> dict[str, Contraction]:
        return {}

    def summary(self) -> dict[str, Any]:
        """The figures ``mobility info --json`` prints."""
        tt = self.timetable
        dates = tt.service_dates()
        return {
            "region": self.name,
            "timezone": self.timezone,
            "country": self.config.country,
            "service_dates": [d.isoformat() for d in dates] if dates else None,
            "default_date": self.default_date.isoformat(),
            "transit": {"agencies": len(tt.agency_id), "stops": tt.n_stops,
                        "routes": tt.n_routes, "patterns": tt.n_patterns,
                        "trips": tt.n_trips, "stop_times": tt.n_stop_times,
                        "trips_on_default_date": int(tt.active_trips(self.default_date).sum())},
            "streets": {m: {"nodes": n.n_nodes, "edges": n.n_edges}
                        for m, n in self.streets.items()},
            "transfers": self.transfers.n if self.transfers is not None else 0,
            "service_areas": [a.name for a in self.area_specs],
            "coverage": self.coverage,
            "interpolated": self.interpolated,
            "warnings": list(self.warnings),
            "cache": {"path": str(self.cache_path) if self.cache_path else None,
                      "hit": self.from_cache},
        }


def area_stops(cfg: RegionConfig, tt: Timetable) -> tuple[tuple[str, tuple[AreaStop, ...]],
                                                         ...]:
    """The stops of each stop-based area, looked up by ``stop_id`` in the timetable.

    Raises
    ------
    RegionError
        Naming every area's stop ids that are not stops of the region's GTFS.
    """
    index = {str(s): i for i, s in enumerate(tt.stop_id)}
    problems, out = [], []
    for k, (name, _, ids) in enumerate(cfg.area_settings):
        unknown = [s for s in ids if s not in index]
        if unknown:
            problems.append(f"areas[{k}].stops: {', '.join(map(repr, unknown[:10]))}"
                            f"{' …' if len(unknown) > 10 else ''} are not stop_ids of the "
                            "region's GTFS")
            continue
        if ids:
            out.append((name, tuple(AreaStop(s, str(tt.stop_name[index[s]]),
                                             (float(tt.stop_lat[index[s]]),
                                              float(tt.stop_lon[index[s]]))) for s in ids)))
    if problems:
        raise RegionError(report(cfg.source or cfg.name, problems))
    return tuple(out)


def busiest_date(tt: Timetable) -> dt.date:
    """The calendar day with the most active trips (the first of equals)."""
    if tt.n_days == 0 or tt.n_trips == 0:
        return dt.date.today()
    bits = np.unpackbits(tt.service_days, axis=1, count=tt.n_days, bitorder="little")
    per_service = np.bincount(tt.trip_service, minlength=len(tt.service_id))
    per_day = per_service @ bits.astype(np.int64)
    return dt.date.fromordinal(tt.first_date_ordinal + int(np.argmax(per_day)))


def load_region(
    region: str | Path,
    *,
    data: Path,
    cache_dir: Path,
    workers: int = 2,
    force: bool = False,
    on_step: StepCallback | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Region:
    """Load a region from the cache, compiling it first if the cache is missing, stale or
    corrupt (a corrupt cache is reported through ``on_warning`` and rebuilt).

    Raises
    ------
    RegionError
        The region or its inputs cannot be found or its configuration is invalid.
    FeedError
        An input file has errors (``exc.report`` lists them).
    """
    cfg = resolve_region(region, data)
    key = _cache.cache_key(cfg.inputs(), cfg.key_fields())
    path = _cache.cache_path(cache_dir, cfg.name, key)
    step = on_step or (lambda _label: None)
    step("hash inputs")
    if not force and path.exists():
        try:
            arrays, meta = _cache.load(path, key)
            return _from_arrays(cfg, arrays, meta, path)
        except CacheError as exc:
            if on_warning:
                on_warning(f"{exc}; rebuilding it")
    with _cache.build_lock(path):
        # another process may have compiled it while this one waited for the lock
        if not force and path.exists():
            try:
                arrays, meta = _cache.load(path, key)
                return _from_arrays(cfg, arrays, meta, path)
            except CacheError:
                pass
        return compile_region(cfg, cache_file=path, key=key, workers=workers, on_step=step)


def compile_region(cfg: RegionConfig, *, cache_file: Path | None = None, key: str = "",
                   workers: int = 2, on_step: StepCallback | None = None) -> Region:
    """Compile a region's inputs (GTFS + OSM) into arrays and write the cache file."""
    from feeds import compile_streets, compile_timetable, read_gtfs  # heavy: only to compile

    step = on_step or (lambda _label: None)
    t0 = time.perf_counter()
    feeds = [read_gtfs(p) for p in cfg.gtfs]
    step("read GTFS")
    tt = compile_timetable(feeds)
    step("compile timetable")
    timezone = cfg.timezone or (str(tt.agency_timezone[0]) if len(tt.agency_timezone) else "UTC")
    country = cfg.country or country_of(timezone)
    streets, osm_report = compile_streets(cfg.osm, country=country, workers=workers,
                                          on_step=step)
    interpolated = interpolated_times(tt)
    warnings = [p.describe() for f in feeds for p in f.report.warnings]
    warnings += interpolation_warnings(interpolated, "stop_times.txt")
    warnings += [p.describe() for p in osm_report.warnings]
    arrays = tt.to_arrays()
    for net in streets.values():
        arrays.update(net.to_arrays())
    coverage = None
    if "walk" in streets:
        walk = StreetRouter(streets["walk"])  # the planner's snapping limit
        coverage = stop_coverage(tt, walk)
        warnings += coverage_warnings(coverage, cfg.osm.name)
        for prefix, router in (("xf.", walk),
                               ("xfw.", StreetRouter(streets["walk"].without(("steps",))))):
            x = walking_transfers(tt, router, speed_mps=cfg.walk_speed,
                                  max_s=cfg.max_transfer_s)
            arrays.update(x.to_arrays(prefix))
    meta = {
        "key": key, "compiler": _cache.COMPILER_VERSION, "timezone": timezone,
        "default_date": (cfg.default_date or busiest_date(tt)).isoformat(),
        "warnings": warnings, "coverage": coverage, "interpolated": interpolated,
        "compile_s": round(time.perf_counter() - t0, 2), "modes": list(streets),
    }
    step("walking transfers")
    if cache_file is not None:
        _cache.save(cache_file, arrays, meta)
    step("write cache")
    return _from_arrays(cfg, arrays, meta, cache_file, from_cache=False)


def _from_arrays(cfg: RegionConfig, arrays: dict[str, np.ndarray], meta: dict[str, Any],
                 path: Path | None, from_cache: bool = True) -> Region:
    try:
        tt = Timetable.from_arrays(arrays)
        streets = {m: StreetNetwork.from_arrays(arrays, m) for m in meta.get("modes", MODES)}
        has_x = "xf.indptr" in arrays
        transfers = Transfers.from_arrays(arrays, "xf.") if has_x else None
        stepfree = Transfers.from_arrays(arrays, "xfw.") if has_x else None
    except (KeyError, TypeError) as exc:
        raise CacheError(f"cache {path} lacks arrays ({exc})") from exc
    return Region(
        config=cfg, timetable=tt, streets=streets, transfers=transfers,
        transfers_stepfree=stepfree, timezone=meta["timezone"],
        default_date=cfg.default_date or dt.date.fromisoformat(meta["default_date"]),
        warnings=tuple(meta.get("warnings", ())), coverage=meta.get("coverage"),
        interpolated=meta.get("interpolated"), cache_path=path, from_cache=from_cache,
        area_specs=tuple(cfg.service_areas()), area_stops=area_stops(cfg, tt),
    )
