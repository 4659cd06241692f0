"""ridepy's C++ brute-force insertion on a day of requests over a given travel-time matrix.

Runs in ridepy's own venv (``bash benchmarks/peers/ridepy_setup.sh``); uses the standard
library and ridepy only. ``benchmarks/insertion_peer.py`` writes the input and reads the
output; see ``benchmarks/peers/README.md``.

Input JSON::

    {"durations": [[s, ...], ...],   # symmetric, a metric (ridepy's graph is undirected)
     "vehicles": [{"id": "v1", "start": int, "seats": int}, ...],
     "requests": [{"id": "r1", "created": s, "origin": int, "destination": int,
                   "pickup_min": s, "pickup_max": s, "delivery_max": s}, ...]}

Output JSON::

    {"events": [{"request": id, "vehicle": id, "kind": "pickup"|"dropoff", "time": s}, ...],
     "accepted": [id, ...], "rejected": [id, ...],
     "request_s": [s, ...],   # dispatch time per request, in request order
     "ridepy": version}
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description="ridepy brute-force insertion peer")
    ap.add_argument("--input", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    doc = json.loads(args.input.read_text(encoding="utf-8"))

    from ridepy.data_structures_cython import LocType, TransportationRequest
    from ridepy.fleet_state import SlowSimpleFleetState
    from ridepy.util.dispatchers_cython import BruteForceTotalTravelTimeMinimizingDispatcher
    from ridepy.util.spaces_cython import Graph
    from ridepy.vehicle_state_cython import VehicleState

    dur = doc["durations"]
    n = len(dur)
    # a complete undirected graph whose edge weights are the (metric) matrix: its shortest
    # paths are the matrix itself
    edges = [(i, j) for i in range(n) for j in range(i + 1, n)]
    weights = [float(dur[i][j]) for i, j in edges]
    space = Graph(vertices=list(range(n)), edges=edges, weights=weights, velocity=1)
    vehicles = doc["vehicles"]
    vnum = {v["id"]: k for k, v in enumerate(vehicles)}
    fleet = SlowSimpleFleetState(
        initial_locations={vnum[v["id"]]: int(v["start"]) for v in vehicles},
        seat_capacities={vnum[v["id"]]: int(v["seats"]) for v in vehicles},
        space=space,
        dispatcher=BruteForceTotalTravelTimeMinimizingDispatcher(LocType.INT),
        vehicle_state_class=VehicleState)
    reqs = sorted(doc["requests"], key=lambda r: r["created"])
    rid = {k: r["id"] for k, r in enumerate(reqs)}
    stream = [TransportationRequest(
        request_id=k, creation_timestamp=float(r["created"]), origin=int(r["origin"]),
        destination=int(r["destination"]), pickup_timewindow_min=float(r["pickup_min"]),
        pickup_timewindow_max=float(r["pickup_max"]), delivery_timewindow_min=0.0,
        delivery_timewindow_max=float(r["delivery_max"])) for k, r in enumerate(reqs)]
    events, accepted, rejected, request_s = [], [], [], []
    vname = {k: v for v, k in vnum.items()}
    t0 = None
    for ev in fleet.simulate(iter(stream)):
        kind = ev["event_type"]
        if kind == "RequestSubmissionEvent":
            t0 = time.perf_counter()
        elif kind in ("RequestAcceptanceEvent", "RequestRejectionEvent"):
            assert t0 is not None
            request_s.append(time.perf_counter() - t0)
            (accepted if kind == "RequestAcceptanceEvent" else rejected).append(
                rid[ev["request_id"]])
        elif kind in ("PickupEvent", "DeliveryEvent"):
            events.append({"request": rid[ev["request_id"]],
                           "vehicle": vname[ev["vehicle_id"]],
                           "kind": "pickup" if kind == "PickupEvent" else "dropoff",
                           "time": float(ev["timestamp"])})
    args.out.write_text(json.dumps({
        "events": events, "accepted": accepted, "rejected": rejected,
        "request_s": request_s, "ridepy": importlib.metadata.version("ridepy")}),
        encoding="utf-8")


if __name__ == "__main__":
    main()
