"""A region's gazetteer (``places`` in ``region.toml``): a GeoJSON file of named places —
villages, towns, districts, anything riders search for — for regions whose OSM extract does
not name them (the shipped extracts hold roads only)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, NamedTuple

from mobility.errors import RegionError
from mobility.schema import report

#: a kind is a word such as "village", "town" or "doctors" (as OSM's values are)
_KIND = re.compile(r"^[a-z][a-z_]{0,39}$")
DEFAULT_KIND = "village"


class GazetteerPlace(NamedTuple):
    """One named place of a gazetteer (the fields of :class:`feeds.places.NamedPlace`)."""

    name: str
    kind: str
    lat: float
    lon: float
    population: int = 0  #: 0: unknown
    also: tuple[str, ...] = ()  #: other names it is found by


def read_gazetteer(path: Path) -> tuple[GazetteerPlace, ...]:
    """The places of a GeoJSON FeatureCollection: each feature a Point, Polygon or
    MultiPolygon with the properties ``name`` (required), ``kind`` (default "village"),
    ``population`` (a whole number) and ``alt_names`` (other names it is found by). A
    polygon's place is its centroid, or a point inside it where the centroid is not (the
    largest part's, for a MultiPolygon).

    Raises
    ------
    RegionError
        Naming the file and listing every problem at once, each with its feature and field
        (``features[2].properties.name is missing``).
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegionError(f"gazetteer file {path} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RegionError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        raise RegionError(f"{path}: must be a GeoJSON FeatureCollection (an object with "
                          "\"type\": \"FeatureCollection\" and a \"features\" list)")
    problems: list[str] = []
    out = []
    for i, feat in enumerate(doc["features"]):
        place = _feature(feat, f"features[{i}]", problems)
        if place is not None:
            out.append(place)
    if problems:
        raise RegionError(report(str(path), problems))
    return tuple(out)


def _feature(feat: Any, at: str, problems: list[str]) -> GazetteerPlace | None:
    """One feature as a place, or None after noting what is wrong with it."""
    if not isinstance(feat, dict) or feat.get("type") != "Feature":
        problems.append(f"{at} must be a GeoJSON Feature")
        return None
    props = feat.get("properties")
    props = props if isinstance(props, dict) else {}
    before = len(problems)
    name = props.get("name")
    if name is None:
        problems.append(f"{at}.properties.name is missing (the place's name)")
    elif not isinstance(name, str) or not name.strip():
        problems.append(f"{at}.properties.name must be a non-empty text, not {name!r}")
    kind = props.get("kind", DEFAULT_KIND)
    if not isinstance(kind, str) or not _KIND.match(kind):
        problems.append(f"{at}.properties.kind must be a lower-case word such as \"village\" "
                        f"or \"town\", not {kind!r}")
    population = props.get("population", 0)
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        problems.append(f"{at}.properties.population must be a whole number of at least 0, "
                        f"not {population!r}")
    alt = props.get("alt_names", [])
    if not isinstance(alt, list) or not all(isinstance(a, str) and a.strip() for a in alt):
        problems.append(f"{at}.properties.alt_names must be a list of names, not {alt!r}")
    point = _point(feat.get("geometry"), f"{at}.geometry", problems)
    if len(problems) > before or point is None:
        return None
    return GazetteerPlace(str(name).strip(), kind, point[0], point[1], population,
                          tuple(a.strip() for a in alt))


def _point(geom: Any, at: str, problems: list[str]) -> tuple[float, float] | None:
    """(lat, lon) of a Point, or a point inside a (Multi)Polygon; None after noting why not."""
    kind = geom.get("type") if isinstance(geom, dict) else None
    coords: Any = geom.get("coordinates") if isinstance(geom, dict) else None
    if kind not in ("Point", "Polygon", "MultiPolygon"):
        problems.append(f"{at} must be a Point, Polygon or MultiPolygon, not {kind!r}")
        return None
    try:
        if kind == "Point":
            return _position(coords)
        polygons = [coords] if kind == "Polygon" else list(coords)
        rings = [[[_position(p) for p in ring] for ring in poly] for poly in polygons]
        if not rings or any(not poly or any(len(r) < 4 for r in poly) for poly in rings):
            raise ValueError("rings need four positions")
    except (TypeError, ValueError):
        shape = "" if kind == "Point" else ", rings of at least four"
        problems.append(f"{at}.coordinates must be [longitude, latitude] positions in "
                        f"range{shape}, not {json.dumps(coords)[:60]}")
        return None
    return _inside(rings)


def _position(p: Any) -> tuple[float, float]:
    """A GeoJSON position [lon, lat] as (lat, lon).

    Raises
    ------
    ValueError
        If it is not two (or three) finite numbers with latitude and longitude in range.
    """
    if (not isinstance(p, list) or len(p) not in (2, 3)
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)):
        raise ValueError(p)
    lon, lat = float(p[0]), float(p[1])
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180):
        raise ValueError(p)
    return lat, lon


def _inside(polygons: list[list[list[tuple[float, float]]]]) -> tuple[float, float]:
    """The largest polygon's centroid if it lies inside it, else a point inside it."""
    import shapely  # only for gazetteers with areas

    polys = [shapely.Polygon([(lon, lat) for lat, lon in poly[0]],
                             [[(lon, lat) for lat, lon in r] for r in poly[1:]])
             for poly in polygons]
    poly = max(polys, key=lambda p: p.area)
    c = poly.centroid
    if c.is_empty or not poly.contains(c):
        c = poly.representative_point()
    return float(c.y), float(c.x)
