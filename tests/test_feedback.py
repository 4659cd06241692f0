"""Riders rate their completed rides through the app, on SQLite and PostgreSQL: who may
rate (only the rider who booked it, only a ride taken), a second rating replacing the first,
what staff see (the list with its filters, the booking's staff view), privacy (the comment
is exported and dropped when the rider is forgotten) and hostile input (4xx, nothing
written)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from api.service.feedback import REASONS, summary
from api.service.privacy import ANONYMOUS_RIDER, apply_retention
from api.store.models import RideRating
from tests.api_helpers import BRISTOL, MIDDLEBURY, WEYBRIDGE, ride, tomorrow


def _event(api, b: dict[str, Any], kind: str) -> None:  # type: ignore[no-untyped-def]
    r = api.post(f"/api/v1/vehicles/{b['vehicleId']}/events", "driver"
                 if b["vehicleId"] == "mid-1" else "dispatcher",
                 {"type": kind, "bookingId": b["id"]})
    assert r.status_code == 201, r.text


def _completed(api, role: str = "rider", hour: int = 9,  # type: ignore[no-untyped-def]
               a: tuple[float, float] = MIDDLEBURY, b: tuple[float, float] = WEYBRIDGE
               ) -> dict[str, Any]:
    """A ride of ``role``'s booked tomorrow at ``hour`` and driven to the end."""
    _, bk = api.book(role, ride(a, b, tomorrow(hour)))
    api.clock.set(dt.datetime.fromisoformat(bk["estimatedPickup"]))
    for kind in ("picked_up", "dropped_off"):
        _event(api, bk, kind)
    return bk  # type: ignore[no-any-return]


def _put(api, bid: str, body: object, role: str = "rider"):  # type: ignore[no-untyped-def]
    if isinstance(body, str):  # raw JSON (what a client library would not encode)
        return api.client.put(f"/api/v1/bookings/{bid}/rating", content=body,
                              headers=api.h(role, **{"Content-Type": "application/json"}))
    return api.client.put(f"/api/v1/bookings/{bid}/rating", json=body, headers=api.h(role))


def _count(api) -> int:  # type: ignore[no-untyped-def]
    with api.store.snapshot() as s:
        return int(s.scalar(select(func.count()).select_from(RideRating)))


def test_a_rider_rates_a_completed_ride_and_a_second_rating_replaces_it(api) -> None:  # type: ignore[no-untyped-def]
    bk = _completed(api)
    first_at = api.clock.now()
    r = _put(api, bk["id"], {"stars": 2, "reasons": ["vehicle", "late", "late"],
                             "comment": "  Heizung kaputt — 寒い  "})
    assert r.status_code == 201, r.text
    got = r.json()
    # reasons in the fixed list's order without repeats, the comment trimmed
    assert (got["stars"], got["reasons"], got["comment"]) == (
        2, [x for x in REASONS if x in ("vehicle", "late")], "Heizung kaputt — 寒い")
    assert got["riderId"] == api.rider_id() and got["area"] == bk["area"]
    assert dt.datetime.fromisoformat(got["createdAt"]) == first_at
    api.clock.advance(3600)
    r = _put(api, bk["id"], {"stars": 5})
    assert r.status_code == 200, r.text
    again = r.json()
    assert (again["stars"], again["reasons"], again["comment"]) == (5, [], None)
    assert dt.datetime.fromisoformat(again["createdAt"]) == first_at
    assert dt.datetime.fromisoformat(again["updatedAt"]) == first_at + dt.timedelta(hours=1)
    assert _count(api) == 1
    for role in ("rider", "dispatcher", "admin"):
        one = api.get(f"/api/v1/bookings/{bk['id']}/rating", role)
        assert one.status_code == 200 and one.json() == again
        assert api.get(f"/api/v1/bookings/{bk['id']}", role).json()["rating"] == again
    mine = {b["id"]: b for b in api.get("/api/v1/bookings", "rider").json()["bookings"]}
    assert mine[bk["id"]]["rating"] == again


def test_only_the_rider_who_took_the_ride_may_rate_it(api) -> None:  # type: ignore[no-untyped-def]
    _, confirmed = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(16)))
    _, cancelled = api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(18)))
    assert api.delete(f"/api/v1/bookings/{cancelled['id']}", "rider").status_code == 200
    bk = _completed(api)
    body = {"stars": 4}
    for role, status in (("rider2", 404), ("dispatcher", 403), ("admin", 403),
                         ("driver", 403)):
        r = _put(api, bk["id"], body, role)
        assert r.status_code == status, (role, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert api.client.put(f"/api/v1/bookings/{bk['id']}/rating", json=body).status_code == 401
    assert _put(api, "b_doesnotexist", body).status_code == 404
    assert api.get(f"/api/v1/bookings/{bk['id']}/rating", "rider2").status_code == 404
    assert api.get(f"/api/v1/bookings/{bk['id']}/rating", "rider").status_code == 404  # none
    for b, status in ((confirmed, "confirmed"), (cancelled, "cancelled")):
        r = _put(api, b["id"], body)
        assert r.status_code == 409, r.text
        assert r.json()["type"].endswith("/ride-not-completed") and status in r.json()["detail"]
    assert _count(api) == 0


def test_a_no_show_is_no_ride_taken(api) -> None:  # type: ignore[no-untyped-def]
    _, bk = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    api.clock.set(dt.datetime.fromisoformat(tomorrow(9, 5)))
    r = api.post(f"/api/v1/vehicles/{bk['vehicleId']}/events", "dispatcher",
                 {"type": "no_show", "bookingId": bk["id"]})
    assert r.status_code == 201, r.text
    assert _put(api, bk["id"], {"stars": 1}).status_code == 409
    assert _count(api) == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"stars": 0}, "stars"), ({"stars": 6}, "stars"), ({"stars": -1}, "stars"),
    ({"stars": 10**20}, "stars"), ({"stars": "5"}, "stars"), ({"stars": 4.5}, "stars"),
    ({"stars": True}, "stars"), ({"stars": None}, "stars"), ({}, "stars"),
    ({"stars": 3, "reasons": ["rude"]}, "reasons"), ({"stars": 3, "reasons": "late"}, "reasons"),
    ({"stars": 3, "reasons": [1]}, "reasons"), ({"stars": 3, "reasons": ["late"] * 50}, "reasons"),
    ({"stars": 3, "comment": "x" * 1001}, "comment"),
    ({"stars": 3, "comment": "gut\u202eemosewa"}, "comment"),
    ({"stars": 3, "comment": "zwei\nZeilen"}, "comment"),
    ({"stars": 3, "comment": "nul\x00"}, "comment"),
    ('{"stars": 3, "comment": "\\ud800"}', "comment"), ('{"stars": 3', "body"),
    ({"stars": 3, "comment": 5}, "comment"),
    ({"stars": 3, "extra": 1}, "extra"),
])
def test_bad_ratings_are_refused_naming_the_field(api, body: object, field: str  # type: ignore[no-untyped-def]
                                                  ) -> None:
    bk = _completed(api)
    r = _put(api, bk["id"], body)
    assert r.status_code == (400 if field == "body" else 422), r.text  # 400: not JSON at all
    assert r.json()["field"].split(".")[0] == field
    assert _count(api) == 0


def test_odd_but_printable_text_is_kept(api) -> None:  # type: ignore[no-untyped-def]
    bk = _completed(api)
    text = "👩‍🦽 نه‌خیر ok" + "é" * 10  # emoji sequence and Persian need the joiners
    r = _put(api, bk["id"], {"stars": 3, "comment": text})
    assert r.status_code == 201, r.text
    assert r.json()["comment"] == text
    assert _put(api, bk["id"], {"stars": 3, "comment": "   "}).json()["comment"] is None


def test_staff_list_what_riders_entered_with_filters(api) -> None:  # type: ignore[no-untyped-def]
    entered: dict[str, tuple[int, list[str], str | None]] = {}
    plan = [("rider", 8, 5, [], None), ("rider2", 10, 2, ["late", "driver"], "zu spät"),
            ("rider", 13, 4, ["comfort"], "fine"), ("rider2", 15, 2, [], None)]
    for role, hour, stars, reasons, comment in plan:
        bk = _completed(api, role, hour)
        assert _put(api, bk["id"], {"stars": stars, "reasons": reasons, "comment": comment},
                    role).status_code == 201
        entered[bk["id"]] = (stars, reasons, comment)
    day = dt.datetime.fromisoformat(tomorrow(8)).date()
    for role in ("rider", "driver"):
        assert api.get("/api/v1/ratings", role).status_code == 403
    assert api.get("/api/v1/ratings").status_code == 401
    for role in ("dispatcher", "admin"):
        r = api.get("/api/v1/ratings", role)
        assert r.status_code == 200, r.text
        got = r.json()["ratings"]
        assert {x["bookingId"]: (x["stars"], x["reasons"], x["comment"]) for x in got} == entered
        times = [x["updatedAt"] for x in got]
        assert times == sorted(times, reverse=True)
    two = api.get("/api/v1/ratings", "dispatcher", params={"stars": 2}).json()["ratings"]
    assert {x["bookingId"] for x in two} == {k for k, v in entered.items() if v[0] == 2}
    area = api.get(f"/api/v1/bookings/{next(iter(entered))}", "dispatcher").json()["area"]
    same = api.get("/api/v1/ratings", "dispatcher", params={
        "area": area, "from": day.isoformat(), "to": day.isoformat()}).json()["ratings"]
    assert len(same) == len(entered)
    later = api.get("/api/v1/ratings", "dispatcher", params={
        "from": (day + dt.timedelta(days=1)).isoformat()}).json()["ratings"]
    assert later == []
    assert len(api.get("/api/v1/ratings", "dispatcher", params={"limit": 1}).json()[
        "ratings"]) == 1
    # the report's summary, against a count of what was entered
    got = summary(api.store, day, day, area)
    stars = [v[0] for v in entered.values()]
    assert (got.count, got.mean_stars) == (len(stars), sum(stars) / len(stars))
    assert got.by_stars == {n: stars.count(n) for n in range(1, 6)}
    assert got.by_reason == {x: sum(x in v[1] for v in entered.values()) for x in REASONS}
    none = summary(api.store, day + dt.timedelta(days=1), day + dt.timedelta(days=30))
    assert (none.count, none.mean_stars) == (0, None)


@pytest.mark.parametrize("params", [{"stars": 0}, {"stars": 6}, {"stars": "x"},
                                    {"from": "yesterday"}, {"to": "2026-13-01"},
                                    {"area": "nowhere"}, {"area": "a\u202eb"},
                                    {"from": "2026-11-26", "to": "2026-11-25"},
                                    {"limit": 0}, {"limit": 10**12}])
def test_the_list_refuses_bad_filters(api, params: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    r = api.get("/api/v1/ratings", "dispatcher", params=params)
    assert 400 <= r.status_code < 500, r.text
    assert r.status_code != 404


def test_the_comment_goes_with_the_rider_but_the_stars_stay(api) -> None:  # type: ignore[no-untyped-def]
    bk = _completed(api)
    assert _put(api, bk["id"], {"stars": 1, "reasons": ["driver"],
                                "comment": "Fahrer hieß Klaus"}).status_code == 201
    rid = api.rider_id()
    export = api.get(f"/api/v1/riders/{rid}/export", "rider").json()
    assert [x["comment"] for x in export["tables"]["ride_ratings"]] == ["Fahrer hieß Klaus"]
    assert api.delete(f"/api/v1/riders/{rid}", "rider").status_code == 200
    got = api.get(f"/api/v1/bookings/{bk['id']}/rating", "dispatcher").json()
    assert (got["riderId"], got["stars"], got["reasons"], got["comment"]) == (
        ANONYMOUS_RIDER, 1, ["driver"], None)


def test_the_retention_period_drops_the_comment(api) -> None:  # type: ignore[no-untyped-def]
    bk = _completed(api)
    assert _put(api, bk["id"], {"stars": 4, "comment": "Danke Klaus"}).status_code == 201
    api.clock.advance(92 * 86400)
    apply_retention(api.store, api.service.timing, 90)
    got = api.get(f"/api/v1/bookings/{bk['id']}/rating", "dispatcher").json()
    assert (got["riderId"], got["stars"], got["comment"]) == (ANONYMOUS_RIDER, 4, None)


def test_ratings_sent_at_once_make_one_row(api) -> None:  # type: ignore[no-untyped-def]
    """A double tap: two ratings of the same ride at the same time are stored one after the
    other (one new, one replacing it), never a server error."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from api.auth import lookup
    from api.service import feedback

    bk = _completed(api)
    with api.store.snapshot() as s:
        who = lookup(s, api.keys["rider"])
    start = Barrier(4)

    def rate(n: int) -> bool:
        start.wait()
        return feedback.rate(api.service, who, bk["id"], n, [], None)[1]

    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(rate, [1, 2, 3, 4]))
    assert sorted(made) == [False, False, False, True]
    assert _count(api) == 1
