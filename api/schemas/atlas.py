"""The region, its map and place search (for the web app and other clients)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import Schema


class RegionInfo(Schema):
    name: str
    timezone: str
    country: str
    default_date: str
    language: Literal["de", "en"]
    tile_url: str | None
    bounds: list[list[float]]
    stops: int
    open_signup: bool
    now: str = Field(description="the service's clock now, local time with offset (ISO 8601): "
                     "what the web app counts as now (e.g. to refuse a past time)")


class PlaceOut(Schema):
    """One place found. ``kind`` says what it is: a settlement ("city", "town", "village",
    "hamlet", "suburb", "neighbourhood", ...), an administrative area ("municipality",
    "county", "district", "state"), "stop" (with ``stopId``), "street", "address", or a
    point of interest by its OpenStreetMap value ("doctors", "pharmacy", "school",
    "townhall", "supermarket", ...). ``lat``/``lon`` is where a trip to or from it starts:
    a settlement's centre on the street network. ``near`` names the nearest stop where the
    same name is found elsewhere too."""

    name: str
    kind: str = Field(examples=["village", "stop", "street", "address", "pharmacy"])
    lat: float
    lon: float
    stop_id: str | None = None
    near: str | None = None


class PlaceList(Schema):
    places: list[PlaceOut]
