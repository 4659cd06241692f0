"""A service day as a digital twin: the real server (``mobility serve addison-vt``, its three
vehicles as configured) started here on loopback over a fresh store, its clock on the
morning of the region's default date running ``--speed`` times faster; simulated riders ask
for ``--rate`` rides an hour over ``--hours`` (some planning a journey onwards by bus, some
cancelling) plus ``--standing`` standing orders made by the dispatcher; simulated drivers
follow their manifests, some legs late, their devices losing the connection on ``--drop``
of their requests. At the end the twin checks every promise kept or the rider told in time,
every notification sent once (its own SMTP server and SMS gateway count what arrives), every
driver's event applied once, and how soon a position report reaches the rider's estimate.

The whole day runs in about (hours + drain) / speed of wall time plus the server's start:
12 hours at 120x are 6 minutes.

Usage: python benchmarks/twin.py [--speed 120] [--hours 07:00-19:00] [--rate 10]
       [--standing 5] [--seed 1] [--drop 0.1] [--store sqlite|postgresql|URL]
       [--processes 2] [--region addison-vt]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
from mobility.twin.cli import parse_hours  # noqa: E402
from mobility.twin.local import local_server  # noqa: E402
from mobility.twin.options import TwinOptions  # noqa: E402
from mobility.twin.report import json_line, table  # noqa: E402
from mobility.twin.run import run_twin  # noqa: E402
from mobility.twin.sinks import Sinks  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--speed", type=float, default=120.0, help="the server clock's speed")
    ap.add_argument("--hours", default="07:00-19:00", help="the hours riders ask for")
    ap.add_argument("--rate", type=float, default=None, help="requests per hour (default: "
                    "the region's [demand] profile, standing orders included; else 10)")
    ap.add_argument("--standing", type=int, default=5, help="standing orders (with --rate)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drop", type=float, default=0.1,
                    help="the share of drivers' requests losing the connection")
    ap.add_argument("--store", default="sqlite", help="sqlite, postgresql (a private schema "
                    "in 127.0.0.1:5432/test) or a postgresql:// URL")
    ap.add_argument("--region", default="addison-vt")
    ap.add_argument("--processes", type=int, default=1, help="API processes over the "
                    "store, each on its own port (several need --store postgresql)")
    ap.add_argument("--drain", type=float, default=3.0, help="hours after the last one in "
                    "which the drivers finish their manifests (at most)")
    ap.add_argument("--lead", type=float, default=60.0, help="server minutes before the "
                    "first hour at which the server's clock starts, once every process "
                    "answers (the standing orders and advance bookings are made in them)")
    ap.add_argument("--keep", action="store_true", help="keep the store and the server's "
                    "log after the day (their places are printed) to look into a ride")
    a = ap.parse_args()
    hours = parse_hours(a.hours)
    err = Console(stderr=True)
    sinks = Sinks().start()
    t0 = time.monotonic()
    try:
        with local_server(a.region, speed=a.speed, first_hour_s=hours[0], store=a.store,
                          sinks=sinks, processes=a.processes, lead_s=a.lead * 60,
                          keep=a.keep) as srv:
            started = time.monotonic() - t0
            if a.keep:
                err.print(f"kept after the day: store {srv.db_url}, log {srv.log}",
                          highlight=False)
            err.print(f"server up in {started:.0f} s ({srv.store}, clock from "
                      f"{srv.clock_start:%Y-%m-%d %H:%M} at {a.speed:g}x)", highlight=False)
            profile = srv.demand if a.rate is None else None
            if profile is not None:
                err.print(f"demand: the region's profile ({profile.total:g} requests a day, "
                          f"{profile.standing_share:.0%} standing orders)", highlight=False)
            r = run_twin(TwinOptions(srv.url, srv.staff_key, srv.driver_keys, hours=hours,
                                     rate=a.rate or 10.0, standing=a.standing, seed=a.seed,
                                     profile=profile, drain_s=a.drain * 3600,
                                     drop=a.drop, speed=a.speed, sinks=sinks,
                                     store=srv.store, urls=srv.urls, pids=srv.pids))
    finally:
        sinks.stop()
    f = {**r.figures, "server_start_s": round(started, 1),
         "total_wall_s": round(time.monotonic() - t0, 1)}
    Console().print(table(f))
    for b in r.broken:
        err.print(f"broken promise: booking {b.booking_id}, "
                  + (f"{b.late_s:.0f} s after its window" if b.late_s is not None
                     else "never picked up") + ("" if b.told else ", rider not told"),
                  highlight=False)
    sys.stdout.write(json_line(f) + "\n")
    return 0 if r.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
