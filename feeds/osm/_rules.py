"""Which OSM ways each mode may use, in which direction, and how fast (documented defaults).

Speeds are km/h. Car speeds come from ``maxspeed`` (direction-specific ``maxspeed:forward`` /
``:backward`` first, then ``maxspeed``, then ``zone:maxspeed`` / ``maxspeed:type`` /
``source:maxspeed`` such as ``DE:urban`` or ``DE:zone30``), else from a per-country default
table by highway class. Walking and cycling use constant speeds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

WALK_KMH = 1.33 * 3.6  # 1.33 m/s, the usual planning value for walking
BIKE_KMH = 15.0
BIKE_SLOW_KMH = 10.0  # tracks, paths, pedestrian areas

CAR_CLASSES = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "service", "road",
})
NOT_ROADS = frozenset({"proposed", "construction", "abandoned", "planned", "razed", "raceway",
                       "bus_guideway", "platform", "elevator", "escalator", "no", "disused",
                       "rest_area", "services"})
CAR_SERVICE_EXCLUDED = frozenset({"parking_aisle", "driveway", "private", "emergency_access",
                                  "parking", "drive-through"})
NO_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "military", "discouraged"})
YES_ACCESS = frozenset({"yes", "designated", "permissive", "destination", "official"})

#: default car speeds (km/h) by highway class and ISO country code; "" is the fallback
_MPH = 1.609344
DEFAULT_CAR_KMH: dict[str, dict[str, float]] = {
    "US": {k: v * _MPH for k, v in {
        "motorway": 65, "motorway_link": 40, "trunk": 55, "trunk_link": 35, "primary": 50,
        "primary_link": 30, "secondary": 45, "secondary_link": 30, "tertiary": 35,
        "tertiary_link": 25, "unclassified": 30, "residential": 25, "living_street": 10,
        "service": 15, "road": 25}.items()},
    "DE": {"motorway": 120, "motorway_link": 60, "trunk": 90, "trunk_link": 50, "primary": 70,
           "primary_link": 40, "secondary": 60, "secondary_link": 40, "tertiary": 50,
           "tertiary_link": 30, "unclassified": 50, "residential": 30, "living_street": 7,
           "service": 20, "road": 40},
}
DEFAULT_CAR_KMH[""] = DEFAULT_CAR_KMH["DE"]
#: what "none" (no limit, e.g. the Autobahn) means as a planning speed
UNLIMITED_KMH = {"DE": 130.0, "": 130.0, "US": 70 * _MPH}
#: implicit limits named by zone codes (``DE:urban``, ``AT:rural``, ...)
ZONE_KMH = {"urban": 50.0, "rural": 100.0, "motorway": 130.0, "living_street": 7.0,
            "bicycle_road": 30.0, "walk": 7.0, "pedestrian_zone": 7.0}
_NUM = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")
_ZONE = re.compile(r"^[A-Z]{2}:(?:zone:?)?(\d+)$")


def parse_speed(value: str | None, country: str) -> float | None:
    """A ``maxspeed``-like value in km/h, or None if it says nothing usable."""
    if not value:
        return None
    speeds = []
    for part in value.split(";"):  # "50;30" -> the lower
        part = part.strip()
        m = _NUM.match(part)
        if m:
            v = float(m.group(1)) * (_MPH if m.group(2) == "mph" else 1.0)
            if v > 0:
                speeds.append(v)
            continue
        if part == "none":
            speeds.append(UNLIMITED_KMH.get(country, UNLIMITED_KMH[""]))
        elif part == "walk":
            speeds.append(7.0)
        elif (z := _ZONE.match(part)) is not None:
            speeds.append(float(z.group(1)))
        elif ":" in part and part.split(":", 1)[1] in ZONE_KMH:
            speeds.append(ZONE_KMH[part.split(":", 1)[1]])
    return min(speeds) if speeds else None


def car_speeds(tags: Mapping[str, str], country: str) -> tuple[float, float]:
    """(forward, backward) car speed in km/h along the way's node order."""
    hw = tags.get("highway", "")
    general = (parse_speed(tags.get("maxspeed"), country)
               or parse_speed(tags.get("zone:maxspeed"), country)
               or parse_speed(tags.get("maxspeed:type"), country)
               or parse_speed(tags.get("source:maxspeed"), country))
    if general is None:
        table = DEFAULT_CAR_KMH.get(country, DEFAULT_CAR_KMH[""])
        general = table.get(hw, table["road"])
    fwd = parse_speed(tags.get("maxspeed:forward"), country) or general
    bwd = parse_speed(tags.get("maxspeed:backward"), country) or general
    return fwd, bwd


def _allowed(tags: Mapping[str, str], mode_keys: tuple[str, ...]) -> bool | None:
    """Explicit access for a mode: True/False from the most specific tag, None if unsaid."""
    for key in mode_keys:
        v = tags.get(key)
        if v in YES_ACCESS:
            return True
        if v in NO_ACCESS:
            return False
    return None


#: ways that exist for walking/cycling; an extract without any holds car roads only
PATH_CLASSES = frozenset({"footway", "path", "cycleway", "pedestrian", "steps", "bridleway"})


def usable(tags: Mapping[str, str], mode: str, assume_sidepaths: bool = False) -> bool:
    """Whether ``mode`` (walk/bike/car) may travel on a way with these tags.

    ``assume_sidepaths``: the extract holds no footways or cycleways at all (car roads only),
    so a road tagged ``foot=no``/``bicycle=no`` (which in OSM means "use the separate path
    beside it") stands in for that missing path. Motorways and motorroads stay excluded.
    """
    if assume_sidepaths and mode in ("walk", "bike"):
        key = "foot" if mode == "walk" else "bicycle"
        if tags.get(key) in NO_ACCESS | {"use_sidepath"} and tags.get("access") not in NO_ACCESS:
            tags = {k: v for k, v in tags.items() if k != key}
    hw = tags.get("highway")
    if not hw or hw in NOT_ROADS or tags.get("area") == "yes":
        return False
    if mode == "car":
        explicit = _allowed(tags, ("motorcar", "motor_vehicle", "vehicle", "access"))
        if hw not in CAR_CLASSES or explicit is False:
            return False
        if tags.get("oneway") in ("reversible", "alternating"):
            return False
        return not (hw == "service" and tags.get("service") in CAR_SERVICE_EXCLUDED
                    and explicit is not True)
    if mode == "bike":
        explicit = _allowed(tags, ("bicycle", "vehicle", "access"))
        if explicit is not None:
            return explicit and hw not in ("motorway", "motorway_link")
        if hw in ("motorway", "motorway_link", "steps", "corridor"):
            return False
        if tags.get("motorroad") == "yes":
            return False
        return hw not in ("footway", "pedestrian", "bridleway")
    if mode == "walk":
        explicit = _allowed(tags, ("foot", "access"))
        if explicit is not None:
            return explicit and hw not in ("motorway", "motorway_link")
        if hw in ("motorway", "motorway_link") or tags.get("motorroad") == "yes":
            return False
        return not (hw == "cycleway" and tags.get("foot") not in YES_ACCESS
                    and tags.get("sidewalk") in (None, "no", "none"))
    raise ValueError(f"unknown mode {mode!r}")


def direction(tags: Mapping[str, str], mode: str) -> int:
    """1 forward only, -1 backward only, 0 both ways (along the way's node order)."""
    if mode == "walk":
        return 0
    ow = tags.get("oneway", "")
    if mode == "bike":
        if tags.get("oneway:bicycle") == "no" or tags.get("cycleway", "").startswith("opposite"):
            return 0
        ow = tags.get("oneway:bicycle", ow)
    if ow in ("yes", "true", "1"):
        return 1
    if ow in ("-1", "reverse"):
        return -1
    if ow == "no":
        return 0
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return 1
    return 0


def speeds(tags: Mapping[str, str], mode: str, country: str) -> tuple[float, float]:
    """(forward, backward) speed in km/h for ``mode`` along the way's node order."""
    if mode == "walk":
        return WALK_KMH, WALK_KMH
    if mode == "bike":
        slow = tags.get("highway") in ("track", "path", "pedestrian", "footway", "bridleway")
        v = BIKE_SLOW_KMH if slow else BIKE_KMH
        return v, v
    return car_speeds(tags, country)
