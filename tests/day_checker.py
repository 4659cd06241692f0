"""Independent check of a simulated day from its plain records: the rows of ``trips.csv``
(ISO times, places, promises) and each vehicle's visits in time order. Written from the
service rules only; it imports nothing from ``dispatch`` or ``mobility``, so a bug shared
by the simulator and the file writer cannot hide a broken promise.

Rules checked (each problem message starts with its rule's name):

- ``vehicle``: a served or no-show row names the one vehicle whose visits hold its trip
- ``visits``: a served trip has exactly one pickup and then one drop-off, on one vehicle, at
  the row's places and times (to the second)
- ``window``: the pickup (or the no-show visit) lies in the promised window
- ``latest``: the drop-off comes no later than the promised latest drop-off
- ``ride``: the ride (end of boarding to drop-off) is at most alpha x direct + beta
- ``capacity``: seats and wheelchair places are never exceeded
- ``schedule``: each visit starts no earlier than the one before plus its service and the
  drive between them
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

#: seconds of slack for times written to the second
TOL = 1.0


@dataclass(frozen=True)
class VisitRecord:
    """A vehicle at a place: ``kind`` pickup, dropoff or no_show; ``time`` in epoch
    seconds (service start)."""

    time: float
    kind: str
    trip: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Rules:
    alpha: float
    beta: float
    boarding_s: float
    alighting_s: float
    seats: int
    wheelchair_places: int


def epoch(text: str) -> float:
    """An ISO 8601 moment with offset as epoch seconds (a naive one is refused)."""
    t = dt.datetime.fromisoformat(text)
    if t.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return t.timestamp()


def check_day(rows: Sequence[Mapping[str, str]], visits: Mapping[str, Sequence[VisitRecord]],
              rules: Rules, drive: Callable[[tuple[float, float], tuple[float, float]], float]
              ) -> list[str]:
    """Every broken rule of the day (empty: all promises kept). ``drive(a, b)`` is the
    driving time in seconds between two (lat, lon) points."""
    problems: list[str] = []
    by_id = {r["request"]: r for r in rows}
    holder: dict[str, list[str]] = {}
    for vid, vs in visits.items():
        for v in vs:
            if v.trip not in by_id:
                problems.append(f"visits: {vid} visits unknown trip {v.trip}")
            elif vid not in holder.setdefault(v.trip, []):
                holder[v.trip].append(vid)
    for rid, row in by_id.items():
        status = row["status"]
        if status not in ("served", "no_show"):
            if rid in holder:
                problems.append(f"visits: {rid} is {status} but visited by {holder[rid]}")
            continue
        vids = holder.get(rid, [])
        if len(vids) != 1:
            problems.append(f"vehicle: {rid} is visited by {vids or 'no vehicle'}")
            continue
        vid = vids[0]
        if row["vehicle"] != vid:
            problems.append(f"vehicle: {rid} names {row['vehicle']!r}, visited by {vid}")
        mine = [v for v in visits[vid] if v.trip == rid]
        origin = (float(row["origin_lat"]), float(row["origin_lon"]))
        dest = (float(row["destination_lat"]), float(row["destination_lon"]))
        lo, hi = epoch(row["window_start"]), epoch(row["window_end"])
        want = ["no_show"] if status == "no_show" else ["pickup", "dropoff"]
        if [v.kind for v in mine] != want:
            problems.append(f"visits: {rid} has visits {[v.kind for v in mine]}, not {want}")
            continue
        p = mine[0]
        if abs(p.lat - origin[0]) > 1e-5 or abs(p.lon - origin[1]) > 1e-5:
            problems.append(f"visits: {rid} picked up at {p.lat},{p.lon}, not its origin")
        if abs(p.time - epoch(row["pickup"])) > TOL:
            problems.append(f"visits: {rid} pickup in the file differs from the visit")
        if not lo - TOL <= p.time <= hi + TOL:
            problems.append(f"window: {rid} picked up at {p.time}, window [{lo}, {hi}]")
        if status == "no_show":
            continue
        d = mine[1]
        if abs(d.lat - dest[0]) > 1e-5 or abs(d.lon - dest[1]) > 1e-5:
            problems.append(f"visits: {rid} dropped off at {d.lat},{d.lon}, not its "
                            "destination")
        if abs(d.time - epoch(row["dropoff"])) > TOL:
            problems.append(f"visits: {rid} drop-off in the file differs from the visit")
        if d.time > epoch(row["latest_dropoff"]) + TOL:
            problems.append(f"latest: {rid} dropped off after its latest drop-off")
        ride = d.time - p.time - rules.boarding_s
        limit = rules.alpha * drive(origin, dest) + rules.beta
        if ride > limit + TOL:
            problems.append(f"ride: {rid} rode {ride:.0f} s, limit {limit:.0f} s")
        if abs(ride - float(row["in_vehicle_s"])) > TOL:
            problems.append(f"ride: {rid} in_vehicle_s {row['in_vehicle_s']} != {ride:.0f}")
    for vid, vs in visits.items():
        seats = chairs = 0
        prev: VisitRecord | None = None
        for v in vs:
            row = by_id.get(v.trip)
            if row is None:
                continue
            n, w = int(row["passengers"]), int(row["wheelchair"])
            if v.kind == "pickup":
                seats, chairs = seats + n, chairs + w
            elif v.kind == "dropoff":
                seats, chairs = seats - n, chairs - w
            if seats > rules.seats or chairs > rules.wheelchair_places:
                problems.append(f"capacity: {vid} carries {seats} riders, {chairs} "
                                f"wheelchairs after {v.kind} of {v.trip}")
            if prev is not None:
                service = rules.alighting_s if prev.kind == "dropoff" else rules.boarding_s
                if prev.kind == "no_show":
                    service = rules.boarding_s
                need = prev.time + service + drive((prev.lat, prev.lon), (v.lat, v.lon))
                if v.time < need - TOL:
                    problems.append(f"schedule: {vid} reaches {v.trip} at {v.time:.0f}, "
                                    f"{need - v.time:.0f} s too early after {prev.trip}")
            prev = v
    return problems
