"""Notifications through the app, on the real addison-vt region and SQLite and PostgreSQL:
what queues a message (a booking confirmed, a staff cancellation, a no-show, the vehicle on
its way, a re-planning that moves a pickup, the reminder before the window), the riders'
in-app messages and their choice of channels, the outbox for staff — each endpoint's
authorisation and bad input — and the worker running inside the app."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api import ApiConfig, create_app
from api.service.notify import Notifier
from api.service.occasions import CHANGED_S
from api.service.templates import render
from api.store.models import ANONYMOUS_RIDER, Notification
from tests.api_helpers import BRISTOL, MIDDLEBURY, VERGENNES, WEYBRIDGE, ride, tomorrow
from tests.conftest import UNLIMITED, booking_service

N = "/api/v1/notifications"
ME = "/api/v1/accounts/me/notifications"


def _rows(api: Any, **where: Any) -> list[Notification]:
    with api.store.snapshot() as s:
        stmt = select(Notification).order_by(Notification.created_at, Notification.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(Notification, k) == v)
        return list(s.scalars(stmt))


def _kinds(api: Any, **where: Any) -> list[tuple[str, str, str | None]]:
    return [(n.kind, n.channel, n.booking_id) for n in _rows(api, **where)]


def _put(api: Any, url: str, role: str | None, body: Any) -> Any:
    return api.client.put(url, json=body, headers=api.h(role) if role else {})


def _event(api: Any, vid: str, kind: str, role: str = "dispatcher", **body: Any) -> Any:
    r = api.post(f"/api/v1/vehicles/{vid}/events", role, {"type": kind, **body})
    assert r.status_code == 201, r.text
    return r.json()


# -- what queues a message -------------------------------------------------------------------
def test_booking_confirmed_and_cancelled(api) -> None:  # type: ignore[no-untyped-def]
    """One confirmation per booking, on each channel the rider chose; a cancellation by
    staff is told ("by the operator"), a rider's own is not; with the ride's times and
    ends in the message."""
    rid = api.rider_id()
    assert _put(api, ME, "rider", {"email": "erika@example.org",
                                   "channels": ["app", "email"]}).status_code == 200
    _, b1 = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    _, b2 = api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(14)))
    assert sorted(_kinds(api, kind="confirmed")) == sorted(
        ("confirmed", ch, b["id"]) for b in (b1, b2) for ch in ("app", "email"))
    assert api.delete(f"/api/v1/bookings/{b1['id']}", "rider").status_code == 200
    assert _kinds(api, kind="cancelled") == []
    api.clock.advance(60)
    assert api.delete(f"/api/v1/bookings/{b2['id']}", "dispatcher").status_code == 200
    assert api.delete(f"/api/v1/bookings/{b2['id']}", "dispatcher").status_code == 200
    assert sorted(_kinds(api, kind="cancelled")) == [("cancelled", "app", b2["id"]),
                                                     ("cancelled", "email", b2["id"])]
    msgs = api.get(N, "rider").json()["notifications"]
    assert [m["kind"] for m in msgs] == ["cancelled", "confirmed", "confirmed"]
    text = msgs[0]["text"]
    assert "14:00" in text and "cancelled by the operator" in text
    assert f"{BRISTOL[0]:.4f}" in text  # without a place namer: the coordinates
    assert all(n.rider_id == rid for n in _rows(api))


def test_an_itinerary_confirms_each_ride(api) -> None:  # type: ignore[no-untyped-def]
    legs = [{"origin": {"lat": a[0], "lon": a[1]}, "destination": {"lat": b[0], "lon": b[1]},
             "pickupWindow": {"start": tomorrow(h), "end": tomorrow(h, 15)},
             "dropOffWindow": {"start": tomorrow(h), "end": tomorrow(h + 1)}}
            for a, b, h in ((MIDDLEBURY, WEYBRIDGE, 9), (WEYBRIDGE, MIDDLEBURY, 11))]
    r = api.post("/api/v1/bookings", "rider", {"itinerary": legs})
    assert r.status_code == 201, r.text
    ids = [b["id"] for b in r.json()["bookings"]]
    assert sorted(_kinds(api)) == sorted(("confirmed", "app", i) for i in ids)
    texts = {m["bookingId"]: m["text"] for m in api.get(N, "rider").json()["notifications"]}
    assert "09:00 and 09:15" in texts[ids[0]] and "11:00 and 11:15" in texts[ids[1]]


def test_no_show_and_the_vehicle_on_its_way(api) -> None:  # type: ignore[no-untyped-def]
    """After a driver's report the rider whose pickup is the vehicle's next stop, planned
    within 30 minutes, is told it is on its way — once, and not while the pickup is hours
    away; a no-show is told."""
    _, a = api.book("rider2", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    _, b = api.book("rider", ride(WEYBRIDGE, MIDDLEBURY, tomorrow(9, 35)))
    assert a["vehicleId"] == b["vehicleId"] == "mid-1"
    day = dt.datetime.fromisoformat(tomorrow(8)).date().isoformat()
    stops = api.get("/api/v1/vehicles/mid-1/manifest", "dispatcher", params={"date": day}
                    ).json()["stops"]
    assert [(s["bookingId"], s["kind"]) for s in stops] == [
        (a["id"], "pickup"), (a["id"], "dropoff"), (b["id"], "pickup"), (b["id"], "dropoff")]
    assert dt.datetime.fromisoformat(b["estimatedPickup"]) - dt.datetime.fromisoformat(
        a["estimatedPickup"]) > dt.timedelta(minutes=30)  # not "on its way" at a's pickup
    _event(api, "mid-1", "arrived", bookingId=a["id"])  # 06:00: a's pickup is 3 h away
    assert _kinds(api, kind="on_the_way") == []
    api.clock.set(dt.datetime.fromisoformat(tomorrow(8, 50)))
    _event(api, "mid-1", "arrived", bookingId=a["id"])
    assert _kinds(api, kind="on_the_way") == [("on_the_way", "app", a["id"])]
    _event(api, "mid-1", "arrived", bookingId=a["id"])  # told once
    api.clock.set(dt.datetime.fromisoformat(a["estimatedPickup"]))
    _event(api, "mid-1", "picked_up", bookingId=a["id"])
    assert len(_rows(api, kind="on_the_way")) == 1  # next: a's drop-off
    api.clock.set(dt.datetime.fromisoformat(a["estimatedDropoff"]))
    _event(api, "mid-1", "dropped_off", bookingId=a["id"])  # next: b's pickup
    told = _rows(api, kind="on_the_way", booking_id=b["id"])
    assert [(n.channel, n.rider_id) for n in told] == [("app", api.rider_id())]
    eta = api.get(f"/api/v1/bookings/{b['id']}", "rider").json()["estimatedPickup"]
    assert dt.datetime.fromisoformat(eta).strftime("%H:%M") in render(
        "on_the_way", "en", json.loads(told[0].params))[1]
    api.clock.set(dt.datetime.fromisoformat(b["pickupWindow"]["start"]))
    _event(api, "mid-1", "no_show", bookingId=b["id"])
    assert _kinds(api, kind="no_show") == [("no_show", "app", b["id"])]
    assert len(_rows(api, kind="on_the_way")) == 2


def test_replanning_tells_whose_pickup_moved(api) -> None:  # type: ignore[no-untyped-def]
    """After a dispatcher's re-planning, exactly the riders whose estimated pickup moved by
    10 minutes or more are told (compared with the estimates read before and after)."""
    places = [MIDDLEBURY, BRISTOL, VERGENNES, WEYBRIDGE]
    booked = []
    for k in range(10):
        q = api.post("/api/v1/quotes", "rider",
                     ride(places[k % 4], places[(k + 1) % 4], tomorrow(8, 6 * k)))
        if q.status_code == 201:
            b = api.post("/api/v1/bookings", "rider", {"quoteId": q.json()["id"]})
            if b.status_code == 201:
                booked.append(b.json()["id"])

    def etas() -> dict[str, dt.datetime]:
        return {i: dt.datetime.fromisoformat(api.get(f"/api/v1/bookings/{i}", "rider").json()[
            "estimatedPickup"]) for i in booked}

    before = etas()
    day = dt.datetime.fromisoformat(tomorrow(8)).date().isoformat()
    r = api.post("/api/v1/plans/replan", "dispatcher", {"area": "middlebury", "date": day,
                                                        "timeLimitS": 60,
                                                        "solutionLimit": 200})
    assert r.status_code == 200 and r.json()["savedS"] > 0, r.text
    after = etas()
    moved = {i for i in booked if abs((after[i] - before[i]).total_seconds()) >= CHANGED_S}
    assert {n.booking_id for n in _rows(api, kind="changed")} == moved
    for n in _rows(api, kind="changed"):
        assert after[n.booking_id].strftime("%H:%M") in render("changed", "en",
                                                           json.loads(n.params))[1]


def test_reminders_before_the_window(api) -> None:  # type: ignore[no-untyped-def]
    """A confirmed ride is reminded from 30 minutes before its window starts, once; not
    before, not once the window started, not when cancelled."""
    _, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    _, c = api.book("rider2", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9, 10)))
    _, gone = api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(9, 20)))
    assert api.delete(f"/api/v1/bookings/{gone['id']}", "rider").status_code == 200
    n = Notifier(api.service)
    start = dt.datetime.fromisoformat(b["pickupWindow"]["start"])
    assert n.run_once()["reminders"] == 0
    assert n.run_once(start - dt.timedelta(minutes=30, seconds=1))["reminders"] == 0
    assert n.run_once(start - dt.timedelta(minutes=30))["reminders"] == 1
    assert n.run_once(start - dt.timedelta(minutes=29))["reminders"] == 0  # once
    assert _kinds(api, kind="reminder") == [("reminder", "app", b["id"])]
    # rider2's window (09:10) has started when the worker next looks: too late to remind
    assert n.run_once(dt.datetime.fromisoformat(tomorrow(9, 11)))["reminders"] == 0
    assert [m["kind"] for m in api.get(N, "rider2").json()["notifications"]] == ["confirmed"]
    text = api.get(N, "rider").json()["notifications"][0]["text"]
    assert text.startswith("Reminder") and "09:00 and 09:15" in text
    assert c["id"] not in {x.booking_id for x in _rows(api, kind="reminder")}


def test_the_app_runs_the_worker(addison, addison_planner, addison_travel, store) -> None:  # type: ignore[no-untyped-def]
    """An app started with a notification interval delivers without being asked: the
    booking's in-app confirmation is marked sent."""
    from tests.api_helpers import key

    cfg = ApiConfig(**{**UNLIMITED, "notify_interval_s": 0.05})  # type: ignore[arg-type]
    svc = booking_service(addison, addison_travel, store, config=cfg)
    h = {"Authorization": f"Bearer {key(store, 'rider', rider_name='Worker Test')}"}
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)) as c:
        q = c.post("/api/v1/quotes", headers=h, json=ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
        assert c.post("/api/v1/bookings", headers=h, json={"quoteId": q.json()["id"]}
                      ).status_code == 201
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with store.snapshot() as s:
                if s.scalars(select(Notification.status)).all() == ["sent"]:
                    break
            time.sleep(0.05)
        with store.snapshot() as s:
            assert s.scalars(select(Notification.status)).all() == ["sent"]


# -- in-app messages ---------------------------------------------------------------------------
def test_messages_newest_first_in_the_riders_language(api) -> None:  # type: ignore[no-untyped-def]
    _, b1 = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    api.clock.advance(60)
    _, b2 = api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(15)))
    r = api.get(N, "rider")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    got = r.json()
    assert got["unread"] == 2
    assert [m["bookingId"] for m in got["notifications"]] == [b2["id"], b1["id"]]
    assert got["notifications"][0]["subject"].startswith("Ride booked for")
    assert _put(api, ME, "rider", {"language": "de", "channels": ["app"]}).status_code == 200
    de = api.get(N, "rider").json()["notifications"]
    assert de[0]["subject"].startswith("Fahrt gebucht für") and "15:00 und 15:15 Uhr" in \
        de[0]["text"]
    assert api.get(N, "rider", params={"limit": 1}).json()["unread"] == 2  # of all
    first = de[1]["id"]
    api.clock.advance(60)
    r = api.post(f"{N}/{first}/read", "rider")
    assert r.status_code == 200 and r.json()["readAt"] is not None
    read_at = r.json()["readAt"]
    api.clock.advance(60)
    assert api.post(f"{N}/{first}/read", "rider").json()["readAt"] == read_at
    assert api.get(N, "rider").json()["unread"] == 1
    # staff read a rider's messages by naming them
    staff = api.get(N, "dispatcher", params={"riderId": api.rider_id()})
    assert staff.status_code == 200 and len(staff.json()["notifications"]) == 2
    assert api.get(N, "rider2").json() == {"notifications": [], "unread": 0}


def test_messages_authorisation_and_bad_input(api) -> None:  # type: ignore[no-untyped-def]
    api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    mine = api.get(N, "rider").json()["notifications"][0]["id"]
    for url, method in ((N, "get"), (f"{N}/{mine}/read", "post"), (ME, "get"),
                        (f"{N}/outbox", "get")):
        r = getattr(api.client, method)(url)
        assert r.status_code == 401 and r.json()["type"] == "/problems/unauthorized", url
        assert getattr(api.client, method)(url, headers=api.h("driver")).status_code == 403
    # another rider's message is not found; staff mark nothing read for a rider
    r = api.post(f"{N}/{mine}/read", "rider2")
    assert r.status_code == 404 and r.json()["field"] == "id"
    assert api.post(f"{N}/{mine}/read", "dispatcher").status_code == 403
    assert api.post(f"{N}/n_nope/read", "rider").status_code == 404
    assert api.get(N, "rider").json()["unread"] == 1  # nothing was marked
    # riders list their own only; staff must name a rider, a known one
    assert api.get(N, "rider2", params={"riderId": api.rider_id()}).status_code == 404
    r = api.get(N, "dispatcher")
    assert r.status_code == 422 and r.json()["field"] == "riderId"
    for who in ("r_nobody", ANONYMOUS_RIDER, "r_\u202eemon"):
        assert api.get(N, "dispatcher", params={"riderId": who}).status_code in (404, 422)
    for params in ({"limit": 0}, {"limit": 10**12}, {"limit": "x"},
                   {"riderId": "r_" + "x" * 5000}):
        r = api.get(N, "dispatcher", params={"riderId": api.rider_id(), **params})
        assert r.status_code == 422, params
    assert api.post(f"{N}/{'x' * 3000}/read", "rider").status_code == 404


# -- choosing channels --------------------------------------------------------------------------
def test_choosing_how_to_be_told(api) -> None:  # type: ignore[no-untyped-def]
    r = api.get(ME, "rider")
    assert r.status_code == 200 and r.json() == {"email": None, "language": None,
                                                 "channels": ["app"], "hasPhone": True}
    r = _put(api, ME, "rider", {"email": " erika@example.org ", "language": "de",
                                "channels": ["sms", "email"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"email": "erika@example.org", "language": "de",
                        "channels": ["app", "email", "sms"], "hasPhone": True}
    assert api.get(ME, "rider").json() == r.json()
    _, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    assert sorted((n.channel, n.language, n.booking_id) for n in _rows(api)) == [
        ("app", "de", b["id"]), ("email", "de", b["id"]), ("sms", "de", b["id"])]
    # international addresses are addresses; empty is none
    ok = _put(api, ME, "rider", {"email": "jürgen@müller.example", "channels": ["email"]})
    assert ok.status_code == 200 and ok.json()["email"] == "jürgen@müller.example"
    r = _put(api, ME, "rider", {"email": "", "channels": []})
    assert r.json() == {"email": None, "language": None, "channels": ["app"],
                        "hasPhone": True}
    # staff choose for a caller
    r2 = api.rider_id("rider2")
    r = _put(api, f"/api/v1/riders/{r2}/notifications", "dispatcher",
             {"email": "max@example.org", "language": "en", "channels": ["email"]})
    assert r.status_code == 200 and r.json()["channels"] == ["app", "email"]
    assert api.get(ME, "rider2").json()["email"] == "max@example.org"
    assert api.get(f"/api/v1/riders/{r2}/notifications", "admin").json() == r.json()


def test_choices_refused_in_plain_words(api) -> None:  # type: ignore[no-untyped-def]
    """Bad addresses, unknown channels and languages, e-mail without an address, SMS
    without a phone, wrong types, odd Unicode, huge input: 4xx naming the field, nothing
    written."""
    good = {"email": "erika@example.org", "language": "en", "channels": ["email"]}
    assert _put(api, ME, "rider", good).status_code == 200
    cases: list[tuple[Any, str]] = [
        ({**good, "email": "not-an-address"}, "email"),
        ({**good, "email": "a@b"}, "email"),
        ({**good, "email": "Erika <erika@example.org>"}, "email"),
        ({**good, "email": "a@example.org, b@example.org"}, "email"),
        ({**good, "email": "a b@example.org"}, "email"),
        ({**good, "email": "x" * 250 + "@example.org"}, "email"),
        ({**good, "email": "erika@exa\u202emple.org"}, "email"),
        ({**good, "email": "erika@example.org\u0000"}, "email"),
        ({**good, "email": None}, "email"),  # e-mail chosen, no address
        ({**good, "channels": ["fax"]}, "channels"),
        ({**good, "channels": ["app", "sms", "Email"]}, "channels"),
        ({**good, "channels": "email"}, "channels"),
        ({**good, "channels": ["app"] * 11}, "channels"),
        ({**good, "channels": [1]}, "channels.0"),
        ({**good, "language": "fr"}, "language"),
        ({**good, "language": "de-DE-x"}, "language"),
        ({**good, "language": 1}, "language"),
        ({**good, "unknown": 1}, "unknown"),
        ({"email": "erika@example.org"}, "channels"),
    ]
    for body, field in cases:
        r = _put(api, ME, "rider", body)
        assert r.status_code == 422, (body, r.text)
        p = r.json()
        fields = {p.get("field")} | {e["field"] for e in p.get("errors", [])}
        assert field in fields, (body, p)
    r = _put(api, ME, "rider2", {"channels": ["sms"]})  # Max has no phone
    assert r.status_code == 422 and r.json()["type"] == "/problems/channel-needs-phone"
    assert "phone number" in r.json()["detail"]
    r = api.client.put(ME, content=b'{"channels": ', headers={
        **api.h("rider"), "Content-Type": "application/json"})
    assert r.status_code == 400
    r = _put(api, ME, "rider", {**good, "email": "x" * 70_000})
    assert r.status_code == 413
    assert api.get(ME, "rider").json() == {**good, "channels": ["app", "email"],
                                           "hasPhone": True}
    assert api.get(ME, "rider2").json()["channels"] == ["app"]


def test_choices_authorisation(api) -> None:  # type: ignore[no-untyped-def]
    body = {"channels": ["app"]}
    rid = api.rider_id()
    assert _put(api, ME, None, body).status_code == 401
    for role in ("driver", "dispatcher", "admin"):  # "me" is a rider's own account
        assert _put(api, ME, role, body).status_code == 403
        assert api.get(ME, role).status_code == 403
    staff = f"/api/v1/riders/{rid}/notifications"
    assert _put(api, staff, None, body).status_code == 401
    for role in ("rider", "rider2", "driver"):
        assert _put(api, staff, role, body).status_code == 403
        assert api.get(staff, role).status_code == 403
    for who in ("r_nobody", ANONYMOUS_RIDER):
        assert _put(api, f"/api/v1/riders/{who}/notifications", "dispatcher",
                    body).status_code == 404


# -- the outbox for staff ---------------------------------------------------------------------
def test_the_outbox_shows_no_personal_data(api) -> None:  # type: ignore[no-untyped-def]
    _put(api, ME, "rider", {"email": "erika@example.org", "channels": ["email", "sms"]})
    _, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    Notifier(api.service).run_once()  # in the app: sent; no SMTP, no gateway: dropped
    r = api.get(f"{N}/outbox", "dispatcher")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["counts"] == {"pending": 0, "sending": 0, "sent": 1, "failed": 0,
                             "dropped": 2}
    assert sorted((x["channel"], x["status"], x["lastError"]) for x in out[
        "notifications"]) == [("app", "sent", None),
                              ("email", "dropped", "no SMTP server configured"),
                              ("sms", "dropped", "no SMS gateway configured")]
    assert {x["bookingId"] for x in out["notifications"]} == {b["id"]}
    for secret in ("Erika", "Muster", "erika@example.org", "1234567", "Ride booked"):
        assert secret not in r.text
    only = api.get(f"{N}/outbox", "admin", params={"status": "dropped"}).json()
    assert {x["status"] for x in only["notifications"]} == {"dropped"}
    assert len(only["notifications"]) == 2
    for params in ({"status": "lost"}, {"status": "x" * 100}, {"limit": 0}):
        assert api.get(f"{N}/outbox", "dispatcher", params=params).status_code == 422
    assert api.get(f"{N}/outbox", "rider").status_code == 403


@pytest.mark.parametrize("language", ["de", "en"])
def test_region_language_is_the_default(addison, addison_planner, addison_travel, store,  # type: ignore[no-untyped-def]
                                        language: str) -> None:
    """Riders who chose no language are told in the service's (the region's) language."""
    from tests.api_helpers import key

    cfg = ApiConfig(**{**UNLIMITED, "language": language})  # type: ignore[arg-type]
    svc = booking_service(addison, addison_travel, store, config=cfg)
    h = {"Authorization": f"Bearer {key(store, 'rider', rider_name='Lang Test')}"}
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)) as c:
        q = c.post("/api/v1/quotes", headers=h, json=ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
        assert c.post("/api/v1/bookings", headers=h, json={"quoteId": q.json()["id"]}
                      ).status_code == 201
        subject = c.get(N, headers=h).json()["notifications"][0]["subject"]
    assert subject.startswith("Fahrt gebucht" if language == "de" else "Ride booked")


# -- settings ------------------------------------------------------------------------------------
def test_settings_reach_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """``MOBILITY_SMTP_*``, ``MOBILITY_SMS_*`` (headers as a JSON object), the reminder and
    the worker's settings end up in the API's settings; the password and the gateway's
    headers are never shown by ``repr``; a sender is needed with a server, and the body
    template must hold both placeholders."""
    from mobility.server import api_config
    from mobility.settings import Settings

    env = {"MOBILITY_SMTP_HOST": "smtp.example.org", "MOBILITY_SMTP_PORT": "465",
           "MOBILITY_SMTP_USER": "rufbus", "MOBILITY_SMTP_PASSWORD": "pw-s3cret",
           "MOBILITY_SMTP_FROM": "rufbus@example.org", "MOBILITY_SMTP_STARTTLS": "false",
           "MOBILITY_SMS_URL": "https://sms.example.org/v1/send",
           "MOBILITY_SMS_BODY": '{"number": "{to}", "message": "{text}"}',
           "MOBILITY_SMS_HEADERS": '{"Authorization": "Bearer tok-s3cret"}',
           "MOBILITY_REMINDER_MINUTES": "45", "MOBILITY_NOTIFY_INTERVAL_S": "2",
           "MOBILITY_NOTIFY_MAX_ATTEMPTS": "4", "MOBILITY_KEEP_NOTIFICATIONS_DAYS": "30"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cfg = api_config(Settings())  # type: ignore[call-arg]
    assert (cfg.smtp_host, cfg.smtp_port, cfg.smtp_user, cfg.smtp_password, cfg.smtp_from,
            cfg.smtp_starttls) == ("smtp.example.org", 465, "rufbus", "pw-s3cret",
                                   "rufbus@example.org", False)
    assert (cfg.sms_url, cfg.sms_body, cfg.sms_headers) == (
        "https://sms.example.org/v1/send", env["MOBILITY_SMS_BODY"],
        (("Authorization", "Bearer tok-s3cret"),))
    assert (cfg.reminder_minutes, cfg.notify_interval_s, cfg.notify_max_attempts,
            cfg.keep_notifications_days) == (45, 2.0, 4, 30.0)
    assert "s3cret" not in repr(cfg) and "s3cret" not in repr(Settings())  # type: ignore[call-arg]
    assert ApiConfig().sms_body == Settings.model_fields["sms_body"].default == \
        '{"to": "{to}", "text": "{text}"}'  # the API's default as the settings'
    for name, value, problem in (("MOBILITY_SMTP_FROM", "", "smtp_from"),
                                 ("MOBILITY_SMS_BODY", '{"to": "{to}"}', "{text}"),
                                 ("MOBILITY_SMS_URL", "ftp://x", "http")):
        with monkeypatch.context() as m:
            m.setenv(name, value)
            with pytest.raises(ValueError, match=problem):
                Settings()  # type: ignore[call-arg]


@pytest.mark.parametrize(("language", "expect"), [(None, "en"), ("de", "de")])
def test_the_server_tells_in_the_regions_language(addison, tmp_path, language: str | None,  # type: ignore[no-untyped-def]
                                                  expect: str) -> None:
    """``mobility serve`` sets the riders' default language to the region's (English for
    addison-vt), or to ``MOBILITY_LANGUAGE``."""
    from mobility.server import build
    from mobility.settings import Settings

    app = build(addison, Settings(db_url=f"sqlite:///{tmp_path / 'm.db'}",  # type: ignore[call-arg]
                                  language=language, notify_interval_s=0), warm=False)
    assert app.state.service.config.language == expect
    assert app.state.notifier.config.language == expect
