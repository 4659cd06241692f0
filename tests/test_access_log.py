"""The access log keeps where riders are out of the log: query values that name places or
people, look like coordinates or like phone numbers are masked; the path and the other
parameters stay (a real server's log is checked in ``test_api_server.py``)."""

from __future__ import annotations

import logging

import pytest

from mobility.access_log import PrivateQuery, log_config, mask_query


@pytest.mark.parametrize(("target", "logged"), [
    ("/api/v1/plan?from=44.0153%2C-73.1673&to=44.1670,-73.2540&time=2016-03-03T08:00",
     "/api/v1/plan?from=***&to=***&time=2016-03-03T08:00"),
    ("/api/v1/plan?from=stop:771377&to=stop:771306&arriveBy=true",
     "/api/v1/plan?from=***&to=***&arriveBy=true"),
    ("/api/v1/places?q=12+Main+Street&limit=8", "/api/v1/places?q=***&limit=8"),
    ("/api/v1/bookings?date=2026-11-25&status=confirmed&limit=10",
     "/api/v1/bookings?date=2026-11-25&status=confirmed&limit=10"),
    ("/x?caller=%2B49+170+1234567", "/x?caller=***"),  # a phone number, whatever its name
    ("/x?c=0049-170-1234567", "/x?c=***"),
    ("/x?at=48.1372,11.5756", "/x?at=***"),  # a coordinate pair, whatever its name
    ("/x?lat=48&lon=11", "/x?lat=***&lon=***"),
    ("/api/v1/vehicles/mid-1/manifest", "/api/v1/vehicles/mid-1/manifest"),
    ("/x?flag&empty=", "/x?flag&empty="),
])
def test_private_query_values_are_masked(target: str, logged: str) -> None:
    assert mask_query(target) == logged


def test_the_filter_rewrites_uvicorns_access_records() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/v1/plan?from=44.01,-73.16",
                                "1.1", 200), None)
    assert PrivateQuery().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/v1/plan?from=*** HTTP/1.1" 200'
    config = log_config()
    assert config["loggers"]["uvicorn.access"]["filters"] == ["private_query"]
    assert config["filters"]["private_query"] == {"()": PrivateQuery}
