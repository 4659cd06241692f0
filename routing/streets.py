"""The compiled street network of one travel mode: a directed graph in CSR form.

Node ``u``'s outgoing edges are ``indptr[u] : indptr[u + 1]``; edge ``e`` leads to ``head[e]``
and costs ``travel_time[e]`` seconds over ``length[e]`` metres. Parallel edges are collapsed to
the fastest one. Edge shapes are polylines stored flat: edge ``e``'s points (endpoints
included) are ``geom_lat/lon[geom_offset[e] : geom_offset[e + 1]]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing._arrays import from_arrays, to_arrays

MODES: tuple[str, ...] = ("walk", "bike", "car")


@dataclass(frozen=True, eq=False)
class StreetNetwork:
    """One mode's street graph (largest strongly connected component) as CSR arrays."""

    mode: str
    node_osm_id: np.ndarray  #: (n,) int64
    node_lat: np.ndarray  #: (n,) float64
    node_lon: np.ndarray  #: (n,) float64
    indptr: np.ndarray  #: (n+1,) int64
    head: np.ndarray  #: (m,) int32
    length: np.ndarray  #: (m,) float32 metres
    travel_time: np.ndarray  #: (m,) float32 seconds
    highway: np.ndarray  #: (m,) int8 code into HIGHWAY_CLASSES (-1 other)
    geom_offset: np.ndarray  #: (m+1,) int64
    geom_lat: np.ndarray  #: float32
    geom_lon: np.ndarray  #: float32

    @property
    def n_nodes(self) -> int:
        return len(self.node_lat)

    @property
    def n_edges(self) -> int:
        return len(self.head)

    def tail(self) -> np.ndarray:
        """Source node of every edge (derived from ``indptr``)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    def without(self, highway_classes: tuple[str, ...]) -> StreetNetwork:
        """The same network without edges of the given highway classes (e.g. ``("steps",)``
        for step-free walking). Nodes are kept, so indices stay valid."""
        codes = [HIGHWAY_CLASSES.index(h) for h in highway_classes]
        keep = ~np.isin(self.highway, codes)
        counts = np.add.reduceat(keep.astype(np.int64), self.indptr[:-1]) if self.n_edges \
            else np.zeros(self.n_nodes, np.int64)
        counts[np.diff(self.indptr) == 0] = 0
        glen = np.diff(self.geom_offset)[keep]
        gidx = np.repeat(self.geom_offset[:-1][keep] - np.r_[0, np.cumsum(glen)[:-1]], glen) \
            + np.arange(glen.sum())
        return StreetNetwork(
            mode=self.mode, node_osm_id=self.node_osm_id, node_lat=self.node_lat,
            node_lon=self.node_lon, indptr=np.r_[0, np.cumsum(counts)].astype(np.int64),
            head=self.head[keep], length=self.length[keep], travel_time=self.travel_time[keep],
            highway=self.highway[keep], geom_offset=np.r_[0, np.cumsum(glen)].astype(np.int64),
            geom_lat=self.geom_lat[gidx], geom_lon=self.geom_lon[gidx])

    def within(self, lat0: float, lon0: float, lat1: float, lon1: float) -> StreetNetwork:
        """The part of the network inside a box: the nodes in it and the edges between
        them, cut down to its largest strongly connected component (one-way streets leaving
        the box would strand nodes) — a service area's own streets, whose searches settle
        a few thousand nodes instead of a whole region's."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        inside = ((self.node_lat >= lat0) & (self.node_lat <= lat1)
                  & (self.node_lon >= lon0) & (self.node_lon <= lon1))
        tail = self.tail()
        keep_e = inside[tail] & inside[self.head]
        idx = np.flatnonzero(inside)
        new = np.full(self.n_nodes, -1, np.int64)
        new[idx] = np.arange(len(idx))
        g = csr_matrix((np.ones(int(keep_e.sum())), (new[tail[keep_e]], new[self.head[keep_e]])),
                       shape=(len(idx), len(idx)))
        _, comp = connected_components(g, directed=True, connection="strong")
        big = np.bincount(comp).argmax() if len(comp) else 0
        inside[idx[comp != big]] = False
        keep_e = inside[tail] & inside[self.head]
        idx = np.flatnonzero(inside)
        new[:] = -1
        new[idx] = np.arange(len(idx))
        edges = np.flatnonzero(keep_e)  # CSR order: by tail, so by new tail too
        counts = np.bincount(new[tail[edges]], minlength=len(idx))
        glen = np.diff(self.geom_offset)[edges]
        gidx = np.repeat(self.geom_offset[:-1][edges] - np.r_[0, np.cumsum(glen)[:-1]], glen) \
            + np.arange(glen.sum())
        return StreetNetwork(
            mode=self.mode, node_osm_id=self.node_osm_id[idx], node_lat=self.node_lat[idx],
            node_lon=self.node_lon[idx], indptr=np.r_[0, np.cumsum(counts)].astype(np.int64),
            head=new[self.head[edges]].astype(np.int32), length=self.length[edges],
            travel_time=self.travel_time[edges], highway=self.highway[edges],
            geom_offset=np.r_[0, np.cumsum(glen)].astype(np.int64),
            geom_lat=self.geom_lat[gidx], geom_lon=self.geom_lon[gidx])

    def to_arrays(self, prefix: str | None = None) -> dict[str, np.ndarray]:
        return to_arrays(self, prefix if prefix is not None else f"st.{self.mode}.")

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], mode: str) -> StreetNetwork:
        return from_arrays(cls, arrays, f"st.{mode}.")


#: highway classes kept as edge codes (for wheelchair step-free walking, display, speeds)
HIGHWAY_CLASSES: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential",
    "living_street", "service", "road", "track", "pedestrian", "footway", "path", "cycleway",
    "bridleway", "steps", "corridor", "busway",
)
