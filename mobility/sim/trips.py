"""A simulated day's trips as CSV: one row per request, with everything needed to check
each promise from the file alone — places, times as ISO 8601 moments in the region's zone,
the promised window and latest drop-off, what happened, and the vehicle that served it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from dispatch.simulation import SimResult
from routing.timebase import moment_at

#: the columns of ``trips.csv``, in order; times are ISO 8601 with the zone's offset, to
#: the second; ``vehicle`` is the vehicle whose visits hold the trip (after any re-plan),
#: ``booked_vehicle`` the one chosen when it was booked; ``in_vehicle_s`` runs from the end
#: of boarding to the drop-off (what the ride-time rule limits)
COLUMNS = ("request", "status", "reason", "passengers", "wheelchair", "origin_lat",
           "origin_lon", "destination_lat", "destination_lon", "requested", "booked_at",
           "window_start", "window_end", "latest_dropoff", "pickup", "dropoff", "vehicle",
           "booked_vehicle", "direct_s", "in_vehicle_s")


def trip_rows(res: SimResult, timezone: str, date: dt.date) -> list[dict[str, str]]:
    """Every request of the day as a row of :data:`COLUMNS` (strings; empty when it does
    not apply), in booking order; ``date`` is the simulated service day."""
    tz = ZoneInfo(timezone)

    def iso(seconds: float) -> str:
        # a booking made the day before is a moment of that day, never a negative clock
        return moment_at(date, seconds, tz).isoformat(timespec="seconds")

    rows = []
    for o in res.outcomes.values():
        t = o.trip
        req = res.requests.get(t.id)
        row = dict.fromkeys(COLUMNS, "")
        row.update(request=t.id, status=o.status, reason=o.reason,
                   passengers=str(t.passengers), wheelchair=str(int(t.wheelchair)),
                   origin_lat=f"{t.origin[0]:.6f}", origin_lon=f"{t.origin[1]:.6f}",
                   destination_lat=f"{t.destination[0]:.6f}",
                   destination_lon=f"{t.destination[1]:.6f}",
                   requested=iso(t.time), booked_at=iso(t.booked_at))
        if req is not None:  # booked: the promise
            row.update(window_start=iso(req.pickup_window[0]),
                       window_end=iso(req.pickup_window[1]),
                       latest_dropoff=iso(req.latest_dropoff),
                       vehicle=o.vehicle, booked_vehicle=o.booked_vehicle,
                       direct_s=f"{o.direct_s:.0f}")
        if o.status in ("served", "no_show"):
            row["pickup"] = iso(o.pickup)
        if o.status == "served" and req is not None:
            row["dropoff"] = iso(o.dropoff)
            row["in_vehicle_s"] = f"{o.dropoff - o.pickup - req.pickup_service:.0f}"
        rows.append(row)
    return rows


def write_trips(path: Path, res: SimResult, timezone: str, date: dt.date) -> Path:
    """Write ``trips.csv`` (see :data:`COLUMNS`) to ``path``; returns it."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(trip_rows(res, timezone, date))
    return path
