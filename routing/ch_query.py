"""Travel times between one point and many on a contraction hierarchy, for the quotes of
instant insertion: "from this pickup to each planned stop", "from each stop to this drop-off".

Every point's *upward search space* — the nodes an upward search from (or, backwards,
towards) it settles, with their seconds — is small (hundreds to a few thousand nodes even
on a district's network) and is kept in a bounded LRU: the planned stops of a fleet come
back in quote after quote. One-to-many from ``a`` to ``b_1..b_k`` is then, for each ``b_j``,
the minimum over the nodes the forward space of ``a`` and the backward space of ``b_j``
share of the sum of their seconds (the bucket query of Knopp et al. 2007 with the buckets
read per target); a quote costs at most one new upward search per new point plus scans of
the spaces. The answers are those of a Dijkstra search read at the points
(:meth:`routing.street_router.StreetRouter.read`): the same anchors with partial edge costs,
the direct ride along a shared street segment, ``inf`` where unreachable (the only
difference: seconds summed in another order, within 1e-9 relative).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from routing._ch_query import phast, scan_spaces, upward_space
from routing._dijkstra import INF
from routing._snap import Snap
from routing.ch import Contraction
from routing.street_router import Labels, LatLon, PointTable, StreetRouter

#: one cached space: (node ranks int32, seconds float64)
Space = tuple[np.ndarray, np.ndarray]


class PointQueries:
    """One-to-many and many-to-one durations between points on ``router``'s hierarchy.

    Parameters
    ----------
    router
        A router with a contraction hierarchy (:attr:`StreetRouter.contraction`).
    max_entries
        Bound of the LRU of search spaces, in settled nodes over all kept spaces (12 bytes
        each: the default 4,000,000 is at most 48 MB).
    sweep_factor
        Above this many times the network's nodes in the targets' spaces together, a
        question is answered by a PHAST sweep (complete labels in linear time) read at the
        targets instead of scans of their spaces.
    """

    def __init__(self, router: StreetRouter, max_entries: int = 4_000_000,
                 sweep_factor: float = 2.0) -> None:
        ch = router.contraction
        if ch is None:
            raise ValueError("the router has no contraction hierarchy")
        self.router = router
        self.ch: Contraction = ch
        self.max_entries = max_entries
        #: many targets (their spaces together above this many times the nodes): one
        #: PHAST sweep over every node instead of the scans
        self.sweep_factor = sweep_factor
        self._spaces: OrderedDict[tuple[float, float, bool], Space] = OrderedDict()
        self._entries = 0
        #: the spaces of long point lists end to end (``max_gathered`` lists)
        self._gathered: OrderedDict[tuple[tuple[LatLon, ...], bool],
                                    tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self.max_gathered = 16
        self._lock = threading.Lock()
        self._local = threading.local()  # per-thread search workspaces

    @property
    def cached_points(self) -> int:
        return len(self._spaces)

    @property
    def cached_entries(self) -> int:
        """Settled nodes held over all cached spaces (the LRU's measure)."""
        return self._entries

    def one_to_many(self, origin: LatLon, destinations: Sequence[LatLon]) -> np.ndarray:
        """Seconds from ``origin`` to each destination (those of a forward search read at
        the destinations)."""
        return self._query(origin, destinations, forward=True)

    def many_to_one(self, origins: Sequence[LatLon], destination: LatLon) -> np.ndarray:
        """Seconds from each origin to ``destination``."""
        return self._query(destination, origins, forward=False)

    # -- internals ------------------------------------------------------------------------
    def _query(self, point: LatLon, others: Sequence[LatLon], forward: bool) -> np.ndarray:
        if len(others) == 0:
            return np.zeros(0)
        per_point = self._entries / len(self._spaces) if self._spaces else 500.0
        if len(others) * per_point > self.sweep_factor * self.ch.n_nodes:
            return self.router.read(self.labels(point, forward), others)
        own = self.space(point, forward)
        sp_nodes, sp_costs, offsets = self._gather(others, not forward)
        out: np.ndarray = scan_spaces(self._ws()[-1], own[0], own[1], sp_nodes, sp_costs,
                                      offsets)
        src = self.router.anchor(point, leaving=forward).snap
        if src.edge >= 0:
            self._direct(src, self.router.point_table(others, leaving=not forward), forward,
                         out)
        return out

    def _gather(self, points: Sequence[LatLon], forward: bool
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The spaces of ``points`` end to end, with offsets; long lists (a fleet's planned
        stops, read by every quote until the next booking) are remembered in a small LRU."""
        key = (tuple(points), forward) if len(points) >= 8 else None
        if key is not None:
            with self._lock:
                hit = self._gathered.get(key)
                if hit is not None:
                    self._gathered.move_to_end(key)
                    return hit
        keys = [(float(p[0]), float(p[1]), forward) for p in points]
        with self._lock:  # the spaces seen before, freshened in the LRU, under one lock
            known = self._spaces
            seen = [known.get(k) for k in keys]
            for k, sp in zip(keys, seen, strict=True):
                if sp is not None:
                    known.move_to_end(k)
        spaces = [sp if sp is not None else self.space(p, forward)
                  for p, sp in zip(points, seen, strict=True)]
        offsets = np.zeros(len(spaces) + 1, np.int64)
        np.cumsum([len(s[0]) for s in spaces], out=offsets[1:])
        out = (np.concatenate([s[0] for s in spaces]), np.concatenate([s[1] for s in spaces]),
               offsets)
        if key is not None:
            with self._lock:
                self._gathered[key] = out
                while len(self._gathered) > self.max_gathered:
                    self._gathered.popitem(last=False)
        return out

    def _direct(self, src: Snap, table: PointTable, forward: bool, out: np.ndarray) -> None:
        """Points on ``src``'s own street segment: the ride along it, if faster (as
        :meth:`StreetRouter.read` does)."""
        rev = int(self.router._reverse_edge[src.edge])
        near = (table.edge == src.edge) | ((table.edge == rev) & (rev >= 0))
        for i in np.flatnonzero(near).tolist():
            other = Snap(int(table.edge[i]), float(table.fraction[i]), 0.0, 0.0, 0.0)
            direct = (self.router.same_edge_cost(src, other) if forward
                      else self.router.same_edge_cost(other, src))
            if direct is not None and direct < out[i]:
                out[i] = direct

    def labels(self, point: LatLon, forward: bool) -> Labels:
        """Complete labels of ``point`` (seconds from it, or to it, for every node) by one
        upward search and a sweep down the ranks (PHAST)."""
        a = self.router.anchor(point, leaving=forward)
        ch = self.ch
        if forward:
            g = (ch.up_indptr, ch.up_head, ch.up_w, ch.up_len,
                 ch.down_indptr, ch.down_head, ch.down_w)
        else:
            g = (ch.down_indptr, ch.down_head, ch.down_w, ch.down_len,
                 ch.up_indptr, ch.up_head, ch.up_w)
        by_rank = phast(ch.rank[a.nodes], np.asarray(a.costs, np.float64), *g,
                        *self._ws()[:-1])
        return Labels(a, by_rank[ch.rank], forward, True)

    def space(self, point: LatLon, forward: bool) -> Space:
        """The upward search space of ``point``: from it (``forward``) or towards it; from
        the LRU or searched (and kept)."""
        key = (float(point[0]), float(point[1]), forward)
        with self._lock:
            hit = self._spaces.get(key)
            if hit is not None:
                self._spaces.move_to_end(key)
                return hit
        a = self.router.anchor(point, leaving=forward)
        ch = self.ch
        nodes = ch.rank[a.nodes]
        if forward:
            g = (ch.up_indptr, ch.up_head, ch.up_w, ch.up_len,
                 ch.down_indptr, ch.down_head, ch.down_w)
        else:
            g = (ch.down_indptr, ch.down_head, ch.down_w, ch.down_len,
                 ch.up_indptr, ch.up_head, ch.up_w)
        space: Space = upward_space(nodes, np.asarray(a.costs, np.float64), *g,
                                    *self._ws()[:-1])
        with self._lock:
            if key not in self._spaces:
                self._spaces[key] = space
                self._entries += len(space[0])
                while self._entries > self.max_entries and len(self._spaces) > 1:
                    _, old = self._spaces.popitem(last=False)
                    self._entries -= len(old[0])
        return space

    def _ws(self) -> tuple[np.ndarray, ...]:
        """This thread's workspaces: cost, dist, touched, settled, settled costs and
        metres (one per node), the heap, and the scan's marks (one inf per node)."""
        ws = getattr(self._local, "ws", None)
        if ws is None:
            n = self.ch.n_nodes
            h = max(len(self.ch.up_head), len(self.ch.down_head)) + 8
            ws = (np.full(n, INF), np.full(n, INF), np.empty(n, np.int64),
                  np.empty(n, np.int64), np.empty(n), np.empty(n), np.empty(h),
                  np.empty(h, np.int64), np.full(n, INF))
            self._local.ws = ws
        return ws  # type: ignore[no-any-return]
