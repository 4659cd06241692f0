"""Planners' simulation runs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.common import Input, Schema


class SimulationRequest(Input):
    area: str | None = Field(None, max_length=200, description="service area name "
                             "(default: the region's first)")
    vehicles: list[int] = Field([3], min_length=1, max_length=6,
                                description="fleet sizes: several compare variants")
    rate_per_hour: float = Field(10, gt=0, le=500, description="requests per hour")
    seed: int = Field(1, ge=0, le=2**31)


class Variant(Schema):
    label: str
    vehicles: int
    status: Literal["queued", "running", "done", "failed"]
    kpis: dict[str, Any] | None = None
    plots: dict[str, str] = Field(default_factory=dict, description="name → URL")
    report: str | None = None


class Simulation(Schema):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    area: str
    rate_per_hour: float
    seed: int
    progress: float = Field(description="0-1")
    created_at: str
    variants: list[Variant]
    error: str | None = None


class SimulationList(Schema):
    simulations: list[Simulation]
