"""The ``mobility`` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mobility.region import COMPILE_STEPS, Region, load_region
from mobility.settings import Settings
from routing.errors import MobilityError

if TYPE_CHECKING:
    from dispatch.scenario import Scenario

app = typer.Typer(help="On-demand public transport for rural regions.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
out = Console()
err = Console(stderr=True)

RegionArg = Annotated[str | None, typer.Argument(help="region name (a folder of the data dir) "
                                                      "or path; default: addison-vt")]
DataOpt = Annotated[Path | None, typer.Option("--data", help="data folder with one sub-folder "
                                                            "per region [env MOBILITY_DATA]")]
CacheOpt = Annotated[Path | None, typer.Option("--cache", help="cache folder "
                                                              "[env MOBILITY_CACHE]")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object")]


def _settings(data: Path | None, cache: Path | None) -> Settings:
    overrides = {k: v for k, v in (("data", data), ("cache", cache)) if v is not None}
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        _fail(f"invalid settings: {exc}")
        raise  # unreachable


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """User-caused errors become a clear message and exit code 2, never a traceback."""
    try:
        yield
    except MobilityError as exc:
        _fail(str(exc))


def _load(region: str | None, s: Settings, *, force: bool = False, quiet: bool = False
          ) -> Region:
    name = region or s.region
    with _errors(), Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                             TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                             console=err, transient=True, disable=quiet) as progress:
        task = progress.add_task(f"{name}: hash inputs", total=len(COMPILE_STEPS))

        def step(label: str) -> None:
            progress.update(task, advance=1, description=f"{name}: {label}")

        return load_region(name, data=s.data, cache_dir=s.cache, workers=s.workers,
                           force=force, on_step=step,
                           on_warning=lambda w: err.print(f"[yellow]warning:[/] {escape(w)}"))
    raise AssertionError("unreachable")


def _print_summary(region: Region, as_json: bool) -> None:
    summary = region.summary()
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
        return
    tt = summary["transit"]
    table = Table(title=f"Region {summary['region']}", show_header=False)
    table.add_row("time zone", summary["timezone"])
    dates = summary["service_dates"]
    table.add_row("service dates", f"{dates[0]} … {dates[1]}" if dates else "none")
    table.add_row("default date", f"{summary['default_date']} "
                                  f"({tt['trips_on_default_date']:,} trips)")
    table.add_row("transit", f"{tt['stops']:,} stops, {tt['routes']:,} routes, "
                             f"{tt['patterns']:,} patterns, {tt['trips']:,} trips, "
                             f"{tt['stop_times']:,} stop times")
    for mode, n in summary["streets"].items():
        table.add_row(f"{mode} network", f"{n['nodes']:,} nodes, {n['edges']:,} edges")
    cov, interp = summary["coverage"], summary["interpolated"]
    if cov:
        n, k = cov["served_stops"], cov["unreachable_stops"]
        table.add_row("walk access", f"{n - k:,} of {n:,} served stops within "
                                     f"{cov['limit_m']:,.0f} m of a walkable street")
    if interp:
        table.add_row("interpolated", f"{interp['trips']:,} trips "
                                      f"({interp['trips_share']:.0%}), {interp['stop_times']:,} "
                                      f"stop times ({interp['stop_times_share']:.0%})")
    table.add_row("service areas", ", ".join(summary["service_areas"]) or "none")
    table.add_row("cache", f"{summary['cache']['path']} "
                           f"({'loaded' if summary['cache']['hit'] else 'compiled'})")
    out.print(table)
    for w in summary["warnings"]:
        out.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)


@app.command("compile")
def compile_cmd(region: RegionArg = None, data: DataOpt = None, cache: CacheOpt = None,
                force: Annotated[bool, typer.Option("--force", help="recompile even if "
                                                    "cached")] = False,
                as_json: JsonOpt = False) -> None:
    """Compile a region (GTFS + OSM -> cached arrays) and print its summary."""
    s = _settings(data, cache)
    _print_summary(_load(region, s, force=force), as_json)


@app.command()
def info(region: RegionArg = None, data: DataOpt = None, cache: CacheOpt = None,
         as_json: JsonOpt = False) -> None:
    """Print a region's summary (compiling it first if needed)."""
    s = _settings(data, cache)
    _print_summary(_load(region, s, quiet=as_json), as_json)


def _latlon(text: str, option: str) -> tuple[float, float]:
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError:
        _fail(f"{option} must be LAT,LON in decimal degrees (e.g. 44.0153,-73.1673), "
              f"not {text!r}")
        raise
    return lat, lon


@app.command()
def street(
    region: RegionArg = None,
    from_: Annotated[str, typer.Option("--from", help="origin LAT,LON")] = "",
    to: Annotated[str, typer.Option("--to", help="destination LAT,LON")] = "",
    mode: Annotated[str, typer.Option(help="walk, bike or car")] = "car",
    data: DataOpt = None, cache: CacheOpt = None, as_json: JsonOpt = False,
) -> None:
    """The fastest street path between two coordinates."""
    from routing import StreetRouter

    if not from_ or not to:
        _fail("give both --from LAT,LON and --to LAT,LON")
    if mode not in ("walk", "bike", "car"):
        _fail(f"--mode must be walk, bike or car, not {mode!r}")
    a, b = _latlon(from_, "--from"), _latlon(to, "--to")
    s = _settings(data, cache)
    reg = _load(region, s, quiet=as_json)
    with _errors():
        path = StreetRouter(reg.streets[mode]).route(a, b)
    if path is None:
        _fail(f"no {mode} path from {from_} to {to}", code=1)
        return
    if as_json:
        sys.stdout.write(json.dumps(path.to_dict()) + "\n")
        return
    mins, secs = divmod(round(path.duration_s), 60)
    out.print(f"{mode}: {mins} min {secs:02d} s, {path.distance_m / 1000:.2f} km, "
              f"{len(path.coordinates)} points, {len(path.nodes)} junctions")


@app.command()
def places(
    words: Annotated[list[str], typer.Argument(
        metavar="[REGION] QUERY", help="what to look for (a village, a street and house "
        "number, a doctor's practice, a stop...), after an optional region name or path")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=50, help="at most this many")
                     ] = 10,
    near: Annotated[str | None, typer.Option("--near", help="LAT,LON: places near it rank "
                                             "first among equals (default: the region's "
                                             "centre)")] = None,
    data: DataOpt = None, cache: CacheOpt = None, as_json: JsonOpt = False,
) -> None:
    """Search the region's places as the web app does: villages and towns, addresses,
    points of interest, streets and stops, best first. Exit 1 if none is found."""
    from mobility.atlas import Atlas
    from mobility.config import known_regions

    s = _settings(data, cache)
    # the first word names a region only if it is one: "mobility places main street" works
    named = len(words) > 1 and (words[0] in known_regions(s.data) or Path(words[0]).is_dir())
    region, query = (words[0], words[1:]) if named else (None, words)
    text = " ".join(query).strip()
    if not text:
        _fail("give a QUERY (e.g. mobility places Cornwall)")
    centre = _latlon(near, "--near") if near is not None else None
    reg = _load(region, s, quiet=as_json)
    with _errors():
        found = Atlas(reg).search(text, limit, centre)
    rows: list[dict[str, Any]] = [
        {"name": p.name, "kind": p.kind, "lat": round(p.lat, 6), "lon": round(p.lon, 6),
         "stopId": p.stop_id, "near": p.near} for p in found]
    if as_json:
        sys.stdout.write(json.dumps({"places": rows}, ensure_ascii=False) + "\n")
    elif rows:
        table = Table(title=f"Places in {reg.name} matching {text!r}")
        for col in ("name", "kind", "lat, lon", "stop / near"):
            table.add_column(col)
        for r in rows:
            table.add_row(escape(r["name"]), r["kind"], f"{r['lat']:.5f}, {r['lon']:.5f}",
                          escape(f"stop:{r['stopId']}" if r["stopId"] else r["near"] or ""))
        out.print(table)
    else:
        out.print(f"no place in {reg.name} matches {text!r}")
    if not rows:
        raise typer.Exit(1)


@app.command()
def route(
    region: RegionArg = None,
    from_: Annotated[str, typer.Option("--from", help="LAT,LON or stop:<stop_id>")] = "",
    to: Annotated[str, typer.Option("--to", help="LAT,LON or stop:<stop_id>")] = "",
    at: Annotated[str | None, typer.Option("--at", help="ISO local time, e.g. "
                                           "2016-03-03T08:00 (default: default date 08:00)")
                  ] = None,
    arrive_by: Annotated[bool, typer.Option("--arrive-by", help="--at is the latest "
                                            "arrival")] = False,
    wheelchair: Annotated[bool, typer.Option("--wheelchair")] = False,
    max_transfers: Annotated[int, typer.Option("--max-transfers")] = 8,
    window: Annotated[int | None, typer.Option("--window", help="range query: every "
                                               "itinerary leaving within this many minutes")
                      ] = None,
    on_demand: Annotated[bool, typer.Option(
        "--on-demand/--no-on-demand", help="include the region's on-demand rides, quoted "
        "against the day's plans in the store (MOBILITY_DB_URL) or an empty fleet")] = True,
    data: DataOpt = None, cache: CacheOpt = None, as_json: JsonOpt = False,
) -> None:
    """Plan journeys (walk, scheduled transit and on-demand rides) between two places: the
    itineraries GET /api/v1/plan answers for the same inputs."""
    from contextlib import nullcontext

    from api.otp import plan_to_otp
    from api.plan_query import parse_plan_input
    from mobility.planning import RegionPlanner
    from mobility.rides import RideSource, ride_offers

    if not from_ or not to:
        _fail("give both --from and --to (LAT,LON or stop:<stop_id>)")
    s = _settings(data, cache)
    reg = _load(region, s, quiet=as_json)
    with _errors():
        planner = RegionPlanner(reg, replay=s.replay_feed)
        # the HTTP API's rules, with this command's option names in the errors
        q = parse_plan_input(planner, from_, to, at, fields=("--from", "--to", "--at"))
        rides = (ride_offers(planner, s, q.date) if on_demand
                 else nullcontext(RideSource(False, "left out (--no-on-demand)")))
        with rides as source:
            result = planner.plan(q.origin, q.destination, q.date, q.time_s,
                                  arrive_by=arrive_by, wheelchair=wheelchair,
                                  max_transfers=max_transfers,
                                  window_s=window * 60 if window is not None else None)
            doc = plan_to_otp(result, planner.timetable, q.date, planner.tz,
                              time_s=q.time_s, names=planner.names)
    if as_json:
        sys.stderr.write(f"on-demand: {source.description}\n")
        sys.stdout.write(json.dumps(doc) + "\n")
        return
    out.print(f"on-demand: {escape(source.description)}", highlight=False, soft_wrap=True)
    _print_itineraries(doc, reg.timezone)


def _print_itineraries(doc: dict, timezone: str) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone)

    def clock(ms: int) -> str:
        return dt.datetime.fromtimestamp(ms / 1000, tz).strftime("%H:%M")

    for m in doc.get("messages", []):
        out.print(f"[yellow]note:[/] {escape(m)}", highlight=False)
    for e in doc.get("explanations", []):
        out.print(f"[yellow]why ({e['code']}):[/] {escape(e['message'])}", highlight=False)
    if doc.get("next"):
        out.print(f"next worth asking: {escape(doc['next']['time'])}", highlight=False)
    if not doc["itineraries"]:
        out.print("no itinerary found")
        return
    table = Table(title="Itineraries")
    for col in ("#", "depart", "arrive", "duration", "transfers", "walk", "legs"):
        table.add_column(col)
    for i, it in enumerate(doc["itineraries"], 1):
        legs = []
        for leg in it["legs"]:
            if leg["mode"] == "WALK":
                legs.append(f"walk {round(leg['duration'] / 60)} min")
            elif leg["mode"] == "ON_DEMAND":
                pick = leg["bookingInfo"]["pickupWindow"]
                legs.append(f"on-demand ride: {leg['from']['name']} → {leg['to']['name']} "
                            f"{clock(leg['endTime'])}, pickup {clock(pick['start'])}–"
                            f"{clock(pick['end'])}")
            else:
                name = leg["routeShortName"] or leg["routeLongName"]
                legs.append(f"{leg['mode'].lower()} {name}: {leg['from']['name']} "
                            f"{clock(leg['startTime'])} → {leg['to']['name']} "
                            f"{clock(leg['endTime'])}")
        table.add_row(str(i), clock(it["startTime"]), clock(it["endTime"]),
                      f"{round(it['duration'] / 60)} min", str(it["transfers"]),
                      f"{round(it['walkTime'] / 60)} min", escape("; ".join(legs)))
    out.print(table)


@app.command()
def transfers(
    region: RegionArg = None,
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write")] = Path(
        "transfers.csv"),
    stepfree: Annotated[bool, typer.Option("--stepfree", help="the step-free transfers "
                                           "(wheelchair searches)")] = False,
    data: DataOpt = None, cache: CacheOpt = None,
) -> None:
    """Write the precomputed walking transfers as from_stop_id,to_stop_id,duration_s."""
    import csv

    s = _settings(data, cache)
    reg = _load(region, s)
    x = reg.transfers_stepfree if stepfree else reg.transfers
    if x is None:
        _fail("this region was compiled without transfers")
        return
    frm, to, dur = x.pairs()
    ids = reg.timetable.stop_id
    with out_file.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["from_stop_id", "to_stop_id", "duration_s"])
        w.writerows(zip(ids[frm].tolist(), ids[to].tolist(), dur.tolist(), strict=True))
    out.print(f"wrote {len(dur):,} transfers to {out_file}")


@app.command()
def validate(path: Annotated[Path, typer.Argument(help="GTFS zip or folder")],
             as_json: JsonOpt = False) -> None:
    """Validate a GTFS feed: every problem with file, row and column. Exit 1 if invalid."""
    from feeds import validate_gtfs

    report = validate_gtfs(path)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict()) + "\n")
    else:
        for p in report.problems:
            colour = "red" if p.severity == "error" else "yellow"
            out.print(f"[{colour}]{escape(str(p))}[/]", highlight=False)
        n_err, n_warn = len(report.errors), len(report.warnings)
        verdict = "[green]valid[/]" if report.valid else "[red]invalid[/]"
        out.print(f"{path}: {verdict} ({n_err} errors, {n_warn} warnings)")
    raise typer.Exit(0 if report.valid else 1)


@app.command()
def serve(
    region: RegionArg = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="API processes (several need "
                                         "PostgreSQL or share one SQLite file)")] = 1,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log",
                                             help="log each request line")] = True,
    data: DataOpt = None, cache: CacheOpt = None,
) -> None:
    """Start the web app and the HTTP API (plan, quotes, bookings, vehicles) on a region.

    The store is MOBILITY_DB_URL (default: an SQLite file under ~/.local/share/mobility)."""
    import logging
    import os
    import time

    import uvicorn

    from api.web import missing_map_library
    from mobility import server

    if not 0 < port < 65536:
        _fail(f"--port must be 1-65535, not {port}")
    if not 1 <= workers <= 64:
        _fail(f"--workers must be 1-64, not {workers}")
    problem = missing_map_library()
    if problem:  # the page would load but its map fail: say what to run, before any compile
        _fail(problem)
    s = _settings(data, cache)
    reg = _load(region, s)
    server.metrics_dir(workers)  # shared by the API processes: before anything counts
    with _errors():
        try:
            if workers == 1:
                app_ = server.build(reg, s)
            else:
                server.build(reg, s, warm=False)  # migrate and sync the fleet once
        except Exception as exc:  # the store is unreachable or refuses us
            if exc.__class__.__module__.startswith("sqlalchemy"):
                _fail(f"cannot use the store {s.db_url.split('@')[-1]}: "
                      f"{str(exc).splitlines()[0]}")
            raise
    _print_first_key(s)
    err.print(f"[green]serving[/] {reg.name} on http://{host}:{port} "
              f"(web app: http://{host}:{port}/, docs: http://{host}:{port}/docs)",
              highlight=False)
    if workers == 1:
        # our own socket, as for several workers: asyncio then turns Nagle's algorithm off,
        # and no answer waits ~40 ms for a delayed ACK
        try:
            sock = server.listen(host, port)
        except OSError as exc:
            _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
            return
        uvicorn.Server(server.uvicorn_config(app_, access_log, s.log_format)).run(
            sockets=[sock])
        return
    os.environ[server.REGION_ENV] = str(region or s.region)
    os.environ["MOBILITY_DATA"], os.environ["MOBILITY_CACHE"] = str(s.data), str(s.cache)
    if s.clock_start is not None and s.clock_epoch is None and s.clock_epoch_file is None:
        # the workers start one after the other: one epoch keeps their clocks together
        # (a clock held on an epoch file is started together by whoever writes it)
        os.environ["MOBILITY_CLOCK_EPOCH"] = repr(time.time())
    if s.log_format == "json":
        from mobility.json_log import JsonFormatter

        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=logging.INFO, handlers=[handler])
    else:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    try:
        server.run_workers(workers, host, port, access_log)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _numbers(text: str | None, option: str, kind: type) -> list:  # type: ignore[type-arg]
    if text is None:
        return []
    try:
        vals = [kind(x) for x in text.split(",") if x.strip()]
    except ValueError:
        _fail(f"{option} must be a number or a comma-separated list, not {text!r}")
        raise
    if not vals or any(v <= 0 for v in vals):
        _fail(f"{option} must be positive, not {text!r}")
    return vals


@app.command()
def access(
    region: RegionArg = None,
    to: Annotated[str, typer.Option("--to", help="stops:ID,ID (GTFS stop_ids), a .csv "
                                    "(lat,lon[,name]) or .geojson file of points, or doctors|"
                                    "pharmacies|schools|supermarkets (from OSM tags, where "
                                    "the extract maps them)")] = "",
    window: Annotated[str, typer.Option("--window", help="departure minutes HH:MM-HH:MM")
                      ] = "07:00-09:00",
    max_min: Annotated[int, typer.Option("--max", help="reachable within (minutes)")] = 60,
    area: Annotated[str | None, typer.Option("--area", help="service area name or GeoJSON "
                                             "file (default: the region's first)")] = None,
    vehicles: Annotated[str | None, typer.Option("--vehicles", help="fleet size or list: "
                                                 "1,2,3,4 (default: the area's fleet)")
                        ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("access"),
    ray: Annotated[str | None, typer.Option("--ray", help="run on Ray: auto (a local Ray) "
                                            "or a cluster's ADDRESS")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="local processes "
                                                "(default: MOBILITY_WORKERS)")] = None,
    population: Annotated[Path | None, typer.Option(
        "--population", help="CSV lat,lon,count or GeoJSON points with a count property "
        "(default: homes as a population proxy)")] = None,
    cell_m: Annotated[float, typer.Option("--cell", help="grid cell size (m)")] = 250.0,
    language: Annotated[str | None, typer.Option(
        "--language", help="of the report: en or de (default: the region's)")] = None,
    data: DataOpt = None, cache: CacheOpt = None, as_json: JsonOpt = False,
) -> None:
    """Who gains access with the on-demand service, at what cost: travel times from every
    home cell to the nearest opportunity over a departure window, by walk + transit and with
    the area's on-demand service as its simulation measured it (served share, waits,
    detours); cells.gpkg, summary.json and an HTML report in --out."""
    from rich.progress import MofNCompleteColumn

    from mobility.access import AccessError, AccessOptions, run_access
    from mobility.access.outputs import clean, write_cells, write_summary
    from mobility.access.report import write_report
    from mobility.sim.texts import report_language

    s = _settings(data, cache)
    if not to.strip():
        _fail("--to is required: stops:ID,ID, a .csv/.geojson file of points, or a category")
    ns = _numbers(vehicles, "--vehicles", int) if vehicles is not None else None
    if language not in (None, "en", "de"):
        _fail(f"--language must be en or de, not {language!r}")
    if workers is not None and not 1 <= workers <= 64:
        _fail(f"--workers must be 1 to 64, not {workers}")
    reg = _load(region, s, quiet=as_json)
    lang = report_language(language or s.language, reg.config.country)
    opts = AccessOptions(to=to, data=s.data, cache=s.cache, window=window, max_min=max_min,
                         area=area, vehicles=ns, population=population, cell_m=cell_m,
                         workers=workers or s.workers, ray=ray, currency=s.currency)
    labels = {"origins": "homes on the grid", "walks": "walks to the stops",
              "tasks": "transit, on-demand and simulations", "combine": "percentiles"}
    with _errors(), Progress(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                             transient=True, disable=as_json) as prog:
        task = prog.add_task("access", total=None)

        def step(stage: str, done: int, total: int) -> None:
            prog.update(task, description=labels.get(stage, stage), completed=done,
                        total=total)

        try:
            result = run_access(reg, opts, step)
        except AccessError as exc:
            _fail(str(exc))
            raise
        write_cells(result, out_dir / "cells.gpkg")
        write_summary(result, out_dir / "summary.json")
        write_report(result, out_dir, lang)
    summary = clean(result.to_json())
    if as_json:
        sys.stdout.write(_compact(summary) + "\n")
        return
    table = Table(title=f"Access to {to} within {max_min} min, {window} "
                        f"({summary['cells']} cells, {summary['residents']:.0f} residents)")
    for col in ("vehicles", "served", "wait p50", "gaining", "within after",
                "per veh-h", "cost/gaining"):
        table.add_column(col, justify="right")
    for f in summary["fleets"]:
        table.add_row(str(f["vehicles"]), f"{100 * f['served_share']:.0f} %",
                      str(f["wait_min"]["p50"]), f"{f['residents_gaining']:.0f}",
                      f"{f['residents_within_after']:.0f}",
                      str(f["gaining_per_vehicle_hour"]),
                      f"{f['cost_per_resident_gaining']} {f['currency'] or ''}")
    out.print(f"within {max_min} min by transit only: "
              f"{summary['residents_within_before']:.0f} residents")
    out.print(table)
    out.print(f"report: {out_dir / 'index.html'}; cells: {out_dir / 'cells.gpkg'}")


@app.command()
def simulate(
    region: RegionArg = None,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="scenario TOML file")
                        ] = None,
    vehicles: Annotated[str | None, typer.Option("--vehicles", help="fleet size, or a "
                                                 "list to compare: 2,3,4,6")] = None,
    rate: Annotated[str | None, typer.Option("--rate", help="requests per hour (or a list)")
                    ] = None,
    area: Annotated[str | None, typer.Option("--area", help="service area name or GeoJSON "
                                             "file; several (a,b,c) or all: a district "
                                             "sweep")] = None,
    demand: Annotated[Path | None, typer.Option("--demand", help="CSV of requests instead "
                                                "of synthetic demand")] = None,
    skip_bad_rows: Annotated[bool, typer.Option("--skip-bad-rows", help="skip (and list) "
                                                "bad demand rows instead of stopping")] = False,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    replanning: Annotated[str | None, typer.Option(
        "--replanning", help="hourly re-plan: keep_slack (stops as early as promised "
        "allows), save_km (least driving) or off")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="report folder")] = Path(
        "simulation"),
    language: Annotated[str | None, typer.Option(
        "--language", help="of the report and plots: en or de (default: MOBILITY_LANGUAGE, "
        "else German for German regions)")] = None,
    live: Annotated[str | None, typer.Option(
        "--live", help="run a service day as a digital twin against this server (URL), or "
        "'local' to start one on REGION")] = None,
    keys: Annotated[Path | None, typer.Option(
        "--keys", help="--live: a JSON file {\"dispatcher\": KEY, \"drivers\": {VEHICLE: "
        "KEY}}")] = None,
    staff_key: Annotated[str | None, typer.Option(
        "--staff-key", help="--live: a dispatcher's key (drivers use it too)")] = None,
    hours: Annotated[str, typer.Option("--hours", help="--live: the hours riders ask for, "
                                                      "server time")] = "07:00-19:00",
    standing: Annotated[int, typer.Option("--standing", help="--live: standing orders made "
                                                            "at the start")] = 5,
    drop: Annotated[float, typer.Option("--drop", help="--live: the share of drivers' "
                                                      "requests losing the connection")] = 0.1,
    speed: Annotated[float | None, typer.Option(
        "--speed", help="--live: the server clock's speed (default: measured; 'local': "
        "120)")] = None,
    store: Annotated[str, typer.Option(
        "--store", help="--live local: sqlite, postgresql (a private schema in "
        "127.0.0.1:5432/test) or a postgresql:// URL")] = "sqlite",
    workers: Annotated[int | None, typer.Option(
        "--workers", help="sweeps: variants at once (default: MOBILITY_WORKERS)")] = None,
    ray: Annotated[str | None, typer.Option("--ray", help="sweeps: run on Ray: auto (a local "
                                            "Ray) or a cluster's ADDRESS")] = None,
    target: Annotated[float, typer.Option(
        "--target", help="district sweeps: the served share (0-1) a fleet must reach")
                      ] = 0.95,
    processes: Annotated[int, typer.Option(
        "--processes", help="--live local: API processes over the store, each on its own "
        "port; the twin's calls go to each in turn (several need --store postgresql)")] = 1,
    data: DataOpt = None, cache: CacheOpt = None, as_json: JsonOpt = False,
) -> None:
    """Simulate a day of on-demand service: KPIs and a report (HTML, plots, map).

    Vehicles are on shift for the service area's hours; costs are in the region's currency
    (MOBILITY_CURRENCY or `currency` in region.toml). Lists in --vehicles/--rate run every
    combination in parallel processes and print a comparison. --area all (or a,b,c) sweeps
    several service areas at once: one report comparing them (the smallest fleet per area
    reaching --target).

    With --live, a service day runs as a digital twin against a real server instead:
    simulated riders book and drivers drive through its HTTP API at the server's time; the
    end checks every promise kept or told, every notification sent once, every driver's
    event applied once (exit code 1 when not)."""
    if live is not None:
        _twin(live, region, keys=keys, staff_key=staff_key, hours=hours, rate=rate,
              standing=standing, seed=seed, drop=drop, speed=speed, store=store,
              processes=processes, as_json=as_json, data=data, cache=cache,
              other={"--scenario": scenario, "--vehicles": vehicles, "--area": area,
                     "--demand": demand, "--replanning": replanning, "--language": language,
                     "--workers": workers, "--ray": ray})
        return
    from dataclasses import replace

    from rich.progress import MofNCompleteColumn

    from dispatch.scenario import REPLANNING
    from mobility import sim
    from mobility.sim.texts import money, report_language

    s = _settings(data, cache)
    ns = _numbers(vehicles, "--vehicles", int)
    rates = _numbers(rate, "--rate", float)
    if language not in (None, "en", "de"):
        _fail(f"--language must be en or de, not {language!r}")
    if workers is not None and not 1 <= workers <= 64:
        _fail(f"--workers must be 1 to 64, not {workers}")
    if not 0 < target <= 1:
        _fail(f"--target must be a served share above 0 and at most 1, not {target}")
    n_workers = workers or s.workers
    reg = _load(region, s, quiet=as_json)
    lang = report_language(language or s.language, reg.config.country)
    if sim.is_district(area):
        if demand is not None:
            _fail("--demand holds one area's requests: give one --area with it")
        _district(reg, s, scenario, area or "", ns, rates, seed, replanning, out_dir, lang,
                  n_workers, ray, target, as_json)
        return
    with _errors():
        base = sim.load_scenario(reg, scenario, sim.Overrides(
            vehicles=ns[0] if len(ns) == 1 else None,
            rate_per_hour=rates[0] if len(rates) == 1 else None, seed=seed, area=area,
            currency=s.currency))
        if replanning is not None:
            if replanning not in REPLANNING:
                _fail(f"--replanning must be one of {', '.join(REPLANNING)}, not "
                      f"{replanning!r}")
            base = replace(base, replanning=replanning)
        scenarios = sim.variants(base, ns, rates)
        if len(scenarios) == 1:
            with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("requests"), TimeElapsedColumn(), console=err,
                          transient=True, disable=as_json) as prog:
                task = prog.add_task("sim", total=None)
                r = sim.simulate_and_report(
                    reg, base, out_dir, demand=demand, skip_bad=skip_bad_rows, language=lang,
                    progress=lambda k, n: prog.update(task, completed=k, total=n))
            for n in r.notes:
                if n.code == "row_skipped":
                    err.print(f"[yellow]warning:[/] {escape(n.text())}", highlight=False)
            if as_json:
                sys.stdout.write(_compact(r.kpis) + "\n")
                return
            _print_kpis(r.kpis, base)
            out.print(f"report: {out_dir / 'index.html'}")
            return
        with Progress(TextColumn("scenarios"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True,
                      disable=as_json) as prog:
            task = prog.add_task("sweep", total=len(scenarios))
            results = sim.sweep(sim.RegionRef.of(reg, s.data, s.cache), scenarios, out_dir,
                                min(n_workers, len(scenarios)), demand=demand,
                                skip_bad=skip_bad_rows, language=lang,
                                done=lambda _: prog.advance(task), ray=ray)
    rows = sim.comparison(results)
    if as_json:
        sys.stdout.write(_compact({"variants": results, "comparison": rows}) + "\n")
        return
    from rich import box

    n_req = sorted({str(row["requests"]) for row in rows})
    table = Table(title=f"Scenarios compared ({', '.join(n_req)} requests; vehicles on shift "
                        f"{_shift(base)})", box=box.SIMPLE)
    for col in ("vehicles", "rate/h", "served", "refused", "p95 wait", "pooling", "veh-km",
                f"cost/trip ({base.costs.currency})"):
        table.add_column(col, justify="right")
    for row in rows:
        table.add_row(str(row["vehicles"]), f"{row['rate_per_hour']:g}",
                      f"{100 * row['served_share']:.1f} %",
                      f"{row['refused']} ({100 * row['refused_share']:.1f} %)",
                      f"{row['wait_p95_min']} min",
                      f"{100 * row['pooling_rate']:.1f} %", f"{row['vehicle_km']:,.0f}",
                      money(row["cost_per_served_trip"], row["currency"]))
    out.print(table)
    out.print("p95 wait: 95 % of the served rides waited at most this long after the requested "
              "pickup time; refused requests have no wait.")
    out.print(f"reports: {out_dir}/<variant>/index.html")


def _district(reg: Region, s: Settings, scenario: Path | None, area: str, ns: list[int],
              rates: list[float], seed: int | None, replanning: str | None, out_dir: Path,
              lang: str, workers: int, ray: str | None, target: float,
              as_json: bool) -> None:
    """``simulate --area all|a,b,c``: every (area, fleet size, rate) as one sweep on the
    local pool or Ray, one report comparing the areas (:mod:`mobility.sim.district`)."""
    import time
    from dataclasses import replace

    from rich import box
    from rich.progress import MofNCompleteColumn

    from dispatch.scenario import REPLANNING
    from mobility import sim
    from mobility.sim.district import district_comparison, district_variants
    from mobility.sim.district_report import write_district_report
    from mobility.sim.texts import money

    if replanning is not None and replanning not in REPLANNING:
        _fail(f"--replanning must be one of {', '.join(REPLANNING)}, not {replanning!r}")
    with _errors():
        found = district_variants(reg, scenario, area, sim.Overrides(seed=seed,
                                  currency=s.currency), ns, rates)
        if replanning is not None:
            found = [replace(v, scenario=replace(v.scenario, replanning=replanning))
                     for v in found]
        t0 = time.perf_counter()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True,
                      disable=as_json) as prog:
            task = prog.add_task("variants", total=len(found))

            def done(folder: str) -> None:
                prog.update(task, advance=1, description=f"variants (last: {folder})")

            results = sim.sweep(sim.RegionRef.of(reg, s.data, s.cache),
                                [v.scenario for v in found], out_dir,
                                min(workers, len(found)), language=lang, done=done, ray=ray,
                                folders=[v.folder for v in found])
        wall = time.perf_counter() - t0
        c = district_comparison(found, results, target)
        c["wall_s"] = round(wall, 1)
        c["workers"] = min(workers, len(found))
        c["engine"] = "ray" if ray is not None else "pool" if c["workers"] > 1 else "local"
        write_district_report(reg.name, c, out_dir, lang)
    if as_json:
        sys.stdout.write(_compact({"variants": results, **c}) + "\n")
        return
    cur = next((r["currency"] for r in c["comparison"] if r["currency"]), "") or ""
    one_rate = len({r["rate_per_hour"] for r in c["comparison"]}) == 1
    table = Table(title=f"Service areas compared ({len(found)} variants, target "
                        f"{100 * target:g} % served)", box=box.SIMPLE)
    cols = ["area", "vehicles", *([] if one_rate else ["rate/h"]), "served", "refused",
            "p95 wait", "pooling", "veh-km", f"cost/trip ({cur})"]
    for col in cols:
        table.add_column(col, justify="left" if col == "area" else "right")
    for row in c["comparison"]:
        table.add_row(row["area"], str(row["vehicles"]),
                      *([] if one_rate else [f"{row['rate_per_hour']:g}"]),
                      f"{row['served']}/{row['requests']} ({100 * row['served_share']:.0f} %)",
                      str(row["refused"]), f"{row['wait_p95_min']} min",
                      f"{100 * row['pooling_rate']:.0f} %", f"{row['vehicle_km']:,.0f}",
                      money(row["cost_per_served_trip"], row["currency"]))
    out.print(table)
    for a in c["areas"]:
        n = a["smallest_fleet"]
        out.print(f"{a['area']} ({a['rate_per_hour']:g}/h): "
                  + (f"{n} vehicles serve {100 * a['served_share']:.1f} %" if n is not None
                     else f"no size tried reaches {100 * target:g} % (best: "
                          f"{a['at']}, {100 * a['served_share']:.1f} %)"))
    for d in c["district"]:
        if d["all_met"]:
            out.print(f"district: {d['vehicles']} vehicles serve {d['served']} of "
                      f"{d['requests']} requests ({100 * d['served_share']:.1f} %)")
    out.print(f"{len(found)} variants in {wall:.1f} s on {c['engine']} "
              f"({c['workers']} workers); report: {out_dir / 'index.html'}")


@app.command()
def operate(
    region: RegionArg = None,
    month: Annotated[str, typer.Option("--month", help="the month to operate, YYYY-MM")
                     ] = "",
    setup: Annotated[Path | None, typer.Option(
        "--setup", help="the contracted companies: a TOML file of [[companies]] with their "
        "vehicles and availability (default: the region's built-in <region>-operators.toml)")
                     ] = None,
    rate: Annotated[float, typer.Option("--rate", min=0.1, max=200.0,
                                        help="ride requests per hour on weekdays")] = 4.0,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    days: Annotated[int | None, typer.Option("--days", min=1, max=31,
                                             help="only the month's first N days")] = None,
    area: Annotated[str | None, typer.Option("--area", help="service area name")] = None,
    data: DataOpt = None, cache: CacheOpt = None, as_json: JsonOpt = False,
) -> None:
    """Operate a month of simulated service on the store (MOBILITY_DB_URL): the region's
    fleet divided between contracted companies, each vehicle planned only into its
    availability; riders book, cancel and rate, drivers report every stop. Then run
    ``mobility report`` on the same store."""
    from rich.progress import MofNCompleteColumn

    from api.store import Store
    from mobility.operate import operate_month

    if not month:
        _fail("--month is required (YYYY-MM)")
    s = _settings(data, cache)
    reg = _load(region, s, quiet=as_json)
    store = Store(s.db_url)
    with _errors(), Progress(TextColumn("operating {task.fields[day]}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                             transient=True, disable=as_json) as prog:
        task = prog.add_task("days", total=None, day="")
        try:
            res = operate_month(
                reg, s, store, month, setup, rate_per_hour=rate, seed=seed, days=days,
                area=area, progress=lambda k, n, t: prog.update(task, completed=k, total=n,
                                                                day=t.date.isoformat()))
        except ValueError as exc:
            _fail(str(exc))
            raise
    doc = {"region": reg.name, "area": res.area, "month": month, "days": len(res.days),
           "companies": [{"id": c.id, "name": c.name, "vehicles": list(c.vehicles)}
                         for c in res.companies], **res.totals()}
    if as_json:
        out.print_json(data=doc)
        return
    out.print(f"{reg.name} {res.area}: {month}, {len(res.days)} days operated")
    for c in res.companies:
        out.print(f"  {c.name} ({c.id}): {', '.join(c.vehicles)}")
    for k in ("asked", "booked", "refused", "cancelled", "no_shows", "completed", "rated"):
        out.print(f"  {k.replace('_', ' '):<10} {doc[k]:>6}")
    out.print("next: mobility report " + reg.name + f" --month {month} --out report")


def _twin(live: str, region: str | None, *, keys: Path | None, staff_key: str | None,
          hours: str, rate: str | None, standing: int, seed: int | None, drop: float,
          speed: float | None, store: str, as_json: bool, data: Path | None,
          cache: Path | None, other: dict[str, object], processes: int = 1) -> None:
    """``simulate --live``: the service-day twin (:mod:`mobility.twin`)."""
    from mobility.twin import cli as twin_cli

    given = [k for k, v in other.items() if v is not None]
    if given:
        _fail(f"--live runs the service-day twin: {', '.join(given)} do not apply to it")
    rates = _numbers(rate, "--rate", float) or [None]
    if len(rates) > 1:
        _fail("--live takes one --rate")
    try:
        code = twin_cli.run(live=live, region=region or "addison-vt", keys=keys,
                            staff_key=staff_key, hours=hours, rate=rates[0],
                            standing=standing, seed=1 if seed is None else seed, drop=drop,
                            speed=speed, store=store, as_json=as_json, out=out, err=err,
                            data=data, cache=cache, processes=processes)
    except twin_cli.UsageError as exc:
        _fail(str(exc))
        return
    except (RuntimeError, OSError) as exc:  # the server refused us, or could not start
        _fail(str(exc), code=3)
        return
    raise typer.Exit(code)


def _compact(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _shift(sc: Scenario) -> str:
    """The fleet's shift and whether it is the service area's hours."""
    from routing.timebase import clock_text

    start, end = sc.vehicles[0].shift
    own = sc.area.hours is not None and (start, end) == tuple(sc.area.hours)
    return f"{clock_text(start)}–{clock_text(end)}" + (" = the service area's hours" if own
                                                       else "")


def _print_kpis(k: dict, sc: Scenario) -> None:  # type: ignore[type-arg]
    from mobility.sim.texts import factor, headline, money

    h = headline(k)
    cur = k["currency"]
    table = Table(title=f"Simulated day (vehicles on shift {_shift(sc)})", show_header=False)
    table.add_row("served", f"{h['served']} of {h['requests']} requests "
                            f"({100 * h['served_share']:.1f} %)")
    table.add_row("refused", f"{h['refused']} of {h['requests']} requests "
                             f"({100 * h['refused_share']:.1f} %)")
    for why, n in h["reasons"]:
        table.add_row("", f"{n}: {why}")
    table.add_row("no-shows", str(k["no_shows"]))
    w = k["wait_min"]
    table.add_row("wait (min)", f"median {w['p50']}, p95 {w['p95']}, mean {w['mean']} — "
                                "after the requested pickup time, served rides only")
    table.add_row("in-vehicle (min)", f"mean {k['in_vehicle_min']['mean']}, p95 "
                                      f"{k['in_vehicle_min']['p95']}")
    d = k["detour_factor"]
    table.add_row("detour factor", f"median {factor(d['p50'])}, p95 {factor(d['p95'])} — "
                                   "time in the vehicle ÷ direct drive")
    table.add_row("pooling / occupancy", f"{100 * k['pooling_rate']:.1f} % / "
                                         f"{k['mean_occupancy']}")
    table.add_row("vehicle-km", f"{k['vehicle_km']:,} ({k['empty_km']:,} empty)")
    table.add_row("vehicle-hours", f"{k['vehicle_hours']} ({k['passengers_per_vehicle_hour']} "
                                   "passengers per vehicle-hour)")
    table.add_row("cost", f"{money(k['cost'], cur)} ({money(k['cost_per_served_trip'], cur)} "
                          "per served trip)")
    table.add_row("CO₂", f"{k['co2_kg']:,} kg")
    out.print(table)


@app.command("report")
def report_cmd(
    region: RegionArg = None,
    month: Annotated[str, typer.Option("--month", help="the calendar month, YYYY-MM (the "
                                       "running month: up to today)")] = "",
    out_dir: Annotated[Path, typer.Option("--out", help="report folder")] = Path("report"),
    area: Annotated[str | None, typer.Option("--area", help="a service area (default: all "
                                             "areas together)")] = None,
    data: DataOpt = None, cache: CacheOpt = None, as_json: JsonOpt = False,
) -> None:
    """The month's report for the funding authority from the store (MOBILITY_DB_URL): trips
    requested, served and refused, vehicles, cost and ratings; HTML in English and German,
    report.csv, daily.csv and the companies' statements as CSV in --out."""
    from rich.progress import MofNCompleteColumn

    from api.service.accounting import month_statements, rules_of
    from api.service.errors import ServiceError
    from api.service.monthly_report import month_report
    from dispatch.travel import StreetTravel
    from mobility.month_report import write_report
    from mobility.public_holidays import calendar, code_for

    if not month:
        _fail("--month YYYY-MM is required")
    s = _settings(data, cache)
    reg = _load(region, s, quiet=as_json)
    store = _store()
    today = _timing(s).today()
    holiday = calendar(code_for(s.holidays, reg.config))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=as_json) as prog:
        task = prog.add_task("report: streets", total=4)
        travel = StreetTravel(reg.router("car"))
        areas = {a.name: a for a in reg.service_areas}
        prog.update(task, advance=1, description="report: the month's figures")
        try:
            figures = month_report(store, travel, areas, area, month, today,
                                   holiday=holiday, currency=s.currency or "")
            prog.update(task, advance=1, description="report: statements")
            statements = month_statements(store, travel, rules_of(areas), month,
                                          today, holiday=holiday, currency=s.currency or "")
        except ServiceError as exc:
            _fail(f"{'--' + exc.field + ': ' if exc.field else ''}{exc}")
            return
        if area is not None:
            statements = [st for st in statements if any(a.area == area for a in st.areas)]
        prog.update(task, advance=1, description="report: pages and plots")
        files = write_report(figures, out_dir, reg.name, statements)
        prog.update(task, advance=1)
    if as_json:
        sys.stdout.write(_compact(figures) + "\n")
        return
    cur = figures["currency"]
    table = Table(title=f"{reg.name} {month} ({area or 'all areas'}): "
                        f"{figures['since']} to {figures['until']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in ("trips_requested", "trips_served", "rejected", "cancelled", "no_shows",
                "passengers", "passengers_per_vehicle_hour", "pooling_rate", "mean_occupancy",
                "on_time_pickups", "vehicle_km", "empty_km", "vehicle_hours", "cost",
                "cost_per_trip", "fares_collected"):
        v = figures[key]
        table.add_row(key, "–" if v is None else f"{v:,} {cur}" if key in (
            "cost", "cost_per_trip", "fares_collected") else f"{v:,}")
    out.print(table)
    for p in files:
        out.print(f"wrote {p}")


flex = typer.Typer(help="GTFS-Flex on-demand services.", no_args_is_help=True)
app.add_typer(flex, name="flex")


def _flex_area(a) -> dict:  # type: ignore[no-untyped-def,type-arg]
    from routing.timebase import clock_text

    b = a.booking
    return {"name": a.name, "geometry": a.geometry["type"],
            "hours": [clock_text(a.hours[0]), clock_text(a.hours[1])] if a.hours else None,
            "booking": None if b is None else {
                "type": b.booking_type, "notice_min": round(b.notice_min_s / 60, 1),
                "notice_max_min": None if b.notice_max_s is None else round(
                    b.notice_max_s / 60, 1),
                "last_day": b.last_day,
                "last_time": None if b.last_time_s is None else clock_text(b.last_time_s),
                "start_day": b.start_day,
                "start_time": None if b.start_time_s is None else clock_text(b.start_time_s),
                "phone": b.phone, "message": b.message, "info_url": b.info_url,
                "booking_url": b.booking_url},
            "stops": [s.id for s in a.stops],
            "safe_duration": None if a.safe_duration is None else {
                "factor": a.safe_duration[0], "offset_s": a.safe_duration[1]},
            "route_id": a.properties.get("route_id"),
            "location_id": a.properties.get("location_id")}


@flex.command("import")
def flex_import(path: Annotated[Path, typer.Argument(help="GTFS-Flex zip or folder")],
                as_json: JsonOpt = False) -> None:
    """Read a GTFS-Flex feed: its on-demand service areas (zones, location groups, stop
    areas) with hours and booking rules, and every problem. Exit 1 if none is usable."""
    from feeds.flex import read_flex

    feed = read_flex(path)
    areas = [_flex_area(a) for a in feed.areas]
    if as_json:
        sys.stdout.write(json.dumps({"areas": areas, "errors": [p.to_dict() for p in
                                                                feed.report.errors],
                                     "warnings": [p.to_dict() for p in feed.report.warnings]})
                         + "\n")
    else:
        table = Table(title=f"{path.name}: {len(areas)} on-demand service areas")
        for col in ("area", "hours", "booking", "notice"):
            table.add_column(col)
        kinds = {0: "real time", 1: "same day", 2: "prior day"}
        for a in areas:
            b = a["booking"]
            table.add_row(escape(a["name"]), "–".join(a["hours"]) if a["hours"] else "",
                          kinds.get(b["type"], "?") if b else "", f"{b['notice_min']:g} min"
                          if b else "")
        out.print(table)
        for p in feed.report.problems:
            colour = "red" if p.severity == "error" else "yellow"
            out.print(f"[{colour}]{escape(str(p))}[/]", highlight=False)
    raise typer.Exit(0 if feed.areas and not feed.report.errors else 1)


@flex.command("export")
def flex_export(region: RegionArg = None,
                out_file: Annotated[Path, typer.Argument(help="the zip to write")] = Path(
                    "flex.zip"),
                data: DataOpt = None, cache: CacheOpt = None) -> None:
    """Write the region's on-demand service as a GTFS-Flex v2 feed: its service areas (zones,
    or location groups for areas served at stops), hours from the fleet's shifts, booking
    rules (real-time booking unless [[areas]] say otherwise), the safe travel durations the
    dispatch rules promise, feed_info ([feed] of the region's configuration) and flat fares as
    GTFS Fares v2 ([[fares]])."""
    from dataclasses import replace as _replace

    from dispatch.insertion import DispatchParams
    from feeds.flex import REAL_TIME, write_flex
    from mobility.flex_feed import feed_info

    s = _settings(data, cache)
    reg = _load(region, s)
    safe = DispatchParams().safe_duration()  # the rules the server's dispatcher keeps
    areas = [_replace(a, booking=a.booking or REAL_TIME, safe_duration=safe)
             for a in reg.service_areas]
    if not areas:
        _fail(f"region {reg.name} has no on-demand service area to export")
    no_fleet = [a.name for a in areas if a.hours is None]
    if no_fleet:
        _fail(f"service area(s) {', '.join(no_fleet)} have no vehicles, so no service hours: "
              "add [[vehicles]] to the region's configuration")
    info, agency = feed_info(reg.config)
    write_flex(areas, out_file, agency=agency.name, timezone=reg.timezone, url=agency.url,
               phone=agency.phone, lang=info.lang, start=info.start_date, end=info.end_date,
               feed_info=info)
    out.print(f"wrote {len(areas)} on-demand service area(s) to {out_file}")


keys = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys, name="keys")


def _store():  # type: ignore[no-untyped-def]
    from api.store import Store

    st = Store(_settings(None, None).db_url)
    with _errors():
        try:
            st.migrate()
        except Exception as exc:
            if exc.__class__.__module__.startswith("sqlalchemy"):
                _fail(f"cannot use the store: {str(exc).splitlines()[0]}")
            raise
    return st


@keys.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="rider, driver, dispatcher, admin or operator")],
    label: Annotated[str | None, typer.Option(help="what the key is for")] = None,
    rider: Annotated[str | None, typer.Option(help="rider keys: an existing rider id")] = None,
    name: Annotated[str | None, typer.Option(help="rider keys: the new rider's name")] = None,
    phone: Annotated[str | None, typer.Option(help="rider keys: the new rider's phone")] = None,
    vehicle: Annotated[str | None, typer.Option(help="driver keys: the vehicle id")] = None,
    company: Annotated[str | None, typer.Option(
        help="operator keys: the company id (POST /api/v1/companies)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key and print it (it is shown only once; the store keeps a hash)."""
    from api.auth import ROLES, create_key

    if role not in ROLES:
        _fail(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    st = _store()
    with st.session() as sess:
        try:
            key = create_key(sess, role, label=label, rider_id=rider, rider_name=name,
                             rider_phone=phone, vehicle_id=vehicle, company_id=company)
        except ValueError as exc:
            _fail(str(exc))
            return
        sess.flush()
        from api.auth import lookup

        who = lookup(sess, key)
    assert who is not None
    if as_json:
        sys.stdout.write(json.dumps({"key": key, "id": who.key_id, "role": role,
                                     "riderId": who.rider_id, "vehicleId": who.vehicle_id,
                                     "companyId": who.company_id}) + "\n")
    else:
        sys.stdout.write(key + "\n")


def _print_first_key(s: Settings) -> None:
    """On a new installation, make and show a dispatcher key (once) for the web app."""
    from api.auth import first_staff_key
    from api.store import Store

    with Store(s.db_url).session() as sess:
        key = first_staff_key(sess)
    if key is not None:
        err.print("[bold]first dispatcher key[/] (shown once; sign in with it in the web "
                  "app's dispatcher and planner views, or make others with "
                  "`mobility keys create --role dispatcher`):", highlight=False)
        err.print(f"first dispatcher key: {key}", soft_wrap=True, highlight=False)


@keys.command("list")
def keys_list(as_json: JsonOpt = False) -> None:
    """The keys (ids, roles, labels — never the secrets)."""
    from sqlalchemy import select

    from api.store.models import ApiKey

    st = _store()
    with st.session() as sess:
        rows = [{"id": k.id, "role": k.role, "riderId": k.rider_id, "vehicleId": k.vehicle_id,
                 "label": k.label, "created": k.created_at.isoformat(timespec="seconds"),
                 "revoked": k.revoked_at.isoformat(timespec="seconds") if k.revoked_at
                 else None}
                for k in sess.execute(select(ApiKey).order_by(ApiKey.created_at)).scalars()]
    if as_json:
        sys.stdout.write(json.dumps({"keys": rows}) + "\n")
        return
    table = Table()
    table.add_column("id", no_wrap=True, min_width=12)
    for col in ("role", "rider", "vehicle", "label", "revoked"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["role"], r["riderId"] or "", r["vehicleId"] or "",
                      r["label"] or "", "yes" if r["revoked"] else "")
    out.print(table)


@keys.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key's id (keys list)")]
                ) -> None:
    """Revoke a key: it is refused from now on."""
    from api.store.models import ApiKey, utcnow

    st = _store()
    with st.session() as sess:
        k = sess.get(ApiKey, key_id)
        if k is None:
            _fail(f"no key with id {key_id!r}")
            return
        k.revoked_at = k.revoked_at or utcnow()
    out.print(f"revoked {key_id}")


riders = typer.Typer(help="Riders' data: export, forget, retention.", no_args_is_help=True)
app.add_typer(riders, name="riders")


def _timing(s: Settings):  # type: ignore[no-untyped-def]
    """The service's time as the server sees it: the region's zone (else the earliest
    "today" on earth, UTC-12, which errs on the side of keeping rides exact) and its clock."""
    from api.service import RunningClock, SystemClock
    from api.service.timing import Timing
    from mobility.config import resolve_region

    try:
        tz = resolve_region(s.region, s.data).timezone or "Etc/GMT+12"
    except MobilityError:
        tz = "Etc/GMT+12"
    return Timing(tz, RunningClock(s.clock_start, s.clock_speed, s.clock_epoch,
                                   s.clock_epoch_file) if s.clock_start else SystemClock())


@riders.command("export")
def riders_export(
    rider_id: Annotated[str, typer.Argument(help="the rider's id")],
    out_file: Annotated[Path | None, typer.Option("--out", help="write the JSON to this "
                                                  "file (default: standard output)")] = None,
) -> None:
    """Everything stored about a rider, as JSON (GET /api/v1/riders/ID/export)."""
    from api.service.privacy import export_rider

    s = _settings(None, None)
    st = _store()
    with _errors():
        doc = export_rider(st, _timing(s), rider_id)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if out_file is None:
        sys.stdout.write(text)
        return
    out_file.write_text(text, encoding="utf-8")
    err.print(f"wrote {escape(str(out_file))}", highlight=False)


@riders.command("forget")
def riders_forget(
    rider_id: Annotated[str, typer.Argument(help="the rider's id")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Forget a rider (DELETE /api/v1/riders/ID): name, phone and account deleted, keys
    revoked, rides kept as anonymous rows. Refused while a ride is to come or under way."""
    from api.service.privacy import forget_rider

    s = _settings(None, None)
    if not yes and not typer.confirm(f"Forget rider {rider_id}? This cannot be undone."):
        _fail("nothing changed", code=1)
    st = _store()
    with _errors():
        f = forget_rider(st, _timing(s), rider_id)
    done = {"riderId": f.rider_id, "forgottenAt": f.at.isoformat(timespec="seconds"),
            "bookingsAnonymised": f.bookings, "quotesDeleted": f.quotes_deleted,
            "keysRevoked": f.keys_revoked, "positionsCoarsened": f.positions,
            "standingOrdersDeleted": f.standing_orders}
    if as_json:
        sys.stdout.write(json.dumps(done) + "\n")
        return
    out.print(f"forgot rider {f.rider_id}: {f.bookings} booking(s) kept anonymous, "
              f"{f.quotes_deleted} quote(s) deleted, {f.keys_revoked} key(s) revoked, "
              f"{f.positions} position(s) coarsened", highlight=False)


@riders.command("retention")
def riders_retention(
    days: Annotated[int | None, typer.Option(help="the retention period [env "
                                             "MOBILITY_RETENTION_DAYS]")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count only; change "
                                          "nothing")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Anonymise the rides whose service day lies more than the retention period back (the
    server does so every hour)."""
    from api.service.privacy import apply_retention

    s = _settings(None, None)
    period = s.retention_days if days is None else days
    st = _store()
    with _errors():
        r = apply_retention(st, _timing(s), period, dry_run=dry_run)
    done = {"cutoff": r.cutoff.isoformat(), "days": period, "dryRun": dry_run,
            "quotes": r.quotes, "bookings": r.bookings, "events": r.events,
            "vehicleStates": r.states, "standingOrders": r.orders,
            "notifications": r.notifications}
    if as_json:
        sys.stdout.write(json.dumps(done) + "\n")
        return
    verb = "would anonymise" if dry_run else "anonymised"
    out.print(f"rides of service days before {r.cutoff}: {verb} {r.quotes} quote(s), "
              f"{r.bookings} booking(s), {r.events} event(s), {r.states} vehicle state(s), "
              f"{r.notifications} notification(s); standing orders over: {r.orders}",
              highlight=False)


standing = typer.Typer(help="Standing orders: list, add, cancel (as the API's "
                        "/api/v1/standing-orders).", no_args_is_help=True)
app.add_typer(standing, name="standing")
#: weekdays as the command line takes them (ISO numbers work too)
_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_DAY_NAMES = {v: k.capitalize() for k, v in _DAYS.items()}


def _weekdays(text: str) -> tuple[int, ...]:
    """"mon,wed,fri" or "1,3,5" as ISO weekdays."""
    out = []
    for part in (p.strip().lower() for p in text.split(",")):
        day = _DAYS.get(part[:3]) if part[:3] in _DAYS else (
            int(part) if part.isdigit() and 1 <= int(part) <= 7 else None)
        if day is None:
            _fail(f"--days: {part!r} is not a weekday (mon … sun, or 1 = Monday … 7)")
            raise AssertionError("unreachable")
        out.append(day)
    return tuple(sorted(set(out)))


def _date(text: str, option: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _fail(f"{option}: {text!r} is not a date (YYYY-MM-DD)")


def _standing_service(s: Settings):  # type: ignore[no-untyped-def]
    """The region's booking service over the store (its fleet written), as a server has
    it: cancelling and booking change the vehicles' plans."""
    from api.service.replanning import in_process
    from mobility.server import booking_service

    region = _load(None, s, quiet=True)
    svc = booking_service(region, s, _store(), optimiser=in_process)
    svc.sync_fleet()
    return svc


#: who the command line acts as: the operator (staff: exempt from riders' fair use)
_OPERATOR = ("cli", "admin")


def _order_doc(o: Any) -> dict[str, Any]:
    return {"id": o.id, "riderId": o.rider_id, "status": o.status,
            "weekdays": list(o.weekdays), "time": o.time, "timeType": o.time_type,
            "firstDate": o.first_date.isoformat(), "lastDate": o.last_date.isoformat(),
            "origin": list(o.origin), "destination": list(o.destination),
            "passengers": o.passengers, "wheelchair": o.wheelchair,
            "skipHolidays": o.skip_holidays,
            "occurrences": [{"date": x.date.isoformat(), "status": x.status,
                             "bookingId": x.booking_id, "reason": x.reason, "code": x.code}
                            for x in o.occurrences]}


def _print_dates(o: Any) -> None:
    table = Table(title=f"standing order {o.id} ({o.status})")
    for col in ("date", "status", "booking", "reason"):
        table.add_column(col)
    for x in o.occurrences:
        table.add_row(f"{_DAY_NAMES[x.date.isoweekday()]} {x.date.isoformat()}",
                      x.status.replace("_", " "), x.booking_id or "", x.reason or "")
    out.print(table)


@standing.command("list")
def standing_list(
    rider: Annotated[str | None, typer.Option(help="one rider's orders")] = None,
    every: Annotated[bool, typer.Option("--all", help="cancelled orders too")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Standing orders, newest first, with how many dates were booked or not served and
    the next one booked."""
    from sqlalchemy import select

    from api.store.models import StandingOccurrence, StandingOrder

    s = _settings(None, None)
    today = _timing(s).today()
    st = _store()
    with st.snapshot() as sess:
        stmt = select(StandingOrder).order_by(StandingOrder.created_at.desc())
        if rider is not None:
            stmt = stmt.where(StandingOrder.rider_id == rider)
        if not every:
            stmt = stmt.where(StandingOrder.status == "active")
        orders = list(sess.execute(stmt).scalars())
        dates: dict[str, list[Any]] = {}
        for r in sess.execute(select(StandingOccurrence).where(
                StandingOccurrence.order_id.in_([o.id for o in orders]))
                .order_by(StandingOccurrence.service_date)).scalars():
            dates.setdefault(r.order_id, []).append(r)
    rows = []
    for o in orders:
        occ = dates.get(o.id, [])
        count = {k: sum(1 for r in occ if r.status == k) for k in
                 ("booked", "not_served", "skipped", "cancelled")}
        upcoming = [r.service_date for r in occ if r.status == "booked"
                    and r.service_date >= today]
        minutes = int(o.time_s) // 60
        rows.append({"id": o.id, "riderId": o.rider_id, "status": o.status,
                     "weekdays": [int(d) for d in o.weekdays.split(",")],
                     "time": f"{minutes // 60:02d}:{minutes % 60:02d}",
                     "timeType": o.time_type, "firstDate": o.first_date.isoformat(),
                     "lastDate": o.last_date.isoformat(), **count,
                     "nextBooked": upcoming[0].isoformat() if upcoming else None})
    if as_json:
        sys.stdout.write(json.dumps({"standingOrders": rows}) + "\n")
        return
    table = Table()
    table.add_column("id", no_wrap=True)
    for col in ("rider", "status", "days", "time", "dates", "booked", "not served",
                "next"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["riderId"], r["status"],
                      ",".join(_DAY_NAMES[d] for d in r["weekdays"]),
                      r["time"] if r["timeType"] == "departure" else f"arrive {r['time']}",
                      f"{r['firstDate']} – {r['lastDate']}", str(r["booked"]),
                      str(r["not_served"]), r["nextBooked"] or "")
    out.print(table)


@standing.command("add")
def standing_add(
    rider: Annotated[str, typer.Option(help="the rider's id (mobility keys list, or the "
                                       "dispatcher's caller search)")],
    origin: Annotated[str, typer.Option("--from", help="LAT,LON")],
    destination: Annotated[str, typer.Option("--to", help="LAT,LON")],
    days: Annotated[str, typer.Option(help="weekdays: mon,wed,fri (or 1,3,5)")],
    time: Annotated[str, typer.Option(help="HH:MM, local time")],
    first: Annotated[str, typer.Option(help="the first date, YYYY-MM-DD")],
    last: Annotated[str, typer.Option(help="the last date, YYYY-MM-DD (at most a year)")],
    arrive: Annotated[bool, typer.Option("--arrive", help="arrive by --time (default: "
                                         "picked up from it)")] = False,
    passengers: Annotated[int, typer.Option(min=1, max=20)] = 1,
    wheelchair: bool = False,
    on_holidays: Annotated[bool, typer.Option("--on-holidays", help="ride on public "
                                              "holidays too")] = False,
    note: Annotated[str | None, typer.Option(help="a note for the driver")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Order the same ride on chosen weekdays for a rider (as a dispatcher does); the dates
    already within the booking horizon are booked at once, the rest by the server as they
    come. Prints the dates."""
    from api.auth import Principal
    from api.service.standing import OrderRequest

    s = _settings(None, None)
    request = OrderRequest(_latlon(origin, "--from"), _latlon(destination, "--to"),
                           _weekdays(days), time, "arrival" if arrive else "departure",
                           _date(first, "--first"), _date(last, "--last"), passengers,
                           wheelchair, not on_holidays, note, rider)
    svc = _standing_service(s)
    with _errors():
        o = svc.create_standing_order(Principal(*_OPERATOR), request)
    if as_json:
        sys.stdout.write(json.dumps(_order_doc(o)) + "\n")
        return
    _print_dates(o)


@standing.command("cancel")
def standing_cancel(
    order_id: Annotated[str, typer.Argument(help="the order's id (standing list)")],
    date: Annotated[str | None, typer.Option(help="cancel only this date (YYYY-MM-DD)")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a standing order (its bookings still to be driven are cancelled), or with
    --date one of its dates."""
    from api.auth import Principal

    s = _settings(None, None)
    day = _date(date, "--date") if date is not None else None
    svc = _standing_service(s)
    who = Principal(*_OPERATOR)
    with _errors():
        o = (svc.cancel_standing_order(who, order_id) if day is None
             else svc.cancel_standing_date(who, order_id, day))
    if as_json:
        sys.stdout.write(json.dumps(_order_doc(o)) + "\n")
        return
    _print_dates(o)


@app.command()
def statements(
    region: RegionArg = None,
    month: Annotated[str, typer.Option("--month", help="the month, YYYY-MM")] = "",
    out_dir: Annotated[Path | None, typer.Option("--out", help="folder for the CSV files "
                                                 "(one per company)")] = None,
    data: DataOpt = None, cache: CacheOpt = None, as_json: JsonOpt = False,
) -> None:
    """The companies' statements for a month under the region's compensation rules
    ([[compensation]]): from the tours driven in the store (MOBILITY_DB_URL) and the
    vehicles' available hours; one CSV per company (statement-<company>-<month>.csv;
    _own: the vehicles of no company) and a summary."""
    from api.service.accounting import month_statements, statement_csv
    from api.service.errors import InvalidRequestError
    from api.service.timing import Timing
    from dispatch.travel import CachedTravel, StreetTravel
    from mobility.public_holidays import calendar, code_for
    from mobility.server import clock

    if not month:
        _fail("give the month: --month YYYY-MM")
    s = _settings(data, cache)
    reg = _load(region, s, quiet=as_json)
    store = _store()
    with _errors():
        today = Timing(reg.timezone, clock(s)).today()
        travel = CachedTravel(StreetTravel(reg.router("car")))
        rules = {a.name: a.compensation for a in reg.service_areas}
        try:
            sts = month_statements(store, travel, rules, month, today,
                                   holiday=calendar(code_for(s.holidays, reg.config)),
                                   currency=reg.config.currency)
        except InvalidRequestError as exc:
            _fail(f"--month: {exc}")
    written: dict[str, Path] = {}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for st in sts:
            safe = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_"
                           for c in st.company_id)
            written[st.company_id] = out_dir / f"statement-{safe}-{st.month}.csv"
            written[st.company_id].write_text(statement_csv(st), encoding="utf-8")
    doc: dict[str, Any] = {
        "region": reg.name, "month": month,
        "since": sts[0].since.isoformat() if sts else None,
        "until": sts[0].until.isoformat() if sts else None,
        "provisional": any(st.provisional for st in sts), "currency": reg.config.currency,
        "totalCents": sum(st.total_cents for st in sts),
        "statements": [{"companyId": st.company_id, "companyName": st.company_name,
                        "totalCents": st.total_cents, "availableH": round(st.available_h, 3),
                        "drivenKm": round(st.driven_km, 3),
                        "occupiedKm": round(st.occupied_km, 3), "tours": len(st.tours),
                        "passengers": st.passengers, "rides": st.rides,
                        "noShows": st.no_shows, "faresCents": st.fares_cents,
                        "dayCapCents": sum(a.day_cap_cents for a in st.areas),
                        "monthCapCents": sum(a.month_cap_cents for a in st.areas),
                        "file": str(written[st.company_id]) if st.company_id in written
                        else None} for st in sts]}
    if as_json:
        sys.stdout.write(json.dumps(doc) + "\n")
        return
    table = Table(title=f"Statements {reg.name} {month}"
                        f"{' (provisional)' if doc['provisional'] else ''}")
    for col in ("company", "tours", "available h", "driven km", "passengers", "total"):
        table.add_column(col)
    for x in doc["statements"]:
        table.add_row(escape(f"{x['companyName']} ({x['companyId']})"), str(x["tours"]),
                      f"{x['availableH']:.1f}", f"{x['drivenKm']:.1f}", str(x["passengers"]),
                      f"{x['totalCents'] / 100:,.2f} {doc['currency']}")
    out.print(table)
    for path in written.values():
        out.print(f"wrote {escape(str(path))}", highlight=False)


@app.command()
def purge(dry_run: Annotated[bool, typer.Option("--dry-run", help="count, delete nothing")]
          = False, as_json: JsonOpt = False) -> None:
    """Purge the store once, as a server does every MOBILITY_PURGE_INTERVAL_S: expired quotes
    never booked, old idempotency keys, drivers' old reports, ended rate-limit windows
    (how long each is kept: MOBILITY_KEEP_*). Prints what was purged per kind."""
    from api.service.housekeeping import purge as run_purge
    from mobility.server import api_config, clock

    s = _settings(None, None)
    st = _store()
    counts = run_purge(st, clock(s).now(), api_config(s), dry_run=dry_run)
    st.engine.dispose()
    if as_json:
        sys.stdout.write(json.dumps({"dryRun": dry_run, "purged": counts}) + "\n")
        return
    table = Table(title="would purge" if dry_run else "purged")
    table.add_column("data")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name.replace("_", " "), f"{n:,}")
    out.print(table)


@app.command("backup")
def backup_cmd(
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="the backup file (default: mobility-<UTC time>.db for SQLite, .dump "
                      "for PostgreSQL, here)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Back up the store (MOBILITY_DB_URL) while servers keep running: SQLite through its
    online backup API, PostgreSQL with pg_dump (the store's schema)."""
    from mobility import backup

    s = _settings(None, None)
    with _errors():
        info = backup.backup(s.db_url, out_file or backup.default_name(s.db_url), s.pg_bin)
    if as_json:
        sys.stdout.write(json.dumps({"file": str(info.path), "kind": info.kind,
                                     "schema": info.revision, "bookings": info.bookings})
                         + "\n")
        return
    out.print(f"backed up the store ({info.kind}, schema {info.revision}, "
              f"{info.bookings:,} bookings) to {info.path}", highlight=False, soft_wrap=True)


@app.command("restore")
def restore_cmd(
    file: Annotated[Path, typer.Argument(help="a file `mobility backup` wrote")],
    as_json: JsonOpt = False,
) -> None:
    """Replace the store (MOBILITY_DB_URL) with a backup, then migrate it to this version's
    schema. Stop the servers first; an SQLite store in use is refused, the one replaced is
    kept beside it."""
    from mobility import backup

    s = _settings(None, None)
    with _errors():
        info = backup.restore(s.db_url, file, pg_bin=s.pg_bin)
    if as_json:
        sys.stdout.write(json.dumps({"file": str(file), "schema": info.revision,
                                     "migratedTo": info.migrated_to,
                                     "bookings": info.bookings,
                                     "kept": str(info.kept) if info.kept else None}) + "\n")
        return
    migrated = (f", migrated to {info.migrated_to}" if info.migrated_to != info.revision
                else "")
    out.print(f"restored {file} (schema {info.revision}{migrated}, {info.bookings:,} "
              "bookings)", highlight=False, soft_wrap=True)
    if info.kept:
        out.print(f"the store it replaced is kept as {info.kept}", highlight=False,
                  soft_wrap=True)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
