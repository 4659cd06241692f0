"""Signing in on another device with a short code, on SQLite and PostgreSQL: a rider's code
gives a new key of the same rider once, for ten minutes of the service's clock; a new code
ends the one before; wrong, used and expired codes get one answer; guessing is rate-limited
per client address; only riders make codes; forgetting a rider deletes their codes; the
store and the logs never hold a code."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api import ApiConfig, create_app
from api.auth import lookup
from api.service.housekeeping import STEPS, purge
from api.service.sign_in import ALPHABET
from api.store import Store
from api.store.models import Base, SignInCode
from tests.api_helpers import BRISTOL, MIDDLEBURY, NOW, ride, tomorrow
from tests.conftest import UNLIMITED, booking_service

CODES = "/api/v1/accounts/sign-in-codes"
SIGN_IN = "/api/v1/accounts/sign-in"
REFUSAL = ("This code is not valid or has expired: ask for a new one on your other device")


def _code(api, role: str = "rider") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = api.post(CODES, role)
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    return r.json()  # type: ignore[no-any-return]


def _sign_in(client: TestClient, code: Any) -> Any:
    return client.post(SIGN_IN, json={"code": code})


def _refused(r: Any) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == REFUSAL and r.json()["type"].endswith("/sign-in-code-invalid")


def _dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the rate limits' counts (attempts are counted)."""
    with store.engine.connect() as c:
        return {name: sorted(map(tuple, c.execute(select(t)).all()), key=repr)
                for name, t in Base.metadata.tables.items() if name != "rate_counts"}


def test_a_code_signs_the_same_rider_in_on_another_device(api) -> None:  # type: ignore[no-untyped-def]
    """The whole flow: a code of 8 characters of the alphabet, shown grouped, expiring in
    10 minutes; the other device (no key) gets a new key of the same rider, which sees
    the rider's bookings; the first key still works."""
    _, booked = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    made = _code(api)
    assert re.fullmatch(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", made["code"]), made
    assert dt.datetime.fromisoformat(made["expiresAt"]) == NOW + dt.timedelta(minutes=10)
    r = _sign_in(api.client, made["code"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["riderId"] == api.rider_id("rider") and body["name"] == "Erika Muster"
    assert body["role"] == "rider" and body["key"] != api.keys["rider"]
    assert r.headers["cache-control"] == "no-store"
    new = {"Authorization": f"Bearer {body['key']}"}
    me = api.client.get("/api/v1/me", headers=new).json()
    assert me["riderId"] == api.rider_id("rider") and me["name"] == "Erika Muster"
    mine = api.client.get("/api/v1/bookings", headers=new).json()["bookings"]
    assert [b["id"] for b in mine] == [booked["id"]]
    assert api.get("/api/v1/me", "rider").status_code == 200  # the first device too


def test_a_code_works_once(api) -> None:  # type: ignore[no-untyped-def]
    code = _code(api)["code"]
    assert _sign_in(api.client, code).status_code == 201
    _refused(_sign_in(api.client, code))
    with api.store.snapshot() as s:
        assert s.scalars(select(SignInCode)).all() == []


def test_a_code_expires_after_ten_minutes_of_the_services_clock(api) -> None:  # type: ignore[no-untyped-def]
    code = _code(api)["code"]
    api.clock.advance(600)
    _refused(_sign_in(api.client, code))
    fresh = _code(api)["code"]
    api.clock.advance(599)
    assert _sign_in(api.client, fresh).status_code == 201


def test_a_new_code_ends_the_older_one(api) -> None:  # type: ignore[no-untyped-def]
    old = _code(api)["code"]
    new = _code(api)["code"]
    assert old != new
    _refused(_sign_in(api.client, old))
    assert _sign_in(api.client, new).status_code == 201
    with api.store.snapshot() as s:  # one open code at most (now used: none)
        assert s.scalars(select(SignInCode)).all() == []


def test_case_dashes_and_spaces_do_not_matter(api) -> None:  # type: ignore[no-untyped-def]
    for typed in (lambda c: c.replace("-", "").lower(), lambda c: f" {c[:2]} {c[2:].lower()} ",
                  lambda c: c.lower().replace("-", "–"),
                  lambda c: "".join(chr(ord(ch) + 0xFEE0) for ch in c.replace("-", ""))):
        code = _code(api)["code"]
        r = _sign_in(api.client, typed(code))  # full-width characters of a phone keyboard too
        assert r.status_code == 201, (typed(code), r.text)


def test_only_a_riders_key_makes_codes(api) -> None:  # type: ignore[no-untyped-def]
    before = _dump(api.store)
    assert api.client.post(CODES).status_code == 401
    assert api.client.post(CODES, headers={"Authorization": "Bearer mob_x_y"}).status_code == 401
    for role in ("dispatcher", "admin", "driver"):
        r = api.post(CODES, role)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"
    assert _dump(api.store) == before


def test_hostile_bodies_are_refused_and_nothing_is_written(api) -> None:  # type: ignore[no-untyped-def]
    """Another rider's code is not reachable by near misses; odd bodies get 4xx problems;
    none of it writes a row (but the attempts' counts) or answers 500."""
    code = _code(api, "rider2")["code"]
    before = _dump(api.store)
    plain = code.replace("-", "")
    near = [plain[:-1] + next(c for c in ALPHABET if c != plain[-1]), plain[:7], plain + "2",
            plain.replace(plain[0], "0" if plain[0] != "0" else "O"), "IIIIIIII", "-" * 8]
    for guess in near:
        _refused(_sign_in(api.client, guess))
    odd: list[Any] = [{"code": None}, {"code": 12345678}, {"code": ["K7QF3MWD"]}, {},
                      {"code": plain, "riderId": "x"}, {"code": "A" * 10_000},
                      {"code": "K7QF\u202e3MWD"}, {"code": "K7QF\x003MWD"},
                      [plain], plain, None]
    for body in odd:
        r = api.client.post(SIGN_IN, json=body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = api.client.post(SIGN_IN, content=b'{"code": "' + b"\\ud800" * 8 + b'"}',
                        headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text  # lone surrogates
    r = api.client.post(SIGN_IN, content=b"\xff\xfe{", headers={"content-type":
                                                                 "application/json"})
    assert 400 <= r.status_code < 500
    r = api.client.post(SIGN_IN, content=b"x" * 100_000,
                        headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert _dump(api.store) == before
    assert _sign_in(api.client, code).json()["riderId"] == api.rider_id("rider2")


def test_guessing_is_rate_limited_per_client_address(addison, addison_planner, addison_travel,  # type: ignore[no-untyped-def]
                                                     store) -> None:
    """Every attempt counts, a right one too; beyond the limit even the right code gets
    429 with Retry-After (the hour's window), and another address is not affected."""
    cfg = ApiConfig(**UNLIMITED, rate_signins=3)  # type: ignore[arg-type]
    svc = booking_service(addison, addison_travel, store, config=cfg)
    app = create_app(addison_planner, svc, region_name=addison.name)
    from tests.api_helpers import key

    rider = {"Authorization": f"Bearer {key(store, 'rider', rider_name='Ana')}"}
    with TestClient(app, raise_server_exceptions=False, client=("192.0.2.7", 4000)) as c, \
            TestClient(app, raise_server_exceptions=False, client=("192.0.2.8", 4000)) as d:
        code = c.post(CODES, headers=rider).json()["code"]
        statuses = [_sign_in(c, g).status_code for g in ("22222222", "33333333", "44444444")]
        assert statuses == [422] * 3
        r = _sign_in(c, code)
        assert r.status_code == 429, r.text
        assert r.json()["type"].endswith("/too-many-sign-ins")
        wait = int(r.headers["retry-after"])
        assert 0 < wait <= 3600
        assert _sign_in(d, code).status_code == 201  # another address
        svc.timing.clock.advance(wait)  # the next window
        assert _sign_in(c, "22222222").status_code == 422


def test_forgetting_a_rider_deletes_their_codes(api) -> None:  # type: ignore[no-untyped-def]
    code = _code(api)["code"]
    rid = api.rider_id("rider")
    export = api.get(f"/api/v1/riders/{rid}/export", "rider").json()
    # the export says when the open code expires, never the code or its hash
    assert [dt.datetime.fromisoformat(c["expiresAt"]) for c in export["signInCodes"]] == [
        NOW + dt.timedelta(minutes=10)]
    assert list(export["signInCodes"][0]) == ["expiresAt"]
    assert code.replace("-", "") not in repr(export)
    r = api.delete(f"/api/v1/riders/{rid}", "rider")
    assert r.status_code == 200, r.text
    with api.store.snapshot() as s:
        assert s.scalars(select(SignInCode)).all() == []
    _refused(_sign_in(api.client, code))


def test_housekeeping_purges_expired_codes(api) -> None:  # type: ignore[no-untyped-def]
    _code(api)
    _code(api, "rider2")
    cfg = ApiConfig()
    none = dict.fromkeys(STEPS, 0)
    assert purge(api.store, NOW + dt.timedelta(minutes=9), cfg)["sign_in_codes"] == 0
    later = NOW + dt.timedelta(minutes=10)
    assert purge(api.store, later, cfg, dry_run=True)["sign_in_codes"] == 2
    assert purge(api.store, later, cfg)["sign_in_codes"] == 2
    assert purge(api.store, later, cfg) == none


@pytest.fixture()
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def test_the_store_and_the_logs_hold_only_a_hash(api, all_logs) -> None:  # type: ignore[no-untyped-def]
    code = _code(api)["code"]
    plain = code.replace("-", "")
    rows = repr(_dump(api.store))
    assert code not in rows and plain not in rows and plain.lower() not in rows
    with api.store.snapshot() as s:
        (row,) = s.scalars(select(SignInCode)).all()
        assert row.code_hash == hashlib.sha256(plain.encode()).hexdigest()
    if api.store.is_sqlite:  # the database's own bytes, its write-ahead log included
        db = Path(api.store.engine.url.database or "")
        raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
        assert plain.encode() not in raw and code.encode() not in raw
    r = _sign_in(api.client, plain.lower())
    assert r.status_code == 201
    with api.store.snapshot() as s:
        assert lookup(s, r.json()["key"]) is not None
    assert plain not in all_logs.text and code not in all_logs.text
