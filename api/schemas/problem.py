"""RFC 9457 problem details as documented in the OpenAPI document (every error answer)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProblemFieldError(BaseModel):
    """One invalid input of a validation problem."""

    model_config = ConfigDict(extra="allow")
    field: str = Field(description="the input at fault, e.g. `origin.lat` or `from`")
    message: str


class ProblemDetails(BaseModel):
    """An error answer (``application/problem+json``): ``type`` names the problem (e.g.
    ``/problems/outside-region``), ``detail`` says what to fix, ``field`` names the input at
    fault; a validation problem lists every invalid input under ``errors``. Further members
    may follow (e.g. ``reason`` when no vehicle can take a ride)."""

    model_config = ConfigDict(extra="allow", title="Problem")
    type: str = Field(description="a URI reference naming the problem type, e.g. "
                                  "`/problems/outside-region`")
    title: str = Field(description="a short summary of the problem type")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong and how to fix it")
    instance: str = Field(description="the path of the request")
    field: str | None = Field(None, description="the input at fault (a query parameter, "
                                                "body field or header)")
    errors: list[ProblemFieldError] | None = Field(
        None, description="validation problems: every invalid input")
    reason: str | None = Field(None, description="no ride available: the dispatcher's "
                                                 "reason")
