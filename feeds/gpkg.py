"""GeoPackage output (geopandas, like every other reader and writer of files in ``feeds``):
polygons with their columns, one layer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def write_polygons(path: Path, layer: str, rings: Sequence[Sequence[tuple[float, float]]],
                   columns: dict[str, np.ndarray]) -> Path:
    """Write one polygon per ring ((lon, lat) corners, EPSG:4326) with ``columns`` (one value
    per polygon; non-finite floats become empty) as ``layer`` of a new GeoPackage at
    ``path`` (replaced if it exists)."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    data: dict[str, np.ndarray] = {}
    for k, v in columns.items():
        a = np.asarray(v)
        if a.dtype == bool:
            data[k] = a
        else:
            x = a.astype(np.float64)
            data[k] = np.where(np.isfinite(x), x, np.nan)
    gdf = gpd.GeoDataFrame(data, geometry=[Polygon(r) for r in rings], crs="EPSG:4326")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    gdf.to_file(path, layer=layer, driver="GPKG")
    return path
