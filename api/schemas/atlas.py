"""The region, its map and place search (for the web app and other clients)."""

from __future__ import annotations

from typing import Literal

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


class PlaceOut(Schema):
    name: str
    kind: str
    lat: float
    lon: float
    stop_id: str | None = None
    near: str | None = None


class PlaceList(Schema):
    places: list[PlaceOut]
