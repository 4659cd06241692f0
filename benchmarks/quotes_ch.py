"""Instant insertion with 40 vehicles in ONE dispatcher booking rhein-neckar's district day
(the four areas' ``district_scenarios``, seed 1, in order of booking, nothing driven): ms per
booking (request, quote, commit), street times on the contraction hierarchy (default) or on
Dijkstra searches (``--dijkstra``).

Usage: python benchmarks/quotes_ch.py [--dijkstra] [--limit N] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dispatch.demand import Trip  # noqa: E402
from dispatch.insertion import Dispatcher, NoOffer  # noqa: E402
from dispatch.travel import CachedTravel, StreetTravel  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from mobility.sim import demand_for, district_scenarios  # noqa: E402
from routing.errors import MobilityError  # noqa: E402
from routing.street_router import StreetRouter  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dijkstra", action="store_true", help="no hierarchy (the old way)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N bookings")
    ap.add_argument("--out", type=Path, default=None, help="ms per booking and offers (JSON)")
    a = ap.parse_args()
    s = Settings()
    region = load_region("rhein-neckar", data=s.data, cache_dir=s.cache)
    trips = []
    for sc in district_scenarios(region, 1):
        tr, _ = demand_for(region, sc)
        trips += [Trip(f"{sc.area.name}-{t.id}", t.time, t.origin, t.destination, t.booked_at,
                       t.passengers, t.wheelchair) for t in tr]
    router = StreetRouter(region.streets["car"]) if a.dijkstra else region.router("car")
    _ = router.contraction  # loaded before the clock starts
    street = StreetTravel(router)
    d = Dispatcher([v for ar in region.service_areas for v in ar.vehicles],
                   CachedTravel(street))
    order = sorted(trips, key=lambda t: (t.booked_at, t.time, t.id))[: a.limit or None]
    out, offers = [], []
    cpu0 = time.process_time()
    for t in order:
        t0 = time.perf_counter()
        try:
            req = d.make_request(t.id, t.origin, t.destination, earliest_pickup=t.time,
                                 passengers=t.passengers, wheelchairs=int(t.wheelchair))
        except MobilityError:
            continue
        offer = d.quote(req)
        if not isinstance(offer, NoOffer):
            d.commit(offer)
            offers.append((t.id, offer.vehicle, offer.pickup_time, offer.dropoff_time))
        out.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    x = np.asarray(out) * 1000
    q = street.point_queries
    if q is not None:
        print(f"spaces cached: {q.cached_points} points, {q.cached_entries} nodes")
    print(f"{'dijkstra' if a.dijkstra else 'hierarchy'}: {len(out)} bookings, "
          f"{len(offers)} committed, median {np.median(x):.2f} ms, "
          f"p95 {np.percentile(x, 95):.2f} ms, CPU {cpu:.1f} s")
    if a.out is not None:
        a.out.write_text(json.dumps({"ms": x.tolist(), "offers": offers}), encoding="utf-8")


if __name__ == "__main__":
    main()
