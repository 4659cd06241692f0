"""Where people live, from an OSM extract: building centroids and address points, the
weights of a synthetic demand's trip origins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium

#: buildings nobody lives in or travels from
_NOT_HOMES = {"barn", "shed", "garage", "garages", "farm_auxiliary", "roof", "hut",
              "cabin", "silo", "greenhouse", "stable", "cowshed", "carport", "ruins",
              "construction", "transformer_tower", "service", "bunker", "storage_tank"}


def home_points(path: Path, bbox: tuple[float, float, float, float] | None = None
                ) -> np.ndarray:
    """(n, 2) lat/lon of homes: building centroids (not barns, sheds, garages…) and address
    nodes not inside a counted building, optionally inside ``bbox`` = (min lat, min lon,
    max lat, max lon). One pass over the extract with node locations."""
    out: list[tuple[float, float]] = []
    fp = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for obj in fp:
        if isinstance(obj, osmium.osm.Node):
            if "addr:housenumber" in obj.tags and "building" not in obj.tags:
                loc = obj.location
                if loc.valid():
                    out.append((loc.lat, loc.lon))
            continue
        if not isinstance(obj, osmium.osm.Way):
            continue
        kind = obj.tags.get("building")
        if kind is None or kind == "no" or kind in _NOT_HOMES:
            continue
        lats, lons = [], []
        for n in obj.nodes:
            if n.location.valid():
                lats.append(n.location.lat)
                lons.append(n.location.lon)
        if lats:
            out.append((float(np.mean(lats)), float(np.mean(lons))))
    pts = np.array(out, dtype=np.float64).reshape(-1, 2)
    if bbox is not None and len(pts):
        keep = ((pts[:, 0] >= bbox[0]) & (pts[:, 0] <= bbox[2]) & (pts[:, 1] >= bbox[1])
                & (pts[:, 1] <= bbox[3]))
        pts = pts[keep]
    return pts
