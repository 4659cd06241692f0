"""The analysis' files: the cells as a GeoPackage (written by :mod:`feeds.gpkg`) and the
summary as JSON."""

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
    from feeds.gpkg import write_polygons

    rings = [result.cells.polygon(i) for i in range(len(result.cells))]
    return write_polygons(path, "cells", rings, result.columns())


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
