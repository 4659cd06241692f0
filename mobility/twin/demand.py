"""The twin's riders' wishes, drawn as the planner's simulation draws them
(:func:`dispatch.demand.synthetic_demand`: a Poisson day following the rural profile,
between homes and hubs), from what the server shows over HTTP: homes along its minor
streets inside the service area, hubs at its stops weighted by their departures, and, for
riders planning a journey onwards by bus, the stops outside the area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import shapely
from shapely.geometry import shape

from dispatch.demand import Trip, synthetic_demand
from mobility.twin.api import Api

#: one home per this many metres of minor street (as the simulation's homes)
HOME_SPACING_M = 100.0
#: an area without a stop inside (one a district serves because no bus does) has its
#: densest streets as hubs instead: this many cells of this size, the most homes first
CENTRES, CENTRE_CELL_M = 5, 500.0


@dataclass(frozen=True)
class Places:
    """Where the twin's trips start and end (``[lat, lon]`` rows) and their weights."""

    area: str
    homes: np.ndarray
    home_weights: np.ndarray
    hubs: np.ndarray
    hub_weights: np.ndarray
    #: stops beyond the area with departures: destinations of journeys planned onwards
    beyond: np.ndarray
    #: where a vehicle can be: on a street
    streets: StreetPoints | None = None


class StreetPoints:
    """The streets' points, for positions as a GPS on the road gives them (the twin's
    vehicles move in straight lines between stops, which may cross fields)."""

    def __init__(self, pts: np.ndarray) -> None:
        from scipy.spatial import cKDTree

        self.pts = pts
        self.k = float(np.cos(np.radians(pts[:, 0].mean()))) if len(pts) else 1.0
        self.tree = cKDTree(np.c_[pts[:, 0], pts[:, 1] * self.k]) if len(pts) else None

    def nearest(self, lat: float, lon: float) -> tuple[float, float]:
        if self.tree is None:
            return (lat, lon)
        _, i = self.tree.query((lat, lon * self.k))
        return (float(self.pts[i, 0]), float(self.pts[i, 1]))


async def load_places(api: Api) -> Places:
    """The first service area and its homes and hubs, as the server maps them.

    Raises
    ------
    RuntimeError
        The server offers no service area, or one without homes or hubs.
    """
    return (await load_areas(api))[0]


async def load_areas(api: Api, names: set[str] | None = None) -> list[Places]:
    """Every service area (of ``names``, when given: those with vehicles) with its homes
    and hubs, as the server maps them, in the server's order; an area without homes or
    hubs is left out.

    Raises
    ------
    RuntimeError
        The server offers no service area, or none with homes and hubs.
    """
    areas = await api.get("/api/v1/service-areas")
    streets = await api.get("/api/v1/map/streets")
    stops = await api.get("/api/v1/map/stops")
    for r, what in ((areas, "service areas"), (streets, "street map"), (stops, "stops")):
        if not r.ok:
            raise RuntimeError(f"the server's {what} answered {r.status}")
    feats = areas.body["features"]
    if not feats:
        raise RuntimeError("the server has no on-demand service area")
    roads = StreetPoints(_vertices(streets.body))
    pts, deps = _stops(stops.body)
    busy = deps > 0
    out = []
    for feature in feats:
        name = str((feature.get("properties") or {}).get("name") or "area")
        if names is not None and name not in names:
            continue
        area = shape(feature["geometry"])
        shapely.prepare(area)
        homes, weights = _homes(streets.body, area)
        inside = shapely.contains_xy(area, pts[:, 1], pts[:, 0])
        hubs, hub_w = pts[inside & busy], deps[inside & busy].astype(np.float64)
        if len(hubs) == 0 and len(homes):
            hubs, hub_w = centres(homes, weights)
        if len(homes) and len(hubs):
            out.append(Places(name, homes, weights, hubs, hub_w, pts[~inside & busy], roads))
    if not out:
        raise RuntimeError("the service area holds no homes or no stops with departures")
    return out


def centres(homes: np.ndarray, weights: np.ndarray, n: int = CENTRES,
            cell_m: float = CENTRE_CELL_M) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` cells of ``cell_m`` holding the most home weight — a village's centre is
    where its streets are densest — each as its homes' weighted mean, with that weight."""
    k = float(np.cos(np.radians(homes[:, 0].mean())))
    cell = np.floor(np.c_[homes[:, 0], homes[:, 1] * k] * 111_320.0 / cell_m).astype(np.int64)
    _, which = np.unique(cell, axis=0, return_inverse=True)
    which = which.ravel()
    mass = np.bincount(which, weights)
    top = np.argsort(-mass, kind="stable")[:n]
    at = np.array([np.average(homes[which == c], axis=0, weights=weights[which == c])
                   for c in top])
    return at.reshape(-1, 2), mass[top]


def _homes(streets: dict[str, Any], area: Any) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints of the minor streets' segments inside the area, weighted by length."""
    mids: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for f in streets.get("features", []):
        if (f.get("properties") or {}).get("class") != "minor":
            continue
        for line in f["geometry"]["coordinates"]:
            xy = np.asarray(line, dtype=np.float64).reshape(-1, 2)  # lon, lat
            a, b = xy[:-1], xy[1:]
            mid = (a + b) / 2
            # metres on a small patch of the earth (as a rural road's segments are)
            k = np.cos(np.radians(mid[:, 1]))
            mids.append(mid)
            lengths.append(np.hypot((b[:, 0] - a[:, 0]) * k, b[:, 1] - a[:, 1]) * 111_320.0)
    if not mids:
        return np.zeros((0, 2)), np.zeros(0)
    lonlat, w = np.concatenate(mids), np.concatenate(lengths)
    keep = shapely.contains_xy(area, lonlat[:, 0], lonlat[:, 1]) & (w > 0)
    return lonlat[keep][:, ::-1].copy(), w[keep] / HOME_SPACING_M


def _vertices(streets: dict[str, Any]) -> np.ndarray:
    """Every point of every street line, as ``[lat, lon]`` rows."""
    parts = [np.asarray(line, dtype=np.float64).reshape(-1, 2)
             for f in streets.get("features", []) for line in f["geometry"]["coordinates"]]
    return (np.concatenate(parts)[:, ::-1].copy() if parts else np.zeros((0, 2)))


def _stops(doc: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    feats = doc.get("features", [])
    pts = np.array([[f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]]
                    for f in feats], dtype=np.float64).reshape(-1, 2)
    deps = np.array([int((f.get("properties") or {}).get("departures") or 0) for f in feats])
    return pts, deps


class Profile(Protocol):
    """A district's demand (``[demand]`` of its ``region.toml``): requests in each hour of
    the day per area, the share of them that are standing orders, and of the rest booked
    ahead."""

    standing_share: float
    prebooked_share: float

    def per_hour(self, area: str) -> np.ndarray: ...


def standing_counts(areas: list[Places], profile: Profile, hours: tuple[float, float]
                    ) -> list[int]:
    """The standing orders of each area over ``hours``: its share of the requests (an hour
    in part, in part)."""
    hrs = np.arange(int(hours[0] // 3600), int(np.ceil(hours[1] / 3600)))
    part = (np.minimum(hours[1], (hrs + 1) * 3600.0) - np.maximum(hours[0], hrs * 3600.0)
            ) / 3600.0
    return [int(round(float((profile.per_hour(a.area)[hrs % 24] * part).sum())
                      * profile.standing_share)) for a in areas]


def draw_profile(areas: list[Places], profile: Profile, hours: tuple[float, float],
                 rng: np.random.Generator) -> list[tuple[Trip, Places]]:
    """A day of wishes following a district's profile: in each area and hour, Poisson at
    the area's requests of that hour less the standing orders' share, in the order
    asked."""
    out = []
    for a in areas:
        rate = profile.per_hour(a.area) * (1.0 - profile.standing_share)
        for h in range(int(hours[0] // 3600), int(np.ceil(hours[1] / 3600))):
            span = (max(hours[0], h * 3600.0), min(hours[1], (h + 1) * 3600.0))
            if rate[h % 24] <= 0 or span[1] <= span[0]:
                continue
            # one hour at a time: the drawing's own profile then leaves the rate as it is
            out += [(t, a) for t in synthetic_demand(
                a.homes, a.home_weights, a.hubs, a.hub_weights, span,
                float(rate[h % 24]) * (span[1] - span[0]) / 3600.0,
                profile.prebooked_share, 3600.0, rng)]
    out.sort(key=lambda x: x[0].booked_at)
    return out


def draw_areas(areas: list[Places], shares: list[float], hours: tuple[float, float],
               rate_per_hour: float, rng: np.random.Generator) -> list[tuple[Trip, Places]]:
    """A day of wishes in each area, ``rate_per_hour`` split over them by ``shares`` (the
    district's areas: by their vehicles), each wish with its area, in the order asked."""
    total = sum(shares)
    out = [(t, a) for a, share in zip(areas, shares, strict=True) if share > 0
           for t in draw_trips(a, hours, rate_per_hour * share / total, rng)]
    out.sort(key=lambda x: x[0].booked_at)
    return out


def draw_trips(places: Places, hours: tuple[float, float], rate_per_hour: float,
               rng: np.random.Generator, *, prebooked_share: float = 0.3,
               notice_s: float = 3600.0) -> list[Trip]:
    """A day of wishes over ``hours`` (seconds after midnight, server time): ``time`` is the
    pickup wished for, ``booked_at`` when the rider asks (before the twin started: between
    its start and its first hour, see :func:`mobility.twin.riders.asking_time`)."""
    return synthetic_demand(places.homes, places.home_weights, places.hubs,
                            places.hub_weights, hours, rate_per_hour, prebooked_share,
                            notice_s, rng)
