"""HTTP API figures: throughput and latency of the real server (``mobility serve addison-vt``,
started here on loopback, by default over a fresh SQLite store) under concurrent load — journey
plans, then on-demand quote + booking pairs — and, side by side, the same plans computed in
this process without HTTP (the peer), plus a sequential HTTP pass (the bare HTTP overhead).

The client is one asyncio thread with one httpx.AsyncClient (it shares the cores with the
server). Every phase is bounded by its request count and by --max-seconds.

Usage: python benchmarks/api.py [--workers N] [--concurrency C] [--plan-requests 600]
       [--book-requests 200] [--quote-requests 200] [--seq-requests 100] [--max-seconds 45]
       [--seed S] [--riders N]
       [--new-connections] [--db-url URL] [--cache DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import psutil

# this script is named api.py: its folder must not shadow the project's ``api`` package, so
# the project is imported first, then the shared helpers of this folder
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
from api.routes.plan import plan_answer  # noqa: E402
from mobility.planning import RegionPlanner  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402

sys.path.append(str(HERE))
from _common import emit, stats_ms  # noqa: E402, I001

REGION = "addison-vt"
FEED_DATE = "2016-03-03"  # a service date of the addison-vt feed (local time, no offset)
# the on-demand service area around Middlebury: quotes go between these
TOWNS: dict[str, tuple[float, float]] = {
    "Middlebury": (44.0153, -73.1673), "Vergennes": (44.1670, -73.2540),
    "Bristol": (44.1336, -73.0790), "East Middlebury": (43.9740, -73.1020),
    "Weybridge": (44.0450, -73.2050),
}
#: fair use and rate limits check every request but refuse none: the benchmark's one key and
#: one address stand for many riders (the checks' cost is measured, their refusals are not;
#: MOBILITY_* variables set when calling the script win)
UNREFUSED = {"MOBILITY_RATE_QUOTES": "1000000", "MOBILITY_RATE_BOOKINGS": "1000000",
             "MOBILITY_RATE_PLANS": "1000000", "MOBILITY_MAX_BOOKINGS_PER_DAY": "1000",
             "MOBILITY_MAX_BOOKINGS": "10000", "MOBILITY_REFUSE_OVERLAPPING": "false"}
PLAN_OK = {200}
QUOTE_OK = {201, 409, 422}
BOOK_OK = {201, 409, 410}
T = TypeVar("T")


# -- the server process -----------------------------------------------------------------------
def cli() -> list[str]:
    """The ``mobility`` console script beside this interpreter (else ``python -m mobility``)."""
    exe = Path(sys.executable).parent / "mobility"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "mobility"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_key(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run([*cli(), "keys", "create", *args, "--json"], env=env,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"mobility keys create failed: {out.stderr.strip()}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def more_riders(db_url: str, n: int) -> list[str]:
    """``n`` more rider keys, made in this process (the store exists: the first key's
    command migrated it)."""
    if n <= 0:
        return []
    from api.auth import create_key as new_key
    from api.store import Store

    st = Store(db_url)
    with st.session() as s:
        out = [new_key(s, "rider", rider_name=f"benchmark rider {k}") for k in range(n)]
    st.engine.dispose()
    return out


class Server:
    """``mobility serve`` in its own process group: the group is killed on stop."""

    def __init__(self, port: int, workers: int, env: dict[str, str], log: Path) -> None:
        self.port, self.workers, self.env, self.log = port, workers, env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        with self.log.open("wb") as f:
            self.proc = subprocess.Popen(
                [*cli(), "serve", REGION, "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers), "--no-access-log"],
                env=self.env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)

    def wait_ready(self, timeout_s: float) -> float:
        """Seconds until /health answers 200 and every worker logged its startup."""
        assert self.proc is not None
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.proc.returncode}:\n"
                                   + self.tail())
            started = self.log.read_text(errors="replace").count("Application startup complete")
            if started >= self.workers:
                try:
                    if httpx.get(self.url + "/health", timeout=2.0).status_code == 200:
                        return time.perf_counter() - t0
                except httpx.HTTPError:
                    pass
            time.sleep(0.25)
        raise RuntimeError(f"the server was not ready within {timeout_s:.0f} s:\n" + self.tail())

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_s(self) -> dict[int, float]:
        """User + system CPU seconds of each of the server's live processes."""
        if self.proc is None:
            return {}
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return {}
        out = {}
        for p in procs:
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return out

    def stop(self) -> list[int]:
        """SIGTERM the group, then SIGKILL it; the ids of processes still alive after that."""
        if self.proc is None:
            return []
        pgid = self.proc.pid  # start_new_session: the leader's id is the group's
        for sig, wait_s in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                continue
            if not group_alive(pgid):
                break
        self.proc.wait()
        return group_alive(pgid)


def group_alive(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    alive = []
    for p in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(p.pid)
        except (ProcessLookupError, psutil.Error):
            pass
    return alive


# -- the load ---------------------------------------------------------------------------------
@dataclass
class Attempt:
    """One on-demand ride: quote (and, when offered, book)."""

    quote_s: float
    quote_status: int  # 0: connection error or timeout
    problem: str = ""
    pair_s: float | None = None  # quote sent -> booking answered
    book_status: int | None = None


async def drive(items: Sequence[T], concurrency: int, max_s: float,
                one: Callable[[T], Awaitable[Any]]) -> tuple[list[Any], float]:
    """``one`` over ``items`` by ``concurrency`` coroutines until done or ``max_s`` passed:
    (results, wall seconds)."""
    results: list[Any] = []
    t0 = time.perf_counter()
    pos = 0

    async def worker() -> None:
        nonlocal pos
        while pos < len(items) and time.perf_counter() - t0 < max_s:
            item = items[pos]
            pos += 1
            results.append(await one(item))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results, time.perf_counter() - t0


def plan_params(q: tuple[str, str, str]) -> dict[str, str]:
    return {"from": q[0], "to": q[1], "time": q[2]}


async def load(args: argparse.Namespace, url: str, rider_keys: list[str],
               plans: list[tuple[str, str, str]], rides: list[dict[str, Any]],
               quotes: list[dict[str, Any]], server: Server) -> dict[str, Any]:
    """Warm-up, sequential plans, loaded plans, quote+book pairs, quotes alone."""
    c = args.concurrency
    # keep-alive connections stay with the worker process that accepted them
    limits = httpx.Limits(max_connections=c,
                          max_keepalive_connections=0 if args.new_connections else c)
    # riders take turns (one key by default: the worst case for the per-rider checks)
    who = {id(b): {"Authorization": f"Bearer {rider_keys[k % len(rider_keys)]}"}
           for k, b in enumerate([*rides, *quotes])}
    out: dict[str, Any] = {}

    async def measured(items: Sequence[T], one: Callable[[T], Awaitable[Any]]
                       ) -> tuple[list[Any], float, list[float], float]:
        """(results, wall s, server cores per process (busiest first), client cores)."""
        cpu0, client0 = server.cpu_s(), time.process_time()
        res, wall = await drive(items, c, args.max_seconds, one)
        cpu1 = server.cpu_s()
        per = sorted(((v - cpu0.get(k, 0.0)) / wall for k, v in cpu1.items()), reverse=True)
        return res, wall, per, (time.process_time() - client0) / wall

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60.0) as client:

        async def plan(q: tuple[str, str, str]) -> tuple[float, int]:
            t = time.perf_counter()
            try:
                status = (await client.get("/api/v1/plan", params=plan_params(q))).status_code
            except httpx.HTTPError:
                status = 0
            return time.perf_counter() - t, status

        async def plan_parsed(q: tuple[str, str, str]) -> tuple[float, int, int]:
            t = time.perf_counter()
            try:
                r = await client.get("/api/v1/plan", params=plan_params(q))
                dt_s = time.perf_counter() - t
                found = len(r.json().get("itineraries", [])) if r.status_code == 200 else 0
                return dt_s, r.status_code, found
            except (httpx.HTTPError, ValueError):
                return time.perf_counter() - t, 0, 0

        async def quote(body: dict[str, Any]) -> tuple[Attempt, httpx.Response | None]:
            t = time.perf_counter()
            try:
                r = await client.post("/api/v1/quotes", json=body, headers=who[id(body)])
            except httpx.HTTPError:
                return Attempt(time.perf_counter() - t, 0), None
            a = Attempt(time.perf_counter() - t, r.status_code)
            if r.status_code != 201:
                with contextlib.suppress(ValueError):
                    a.problem = str(r.json().get("type", "")).rsplit("/", 1)[-1]
            return a, r

        async def quote_only(body: dict[str, Any]) -> Attempt:
            return (await quote(body))[0]

        async def ride(body: dict[str, Any]) -> Attempt:
            t = time.perf_counter()
            a, r = await quote(body)
            if r is None or r.status_code != 201:
                return a
            try:
                b = await client.post("/api/v1/bookings", json={"quoteId": r.json()["id"]},
                                      headers={**who[id(body)],
                                               "Idempotency-Key": str(uuid.uuid4())})
                a.book_status = b.status_code
            except httpx.HTTPError:
                a.book_status = 0
            a.pair_s = time.perf_counter() - t
            return a

        # (1) warm-up: connections, every worker's planner, the on-demand day (not booked)
        await drive(plans[-4 * c:], c, args.max_seconds, plan)
        warm = [await client.post("/api/v1/quotes", json=r, headers=who[id(r)])
                for r in rides[-2:]]
        out["warm_quote_status"] = [r.status_code for r in warm]
        # (2a) plans one at a time: the bare HTTP overhead
        res, wall = await drive(plans[: args.seq_requests], 1, args.max_seconds, plan_parsed)
        out["seq"] = (res, wall)
        # (2b) plans under load
        out["plan"] = await measured(plans[: args.plan_requests], plan)
        # (3) quote + book
        out["book"] = await measured(rides[: args.book_requests], ride)

        # (4) quotes alone, against the day the bookings filled (every quote searches the
        # vehicles' plans as they now are)
        out["quote"] = await measured(quotes, quote_only)
    return out


# -- the queries --------------------------------------------------------------------------------
def make_plans(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, n: int
               ) -> list[tuple[str, str, str]]:
    """Origin/destination pairs around the towns and ~10 stops, leaving 06:00-18:00."""
    picks = rng.choice(len(lat), min(10, len(lat)), replace=False)
    pool = np.array([*TOWNS.values(), *zip(lat[picks], lon[picks], strict=True)], dtype=float)
    out = []
    for _ in range(n):
        a, b = rng.choice(len(pool), 2, replace=False)
        (la, oa), (lb, ob) = pool[a] + rng.normal(0, 0.002, 2), pool[b] + rng.normal(0, 0.002, 2)
        m = int(rng.integers(6 * 60, 18 * 60))
        out.append((f"{la:.5f},{oa:.5f}", f"{lb:.5f},{ob:.5f}",
                    f"{FEED_DATE}T{m // 60:02d}:{m % 60:02d}"))
    return out


def make_rides(rng: np.random.Generator, tz: str, n: int) -> list[dict[str, Any]]:
    """Quote requests between the towns, tomorrow (local time) 06:30-18:30."""
    zone = ZoneInfo(tz)
    tomorrow = dt.datetime.now(zone).date() + dt.timedelta(days=1)
    towns = np.array(list(TOWNS.values()))
    out = []
    for _ in range(n):
        a, b = rng.choice(len(towns), 2, replace=False)
        m = int(rng.integers(6 * 60 + 30, 18 * 60 + 30))
        at = dt.datetime.combine(tomorrow, dt.time(m // 60, m % 60), tzinfo=zone)
        o, d = towns[a] + rng.uniform(-1e-3, 1e-3, 2), towns[b] + rng.uniform(-1e-3, 1e-3, 2)
        out.append({"origin": {"lat": round(o[0], 5), "lon": round(o[1], 5)},
                    "destination": {"lat": round(d[0], 5), "lon": round(d[1], 5)},
                    "time": at.isoformat(timespec="seconds"), "timeType": "departure",
                    "passengers": 1})
    return out


def ms(seconds: Sequence[float]) -> tuple[float | None, float | None]:
    """(median, p95) in ms, rounded; None for no samples."""
    if not seconds:
        return None, None
    m, p = stats_ms(seconds)
    return round(m, 2), round(p, 2)


def fmt(x: float | None, spec: str = "8.1f") -> str:
    return format(x, spec) if x is not None else format("-", ">" + spec[: spec.index(".")])


def row(label: str, n: int, rps: float | None, m: float | None, p: float | None,
        errors: int | str = "") -> None:
    print(f"{label:28} {n:>8} {fmt(rps, '8.1f')} {fmt(m, '10.2f')} {fmt(p, '8.2f')} "
          f"{errors!s:>7}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    ap.add_argument("--plan-requests", type=int, default=600)
    ap.add_argument("--book-requests", type=int, default=200, help="quote(+book) attempts")
    ap.add_argument("--quote-requests", type=int, default=200,
                    help="quotes alone (not booked), after the bookings")
    ap.add_argument("--seq-requests", type=int, default=100,
                    help="plans over HTTP one at a time (the bare HTTP overhead)")
    ap.add_argument("--inproc-queries", type=int, default=600,
                    help="how many of the plan queries the in-process peer answers")
    ap.add_argument("--max-seconds", type=float, default=45.0, help="bound of each phase")
    ap.add_argument("--new-connections", action="store_true",
                    help="a new TCP connection per request (spreads the load over the "
                         "workers); default: C keep-alive connections")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--riders", type=int, default=1,
                    help="rider keys taking turns at quotes and bookings (default one: the "
                         "worst case for the per-rider checks)")
    ap.add_argument("--db-url", help="the store (default: a fresh temporary SQLite file)")
    ap.add_argument("--cache", type=Path, help="compiled-region cache [env MOBILITY_CACHE]")
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument("--log", type=Path, help="keep the server's log in this file")
    args = ap.parse_args()
    # a SIGTERM unwinds like Ctrl-C, so the server is stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    s = Settings(**({"cache": args.cache} if args.cache else {}))  # type: ignore[arg-type]
    t0 = time.perf_counter()
    region = load_region(REGION, data=s.data, cache_dir=s.cache)  # compiles a cold cache once
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(args.seed)
    tt = region.timetable
    # the measured queries, then the warm-up's own (the last 4 * concurrency plans, 2 rides)
    n_plans = max(args.plan_requests, args.seq_requests, args.inproc_queries)
    plans = make_plans(rng, np.asarray(tt.stop_lat), np.asarray(tt.stop_lon),
                       n_plans + 4 * args.concurrency)
    rides = make_rides(rng, region.timezone, args.book_requests + 2)
    quotes = make_rides(rng, region.timezone, args.quote_requests)

    # the peer: the same planner in this process, sequentially, on the same queries
    planner = RegionPlanner(region)
    plan_answer(planner, *plans[-1])
    inproc: list[float] = []
    t0 = time.perf_counter()
    for q in plans[: args.inproc_queries]:
        if time.perf_counter() - t0 > args.max_seconds:
            break
        t = time.perf_counter()
        plan_answer(planner, *q)
        inproc.append(time.perf_counter() - t)
    inproc_wall = time.perf_counter() - t0

    tmp = Path(tempfile.mkdtemp(prefix="mobility-bench-api-"))
    db_url = args.db_url or f"sqlite:///{tmp / 'mobility.db'}"
    store = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    env = {**UNREFUSED, **os.environ, "MOBILITY_DB_URL": db_url,  # the caller's env wins
           "MOBILITY_CACHE": str(s.cache), "MOBILITY_DATA": str(s.data)}
    server = Server(args.port or free_port(), args.workers, env, args.log or tmp / "server.log")
    try:
        keys = [create_key(env, "--role", "rider", "--name", "benchmark rider")["key"]]
        keys += more_riders(db_url, args.riders - 1)
        server.start()
        ready_s = server.wait_ready(120.0)
        got = asyncio.run(load(args, server.url, keys, plans, rides, quotes,
                                  server))
    finally:
        leftover = server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if leftover:
        print(f"warning: server processes still alive after SIGKILL: {leftover}",
              file=sys.stderr)

    # -- figures ------------------------------------------------------------------------------
    where = "fresh temporary SQLite file" if not args.db_url else db_url.split("@")[-1]
    print(f"server: mobility serve {REGION}, workers {args.workers}, store {store} ({where}), "
          f"ready in {ready_s:.1f} s; cache {s.cache} (loaded here in {load_s:.1f} s)")
    conns = "a new connection per request" if args.new_connections else "keep-alive"
    print(f"client: one asyncio thread, httpx.AsyncClient, concurrency {args.concurrency}, "
          f"{conns}; {os.cpu_count()} CPUs; seed {args.seed}; max {args.max_seconds:.0f} s "
          f"per phase")
    seq, seq_wall = got["seq"]
    plan_res, plan_wall, plan_procs, plan_ccpu = got["plan"]
    book_res, book_wall, book_procs, book_ccpu = got["book"]
    plan_scpu, book_scpu = sum(plan_procs), sum(book_procs)

    plan_lat = [d for d, st in plan_res if st in PLAN_OK]
    plan_err = sum(st not in PLAN_OK for _, st in plan_res)
    seq_lat = [d for d, st, _ in seq if st in PLAN_OK]
    seq_err = sum(st not in PLAN_OK for _, st, _ in seq)
    found = sum(n > 0 for _, st, n in seq if st in PLAN_OK)
    pm, pp = ms(plan_lat)
    sm, sp = ms(seq_lat)
    im, ip = ms(inproc)
    plan_rps = len(plan_res) / plan_wall
    print()
    print(f"{'plan (GET /api/v1/plan)':28} {'requests':>8} {'rps':>8} {'median ms':>10} "
          f"{'p95 ms':>8} {'errors':>7}")
    row(f"HTTP, {args.concurrency} concurrent", len(plan_res), plan_rps, pm, pp, plan_err)
    row("HTTP, sequential", len(seq), len(seq) / seq_wall, sm, sp, seq_err)
    row("in-process, sequential", len(inproc), len(inproc) / inproc_wall, im, ip)
    ratio = round(pm / im, 2) if pm and im else None
    seq_ratio = round(sm / im, 2) if sm and im else None
    print(f"HTTP/in-process medians: {fmt(ratio, '.2f')}x under load, "
          f"{fmt(seq_ratio, '.2f')}x sequential; {found}/{len(seq)} sequential plans found "
          f"itineraries")
    print(f"CPU during the loaded plans: server {plan_scpu:.2f} cores (per process: "
          f"{', '.join(f'{x:.2f}' for x in plan_procs)}), client {plan_ccpu:.2f} cores")
    if args.workers > 1 and plan_procs and plan_procs[0] > 0.9 * plan_scpu:
        print("note: one server process did (nearly) all the work: the keep-alive connections "
              "were accepted by the same worker (try --new-connections)")

    quote_lat = [a.quote_s for a in book_res if a.quote_status in QUOTE_OK]
    pair_lat = [a.pair_s for a in book_res if a.pair_s is not None and a.book_status in BOOK_OK]
    booked = sum(a.book_status == 201 for a in book_res)
    refused_q = sum(a.quote_status == 409 for a in book_res)
    refused_b = sum(a.book_status in (409, 410) for a in book_res)
    invalid = sum(a.quote_status == 422 for a in book_res)
    book_err = sum(a.quote_status not in QUOTE_OK
                   or (a.book_status is not None and a.book_status not in BOOK_OK)
                   for a in book_res)
    qm, qp = ms(quote_lat)
    bm, bp = ms(pair_lat)
    book_rps = len(book_res) / book_wall
    print()
    print(f"{'on-demand':28} {'attempts':>8} {'rps':>8} {'median ms':>10} {'p95 ms':>8} "
          f"{'errors':>7}")
    row("quote (every attempt)", len(book_res), book_rps, qm, qp, book_err)
    row("quote+book (when offered)", len(pair_lat), None, bm, bp)
    reasons = Counter(a.problem or str(a.quote_status) for a in book_res if a.quote_status != 201)
    print(f"booked {booked}, refused {refused_q + refused_b} (quote 409: {refused_q}, booking "
          f"409/410: {refused_b}), quote 422: {invalid}; not offered: "
          + (", ".join(f"{k} {v}" for k, v in reasons.most_common()) or "-")
          + f"; CPU: server {book_scpu:.2f} cores, client {book_ccpu:.2f} cores")
    q_res, q_wall, q_procs, q_ccpu = got["quote"]
    q_lat = [a.quote_s for a in q_res if a.quote_status in QUOTE_OK]
    q_err = sum(a.quote_status not in QUOTE_OK for a in q_res)
    q_offered = sum(a.quote_status == 201 for a in q_res)
    q_m, q_p = ms(q_lat)
    quote_rps = len(q_res) / q_wall if q_wall else 0.0
    row("quote alone (booked day)", len(q_res), quote_rps, q_m, q_p, q_err)
    q_reasons = Counter(a.problem or str(a.quote_status) for a in q_res if a.quote_status != 201)
    print(f"quotes alone: offered {q_offered}; not offered: "
          + (", ".join(f"{k} {v}" for k, v in q_reasons.most_common()) or "-")
          + f"; CPU: server {sum(q_procs):.2f} cores, client {q_ccpu:.2f} cores")
    if any(st not in QUOTE_OK for st in got["warm_quote_status"]):
        print(f"warning: warm-up quote statuses {got['warm_quote_status']}", file=sys.stderr)

    emit({
        "plan_rps": round(plan_rps, 1), "plan_p50_ms": pm, "plan_p95_ms": pp,
        "plan_requests": len(plan_res), "plan_errors": plan_err,
        "plan_seq_p50_ms": sm, "plan_seq_p95_ms": sp,
        "book_rps": round(book_rps, 2), "book_p50_ms": bm, "book_p95_ms": bp,
        "pair_quote_p50_ms": qm, "pair_quote_p95_ms": qp, "book_attempts": len(book_res),
        "quote_rps": round(quote_rps, 1), "quote_p50_ms": q_m, "quote_p95_ms": q_p,
        "quote_requests": len(q_res), "quote_offered": q_offered,
        "booked": booked, "refused": refused_q + refused_b, "quote_422": invalid,
        "errors": plan_err + seq_err + book_err + q_err,
        "inproc_plan_p50_ms": im, "inproc_plan_p95_ms": ip,
        "http_overhead_ratio": ratio, "http_seq_overhead_ratio": seq_ratio,
        "server_cpu_cores_plan": round(plan_scpu, 2),
        "server_cpu_cores_plan_busiest": round(plan_procs[0], 2) if plan_procs else None,
        "client_cpu_cores_plan": round(plan_ccpu, 2),
        "workers": args.workers, "concurrency": args.concurrency, "store": store,
        "riders": args.riders,
        "keepalive": not args.new_connections,
        "server_ready_s": round(ready_s, 1),
    })


if __name__ == "__main__":
    main()
