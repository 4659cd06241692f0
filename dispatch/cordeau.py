"""Cordeau (2006) dial-a-ride instances as dispatch problems, and solutions in the
benchmark's format (node ids, service start times)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dispatch.model import Request, Solution, Vehicle
from dispatch.solver import Problem


@dataclass(frozen=True)
class CordeauInstance:
    name: str
    K: int
    n: int
    T: float
    Q: int
    L: float
    nodes: list[tuple[int, float, float, float, int, float, float]]  #: id x y d q e l

    def problem(self) -> Problem:
        depot = self.nodes[0]
        end = self.nodes[2 * self.n + 1]
        vehicles = [Vehicle(f"v{k}", (depot[1], depot[2]), (end[1], end[2]),
                            (max(depot[5], 0.0), min(depot[6], end[6])), seats=self.Q,
                            max_duration=self.T) for k in range(self.K)]
        requests = []
        for i in range(1, self.n + 1):
            p, d = self.nodes[i], self.nodes[self.n + i]
            requests.append(Request(str(i), (p[1], p[2]), (d[1], d[2]), (p[5], p[6]),
                                    (d[5], d[6]), max_ride=self.L, passengers=p[4],
                                    pickup_service=p[3], dropoff_service=d[3]))
        return Problem(vehicles, requests)

    def to_benchmark(self, sol: Solution) -> dict[str, object]:
        """``{"cost", "routes": [[0, ..., 2n+1]], "start_times", "rejected", "seconds"}``."""
        routes, times = [], {}
        for r, route in enumerate(sol.routes):
            ids = [0]
            for stop in route.stops:
                i = int(stop.request)
                node = i if stop.kind == "pickup" else self.n + i
                ids.append(node)
                times[str(node)] = stop.time
            ids.append(2 * self.n + 1)
            routes.append(ids)
            times[f"0@{r}"] = route.depart
            times[f"{2 * self.n + 1}@{r}"] = route.arrive
        return {"cost": sol.cost, "routes": routes, "start_times": times,
                "rejected": [int(x) for x in sol.rejected], "seconds": sol.seconds}


def read_cordeau(path: str | Path) -> CordeauInstance:
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    K, n, T, Q, L = (float(x) for x in lines[0][:5])
    nodes = [(int(a[0]), float(a[1]), float(a[2]), float(a[3]), int(a[4]), float(a[5]),
              float(a[6])) for a in lines[1:]]
    return CordeauInstance(path.stem, int(K), int(n), T, int(Q), L, nodes)
