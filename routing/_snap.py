"""Snapping coordinates onto the nearest usable street segment.

Every edge polyline is densified to points at most ``spacing`` metres apart and put in a
KD-tree (local equirectangular metres); a query projects the point exactly onto the segments of
its nearest candidate points. Long straight rural roads therefore snap to the road itself, not
to a junction a kilometre away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from routing.geo import M_PER_DEG_LAT, M_PER_DEG_LON_EQ


@dataclass(frozen=True)
class Snap:
    """A point on edge ``edge`` at ``fraction`` (0 = tail, 1 = head) of its length."""

    edge: int
    fraction: float
    distance_m: float  #: from the query point to the street
    lat: float
    lon: float


class SnapIndex:
    """Nearest-segment lookup over a network's edge geometries."""

    def __init__(self, geom_offset: np.ndarray, geom_lat: np.ndarray, geom_lon: np.ndarray,
                 spacing: float = 25.0) -> None:
        self.lat0 = float(np.mean(geom_lat)) if len(geom_lat) else 0.0
        self.kx = M_PER_DEG_LON_EQ * np.cos(np.radians(self.lat0))
        x = geom_lon.astype(np.float64) * self.kx
        y = geom_lat.astype(np.float64) * M_PER_DEG_LAT
        n_pts = len(x)
        # segments: consecutive points of one edge
        is_last = np.zeros(n_pts, bool)
        is_last[geom_offset[1:] - 1] = True
        seg_start = np.flatnonzero(~is_last)
        self.seg_edge = (np.searchsorted(geom_offset, seg_start, side="right") - 1
                         ).astype(np.int64)
        self.ax, self.ay = x[seg_start], y[seg_start]
        self.bx, self.by = x[seg_start + 1], y[seg_start + 1]
        seg_len = np.hypot(self.bx - self.ax, self.by - self.ay)
        # metres along the edge at each segment start (for the fraction)
        edge_first_seg = np.searchsorted(self.seg_edge, np.arange(len(geom_offset) - 1))
        cum = np.cumsum(seg_len) - seg_len
        self.seg_along = cum - cum[np.minimum(edge_first_seg[self.seg_edge], len(cum) - 1)]
        self.seg_len = seg_len
        self.edge_len = np.bincount(self.seg_edge, weights=seg_len,
                                    minlength=len(geom_offset) - 1)
        # densify each segment so that no point of it is farther than spacing/2 from a sample
        k = np.maximum(1, np.ceil(seg_len / spacing)).astype(np.int64)
        seg_of = np.repeat(np.arange(len(seg_len)), k + 1)
        first = np.repeat(np.cumsum(k + 1) - (k + 1), k + 1)
        t = (np.arange(len(seg_of)) - first) / np.repeat(k, k + 1)
        px = self.ax[seg_of] + t * (self.bx[seg_of] - self.ax[seg_of])
        py = self.ay[seg_of] + t * (self.by[seg_of] - self.ay[seg_of])
        self.sample_seg = seg_of
        #: every sample's edge, its fraction along that edge and its coordinates
        self.sample_edge = self.seg_edge[seg_of]
        along = self.seg_along[seg_of] + t * seg_len[seg_of]
        total = self.edge_len[self.sample_edge]
        self.sample_frac = np.where(total > 0, along / np.where(total > 0, total, 1), 0.0)
        self.sample_lat = py / M_PER_DEG_LAT
        self.sample_lon = px / self.kx
        self.tree = cKDTree(np.column_stack([px, py]))
        self.max_gap = float(spacing)

    def nearest(self, lat: float, lon: float, k: int = 12) -> tuple[Snap, float]:
        """The nearest point on any edge; also returns its distance in metres."""
        qx, qy = lon * self.kx, lat * M_PER_DEG_LAT
        _, idx = self.tree.query([qx, qy], k=min(k, self.tree.n))
        segs = np.unique(self.sample_seg[np.atleast_1d(idx)])
        ax, ay, bx, by = self.ax[segs], self.ay[segs], self.bx[segs], self.by[segs]
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        t = np.where(ll > 0, ((qx - ax) * dx + (qy - ay) * dy) / np.where(ll > 0, ll, 1), 0.0)
        t = np.clip(t, 0.0, 1.0)
        px, py = ax + t * dx, ay + t * dy
        d = np.hypot(px - qx, py - qy)
        i = int(np.argmin(d))
        s = int(segs[i])
        e = int(self.seg_edge[s])
        along = self.seg_along[s] + t[i] * self.seg_len[s]
        frac = float(along / self.edge_len[e]) if self.edge_len[e] > 0 else 0.0
        snap = Snap(e, min(max(frac, 0.0), 1.0), float(d[i]), float(py[i] / M_PER_DEG_LAT),
                    float(px[i] / self.kx))
        return snap, float(d[i])
