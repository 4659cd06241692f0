"""The health check."""

from __future__ import annotations

from typing import Literal

from api.schemas.common import Schema


class Health(Schema):
    status: Literal["ok", "degraded"]
    region: str
    region_loaded: bool
    store: Literal["ok", "unreachable"]
    service_areas: int
    vehicles: int
