"""A month of simulated operation (``mobility operate``) on the real addison-vt region: what
it says happened is what the store holds, recomputed here from the store's own rows."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from api.store import Store
from api.store.models import (
    Availability,
    Booking,
    Company,
    Quote,
    RideRating,
    VehicleEvent,
    VehicleRow,
)
from mobility.errors import RegionError
from mobility.operate import Behaviour, operate_month, read_setup
from mobility.settings import Settings
from tests.conftest import CACHE, ROOT

MONTH = "2026-12"  # starts on a Tuesday


@pytest.fixture(scope="module")
def operated(addison, tmp_path_factory):  # type: ignore[no-untyped-def]
    db = tmp_path_factory.mktemp("operate") / "month.db"
    store = Store(f"sqlite:///{db}")
    res = operate_month(addison, Settings(cache=CACHE), store, MONTH, days=2, seed=7,
                        behaviour=Behaviour(pickup_delay_s=0.0))
    yield res, store
    store.engine.dispose()


def test_the_tally_is_what_the_store_holds(operated) -> None:  # type: ignore[no-untyped-def]
    res, store = operated
    t = res.totals()
    with store.session() as s:
        statuses = Counter(s.execute(select(Booking.status)).scalars())
        ratings = s.execute(select(RideRating.booking_id)).scalars().all()
    assert t["booked"] == sum(statuses.values()) and t["booked"] > 20
    assert statuses["completed"] == t["completed"]
    assert statuses["no_show"] == t["no_shows"]
    assert statuses["cancelled"] == t["cancelled"]
    assert statuses["confirmed"] == statuses["on_board"] == 0  # every day ran to its end
    assert len(ratings) == t["rated"]
    assert t["asked"] == t["booked"] + t["refused"] and t["errors"] == 0


def test_every_completed_ride_was_picked_up_then_dropped_off_in_its_window(operated) -> None:  # type: ignore[no-untyped-def]
    _, store = operated
    with store.session() as s:
        done = s.execute(select(Booking).where(Booking.status == "completed")).scalars().all()
        events: dict[str, dict[str, float]] = {}
        for e in s.execute(select(VehicleEvent)).scalars():
            if e.booking_id is not None:
                events.setdefault(e.booking_id, {})[e.type] = e.time_s
        assert done
        for b in done:
            ev = events[b.id]
            quote = s.get(Quote, b.quote_id)
            assert quote is not None
            # events keep whole seconds: a second's tolerance
            assert ev["picked_up"] < ev["dropped_off"]
            assert quote.pickup_lo_s - 1 <= ev["picked_up"] <= quote.pickup_hi_s + 1
            assert ev["dropped_off"] - ev["picked_up"] <= quote.boarding_s + quote.max_ride_s + 1


def test_companies_and_availability_are_set_up(operated) -> None:  # type: ignore[no-untyped-def]
    res, store = operated
    with store.session() as s:
        companies = {c.id: c.name for c in s.execute(select(Company)).scalars()}
        owners = {v.id: (v.company_id, v.uses_availability)
                  for v in s.execute(select(VehicleRow)).scalars()}
        rules = Counter(a.vehicle_id for a in s.execute(select(Availability)).scalars())
    setup = read_setup(ROOT / "mobility" / "regions" / "addison-vt-operators.toml")
    assert companies == {c.id: c.name for c in setup} and len(companies) == 2
    for c in setup:
        for vid in c.vehicles:
            assert owners[vid] == (c.id, True)
        assert sum(rules[v] for v in c.vehicles) == len(c.rules)


def test_a_bad_setup_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "ops.toml"
    bad.write_text('[[companies]]\nid = ""\nname = "A"\nvehicles = ["v1"]\n'
                   '[[companies.availability]]\nvehicle = "v2"\nweekdays = [0, 8]\n'
                   'hours = ["10:00", "09:00"]\n', encoding="utf-8")
    with pytest.raises(RegionError) as e:
        read_setup(bad)
    msg = str(e.value)
    for field in ("companies[0].id", "companies[0].availability[0].vehicle",
                  "companies[0].availability[0].weekdays", "companies[0].availability[0].hours"):
        assert field in msg


@pytest.mark.slow
def test_the_command_prints_what_it_did(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{db}", "MOBILITY_CACHE": str(CACHE)}
    r = subprocess.run([sys.executable, "-m", "mobility", "operate", "--month", MONTH,
                        "--days", "1", "--json"], env=env, cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["days"] == 1 and len(doc["companies"]) == 2
    store = Store(f"sqlite:///{db}")
    with store.session() as s:
        n = len(s.execute(select(Booking.id)).scalars().all())
        day = {b.service_date for b in s.execute(select(Booking)).scalars()}
    store.engine.dispose()
    assert n == doc["booked"] and day <= {dt.date(2026, 12, 1)}
    bad = subprocess.run([sys.executable, "-m", "mobility", "operate", "--month", "2026-13"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr and "Traceback" not in bad.stderr


def test_the_same_seed_operates_the_same_day(addison, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Reproducible by its seed: the same riders, the same refusals, the same vehicles."""
    runs = []
    for k in range(2):
        store = Store(f"sqlite:///{tmp_path / f'{k}.db'}")
        res = operate_month(addison, Settings(cache=CACHE), store, MONTH, days=1, seed=11)
        with store.session() as s:
            rows = sorted((b.rider_id, b.vehicle_id, b.status, b.fare_cents)
                          for b in s.execute(select(Booking)).scalars())
        store.engine.dispose()
        runs.append((res.totals(), dict(res.days[0].refused), rows))
    assert runs[0] == runs[1] and runs[0][2]
