"""Quotes and bookings through the app, on SQLite and PostgreSQL, on the real addison-vt
streets and the demo service area."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from api.store.models import Booking, PlanStop, Quote
from tests.api_helpers import (
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    NOW,
    VERGENNES,
    WEYBRIDGE,
    ride,
    tomorrow,
)


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_quote_offers_a_window_from_the_requested_time(api) -> None:
    r = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    assert r.status_code == 201, r.text
    q = r.json()
    asked = _t(tomorrow(9))
    assert _t(q["pickupWindow"]["start"]) == asked
    assert _t(q["pickupWindow"]["end"]) == asked + dt.timedelta(minutes=15)
    assert asked <= _t(q["estimatedPickup"]) <= _t(q["pickupWindow"]["end"])
    # the drop-off follows the road trip (Middlebury -> Bristol is 15-30 min by car)
    ride_s = (_t(q["estimatedDropoff"]) - _t(q["estimatedPickup"])).total_seconds()
    assert 15 * 60 < ride_s < 30 * 60
    assert _t(q["estimatedDropoff"]) <= _t(q["latestDropoff"])
    assert _t(q["expiresAt"]) == NOW + dt.timedelta(seconds=300)  # the quote's lifetime
    assert q["riderId"] == api.rider_id()


def test_arrival_quote_arrives_in_time(api) -> None:
    r = api.post("/api/v1/quotes", "rider",
                 ride(VERGENNES, MIDDLEBURY, tomorrow(10), timeType="arrival"))
    assert r.status_code == 201, r.text
    q = r.json()
    arrive_by = _t(tomorrow(10))
    assert arrive_by - dt.timedelta(minutes=15) <= _t(q["estimatedDropoff"]) <= arrive_by


def test_bookings_are_listed_page_by_page(api) -> None:
    """``offset`` pages through the newest-first list: each booking once, then nothing."""
    ids = [api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(h)))[1]["id"] for h in (9, 13)]
    whole = [x["id"] for x in api.get("/api/v1/bookings", "dispatcher",
                                       params={"limit": 1000}).json()["bookings"]]
    pages = [[x["id"] for x in api.get("/api/v1/bookings", "dispatcher", params={
        "limit": 1, "offset": k}).json()["bookings"]] for k in range(len(whole) + 1)]
    assert pages == [[i] for i in whole] + [[]] and set(ids) <= set(whole)
    assert api.get("/api/v1/bookings", "dispatcher", params={"offset": -1}).status_code == 422


def test_book_get_list_cancel(api) -> None:
    q, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    assert b["status"] == "confirmed" and b["quoteId"] == q["id"]
    assert b["pickupWindow"] == q["pickupWindow"]
    assert [h["status"] for h in b["history"]] == ["confirmed"]
    got = api.get(f"/api/v1/bookings/{b['id']}", "rider").json()
    assert got["id"] == b["id"] and got["estimatedPickup"] == b["estimatedPickup"]
    # riders see only their own; dispatchers see everyone's
    assert [x["id"] for x in api.get("/api/v1/bookings", "rider").json()["bookings"]] == [
        b["id"]]
    assert api.get("/api/v1/bookings", "rider2").json()["bookings"] == []
    assert api.get(f"/api/v1/bookings/{b['id']}", "rider2").status_code == 404
    assert api.delete(f"/api/v1/bookings/{b['id']}", "rider2").status_code == 404
    assert b["id"] in [x["id"] for x in
                       api.get("/api/v1/bookings", "dispatcher").json()["bookings"]]
    c = api.delete(f"/api/v1/bookings/{b['id']}", "rider")
    assert c.status_code == 200 and c.json()["status"] == "cancelled"
    assert [h["status"] for h in c.json()["history"]] == ["confirmed", "cancelled"]
    assert c.json()["estimatedPickup"] is None  # out of the plan
    again = api.delete(f"/api/v1/bookings/{b['id']}", "rider")
    assert again.status_code == 200 and len(again.json()["history"]) == 2
    with api.store.session() as s:
        assert s.scalar(select(func.count()).select_from(PlanStop)) == 0


def test_dispatcher_books_for_a_caller(api) -> None:
    r = api.post("/api/v1/riders", "dispatcher", {"name": "Hilde Anrufer",
                                                   "phone": "0176 555 0101"})
    assert r.status_code == 201
    rid = r.json()["id"]
    assert api.post("/api/v1/riders", "rider", {"name": "x"}).status_code == 403
    q, b = api.book("dispatcher", ride(WEYBRIDGE, MIDDLEBURY, tomorrow(11), riderId=rid))
    assert b["riderId"] == rid
    no_rider = api.post("/api/v1/quotes", "dispatcher", ride(WEYBRIDGE, MIDDLEBURY,
                                                             tomorrow(11)))
    assert no_rider.status_code == 422 and no_rider.json()["field"] == "riderId"
    other = api.post("/api/v1/quotes", "rider", ride(WEYBRIDGE, MIDDLEBURY, tomorrow(11),
                                                     riderId=rid))
    assert other.status_code == 403


def test_idempotent_retry_returns_the_same_booking(api) -> None:
    q = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9))).json()
    first = api.post("/api/v1/bookings", "rider", {"quoteId": q["id"]},
                     headers={"Idempotency-Key": "k-1"})
    retry = api.post("/api/v1/bookings", "rider", {"quoteId": q["id"]},
                     headers={"Idempotency-Key": "k-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers.get("idempotent-replayed") == "true"
    # without the key, a second booking of the same quote is refused
    dup = api.post("/api/v1/bookings", "rider", {"quoteId": q["id"]})
    assert dup.status_code == 409 and dup.json()["type"] == "/problems/quote-used"
    # the key reused for another quote
    q2 = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(13))).json()
    reused = api.post("/api/v1/bookings", "rider", {"quoteId": q2["id"]},
                      headers={"Idempotency-Key": "k-1"})
    assert reused.status_code == 422 and reused.json()["field"] == "Idempotency-Key"
    with api.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 1


def test_expired_quote_is_gone(api) -> None:
    q = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9))).json()
    api.clock.advance(301)  # the quote lives 300 s
    r = api.post("/api/v1/bookings", "rider", {"quoteId": q["id"]})
    assert r.status_code == 410 and r.json()["field"] == "quoteId"


def test_unknown_and_foreign_quotes_are_not_found(api) -> None:
    assert api.post("/api/v1/bookings", "rider", {"quoteId": "q_nope"}).status_code == 404
    q = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9))).json()
    assert api.post("/api/v1/bookings", "rider2", {"quoteId": q["id"]}).status_code == 404


@pytest.mark.parametrize(("body", "status", "field", "slug"), [
    (ride((44.48, -73.21), MIDDLEBURY, "T9"), 422, "origin", "outside-service-area"),
    (ride(MIDDLEBURY, (43.62, -73.15), "T9"), 422, "destination", "outside-service-area"),
    (ride(MIDDLEBURY, BRISTOL, "2020-01-01T09:00"), 422, "time", "time-in-past"),
    (ride(MIDDLEBURY, BRISTOL, "2099-01-01T09:00"), 422, "time", "time-too-far"),
    (ride(MIDDLEBURY, BRISTOL, "T9", passengers=0), 422, "passengers", "validation"),
    (ride(MIDDLEBURY, BRISTOL, "T9", timeType="whenever"), 422, "timeType", "validation"),
    (ride(MIDDLEBURY, BRISTOL, "next tuesday"), 422, "time", "validation"),
    ({"origin": {"lat": 144, "lon": 0}, "destination": {"lat": 44, "lon": -73},
      "time": "T9"}, 422, "origin.lat", "validation"),
    (ride(MIDDLEBURY, BRISTOL, "T2"), 422, "time", "outside-service-hours"),
    (ride(MIDDLEBURY, BRISTOL, "T9", passengers=8), 409, None, "no-capacity"),
])
def test_quote_refusals_say_why(api, body, status, field, slug) -> None:
    if isinstance(body.get("time"), str) and body["time"].startswith("T"):
        body = {**body, "time": tomorrow(int(body["time"][1:]))}
    r = api.post("/api/v1/quotes", "rider", body)
    assert r.status_code == status, r.text
    p = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert p["type"] == f"/problems/{slug}" and p["status"] == status and p["detail"]
    if field is not None:
        assert p["field"] == field
    with api.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Quote)) == 0


def test_malformed_json_and_oversized_bodies(api) -> None:
    r = api.client.post("/api/v1/quotes", content=b'{"origin": {"lat": 44',
                        headers={**api.h("rider"), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["type"] == "/problems/malformed-json"
    big = b'{"quoteId": "' + b"x" * 70_000 + b'"}'
    r = api.client.post("/api/v1/bookings", content=big,
                        headers={**api.h("rider"), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413


def test_keys_and_roles(api) -> None:
    body = ride(MIDDLEBURY, BRISTOL, tomorrow(9))
    anon = api.client.post("/api/v1/quotes", json=body)
    assert anon.status_code == 401 and anon.headers["www-authenticate"] == "Bearer"
    bad = api.client.post("/api/v1/quotes", json=body,
                          headers={"Authorization": "Bearer mob_x_y"})
    assert bad.status_code == 401
    assert api.get("/api/v1/vehicles", "rider").status_code == 403
    assert api.post("/api/v1/quotes", "driver", body).status_code == 403
    from api.auth import hash_key
    from api.store.models import ApiKey, utcnow

    with api.store.session() as s:
        s.execute(update(ApiKey).where(ApiKey.key_hash == hash_key(api.keys["rider2"]))
                  .values(revoked_at=utcnow()))
    assert api.get("/api/v1/bookings", "rider2").status_code == 401
    assert api.get("/api/v1/bookings", "rider").status_code == 200
    with api.store.session() as s:  # only hashes are stored
        hashes = s.scalars(select(ApiKey.key_hash)).all()
    assert not set(hashes) & set(api.keys.values())


def test_cors_for_configured_origins(api) -> None:
    pre = api.client.options("/api/v1/quotes", headers={
        "Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"})
    assert pre.headers["access-control-allow-origin"] == "https://app.example.org"
    other = api.client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_bookings_keep_every_promise(api) -> None:
    """Twelve riders around Middlebury in one morning hour: every booking's planned pickup
    and drop-off stay inside what was promised, and no vehicle carries more than its seats."""
    places = [MIDDLEBURY, BRISTOL, VERGENNES, WEYBRIDGE, EAST_MIDDLEBURY]
    booked = []
    for k in range(12):
        body = ride(places[k % 5], places[(k + 2) % 5], tomorrow(8, 5 * k), passengers=1 + k % 2)
        q = api.post("/api/v1/quotes", "rider", body)
        if q.status_code != 201:
            assert q.status_code == 409
            continue
        b = api.post("/api/v1/bookings", "rider", {"quoteId": q.json()["id"]})
        assert b.status_code in (201, 409), b.text
        if b.status_code == 201:
            booked.append(b.json())
    assert len(booked) >= 6
    day = _t(tomorrow(8)).date().isoformat()
    seats = {v["id"]: v["seats"] for v in
             api.get("/api/v1/vehicles", "dispatcher").json()["vehicles"]}
    seen = set()
    for vid, cap in seats.items():
        m = api.get(f"/api/v1/vehicles/{vid}/manifest", "dispatcher",
                    params={"date": day}).json()
        load = 0
        for st in m["stops"]:
            w = st["window"]
            assert _t(w["start"]) <= _t(st["plannedTime"]) <= _t(w["end"])
            load += st["passengers"] if st["kind"] == "pickup" else -st["passengers"]
            assert 0 <= load <= cap
            seen.add(st["bookingId"])
        times = [_t(st["plannedTime"]) for st in m["stops"]]
        assert times == sorted(times)
    assert seen == {b["id"] for b in booked}


def test_booking_notice_and_hours_of_the_area(addison, addison_travel, addison_planner,
                                               store) -> None:  # type: ignore[no-untyped-def]
    """An area whose rule asks for 60 minutes' notice (as the Uckermark RufBus does), served
    around the clock: a ride in 30 minutes is refused naming the earliest time, one in two
    hours is offered; the area's GeoJSON says so."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from api import create_app
    from dispatch.service_area import BookingRule
    from tests.api_helpers import ApiUnderTest
    from tests.conftest import booking_service

    (area,) = addison.service_areas
    fleet = tuple(replace(v, shift=(0.0, 48 * 3600.0)) for v in area.vehicles)
    area = replace(area, vehicles=fleet, hours=None,
                   booking=BookingRule(1, notice_min_s=3600, phone="+1 802 555 0100"))
    svc = booking_service(addison, addison_travel, store, [area])
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)) as c:
        a = ApiUnderTest(c, store, svc)
        soon = (NOW + dt.timedelta(minutes=30)).isoformat()
        r = a.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, soon))
        assert r.status_code == 422 and r.json()["type"] == "/problems/booking-notice"
        assert r.json()["field"] == "time" and "60 minutes ahead" in r.json()["detail"]
        assert "T07:00" in r.json()["detail"]  # the earliest time: now (06:00) + 60 min
        later = (NOW + dt.timedelta(hours=2)).isoformat()
        assert a.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, later)
                      ).status_code == 201
        props = a.get("/api/v1/service-areas").json()["features"][0]["properties"]
        assert props["booking"]["noticeMin"] == 60 and "hours" not in props
