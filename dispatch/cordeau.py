"""Cordeau (2006) dial-a-ride instances as dispatch problems, and solutions in the
benchmark's format (node ids, service start times).

The published copies of the instances differ in form, and the reader accepts all of them:

* the header ``K n T Q L`` (vehicles, requests, maximum route duration, capacity, maximum
  ride time) gives ``n`` in some copies and ``2n`` (the number of pickup and drop-off nodes)
  in others, e.g. the b-series;
* the node lines ``id x y d q e l`` end with the closing depot ``2n+1`` or not (it is then the
  starting depot again);
* fields are separated by spaces or tabs; lines end in LF or CRLF; blank lines are skipped.

Which header form a file uses follows from its node count (``2n+1`` or ``2n+2`` lines), and
the two must agree. Anything else is an :class:`InstanceError` naming the file, the line and
what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dispatch.model import Request, Solution, Vehicle
from dispatch.solver import Problem
from routing.errors import MobilityError

Node = tuple[int, float, float, float, int, float, float]  #: id x y d q e l


class InstanceError(MobilityError, ValueError):
    """A benchmark instance file cannot be read; ``path`` and ``line`` (1-based, None for the
    whole file) say where."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line = path, line
        super().__init__(f"{path}{f':{line}' if line else ''}: {message}")


@dataclass(frozen=True)
class CordeauInstance:
    name: str
    K: int
    n: int
    T: float
    Q: int
    L: float
    nodes: list[Node]  #: id x y d q e l, ids 0..2n+1 (the closing depot always present)

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
    """Read a Cordeau instance in any of its published forms (see the module's docstring).

    Raises
    ------
    InstanceError
        The file is missing or not text, a line has too few or too many fields or a value
        that is not a number (or not an integer where one is needed), the node count fits
        neither header form, node ids are out of order, or a pickup's load is not the negative
        of its drop-off's.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InstanceError(path, None, f"cannot read the file ({exc.strerror or exc})"
                            ) from None
    except UnicodeDecodeError:
        raise InstanceError(path, None, "not a text file") from None
    lines = [(no, ln.split()) for no, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise InstanceError(path, None, "the file is empty")
    head_no, head = lines[0]
    _fields(path, head_no, head, "K n T Q L", 5)
    K, size, Q = (_integer(path, head_no, head[i], name)
                  for i, name in ((0, "K"), (1, "n"), (3, "Q")))
    T, L = _number(path, head_no, head[2], "T"), _number(path, head_no, head[4], "L")
    if K < 1 or size < 1 or Q < 1:
        raise InstanceError(path, head_no, f"K, n and Q must be positive, not {K}, {size}, {Q}")
    body = lines[1:]
    n, closing = _layout(path, head_no, size, len(body))
    nodes: list[Node] = []
    for expect, (no, tok) in enumerate(body):
        _fields(path, no, tok, "id x y d q e l", 7)
        node_id = _integer(path, no, tok[0], "id")
        if node_id != expect:
            raise InstanceError(path, no, f"node id {tok[0]} out of order: expected {expect}")
        x, y, d = (_number(path, no, tok[i], name) for i, name in ((1, "x"), (2, "y"), (3, "d")))
        q = _integer(path, no, tok[4], "q")
        e, l = _number(path, no, tok[5], "e"), _number(path, no, tok[6], "l")  # noqa: E741
        nodes.append((node_id, x, y, d, q, e, l))
    for i in range(1, n + 1):
        if nodes[i][4] != -nodes[n + i][4]:
            raise InstanceError(path, body[n + i][0],
                                f"drop-off {n + i} has load {nodes[n + i][4]}, not the "
                                f"negative of its pickup {i}'s load {nodes[i][4]}")
    if not closing:  # the vehicles return to where they started
        nodes.append((2 * n + 1, *nodes[0][1:]))
    return CordeauInstance(path.stem, K, n, T, Q, L, nodes)


def _layout(path: Path, line: int, size: int, count: int) -> tuple[int, bool]:
    """(n, closing depot present) from the header's second number and the node line count."""
    forms = {2 * size + 2: (size, True), 2 * size + 1: (size, False)}
    if size % 2 == 0:  # the header may give 2n
        forms |= {size + 2: (size // 2, True), size + 1: (size // 2, False)}
    if count not in forms:
        alt = f", or {size + 1} or {size + 2} if {size} is 2n" if size % 2 == 0 else ""
        raise InstanceError(path, line, f"{count} node lines do not fit the header's n = {size}: "
                            f"expected {2 * size + 1} or {2 * size + 2} lines (2n+1, or 2n+2 "
                            f"with the closing depot){alt}")
    return forms[count]


def _fields(path: Path, line: int, tokens: list[str], layout: str, count: int) -> None:
    if len(tokens) != count:
        few = "too few" if len(tokens) < count else "too many"
        raise InstanceError(path, line, f"{few} fields: {len(tokens)} instead of {count} "
                            f"('{layout}')")


def _number(path: Path, line: int, token: str, name: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise InstanceError(path, line, f"{name} is not a number: {token!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InstanceError(path, line, f"{name} is not a finite number: {token!r}")
    return value


def _integer(path: Path, line: int, token: str, name: str) -> int:
    value = _number(path, line, token, name)
    if not value.is_integer():
        raise InstanceError(path, line, f"{name} is not an integer: {token!r}")
    return int(value)
