"""Fair use of the fleet (issue 17's probe findings): one rider cannot book it out — caps on
a rider's journeys per day and in all, no two rides with overlapping pickup windows unless a
dispatcher books them — and rate limits per key (quotes, bookings, plans) and per client
address (plans without a key), answered 429 with ``Retry-After``, counted in the store so
that every process shares one count. On SQLite and PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api import ApiConfig, create_app
from api.ratelimit import Limit, RateLimiter
from api.service import FixedClock
from api.store.models import Booking, Quote, RateCount
from tests.api_helpers import (
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    NOW,
    VERGENNES,
    WEYBRIDGE,
    ApiUnderTest,
    ride,
    tomorrow,
)
from tests.conftest import UNLIMITED, booking_service

PLACES = [MIDDLEBURY, BRISTOL, VERGENNES, WEYBRIDGE, EAST_MIDDLEBURY]
Make = Callable[..., ApiUnderTest]


@pytest.fixture()
def make(addison, addison_planner, addison_travel, store) -> Iterator[Make]:  # type: ignore[no-untyped-def]
    """Apps over the addison-vt region and one store, each with the given service settings
    (the rest as the tests' default: no caps, no limits), on the tests' fixed clock."""
    clients: list[TestClient] = []

    def build(config: ApiConfig | None = None, client: tuple[str, int] = ("127.0.0.1", 40000),
              **settings: Any) -> ApiUnderTest:
        cfg = config or ApiConfig(**{**UNLIMITED, **settings})
        svc = booking_service(addison, addison_travel, store, config=cfg)
        c = TestClient(create_app(addison_planner, svc, region_name=addison.name),
                       raise_server_exceptions=False, client=client)
        c.__enter__()
        clients.append(c)
        return ApiUnderTest(c, store, svc)

    yield build
    for c in clients:
        c.__exit__(None, None, None)


def _signed_up(api: ApiUnderTest) -> dict[str, str]:
    r = api.client.post("/api/v1/accounts", json={"name": "Fresh Key"})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['key']}"}


def _problem(r: Any, status: int, slug: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["type"] == f"/problems/{slug}", body
    return body


def _refused(api: ApiUnderTest, role: str, body: dict[str, Any], slug: str,
             headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Quote (offered: a quote takes up nothing) and book (refused with ``slug``)."""
    h = headers or api.h(role)
    q = api.client.post("/api/v1/quotes", headers=h, json=body)
    assert q.status_code == 201, q.text
    return _problem(api.client.post("/api/v1/bookings", headers=h,
                                    json={"quoteId": q.json()["id"]}), 409, slug)


def _confirmed(api: ApiUnderTest, rider_id: str) -> list[Booking]:
    with api.store.snapshot() as s:
        return list(s.scalars(select(Booking).where(Booking.rider_id == rider_id,
                                                    Booking.status == "confirmed")))


# -- the probe's finding ----------------------------------------------------------------------
def test_one_fresh_key_cannot_book_out_the_fleet(make: Make) -> None:
    """The finding: "one freshly signed-up key held 11 overlapping confirmed rides (35
    seats) at 10:00 tomorrow; everyone else's quote for that slot got 409". With the
    product's defaults the key gets its 11 quotes (nothing is booked yet), but only the
    first booking: the other ten overlap it. Other riders still get a ride at 10:00."""
    api = make(ApiConfig(purge_interval_s=0))  # the product's defaults
    h = _signed_up(api)
    seats = [3] * 9 + [4, 4]  # 35 seats
    quotes = []
    for k, n in enumerate(seats):
        q = api.client.post("/api/v1/quotes", headers=h, json=ride(
            PLACES[k % 5], PLACES[(k + 1) % 5], tomorrow(10), passengers=n))
        assert q.status_code in (201, 409), q.text
        if q.status_code == 201:
            quotes.append(q.json())
    assert len(quotes) >= 2
    codes = []
    for q in quotes:
        b = api.client.post("/api/v1/bookings", headers=h, json={"quoteId": q["id"]})
        codes.append(b.status_code)
        if b.status_code == 409:
            body = _problem(b, 409, "overlapping-booking")
            assert body["bookingId"] and "overlaps your booking" in body["detail"]
    assert codes == [201] + [409] * (len(quotes) - 1)
    rider = quotes[0]["riderId"]
    held = _confirmed(api, rider)
    assert len(held) == 1
    # another try at that slot is refused too, naming the booking it overlaps
    again = _refused(api, "", ride(MIDDLEBURY, BRISTOL, tomorrow(10, 5)),
                     "overlapping-booking", headers=h)
    assert again["bookingId"] == held[0].id
    # everyone else still gets the slot
    other = api.post("/api/v1/quotes", "rider2", ride(WEYBRIDGE, MIDDLEBURY, tomorrow(10)))
    assert other.status_code == 201, other.text


def test_an_itinerary_cannot_stack_rides_either(make: Make) -> None:
    """The same through an itinerary booking: its legs may not overlap each other or the
    rider's bookings; sequential legs of one journey are fine and count as one journey."""
    api = make(max_bookings_per_day=2, refuse_overlapping=True)
    leg = {"origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
           "destination": {"lat": BRISTOL[0], "lon": BRISTOL[1]},
           "pickupWindow": {"start": tomorrow(10), "end": tomorrow(10, 15)},
           "dropOffWindow": {"start": tomorrow(10), "end": None}}
    back = {**leg, "origin": leg["destination"], "destination": leg["origin"],
            "pickupWindow": {"start": tomorrow(12), "end": tomorrow(12, 15)},
            "dropOffWindow": {"start": tomorrow(12), "end": None}}
    stacked = api.post("/api/v1/bookings", "rider", {"itinerary": [leg, leg, leg, leg]})
    body = _problem(stacked, 409, "overlapping-booking")
    assert body["field"] == "itinerary.1"
    assert _confirmed(api, api.rider_id()) == []  # all or nothing
    made = api.post("/api/v1/bookings", "rider", {"itinerary": [leg, back]})
    assert made.status_code == 201, made.text
    assert len(made.json()["bookings"]) == 2  # two legs, one journey
    again = api.post("/api/v1/bookings", "rider", {"itinerary": [back]})
    assert _problem(again, 409, "overlapping-booking")["field"] == "itinerary.0"
    # the second journey of the day fits (cap 2), the third does not
    api.book("rider", ride(WEYBRIDGE, VERGENNES, tomorrow(15)))
    _refused(api, "rider", ride(WEYBRIDGE, VERGENNES, tomorrow(17)), "too-many-bookings")


# -- caps ---------------------------------------------------------------------------------------
def test_caps_per_day_and_in_all(make: Make) -> None:
    """At most 2 journeys a day and 3 in all here: the third of a day and the fourth in all
    are refused (quoted while there was room, or after); a cancelled booking frees its
    place; a dispatcher may book beyond the caps for the rider."""
    api = make(max_bookings_per_day=2, max_bookings=3)
    day2 = (dt.datetime.fromisoformat(tomorrow(9)) + dt.timedelta(days=1)).isoformat()
    _, first = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    early = api.post("/api/v1/quotes", "rider", ride(BRISTOL, MIDDLEBURY, tomorrow(16)))
    assert early.status_code == 201  # quoted while there is room
    api.book("rider", ride(WEYBRIDGE, MIDDLEBURY, tomorrow(12)))
    body = _problem(api.post("/api/v1/bookings", "rider", {"quoteId": early.json()["id"]}),
                    409, "too-many-bookings")
    assert body["limit"] == 2 and "a day" in body["detail"]
    _refused(api, "rider", ride(BRISTOL, MIDDLEBURY, tomorrow(18)), "too-many-bookings")
    api.book("rider", ride(MIDDLEBURY, BRISTOL, day2))  # another day: room
    body = _refused(api, "rider", ride(MIDDLEBURY, VERGENNES, (
        dt.datetime.fromisoformat(day2) + dt.timedelta(hours=3)).isoformat()),
        "too-many-bookings")
    assert body["limit"] == 3 and "at a time" in body["detail"]
    # the other rider is not concerned
    api.book("rider2", ride(MIDDLEBURY, BRISTOL, tomorrow(9, 30)))
    # cancelling frees a place
    assert api.delete(f"/api/v1/bookings/{first['id']}", "rider").status_code == 200
    api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(16)))
    # a dispatcher books beyond the caps, and overlapping, for the rider
    rid = api.rider_id()
    for t in (tomorrow(16), tomorrow(18)):
        api.book("dispatcher", ride(MIDDLEBURY, WEYBRIDGE, t, riderId=rid))
    assert len(_confirmed(api, rid)) == 5
    # which the rider's own next booking sees
    _refused(api, "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(14)), "too-many-bookings")


def test_a_dispatcher_books_overlapping_rides_for_a_rider(make: Make) -> None:
    """A group or a care home's account booked by phone: the dispatcher's bookings may
    overlap; the rider's own may not overlap them."""
    api = make(ApiConfig(purge_interval_s=0))
    rid = api.rider_id()
    for k in range(3):
        api.book("dispatcher", ride(PLACES[k], PLACES[k + 1], tomorrow(10), riderId=rid))
    assert len(_confirmed(api, rid)) == 3
    _refused(api, "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(10, 10)), "overlapping-booking")
    # an itinerary booked by the dispatcher may overlap too
    leg = {"origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
           "destination": {"lat": WEYBRIDGE[0], "lon": WEYBRIDGE[1]},
           "pickupWindow": {"start": tomorrow(10), "end": tomorrow(10, 15)},
           "dropOffWindow": {"start": tomorrow(10), "end": None}}
    r = api.post("/api/v1/bookings", "dispatcher", {"itinerary": [leg], "riderId": rid})
    assert r.status_code == 201, r.text


def test_finished_and_cancelled_rides_do_not_count(make: Make) -> None:
    """Only rides in a plan count: a no-show and a completed ride free their place (a
    cancelled one: see above)."""
    api = make(max_bookings_per_day=1)
    _, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    _refused(api, "rider", ride(BRISTOL, MIDDLEBURY, tomorrow(14)), "too-many-bookings")
    api.clock.set(dt.datetime.fromisoformat(tomorrow(9, 5)))
    r = api.post(f"/api/v1/vehicles/{b['vehicleId']}/events", "dispatcher",
                 {"type": "no_show", "bookingId": b["id"]})
    assert r.status_code == 201, r.text
    _, b = api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(14)))
    api.clock.set(dt.datetime.fromisoformat(tomorrow(14, 5)))
    for kind in ("picked_up", "dropped_off"):
        r = api.post(f"/api/v1/vehicles/{b['vehicleId']}/events", "dispatcher",
                     {"type": kind, "bookingId": b["id"]})
        assert r.status_code == 201, r.text
    api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(17)))


def test_concurrent_bookings_of_one_rider_are_checked_one_after_the_other(make: Make) -> None:
    """Two quotes on different days (different day locks) booked at the same moment with
    a cap of one journey in all: exactly one is confirmed (the rider's row is locked)."""
    api = make(max_bookings=1)
    day2 = (dt.datetime.fromisoformat(tomorrow(9)) + dt.timedelta(days=1)).isoformat()
    qs = [api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, t)).json()["id"]
          for t in (tomorrow(9), day2)]
    codes: list[int] = []
    go = threading.Barrier(2)

    def book(qid: str) -> None:
        go.wait()
        codes.append(api.post("/api/v1/bookings", "rider", {"quoteId": qid}).status_code)

    threads = [threading.Thread(target=book, args=(q,)) for q in qs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409]
    assert len(_confirmed(api, api.rider_id())) == 1


# -- rate limits -----------------------------------------------------------------------------
def test_quotes_beyond_the_limit_get_429_with_retry_after(make: Make) -> None:
    """3 quotes per key and minute: the fourth gets 429 with the seconds until the window
    ends; another key is not concerned; the next window admits the key again."""
    api = make(rate_quotes=3)
    body = ride(MIDDLEBURY, BRISTOL, tomorrow(9))
    codes = [api.post("/api/v1/quotes", "rider", body).status_code for _ in range(3)]
    assert codes == [201] * 3
    r = api.post("/api/v1/quotes", "rider", body)
    p = _problem(r, 429, "too-many-requests")
    assert r.headers["Retry-After"] == "60"  # NOW is on the minute: the whole window
    assert p["limit"] == 3 and "per key" in p["detail"]
    assert api.post("/api/v1/quotes", "rider2", body).status_code == 201
    api.clock.advance(45)
    assert api.post("/api/v1/quotes", "rider", body).headers["Retry-After"] == "15"
    api.clock.advance(15)
    assert api.post("/api/v1/quotes", "rider", body).status_code == 201


def test_bookings_are_limited_per_key(make: Make) -> None:
    """Bookings count apart from quotes; a retry of a booking counts too (a script's
    retries are requests)."""
    api = make(rate_bookings=2)
    qs = [api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9 + k))
                   ).json()["id"] for k in range(3)]
    assert api.post("/api/v1/bookings", "rider", {"quoteId": qs[0]}).status_code == 201
    assert api.post("/api/v1/bookings", "rider", {"quoteId": qs[1]}).status_code == 201
    r = api.post("/api/v1/bookings", "rider", {"quoteId": qs[2]})
    _problem(r, 429, "too-many-requests")
    assert int(r.headers["Retry-After"]) == 60
    assert len(_confirmed(api, api.rider_id())) == 2  # nothing written
    assert api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(15))
                    ).status_code == 201  # quotes are not concerned
    assert api.delete("/api/v1/bookings/b_x", "rider").status_code == 404  # nor cancels


def test_plans_are_limited_per_address_or_key(make: Make) -> None:
    """Plans need no key: without one they count per client address, with one per key (a
    wrong key counts by the address)."""
    api = make(rate_plans=4)
    q = {"from": "44.0153,-73.1673", "to": "44.1670,-73.2540", "time": "2016-03-03T08:00"}
    codes = [api.client.get("/api/v1/plan", params=q).status_code for _ in range(5)]
    assert codes == [200] * 4 + [429]
    r = api.client.get("/api/v1/plan", params=q)
    _problem(r, 429, "too-many-requests")
    assert "per address" in r.json()["detail"] and int(r.headers["Retry-After"]) == 60
    assert api.get("/api/v1/plan", "rider", params=q).status_code == 200  # its own count
    wrong = api.client.get("/api/v1/plan", params=q,
                           headers={"Authorization": "Bearer mob_nope_nope"})
    assert wrong.status_code == 429
    other = make(rate_plans=4, client=("192.0.2.8", 40000))  # another address
    assert other.client.get("/api/v1/plan", params=q).status_code == 200


def test_the_limits_are_documented(make: Make) -> None:
    doc = make().client.get("/openapi.json").json()
    for path, method in (("/api/v1/quotes", "post"), ("/api/v1/bookings", "post"),
                         ("/api/v1/plan", "get"), ("/api/v1/accounts", "post")):
        r = doc["paths"][path][method]["responses"]["429"]
        assert "Retry-After" in r["headers"], path
    assert "429" not in doc["paths"]["/api/v1/bookings/{booking_id}"]["delete"]["responses"]
    assert "security" not in doc["paths"]["/api/v1/plan"]["get"]  # plans need no key
    conflict = doc["paths"]["/api/v1/bookings"]["post"]["responses"]["409"]["description"]
    assert "overlapping-booking" in conflict and "too-many-bookings" in conflict


# -- the shared count ----------------------------------------------------------------------------
def test_two_limiters_over_one_store_share_one_count(store) -> None:  # type: ignore[no-untyped-def]
    """Two processes' limiters over one store, requests alternating: exactly the limit
    passes, counted exactly (quotes) and batched (plans, with flushes in between or not); a
    third process new to the caller admits at most a quarter of the limit more."""
    clock = FixedClock(NOW)
    a, b = RateLimiter(store, clock.now), RateLimiter(store, clock.now)
    exact = Limit("quotes", 5, 60)
    allowed = [lim.retry_after(exact, "k:1") is None for lim in (a, b) * 6]
    assert allowed == [True] * 5 + [False] * 7
    for flush_every in (0, 3):
        batched = Limit("plans", 20, 60, batched=True)
        key = f"a:{flush_every}"
        ok = 0
        for k in range(60):
            ok += (a, b)[k % 2].retry_after(batched, key) is None
            if flush_every and k % flush_every == 0:
                (a, b)[k % 2].flush()
        assert ok == 20, flush_every
        # the price of batching: a third process that has not seen the caller yet admits
        # up to a quarter of the limit before the store tells it (the documented bound)
        late = RateLimiter(store, clock.now)
        assert [late.retry_after(batched, key) is None for _ in range(8)] == [True] * 5 + [
            False] * 3
    for lim in (a, b):
        lim.flush()
    with store.snapshot() as s:
        counts = {(r.scope, r.key): r.count for r in s.scalars(select(RateCount))}
    assert counts[("quotes", "k:1")] >= 5 and counts[("plans", "a:0")] >= 20
    # a new window starts from zero
    clock.advance(60)
    assert a.retry_after(exact, "k:1") is None


def test_batched_plans_cost_no_store_access_while_far_from_the_limit(store) -> None:  # type: ignore[no-untyped-def]
    """A person's plans (below a quarter of the limit) are counted in memory until the
    flush writes them: one row per caller and window."""
    clock = FixedClock(NOW)
    lim = RateLimiter(store, clock.now)
    plans = Limit("plans", 120, 60, batched=True)
    for caller in ("a:192.0.2.1", "a:192.0.2.2"):
        for _ in range(30):
            assert lim.retry_after(plans, caller) is None
    with store.snapshot() as s:
        assert s.scalars(select(RateCount)).all() == []
    lim.flush()
    with store.snapshot() as s:
        assert {r.key: r.count for r in s.scalars(select(RateCount))} == {
            "a:192.0.2.1": 30, "a:192.0.2.2": 30}


def test_a_rider_quoting_ahead_is_not_refused_by_an_unbooked_quote(make: Make) -> None:
    """Quotes are offers, not bookings: many quotes for one time are fine until one is
    booked (then the others overlap it)."""
    api = make(ApiConfig(purge_interval_s=0))
    ids = [api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, p, tomorrow(11))).json()["id"]
           for p in (BRISTOL, VERGENNES, WEYBRIDGE)]
    assert api.post("/api/v1/bookings", "rider", {"quoteId": ids[1]}).status_code == 201
    # booking the same quote again is "already booked", not an overlap with itself
    _problem(api.post("/api/v1/bookings", "rider", {"quoteId": ids[1]}), 409, "quote-used")
    _problem(api.post("/api/v1/bookings", "rider", {"quoteId": ids[0]}), 409,
             "overlapping-booking")
    with api.store.snapshot() as s:
        assert len(s.scalars(select(Quote)).all()) == 3
