"""Planners' simulation runs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.common import Input, Schema

#: the hourly re-plan's objective (``dispatch.scenario.REPLANNING``)
Replanning = Literal["keep_slack", "save_km", "off"]


class SimulationRequest(Input):
    area: str | None = Field(None, max_length=200, description="service area name "
                             "(default: the region's first)")
    vehicles: list[int] = Field([3], min_length=1, max_length=6,
                                description="fleet sizes: several compare variants")
    rate_per_hour: float = Field(10, gt=0, le=500, description="requests per hour")
    seed: int = Field(1, ge=0, le=2**31, description="draws the synthetic requests: the "
                      "same seed gives the same requests")
    language: Literal["en", "de"] | None = Field(
        None, description="of the report and its plots (the planner's interface language; "
                          "default: the region's)")
    replanning: list[Replanning] = Field(
        ["keep_slack"], min_length=1, max_length=3,
        description="the hourly re-plan: keep_slack (stops as early as the promises allow, "
                    "free vehicles for requests still to come), save_km (least driving) or "
                    "off; several compare, each with every fleet size")


class DemandNote(Schema):
    code: str = Field(description="what the note says: `homes` (where the drawn trips "
                      "start and end), `row_skipped` (a bad row of a demand file)")
    params: dict[str, Any] = Field(default_factory=dict, description="its figures and names")
    text: str = Field(description="the note in English (clients word `code` themselves)")


class Variant(Schema):
    label: str
    vehicles: int
    replanning: Replanning = "keep_slack"
    status: Literal["queued", "running", "done", "failed"]
    kpis: dict[str, Any] | None = Field(None, description="dispatch.kpis.compute_kpis' "
                                        "figures and the `currency` of the money ones")
    plots: dict[str, str] = Field(default_factory=dict, description="name → URL")
    report: str | None = None
    notes: list[DemandNote] = Field(default_factory=list, description="on the day's "
                                    "demand, once done")


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
    error_code: Literal["invalid", "crashed", "interrupted"] | None = Field(
        None, description="why it failed, for a translated message")
    language: Literal["en", "de"] = Field("en", description="of the report and its plots")
    currency: str | None = Field(None, description="of the costs (ISO 4217), once running")
    shift: list[str] | None = Field(None, description="the vehicles' shift [HH:MM, HH:MM] "
                                    "(the service area's hours), once running")
    hours: list[str] | None = Field(None, description="when requests are made [HH:MM, "
                                    "HH:MM], once running")


class SimulationList(Schema):
    simulations: list[Simulation]
