"""The store's size after a simulated month of traffic, with and without housekeeping.

The booking service of addison-vt runs in this process over a fresh SQLite file, its clock
moved along a 30-day timeline of rural demand (each day drawn as ``mobility simulate`` draws
it: ``mobility.sim.demand.demand_for`` on the service area's homes and hubs, one seed a
day): riders quote (some twice,
comparing times), book most of their quotes with an ``Idempotency-Key`` (the product's
fair-use rules apply), cancel some; drivers report pickups, drop-offs and no-shows at the
planned times through the service, and their apps' positions every 30 s of each shift
(written in bulk: the same rows ``driving.event`` writes, without re-planning each one);
every quote, booking and journey plan (four per trip, anonymous) is counted by the rate
limiter as the API counts them. With housekeeping the store is purged every simulated hour
with the default retention, as a server does.

Usage: python benchmarks/store_size.py [--days 30] [--rate 6] [--riders 150] [--seed 7]
       [--positions-every-s 30] [--cache DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import heapq
import itertools
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import event, insert

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
from api import ApiConfig, BookingService, Store  # noqa: E402
from api.auth import Principal, create_key, lookup  # noqa: E402
from api.ratelimit import Limit, RateLimiter  # noqa: E402
from api.service import FixedClock  # noqa: E402
from api.service.errors import ServiceError  # noqa: E402
from api.service.housekeeping import purge  # noqa: E402
from api.service.replanning import in_process  # noqa: E402
from api.store.models import Base, VehicleEvent  # noqa: E402
from dispatch.travel import StreetTravel  # noqa: E402
from mobility.planning import RegionPlanner  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from mobility.sim.demand import demand_for  # noqa: E402
from mobility.sim.scenario import Overrides, load_scenario  # noqa: E402
from routing.timebase import moment_at  # noqa: E402

sys.path.append(str(HERE))
from _common import emit  # noqa: E402, I001

REGION = "addison-vt"
START = dt.date(2026, 11, 24)  # a Tuesday, as the tests' clock
LIMITS = {"quotes": Limit("quotes", 60, 60), "bookings": Limit("bookings", 20, 60),
          "plans": Limit("plans", 120, 60, batched=True)}


class Month:
    """One run of the month over a store in ``folder``."""

    def __init__(self, region: Any, travel: Any, folder: Path, args: argparse.Namespace,
                 purging: bool) -> None:
        self.region, self.args, self.purging = region, args, purging
        self.path = folder / ("purged.db" if purging else "kept.db")
        self.store = Store(f"sqlite:///{self.path}")

        @event.listens_for(self.store.engine, "connect")
        def _fast(dbapi_conn: Any, _: Any) -> None:  # sizes, not durability, are measured
            dbapi_conn.cursor().execute("PRAGMA synchronous=OFF")

        self.store.migrate()
        self.zone = ZoneInfo(region.timezone)
        self.clock = FixedClock(self.moment(START, 0.0) - dt.timedelta(days=1))
        self.config = ApiConfig()
        self.svc = BookingService(region.service_areas, travel, region.timezone, self.store,
                                  config=self.config, clock=self.clock, optimiser=in_process)
        self.svc.sync_fleet()
        self.limiter = RateLimiter(self.store, self.clock.now)
        with self.store.session() as s:
            keys = [create_key(s, "rider", rider_name=f"Rider {k}", rider_phone="+1 802 555 0100")
                    for k in range(args.riders)]
            staff = create_key(s, "dispatcher")
            s.flush()
            found = [lookup(s, k) for k in [*keys, staff]]
        self.riders: list[Principal] = [w for w in found[:-1] if w is not None]
        self.staff = found[-1]
        self.counts: dict[str, int] = dict.fromkeys(
            ("asked", "quotes", "quote_refused", "booked", "book_refused", "cancelled",
             "completed", "no_show", "positions", "purges"), 0)
        self.seq = itertools.count()

    def moment(self, day: dt.date, secs: float) -> dt.datetime:
        return moment_at(day, secs, self.zone)

    # -- the timeline ---------------------------------------------------------------------
    def run(self, demand: list[list[Any]], rng: np.random.Generator) -> float:
        t0 = time.perf_counter()
        heap: list[tuple[dt.datetime, int, str, Any]] = []
        for day_k, trips in enumerate(demand):
            day = START + dt.timedelta(days=day_k)
            for trip in trips:
                asked = self.moment(day, max(trip.booked_at, trip.time - 86400))
                heapq.heappush(heap, (asked, next(self.seq), "ask", (day, trip)))
            for v in (v for a in self.region.service_areas for v in a.vehicles):
                for h in range(int(v.shift[0] // 3600), int(np.ceil(v.shift[1] / 3600))):
                    heapq.heappush(heap, (self.moment(day, (h + 1) * 3600.0), next(self.seq),
                                          "positions", (day, v, h)))
        end = self.moment(START + dt.timedelta(days=len(demand)), 0.0)
        for h in range(int((end - self.clock.now()).total_seconds() // 3600) + 1):
            heapq.heappush(heap, (self.clock.now() + dt.timedelta(hours=h), next(self.seq),
                                  "hour", None))
        while heap:
            at, _, kind, item = heapq.heappop(heap)
            if at > end:
                break
            self.clock.set(max(at, self.clock.now()))
            getattr(self, "_" + kind)(item, heap, rng)
        self.limiter.flush()
        return time.perf_counter() - t0

    def _hour(self, _: Any, heap: Any, rng: Any) -> None:
        self.limiter.flush()
        if self.purging:
            purge(self.store, self.clock.now(), self.config)
            self.counts["purges"] += 1

    def _ask(self, item: tuple[dt.date, Any], heap: Any, rng: np.random.Generator) -> None:
        day, trip = item
        who = self.riders[int(rng.integers(len(self.riders)))]
        self.counts["asked"] += 1
        address = f"a:198.51.{int(rng.integers(256))}.{int(rng.integers(256))}"
        for _ in range(4):  # the journeys planned before asking for the ride
            self.limiter.retry_after(LIMITS["plans"], address)
        offers = []
        for shift in (0, 900) if rng.random() < 0.4 else (0,):  # some compare two times
            when = self.moment(day, trip.time + shift)
            self.limiter.retry_after(LIMITS["quotes"], f"k:{who.key_id}")
            try:
                offers.append(self.svc.quote(who, trip.origin, trip.destination, when,
                                             "departure", trip.passengers, trip.wheelchair))
                self.counts["quotes"] += 1
            except ServiceError:
                self.counts["quote_refused"] += 1
        if not offers or rng.random() < 0.1:  # no ride, or the rider changed their mind
            return
        self.limiter.retry_after(LIMITS["bookings"], f"k:{who.key_id}")
        try:
            b, _ = self.svc.book(who, offers[0].id, str(uuid.uuid4()))
        except ServiceError:
            self.counts["book_refused"] += 1
            return
        self.counts["booked"] += 1
        pickup = b.estimated_pickup or b.pickup_window[0]
        if rng.random() < 0.08:
            cancel_at = self.clock.now() + (pickup - self.clock.now()) * float(rng.random())
            heapq.heappush(heap, (cancel_at, next(self.seq), "cancel", (who, b.id)))
            return
        kind = "no_show" if rng.random() < 0.04 else "picked_up"
        heapq.heappush(heap, (pickup, next(self.seq), "drive", (kind, b.vehicle_id, b.id)))
        if kind == "picked_up":
            drop = b.estimated_dropoff or b.latest_dropoff
            heapq.heappush(heap, (max(drop, pickup + dt.timedelta(seconds=60)),
                                  next(self.seq), "drive", ("dropped_off", b.vehicle_id, b.id)))

    def _cancel(self, item: tuple[Principal, str], heap: Any, rng: Any) -> None:
        try:
            self.svc.cancel(*item)
            self.counts["cancelled"] += 1
        except ServiceError:
            pass

    def _drive(self, item: tuple[str, str, str], heap: Any, rng: Any) -> None:
        kind, vehicle, booking = item
        try:
            assert self.staff is not None
            self.svc.event(self.staff, vehicle, kind, booking, None, None)
        except ServiceError:
            return  # cancelled meanwhile
        if kind in ("dropped_off", "no_show"):
            self.counts["completed" if kind == "dropped_off" else "no_show"] += 1

    def _positions(self, item: tuple[dt.date, Any, int], heap: Any, rng: Any) -> None:
        day, v, h = item
        every = self.args.positions_every_s
        lo, hi = max(v.shift[0], h * 3600.0), min(v.shift[1], (h + 1) * 3600.0)
        lat, lon = v.start
        rows = []
        for k, s in enumerate(np.arange(lo, hi, every)):
            at = self.moment(day, float(s))
            rows.append({"vehicle_id": v.id, "service_date": day, "type": "position",
                         "booking_id": None, "lat": lat + 0.01 * np.sin(k / 40),
                         "lon": lon + 0.01 * np.cos(k / 40), "time_s": float(s),
                         "at": at.astimezone(dt.UTC), "received_at": at.astimezone(dt.UTC),
                         "key_id": "driverapp"})
        if rows:
            with self.store.session() as s:
                s.execute(insert(VehicleEvent), rows)
            self.counts["positions"] += len(rows)

    # -- figures ----------------------------------------------------------------------------
    def measure(self) -> dict[str, Any]:
        self.store.engine.dispose()
        with contextlib.closing(sqlite3.connect(self.path)) as conn:  # outside any BEGIN
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            rows = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
                    for t in Base.metadata.tables}
            rows["(idempotency keys)"] = int(conn.execute(
                "SELECT count(*) FROM bookings WHERE idempotency_key IS NOT NULL").fetchone()[0])
            page = conn.execute("PRAGMA page_size").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        return {"file_mb": round(self.path.stat().st_size / 2**20, 2),
                "free_mb": round(free * page / 2**20, 2), "rows": rows,
                "traffic": dict(self.counts)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--rate", type=float, default=6.0, help="requests per hour (mean)")
    ap.add_argument("--riders", type=int, default=150)
    ap.add_argument("--positions-every-s", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, help="compiled-region cache [env MOBILITY_CACHE]")
    args = ap.parse_args()
    s = Settings(**({"cache": args.cache} if args.cache else {}))  # type: ignore[arg-type]
    region = load_region(REGION, data=s.data, cache_dir=s.cache)
    sc = load_scenario(region, None, Overrides(rate_per_hour=args.rate))
    demand = [demand_for(region, dataclasses.replace(sc, seed=args.seed + k))[0]
              for k in range(args.days)]
    travel = StreetTravel(RegionPlanner(region).street("car"))
    folder = Path(tempfile.mkdtemp(prefix="mobility-store-size-"))
    out: dict[str, Any] = {}
    try:
        for purging in (False, True):
            month = Month(region, travel, folder, args, purging)
            secs = month.run(demand, np.random.default_rng(args.seed + 1))
            out["purged" if purging else "kept"] = {**month.measure(),
                                                   "seconds": round(secs, 1)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    kept, purged = out["kept"], out["purged"]
    t = kept["traffic"]
    print(f"{args.days} days of {REGION} ({len(region.service_areas[0].vehicles)} vehicles, "
          f"{args.riders} riders, ~{args.rate:g} requests/h, positions every "
          f"{args.positions_every_s:g} s): asked {t['asked']}, quotes {t['quotes']} (refused "
          f"{t['quote_refused']}), booked {t['booked']} (refused {t['book_refused']}), "
          f"cancelled {t['cancelled']}, completed {t['completed']}, no-shows {t['no_show']}, "
          f"positions {t['positions']}; purges {purged['traffic']['purges']}")
    print(f"{'table':18} {'rows kept':>10} {'rows purged':>12}")
    for table in kept["rows"]:
        print(f"{table:18} {kept['rows'][table]:>10,} {purged['rows'][table]:>12,}")
    for label, r in (("without housekeeping", kept), ("with housekeeping", purged)):
        print(f"SQLite file {label}: {r['file_mb']} MB ({r['free_mb']} MB free pages); "
              f"simulated in {r['seconds']} s")
    emit({"days": args.days, "kept_mb": kept["file_mb"], "purged_mb": purged["file_mb"],
          "kept_rows": kept["rows"], "purged_rows": purged["rows"], "traffic": t})


if __name__ == "__main__":
    main()
