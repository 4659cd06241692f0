"""Bounded storage (issue 17's finding: "expired unbooked quotes are never purged"):
expired quotes never booked, stale idempotency keys, drivers' old reports and ended
rate-limit windows are purged on the service's clock — by a server's background task (one
process per interval) and by ``mobility purge [--dry-run]`` — and nothing a booking needs
goes. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import ApiConfig, create_app
from api.ratelimit import Limit, RateLimiter
from api.service.housekeeping import STEPS, Housekeeper, purge
from api.store import Store
from api.store.models import Booking, Quote, VehicleEvent
from tests.api_helpers import BRISTOL, MIDDLEBURY, NOW, WEYBRIDGE, ride, tomorrow
from tests.conftest import UNLIMITED
from tests.server_process import ROOT

DAY = 86400.0


def _count(store: Store, model: Any) -> int:
    with store.snapshot() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def _traffic(api: Any) -> dict[str, Any]:
    """A day's traffic: a booked quote (with an idempotency key), two quotes never booked,
    a ride picked up and dropped off (two events) and three position reports, counted
    requests."""
    booked, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)), idem="retry-me")
    for t in (tomorrow(11), tomorrow(12)):
        assert api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, WEYBRIDGE, t)
                        ).status_code == 201
    api.clock.set(dt.datetime.fromisoformat(tomorrow(9, 2)))
    for kind in ("picked_up", "dropped_off"):
        r = api.post(f"/api/v1/vehicles/{b['vehicleId']}/events", "dispatcher",
                     {"type": kind, "bookingId": b["id"]})
        assert r.status_code == 201, r.text
    for k in range(3):
        r = api.post(f"/api/v1/vehicles/{b['vehicleId']}/events", "driver",
                     {"type": "position", "lat": MIDDLEBURY[0] + k / 1000,
                      "lon": MIDDLEBURY[1]})
        assert r.status_code == 201, r.text
    lim = RateLimiter(api.store, api.clock.now)
    assert lim.retry_after(Limit("quotes", 10, 60), "k:x") is None
    return {"quote": booked["id"], "booking": b["id"]}


def test_what_is_purged_when(api) -> None:  # type: ignore[no-untyped-def]
    """Day by day after the traffic (quotes and booking at NOW, the ride and its reports a
    day later), with the default retention: the unbooked quotes go one day after expiring,
    the idempotency key after 7 days, the positions after 30, the other events after 90;
    the booking, its quote and its history stay. A dry run counts exactly what the purge
    then deletes; purging again deletes nothing."""
    made = _traffic(api)
    cfg = ApiConfig()

    def at(days: float, dry_run: bool = False) -> dict[str, int]:
        return purge(api.store, NOW + dt.timedelta(days=days), cfg, dry_run=dry_run)

    none = dict.fromkeys(STEPS, 0)
    assert at(0.5) == none
    assert at(2, dry_run=True) == {**none, "quotes": 2, "rate_counts": 1}
    assert _count(api.store, Quote) == 3  # a dry run deletes nothing
    assert at(2) == {**none, "quotes": 2, "rate_counts": 1} and at(2) == none
    with api.store.snapshot() as s:
        assert s.scalars(select(Quote.id)).all() == [made["quote"]]  # the booked one stays
    assert at(6.9) == none and at(7.1) == {**none, "idempotency_keys": 1}
    with api.store.snapshot() as s:
        b = s.get(Booking, made["booking"])
        assert b is not None and b.idempotency_key is None and b.status == "completed"
    assert at(30.9) == none and at(31.2) == {**none, "positions": 3}
    # the booking's confirmation (an in-app message) goes 90 days after it was queued
    assert at(89.9) == none
    assert at(91.2, dry_run=True) == {**none, "events": 2, "notifications": 1}
    assert at(91.2) == {**none, "events": 2, "notifications": 1}
    assert _count(api.store, VehicleEvent) == 0
    # what a report needs stays with the booking
    r = api.get(f"/api/v1/bookings/{made['booking']}", "rider")
    assert r.status_code == 200
    assert [h["status"] for h in r.json()["history"]] == ["confirmed", "on_board",
                                                          "completed"]


def test_settings_choose_how_long(api) -> None:  # type: ignore[no-untyped-def]
    _traffic(api)
    now = api.clock.now() + dt.timedelta(hours=1)
    keep_nothing = ApiConfig(keep_quotes_days=0, keep_idempotency_days=0,
                             keep_positions_days=0, keep_events_days=0,
                             keep_notifications_days=0)
    assert purge(api.store, now, keep_nothing) == {
        "quotes": 2, "idempotency_keys": 1, "positions": 3, "events": 2, "rate_counts": 1,
        "sign_in_codes": 0, "notifications": 1}


def test_large_purges_go_in_batches(api, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """More rows than one batch: every one goes, in several short transactions."""
    import api.service.housekeeping as hk

    monkeypatch.setattr(hk, "BATCH", 4)
    for k in range(11):
        assert api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL,
                                                        tomorrow(8 + k))).status_code == 201
    later = api.clock.now() + dt.timedelta(days=2)
    assert purge(api.store, later, ApiConfig(), steps={"quotes": STEPS["quotes"]}) == {
        "quotes": 11}
    assert _count(api.store, Quote) == 0


def test_one_process_purges_per_interval(api) -> None:  # type: ignore[no-untyped-def]
    """Two servers' housekeepers over one store: in each interval of the service's clock
    the first to claim it purges, the other skips."""
    cfg = ApiConfig(purge_interval_s=3600)
    a, b = (Housekeeper(api.store, cfg, api.clock.now) for _ in range(2))
    assert a.tick() is not None and b.tick() is None and a.tick() is None
    api.clock.advance(3600)
    assert b.tick() is not None and a.tick() is None
    assert Housekeeper(api.store, ApiConfig(purge_interval_s=0), api.clock.now).tick() is None


def test_the_server_purges_in_the_background(addison, addison_planner, addison_travel,  # type: ignore[no-untyped-def]
                                             store) -> None:
    """An app started with a purge interval purges at once (and then every interval): the
    expired quotes of two days ago are gone without any request."""
    from tests.conftest import booking_service

    cfg = ApiConfig(**{**UNLIMITED, "purge_interval_s": 600})  # type: ignore[arg-type]
    svc = booking_service(addison, addison_travel, store, config=cfg)
    api_key = _rider_key(store)
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)) as c:
        for t in (tomorrow(9), tomorrow(10)):
            r = c.post("/api/v1/quotes", headers={"Authorization": f"Bearer {api_key}"},
                       json=ride(MIDDLEBURY, BRISTOL, t))
            assert r.status_code == 201
    svc.timing.clock.advance(2 * DAY)  # type: ignore[attr-defined]
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)):
        deadline = time.monotonic() + 20
        while _count(store, Quote) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert _count(store, Quote) == 0


def _rider_key(store: Store) -> str:
    from tests.api_helpers import key

    return key(store, "rider", rider_name="Purge Test")


@pytest.mark.slow
def test_purge_command(tmp_path: Path, addison, addison_travel) -> None:  # type: ignore[no-untyped-def]
    """``mobility purge --dry-run`` counts, ``mobility purge`` deletes and prints the same
    counts, on the service's clock (``MOBILITY_CLOCK_START``)."""
    from api.auth import lookup
    from tests.conftest import booking_service

    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = Store(url)
    store.migrate()
    svc = booking_service(addison, addison_travel, store)
    with store.snapshot() as s:
        who = lookup(s, _rider_key(store))
    assert who is not None
    for t in (tomorrow(9), tomorrow(10), tomorrow(11)):
        svc.quote(who, MIDDLEBURY, BRISTOL, dt.datetime.fromisoformat(t), "departure", 1,
                  False)
    store.engine.dispose()
    env = {**os.environ, "MOBILITY_DB_URL": url,
           "MOBILITY_CLOCK_START": (NOW + dt.timedelta(days=3)).isoformat()}

    def run(*args: str) -> dict[str, Any]:
        out = subprocess.run([sys.executable, "-m", "mobility", "purge", *args, "--json"],
                             env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return dict(json.loads(out.stdout))

    assert run("--dry-run") == {"dryRun": True, "purged": {**dict.fromkeys(STEPS, 0),
                                                             "quotes": 3}}
    assert run()["purged"]["quotes"] == 3
    assert run()["purged"]["quotes"] == 0
    table = subprocess.run([sys.executable, "-m", "mobility", "purge"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert table.returncode == 0 and "quotes" in table.stdout, table.stderr
    st = Store(url)
    assert _count(st, Quote) == 0
    st.engine.dispose()
