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
