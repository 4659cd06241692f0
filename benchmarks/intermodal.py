"""Intermodal plan figures: journeys from villages of addison-vt's on-demand area that have no
stop within walking distance (on-demand ride to a hub, then scheduled buses), timed end to
end (planner + ride quotes against the dispatcher's plans), with every offered ride re-quoted
afterwards to show it was bookable. Side by side: the same queries without on-demand rides.

Usage: python benchmarks/intermodal.py [--queries N] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

# this folder's api.py (the HTTP benchmark) would shadow the api package: import the
# project first, then the shared helpers of this folder
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
from api import BookingService, Store  # noqa: E402
from api.routes.plan import plan_answer  # noqa: E402
from api.service import FixedClock  # noqa: E402
from dispatch.travel import StreetTravel  # noqa: E402
from mobility.planning import RegionPlanner  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.server import ride_legs  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from mobility.sim import homes_of  # noqa: E402
from routing.timebase import NO_BOUND_S  # noqa: E402

sys.path.append(str(HERE))
from _common import emit, stats_ms  # noqa: E402, I001

DESTINATIONS = ["44.1670,-73.2540", "44.0153,-73.1673", "44.1336,-73.0790",
                "44.0190,-73.1700", "44.1660,-73.2500"]
DATE = dt.date(2016, 3, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    s = Settings()
    region = load_region("addison-vt", data=s.data, cache_dir=s.cache)
    (area,) = region.service_areas
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/m.db")
        store.migrate()
        with_rides = RegionPlanner(region)
        # the service's clock at the feed's date (rides are offered for times to come only)
        clock = FixedClock(dt.datetime.combine(DATE, dt.time(6), ZoneInfo(region.timezone)))
        od = BookingService([area], StreetTravel(with_rides.street("car")), region.timezone,
                            store, clock=clock)
        od.sync_fleet()
        with_rides.on_demand = ride_legs(with_rides, od)
        walk_only = RegionPlanner(region)
        # origins: residential streets of the area with no stop within 15 minutes' walk
        rng = np.random.default_rng(args.seed)
        homes, w, _ = homes_of(region, area, None)
        walk = with_rides.journeys.walk
        queries: list[tuple[str, str, str]] = []
        for k in rng.choice(len(homes), size=len(homes), replace=False, p=w / w.sum()):
            lat, lon = float(homes[k, 0]), float(homes[k, 1])
            if walk.access((lat, lon), 900):
                continue
            minute = int(rng.integers(6 * 60 + 30, 16 * 60))
            queries.append((f"{lat:.6f},{lon:.6f}", str(rng.choice(DESTINATIONS)),
                            f"{DATE}T{minute // 60:02d}:{minute % 60:02d}"))
            if len(queries) >= args.queries:
                break
        plan_answer(with_rides, *queries[0])  # compile and build indexes first
        plan_answer(walk_only, *queries[0])
        t_with, t_walk, offered, answered = [], [], [], 0
        for q in queries:
            t0 = time.perf_counter()
            out = plan_answer(with_rides, *q)
            t_with.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            plan_answer(walk_only, *q)
            t_walk.append(time.perf_counter() - t0)
            answered += bool(out["itineraries"])
            offered += [(q, leg) for it in out["itineraries"] for leg in it["legs"]
                        if leg["mode"] == "ON_DEMAND"]
        # every offered ride, quoted again against the (unchanged) plans: still bookable?
        base = (dt.datetime.combine(DATE, dt.time(12), od.tz)
                - dt.timedelta(hours=12)).timestamp()
        bookable = 0
        with od.view(area.name, DATE) as d:
            for _, leg in offered:
                info = leg["bookingInfo"]
                a = (leg["from"]["lat"], leg["from"]["lon"])
                b = (leg["to"]["lat"], leg["to"]["lon"])
                pw = tuple(info["pickupWindow"][k] / 1000 - base for k in ("start", "end"))
                end = info["dropOffWindow"]["end"]
                dw = (0.0, end / 1000 - base if end is not None else NO_BOUND_S)
                direct = float(od.travel.one_to_many(a, [b])[0])
                r = od.params.request(f"re{bookable}", a, b, direct, pw, dw)
                bookable += not hasattr(d.quote(r), "reason")
    m, p = stats_ms(t_with)
    wm, wp = stats_ms(t_walk)
    print(f"{len(queries)} queries from villages without a walkable stop, {DATE}, "
          f"{answered} answered, {len(offered)} on-demand legs offered, {bookable} "
          "re-quoted bookable")
    print(f"{'planner':28} {'median ms':>10} {'p95 ms':>8}")
    print(f"{'with on-demand rides':28} {m:10.1f} {p:8.1f}")
    print(f"{'walking only (peer)':28} {wm:10.1f} {wp:8.1f}")
    print(f"on-demand rides cost {m / wm:.1f}x the walk-only plan (quotes against live plans)")
    emit({"queries": len(queries), "answered": answered, "offered_rides": len(offered),
          "rides_bookable": bookable, "intermodal_median_ms": round(m, 2),
          "intermodal_p95_ms": round(p, 2), "walk_only_median_ms": round(wm, 2),
          "walk_only_p95_ms": round(wp, 2), "ratio": round(m / wm, 2)})


if __name__ == "__main__":
    main()
