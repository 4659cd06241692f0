"""Named places as the readers find them (OSM extracts, gazetteer files): what a rider may
search for, where it is, and how big it is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import shapely

#: OSM ``place=*`` values that are settlements or parts of one, as search kinds
SETTLEMENTS = frozenset({"city", "town", "village", "hamlet", "suburb", "borough", "quarter",
                         "neighbourhood", "isolated_dwelling", "farm", "locality"})
#: kinds of administrative areas (``boundary=administrative``), by ``admin_level``
ADMIN_KINDS = frozenset({"state", "county", "municipality", "district"})


class NamedPlace(NamedTuple):
    """One named thing: a settlement, an administrative area, an address, a point of
    interest or a street, at one point."""

    name: str
    kind: str  #: "village", "municipality", "address", "street", or an OSM value ("pharmacy")
    lat: float
    lon: float
    population: int = 0  #: 0: unknown
    also: tuple[str, ...] = ()  #: other names it is found by (alt_name, the other address order)


def admin_kind(level: str | None) -> str | None:
    """The kind of an administrative area of OSM ``admin_level`` ``level`` (None: not one a
    rider looks for, such as a country)."""
    try:
        n = int(level or "")
    except ValueError:
        return None
    if n < 4 or n > 11:
        return None
    return "state" if n <= 5 else "county" if n == 6 else "municipality" if n <= 8 else "district"


def parse_population(text: str | None) -> int:
    """A ``population`` tag or property as a number (``"12 345"``, ``"1,234"``); 0 if it is
    not one."""
    if text is None:
        return 0
    digits = re.sub(r"[\s,.'’]", "", str(text))
    return int(digits) if digits.isdigit() else 0


def area_point(parts: Sequence[tuple[np.ndarray, Sequence[np.ndarray]]]) -> tuple[float, float]:
    """A point inside an area given as polygons (outer ring, inner rings) of (lat, lon) rows:
    the largest polygon's centroid if that lies inside it, else a point inside it (a
    concave or holed area's centroid may lie outside)."""
    polys = [shapely.Polygon(outer[:, ::-1], [r[:, ::-1] for r in inner if len(r) >= 4])
             for outer, inner in parts if len(outer) >= 4]
    polys = [p for p in polys if p.is_valid and p.area > 0] or polys
    if not polys:
        raise ValueError("an area needs a ring of at least four positions")
    poly = max(polys, key=lambda p: p.area)
    c = poly.centroid
    if not poly.contains(c):
        c = poly.representative_point()
    return float(c.y), float(c.x)
