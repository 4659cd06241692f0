"""The server's access log without riders' whereabouts: ``GET /api/v1/plan?from=LAT,LON``
and place searches carry where a rider is and goes in the query string, which uvicorn logs
with the client's address. A logging filter on ``uvicorn.access`` masks, in the logged
query, the values of parameters that name places or people and every value that looks like
a coordinate or a phone number; the path, the other parameters and the status stay."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

#: parameters holding places or people, masked whatever their value looks like
PRIVATE_PARAMS = frozenset({"from", "to", "q", "lat", "lon", "origin", "destination",
                            "place", "address", "name", "phone"})
MASK = "***"
#: a decimal degree (two decimals and more), alone or in a pair
_COORDINATE = re.compile(r"-?\d{1,3}\.\d{2,}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PHONE_CHARS = re.compile(r"[\s()./-]")


def _phone_like(value: str) -> bool:
    """7 to 15 digits with the usual separators, maybe after a ``+`` (not a date)."""
    if _ISO_DATE.match(value):
        return False
    digits = _PHONE_CHARS.sub("", value.strip())
    digits = digits.removeprefix("+").removeprefix("00")
    return digits.isdigit() and 7 <= len(digits) <= 15


def private(name: str, value: str) -> bool:
    """Whether a query parameter's (decoded) value must not be logged."""
    return (name.lower() in PRIVATE_PARAMS or bool(_COORDINATE.search(value))
            or _phone_like(value))


def mask_query(target: str) -> str:
    """A request target (path and query string, as logged) with private values masked."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    parts = []
    for piece in query.split("&"):
        name, eq, value = piece.partition("=")
        private_value = private(unquote_plus(name), unquote_plus(value))
        parts.append(f"{name}={MASK}" if private_value and eq else piece)
    return f"{path}?{'&'.join(parts)}"


class PrivateQuery(logging.Filter):
    """Masks private query values in uvicorn's access log records (their third argument
    is the request target)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], mask_query(args[2]), *args[3:])
        return True


def log_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`PrivateQuery` on its access log; with
    ``log_format`` "json" every line is a JSON object (:mod:`mobility.json_log`), our own
    loggers' (``mobility.*``, from INFO) included, and any other's from WARNING."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["private_query"] = {"()": PrivateQuery}
    config["loggers"]["uvicorn.access"]["filters"] = ["private_query"]
    if log_format == "json":
        json_lines = {"()": "mobility.json_log.JsonFormatter"}
        config["formatters"] = {"default": json_lines, "access": dict(json_lines)}
        config["loggers"]["mobility"] = {"handlers": ["default"], "level": "INFO",
                                         "propagate": False}
        config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config
