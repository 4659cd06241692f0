"""The database failing under the API — unreachable, restarting, busy, read-only or full —
answered as 503 problem details with ``Retry-After``, never a traceback. A transaction that
failed was rolled back; one whose commit reached the database just before the connection
broke stands, so a booking is retried with the same ``Idempotency-Key`` (the retry returns
it instead of booking twice). Each fault is logged in one line (SQL errors carry no
parameters: the engines hide them). The connection pool recovers by itself: PostgreSQL
connections are pinged before use, and a broken one is replaced."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.problems import MEDIA_TYPE, TYPE_BASE, Problem

log = logging.getLogger("mobility.api")

#: seconds a client should wait: a restart or a busy moment passes soon; a read-only or
#: full disk needs an operator
RETRY_SOON_S = 2
RETRY_LATER_S = 60


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def store_problem(exc: Exception) -> Problem | None:
    """The 503 answer to a database fault, or None for an error that is not one (a bug)."""
    orig = getattr(exc, "orig", None)
    name = str(getattr(orig, "sqlite_errorname", ""))
    state = str(getattr(orig, "sqlstate", "") or "")
    text = _first_line(exc).lower()
    if name.startswith("SQLITE_READONLY") or "readonly database" in text or state == "25006":
        return Problem(503, "store-read-only", "Store read-only", "the database cannot be "
                       "written (a read-only file, file system or server): nothing was "
                       "changed; reading may still work", headers={
                           "Retry-After": str(RETRY_LATER_S)})
    if name == "SQLITE_FULL" or "disk is full" in text or state == "53100":
        return Problem(503, "store-full", "Store full", "the database's disk is full: "
                       "nothing was changed", headers={"Retry-After": str(RETRY_LATER_S)})
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return Problem(503, "store-unavailable", "Store unavailable", "the database did not "
                       "answer (busy, restarting or unreachable); retry shortly — with the "
                       "same Idempotency-Key for a booking", headers={
                           "Retry-After": str(RETRY_SOON_S)})
    return None


def install_store_faults(app: FastAPI) -> None:
    """Answer database faults with 503 (integrity and data errors have handlers of their
    own, which take precedence for their classes)."""

    async def _fault(request: Request, exc: Exception) -> JSONResponse:
        p = store_problem(exc)
        if p is None:  # not a fault of the database: a bug of ours, as any other
            log.error("internal error on %s %s", request.method, request.url.path,
                      exc_info=exc)
            return JSONResponse({"type": TYPE_BASE + "internal", "title": "Internal error",
                                 "status": 500, "detail": "an internal error occurred; it "
                                 "has been logged", "instance": request.url.path},
                                status_code=500, media_type=MEDIA_TYPE)
        log.warning("%s on %s %s: %s", p.slug, request.method, request.url.path,
                    _first_line(exc))
        return JSONResponse(p.body(request.url.path), 503, media_type=MEDIA_TYPE,
                            headers=p.headers)

    for kind in (DBAPIError, PoolTimeout):
        app.add_exception_handler(kind, _fault)
