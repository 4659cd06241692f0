"""Backups and restores of the store (``mobility backup`` / ``mobility restore``) on SQLite and
PostgreSQL: a backup taken while riders book holds every booking confirmed before it began,
and each with its plan; a store made by the first schema with its data upgrades to the newest
and today's service reads and books on it; bad input is a clear error that changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, select, text

from api.store import Store
from api.store.db import MIGRATIONS
from api.store.models import ApiKey, Booking, BookingStatus, PlanStop, Quote
from mobility import backup
from tests.api_helpers import (
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    PG_BASE,
    VERGENNES,
    WEYBRIDGE,
    drop_pg_schema,
    key,
    pg_reachable,
    pg_schema_url,
    ride,
    tomorrow,
)
from tests.server_process import ROOT, free_port

HEAD = "0011_outbox_backlog_index"
#: the first schema's tables, parents before children
FIRST_TABLES = ("riders", "api_keys", "vehicles", "quotes", "bookings", "booking_status",
                "plan_versions", "plan_stops", "vehicle_states", "vehicle_events")


def _kind(store: Store) -> str:
    return "sqlite" if store.is_sqlite else "postgresql"


def _needs_pg_tools() -> None:
    try:
        for tool in ("pg_dump", "pg_restore", "psql"):
            backup.pg_tool(tool)
    except backup.BackupError as exc:
        pytest.skip(str(exc))


@pytest.fixture()
def fresh(tmp_path: Path) -> Iterator[Any]:
    """Makes empty stores of a kind (nothing migrated): an SQLite file, or a new PostgreSQL
    database (its ``public`` schema) — another database than the tests' own, as restoring a
    district's backup onto a new server would be."""
    made: list[str] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'fresh-{len(made)}.db'}"
        import psycopg

        name = "r_" + secrets.token_hex(6)
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return PG_BASE.rsplit("/", 1)[0] + f"/{name}"

    yield make
    if made:
        import psycopg

        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            for name in made:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _check_whole(store: Store) -> dict[str, Booking]:
    """Every confirmed booking has its quote, its history and exactly its pickup before its
    drop-off in its vehicle's plan, and every planned ride is a confirmed booking: nothing
    half-written."""
    with store.snapshot() as s:
        bookings = {b.id: b for b in s.scalars(select(Booking))}
        quotes = set(s.scalars(select(Quote.id)))
        history = set(s.scalars(select(BookingStatus.booking_id)))
        stops = list(s.scalars(select(PlanStop).where(PlanStop.kind.in_(("pickup", "dropoff")))))
    by_ride: dict[str, list[PlanStop]] = {}
    for st in stops:
        by_ride.setdefault(st.request_id, []).append(st)
    for b in bookings.values():
        assert b.quote_id in quotes and b.id in history
        assert b.status == "confirmed"
        pair = sorted(by_ride.pop(b.id, []), key=lambda st: st.seq)
        assert [st.kind for st in pair] == ["pickup", "dropoff"], b.id
        assert {st.vehicle_id for st in pair} == {b.vehicle_id}
    assert not by_ride, f"planned rides without a booking: {sorted(by_ride)}"
    return bookings


# -- a backup during a booking burst ------------------------------------------------------------
def test_a_backup_during_a_booking_burst_holds_every_confirmed_booking(  # type: ignore[no-untyped-def]
        api, fresh, tmp_path: Path) -> None:
    """Three riders' threads book through the API while the store is backed up; restored into
    a fresh store (a new database on PostgreSQL, under another schema name), the backup holds
    every booking confirmed before the backup began, each whole with its plan, and nothing
    that was never confirmed."""
    if not api.store.is_sqlite:
        _needs_pg_tools()
    places = (MIDDLEBURY, WEYBRIDGE, EAST_MIDDLEBURY, BRISTOL, VERGENNES)
    confirmed: list[str] = []
    lock, some = threading.Lock(), threading.Event()
    started = threading.Event()
    after_start: list[str] = []
    errors: list[str] = []

    finished = threading.Event()  # the backup is done: the riders stop

    def rider(k: int) -> None:
        # booking until the backup is done (however long pg_dump takes), at most 60 tries
        for j in range(60):
            if finished.is_set():
                return
            body = ride(places[(k + j) % 5], places[(k + j + 2) % 5],
                        tomorrow(7 + (2 * j + k // 2) % 12, 20 * (k % 3)))
            q = api.post("/api/v1/quotes", "rider", body)
            if q.status_code != 201:
                continue  # the fleet is full then: refused, nothing written
            b = api.post("/api/v1/bookings", "rider", {"quoteId": q.json()["id"]})
            if b.status_code == 409 and b.json()["type"].endswith("/quote-stale"):
                continue  # another rider's booking took the room meanwhile: nothing written
            if b.status_code != 201:
                errors.append(b.text)
                continue
            with lock:
                confirmed.append(b.json()["id"])
                if started.is_set():
                    after_start.append(b.json()["id"])
                if len(confirmed) >= 2:
                    some.set()

    threads = [threading.Thread(target=rider, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    assert some.wait(120), errors
    with lock:
        before = set(confirmed)
        started.set()
    info = backup.backup(api.store.url, tmp_path / "burst.bak")
    running = sum(t.is_alive() for t in threads)
    finished.set()
    for t in threads:
        t.join(300)
    assert not errors, errors[:3]
    assert running > 0  # the riders were still booking when the backup was done

    assert info.kind == _kind(api.store) and info.revision == HEAD
    url = fresh(_kind(api.store))
    done = backup.restore(url, info.path)
    assert (done.revision, done.migrated_to, done.bookings) == (HEAD, HEAD, info.bookings)
    restored = Store(url)
    try:
        held = _check_whole(restored)
    finally:
        restored.engine.dispose()
    assert before <= set(held) <= set(confirmed)
    assert len(held) == info.bookings
    # the original store is whole too after the burst (the check is not vacuous)
    assert set(_check_whole(api.store)) == set(confirmed) and len(confirmed) > len(before)


# -- restoring over a store ------------------------------------------------------------------
def _keys(store: Store) -> set[str]:
    with store.snapshot() as s:
        return set(s.scalars(select(ApiKey.label)))


def test_a_restore_replaces_the_store_and_keeps_the_old_one(store: Store, tmp_path: Path
                                                            ) -> None:
    """Restoring over the store puts back what the backup holds (a key made afterwards is
    gone). SQLite: refused while a connection has the file open (a running server); the
    store replaced is kept beside it. PostgreSQL: the store's own schema, in one
    transaction."""
    if not store.is_sqlite:
        _needs_pg_tools()
    key(store, "dispatcher", label="before")
    info = backup.backup(store.url, tmp_path / "store.bak")
    key(store, "dispatcher", label="after")
    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    if store.is_sqlite:
        with pytest.raises(backup.BackupError, match="in use"):
            backup.restore(store.url, info.path, now=now)
        assert _keys(store) == {"before", "after"}  # refused: nothing changed
        store.engine.dispose()
    done = backup.restore(store.url, info.path, now=now)
    assert _keys(store) == {"before"}
    if store.is_sqlite:
        path = Path(store.url.split("///", 1)[1])
        assert done.kept == path.with_name(f"{path.name}.before-restore-20261124T120000Z")
        kept = sqlite3.connect(done.kept)
        assert {r[0] for r in kept.execute("SELECT label FROM api_keys")} == {"before",
                                                                              "after"}
        kept.close()
    else:
        assert done.kept is None


# -- the first schema upgraded ---------------------------------------------------------------
def _upgrade(store: Store, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _copy_as_first_schema(src: Store, dst: Store) -> dict[str, int]:
    """Write the source store's rows into a store at the first schema through its own tables
    (0001's columns only, as a store of that version held them)."""
    old = MetaData()
    old.reflect(dst.engine, only=FIRST_TABLES)
    now = MetaData()
    now.reflect(src.engine, only=FIRST_TABLES)
    counts = {}
    with src.engine.connect() as read, dst.engine.begin() as write:
        for name in FIRST_TABLES:
            cols = [now.tables[name].c[c.name] for c in old.tables[name].columns]
            rows = [dict(r._mapping) for r in read.execute(select(*cols))]
            if rows:
                write.execute(old.tables[name].insert(), rows)
                if not dst.is_sqlite and "id" in cols[0].table.c and \
                        isinstance(rows[0].get("id"), int):
                    # as if that version's inserts had numbered them: the sequence follows
                    write.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', "
                                       f"'id'), (SELECT max(id) FROM {name}))"))
            counts[name] = len(rows)
    return counts


def _view(b: dict[str, Any]) -> dict[str, Any]:
    """A booking's answer as far as the first schema knew it."""
    return {k: b[k] for k in ("id", "status", "vehicleId", "origin", "destination",
                              "passengers", "pickupWindow", "latestDropoff",
                              "estimatedPickup", "estimatedDropoff", "history")}


def test_a_store_of_the_first_schema_upgrades_with_its_data(  # type: ignore[no-untyped-def]
        api, addison, addison_planner, addison_travel, addison_atlas, tmp_path: Path,
        fresh) -> None:
    """A store built by migration 0001 and filled through 0001's tables (riders, keys,
    vehicles, a quote, a booking, its history and plan) migrates to the newest schema; today's
    service then shows the booking as before, accepts the keys and books a second ride
    beside it. A backup taken at 0001 is migrated when restored."""
    from fastapi.testclient import TestClient

    from api import create_app
    from tests.api_helpers import ApiUnderTest
    from tests.conftest import booking_service

    if not api.store.is_sqlite:
        _needs_pg_tools()
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    want = _view(api.get(f"/api/v1/bookings/{b['id']}", "dispatcher").json())

    url = f"sqlite:///{tmp_path / 'first.db'}" if api.store.is_sqlite else pg_schema_url()
    old = Store(url)
    try:
        _upgrade(old, "0001")
        with old.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        counts = _copy_as_first_schema(api.store, old)
        assert counts["bookings"] == 1 and counts["plan_stops"] >= 2
        at_first = backup.backup(url, tmp_path / "first.bak")
        assert at_first.revision == "0001" and at_first.bookings == 1

        old.migrate()
        assert old.is_current()
        svc = booking_service(addison, addison_travel, old)
        app = create_app(addison_planner, svc, region_name=addison.name, atlas=addison_atlas)
        with TestClient(app, raise_server_exceptions=False) as client:
            there = ApiUnderTest.__new__(ApiUnderTest)
            there.client, there.store, there.service, there.keys = client, old, svc, api.keys
            got = there.get(f"/api/v1/bookings/{b['id']}", "dispatcher")
            assert got.status_code == 200, got.text
            assert _view(got.json()) == want
            mine = there.get("/api/v1/bookings", "rider").json()
            assert [x["id"] for x in mine["bookings"]] == [b["id"]]
            _, b2 = there.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9, 5)))
        assert set(_check_whole(old)) == {b["id"], b2["id"]}
        svc.close()
    finally:
        old.engine.dispose()
        if not api.store.is_sqlite:
            drop_pg_schema(url)

    again = fresh(_kind(api.store))
    done = backup.restore(again, at_first.path)
    assert (done.revision, done.migrated_to, done.bookings) == ("0001", HEAD, 1)


# -- clear errors ------------------------------------------------------------------------------
def test_bad_backups_are_clear_errors_and_change_nothing(store: Store, tmp_path: Path) -> None:
    """A missing file, a folder, a file of another kind, a backup from a newer mobility and
    a damaged one are refused with a message saying so; the store keeps its data."""
    if not store.is_sqlite:
        _needs_pg_tools()
    key(store, "dispatcher", label="kept")
    good = backup.backup(store.url, tmp_path / "good.bak").path
    junk = tmp_path / "junk.bak"
    junk.write_text("id,name\n1,Erika\n", encoding="utf-8")
    other = tmp_path / "other.bak"
    other.write_bytes(backup.PG_MAGIC + b"\0" * 64 if store.is_sqlite
                      else backup.SQLITE_MAGIC + b"\0" * 64)
    newer = tmp_path / "newer.bak"
    if store.is_sqlite:
        shutil.copyfile(good, newer)
        with sqlite3.connect(newer) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '0042_from_the_future'")
        conn.close()
    else:
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0042_from_the_future'"))
        schema = store.url.rsplit("%3D", 1)[1]
        subprocess.run([backup.pg_tool("pg_dump"), "-Fc", "-n", schema, "-f", str(newer),
                        PG_BASE], check=True, capture_output=True)
        with store.engine.begin() as conn:
            conn.execute(text(f"UPDATE alembic_version SET version_num = '{HEAD}'"))
    damaged = tmp_path / "damaged.bak"
    data = good.read_bytes()
    damaged.write_bytes(data[: len(data) // 3])

    cases = [(tmp_path / "nope.bak", "no backup file"), (tmp_path, "is a folder"),
             (junk, "not a mobility backup"), (other, "backup but the store is"),
             (newer, "from a newer version of mobility.*0042_from_the_future"),
             (damaged, "damaged|not a usable|unreadable|not a mobility backup")]
    for file, message in cases:
        with pytest.raises(backup.BackupError, match=message):
            backup.restore(store.url, file)
        assert _keys(store) == {"kept"}, file


def test_an_unreachable_store_or_missing_tools_are_clear_errors(tmp_path: Path) -> None:
    """PostgreSQL that does not answer, the client tools not where MOBILITY_PG_BIN says, an
    SQLite store that is not there."""
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    for call in (lambda: backup.backup(closed, tmp_path / "x.dump"),
                 lambda: backup.restore(closed, _a_pg_archive(tmp_path))):
        with pytest.raises(backup.BackupError, match="cannot reach the store"):
            call()
    if pg_reachable():
        url = pg_schema_url()
        made = Store(url)
        try:
            made.migrate()
            with pytest.raises(backup.BackupError, match="pg_dump is not installed in"):
                backup.backup(url, tmp_path / "x.dump", pg_bin=tmp_path)
        finally:
            made.engine.dispose()
            drop_pg_schema(url)
    with pytest.raises(backup.BackupError, match="no store at"):
        backup.backup(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "x.db")
    assert not (tmp_path / "none.db").exists()


def _a_pg_archive(tmp_path: Path) -> Path:
    path = tmp_path / "a.dump"
    path.write_bytes(backup.PG_MAGIC + b"\0" * 64)
    return path


def test_the_commands_back_up_and_restore(tmp_path: Path) -> None:
    """``mobility backup --json`` then ``mobility restore``; a bad file is exit code 2 with
    a line saying why, never a traceback (that one in its own process, as run by hand)."""
    from typer.testing import CliRunner

    from mobility.cli import app

    db = tmp_path / "m.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    key(store, "dispatcher", label="cli")
    store.engine.dispose()
    env = {"MOBILITY_DB_URL": f"sqlite:///{db}"}
    runner = CliRunner()
    made = runner.invoke(app, ["backup", "--out", str(tmp_path / "b.db"), "--json"], env=env)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout) == {"file": str(tmp_path / "b.db"), "kind": "sqlite",
                                       "schema": HEAD, "bookings": 0}
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM api_keys")
    conn.close()
    done = runner.invoke(app, ["restore", str(tmp_path / "b.db")], env=env)
    assert done.exit_code == 0, done.output
    assert "restored" in done.stdout and "before-restore-" in done.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT label FROM api_keys").fetchall() == [("cli",)]
    conn.close()

    (tmp_path / "notes.txt").write_text("not a backup", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "mobility", "restore",
                          str(tmp_path / "notes.txt")], env={**os.environ, **env},
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "is not a mobility backup" in " ".join(bad.stderr.split())
