"""Log lines as JSON (``MOBILITY_LOG_FORMAT=json``): one object per line, for log shippers.

Every line has ``time`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger`` and
``message``; a line written while a request is answered also its ``request_id`` (the
answer's ``X-Request-ID``). uvicorn's access lines add ``method``, ``path`` (its query's
private values masked, as in text: :mod:`mobility.access_log`), ``status``, ``client``, and
the request's ``route`` template and ``duration_ms`` (to the start of the answer). A
traceback goes in ``exc``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from api.observe import current

#: uvicorn's access record: (client address, method, target, HTTP version, status)
_ACCESS_ARGS = 5


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON (never more: newlines in text are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name,
            "message": record.getMessage()}
        args = record.args
        if (record.name == "uvicorn.access" and isinstance(args, tuple)
                and len(args) == _ACCESS_ARGS):
            client, method, target, _, status = args
            out.update(method=method, path=target, status=status, client=client)
        req = current()
        if req is not None:
            out["request_id"] = req.request_id
            if record.name == "uvicorn.access":
                out["route"] = req.route
                if req.duration_s is not None:
                    out["duration_ms"] = round(req.duration_s * 1000, 2)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)
