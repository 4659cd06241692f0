"""Travel times between points, behind a small protocol: Euclidean for benchmark instances,
real streets (``routing`` matrices) for regions."""

from __future__ import annotations

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


class StreetTravel:
    """Car travel on the compiled street network; points are (lat, lon)."""

    def __init__(self, router: StreetRouter) -> None:
        self.router = router

    def matrix(self, origins: Sequence[Point], destinations: Sequence[Point]
               ) -> tuple[np.ndarray, np.ndarray]:
        return self.router.matrix(list(origins), list(destinations))
