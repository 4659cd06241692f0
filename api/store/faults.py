"""Failures of background work on the store (rate-limit flushes, housekeeping), logged so
that an outage reads as one line and a bug keeps its traceback."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout


def log_background_fault(logger: logging.Logger, what: str, exc: Exception) -> None:
    """Log a background task's failure: a database fault (unreachable, busy, read-only,
    full: the task tries again) as one warning line, anything else, a bug, with its
    traceback."""
    if isinstance(exc, DBAPIError | PoolTimeout):
        text = str(getattr(exc, "orig", None) or exc).strip()
        logger.warning("%s: %s", what, text.splitlines()[0] if text else type(exc).__name__)
    else:
        logger.error("%s", what, exc_info=exc)
