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
