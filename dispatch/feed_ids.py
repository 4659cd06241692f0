"""The ids a region's on-demand service carries in the feeds other apps read: the static
GTFS-Flex feed (``mobility flex export``) and the GTFS-Realtime feeds refer to one area by the
same ids, so one scheme serves both."""

from __future__ import annotations

import re

#: the agency of every on-demand route
AGENCY_ID = "od"
#: the service (calendar) of every on-demand trip: it runs every day of the feed
SERVICE_ID = "daily"


def area_id(name: str) -> str:
    """The zone's ``location_id`` in ``locations.geojson``: the area's name with every run of
    characters other than ASCII letters, digits, ``_`` and ``-`` as one ``-``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "area"


def route_id(name: str) -> str:
    """The area's demand-responsive route (``routes.txt``)."""
    return f"od-{area_id(name)}"


def trip_id(name: str) -> str:
    """The area's one static trip (``trips.txt``): pickup and drop-off anywhere in the zone
    within the service hours."""
    return f"od-{area_id(name)}-trip"


def group_id(name: str) -> str:
    """The area's ``location_group_id`` (``location_groups.txt``) when it is served at stops."""
    return f"{area_id(name)}-stops"


#: the rider category everyone is unless reduced (``rider_categories.txt``'s default)
ADULT = "adult"
#: currencies without minor units (ISO 4217); the rest have two decimals
NO_DECIMALS = frozenset({"JPY", "KRW", "ISK", "CLP", "VND"})


def fare_product_id(name: str, category: str = ADULT) -> str:
    """A rider category's fare product on the area's network (``fare_products.txt``); OJP
    trips name the adult fare of an on-demand leg by the same id."""
    return f"{route_id(name)}-{category}"


def amount(cents: int, currency: str) -> str:
    """Minor units as feeds write an amount (``2.50``; whole units for currencies without
    minor units)."""
    return str(cents) if currency in NO_DECIMALS else f"{cents // 100}.{cents % 100:02d}"
