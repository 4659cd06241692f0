"""The database failing under the API: a read-only or full SQLite file answers a clear 503
(never a traceback) and nothing is half-written; PostgreSQL restarted in the middle of a
booking burst under two API processes loses and duplicates no confirmed booking, clients get
503 with ``Retry-After`` meanwhile, and the processes recover by themselves."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from api import BookingService, create_app
from api.service import FixedClock
from api.service.replanning import in_process
from api.store import Store
from api.store.models import Booking, BookingStatus, PlanStop, Quote
from tests.api_helpers import (
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    NOW,
    WEYBRIDGE,
    key,
    ride,
    tomorrow,
)
from tests.conftest import booking_service
from tests.private_pg import PrivatePostgres, unavailable
from tests.server_process import ROOT, Server, free_port
from tests.test_api_server import PLACES, _check_plans, _env, _keys


def _counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as c:
        return {m.__tablename__: int(c.execute(select(func.count()).select_from(m)).scalar_one())
                for m in (Quote, Booking, BookingStatus, PlanStop)}


def _app(addison, planner, travel, store: Store):  # type: ignore[no-untyped-def]
    """The app over ``store`` without writing to it first (no fleet sync)."""
    svc = BookingService(addison.service_areas, travel, addison.timezone, store,
                         clock=FixedClock(NOW), optimiser=in_process)
    return create_app(planner, svc, region_name=addison.name)


def _no_traceback(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The store's faults as logged: one line each, none with a traceback."""
    mine = [r for r in caplog.records if r.name == "mobility.api"]
    assert all(r.exc_info is None and r.levelno < logging.ERROR for r in mine), [
        r.getMessage() for r in mine]
    return [r.getMessage() for r in mine]


def _book_until_full(book: Callable[[int], Any], attempts: range, booked: list[str],
                     full: list[int]) -> None:
    """Book ``book(k)`` for each attempt until the store refused three writes as full (503
    ``store-full`` with ``Retry-After``); every other answer is a booking or a refusal."""
    for k in attempts:
        r = book(k)
        assert r.status_code in (201, 409, 503), r.text
        if r.status_code == 201:
            booked.append(r.json()["id"])
        elif r.status_code == 503:
            assert r.json()["type"] == "/problems/store-full", r.text
            assert int(r.headers["Retry-After"]) >= 1
            full.append(k)
            if len(full) >= 3:
                return


def test_a_read_only_sqlite_file_answers_503(tmp_path: Path, addison, addison_planner,  # type: ignore[no-untyped-def]
                                             addison_travel, caplog) -> None:
    """The file opened read-only (SQLite refuses every write with SQLITE_READONLY, as for a
    file the process may not write): reads work, writes answer 503 ``store-read-only``
    with ``Retry-After``, and nothing is written."""
    path = tmp_path / "m.db"
    rw = Store(f"sqlite:///{path}")
    rw.migrate()
    svc = booking_service(addison, addison_travel, rw)
    rider = key(rw, "rider", rider_name="Ada")
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)) as c:
        h = {"Authorization": f"Bearer {rider}"}
        q = c.post("/api/v1/quotes", headers=h, json=ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
        b = c.post("/api/v1/bookings", headers=h, json={"quoteId": q.json()["id"]})
        assert b.status_code == 201
    rw.engine.dispose()
    before = _counts(rw)
    ro = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    caplog.set_level(logging.WARNING, "mobility.api")
    with TestClient(_app(addison, addison_planner, addison_travel, ro),
                    raise_server_exceptions=False) as c:
        assert c.get(f"/api/v1/bookings/{b.json()['id']}", headers=h).status_code == 200
        writes = [c.post("/api/v1/quotes", headers=h,
                         json=ride(MIDDLEBURY, WEYBRIDGE, tomorrow(10))),
                  c.post("/api/v1/bookings", headers=h, json={"quoteId": q.json()["id"]}),
                  c.delete(f"/api/v1/bookings/{b.json()['id']}", headers=h)]
        for r in writes:
            assert r.status_code == 503, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["type"] == "/problems/store-read-only"
            assert int(r.headers["Retry-After"]) >= 1
    ro.engine.dispose()
    assert _counts(rw) == before
    logged = _no_traceback(caplog)
    # each refused request in one line; the rate limits' last counts could not be kept either
    answers = [m for m in logged if not m.startswith("rate limits:")]
    assert len(answers) == 3 and all("store-read-only" in m for m in answers), logged
    assert all("readonly database" in m for m in logged if m not in answers), logged


def test_a_full_sqlite_file_answers_503_and_recovers(tmp_path: Path, addison,  # type: ignore[no-untyped-def]
                                                     addison_planner, addison_travel,
                                                     caplog) -> None:
    """The database capped at its size plus two pages (``PRAGMA max_page_count``: SQLite
    answers SQLITE_FULL as on a full disk): bookings go on until the file is full, then
    answer 503 ``store-full``; every booking answered 201 is stored whole (with its history
    and both stops), no other; with room again, booking goes on."""
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    svc = booking_service(addison, addison_travel, store)
    rider = key(store, "rider", rider_name="Ada")
    with store.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    limit = {"pages": pages + 2}

    @event.listens_for(store.engine, "connect")
    def _cap(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={limit['pages']}")

    store.engine.dispose()  # every connection from now on is capped
    caplog.set_level(logging.WARNING, "mobility.api")
    h = {"Authorization": f"Bearer {rider}"}
    booked, full = [], []
    with TestClient(create_app(addison_planner, svc, region_name=addison.name),
                    raise_server_exceptions=False) as c:
        def book(k: int) -> Any:
            body = ride(PLACES[k % 5], PLACES[(k + 1) % 5], tomorrow(7 + k % 11, 5 * (k % 12)))
            q = c.post("/api/v1/quotes", headers=h, json=body)
            return (c.post("/api/v1/bookings", headers=h, json={"quoteId": q.json()["id"]})
                    if q.status_code == 201 else q)

        _book_until_full(book, range(60), booked, full)
        assert full, "the capped database never filled"
        assert booked, "nothing was booked before the file was full"
        with store.session() as s:
            stored = set(s.scalars(select(Booking.id)))
            stops = Counter(s.scalars(select(PlanStop.request_id)))
            history = Counter(s.scalars(select(BookingStatus.booking_id)))
        assert stored == set(booked)
        assert all(stops[b] == 2 and history[b] == 1 for b in booked)
        limit["pages"] = 1_000_000
        store.engine.dispose()
        q = c.post("/api/v1/quotes", headers=h, json=ride(MIDDLEBURY, BRISTOL, tomorrow(18)))
        r = c.post("/api/v1/bookings", headers=h, json={"quoteId": q.json()["id"]})
        assert r.status_code in (201, 409), r.text
    store.engine.dispose()
    assert all("store-full" in m for m in _no_traceback(caplog))


@pytest.mark.slow
def test_postgresql_restarted_mid_burst_loses_no_booking(tmp_path: Path, addison) -> None:
    """Two API processes over a private PostgreSQL; six clients book, and in the middle the
    database is stopped three times for three seconds: as in a crash (``pg_ctl stop -m
    immediate``), shut down (``-m fast``: open transactions are rolled back), crashed again.
    Clients that get 503 wait and retry, a booking with the same Idempotency-Key: every
    booking answered 201 is found afterwards, once; the store holds exactly one booking per
    key answered 201; the processes answer again without a restart."""
    why = unavailable()
    if why:
        pytest.skip(why)
    pg = PrivatePostgres().start()
    srv = None
    try:
        env = _env(pg.url)
        keys = _keys(env)
        srv = Server(env, "addison-vt", tmp_path / "server.log", workers=2).start()
        rider = {"Authorization": f"Bearer {keys['rider']['key']}"}
        lock = threading.Lock()
        answered: dict[str, str] = {}  # Idempotency-Key -> booking id, as answered 201
        statuses: Counter[int] = Counter()
        unavailable_seen: list[dict[str, Any]] = []
        replayed: list[str] = []  # bookings a retry found made already
        broken: list[str] = []  # a client's request that got no answer at all
        enough, restarted = threading.Event(), threading.Event()

        def send(c: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
            """One request, retried after each 503 as its Retry-After asks (capped at 1 s
            to keep the test short)."""
            headers = {**rider, **kw.pop("headers", {})}  # the same Idempotency-Key
            while True:
                r = c.request(method, url, headers=headers, **kw)
                with lock:
                    statuses[r.status_code] += 1
                if r.status_code != 503:
                    if r.headers.get("Idempotent-Replayed") == "true":
                        with lock:
                            replayed.append(url)
                    return r
                with lock:
                    unavailable_seen.append({"type": r.json()["type"], "url": url,
                                             "retry": r.headers.get("Retry-After")})
                time.sleep(min(1.0, float(r.headers.get("Retry-After", "1"))))

        def client(k: int) -> None:
            try:
                run(k)
            except Exception as exc:  # noqa: BLE001 - reported with the server's log below
                with lock:
                    broken.append(repr(exc))
                enough.set()

        def run(k: int) -> None:
            with httpx.Client(base_url=srv.url, timeout=60) as c:
                for j in range(14):
                    body = ride(PLACES[(k + j) % 5], PLACES[(k + j + 2) % 5],
                                tomorrow(7 + (k * 14 + j) % 8, (7 * j + 3 * k) % 60))
                    q = send(c, "POST", "/api/v1/quotes", json=body)
                    if q.status_code != 201:
                        continue
                    idem = str(uuid.uuid4())
                    b = send(c, "POST", "/api/v1/bookings", json={"quoteId": q.json()["id"]},
                             headers={"Idempotency-Key": idem})
                    if b.status_code == 201:
                        with lock:
                            assert answered.setdefault(idem, b.json()["id"]) == b.json()["id"]
                            if len(answered) >= 6:
                                enough.set()
                    if k == 0 and j == 13:
                        restarted.wait(120)  # one client lives past the outages

        threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        assert enough.wait(240), "no bookings were confirmed"
        for mode in ("immediate", "fast", "immediate"):  # a crash, a shutdown, a crash
            pg.stop(mode)
            time.sleep(3.0)
            pg.start()
            time.sleep(2.0)
        restarted.set()
        for t in threads:
            t.join(300)
        assert not broken, f"{broken[:3]}\n{srv.log()[-4000:]}"
        # recovered without a restart: the processes book again (in the afternoon, which
        # the burst left free)
        after = []
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            for k in range(6):
                assert c.get("/health").status_code == 200
                q = send(c, "POST", "/api/v1/quotes",
                         json=ride(MIDDLEBURY, (EAST_MIDDLEBURY, WEYBRIDGE)[k % 2],
                                   tomorrow(15 + k // 2, 20 * (k % 3))))
                if q.status_code == 201:
                    idem = str(uuid.uuid4())
                    b = send(c, "POST", "/api/v1/bookings", json={"quoteId": q.json()["id"]},
                             headers={"Idempotency-Key": idem})
                    assert b.status_code in (201, 409), b.text
                    if b.status_code == 201:
                        answered[idem] = b.json()["id"]
                        after.append(b.json()["id"])
        assert after, "no booking after the restart"
        assert set(statuses) <= {201, 409, 410, 503}, statuses
        assert unavailable_seen, "no request met the outage"
        assert {u["type"] for u in unavailable_seen} == {"/problems/store-unavailable"}
        assert all(u["retry"] and int(u["retry"]) >= 1 for u in unavailable_seen)
        st = Store(pg.url)
        with st.session() as s:
            rows = s.execute(select(Booking.id, Booking.idempotency_key, Booking.status)).all()
        st.engine.dispose()
        by_key = {k: i for i, k, _ in rows}
        found = [i for k, i in answered.items() if by_key.get(k) == i]
        print(f"\nPostgreSQL restart mid-burst: {len(answered)} bookings answered 201 "
              f"({len(set(answered.values()))} distinct), {len(found)} found afterwards, "
              f"{len(rows)} bookings stored, {len(unavailable_seen)} answers 503 "
              f"({sum(u['url'].endswith('bookings') for u in unavailable_seen)} to bookings, "
              f"retried with their key; {len(replayed)} retries answered with the booking "
              f"made already), statuses {dict(statuses)}")
        assert len(found) == len(answered) == len(set(answered.values()))
        assert len(rows) == len(answered)  # nothing stored that no client was told of
        assert all(status == "confirmed" for _, _, status in rows)
        _check_plans(srv.url, keys["dispatcher"]["key"],
                     dt.datetime.fromisoformat(tomorrow(9)).date().isoformat(),
                     set(answered.values()))
        log = srv.log()
        print("the API processes logged:", *sorted(
            {line.split(": ", 1)[-1][:120] for line in log.splitlines() if "store-" in line}),
            sep="\n  ")
        assert "Traceback" not in log
        assert "exited with" not in log and "failed while starting" not in log
    finally:
        if srv is not None:
            srv.kill()
        pg.close()


def _without_root_powers() -> list[str]:
    """A command prefix under which this user cannot write a file it may only read (root
    drops the capabilities that override file permissions)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a file unwritable")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


@pytest.mark.slow
def test_an_unwritable_sqlite_file_is_a_clear_error(tmp_path: Path, addison) -> None:
    """A store the process may read but not write (file 0444, folder 0555): ``serve`` and
    the CLI's store commands stop with one clear line and exit code 2, no traceback."""
    prefix = _without_root_powers()
    folder = tmp_path / "ro"  # the folder too: SQLite writes its journals beside the file
    env = _env(f"sqlite:///{folder / 'm.db'}")
    _keys(env)
    (folder / "m.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        for args in (["serve", "addison-vt", "--port", str(free_port())],
                     ["riders", "retention"], ["keys", "list"]):
            r = subprocess.run([*prefix, sys.executable, "-m", "mobility", *args], env=env,
                               cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert r.returncode == 2, (args, r.stderr[-2000:])
            assert "cannot use the store" in r.stderr and "readonly" in r.stderr, r.stderr
            assert "Traceback" not in r.stderr
    finally:
        folder.chmod(0o755)


@pytest.mark.slow
def test_a_full_disk_answers_503_until_there_is_room(tmp_path: Path, addison) -> None:
    """The store on a small tmpfs filled up while the server runs (ENOSPC: SQLite answers
    SQLITE_FULL): bookings answer 503 ``store-full`` with ``Retry-After``, every booking
    answered 201 is stored and planned; once there is room again the same process books on."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    srv = None
    try:
        env = _env(f"sqlite:///{disk / 'm.db'}")
        keys = _keys(env)
        srv = Server(env, "addison-vt", tmp_path / "server.log").start()
        h = {"Authorization": f"Bearer {keys['rider']['key']}"}
        booked, full = [], []
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            def book(k: int) -> httpx.Response:
                body = ride(PLACES[k % 5], PLACES[(k + 2) % 5],
                            tomorrow(7 + k % 12, (13 * k) % 60))
                q = c.post("/api/v1/quotes", headers=h, json=body)
                if q.status_code != 201:
                    return q
                return c.post("/api/v1/bookings", headers={**h, "Idempotency-Key": f"k{k}"},
                              json={"quoteId": q.json()["id"]})

            for k in range(3):
                if (r := book(k)).status_code == 201:
                    booked.append(r.json()["id"])
            assert booked, "nothing was booked before the disk was full"
            filler = disk / "filler"
            # unbuffered: nothing is left in a buffer for close() to fail on (whether the
            # last write fits depends on how many pages the store happens to hold)
            with filler.open("wb", buffering=0) as f, contextlib.suppress(OSError):
                while True:  # every block of the disk
                    f.write(b"\0" * 65536)
                    f.flush()
            _book_until_full(book, range(3, 200), booked, full)
            assert full, "the full disk never refused a write"
            filler.unlink()
            q = c.post("/api/v1/quotes", headers=h, json=ride(MIDDLEBURY, WEYBRIDGE,
                                                                tomorrow(19)))
            after = c.post("/api/v1/bookings", headers=h, json={"quoteId": q.json()["id"]})
            assert after.status_code == 201, after.text
            booked.append(after.json()["id"])
        _check_plans(srv.url, keys["dispatcher"]["key"],
                     dt.datetime.fromisoformat(tomorrow(9)).date().isoformat(), set(booked))
        assert "Traceback" not in srv.log()
    finally:
        if srv is not None:
            srv.kill()
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
