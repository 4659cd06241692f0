"""Travel times between points, behind a small protocol: Euclidean for benchmark instances,
real streets (``routing`` matrices) for regions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from dispatch.model import Point
from routing.street_router import StreetRouter


class TravelTimes(Protocol):
    """Durations and distances between every origin and destination."""

    def matrix(self, origins: Sequence[Point], destinations: Sequence[Point]
               ) -> tuple[np.ndarray, np.ndarray]:
        """(durations, distances), each of shape (len(origins), len(destinations))."""
        ...

    def one_to_many(self, origin: Point, destinations: Sequence[Point]) -> np.ndarray:
        """Durations from one point (the same values ``matrix`` gives)."""
        ...

    def many_to_one(self, origins: Sequence[Point], destination: Point) -> np.ndarray:
        """Durations to one point (the same values ``matrix`` gives)."""
        ...


class EuclideanTravel:
    """Straight lines at ``speed`` (distance units per time unit); Cordeau uses speed 1."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed

    def matrix(self, origins: Sequence[Point], destinations: Sequence[Point]
               ) -> tuple[np.ndarray, np.ndarray]:
        a = np.asarray(origins, dtype=np.float64).reshape(-1, 2)
        b = np.asarray(destinations, dtype=np.float64).reshape(-1, 2)
        dist = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
        return dist / self.speed, dist

    def one_to_many(self, origin: Point, destinations: Sequence[Point]) -> np.ndarray:
        return self.matrix([origin], destinations)[0][0]

    def many_to_one(self, origins: Sequence[Point], destination: Point) -> np.ndarray:
        return self.matrix(origins, [destination])[0][:, 0]


class StreetTravel:
    """Car travel on the compiled street network; points are (lat, lon)."""

    def __init__(self, router: StreetRouter) -> None:
        self.router = router
        self._anchors: dict[tuple[str, Point], object] = {}

    def matrix(self, origins: Sequence[Point], destinations: Sequence[Point]
               ) -> tuple[np.ndarray, np.ndarray]:
        return self.router.matrix(list(origins), list(destinations))

    def one_to_many(self, origin: Point, destinations: Sequence[Point]) -> np.ndarray:
        """One search from ``origin``, read at each destination's street position."""
        a = self.router._anchor(origin, leaving=True)
        cost, _ = self.router.one_to_many_labels(a.nodes, a.costs, a.dists)
        return self._read(cost, a.snap, destinations, leaving=False)

    def many_to_one(self, origins: Sequence[Point], destination: Point) -> np.ndarray:
        """One search backwards from ``destination``."""
        b = self.router._anchor(destination, leaving=False)
        cost, _ = self.router.many_to_one_labels(b.nodes, b.costs, b.dists)
        return self._read(cost, b.snap, origins, leaving=True)

    def _read(self, cost: np.ndarray, snap, points: Sequence[Point],  # type: ignore[no-untyped-def]
              leaving: bool) -> np.ndarray:
        """Search labels read at each point's street position (and direct rides along one
        street segment)."""
        nodes, extra, edges = self._table(points, leaving=leaving)
        out = (cost[nodes] + extra).min(axis=1)
        self._direct(out, snap, edges, points, leaving=leaving)
        return out

    def _table(self, points: Sequence[Point], leaving: bool
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(k, 2) anchor nodes and costs (inf-padded) and the snapped edge of each point."""
        anchors = [self._leave(p) if leaving else self._arrive(p) for p in points]
        nodes = np.zeros((len(anchors), 2), np.int64)
        extra = np.full((len(anchors), 2), np.inf)
        edges = np.empty(len(anchors), np.int64)
        for k, a in enumerate(anchors):
            nodes[k, :len(a.nodes)] = a.nodes
            extra[k, :len(a.nodes)] = a.costs
            edges[k] = a.snap.edge
        return nodes, extra, edges

    def _direct(self, out: np.ndarray, snap, edges: np.ndarray,  # type: ignore[no-untyped-def]
                points: Sequence[Point], leaving: bool) -> None:
        """Points on the same street segment as ``snap``: the direct ride may be shorter."""
        rev = int(self.router._reverse_edge[snap.edge]) if snap.edge >= 0 else -1
        for k in np.flatnonzero((edges == snap.edge) | ((edges == rev) & (rev >= 0))).tolist():
            other = (self._leave(points[k]) if leaving else self._arrive(points[k])).snap
            direct = (self.router._same_edge(other, snap) if leaving
                      else self.router._same_edge(snap, other))
            if direct is not None:
                out[k] = min(out[k], direct[0])

    def _arrive(self, p: Point):  # type: ignore[no-untyped-def]
        key = ("a", p)
        if key not in self._anchors:
            self._anchors[key] = self.router._anchor(p, leaving=False)
        return self._anchors[key]

    def _leave(self, p: Point):  # type: ignore[no-untyped-def]
        key = ("l", p)
        if key not in self._anchors:
            self._anchors[key] = self.router._anchor(p, leaving=True)
        return self._anchors[key]


class CachedTravel:
    """Remembers single point-to-point durations (a plan's legs) of another provider, so
    that rebuilding plans from stored stop orders costs no new searches; bounded LRU."""

    def __init__(self, travel: TravelTimes, max_pairs: int = 200_000) -> None:
        self.travel = travel
        self.max_pairs = max_pairs
        self._pairs: OrderedDict[tuple[Point, Point], float] = OrderedDict()
        self._lock = threading.Lock()

    def matrix(self, origins: Sequence[Point], destinations: Sequence[Point]
               ) -> tuple[np.ndarray, np.ndarray]:
        return self.travel.matrix(origins, destinations)

    def one_to_many(self, origin: Point, destinations: Sequence[Point]) -> np.ndarray:
        if len(destinations) != 1:
            return self.travel.one_to_many(origin, destinations)
        key = (origin, destinations[0])
        with self._lock:
            hit = self._pairs.get(key)
            if hit is not None:
                self._pairs.move_to_end(key)
                return np.array([hit])
        out = self.travel.one_to_many(origin, destinations)
        with self._lock:
            self._pairs[key] = float(out[0])
            if len(self._pairs) > self.max_pairs:
                self._pairs.popitem(last=False)
        return out

    def many_to_one(self, origins: Sequence[Point], destination: Point) -> np.ndarray:
        return self.travel.many_to_one(origins, destination)
