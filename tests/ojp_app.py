"""The app over the real addison-vt region on a clock inside its feed's calendar, for the
OJP tests (the API tests' clock is in 2026, after the 2016 feed ends)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ADDISON_TZ = ZoneInfo("America/New_York")
#: Thursday 2016-03-03 07:00 in Addison County: the region's default (and busiest) date
MOMENT = dt.datetime(2016, 3, 3, 7, 0, tzinfo=ADDISON_TZ)


@contextlib.contextmanager
def ojp_client(region: Any, planner: Any, travel: Any, atlas: Any, folder: Path,
               moment: dt.datetime = MOMENT, **config: Any) -> Iterator[Any]:
    """A TestClient of the app (SQLite store in ``folder``) whose clock stands at
    ``moment``; ``config``: ApiConfig fields over the tests' unlimited ones."""
    from fastapi.testclient import TestClient

    from api import ApiConfig, create_app
    from api.service import FixedClock
    from api.store import Store
    from tests.conftest import UNLIMITED, booking_service

    store = Store(f"sqlite:///{folder / 'ojp.db'}")
    store.migrate()
    svc = booking_service(region, travel, store, clock=FixedClock(moment),
                          config=ApiConfig(**{**UNLIMITED, **config}))
    app = create_app(planner, svc, region_name=region.name, atlas=atlas)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        store.engine.dispose()
