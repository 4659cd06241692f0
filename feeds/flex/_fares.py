"""GTFS Fares v2 for the GTFS-Flex export: each area's fare as products of its network.

Each area with a ``flat`` fare rule becomes a network (``networks.txt``, its route in
``route_networks.txt``) whose legs (``fare_leg_rules.txt``) cost one product per rider category
(``fare_products.txt``, ``rider_categories.txt``): adults (the default category, the price plus
the surcharge), each child age band, concessions and companions of a wheelchair user (free),
all paid at the ride (``fare_media.txt``: type 0, no fare medium). ``distance`` and ``zone``
rules are not exported: Fares v2 has no price per km for a flexible leg, and a flexible trip's
zones are no fare areas of it.

The importer reads back what a flat rule says for everyone: the default rider category's
product of the route's network, as a flat fare (reductions stay the operator's to
configure: Fares v2 no longer gives a category's ages).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from dispatch.fares import FareClasses, FareRule, fare
from dispatch.feed_ids import ADULT, NO_DECIMALS, amount, fare_product_id, route_id
from dispatch.service_area import ServiceArea

#: the one fare medium: paid at the ride (cash or card to the driver), no ticket
MEDIA_ID = "od-at-ride"
CONCESSION = "concession"
COMPANION = "companion"
#: the Fares v2 files the importer reads
FARE_FILES = ("route_networks.txt", "rider_categories.txt", "fare_products.txt",
              "fare_leg_rules.txt")


def exportable(rule: FareRule | None) -> bool:
    """Whether Fares v2 can say the rule: a flat price per ride."""
    return rule is not None and rule.kind == "flat"


def child_id(lo: int, hi: int) -> str:
    return f"child-{lo}-{hi}"


def categories(rule: FareRule) -> list[tuple[str, str, int]]:
    """(rider_category_id, name, cents one passenger of it pays) for ``rule``."""
    adult = fare(rule, 0.0, 1, 1).cents
    out = [(ADULT, "Adult", adult)]
    lo = 0
    for band in sorted(rule.children, key=lambda b: b.max_age):
        cents = fare(rule, 0.0, 1, 1, FareClasses(children=(band.max_age,))).cents
        out.append((child_id(lo, band.max_age), f"Children aged {lo}-{band.max_age}", cents))
        lo = band.max_age + 1
    if rule.concession != 1.0:
        out.append((CONCESSION, "Concession", fare(rule, 0.0, 1, 1,
                                                   FareClasses(concession=1)).cents))
    out.append((COMPANION, "Companion of a wheelchair user", 0))
    return out


def fare_tables(areas: Sequence[ServiceArea]) -> dict[str, tuple[list[str], list[list[object]]]]:
    """The Fares v2 files for ``areas`` (name -> header, rows); empty when no area has a fare
    Fares v2 can say."""
    networks: list[list[object]] = []
    route_networks: list[list[object]] = []
    products: list[list[object]] = []
    legs: list[list[object]] = []
    cats: dict[str, str] = {}
    for a in areas:
        rule = a.fare
        if rule is None or not exportable(rule):
            continue
        net = route_id(a.name)
        networks.append([net, a.name])
        route_networks.append([net, route_id(a.name)])
        for cid, name, cents in categories(rule):
            cats.setdefault(cid, name)
            pid = fare_product_id(a.name, cid)
            products.append([pid, f"{a.name}: {name}", cid, MEDIA_ID,
                             amount(cents, rule.currency), rule.currency])
            legs.append([net, net, pid])
    if not products:
        return {}
    return {
        "networks.txt": (["network_id", "network_name"], networks),
        "route_networks.txt": (["network_id", "route_id"], route_networks),
        "fare_media.txt": (["fare_media_id", "fare_media_name", "fare_media_type"],
                           [[MEDIA_ID, "Paid at the ride", 0]]),
        "rider_categories.txt": (["rider_category_id", "rider_category_name",
                                  "is_default_fare_category"],
                                 [[cid, name, int(cid == ADULT)] for cid, name in cats.items()]),
        "fare_products.txt": (["fare_product_id", "fare_product_name", "rider_category_id",
                               "fare_media_id", "amount", "currency"], products),
        "fare_leg_rules.txt": (["leg_group_id", "network_id", "fare_product_id"], legs),
    }


def _cents(text: str, currency: str) -> int | None:
    try:
        x = Decimal(text)
    except InvalidOperation:
        return None
    cents = x if currency in NO_DECIMALS else x * 100
    return int(cents) if cents == cents.to_integral_value() and cents >= 0 else None


def route_fares(tables: dict[str, Any]) -> dict[str, FareRule]:
    """route_id -> a flat rule: the price of the default rider category's product (or of a
    product for no category) on the legs of the route's network. Routes without one, or
    with an unreadable amount, get none."""
    need = [tables.get(n) for n in FARE_FILES if n != "rider_categories.txt"]
    if any(t is None for t in need):
        return {}
    nets, products, legs = (t.to_dict("records") for t in need)  # type: ignore[union-attr]
    cats = tables.get("rider_categories.txt")
    default = ({r.get("rider_category_id", "") for r in cats.to_dict("records")
                if str(r.get("is_default_fare_category", "")) == "1"}
               if cats is not None else set())
    price: dict[str, tuple[int, str]] = {}
    for p in products:
        cid = p.get("rider_category_id", "") or ""
        if cid and cid not in default:
            continue
        currency = str(p.get("currency", "")).upper()
        cents = _cents(str(p.get("amount", "")), currency)
        if cents is not None and len(currency) == 3:
            price.setdefault(p.get("fare_product_id", ""), (cents, currency))
    by_net: dict[str, tuple[int, str]] = {}
    for leg in legs:
        hit = price.get(leg.get("fare_product_id", ""))
        if hit is not None and leg.get("network_id"):
            by_net.setdefault(leg["network_id"], hit)
    out: dict[str, FareRule] = {}
    for r in nets:
        hit = by_net.get(r.get("network_id", ""))
        if hit is not None:
            out[r.get("route_id", "")] = FareRule("flat", hit[1], price=hit[0])
    return out
