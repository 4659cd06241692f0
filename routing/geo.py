"""Geodesy for short distances: metres per degree on the WGS 84 ellipsoid and a local
equirectangular distance (exact enough within a region, far cheaper than great circles)."""

from __future__ import annotations

import numpy as np

#: metres per degree of latitude (mean over the ellipsoid near the equator, WGS 84)
M_PER_DEG_LAT = 110_574.0
#: metres per degree of longitude at the equator (times cos(latitude) elsewhere)
M_PER_DEG_LON_EQ = 111_320.0


def metres_per_degree_lon(lat: float) -> float:
    """Metres per degree of longitude at latitude ``lat`` (degrees)."""
    return M_PER_DEG_LON_EQ * float(np.cos(np.radians(lat)))


def local_metres(lat0: float, lon0: float, lat: np.ndarray | float,
                 lon: np.ndarray | float) -> np.ndarray | float:
    """Distance in metres from (lat0, lon0) to each point, on a plane tangent at lat0."""
    dy = (np.asarray(lat) - lat0) * M_PER_DEG_LAT
    dx = (np.asarray(lon) - lon0) * metres_per_degree_lon(lat0)
    out = np.hypot(dx, dy)
    return float(out) if np.ndim(out) == 0 else out
