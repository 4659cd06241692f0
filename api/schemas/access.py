"""Planners' accessibility analyses (``mobility access`` as a web job)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.common import Input, Schema

Status = Literal["queued", "running", "done", "failed"]


class AccessRequest(Input):
    to: str = Field(max_length=2000, description="the opportunities: `stops:ID,ID` (GTFS "
                    "stop ids, at most 50) or doctors, pharmacies, schools, supermarkets "
                    "(where the region's map has them); never a file")
    window: str = Field("07:00-09:00", max_length=20, description="departures every minute "
                        "HH:MM-HH:MM (at most 6 hours)")
    max_min: int = Field(60, ge=1, le=240, description="T: reachable within this many "
                         "minutes (median over the window)")
    vehicles: list[int] = Field([3], min_length=1, max_length=4,
                                description="fleet sizes (1-50 each): each is simulated")
    area: str | None = Field(None, max_length=200, description="service area name "
                             "(default: the region's first)")
    language: Literal["en", "de"] | None = Field(
        None, description="of the report and its plots (default: the region's)")


class Access(Schema):
    id: str
    status: Status
    to: str
    window: str
    max_min: int
    vehicles: list[int]
    area: str
    language: Literal["en", "de"] = "en"
    stage: str | None = Field(None, description="origins, walks, tasks, combine, files")
    progress: float = Field(description="0-1")
    created_at: str
    summary: dict[str, Any] | None = Field(None, description="once done: the `mobility "
                                           "access --json` object (`fleets`: the figures "
                                           "per fleet size)")
    error: str | None = None
    error_code: Literal["invalid", "crashed", "interrupted"] | None = Field(
        None, description="why it failed, for a translated message")
    files: dict[str, str] = Field(default_factory=dict, description="name → URL, once done")
    cells: str | None = Field(None, description="URL of the cells (GeoJSON), once done")
    report: str | None = Field(None, description="URL of the HTML report, once done")


class AccessList(Schema):
    analyses: list[Access]
