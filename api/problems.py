"""RFC 9457 problem details for every client error: ``type``, ``title``, ``status``,
``detail`` and, where one input is at fault, ``field`` (validation errors list them all under
``errors``). Nothing a client sends can produce a 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.plan_query import bad_time
from api.service.errors import (
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidRequestError,
    NotFoundError,
    ServiceError,
)
from routing.errors import MobilityError, OutOfRegionError, ServiceDateError

log = logging.getLogger("mobility.api")
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/problems/"


class Problem(Exception):  # noqa: N818 - RFC 9457 calls it a problem
    """A client error to answer as problem details; ``slug`` names its type."""

    def __init__(self, status: int, slug: str, title: str, detail: str, *,
                 field: str | None = None, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.field, self.headers, self.extra = field, headers, extra

    def body(self, instance: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": TYPE_BASE + self.slug, "title": self.title,
                               "status": self.status, "detail": self.detail,
                               "instance": instance}
        if self.field is not None:
            out["field"] = self.field
        out.update(self.extra)
        return out


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, "not-found", f"{what} not found", f"no {what} with id {ident!r} "
                   "(or it is not yours)", field="id")


def _respond(request: Request, p: Problem) -> JSONResponse:
    return JSONResponse(p.body(request.url.path), status_code=p.status,
                        media_type=MEDIA_TYPE, headers=p.headers)


#: the one place where the booking service's refusals become HTTP statuses
SERVICE_STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (InvalidRequestError, 422), (NotFoundError, 404), (ForbiddenError, 403),
    (ConflictError, 409), (GoneError, 410))


def from_service(exc: ServiceError) -> Problem:
    """A refusal of the booking service as problem details."""
    status = next((code for kind, code in SERVICE_STATUS if isinstance(exc, kind)), 422)
    return Problem(status, exc.code, exc.title, str(exc), field=exc.field, **exc.details)


def _from_mobility(exc: MobilityError) -> Problem:
    if isinstance(exc, OutOfRegionError):
        return Problem(422, "outside-region", "Outside the region", str(exc), field=exc.field)
    if isinstance(exc, ServiceDateError):
        return Problem(422, "outside-service-dates", "Outside the feed's service dates",
                       str(exc), field=exc.field)
    return Problem(422, "invalid-input", "Invalid input", str(exc), field=exc.field)


def _field(loc: tuple[Any, ...]) -> str:
    # only the first part says where (a field may be called "header", as an alert's is)
    kind = loc[:1] if loc[:1] and loc[0] in ("body", "query", "path", "header") else ()
    parts = [str(x) for x in loc[len(kind):]]
    return ".".join(parts) or str(loc[0] if loc else "body")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every client error into problem details."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return _respond(request, exc)

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> JSONResponse:
        return _respond(request, from_service(exc))

    @app.exception_handler(MobilityError)
    async def _mobility(request: Request, exc: MobilityError) -> JSONResponse:
        return _respond(request, _from_mobility(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            if e.get("type") == "json_invalid":
                loc = tuple(e.get("loc", ()))
                where = f" at character {loc[1]}" if len(loc) > 1 else ""
                why = (e.get("ctx") or {}).get("error", "")
                return _respond(request, Problem(
                    400, "malformed-json", "Malformed JSON",
                    f"the request body is not valid JSON{where}: {why}".rstrip(": "),
                    field="body"))
            name = _field(tuple(e.get("loc", ())))
            msg = e.get("msg")
            if str(e.get("type", "")).startswith(("datetime_", "date_")) and isinstance(
                    e.get("input"), str):  # the parser's words, in plain ones
                msg = bad_time(e["input"], name).split(": ", 1)[1]
            errors.append({"field": name, "message": msg})
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors)
        return _respond(request, Problem(422, "validation", "Invalid request", detail,
                                         field=first["field"], errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized",
                  403: "Forbidden", 413: "Request body too large"}
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized",
                403: "forbidden", 413: "too-large"}.get(exc.status_code, "http-error")
        return _respond(request, Problem(exc.status_code, slug,
                                         titles.get(exc.status_code, "Error"),
                                         str(exc.detail), headers=getattr(exc, "headers", None)))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # a bug of ours, not the client's: logged with its traceback (no request body)
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"type": TYPE_BASE + "internal", "title": "Internal error",
                             "status": 500, "detail": "an internal error occurred; it has "
                             "been logged", "instance": request.url.path},
                            status_code=500, media_type=MEDIA_TYPE)
