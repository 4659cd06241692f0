"""Travel times between points, behind a small protocol: Euclidean for benchmark instances,
real streets (``routing`` matrices) for regions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from dispatch.model import Point
from routing.ch_query import PointQueries
from routing.street_router import Labels, StreetRouter


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

    def check(self, point: Point) -> None:
        """Raise :class:`routing.errors.OutOfRegionError` for a point this provider cannot
        reach (e.g. far from every road); cheap: no search."""
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

    def check(self, point: Point) -> None:
        """Every point of the plane is reachable."""


class StreetTravel:
    """Car travel on the compiled street network; points are (lat, lon).

    On a router with a contraction hierarchy, one-to-many and many-to-one questions (a
    quote's) are answered from the points' upward search spaces, kept in a bounded LRU
    (:class:`routing.ch_query.PointQueries`, ``max_space_entries``): a quote costs at most
    one small search per point not seen before. Without one, each question is one Dijkstra
    search from (towards) the point that stops once every point asked about is settled, and
    a point asked about again and again — a hub stop of the planner's rides, an origin the
    planner quotes several rides from — gets one complete search whose labels are kept (a
    bounded LRU), so later questions about it cost no search at all.
    """

    def __init__(self, router: StreetRouter, max_labels: int = 64, repeat: int = 8,
                 max_space_entries: int = 4_000_000) -> None:
        self.router = router
        self.max_space_entries = max_space_entries
        self._points: PointQueries | None = None
        self._points_made = False
        self.max_labels = max_labels  #: complete label arrays kept (n_nodes floats each)
        self.repeat = repeat  #: sightings after which a point's complete labels are kept
        self._labels: OrderedDict[tuple[Point, bool], Labels] = OrderedDict()
        self._seen: OrderedDict[tuple[Point, bool], int] = OrderedDict()
        self._lock = threading.Lock()

    def matrix(self, origins: Sequence[Point], destinations: Sequence[Point]
               ) -> tuple[np.ndarray, np.ndarray]:
        return self.router.matrix(list(origins), list(destinations))

    def one_to_many(self, origin: Point, destinations: Sequence[Point]) -> np.ndarray:
        """Seconds from ``origin`` to each destination: on the hierarchy, or one search
        from ``origin`` read at each destination's street position."""
        q = self.point_queries
        if q is not None:
            return q.one_to_many(origin, destinations)
        return self.router.read(self._search(origin, True, destinations), destinations)

    def many_to_one(self, origins: Sequence[Point], destination: Point) -> np.ndarray:
        """Seconds from each origin to ``destination`` (on the hierarchy, or one search
        backwards from it)."""
        q = self.point_queries
        if q is not None:
            return q.many_to_one(origins, destination)
        return self.router.read(self._search(destination, False, origins), origins)

    @property
    def point_queries(self) -> PointQueries | None:
        """The hierarchy's point queries (made on first use), or None if the router has no
        hierarchy."""
        if not self._points_made:
            with self._lock:
                if not self._points_made:
                    if self.router.contraction is not None:
                        self._points = PointQueries(self.router, self.max_space_entries)
                    self._points_made = True
        return self._points

    def check(self, point: Point) -> None:
        """The point lies near enough to a road (snapping it; no search)."""
        self.router.snap(*point)

    def _search(self, point: Point, forward: bool, others: Sequence[Point]) -> Labels:
        key = (point, forward)
        with self._lock:
            hit = self._labels.get(key)
            if hit is not None:
                self._labels.move_to_end(key)
                return hit
            seen = self._seen.pop(key, 0) + 1
            self._seen[key] = seen
            while len(self._seen) > 64 * self.max_labels:
                self._seen.popitem(last=False)
        if seen < self.repeat:
            return self.router.labels(point, forward, targets=others)
        labels = self.router.labels(point, forward)
        with self._lock:
            self._labels[key] = labels
            while len(self._labels) > self.max_labels:
                self._labels.popitem(last=False)
        return labels


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

    def check(self, point: Point) -> None:
        self.travel.check(point)


class MatrixTravel:
    """Travel times looked up in a matrix computed beforehand for a set of points — for
    work handed to another process (the optimiser needs no street network there)."""

    def __init__(self, points: Sequence[Point], durations: np.ndarray,
                 distances: np.ndarray) -> None:
        self.index: dict[Point, int] = {}
        for k, p in enumerate(points):
            self.index.setdefault(tuple(p), k)  # type: ignore[arg-type]
        self.durations, self.distances = durations, distances

    def _rows(self, points: Sequence[Point]) -> list[int]:
        try:
            return [self.index[tuple(p)] for p in points]  # type: ignore[index]
        except KeyError as exc:
            raise ValueError(f"point {exc.args[0]} is not in the matrix") from None

    def matrix(self, origins: Sequence[Point], destinations: Sequence[Point]
               ) -> tuple[np.ndarray, np.ndarray]:
        o, d = np.array(self._rows(origins)), np.array(self._rows(destinations))
        return self.durations[np.ix_(o, d)], self.distances[np.ix_(o, d)]

    def one_to_many(self, origin: Point, destinations: Sequence[Point]) -> np.ndarray:
        return self.matrix([origin], destinations)[0][0]

    def many_to_one(self, origins: Sequence[Point], destination: Point) -> np.ndarray:
        return self.matrix(origins, [destination])[0][:, 0]

    def check(self, point: Point) -> None:
        self._rows([point])
