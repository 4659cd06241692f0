"""Street searches on one mode's compiled network: snapping, fastest paths, one-to-many,
many-to-one, matrices and isochrones. Everything runs on the CSR arrays with numba kernels."""

from __future__ import annotations

import bisect
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from routing import polyline
from routing._alt import alt_search, select_landmarks
from routing._dijkstra import INF, dijkstra, many_to_many
from routing._snap import Snap, SnapIndex
from routing.ch import Contraction
from routing.errors import OutOfRegionError
from routing.isochrone import hull_polygon
from routing.streets import StreetNetwork

LatLon = tuple[float, float]


@dataclass(frozen=True)
class StreetPath:
    """A fastest street path between two points (or nodes)."""

    mode: str
    duration_s: float
    distance_m: float
    nodes: np.ndarray  #: network nodes passed, in order
    coords: np.ndarray  #: (k, 2) lat, lon along the path

    @property
    def coordinates(self) -> list[LatLon]:
        return [(float(a), float(b)) for a, b in self.coords]

    @property
    def polyline(self) -> str:
        return polyline.encode(self.coords.tolist())

    def to_dict(self) -> dict[str, object]:
        return {"mode": self.mode, "duration_s": round(self.duration_s, 1),
                "distance_m": round(self.distance_m, 1), "polyline": self.polyline,
                "coordinates": np.round(self.coords, 6).tolist()}


@dataclass(frozen=True)
class Isochrone:
    """Everything reachable within ``seconds`` from a point."""

    seconds: float
    nodes: np.ndarray  #: reachable node indices
    durations: np.ndarray  #: their travel times in seconds
    polygon: dict[str, object]  #: GeoJSON (Multi)Polygon around the reachable nodes


@dataclass(frozen=True)
class Anchor:
    """How a point joins the graph: labels at up to two nodes (cost s, distance m)."""

    snap: Snap
    nodes: np.ndarray
    costs: np.ndarray
    dists: np.ndarray


@dataclass(frozen=True)
class Labels:
    """One search's travel times between a point and every node: from the point
    (``forward``) or to it. ``complete``: every reachable node is settled; otherwise only the
    targets the search was asked for (and whatever it settled on the way) are final."""

    anchor: Anchor
    cost: np.ndarray  #: seconds per node, inf where not settled
    forward: bool
    complete: bool


@dataclass(frozen=True)
class PointTable:
    """Where several points join the graph, as arrays: up to two nodes each (padded with
    node 0 at cost inf), the extra seconds from the node to the point (or back), and the
    snapped edge and fraction along it."""

    nodes: np.ndarray  #: (k, 2) int64
    extra: np.ndarray  #: (k, 2) float64, inf where padded
    edge: np.ndarray  #: (k,) int64
    fraction: np.ndarray  #: (k,) float64


class StreetRouter:
    """Searches over one :class:`StreetNetwork`.

    Parameters
    ----------
    net
        The compiled network of one mode.
    max_snap_m
        A point farther than this from every usable street is refused with
        :class:`OutOfRegionError` (never snapped silently to something far away).
    landmarks
        Landmarks for the A* lower bounds of point-to-point queries (ALT).
    contraction
        A contraction hierarchy of ``net`` for :meth:`matrix` (bucket queries instead of
        one Dijkstra per origin), or a function giving one, called on the first matrix
        (the region's cache loads or builds it then). None: matrices use Dijkstra.
    """

    def __init__(self, net: StreetNetwork, max_snap_m: float = 1000.0,
                 landmarks: int = 16,
                 contraction: Contraction | Callable[[], Contraction] | None = None) -> None:
        self.net = net
        self._contraction = contraction
        self._contraction_lock = threading.Lock()
        self.max_snap_m = max_snap_m
        self._w = net.travel_time.astype(np.float64)
        self._len = net.length.astype(np.float64)
        self._tail = net.tail()
        self._local = threading.local()  # per-thread search workspaces
        self.landmarks = landmarks
        #: anchors of coordinates seen before (a plan snaps its ends and stops many times,
        #: a dispatcher its planned stops); bounded
        self._anchors: dict[tuple[float, float, bool], Anchor] = {}
        self._anchors_lock = threading.Lock()
        self.max_cached_points = 100_000
        #: tables of point lists asked about again and again (a fleet's planned stops, read
        #: by every quote): a small LRU
        self._tables: OrderedDict[tuple[tuple[LatLon, ...], bool], PointTable] = OrderedDict()
        self.max_cached_tables = 64
        #: each point's row of a table (nodes, extra seconds, edge, fraction), so that the
        #: table of a long list is one gather, not a Python loop; bounded like the anchors
        self._rows: dict[tuple[float, float, bool], int] = {}
        self._row_nodes = np.zeros((256, 2), np.int64)
        self._row_extra = np.full((256, 2), INF)
        self._row_edge = np.zeros(256, np.int64)
        self._row_frac = np.zeros(256)

    # -- derived structures (built on first use) ---------------------------------------
    @cached_property
    def _snap_index(self) -> SnapIndex:
        return SnapIndex(self.net.geom_offset, self.net.geom_lat, self.net.geom_lon)

    @cached_property
    def _reverse(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Reverse CSR: (indptr, head, weight, length, forward edge id)."""
        n = self.net.n_nodes
        order = np.argsort(self.net.head, kind="stable")
        indptr = np.r_[0, np.cumsum(np.bincount(self.net.head, minlength=n))].astype(np.int64)
        return (indptr, self._tail[order].astype(np.int32), self._w[order], self._len[order],
                order.astype(np.int64))

    @cached_property
    def _alt(self) -> tuple[np.ndarray, np.ndarray]:
        """Travel times from and to each landmark, (n, K) float32 each."""
        ri, rh, rw, _, _ = self._reverse
        _, frm, to = select_landmarks(self.net.indptr, self.net.head, self._w, ri, rh, rw,
                                      k=self.landmarks)
        return frm, to

    @property
    def contraction(self) -> Contraction | None:
        """The contraction hierarchy the matrices use (made by the given function on first
        use), or None."""
        ch = self._contraction
        if ch is None or isinstance(ch, Contraction):
            return ch
        with self._contraction_lock:  # one build or load, whoever asks first
            if not isinstance(self._contraction, Contraction) and self._contraction is not None:
                made = self._contraction()
                if made.n_nodes != self.net.n_nodes:
                    raise ValueError(f"a contraction of {made.n_nodes} nodes for a network "
                                     f"of {self.net.n_nodes}")
                self._contraction = made
            return self._contraction

    def _workspace(self) -> tuple[np.ndarray, ...]:
        ws = getattr(self._local, "ws", None)
        if ws is None:
            n, m = self.net.n_nodes, self.net.n_edges
            ws = (np.full(n, INF), np.full(n, -1, np.int64), np.full(n, -1.0),
                  np.empty(n, np.int64), np.empty(m + 8, np.float64), np.empty(m + 8, np.int64))
            self._local.ws = ws
        return ws

    def prepare(self) -> StreetRouter:
        """Build the lazily made structures now (snap index, reverse graph, landmarks)."""
        _ = self._snap_index, self._reverse, self._reverse_edge, self._alt
        return self

    @cached_property
    def _reverse_edge(self) -> np.ndarray:
        """For every edge u->v, the edge v->u or -1."""
        n = self.net.n_nodes
        key = self._tail.astype(np.int64) * n + self.net.head
        rkey = self.net.head.astype(np.int64) * n + self._tail
        order = np.argsort(key)
        pos = np.searchsorted(key[order], rkey)
        pos = np.minimum(pos, len(order) - 1)
        found = key[order][pos] == rkey
        return np.where(found, order[pos], -1)

    # -- snapping -------------------------------------------------------------------------
    def snap(self, lat: float, lon: float) -> Snap:
        """The nearest point on a usable street.

        Raises
        ------
        OutOfRegionError
            If the nearest street is farther than ``max_snap_m``.
        """
        key = (float(lat), float(lon), True)
        hit = self._anchors.get(key)  # (a dict read needs no lock)
        if hit is not None:
            return hit.snap
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not np.isfinite([lat, lon]).all():
            raise OutOfRegionError(f"({lat}, {lon}) is not a valid latitude/longitude")
        snap, d = self._snap_index.nearest(lat, lon)
        if d > self.max_snap_m:
            raise OutOfRegionError(
                f"({lat:.6f}, {lon:.6f}) is {d:,.0f} m from the nearest street usable by "
                f"{self.net.mode} (the limit is {self.max_snap_m:,.0f} m)")
        self._remember(key, self._join(snap, leaving=True))
        return snap

    def street_distance_m(self, lat: float, lon: float) -> float:
        """Metres from a point to the nearest usable street, however far (:meth:`snap`
        refuses points beyond ``max_snap_m``; compile reports need the distance itself)."""
        return self._snap_index.nearest(lat, lon)[1]

    def _remember(self, key: tuple[float, float, bool], anchor: Anchor) -> None:
        with self._anchors_lock:
            if len(self._anchors) >= self.max_cached_points:  # bounded: start afresh
                self._anchors.clear()
            self._anchors[key] = anchor

    def anchor(self, point: LatLon | int, leaving: bool) -> Anchor:
        """How a coordinate (or a node index) joins the graph when leaving from it or
        arriving at it: up to two nodes with the seconds and metres between them and the
        point's place on its street.

        Raises
        ------
        OutOfRegionError
            If a coordinate lies farther than ``max_snap_m`` from every usable street.
        """
        if isinstance(point, (int, np.integer)):
            p = int(point)
            snap = Snap(-1, 0.0, 0.0, float(self.net.node_lat[p]), float(self.net.node_lon[p]))
            return Anchor(snap, np.array([p]), np.zeros(1), np.zeros(1))
        key = (float(point[0]), float(point[1]), leaving)
        hit = self._anchors.get(key)
        if hit is not None:
            return hit
        out = self._join(self.snap(*point), leaving)
        self._remember(key, out)
        return out

    def _join(self, snap: Snap, leaving: bool) -> Anchor:
        """The anchor of a snapped point."""
        e, f = snap.edge, snap.fraction
        r = int(self._reverse_edge[e])
        u, v = int(self._tail[e]), int(self.net.head[e])
        nodes, costs, dists = [], [], []
        if leaving:  # travel on e towards v, or on its reverse towards u
            nodes.append(v)
            costs.append((1 - f) * self._w[e])
            dists.append((1 - f) * self._len[e])
            if r >= 0:
                nodes.append(u)
                costs.append(f * self._w[r])
                dists.append(f * self._len[r])
        else:  # come from u along e, or from v along its reverse
            nodes.append(u)
            costs.append(f * self._w[e])
            dists.append(f * self._len[e])
            if r >= 0:
                nodes.append(v)
                costs.append((1 - f) * self._w[r])
                dists.append((1 - f) * self._len[r])
        return Anchor(snap, np.array(nodes, np.int64), np.array(costs), np.array(dists))

    # -- point to point -------------------------------------------------------------------
    def route(self, origin: LatLon | int, destination: LatLon | int) -> StreetPath | None:
        """The fastest path between two points (``(lat, lon)`` or node index), or None if the
        destination cannot be reached."""
        a = self.anchor(origin, leaving=True)
        b = self.anchor(destination, leaving=False)
        direct = self.same_edge(a.snap, b.snap)
        frm, to = self._alt
        cost, end, edges = alt_search(self.net.indptr, self.net.head, self._w, frm, to,
                                      a.nodes, a.costs, b.nodes, b.costs, *self._workspace())
        if direct is not None and direct[0] <= cost:
            return direct[1]
        if not np.isfinite(cost):
            return None
        start = int(self._tail[edges[0]]) if len(edges) else end
        nodes = np.empty(len(edges) + 1, np.int64)
        nodes[0] = start
        nodes[1:] = self.net.head[edges]
        # geometry: every edge's points, joints counted once
        off = self.net.geom_offset
        lens = off[edges + 1] - off[edges]
        csum = np.cumsum(lens)
        idx = np.repeat(off[edges] - (csum - lens), lens) + np.arange(int(lens.sum()))
        keep = np.ones(len(idx), bool)
        keep[csum[:-1]] = False  # first point of each later edge = previous end
        mid = np.column_stack([self.net.geom_lat[idx[keep]], self.net.geom_lon[idx[keep]]])
        parts = [np.array(self._partial(a, start, leaving=True)), mid.astype(np.float64),
                 np.array(self._partial(b, end, leaving=False))]
        coords = np.concatenate([p.reshape(-1, 2) for p in parts])
        if len(coords) > 1:  # drop repeated joints between the parts
            moved = np.ones(len(coords), bool)
            moved[1:] = (np.abs(np.diff(coords, axis=0)) > 1e-9).any(axis=1)
            coords = coords[moved]
        if len(coords) < 2:
            coords = np.array([[a.snap.lat, a.snap.lon], [b.snap.lat, b.snap.lon]])
        dist = float(self._len[edges].sum()) + self._anchor_dist(a, start) + \
            self._anchor_dist(b, end)
        return StreetPath(self.net.mode, float(cost), dist, nodes, coords)

    @staticmethod
    def _anchor_dist(anchor: Anchor, node: int) -> float:
        k = np.flatnonzero(anchor.nodes == node)
        return float(anchor.dists[k[0]]) if len(k) else 0.0

    def same_edge_cost(self, a: Snap, b: Snap) -> float | None:
        """Seconds from ``a`` to ``b`` along the one street segment both lie on (None if
        they are on different segments or its direction forbids it); no geometry."""
        hit = self._along(a, b)
        return None if hit is None else hit[0]

    def _along(self, a: Snap, b: Snap) -> tuple[float, float, int, float, float] | None:
        """(seconds, metres, edge, from fraction, to fraction) of the fastest ride from ``a``
        to ``b`` along one street segment, or None."""
        if a.edge < 0 or b.edge < 0:
            return None
        best = None
        rev = int(self._reverse_edge[a.edge])
        for e, fa in ((a.edge, a.fraction), (rev, 1 - a.fraction)):
            if e < 0:
                continue
            if b.edge == e:
                fb = b.fraction
            elif b.edge == self._reverse_edge[e]:
                fb = 1 - b.fraction
            else:
                continue
            if fb >= fa and (best is None or (fb - fa) * self._w[e] < best[0]):
                best = (float((fb - fa) * self._w[e]), float((fb - fa) * self._len[e]), e,
                        fa, fb)
        return best

    def same_edge(self, a: Snap, b: Snap) -> tuple[float, StreetPath] | None:
        """Both points on one street: the direct path along it, if its direction allows."""
        hit = self._along(a, b)
        if hit is None:
            return None
        cost, metres, e, fa, fb = hit
        return cost, StreetPath(self.net.mode, cost, metres, np.zeros(0, np.int64),
                                np.array(self._cut(e, fa, fb)))

    def _edge_coords(self, e: int) -> list[LatLon]:
        a, b = self.net.geom_offset[e], self.net.geom_offset[e + 1]
        return list(zip(self.net.geom_lat[a:b].astype(float).tolist(),
                        self.net.geom_lon[a:b].astype(float).tolist(), strict=True))

    def _cut(self, e: int, f0: float, f1: float) -> list[LatLon]:
        """The part of edge ``e`` between fractions f0 <= f1 of its length (plain Python: an
        edge has a handful of points, too few for numpy to pay off)."""
        a, b = int(self.net.geom_offset[e]), int(self.net.geom_offset[e + 1])
        lat = self.net.geom_lat[a:b].tolist()
        lon = self.net.geom_lon[a:b].tolist()
        kx = math.cos(math.radians(lat[0]))
        cum = [0.0]
        for i in range(len(lat) - 1):
            cum.append(cum[-1] + math.hypot(lat[i + 1] - lat[i], (lon[i + 1] - lon[i]) * kx))
        total = cum[-1] if cum[-1] > 0 else 1.0

        def at(f: float) -> LatLon:
            d = f * total
            i = min(bisect.bisect_right(cum, d) - 1, len(lat) - 2)
            seg = cum[i + 1] - cum[i]
            t = (d - cum[i]) / seg if seg > 0 else 0.0
            return lat[i] + t * (lat[i + 1] - lat[i]), lon[i] + t * (lon[i + 1] - lon[i])

        inner = [(lat[k], lon[k]) for k in range(len(lat)) if f0 * total < cum[k] < f1 * total]
        return [at(f0), *inner, at(f1)]

    def _partial(self, anchor: Anchor, node: int, leaving: bool) -> list[LatLon]:
        """The piece of street between a snapped point and the graph node it joins at."""
        s = anchor.snap
        if s.edge < 0:
            return []
        e = s.edge
        if leaving:
            if node == int(self.net.head[e]) and anchor.nodes[0] == node:
                return self._cut(e, s.fraction, 1.0)
            return self._cut(int(self._reverse_edge[e]), 1 - s.fraction, 1.0)
        if node == int(self._tail[e]) and anchor.nodes[0] == node:
            return self._cut(e, 0.0, s.fraction)
        return self._cut(int(self._reverse_edge[e]), 0.0, 1 - s.fraction)

    # -- one to many / many to one -------------------------------------------------------
    def one_to_many(self, origin: LatLon | int, max_duration: float = INF
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Travel time (s) and distance (m) from ``origin`` to every node; ``inf`` beyond
        ``max_duration`` or where unreachable."""
        a = self.anchor(origin, leaving=True)
        cost, dist, _ = dijkstra(self.net.indptr, self.net.head, self._w, self._len, a.nodes,
                                 a.costs, a.dists, float(max_duration), np.zeros(0, np.int64))
        return cost, dist

    def one_to_many_labels(self, nodes: np.ndarray, costs: np.ndarray, dists: np.ndarray,
                           max_duration: float = INF) -> tuple[np.ndarray, np.ndarray]:
        """One-to-many from explicit start labels (nodes with initial seconds and metres)."""
        cost, dist, _ = dijkstra(self.net.indptr, self.net.head, self._w, self._len,
                                 np.asarray(nodes, np.int64), np.asarray(costs, np.float64),
                                 np.asarray(dists, np.float64), float(max_duration),
                                 np.zeros(0, np.int64))
        return cost, dist

    def many_to_one_labels(self, nodes: np.ndarray, costs: np.ndarray, dists: np.ndarray,
                           max_duration: float = INF) -> tuple[np.ndarray, np.ndarray]:
        """Many-to-one towards explicit end labels (nodes with final seconds and metres)."""
        ri, rh, rw, rl, _ = self._reverse
        cost, dist, _ = dijkstra(ri, rh, rw, rl, np.asarray(nodes, np.int64),
                                 np.asarray(costs, np.float64), np.asarray(dists, np.float64),
                                 float(max_duration), np.zeros(0, np.int64))
        return cost, dist

    def many_to_one(self, destination: LatLon | int, max_duration: float = INF
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Travel time (s) and distance (m) from every node to ``destination``."""
        b = self.anchor(destination, leaving=False)
        ri, rh, rw, rl, _ = self._reverse
        cost, dist, _ = dijkstra(ri, rh, rw, rl, b.nodes, b.costs, b.dists,
                                 float(max_duration), np.zeros(0, np.int64))
        return cost, dist

    def matrix(self, origins: list[LatLon] | np.ndarray, destinations: list[LatLon] | np.ndarray,
               max_duration: float = INF) -> tuple[np.ndarray, np.ndarray]:
        """Durations (s) and distances (m), shape (len(origins), len(destinations));
        ``inf`` where unreachable. Points are ``(lat, lon)`` pairs or node indices."""
        o = [self.anchor(p if not isinstance(p, np.integer) else int(p), True) for p in origins]
        d = [self.anchor(p if not isinstance(p, np.integer) else int(p), False)
             for p in destinations]
        ch = self.contraction
        if ch is not None:
            dur, met = ch.many_to_many(*_flat(o), *_flat(d), float(max_duration))
        else:
            dur, met = many_to_many(
                self.net.indptr, self.net.head, self._w, self._len,
                *_flat(o), *_flat(d), float(max_duration))
        on_edge: dict[int, list[int]] = {}
        for j, b in enumerate(d):
            if b.snap.edge >= 0:
                on_edge.setdefault(b.snap.edge, []).append(j)
        for i, a in enumerate(o):  # points on one street segment: the direct ride
            if a.snap.edge < 0:
                continue
            rev = int(self._reverse_edge[a.snap.edge])
            for j in on_edge.get(a.snap.edge, []) + (on_edge.get(rev, []) if rev >= 0 else []):
                hit = self._along(a.snap, d[j].snap)
                if hit is not None and hit[0] < dur[i, j]:
                    dur[i, j], met[i, j] = hit[0], hit[1]
        return dur, met

    # -- labels of one search, read at many points -----------------------------------------
    def labels(self, point: LatLon, forward: bool,
               targets: Sequence[LatLon] | None = None) -> Labels:
        """One search from ``point`` (``forward``) or towards it, over the whole network or,
        with ``targets``, only until every target's nodes are settled (cheaper when they lie
        near each other)."""
        a = self.anchor(point, leaving=forward)
        tnodes = np.zeros(0, np.int64)
        if targets is not None:
            t = self.point_table(targets, leaving=not forward)
            tnodes = t.nodes[np.isfinite(t.extra)]  # not the padding
        if forward:
            indptr, head, w, length = self.net.indptr, self.net.head, self._w, self._len
        else:
            indptr, head, w, length, _ = self._reverse
        cost, _, _ = dijkstra(indptr, head, w, length, a.nodes, a.costs, a.dists, INF,
                              tnodes)
        return Labels(a, cost, forward, targets is None)

    def point_table(self, points: Sequence[LatLon], leaving: bool) -> PointTable:
        """Where each point joins the graph (see :class:`PointTable`); the tables of long
        lists are remembered (a fleet's planned stops are read by every quote)."""
        if len(points) < 8:
            return self._table(points, leaving)
        key = (tuple(points), leaving)
        with self._anchors_lock:
            hit = self._tables.get(key)
            if hit is not None:
                self._tables.move_to_end(key)
                return hit
        table = self._table(points, leaving)
        with self._anchors_lock:
            self._tables[key] = table
            while len(self._tables) > self.max_cached_tables:
                self._tables.popitem(last=False)
        return table

    def _table(self, points: Sequence[LatLon], leaving: bool) -> PointTable:
        try:
            keys = [(p[0], p[1], leaving) for p in points]
        except TypeError:  # node indices among the points
            return self._table_loop(points, leaving)
        get = self._rows.get
        with self._anchors_lock:  # (rows are given, cleared and grown under it)
            seen = [get(k, -1) for k in keys]
            if -1 not in seen:  # (as good as always: every point seen before)
                rows = np.array(seen, np.int64)
                return PointTable(self._row_nodes[rows], self._row_extra[rows],
                                  self._row_edge[rows], self._row_frac[rows])
        need = {k for k in keys if get(k) is None}
        if need:
            # (anchors outside the lock: anchor() takes it to remember what it snapped)
            full = len(self._rows) + len(need) > self.max_cached_points
            made = {k: self.anchor((k[0], k[1]), leaving) for k in (set(keys) if full else need)}
            with self._anchors_lock:
                if full:
                    self._rows.clear()  # bounded: start afresh
                for k, a in made.items():
                    self._add_row(k, a)
        with self._anchors_lock:  # (rows are only added under the lock; the arrays grow)
            try:
                ix = np.fromiter((self._rows[k] for k in keys), np.int64, len(keys))
            except KeyError:  # cleared meanwhile by another thread: rare
                return self._table_loop(points, leaving)
            return PointTable(self._row_nodes[ix], self._row_extra[ix], self._row_edge[ix],
                              self._row_frac[ix])

    def _add_row(self, key: tuple[float, float, bool], a: Anchor) -> None:
        """Give ``key`` a row (under ``_anchors_lock``), the arrays doubled when full."""
        if key in self._rows:
            return
        r = len(self._rows)
        if r == len(self._row_edge):
            self._row_nodes = np.concatenate([self._row_nodes, np.zeros((r, 2), np.int64)])
            self._row_extra = np.concatenate([self._row_extra, np.full((r, 2), INF)])
            self._row_edge = np.concatenate([self._row_edge, np.zeros(r, np.int64)])
            self._row_frac = np.concatenate([self._row_frac, np.zeros(r)])
        n = len(a.nodes)
        self._row_nodes[r] = 0
        self._row_extra[r] = INF
        self._row_nodes[r, :n] = a.nodes
        self._row_extra[r, :n] = a.costs
        self._row_edge[r] = a.snap.edge
        self._row_frac[r] = a.snap.fraction
        self._rows[key] = r

    def _table_loop(self, points: Sequence[LatLon], leaving: bool) -> PointTable:
        k = len(points)
        nodes = np.zeros((k, 2), np.int64)
        extra = np.full((k, 2), INF)
        edge = np.empty(k, np.int64)
        frac = np.empty(k)
        for i, p in enumerate(points):
            a = self.anchor(p, leaving)
            n = len(a.nodes)
            nodes[i, :n] = a.nodes
            extra[i, :n] = a.costs
            edge[i] = a.snap.edge
            frac[i] = a.snap.fraction
        return PointTable(nodes, extra, edge, frac)

    def read(self, labels: Labels, points: Sequence[LatLon]) -> np.ndarray:
        """Seconds from the labels' point to each of ``points`` (forward labels) or from each
        of them to it, as :meth:`matrix` would give them (rides along one street segment
        included)."""
        table = self.point_table(points, leaving=not labels.forward)
        out = (labels.cost[table.nodes] + table.extra).min(axis=1)
        src = labels.anchor.snap
        if src.edge >= 0:  # points on the source's own street segment: the direct ride
            rev = int(self._reverse_edge[src.edge])
            near = (table.edge == src.edge) | ((table.edge == rev) & (rev >= 0))
            for i in np.flatnonzero(near).tolist():
                other = Snap(int(table.edge[i]), float(table.fraction[i]), 0.0, 0.0, 0.0)
                direct = (self.same_edge_cost(src, other) if labels.forward
                          else self.same_edge_cost(other, src))
                if direct is not None and direct < out[i]:
                    out[i] = direct
        return out

    # -- isochrones -----------------------------------------------------------------------
    def isochrone(self, origin: LatLon | int, seconds: float, max_edge_m: float = 750.0,
                  max_points: int = 20_000) -> Isochrone:
        """Nodes reachable within ``seconds``, and a polygon around every point of the
        streets reachable in time (points every 25 m, partial edges included)."""
        cost, _ = self.one_to_many(origin, seconds)
        nodes = np.flatnonzero(np.isfinite(cost))
        idx = self._snap_index
        start = cost[self._tail[idx.sample_edge]]
        ok = start + idx.sample_frac * self._w[idx.sample_edge] <= seconds
        lat, lon = idx.sample_lat[ok], idx.sample_lon[ok]
        if len(lat) > max_points:  # a regular thinning keeps the outline
            step = int(np.ceil(len(lat) / max_points))
            lat, lon = lat[::step], lon[::step]
        poly = hull_polygon(lat, lon, max_edge_m)
        return Isochrone(float(seconds), nodes, cost[nodes], poly)


def _flat(anchors: list[Anchor]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    nodes = np.concatenate([a.nodes for a in anchors]) if anchors else np.zeros(0, np.int64)
    costs = np.concatenate([a.costs for a in anchors]) if anchors else np.zeros(0)
    dists = np.concatenate([a.dists for a in anchors]) if anchors else np.zeros(0)
    offsets = np.r_[0, np.cumsum([len(a.nodes) for a in anchors])].astype(np.int64)
    return nodes, costs, dists, offsets
