"""A contraction hierarchy of one street network: built once (numba, seconds), stored as
arrays, and answering many-to-many travel-time matrices with bucket queries.

Nodes are renumbered by contraction rank so that the upward searches, which only climb,
read memory near the top of the arrays. See :mod:`routing._ch` for the technique.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from routing._arrays import from_arrays, to_arrays
from routing._ch import build_hierarchy, ch_many_to_many

#: bump when the layout or the construction changes (the cache key of stored hierarchies)
CH_VERSION = "2"


@dataclass(frozen=True, eq=False)
class Contraction:
    """A contraction hierarchy over ``n`` nodes, in rank order.

    ``up_*``: for rank r, the edges (originals and shortcuts) from r to higher ranks;
    ``down_*``: for rank r, the edges from higher ranks into r, stored as (tail, seconds,
    metres). Seconds and metres are float64 sums of the edges a shortcut stands for.
    """

    rank: np.ndarray  #: (n,) int64, the rank of every network node
    up_indptr: np.ndarray  #: (n+1,) int64
    up_head: np.ndarray  #: int32
    up_w: np.ndarray  #: float64 seconds
    up_len: np.ndarray  #: float64 metres
    down_indptr: np.ndarray  #: (n+1,) int64
    down_head: np.ndarray  #: int32
    down_w: np.ndarray  #: float64 seconds
    down_len: np.ndarray  #: float64 metres
    n_original: int  #: edges of the network (loops dropped)
    build_s: float  #: seconds the construction took

    @property
    def n_nodes(self) -> int:
        return len(self.rank)

    @property
    def n_shortcuts(self) -> int:
        return len(self.up_head) + len(self.down_head) - self.n_original

    @property
    def nbytes(self) -> int:
        return sum(int(np.asarray(v).nbytes) for v in vars(self).values())

    @classmethod
    def build(cls, indptr: np.ndarray, head: np.ndarray, weight: np.ndarray,
              length: np.ndarray, settle_limit: int = 60) -> Contraction:
        """Contract the CSR graph (``weight`` seconds, ``length`` metres per edge).

        ``settle_limit`` bounds every witness search: lower builds faster and adds more
        (unneeded, harmless) shortcuts.
        """
        t0 = time.perf_counter()
        n = len(indptr) - 1
        tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        rank, et, eh, ew, el, _ = build_hierarchy(
            n, tail, np.asarray(head, np.int64), np.asarray(weight, np.float64),
            np.asarray(length, np.float64), settle_limit)
        rt, rh = rank[et], rank[eh]
        up = rt < rh
        n_original = int(np.sum(tail != head))

        def csr(key: np.ndarray, other: np.ndarray, sel: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            order = np.argsort(key[sel], kind="stable")
            k = key[sel][order]
            ptr = np.r_[0, np.cumsum(np.bincount(k, minlength=n))].astype(np.int64)
            return ptr, other[sel][order].astype(np.int32), ew[sel][order], el[sel][order]

        ui, uh, uw, ul = csr(rt, rh, up)
        di, dh, dw, dl = csr(rh, rt, ~up)
        return cls(rank, ui, uh, uw, ul, di, dh, dw, dl, n_original,
                   round(time.perf_counter() - t0, 3))

    def many_to_many(self, o_nodes: np.ndarray, o_costs: np.ndarray, o_dists: np.ndarray,
                     o_offsets: np.ndarray, d_nodes: np.ndarray, d_costs: np.ndarray,
                     d_dists: np.ndarray, d_offsets: np.ndarray, max_cost: float
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Durations (s) and distances (m) between anchored points: the arguments and
        answers of :func:`routing._dijkstra.many_to_many` (node ids are the network's)."""
        return ch_many_to_many(  # type: ignore[no-any-return]
            self.rank, self.up_indptr, self.up_head, self.up_w, self.up_len,
            self.down_indptr, self.down_head, self.down_w, self.down_len,
            np.asarray(o_nodes, np.int64), np.asarray(o_costs, np.float64),
            np.asarray(o_dists, np.float64), np.asarray(o_offsets, np.int64),
            np.asarray(d_nodes, np.int64), np.asarray(d_costs, np.float64),
            np.asarray(d_dists, np.float64), np.asarray(d_offsets, np.int64),
            float(max_cost))

    def to_arrays(self, prefix: str = "ch.") -> dict[str, np.ndarray]:
        return to_arrays(self, prefix)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "ch.") -> Contraction:
        return from_arrays(cls, arrays, prefix)
