"""The analysis' files: the cells as a GeoPackage (geopandas) and the summary as JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from mobility.access.run import AccessResult


def write_cells(result: AccessResult, path: Path) -> Path:
    """``cells.gpkg``: one row per cell — its square, weight, minutes to the nearest
    opportunity before/after (p25/p50/p75; empty: unreachable), opportunities within T
    and the gain flag per fleet size (columns ``after{N}_p50``, ``gain{N}``, …)."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Polygon

    cols = result.columns()
    data: dict[str, Any] = {}
    for k, v in cols.items():
        if v.dtype == bool:
            data[k] = v.astype(bool)
        else:
            x = v.astype(np.float64)
            data[k] = np.where(np.isfinite(x), x, np.nan)
    geoms = [Polygon(result.cells.polygon(i)) for i in range(len(result.cells))]
    gdf = gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4326")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    gdf.to_file(path, layer="cells", driver="GPKG")
    return path


def clean(x: Any) -> Any:
    """JSON-safe: non-finite floats become null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return x


def write_summary(result: AccessResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(clean(result.to_json()), indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path
