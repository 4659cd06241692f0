"""Stop-to-stop transfers: walking paths between nearby stops plus ``transfers.txt`` rules.

Stored as CSR over stops: stop ``s`` leads to ``to[indptr[s]:indptr[s+1]]`` after ``duration``
seconds. A same-stop transfer is free unless ``transfers.txt`` sets a minimum time for that
stop (``min_same_stop``) or forbids it (``NO_TRANSFER``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from routing._arrays import from_arrays, to_arrays
from routing._snap import Snap
from routing.errors import OutOfRegionError
from routing.geo import M_PER_DEG_LAT, metres_per_degree_lon
from routing.street_router import StreetRouter
from routing.timetable import Timetable

WALK_SPEED_MPS = 1.33
MAX_TRANSFER_S = 600
NO_TRANSFER = 1_000_000  #: "transfer not possible" as a same-stop minimum time


@dataclass(frozen=True, eq=False)
class Transfers:
    """Footpaths between stops (CSR) and same-stop minimum transfer times."""

    indptr: np.ndarray  #: (S+1,) int64
    to: np.ndarray  #: (X,) int32 stop index
    duration: np.ndarray  #: (X,) int32 seconds
    min_same_stop: np.ndarray  #: (S,) int32 seconds

    @property
    def n(self) -> int:
        return len(self.to)

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(from, to, duration) arrays."""
        frm = np.repeat(np.arange(len(self.indptr) - 1, dtype=np.int32), np.diff(self.indptr))
        return frm, self.to, self.duration

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return to_arrays(self, prefix)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Transfers:
        return from_arrays(cls, arrays, prefix)


StopAnchor = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Snap]


def stop_anchor_costs(walk: StreetRouter, lat: np.ndarray, lon: np.ndarray
                      ) -> list[StopAnchor | None]:
    """Per stop: (leave nodes, leave metres, arrive nodes, arrive metres, snap) on the walk
    network, or None where the stop lies too far from any walkable street."""
    out: list[StopAnchor | None] = []
    for a, b in zip(lat.tolist(), lon.tolist(), strict=True):
        try:
            leave = walk.anchor((a, b), leaving=True)
            arrive = walk.anchor((a, b), leaving=False)
        except OutOfRegionError:
            out.append(None)
            continue
        # the approach from the stop itself to the street counts as walking too
        off = leave.snap.distance_m
        out.append((leave.nodes, leave.dists + off, arrive.nodes, arrive.dists + off,
                    leave.snap))
    return out


def walking_transfers(tt: Timetable, walk: StreetRouter, *, speed_mps: float = WALK_SPEED_MPS,
                      max_s: float = MAX_TRANSFER_S) -> Transfers:
    """Footpaths between all stops within ``max_s`` seconds of walking on the network
    (shortest walking distance / ``speed_mps``), merged with ``transfers.txt``."""
    n = tt.n_stops
    anchors = stop_anchor_costs(walk, tt.stop_lat, tt.stop_lon)
    max_m = max_s * speed_mps
    # the walk network's own speed (its travel times), to bound the search in its seconds
    net_speed = float(np.median(walk.net.length / walk.net.travel_time)) if walk.net.n_edges \
        else WALK_SPEED_MPS
    kx = metres_per_degree_lon(float(np.mean(tt.stop_lat)) if n else 0.0)
    xy = np.column_stack([tt.stop_lon * kx, tt.stop_lat * M_PER_DEG_LAT])
    tree = cKDTree(xy) if n else None
    found: dict[tuple[int, int], int] = {}
    for s in range(n):
        a = anchors[s]
        if a is None or tree is None:
            continue
        near = [t for t in tree.query_ball_point(xy[s], max_m) if t != s and anchors[t]]
        if not near:
            continue
        # one bounded search in metres (constant speed: fastest = shortest)
        cost, metres = walk.one_to_many_labels(a[0], a[1] / net_speed, a[1],
                                               max_duration=max_m / net_speed * 1.001)
        for t in near:
            at = anchors[t]
            assert at is not None
            secs = (metres[at[2]] + at[3]) / speed_mps
            best = float(np.min(secs))
            direct = walk.same_edge(a[4], at[4])  # both stops on one street segment
            if direct is not None:
                off = a[4].distance_m + at[4].distance_m
                best = min(best, (direct[1].distance_m + off) / speed_mps)
            if best <= max_s:
                found[(s, t)] = int(np.ceil(best))
        del cost
    # transfers.txt: type 3 forbids, type 2 sets a minimum time, type 0/1 adds no time
    min_same = np.zeros(n, np.int32)
    for f, t, kind, mt in zip(tt.transfer_from.tolist(), tt.transfer_to.tolist(),
                              tt.transfer_type.tolist(), tt.transfer_min_time.tolist(),
                              strict=True):
        if f < 0 or t < 0:
            continue
        if f == t:
            min_same[f] = NO_TRANSFER if kind == 3 else (max(mt, 0) if kind == 2 else 0)
        elif kind == 3:
            found.pop((f, t), None)
        else:
            walk_s = found.get((f, t))
            given = max(mt, 0) if kind == 2 else 0
            found[(f, t)] = max(walk_s, given) if walk_s is not None else given
    keys = sorted(found)
    frm = np.array([k[0] for k in keys], np.int64)
    to = np.array([k[1] for k in keys], np.int32)
    dur = np.array([found[k] for k in keys], np.int32)
    indptr = np.r_[0, np.cumsum(np.bincount(frm, minlength=n))].astype(np.int64)
    return Transfers(indptr, to, dur, min_same)
