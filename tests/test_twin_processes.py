"""A short twin run against two API processes over PostgreSQL: every check of
``test_twin_days.py`` holds when consecutive calls reach different processes."""

from __future__ import annotations

import pytest

from tests.api_helpers import pg_reachable
from tests.test_twin_days import _assert_day, _twin_day


@pytest.mark.slow
def test_a_twin_day_on_two_processes_over_postgresql(addison: object) -> None:
    """Two API processes over one store, each call to the next process: a rider's quote
    and booking, a driver's event and the rider's look at it, a retry after a lost
    connection on different processes — and every check holds as on one."""
    if not pg_reachable():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable")
    f = _twin_day("postgresql", processes=2)
    assert f["store"] == "postgresql" and f["processes"] == 2
    calls = f["calls_by_process"]
    assert isinstance(calls, list) and min(calls) > 0.4 * max(calls), calls
    _assert_day(f)
    # each process's memory an hour after the start and at the end
    mb = f["rss_hour_mb"]
    assert isinstance(mb, list) and len(mb) == 2 and min(mb) > 50, f
    assert isinstance(f["rss_growth_pct"], float), f
