"""A real server for the twin on this machine: ``mobility serve`` as a child process (or
several, each on its own port, sharing the store and the clock) over a fresh store (a
temporary SQLite file, or a private schema in a PostgreSQL database), its clock standing
early on the morning of the region's default date (a day its timetable serves) until every
process answers, then running ``speed`` times faster, sending its e-mail and SMS to the
twin's own receivers, with a dispatcher key and a driver key per vehicle made by ``mobility
keys create``."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from mobility.config import resolve_region
from mobility.settings import Settings
from mobility.twin.sinks import Sinks, free_port

#: the PostgreSQL database a private schema is made in (``--store postgresql``)
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
#: the server's clock starts this long (server seconds) before the twin's first hour, once
#: every process answers: time for the twin's standing orders and advance bookings
LEAD_S = 3600.0
#: the file beside the store that starts the processes' clocks (it holds their epoch)
EPOCH_FILE = "clock-epoch"


@dataclass
class LocalServer:
    """A running server: its URL (the first process's; ``urls``: every process's), keys,
    store and log."""

    url: str
    staff_key: str
    driver_keys: dict[str, str]
    store: str  #: "sqlite" or "postgresql"
    speed: float
    clock_start: dt.datetime
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)
    urls: list[str] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    db_url: str = ""  #: the store's URL
    demand: Any = None  #: the region's ``[demand]`` profile, if it has one

    @property
    def pids(self) -> list[int]:
        """The API processes' ids (``mobility serve`` runs its API in its own process)."""
        return [p.pid for p in self.procs]

    def stop(self) -> None:
        """SIGTERM to each process group; SIGKILL to one that does not go."""
        live = [p for p in self.procs if p.poll() is None]
        for p in live:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in live:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=30)


def server_env(*, db_url: str, clock_start: dt.datetime, speed: float,
               sinks: Sinks | None, base: dict[str, str] | None = None,
               epoch: float | None = None, epoch_file: Path | None = None) -> dict[str, str]:
    """The server's settings for a twin: its store and clock (``epoch``: the Unix time at
    which it shows ``clock_start``, shared by every process; or ``epoch_file``: the clock
    stands at ``clock_start`` until the file holds the epoch), no fair-use caps or rate
    limits (the twin's riders all come from one address), quotes that live long enough at
    this speed, background work looking often enough, messages to the twin's receivers."""
    env = dict(os.environ if base is None else base)
    env.update({
        "MOBILITY_DB_URL": db_url, "MOBILITY_CLOCK_START": clock_start.isoformat(),
        "MOBILITY_CLOCK_SPEED": f"{speed:g}",
        "MOBILITY_MAX_BOOKINGS_PER_DAY": "0", "MOBILITY_MAX_BOOKINGS": "0",
        "MOBILITY_REFUSE_OVERLAPPING": "false", "MOBILITY_RATE_QUOTES": "0",
        "MOBILITY_RATE_BOOKINGS": "0", "MOBILITY_RATE_PLANS": "0",
        "MOBILITY_RATE_SIGNUPS": "0",
        # a quote lives 5 minutes of the service's clock: at 120x, 2.5 s — enough for the
        # twin's rider, who books at once, but not for a slow answer: 30 minutes
        "MOBILITY_QUOTE_TTL_S": "1800",
        # the outbox's worker polls on the wall clock: every half second, so that at this
        # speed a message still leaves within a minute or two of the service's clock
        "MOBILITY_NOTIFY_INTERVAL_S": "0.5",
        # the late watch and the standing orders' booker count the service's clock
        "MOBILITY_LATE_INTERVAL_S": "60", "MOBILITY_STANDING_INTERVAL_S": "300",
        "MOBILITY_PURGE_INTERVAL_S": "0",
    })
    if epoch_file is not None and epoch is None:
        env["MOBILITY_CLOCK_EPOCH_FILE"] = str(epoch_file)
        env.pop("MOBILITY_CLOCK_EPOCH", None)
    else:
        env["MOBILITY_CLOCK_EPOCH"] = repr(time.time() if epoch is None else epoch)
        env.pop("MOBILITY_CLOCK_EPOCH_FILE", None)
    if sinks is not None:
        env.update(sinks.env())
    return env


def _keys(db_url: str, vehicles: list[str]) -> tuple[str, dict[str, str]]:
    """A dispatcher's key and a driver's key per vehicle, made in the new store as
    ``mobility keys create`` makes them (here, in one transaction: a district's 40
    vehicles as 40 processes took minutes on a busy machine)."""
    from api.auth import create_key
    from api.store import Store

    store = Store(db_url)
    try:
        store.migrate()
        with store.session() as sess:
            staff = create_key(sess, "dispatcher", label="twin")
            drivers = {v: create_key(sess, "driver", label="twin", vehicle_id=v)
                       for v in vehicles}
    finally:
        store.engine.dispose()
    return staff, drivers


def pg_schema(base: str = PG_DEFAULT) -> str:
    """A fresh schema in ``base``'s database: the store's URL using it."""
    import psycopg

    name = "twin_" + secrets.token_hex(6)
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{name}"


def drop_pg_schema(url: str) -> None:
    import psycopg

    base, name = url.split("options=-csearch_path%3D")
    with psycopg.connect(base.rstrip("?&"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@contextlib.contextmanager
def local_server(region: str = "addison-vt", *, speed: float = 60.0,
                 first_hour_s: float = 7 * 3600.0, store: str = "sqlite",
                 sinks: Sinks | None = None, workdir: Path | None = None,
                 data: Path | None = None, cache: Path | None = None,
                 timeout_s: float = 300.0, lead_s: float = LEAD_S,
                 processes: int = 1, keep: bool = False) -> Iterator[LocalServer]:
    """Start ``mobility serve REGION`` for a twin whose day starts at ``first_hour_s``
    (seconds after midnight) on the region's default date; ``store`` is ``sqlite``,
    ``postgresql`` (a private schema in :data:`PG_DEFAULT`) or a ``postgresql://`` URL
    whose database gets the private schema. Its clock stands ``lead_s`` (server seconds)
    before the first hour until every process answers, then runs: however long the start
    takes (a busy machine, a first compilation), the twin gets the whole lead.
    ``processes`` API processes are started, each its own ``mobility serve`` on its own
    port, over the one store, their clocks started together by one epoch file. Stopped
    (and its store removed, unless ``keep``: then the store and the server's log stay for a
    look, at ``srv.db_url`` and ``srv.log``) on leaving.

    Raises
    ------
    RuntimeError
        The region has no default date or time zone, a key could not be made, or the
        server did not start.
    ValueError
        Several processes over SQLite (the twin runs them over PostgreSQL), or fewer than
        one.
    """
    if not 1 <= processes <= 8:
        raise ValueError(f"processes must be 1-8, not {processes}")
    if processes > 1 and store == "sqlite":
        raise ValueError("several API processes need --store postgresql")
    given = {k: v for k, v in (("data", data), ("cache", cache)) if v is not None}
    s = Settings(**given)  # type: ignore[arg-type]  # the rest from the environment
    cfg = resolve_region(region, s.data)
    if cfg.default_date is None or cfg.timezone is None:
        raise RuntimeError(f"{region}: the twin needs the region's default_date and timezone")
    tz = ZoneInfo(cfg.timezone)
    if not 0 <= lead_s <= 12 * 3600:
        raise ValueError(f"lead_s must be 0-43200 server seconds, not {lead_s}")
    midnight = dt.datetime.combine(cfg.default_date, dt.time(), tz)
    start = (midnight.astimezone(dt.UTC)
             + dt.timedelta(seconds=max(0.0, first_hour_s - lead_s))).astimezone(tz)
    folder = Path(tempfile.mkdtemp(prefix="mobility-twin-", dir=workdir))
    kind = "sqlite" if store == "sqlite" else "postgresql"
    db_url = (f"sqlite:///{folder / 'twin.db'}" if store == "sqlite" else
              pg_schema(PG_DEFAULT if store == "postgresql" else store))
    epoch_file = folder / EPOCH_FILE
    env = server_env(db_url=db_url, clock_start=start, speed=speed, sinks=sinks,
                     epoch_file=epoch_file)
    env["MOBILITY_DATA"], env["MOBILITY_CACHE"] = str(s.data), str(s.cache)
    srv = LocalServer("", "", {}, kind, speed, start, folder / "server.log", env=env,
                      db_url=db_url, demand=getattr(cfg, "demand", None))
    remove = False  # a server that failed leaves its log for a look
    previous = _exit_on_sigterm()
    try:
        srv.staff_key, srv.driver_keys = _keys(db_url, [v.id for _, v in cfg.fleet])
        with srv.log.open("ab") as log:
            for _ in range(processes):  # together: their start is the slow part
                port = free_port()
                srv.urls.append(f"http://127.0.0.1:{port}")
                srv.procs.append(subprocess.Popen(
                    [sys.executable, "-m", "mobility", "serve", region, "--port", str(port),
                     "--no-access-log"], env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True))
        srv.url, srv.proc = srv.urls[0], srv.procs[0]
        for url, proc in zip(srv.urls, srv.procs, strict=True):
            _wait_healthy(url, proc, srv.log, timeout_s)
        _start_clocks(epoch_file)
        yield srv
        remove = not keep
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        srv.stop()
        if kind == "postgresql" and not keep:
            with contextlib.suppress(Exception):
                drop_pg_schema(db_url)
        if remove:
            shutil.rmtree(folder, ignore_errors=True)


def _start_clocks(epoch_file: Path) -> None:
    """Every process answers: their clocks run from now (the file written whole, by a
    rename, so that no process reads half an epoch)."""
    part = epoch_file.with_suffix(".part")
    part.write_text(repr(time.time()), encoding="ascii")
    part.replace(epoch_file)


def _exit_on_sigterm() -> Any:
    """SIGTERM ends this process as Ctrl-C would, through its ``finally`` blocks: the server
    stopped, its store removed (the previous handler is returned; None off the main
    thread, where no handler can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float
                  ) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not answer in time:\n"
                       + log.read_text(errors="replace")[-3000:])
