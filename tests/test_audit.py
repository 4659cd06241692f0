"""The audit log through the app, on SQLite and PostgreSQL: each staff action leaves exactly
its entry (actor, action, target) in the same transaction as the change, a refused action
and riders' or drivers' own actions leave none, no entry holds a rider's contact data, and
only admins read the log (filters, pages, hostile input)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from api.auth import Principal, lookup
from api.service import audit
from api.store.models import AuditEntry, Booking, Rider
from api.store.repository import writing
from tests.api_helpers import (
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    VERGENNES,
    WEYBRIDGE,
    ride,
    tomorrow,
)

NAME, PHONE = "Hildegard Anrufer", "+1 802 555 0177"


def _rows(api) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    """Every entry, oldest first, read from the store (not through the API under test)."""
    with api.store.snapshot() as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        s.expunge_all()
        return rows


def _key_id(api, role: str) -> str:  # type: ignore[no-untyped-def]
    with api.store.snapshot() as s:
        who = lookup(s, api.keys[role])
    assert who is not None
    return who.key_id


def _new(api, before: int) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    """(key id, action, target type, target id) of the entries written since ``before``."""
    return [(r.key_id, r.action, r.target_type, r.target_id) for r in _rows(api)[before:]]


def _rider(api) -> str:  # type: ignore[no-untyped-def]
    r = api.post("/api/v1/riders", "dispatcher", {"name": NAME, "phone": PHONE})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _book_for(api, rider: str, hour: int, note: str | None = None,  # type: ignore[no-untyped-def]
              role: str = "dispatcher") -> dict[str, Any]:
    q = api.post("/api/v1/quotes", role, ride(MIDDLEBURY, WEYBRIDGE, tomorrow(hour),
                                              riderId=rider))
    assert q.status_code == 201, q.text
    body: dict[str, Any] = {"quoteId": q.json()["id"]}
    if note is not None:
        body["note"] = note
    r = api.post("/api/v1/bookings", role, body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_booking_actions_of_staff_are_recorded_and_refusals_are_not(api) -> None:  # type: ignore[no-untyped-def]
    d = _key_id(api, "dispatcher")
    a = _key_id(api, "admin")
    rid = _rider(api)
    assert _new(api, 0) == [(d, "rider.create", "rider", rid)]
    assert json.loads(_rows(api)[0].details or "{}") == {"fields": ["name", "phone"]}
    n = len(_rows(api))
    b = _book_for(api, rid, 9, note="rings twice, ask for Hildegard")
    assert _new(api, n) == [(d, "booking.create", "booking", b["id"])]
    details = json.loads(_rows(api)[-1].details or "{}")
    assert details["riderId"] == rid and details["vehicleId"] == b["vehicleId"]
    assert details["withNote"] is True and "note" not in details
    n = len(_rows(api))
    r = api.client.patch(f"/api/v1/bookings/{b['id']}", json={"note": "gate code 12"},
                         headers=api.h("admin"))
    assert r.status_code == 200, r.text
    assert _new(api, n) == [(a, "booking.note", "booking", b["id"])]
    n = len(_rows(api))
    assert api.delete(f"/api/v1/bookings/{b['id']}", "dispatcher").status_code == 200
    assert _new(api, n) == [(d, "booking.cancel", "booking", b["id"])]
    at = _rows(api)[-1].at
    assert at == api.clock.now()
    # refused: a note on a cancelled ride (409), cancelling a finished ride, unknown ids
    n = len(_rows(api))
    r = api.client.patch(f"/api/v1/bookings/{b['id']}", json={"note": "x"},
                         headers=api.h("dispatcher"))
    assert r.status_code == 409
    assert api.delete("/api/v1/bookings/b_nothere", "dispatcher").status_code == 404
    # cancelling a cancelled booking again changes nothing, so records nothing
    assert api.delete(f"/api/v1/bookings/{b['id']}", "dispatcher").status_code == 200
    assert _new(api, n) == []
    # a rider's own booking and cancellation are the rider's, not staff's: not recorded
    _, mine = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(11)))
    assert api.delete(f"/api/v1/bookings/{mine['id']}", "rider").status_code == 200
    assert _new(api, n) == []


def test_vehicle_events_entered_by_staff_are_recorded_not_drivers(api) -> None:  # type: ignore[no-untyped-def]
    d = _key_id(api, "dispatcher")
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    api.clock.set(dt.datetime.fromisoformat(b["estimatedPickup"]))
    vid = b["vehicleId"]
    n = len(_rows(api))
    r = api.post(f"/api/v1/vehicles/{vid}/events", "dispatcher",
                 {"type": "picked_up", "bookingId": b["id"], "eventId": "e1"})
    assert r.status_code == 201, r.text
    assert _new(api, n) == [(d, "vehicle.event", "vehicle", vid)]
    details = json.loads(_rows(api)[-1].details or "{}")
    assert (details["kind"], details["bookingId"], details["eventId"]) == (
        "picked_up", b["id"], "e1")
    # the same event again is not applied again: not recorded again
    n = len(_rows(api))
    r = api.post(f"/api/v1/vehicles/{vid}/events", "dispatcher",
                 {"type": "picked_up", "bookingId": b["id"], "eventId": "e1"})
    assert r.status_code == 200 and r.json()["applied"] is False
    # refused: a no-show for a rider on board
    r = api.post(f"/api/v1/vehicles/{vid}/events", "dispatcher",
                 {"type": "no_show", "bookingId": b["id"]})
    assert 400 <= r.status_code < 500
    assert _new(api, n) == []
    # a driver's own report is the vehicle's record (vehicle events), not staff's
    driver_vid = "mid-1"
    r = api.post(f"/api/v1/vehicles/{driver_vid}/events", "driver",
                 {"type": "position", "lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]})
    assert r.status_code == 201, r.text
    assert _new(api, n) == []


def test_replanning_is_recorded_with_the_rides_moved(api) -> None:  # type: ignore[no-untyped-def]
    places = [MIDDLEBURY, BRISTOL, VERGENNES, WEYBRIDGE]
    for k in range(10):
        q = api.post("/api/v1/quotes", "rider",
                     ride(places[k % 4], places[(k + 1) % 4], tomorrow(8, 6 * k)))
        if q.status_code == 201:
            api.post("/api/v1/bookings", "rider", {"quoteId": q.json()["id"]})
    n = len(_rows(api))
    day = dt.datetime.fromisoformat(tomorrow(8)).date().isoformat()
    r = api.post("/api/v1/plans/replan", "dispatcher", {
        "area": "middlebury", "date": day, "timeLimitS": 60, "solutionLimit": 200})
    assert r.status_code == 200 and r.json()["savedS"] > 0, r.text
    target = f"middlebury/{day}"
    assert _new(api, n) == [(_key_id(api, "dispatcher"), "plan.replan", "plan", target)]
    details = json.loads(_rows(api)[-1].details or "{}")
    assert sorted(details["moved"]) == sorted(r.json()["moved"])
    with api.store.snapshot() as s:  # each move as stored on the booking
        for bid, vid in details["moved"].items():
            assert s.get(Booking, bid).vehicle_id == vid  # type: ignore[union-attr]
    # again: an entry only if the plans changed (the admin's, this time)
    n = len(_rows(api))
    r = api.post("/api/v1/plans/replan", "admin", {
        "area": "middlebury", "date": day, "timeLimitS": 60, "solutionLimit": 200})
    assert r.status_code == 200
    assert _new(api, n) == ([(_key_id(api, "admin"), "plan.replan", "plan", target)]
                            if r.json()["savedS"] > 0 else [])
    n = len(_rows(api))
    r = api.post("/api/v1/plans/replan", "admin", {"area": "nowhere", "date": day,
                                                   "timeLimitS": 1})
    assert 400 <= r.status_code < 500
    assert _new(api, n) == []


def test_service_alerts_are_recorded(api) -> None:  # type: ignore[no-untyped-def]
    a = _key_id(api, "admin")
    body = {"area": "middlebury", "effect": "closure", "start": tomorrow(12),
            "end": tomorrow(14), "texts": [{"language": "en", "header": "Black ice"}]}
    r = api.post("/api/v1/service-alerts", "admin", body)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert _new(api, 0) == [(a, "service_alert.create", "service_alert", sid)]
    assert json.loads(_rows(api)[0].details or "{}")["effect"] == "closure"
    for bad in ({**body, "area": "nowhere"}, {**body, "end": tomorrow(11)}):
        assert api.post("/api/v1/service-alerts", "admin", bad).status_code == 422
    assert api.post("/api/v1/service-alerts", "rider", body).status_code == 403
    assert len(_rows(api)) == 1
    assert api.post(f"/api/v1/service-alerts/{sid}/end", "dispatcher", None).status_code == 200
    assert _new(api, 1) == [(_key_id(api, "dispatcher"), "service_alert.end",
                             "service_alert", sid)]
    # ending it again changes nothing
    assert api.post(f"/api/v1/service-alerts/{sid}/end", "dispatcher", None).status_code == 200
    assert len(_rows(api)) == 2


def test_standing_orders_of_staff_are_recorded(api) -> None:  # type: ignore[no-untyped-def]
    d = _key_id(api, "dispatcher")
    rid = _rider(api)
    n = len(_rows(api))
    body = {"riderId": rid, "origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
            "destination": {"lat": EAST_MIDDLEBURY[0], "lon": EAST_MIDDLEBURY[1]},
            "weekdays": [1, 3, 5], "time": "07:30", "timeType": "departure",
            "firstDate": "2026-11-25", "lastDate": "2026-12-15"}
    r = api.post("/api/v1/standing-orders", "dispatcher", body)
    assert r.status_code == 201, r.text
    o = r.json()
    booked = [x for x in o["occurrences"] if x["status"] == "booked"]
    assert booked
    got = _new(api, n)
    # the order, then each booking its first run made (as the order's, for its maker)
    assert got[0] == (d, "standing_order.create", "standing_order", o["id"])
    assert sorted(got[1:]) == sorted((d, "booking.create", "booking", x["bookingId"])
                                     for x in booked)
    for row in _rows(api)[n + 1:]:
        assert json.loads(row.details or "{}")["standingOrder"] == o["id"]
    n = len(_rows(api))
    day = booked[0]["date"]
    r = api.delete(f"/api/v1/standing-orders/{o['id']}/occurrences/{day}", "dispatcher")
    assert r.status_code == 200, r.text
    assert _new(api, n) == [(d, "standing_order.cancel_date", "standing_order", o["id"]),
                            (d, "booking.cancel", "booking", booked[0]["bookingId"])]
    n = len(_rows(api))
    r = api.delete(f"/api/v1/standing-orders/{o['id']}", "dispatcher")
    assert r.status_code == 200, r.text
    got = _new(api, n)
    assert got[0] == (d, "standing_order.cancel", "standing_order", o["id"])
    assert sorted(got[1:]) == sorted((d, "booking.cancel", "booking", x["bookingId"])
                                     for x in booked[1:])
    # a rider's own order is not staff's
    n = len(_rows(api))
    mine = {k: v for k, v in body.items() if k != "riderId"}
    assert api.post("/api/v1/standing-orders", "rider", mine).status_code == 201
    assert _new(api, n) == []


def test_forgetting_is_recorded_for_staff_only_and_not_when_refused(api) -> None:  # type: ignore[no-untyped-def]
    rid = _rider(api)
    b = _book_for(api, rid, 9)
    n = len(_rows(api))
    r = api.delete(f"/api/v1/riders/{rid}", "admin")
    assert r.status_code == 409  # a ride to come: nothing forgotten, nothing recorded
    assert _new(api, n) == []
    assert api.delete(f"/api/v1/bookings/{b['id']}", "dispatcher").status_code == 200
    n = len(_rows(api))
    assert api.delete(f"/api/v1/riders/{rid}", "admin").status_code == 200
    assert _new(api, n) == [(_key_id(api, "admin"), "rider.forget", "rider", rid)]
    # the rider who forgets themself: their own action
    me = api.rider_id("rider2")
    n = len(_rows(api))
    assert api.delete(f"/api/v1/riders/{me}", "rider2").status_code == 200
    assert _new(api, n) == []


def test_no_entry_holds_a_riders_contact_data(api) -> None:  # type: ignore[no-untyped-def]
    """Every staff action on a rider with a distinctive name, phone and note; then no column
    of any entry holds any of them (nor the phone's digits)."""
    rid = _rider(api)
    b = _book_for(api, rid, 9, note=f"call {PHONE} first")
    api.client.patch(f"/api/v1/bookings/{b['id']}", json={"note": f"ask for {NAME}"},
                     headers=api.h("dispatcher"))
    api.delete(f"/api/v1/bookings/{b['id']}", "dispatcher")
    api.delete(f"/api/v1/riders/{rid}", "dispatcher")
    rows = _rows(api)
    assert {r.action for r in rows} == {"rider.create", "booking.create", "booking.note",
                                        "booking.cancel", "rider.forget"}
    digits = "".join(c for c in PHONE if c.isdigit())
    for r in rows:
        text = " ".join(str(getattr(r, c.key)) for c in AuditEntry.__table__.columns)
        for word in (*NAME.split(), PHONE, digits, "ask for", "call"):
            assert word not in text, (word, text)


def test_an_entry_that_cannot_be_written_undoes_the_change(api) -> None:  # type: ignore[no-untyped-def]
    """The entry and the change are one transaction: a refused entry (contact data in its
    details) leaves neither."""
    rid = _rider(api)
    n = len(_rows(api))
    staff = Principal(_key_id(api, "dispatcher"), "dispatcher")
    with pytest.raises(ValueError, match="contact data"), writing(api.store) as repo:
        r = repo.s.get(Rider, rid)
        assert r is not None
        r.name = "changed"
        audit.record(repo, staff, "rider.create", "rider", rid, {"phone": PHONE},
                     api.clock.now())
    assert len(_rows(api)) == n
    assert api.get(f"/api/v1/riders/{rid}", "dispatcher").json()["name"] == NAME
    with pytest.raises(ValueError, match="unknown audit action"), writing(api.store) as repo:
        audit.record(repo, staff, "rider.delete", "rider", rid, None, api.clock.now())
    assert len(_rows(api)) == n


# -- reading the log ----------------------------------------------------------------------------
def test_only_admins_read_the_log(api) -> None:  # type: ignore[no-untyped-def]
    _rider(api)
    assert api.get("/api/v1/audit").status_code == 401
    assert api.client.get("/api/v1/audit", headers={"Authorization": "Bearer mob_x_y"}
                          ).status_code == 401
    for role in ("rider", "driver", "dispatcher"):
        r = api.get("/api/v1/audit", role)
        assert r.status_code == 403, role
        assert r.headers["content-type"].startswith("application/problem+json")
    r = api.get("/api/v1/audit", "admin")
    assert r.status_code == 200
    assert [e["action"] for e in r.json()["entries"]] == ["rider.create"]


def test_the_log_lists_newest_first_filters_and_pages(api) -> None:  # type: ignore[no-untyped-def]
    rids = []
    for _ in range(3):
        rids.append(_rider(api))
        api.clock.advance(60)
    b = _book_for(api, rids[0], 9)
    api.clock.advance(60)
    api.delete(f"/api/v1/bookings/{b['id']}", "dispatcher")
    rows = _rows(api)
    want = [(r.id, r.action, r.target_id) for r in reversed(rows)]
    got = api.get("/api/v1/audit", "admin").json()
    assert [(e["id"], e["action"], e["targetId"]) for e in got["entries"]] == want
    assert got["nextBeforeId"] is None
    first = got["entries"][0]
    assert (first["keyId"], first["role"], first["targetType"]) == (
        _key_id(api, "dispatcher"), "dispatcher", "booking")
    # pages of two
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = api.get("/api/v1/audit", "admin", params=params).json()
        seen += [e["id"] for e in page["entries"]]
        if page["nextBeforeId"] is None:
            break
        params["beforeId"] = page["nextBeforeId"]
    assert seen == [w[0] for w in want]
    # by target
    one = api.get("/api/v1/audit", "admin", params={"targetType": "booking",
                                                    "targetId": b["id"]}).json()["entries"]
    assert [e["action"] for e in one] == ["booking.cancel", "booking.create"]
    riders = api.get("/api/v1/audit", "admin", params={"targetType": "rider"}).json()
    assert sorted(e["targetId"] for e in riders["entries"]) == sorted(rids)
    # by time: [from, to)
    t1 = rows[1].at
    win = api.get("/api/v1/audit", "admin", params={
        "from": t1.isoformat(), "to": (t1 + dt.timedelta(seconds=60)).isoformat()}).json()
    assert [e["id"] for e in win["entries"]] == [r.id for r in rows if r.at == t1]


@pytest.mark.parametrize("params", [
    {"targetType": "spaceship"}, {"targetType": "rider\u202e"}, {"targetId": ""},
    {"targetId": "x" * 65}, {"from": "yesterday"}, {"from": "2026-11-24T06:00"},
    {"to": "2026-99-01T00:00Z"}, {"limit": 0}, {"limit": 10**6}, {"limit": "many"},
    {"beforeId": 0}, {"beforeId": 10**30}, {"beforeId": "x"}])
def test_the_log_refuses_bad_filters(api, params: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    r = api.get("/api/v1/audit", "admin", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_odd_text_in_an_id_filter_finds_nothing(api) -> None:  # type: ignore[no-untyped-def]
    _rider(api)
    for odd in ("%", "_", "' OR 1=1 --", "r_%", "Müller"):
        r = api.get("/api/v1/audit", "admin", params={"targetId": odd})
        assert r.status_code == 200 and r.json()["entries"] == []
