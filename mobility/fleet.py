"""The on-demand fleet of a region, as configured in ``region.toml`` (``[[vehicles]]``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dispatch.model import Vehicle
from mobility.errors import RegionError
from routing.timebase import parse_clock

_KNOWN = {"id", "area", "depot", "seats", "wheelchair_places", "shift"}


def clock_seconds(text: str) -> int:
    """``HH:MM`` (up to 47:59 for service past midnight) as seconds after midnight."""
    return parse_clock(text, allow_seconds=False)


def read_fleet(raw: Any, areas: list[str], toml_path: Path) -> tuple[tuple[str, Vehicle], ...]:
    """``[[vehicles]]`` tables as (service area name, vehicle) with shifts in seconds after
    the service day's midnight.

    Raises
    ------
    RegionError
        Naming the vehicle entry and the field to fix.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RegionError(f"{toml_path}: 'vehicles' must be an array of tables ([[vehicles]])")
    out: list[tuple[str, Vehicle]] = []
    seen: set[str] = set()
    for k, entry in enumerate(raw):
        def bad(key: str, why: str, k: int = k) -> RegionError:
            return RegionError(f"{toml_path}: vehicles[{k}].{key} {why}")

        if not isinstance(entry, dict):
            raise RegionError(f"{toml_path}: vehicles[{k}] must be a table")
        unknown = set(entry) - _KNOWN
        if unknown:
            raise bad(sorted(unknown)[0],
                      f"is not a known field (known: {', '.join(sorted(_KNOWN))})")
        vid = entry.get("id")
        if not isinstance(vid, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", vid):
            raise bad("id", "must be 1-64 letters, digits, '.', '_' or '-'")
        if vid in seen:
            raise bad("id", f"'{vid}' is used twice")
        seen.add(vid)
        area = entry.get("area", areas[0] if len(areas) == 1 else None)
        if area not in areas:
            names = ", ".join(areas) or "none configured"
            raise bad("area", f"must name one of the region's service areas ({names}), "
                      f"not {area!r}")
        depot = entry.get("depot")
        if (not isinstance(depot, list) or len(depot) != 2
                or not all(isinstance(x, (int, float)) for x in depot)
                or not (-90 <= depot[0] <= 90 and -180 <= depot[1] <= 180)):
            raise bad("depot", "must be [latitude, longitude]")
        seats = entry.get("seats", 8)
        wheel = entry.get("wheelchair_places", 0)
        if not isinstance(seats, int) or not 1 <= seats <= 100:
            raise bad("seats", f"must be a whole number 1-100, not {seats!r}")
        if not isinstance(wheel, int) or not 0 <= wheel <= seats:
            raise bad("wheelchair_places", f"must be a whole number 0-{seats}, not {wheel!r}")
        shift = entry.get("shift", ["06:00", "20:00"])
        try:
            start, end = (clock_seconds(t) for t in shift)
        except (ValueError, TypeError):
            raise bad("shift", f"must be [\"HH:MM\", \"HH:MM\"], not {shift!r}") from None
        if end <= start:
            raise bad("shift", "must end after it starts")
        at = (float(depot[0]), float(depot[1]))
        out.append((area, Vehicle(vid, at, at, (float(start), float(end)), seats, wheel)))
    return tuple(out)
