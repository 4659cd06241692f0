"""The store: migrations match the table models on SQLite and PostgreSQL, and the CLI's key
commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from api.auth import hash_key, lookup
from api.store import Store
from api.store.models import ApiKey, Base, Company, Rider
from tests.server_process import ROOT


def test_migrations_build_the_models_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    store.migrate()  # idempotent


def test_nul_bytes_are_refused_not_stored(api) -> None:
    r = api.post("/api/v1/riders", "dispatcher", {"name": "a\x00b"})
    assert r.status_code == 422 and r.json()["field"] == "name"
    r = api.get("/api/v1/bookings/b%00x", "dispatcher")
    assert r.status_code in (404, 422) and r.headers["content-type"] == (
        "application/problem+json")


def _mobility(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mobility", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_keys_cli_creates_lists_and_revokes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    env = {**os.environ, "MOBILITY_DB_URL": url}
    made = _mobility(env, "keys", "create", "--role", "rider", "--name", "Ada", "--json")
    assert made.returncode == 0, made.stderr
    info = json.loads(made.stdout)
    assert info["role"] == "rider" and info["key"].startswith("mob_" + info["id"])
    plain = _mobility(env, "keys", "create", "--role", "admin", "--label", "ops")
    assert plain.returncode == 0 and plain.stdout.startswith("mob_")
    listed = _mobility(env, "keys", "list", "--json")
    keys = {k["id"]: k for k in json.loads(listed.stdout)["keys"]}
    assert keys[info["id"]]["riderId"] == info["riderId"]
    assert [k["label"] for k in keys.values() if k["role"] == "admin"] == ["ops"]
    assert info["key"] not in listed.stdout  # secrets are never shown again
    assert "ops" in _mobility(env, "keys", "list").stdout
    st = Store(url)
    with st.session() as s:
        assert lookup(s, info["key"]) is not None
        row = s.scalars(select(ApiKey).where(ApiKey.id == info["id"])).one()
        assert row.key_hash == hash_key(info["key"])
        assert s.get(Rider, info["riderId"]).name == "Ada"  # type: ignore[union-attr]
    assert _mobility(env, "keys", "revoke", info["id"]).returncode == 0
    with st.session() as s:
        assert lookup(s, info["key"]) is None
    st.engine.dispose()
    bad_role = _mobility(env, "keys", "create", "--role", "emperor")
    assert bad_role.returncode == 2 and "--role must be one of" in bad_role.stderr
    driver = _mobility(env, "keys", "create", "--role", "driver")
    assert driver.returncode == 2 and "vehicle" in driver.stderr
    assert _mobility(env, "keys", "revoke", "nope").returncode == 2
    # an operator key belongs to an existing company
    for args in ((), ("--company", "acme")):
        op = _mobility(env, "keys", "create", "--role", "operator", *args)
        assert op.returncode == 2 and "company" in op.stderr
    with st.session() as s:
        s.add(Company(id="acme", name="Acme Taxi"))
    st.engine.dispose()
    op = _mobility(env, "keys", "create", "--role", "operator", "--company", "acme", "--json")
    assert op.returncode == 0, op.stderr
    made_op = json.loads(op.stdout)
    assert (made_op["role"], made_op["companyId"]) == ("operator", "acme")
    with st.session() as s:
        who = lookup(s, made_op["key"])
        assert who is not None and (who.company_id, who.staff) == ("acme", False)
    st.engine.dispose()


def test_unusable_store_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "MOBILITY_DB_URL": "mysql://nobody@localhost/x"}
    r = _mobility(env, "keys", "list")
    assert r.returncode == 2 and "db_url must start with" in r.stderr
    assert "Traceback" not in r.stderr
    env = {**os.environ, "MOBILITY_DB_URL": "postgresql://nobody@127.0.0.1:1/none"}
    r = _mobility(env, "keys", "list")
    assert r.returncode == 2 and "cannot use the store" in r.stderr
    assert "Traceback" not in r.stderr


def test_snapshot_sees_one_state(store: Store) -> None:
    """A quote rebuilds a day's plans from several queries: they must see one state, even
    while another process commits a booking in between (PostgreSQL: REPEATABLE READ; SQLite:
    the reader's WAL snapshot, which the writer does not wait for)."""
    import datetime as dt

    from sqlalchemy import update

    from api.store.models import PlanVersion
    from api.store.repository import Repository

    day = dt.date(2030, 1, 2)
    with store.session() as s:
        store.lock_day(s, "a", day)
    with store.snapshot() as snap:
        before = Repository(snap).version("a", day)
        with store.session() as other:  # another connection commits meanwhile
            other.execute(update(PlanVersion).values(version=PlanVersion.version + 1))
        assert Repository(snap).version("a", day) == before
    with store.session() as s:
        assert Repository(s).version("a", day) == before + 1


def test_listing_bookings_takes_a_constant_number_of_queries(api) -> None:  # type: ignore[no-untyped-def]
    """Listing 1,000 bookings reads the store in as many queries as listing 10 (a handful),
    not one or more per booking; every booking listed carries its quote and history."""
    import datetime as dt

    from sqlalchemy import event, insert

    from api.store.models import Booking, BookingStatus, Quote

    rider = api.rider_id()
    day = dt.date(2026, 11, 25)
    now = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
    quotes, bookings, history = [], [], []
    for k in range(1000):
        quotes.append(dict(id=f"q_{k:05d}", rider_id=rider, key_id="k", area="middlebury",
                           service_date=day, time_type="departure", origin_lat=44.0,
                           origin_lon=-73.1, dest_lat=44.1, dest_lon=-73.2, passengers=1,
                           wheelchairs=0, pickup_lo_s=30000.0 + k, pickup_hi_s=30900.0 + k,
                           dropoff_lo_s=0.0, dropoff_hi_s=1e9, max_ride_s=1800.0,
                           boarding_s=60.0, alighting_s=30.0, vehicle_id="mid-1",
                           est_pickup_s=30000.0 + k, est_dropoff_s=31000.0 + k,
                           created_at=now, expires_at=now))
        bookings.append(dict(id=f"b_{k:05d}", quote_id=f"q_{k:05d}", rider_id=rider,
                             key_id="k", area="middlebury", service_date=day,
                             vehicle_id="mid-1", status="cancelled",
                             created_at=now + dt.timedelta(seconds=k), updated_at=now))
        history += [dict(booking_id=f"b_{k:05d}", status=s, at=now, by_role="rider")
                    for s in ("confirmed", "cancelled")]
    with api.store.session() as s:
        s.execute(insert(Quote), quotes)
        s.execute(insert(Booking), bookings)
        s.execute(insert(BookingStatus), history)
    counts = {}
    for n in (10, 1000):
        seen: list[str] = []

        def count(conn, cursor, statement, *args, seen: list[str] = seen) -> None:  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(api.store.engine, "before_cursor_execute", count)
        try:
            r = api.get("/api/v1/bookings", "rider", params={"limit": n})
        finally:
            event.remove(api.store.engine, "before_cursor_execute", count)
        assert r.status_code == 200, r.text
        got = r.json()["bookings"]
        assert len(got) == n
        assert got[0]["id"] == "b_00999"  # newest first
        assert all([h["status"] for h in b["history"]] == ["confirmed", "cancelled"]
                   for b in got)
        assert got[-1]["pickupWindow"]["start"].startswith("2026-11-25T")
        counts[n] = len([x for x in seen if x.lstrip().upper().startswith("SELECT")])
    assert counts[1000] == counts[10] <= 6, counts


def test_services_starting_together_write_the_fleet_once(addison, addison_travel) -> None:  # type: ignore[no-untyped-def]
    """Two API processes started at once over a fresh PostgreSQL store each write the
    configured fleet. Both wait for the store's start-up lock (held here, as by a process
    migrating), then write one after the other: no duplicate key (which failed a start),
    every configured vehicle once. Threads with their own sessions stand in for the
    processes."""
    import threading
    import time

    import psycopg

    from api.store.models import VehicleRow
    from tests.api_helpers import drop_pg_schema, pg_reachable, pg_schema_url
    from tests.conftest import booking_service

    if not pg_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    configured = {v.id for a in addison.service_areas for v in a.vehicles}
    url = pg_schema_url()
    stores = [Store(url) for _ in range(2)]
    try:
        stores[0].migrate()
        failed: list[BaseException] = []

        def start(st: Store) -> None:
            try:
                booking_service(addison, addison_travel, st)
            except BaseException as exc:  # noqa: BLE001 - reported below
                failed.append(exc)

        threads = [threading.Thread(target=start, args=(st,)) for st in stores]
        with psycopg.connect(url) as hold:
            hold.execute("SELECT pg_advisory_xact_lock(7102026)")
            for t in threads:
                t.start()
            time.sleep(1.5)
            assert all(t.is_alive() for t in threads)  # both wait for the lock
            hold.commit()
        for t in threads:
            t.join(120)
        assert not failed, failed
        with stores[0].session() as s:
            rows = s.scalars(select(VehicleRow)).all()
        assert sorted(r.id for r in rows) == sorted(configured)
    finally:
        for st in stores:
            st.engine.dispose()
        drop_pg_schema(url)


def test_the_outbox_backlog_is_read_through_its_index(store: Store) -> None:
    """The metrics' count of unsent messages (every scrape, on a store that keeps every
    message a district sent) is served by ``ix_notifications_backlog``: SQLite's plan
    searches it; PostgreSQL, told to avoid whole-table scans, reads the index (without the
    index it could only scan the table)."""
    from sqlalchemy import text

    from api.service.outbox import backlog, backlog_query

    sql = str(backlog_query().compile(store.engine, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as conn:
        if store.is_sqlite:
            plan = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
        else:
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(str(r[0]) for r in conn.execute(text("EXPLAIN " + sql)))
    assert "ix_notifications_backlog" in plan, plan
    assert backlog(store) == []  # and it still answers (nothing waiting)
