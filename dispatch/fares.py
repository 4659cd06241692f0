"""Fares: what a ride costs under a service area's fare rule.

A rule prices one passenger's ride (``flat``, ``distance`` or ``zone``), adds a surcharge
(e.g. the on-demand surcharge on top of the public-transport tariff) and reduces that price per
passenger: children by age band, concessions by a share, companions of a wheelchair user
free. Amounts are whole minor units of the currency (cents); rounding is documented where it
happens:

- ``distance``: ``base + per_km × ⌈direct street distance / 1 km⌉`` (every started kilometre
  is charged);
- a reduced passenger pays ``round(price × share)`` cents, halves rounded up.

Pure functions: the rule and the figures in, the fare out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import shapely
from shapely.geometry import LineString, shape

from dispatch.model import Point

FareKind = Literal["flat", "distance", "zone"]


@dataclass(frozen=True)
class ChildBand:
    """Children up to ``max_age`` (inclusive, years) pay ``share`` of the price (0: free)."""

    max_age: int
    share: float


@dataclass(frozen=True)
class FareRule:
    """A service area's fare rule (amounts in cents of ``currency``).

    ``kind`` says how one adult's ride is priced: ``flat`` (``price``), ``distance``
    (``base`` + ``per_km`` per started km of the direct street distance) or ``zone``
    (``zone_prices[n - 1]`` for ``n`` zones crossed; the last price for more zones).
    ``surcharge`` is added per paying passenger; ``children`` (age bands, by ascending
    ``max_age``), ``concession`` (a share) and free ``companions`` reduce it.
    """

    kind: FareKind
    currency: str
    price: int = 0
    base: int = 0
    per_km: int = 0
    zone_prices: tuple[int, ...] = ()
    surcharge: int = 0
    children: tuple[ChildBand, ...] = ()
    concession: float = 1.0
    #: the zones (name, GeoJSON geometry) for ``zone`` rules
    zones: tuple[tuple[str, dict[str, Any]], ...] = ()
    #: a rider's cancellation later than this many minutes before the pickup window's start
    #: costs ``cancel_fee`` cents (None: cancelling is always free)
    cancel_fee: int = 0
    cancel_deadline_min: float | None = None


@dataclass(frozen=True)
class FareClasses:
    """Who rides, for the fare: children's ages, concessions, companions; the rest adults."""

    children: tuple[int, ...] = ()
    concession: int = 0
    companions: int = 0


@dataclass(frozen=True)
class FareLine:
    """One line of a fare: what (``kind``: ride, surcharge, child, concession, companion,
    adult), how many passengers, and the amount in cents (all of them together)."""

    kind: str
    count: int
    cents: int
    note: str = ""


@dataclass(frozen=True)
class Fare:
    """A ride's fare: the total in cents, its currency and how it is made up."""

    cents: int
    currency: str
    lines: tuple[FareLine, ...] = field(default_factory=tuple)

    def detail(self) -> dict[str, Any]:
        """The lines as JSON-ready dictionaries."""
        return {"lines": [{"kind": ln.kind, "count": ln.count, "cents": ln.cents,
                           "note": ln.note} for ln in self.lines]}


def _share(cents: int, share: float) -> int:
    """``cents × share`` in whole cents, halves rounded up (no banker's rounding)."""
    return int(math.floor(cents * share + 0.5))


def ride_price(rule: FareRule, direct_distance_m: float, zones_crossed: int) -> int:
    """One adult's price for the ride before surcharges, in cents."""
    if rule.kind == "flat":
        return rule.price
    if rule.kind == "distance":
        km = math.ceil(max(direct_distance_m, 0.0) / 1000.0)
        return rule.base + rule.per_km * km
    n = max(zones_crossed, 1)
    return rule.zone_prices[min(n, len(rule.zone_prices)) - 1]


def child_share(rule: FareRule, age: int) -> float | None:
    """The share a child of ``age`` pays (None: older than every band, pays as an adult)."""
    for band in sorted(rule.children, key=lambda b: b.max_age):
        if age <= band.max_age:
            return band.share
    return None


def fare(rule: FareRule, direct_distance_m: float, zones_crossed: int, passengers: int,
         classes: FareClasses = FareClasses()) -> Fare:
    """The fare of a ride of ``passengers`` (of whom ``classes`` are reduced).

    Raises
    ------
    ValueError
        If ``classes`` counts more passengers than ride.
    """
    if len(classes.children) + classes.concession + classes.companions > passengers:
        raise ValueError("more reduced passengers than passengers")
    ride = ride_price(rule, direct_distance_m, zones_crossed)
    each = ride + rule.surcharge
    note = {"flat": "flat fare",
            "distance": f"{math.ceil(max(direct_distance_m, 0.0) / 1000.0)} km",
            "zone": f"{max(zones_crossed, 1)} zone(s)"}[rule.kind]
    lines: list[FareLine] = []
    adults = passengers - len(classes.children) - classes.concession - classes.companions
    for age in classes.children:
        share = child_share(rule, age)
        if share is None:
            adults += 1
        else:
            lines.append(FareLine("child", 1, _share(each, share), f"age {age}"))
    if adults:
        lines.insert(0, FareLine("adult", adults, adults * each,
                                 f"{note}" + (" + surcharge" if rule.surcharge else "")))
    if classes.concession:
        lines.append(FareLine("concession", classes.concession,
                              classes.concession * _share(each, rule.concession)))
    if classes.companions:
        lines.append(FareLine("companion", classes.companions, 0, "wheelchair user's companion"))
    return Fare(sum(ln.cents for ln in lines), rule.currency, tuple(lines))


def zones_crossed(zones: Sequence[tuple[str, dict[str, Any]]], a: Point, b: Point) -> int:
    """How many zones the straight line from ``a`` to ``b`` (``(lat, lon)``) touches (at
    least 1: a ride outside every zone is a one-zone ride)."""
    line = LineString([(a[1], a[0]), (b[1], b[0])])
    hit = 0
    for _name, geom in zones:
        g = shape(geom)
        shapely.prepare(g)
        hit += bool(g.intersects(line))
    return max(hit, 1)


def cancel_fee(rule: FareRule | None, minutes_before_pickup: float) -> int:
    """The fee for a rider's cancellation ``minutes_before_pickup`` the pickup window's start
    (0: before the deadline, or the area charges none)."""
    if rule is None or rule.cancel_deadline_min is None or rule.cancel_fee <= 0:
        return 0
    return rule.cancel_fee if minutes_before_pickup < rule.cancel_deadline_min else 0
