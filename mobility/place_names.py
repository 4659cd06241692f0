"""The place namer: a point in plain words from the region's own data — the named street it
lies on (from the OSM extract's highways), the house number of an address beside it, the
village or town around it, and a stop or named place within a short walk ("Wooster Road,
Cornwall", "12 Main Street", "Main Street, Middlebury (near Merchant's Row)").

Built once per region (a second or two: one pass over the extract) and then answers in
microseconds from k-d trees over the streets' pieces and the named points.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

from api.place_names import PlaceName
from mobility.region import Region
from routing.geo import M_PER_DEG_LAT, metres_per_degree_lon

log = logging.getLogger(__name__)

#: a street names a place up to this far from it
STREET_M = 300.0
#: an address names a place up to this far from it (a house's point is its door or middle)
ADDRESS_M = 40.0
#: a stop or named place is "near" a place up to this far (a short walk, in sight)
NEAR_M = 150.0
#: a point this close to a stop is the stop (a ride booked to it, kept as coordinates)
AT_STOP_M = 15.0
#: the village or town around a place: the nearest settlement up to this far
SETTLEMENT_M = 8000.0
#: streets are cut into pieces no longer than this (the k-d tree holds their midpoints)
_PIECE_M = 50.0
#: settlements' kinds (their names follow a street's: "Main Street, Middlebury")
_SETTLEMENTS = {"city", "town", "village", "hamlet", "suburb", "borough", "quarter",
                "neighbourhood", "isolated_dwelling", "locality", "municipality"}
#: points that are no destination of their own (found otherwise or too vague)
_NOT_NEAR = _SETTLEMENTS | {"street", "address", "county", "state", "district", "track",
                            "information", "slipway", "parking"}
#: countries that write the house number before the street ("12 Main Street")
_NUMBER_FIRST = {"US", "CA", "GB", "IE", "AU", "NZ", "FR", "BE", "LU"}


@dataclass(frozen=True)
class NamedPoint:
    name: str
    kind: str
    lat: float
    lon: float


class _Points:
    """Named points and a k-d tree over them (in local metres)."""

    def __init__(self, pts: Sequence[NamedPoint], proj: _Projection) -> None:
        self.items = list(pts)
        xy = proj(np.array([p.lat for p in pts]), np.array([p.lon for p in pts])) if pts \
            else np.zeros((0, 2))
        self.tree = cKDTree(xy) if len(self.items) else None

    def nearest(self, xy: np.ndarray, within: float) -> tuple[NamedPoint, float] | None:
        if self.tree is None:
            return None
        d, k = self.tree.query(xy, distance_upper_bound=within)
        return (self.items[int(k)], float(d)) if np.isfinite(d) else None


class _Projection:
    """Equirectangular metres around the region's middle (exact enough within ~100 km for
    ranking distances of a few hundred metres)."""

    def __init__(self, lat0: float) -> None:
        self.ky, self.kx = M_PER_DEG_LAT, metres_per_degree_lon(lat0)

    def __call__(self, lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
        return np.column_stack([np.atleast_1d(lat) * self.ky, np.atleast_1d(lon) * self.kx])


class PlaceNames:
    """Names points of one region (see the module's doc).

    Parameters
    ----------
    street_names, segments, segment_name
        Named streets as straight pieces: names, ``(k, 4)`` rows of lat0, lon0, lat1, lon1
        and each piece's index into the names.
    places
        Named points: settlements, addresses (kind ``address``), stops (kind ``stop``) and
        other named places.
    number_first
        Addresses read "12 Main Street" (else "Main Street 12").
    """

    def __init__(self, street_names: Sequence[str], segments: np.ndarray,
                 segment_name: np.ndarray, places: Sequence[NamedPoint],
                 number_first: bool = True) -> None:
        self.street_names = list(street_names)
        lat0 = float(np.mean(segments[:, 0])) if len(segments) else float(
            np.mean([p.lat for p in places]) if places else 0.0)
        self.proj = _Projection(lat0)
        self.number_first = number_first
        a = self.proj(segments[:, 0], segments[:, 1]) if len(segments) else np.zeros((0, 2))
        b = self.proj(segments[:, 2], segments[:, 3]) if len(segments) else np.zeros((0, 2))
        # pieces of at most _PIECE_M: a nearest-midpoint search then finds the nearest piece
        n = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / _PIECE_M)).astype(np.int64)
        seg = np.repeat(np.arange(len(a)), n)
        step = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        f0, f1 = step / n[seg], (step + 1) / n[seg]
        d = b[seg] - a[seg]
        self.p0 = a[seg] + d * f0[:, None]
        self.p1 = a[seg] + d * f1[:, None]
        self.piece_name = np.asarray(segment_name, dtype=np.int64)[seg]
        self.tree = cKDTree((self.p0 + self.p1) / 2) if len(seg) else None
        self.addresses = _Points([p for p in places if p.kind == "address"], self.proj)
        self.settlements = _Points([p for p in places if p.kind in _SETTLEMENTS], self.proj)
        self.near = _Points([p for p in places if p.kind not in _NOT_NEAR], self.proj)
        self.stops = _Points([p for p in places if p.kind == "stop"], self.proj)

    @classmethod
    def of_region(cls, region: Region) -> PlaceNames:
        """From the region's extract (streets, addresses, named places), its gazetteer
        (villages and towns) and its stops; an extract pyosmium cannot read leaves stops
        and the gazetteer."""
        from feeds import FeedError
        from feeds.osm import named_places, street_segments

        cfg = region.config
        first = cfg.country in _NUMBER_FIRST
        try:
            names, segs, owner = street_segments(cfg.osm)
            found = named_places(cfg.osm, number_first=first)
        except FeedError as exc:
            log.warning("place names without the extract's streets: %s", exc)
            names, segs, owner, found = [], np.zeros((0, 4)), np.zeros(0, np.int64), []
        tt = region.timetable
        places = [NamedPoint(g.name, g.kind, g.lat, g.lon) for g in cfg.places]
        places += [NamedPoint(f.name, f.kind, f.lat, f.lon) for f in found
                   if f.kind != "street"]
        places += [NamedPoint(str(n), "stop", float(la), float(lo))
                   for n, la, lo in zip(tt.stop_name.tolist(), tt.stop_lat.tolist(),
                                        tt.stop_lon.tolist(), strict=True)]
        return cls(names, segs, owner, places, number_first=first)

    # -- answers ---------------------------------------------------------------------------
    def street(self, lat: float, lon: float) -> tuple[str, float] | None:
        """The nearest named street within ``STREET_M`` and its distance in metres."""
        if self.tree is None:
            return None
        p = self.proj(lat, lon)[0]
        d0, _ = self.tree.query(p)
        if not np.isfinite(d0) or d0 > STREET_M + _PIECE_M:
            return None
        cand = np.asarray(self.tree.query_ball_point(p, d0 + _PIECE_M / 2 + 1e-6),
                          dtype=np.int64)
        a, b = self.p0[cand], self.p1[cand]
        ab = b - a
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.maximum(
            np.einsum("ij,ij->i", ab, ab), 1e-12), 0.0, 1.0)
        dist = np.hypot(*(a + ab * t[:, None] - p).T)
        k = int(np.argmin(dist))
        if dist[k] > STREET_M:
            return None
        return self.street_names[int(self.piece_name[cand[k]])], float(dist[k])

    def name(self, lat: float, lon: float, stop: str | None = None) -> PlaceName:
        """The place at (``lat``, ``lon``) in plain words: a stop's own name when it is one
        (``stop``, or a stop within ``AT_STOP_M``); else the address there ("12 Main
        Street"), else the street and the village or town ("Wooster Road, Cornwall");
        ``near``: a stop or named place within ``NEAR_M``; coordinates only where nothing
        is known."""
        xy = self.proj(lat, lon)[0]
        stop_m = 0.0
        if stop is None and (at := self.stops.nearest(xy, AT_STOP_M)) is not None:
            stop, stop_m = at[0].name, at[1]
        street = self.street(lat, lon)
        road = street[0] if street else None
        addr = self.addresses.nearest(xy, ADDRESS_M)
        near = self.near.nearest(xy, NEAR_M)
        near_name = near[0].name if near is not None and near[0].name != stop else None
        if stop is not None:
            return PlaceName(stop, road, None, near_name, stop_m)
        if addr is not None:
            number, on = _split_address(addr[0].name, self.number_first)
            text = addr[0].name.split(",")[0]
            return PlaceName(text, on or road, number, near_name, addr[1])
        town = self.settlements.nearest(xy, SETTLEMENT_M)
        if street is not None:
            text = street[0] if town is None or town[0].name == street[0] else \
                f"{street[0]}, {town[0].name}"
            return PlaceName(text, street[0], None, near_name, street[1])
        if near is not None:
            return PlaceName(near[0].name, None, None, None, near[1])
        if town is not None:
            return PlaceName(f"near {town[0].name}", None, None, None, town[1])
        return PlaceName(f"{lat:.5f}, {lon:.5f}", None, None, None, 0.0)


def _split_address(name: str, number_first: bool) -> tuple[str | None, str | None]:
    """("12", "Main Street") of "12 Main Street, Town" (or "Main Street 12, Town")."""
    head = name.split(",")[0].strip()
    m = (re.match(r"^(\d[\w/-]*)\s+(.+)$", head) if number_first
         else re.match(r"^(.+?)\s+(\d[\w/-]*)$", head))
    if m is None:
        return None, None
    return (m.group(1), m.group(2)) if number_first else (m.group(2), m.group(1))


class LazyPlaceNames:
    """A region's :class:`PlaceNames`, built on first use (or by :meth:`warm` in the
    background), shared by the planner's answers and the bookings' views."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self._lock = threading.Lock()

    @cached_property
    def _names(self) -> PlaceNames:
        return PlaceNames.of_region(self.region)

    def warm(self) -> None:
        with self._lock:
            self._names  # noqa: B018 - builds it

    def name(self, lat: float, lon: float, stop: str | None = None) -> PlaceName:
        with self._lock:
            names = self._names
        return names.name(lat, lon, stop)
