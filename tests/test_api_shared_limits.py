"""Rate limits and the client's address with real server processes: two ``mobility serve``
over one store — A with one process and no trusted proxy, B with two processes trusting
127.0.0.1 as its reverse proxy — share every count (issue 17: "counted across processes";
"the sign-up limit ... counts per process"), and a local client forging X-Forwarded-For
gets nothing past the sign-up limit, while a trusted proxy's header is honoured."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import httpx
import pytest

from tests.api_helpers import (
    BRISTOL,
    MIDDLEBURY,
    NOW,
    drop_pg_schema,
    pg_reachable,
    pg_schema_url,
    ride,
    tomorrow,
)
from tests.conftest import CACHE, DATA
from tests.server_process import Server, cli

pytestmark = pytest.mark.slow

QUOTES, BOOKINGS, PLANS, SIGNUPS = 10, 3, 10, 3
PLAN = {"from": "44.0153,-73.1673", "to": "44.1670,-73.2540", "time": "2016-03-03T08:00"}


class Pair:
    def __init__(self, a: Server, b: Server, riders: list[str]) -> None:
        self.a, self.b, self.riders = a, b, riders

    def each(self, n: int) -> Iterator[str]:
        """Base URLs alternating A, B, A, … (each request on a new connection, so that B's
        two processes share B's turns)."""
        for k in range(n):
            yield (self.a, self.b)[k % 2].url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Pair]:
    tmp = tmp_path_factory.mktemp("shared")
    if request.param == "postgresql":
        if not pg_reachable():
            pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
        db = pg_schema_url()
    else:
        db = f"sqlite:///{tmp / 'm.db'}"
    # one window for the whole test: the clock starts on the hour, windows are an hour
    env = {**os.environ, "MOBILITY_DB_URL": db, "MOBILITY_CACHE": str(CACHE),
           "MOBILITY_DATA": str(DATA), "MOBILITY_CLOCK_START": NOW.isoformat(),
           "MOBILITY_RATE_WINDOW_S": "3600", "MOBILITY_RATE_QUOTES": str(QUOTES),
           "MOBILITY_RATE_BOOKINGS": str(BOOKINGS), "MOBILITY_RATE_PLANS": str(PLANS),
           "MOBILITY_RATE_SIGNUPS": str(SIGNUPS), "MOBILITY_TRUSTED_PROXIES": "",
           "MOBILITY_MAX_BOOKINGS_PER_DAY": "0", "MOBILITY_MAX_BOOKINGS": "0"}
    riders = [json.loads(cli(env, "keys", "create", "--role", "rider", "--json"))["key"]
              for _ in range(2)]
    a = Server(env, "addison-vt", tmp / "a.log").start()
    b = None
    try:
        b = Server({**env, "MOBILITY_TRUSTED_PROXIES": "127.0.0.1"}, "addison-vt",
                   tmp / "b.log", workers=2).start()
        yield Pair(a, b, riders)
    finally:
        a.kill()
        if b is not None:
            b.kill()
        if request.param == "postgresql":
            drop_pg_schema(db)


def test_bookings_over_two_servers_stop_at_exactly_the_limit(pair: Pair) -> None:
    """6 bookings of one key alternating between the servers (three processes), with a
    limit of 3 — below four, a quarter of the limit is no request, so each is counted in
    the store: answered exactly 3 times, the rest get 429 with Retry-After (until the
    hour's window ends)."""
    h = {"Authorization": f"Bearer {pair.riders[1]}"}
    quotes = [httpx.post(url + "/api/v1/quotes", headers=h, timeout=60,
                         json=ride(MIDDLEBURY, BRISTOL, tomorrow(7 + 2 * k)))
              for k, url in enumerate(pair.each(6))]
    ids = [q.json()["id"] for q in quotes if q.status_code == 201]
    assert len(ids) >= 4, [q.text for q in quotes]
    answers = [httpx.post(url + "/api/v1/bookings", headers=h, timeout=60, json={"quoteId": q})
               for q, url in zip(ids, pair.each(len(ids)), strict=True)]
    codes = [r.status_code for r in answers]
    assert all(c != 429 for c in codes[:BOOKINGS]), codes
    assert codes[BOOKINGS:] == [429] * (len(ids) - BOOKINGS), codes
    for r in answers[BOOKINGS:]:
        assert r.json()["type"] == "/problems/too-many-requests"
        assert 0 < int(r.headers["Retry-After"]) <= 3600


def _late_admissions_bounded(codes: list[int], limit: int) -> bool:
    """The last 10 requests (the shared count long past the limit) are refused, but for at
    most a quarter of the limit: which of B's two processes accepts a new connection is
    the kernel's choice, and a process seeing the caller for the first time in the window
    admits up to a quarter of the limit before the store tells it (api.ratelimit's
    documented price of batching). Only one process can be new that late: A and B have
    each had ten turns by then, so at least one of B's processes has counted."""
    late = [c for c in codes[-10:] if c != 429]
    return len(late) <= limit // 4


def test_quotes_over_two_servers_stop_near_the_limit(pair: Pair) -> None:
    """Quotes are counted like plans (in memory until a caller nears the limit): 30
    quotes of one key alternating between the servers pass at most a quarter of the limit
    per process more than 10 — counted per process, each server alone would answer 10 —
    and the last ones are all refused."""
    h = {"Authorization": f"Bearer {pair.riders[0]}"}
    codes = [httpx.post(url + "/api/v1/quotes", headers=h, timeout=60,
                        json=ride(MIDDLEBURY, BRISTOL, tomorrow(7, k))).status_code
             for k, url in enumerate(pair.each(30))]
    answered = sum(c != 429 for c in codes)
    assert QUOTES <= answered <= QUOTES + 3 * (QUOTES // 4), codes
    assert _late_admissions_bounded(codes, QUOTES), codes


def test_anonymous_plans_over_three_processes_stop_at_the_limit(pair: Pair) -> None:
    """Plans are counted in memory and flushed in batches (api.ratelimit): 30 plans from
    one address spread over the three processes pass the limit of 10 by at most a quarter
    of it per process — counted per process, A alone would pass 10 of its 15 and B at least
    as many — and the last ones are all refused."""
    codes = [httpx.get(url + "/api/v1/plan", params=PLAN, timeout=60).status_code
             for url in pair.each(30)]
    assert set(codes) == {200, 429}, codes
    assert PLANS <= codes.count(200) <= PLANS + 3 * (PLANS // 4), codes
    assert _late_admissions_bounded(codes, PLANS), codes


def test_sign_ups_count_once_and_forged_addresses_do_not_help(pair: Pair) -> None:
    """The sign-up limit is shared by both servers; A (no trusted proxy) ignores forged
    X-Forwarded-For; B honours its proxy's header — the right-most address only."""

    def sign_up(url: str, forwarded: str | None = None) -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return httpx.post(url + "/api/v1/accounts", json={"name": "Probe"}, headers=headers,
                          timeout=60).status_code

    a, b = pair.a.url, pair.b.url
    # forged addresses from a local client that is no proxy: all count as 127.0.0.1
    assert [sign_up(a, f"203.0.113.{k}") for k in range(5)] == [201] * 3 + [429] * 2
    # the other server knows: 127.0.0.1 has had its sign-ups
    assert sign_up(b) == 429
    # behind B's trusted proxy, each client counts by its own address
    assert [sign_up(b, f"198.51.100.{k}") for k in range(4)] == [201] * 4
    # what a client writes before the proxy's entry changes nothing
    forged = [sign_up(b, f"203.0.113.{k}, 192.0.2.77") for k in range(4)]
    assert forged == [201] * 3 + [429]
    # the access log shows the client's address as the proxy reported it
    assert "198.51.100.2:0" in pair.b.log()


def test_no_limit_leaves_a_trace_in_the_log(pair: Pair) -> None:
    """The refusals are plain 429 answers: no traceback, no error in either log."""
    for srv in (pair.a, pair.b):
        log = srv.log()
        assert "Traceback" not in log and "ERROR" not in log, log[-2000:]
