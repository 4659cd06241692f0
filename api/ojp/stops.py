"""The timetable's stops as OJP needs them: the modes serving each stop, the stops nearest a
position, and a stop's ``Place`` element.

Computed from the compiled arrays (once per timetable for the modes), never from the feed's
tables per request."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from xml.etree.ElementTree import Element

import numpy as np

from api.ojp.context import Area
from api.ojp.place_out import DEMAND_RESPONSIVE, pt_mode, stop_place
from routing.timetable import Timetable

Mode = tuple[str, str | None, str | None]
EARTH_M = 6_371_008.8  #: mean Earth radius (metres) for great-circle distances

_lock = threading.Lock()
_route_types: weakref.WeakKeyDictionary[Timetable, list[tuple[int, ...]]] = (
    weakref.WeakKeyDictionary())


def route_types(tt: Timetable, stop: int) -> tuple[int, ...]:
    """The GTFS route types of the routes calling at stop index ``stop`` (sorted)."""
    with _lock:
        per_stop = _route_types.get(tt)
        if per_stop is None:
            per_stop = _route_types[tt] = _all_route_types(tt)
    return per_stop[stop]


def _all_route_types(tt: Timetable) -> list[tuple[int, ...]]:
    lens = np.diff(tt.pattern_stop_offset)
    stops = tt.pattern_stops.astype(np.int64)
    types = np.repeat(tt.route_type[tt.pattern_route].astype(np.int64), lens)
    pairs = np.unique(np.c_[stops, types], axis=0) if len(stops) else np.zeros((0, 2), int)
    out: list[list[int]] = [[] for _ in range(tt.n_stops)]
    for s, t in pairs.tolist():
        out[s].append(t)
    return [tuple(x) for x in out]


def modes_at(tt: Timetable, stop: int | None, point: tuple[float, float],
             areas: Sequence[Area]) -> list[Mode]:
    """The modes serving a stop (from its routes' types; ``stop`` None: a place that is no
    stop), and the demand-responsive bus when the point lies in an on-demand service area;
    each once, in order."""
    modes: list[Mode] = []
    for t in route_types(tt, stop) if stop is not None else ():
        m = pt_mode(t)
        if m not in modes:
            modes.append(m)
    if DEMAND_RESPONSIVE not in modes and any(a.contains(point) for a in areas):
        modes.append(DEMAND_RESPONSIVE)
    return modes


def haversine_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle (haversine) distance in metres from ``(lat, lon)`` to each point."""
    p1, p2 = np.radians(lat), np.radians(np.asarray(lats, float))
    dp, dl = p2 - p1, np.radians(np.asarray(lons, float) - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def distances_m(tt: Timetable, lat: float, lon: float) -> np.ndarray:
    """Great-circle distance in metres from ``(lat, lon)`` to every stop."""
    return haversine_m(lat, lon, tt.stop_lat, tt.stop_lon)


def nearest(tt: Timetable, lat: float, lon: float, limit: int,
            within: np.ndarray | None = None) -> list[tuple[int, float]]:
    """(stop index, metres) of the ``limit`` stops nearest ``(lat, lon)``, nearest first
    (ties by index); ``within``: a boolean mask of the stops allowed."""
    d = distances_m(tt, lat, lon)
    idx = np.arange(tt.n_stops) if within is None else np.flatnonzero(within)
    order = idx[np.lexsort((idx, d[idx]))][:limit]
    return [(int(i), float(d[i])) for i in order]


def stop_place_of(parent: Element, tt: Timetable, stop: int, language: str | None,
                  modes: Sequence[Mode] = ()) -> Element:
    """The ``Place`` of stop index ``stop`` (its GTFS id, name, position, wheelchair
    boarding when the feed says, ``modes``) appended to ``parent``."""
    wheel = int(tt.stop_wheelchair[stop])
    return stop_place(parent, str(tt.stop_id[stop]), str(tt.stop_name[stop]),
                      float(tt.stop_lat[stop]), float(tt.stop_lon[stop]), language, modes,
                      wheelchair=None if wheel == 0 else wheel == 1)
