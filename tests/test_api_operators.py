"""Operators through the app on addison-vt: companies, operators' vehicles and their
availability; planning only into available time end to end; changes that would strand a
booked ride refused; moving a tour keeping every promise; one company's operator never
sees another's; hostile input answered 4xx with nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest

from api.store.models import AuditEntry, Availability, Booking, VehicleRow
from tests.api_helpers import (
    ADDISON_TZ,
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    NOW,
    WEYBRIDGE,
    key,
    ride,
    tomorrow,
)

TOMORROW = NOW.date() + dt.timedelta(days=1)
CONFIG = ("mid-1", "mid-2", "verg-1")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(ADDISON_TZ)


def _secs(t: dt.datetime) -> float:
    """Seconds after tomorrow's local midnight."""
    midnight = dt.datetime.combine(TOMORROW, dt.time(0), ADDISON_TZ)
    return (t.astimezone(ADDISON_TZ) - midnight).total_seconds()


def _company(api, cid: str, name: str = "Taxi") -> str:  # type: ignore[no-untyped-def]
    """A company (made by the admin) and an operator key of it, stored in ``api.keys``."""
    r = api.post("/api/v1/companies", "admin", {"id": cid, "name": name})
    assert r.status_code == 201, r.text
    api.keys[f"op-{cid}"] = key(api.store, "operator", company_id=cid)
    return f"op-{cid}"


def _vehicle(api, role: str, cid: str, vid: str, **extra):  # type: ignore[no-untyped-def]
    body = {"id": vid, "area": "middlebury", "seats": 4, "wheelchairPlaces": 1,
            "depot": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]}, **extra}
    return api.post(f"/api/v1/companies/{cid}/vehicles", role, body)


def _rule(api, role: str, vid: str, kind: str, start: str, end: str,  # type: ignore[no-untyped-def]
          first: dt.date = TOMORROW, last: dt.date | None = TOMORROW, weekdays=()):
    body: dict[str, object] = {"kind": kind, "firstDate": first.isoformat(),
                               "start": start, "end": end, "weekdays": list(weekdays)}
    if last is not None:
        body["lastDate"] = last.isoformat()
    return api.post(f"/api/v1/vehicles/{vid}/availability", role, body)


def _patch(api, role: str, vid: str, body: dict):  # type: ignore[no-untyped-def,type-arg]
    return api.client.patch(f"/api/v1/vehicles/{vid}", json=body, headers=api.h(role))


def _only_availability(api, *vids: str) -> None:  # type: ignore[no-untyped-def]
    """Switch config vehicles to availability planning (with no window: they take nothing)."""
    for vid in vids:
        r = _patch(api, "admin", vid, {"usesAvailability": True})
        assert r.status_code == 200, r.text
        assert r.json()["usesAvailability"] is True


def _quote(api, at: str, a=MIDDLEBURY, b=WEYBRIDGE):  # type: ignore[no-untyped-def]
    return api.post("/api/v1/quotes", "rider", ride(a, b, at))


def test_a_vehicle_plans_only_into_its_window(api) -> None:
    """mid-2 and verg-1 switched to availability with no window tomorrow: every ride goes
    to mid-1; with mid-1 switched too, no ride tomorrow; a dated window 08:00-12:00 for
    mid-2 gives rides inside it and none at 14:00."""
    _only_availability(api, "mid-2", "verg-1")
    ids = []
    for h in (9, 10, 11):
        _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(h)))
        assert b["vehicleId"] == "mid-1"
        ids.append(b["id"])
    # mid-1 holds rides: switching it now would strand them
    r = _patch(api, "admin", "mid-1", {"usesAvailability": True})
    assert r.status_code == 409 and r.json()["type"].endswith("/vehicle-has-rides")
    assert sorted(r.json()["bookings"]) == sorted(ids)
    with api.store.session() as s:
        assert s.get(VehicleRow, "mid-1").uses_availability is False
    # cancel them, then switch: no vehicle tomorrow at all
    for bid in ids:
        assert api.delete(f"/api/v1/bookings/{bid}", "rider").status_code == 200
    _only_availability(api, "mid-1")
    r = _quote(api, tomorrow(9))
    assert r.status_code in (409, 422), r.text
    assert r.json()["type"].endswith("/outside-service-hours"), r.json()
    assert _rule(api, "admin", "mid-2", "dated", "08:00", "12:00").status_code == 201
    for h, m in ((8, 10), (9, 30), (11, 0)):
        q, b = api.book("rider", ride(MIDDLEBURY, EAST_MIDDLEBURY, tomorrow(h, m)))
        assert b["vehicleId"] == "mid-2"
        pick, drop = _secs(_at(b["estimatedPickup"])), _secs(_at(b["estimatedDropoff"]))
        assert 8 * 3600 <= pick <= drop <= 12 * 3600, (pick, drop)
    assert _quote(api, tomorrow(14)).status_code in (409, 422)


def test_operator_enters_a_vehicle_and_its_weekly_availability(api) -> None:
    """An operator enters a vehicle and a weekly rule; the days it resolves to match the
    rule counted by hand, and the fleet list shows today's windows."""
    role = _company(api, "acme", "Acme Taxi")
    r = _vehicle(api, role, "acme", "acme-1", label="AD-123 ✓")
    assert r.status_code == 201, r.text
    v = r.json()
    assert (v["source"], v["usesAvailability"], v["companyId"], v["label"]) == (
        "operator", True, "acme", "AD-123 ✓")
    wd = TOMORROW.isoweekday()
    other = wd % 7 + 1
    r = _rule(api, role, "acme-1", "weekly", "07:30", "11:00", TOMORROW, None, (wd, other))
    assert r.status_code == 201, r.text
    assert _rule(api, role, "acme-1", "weekly", "15:00", "24:00", TOMORROW, None,
                 (wd,)).status_code == 201
    assert _rule(api, role, "acme-1", "unavailable", "10:00", "16:00",
                 TOMORROW + dt.timedelta(days=7), TOMORROW + dt.timedelta(days=7)
                 ).status_code == 201
    days = api.get("/api/v1/vehicles/acme-1/availability/days", role,
                   params={"from": NOW.date().isoformat(),
                           "to": (NOW.date() + dt.timedelta(days=13)).isoformat()})
    assert days.status_code == 200, days.text
    got = {d["date"]: d["windows"] for d in days.json()["days"]}
    assert len(got) == 14
    for k in range(14):
        d = NOW.date() + dt.timedelta(days=k)
        want: list[list[str]] = []
        if d >= TOMORROW and d.isoweekday() in (wd, other):
            want.append(["07:30", "11:00"])
        if d >= TOMORROW and d.isoweekday() == wd:
            want.append(["15:00", "24:00"])
        if d == TOMORROW + dt.timedelta(days=7):
            want = [["07:30", "10:00"], ["16:00", "24:00"]]
        assert got[d.isoformat()] == want, d
    rules = api.get("/api/v1/vehicles/acme-1/availability", role).json()["rules"]
    assert [(x["kind"], x["start"], x["end"]) for x in rules] == [
        ("weekly", "07:30", "11:00"), ("weekly", "15:00", "24:00"),
        ("unavailable", "10:00", "16:00")]
    fleet = {v["id"]: v for v in api.get("/api/v1/vehicles", "dispatcher").json()["vehicles"]}
    assert fleet["acme-1"]["windows"] == [] and fleet["acme-1"]["shiftStart"] is None
    assert fleet["mid-1"]["windows"] == [["06:00", "19:00"]]
    # the vehicle gets rides tomorrow inside its windows only
    _only_availability(api, *CONFIG)
    _, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(8)))
    assert b["vehicleId"] == "acme-1"
    assert _quote(api, tomorrow(12, 30)).status_code in (409, 422)
    # the operator's actions are audited under its role
    with api.store.session() as s:
        acts = [(e.role, e.action) for e in s.query(AuditEntry).order_by(AuditEntry.id)]
    assert ("operator", "vehicle.create") in acts and ("operator", "availability.create") \
        in acts and ("admin", "company.create") in acts


def test_a_change_stranding_a_booked_ride_is_refused(api) -> None:
    role = _company(api, "acme")
    assert _vehicle(api, role, "acme", "acme-1").status_code == 201
    r = _rule(api, role, "acme-1", "dated", "08:00", "12:00")
    assert r.status_code == 201
    rule_id = r.json()["id"]
    _only_availability(api, *CONFIG)
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(10)))
    assert b["vehicleId"] == "acme-1"
    r = _rule(api, role, "acme-1", "unavailable", "09:00", "12:00")
    assert r.status_code == 409 and r.json()["bookings"] == [b["id"]], r.text
    r = api.delete(f"/api/v1/vehicles/acme-1/availability/{rule_id}", role)
    assert r.status_code == 409 and r.json()["bookings"] == [b["id"]]
    r = _patch(api, role, "acme-1", {"depot": {"lat": BRISTOL[0], "lon": BRISTOL[1]}})
    assert r.status_code in (200, 409)  # a far depot may or may not keep it; never a 500
    with api.store.session() as s:
        assert s.query(Availability).count() == 1  # nothing half-written
    # an exception away from the ride is fine
    assert _rule(api, role, "acme-1", "unavailable", "11:30", "12:00").status_code == 201


def test_a_stored_plan_with_breaks_of_an_earlier_availability_is_rebuilt(api) -> None:
    """Windows 08-10 and 14-16 (one gap), a ride booked at 09:00; a window 11-12 added
    later splits the gap: the stored plan's old break is replaced, and a ride at 11:15 is
    planned inside the new window."""
    role = _company(api, "acme")
    assert _vehicle(api, role, "acme", "acme-1").status_code == 201
    for a, b in (("08:00", "10:00"), ("14:00", "16:00")):
        assert _rule(api, role, "acme-1", "dated", a, b).status_code == 201
    _only_availability(api, *CONFIG)
    _, first = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    assert _rule(api, role, "acme-1", "dated", "11:00", "12:00").status_code == 201
    api.service.days = type(api.service.days)(api.store, api.service.days.build,
                                              api.service.days.write)  # a new process
    _, b = api.book("rider", ride(MIDDLEBURY, EAST_MIDDLEBURY, tomorrow(11, 5)))
    assert b["vehicleId"] == "acme-1"
    m = api.get("/api/v1/vehicles/acme-1/manifest", "dispatcher",
                params={"date": TOMORROW.isoformat()}).json()
    wins = ((8 * 3600, 10 * 3600), (11 * 3600, 12 * 3600), (14 * 3600, 16 * 3600))
    rides = [s for s in m["stops"] if s["kind"] != "break"]
    assert {s["bookingId"] for s in rides} == {first["id"], b["id"]}
    for s in rides:
        t = _secs(_at(s["plannedTime"]))
        assert any(lo <= t <= hi for lo, hi in wins), s
    assert len([s for s in m["stops"] if s["kind"] == "break"]) == 2


def test_moving_a_tour_keeps_every_promise(api) -> None:
    role = _company(api, "acme")
    assert _vehicle(api, role, "acme", "acme-1").status_code == 201
    assert _rule(api, role, "acme-1", "dated", "06:00", "20:00").status_code == 201
    _only_availability(api, "mid-2", "verg-1")
    booked = [api.book("rider", ride(MIDDLEBURY, x, tomorrow(h, m)))
              for x, h, m in ((WEYBRIDGE, 9, 0), (BRISTOL, 10, 0), (EAST_MIDDLEBURY, 13, 30))]
    assert {b["vehicleId"] for _, b in booked} <= {"mid-1", "acme-1"}
    on_mid = [b for _, b in booked if b["vehicleId"] == "mid-1"]
    assert on_mid  # the first ride of the day from the shared depot goes to mid-1
    url = f"/api/v1/vehicles/mid-1/tours/{TOMORROW.isoformat()}/move"
    for who in ("rider", "driver", role):
        assert api.post(url, who, {"to": "acme-1"}).status_code == 403
    assert api.client.post(url, json={"to": "acme-1"}).status_code == 401
    assert api.post(url, "dispatcher", {"to": "nope"}).status_code == 404
    assert api.post("/api/v1/vehicles/nope/tours/2026-11-25/move", "dispatcher",
                    {"to": "acme-1"}).status_code == 404
    assert api.post(url, "dispatcher", {"to": 5}).status_code == 422
    assert api.post(url, "dispatcher", {"to": "mid-1"}).status_code == 422
    # mid-2 has no window tomorrow: nothing can move there, nothing moves
    r = api.post(url, "dispatcher", {"to": "mid-2"})
    assert r.status_code == 409 and r.json()["type"].endswith("/cannot-move"), r.text
    with api.store.session() as s:
        assert {x.id for x in s.query(Booking) if x.vehicle_id == "mid-1"} == {
            b["id"] for b in on_mid}
    r = api.post(url, "dispatcher", {"to": "acme-1"})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["bookings"]) == sorted(b["id"] for b in on_mid)
    for q, b in booked:
        now = api.get(f"/api/v1/bookings/{b['id']}", "dispatcher").json()
        assert now["vehicleId"] == "acme-1"
        lo, hi = _at(q["pickupWindow"]["start"]), _at(q["pickupWindow"]["end"])
        assert lo <= _at(now["estimatedPickup"]) <= hi
        assert _at(now["estimatedDropoff"]) <= _at(q["latestDropoff"])
    with api.store.session() as s:
        assert {x.vehicle_id for x in s.query(Booking)} == {"acme-1"}
        acts = [(e.action, e.target_id) for e in s.query(AuditEntry)]
    assert ("tour.move", f"mid-1/{TOMORROW.isoformat()}") in acts


def test_an_operator_never_sees_another_company(api) -> None:
    a = _company(api, "acme")
    b = _company(api, "bravo")
    assert _vehicle(api, a, "acme", "acme-1").status_code == 201
    rid = _rule(api, a, "acme-1", "dated", "08:00", "12:00").json()["id"]
    assert [c["id"] for c in api.get("/api/v1/companies", b).json()["companies"]] == ["bravo"]
    assert len(api.get("/api/v1/companies", "dispatcher").json()["companies"]) == 2
    for url in ("/api/v1/companies/acme", "/api/v1/companies/acme/vehicles",
                "/api/v1/vehicles/acme-1/availability",
                "/api/v1/vehicles/acme-1/availability/days",
                "/api/v1/vehicles/mid-1/availability"):
        assert api.get(url, b).status_code == 404, url
    assert _vehicle(api, b, "acme", "x-1").status_code == 404
    assert _rule(api, b, "acme-1", "dated", "13:00", "14:00").status_code == 404
    assert api.delete(f"/api/v1/vehicles/acme-1/availability/{rid}", b).status_code == 404
    assert _patch(api, b, "acme-1", {"label": "mine"}).status_code == 404
    # the operator may not make itself planned differently, nor move to another company
    assert _patch(api, a, "acme-1", {"usesAvailability": False}).status_code == 403
    assert _patch(api, a, "acme-1", {"companyId": "bravo"}).status_code == 403
    assert api.post("/api/v1/companies", a, {"name": "Mine"}).status_code == 403
    for role in ("rider", "driver"):
        assert api.get("/api/v1/companies", role).status_code == 403
        assert api.get("/api/v1/vehicles/acme-1/availability", role).status_code == 403
        assert _rule(api, role, "acme-1", "dated", "13:00", "14:00").status_code == 403
    assert api.client.get("/api/v1/companies").status_code == 401
    # the dispatcher reads, but does not enter, a company's availability
    assert api.get("/api/v1/vehicles/acme-1/availability", "dispatcher").status_code == 200
    assert _rule(api, "dispatcher", "acme-1", "dated", "13:00", "14:00").status_code == 403
    with api.store.session() as s:
        assert s.query(Availability).count() == 1 and s.get(VehicleRow, "x-1") is None


def test_a_bad_rule_is_refused_with_every_problem(api) -> None:
    role = _company(api, "acme")
    assert _vehicle(api, role, "acme", "acme-1").status_code == 201
    past = NOW.date() - dt.timedelta(days=1)
    r = api.post("/api/v1/vehicles/acme-1/availability", role, {
        "kind": "weekly", "weekdays": [0, 8], "firstDate": past.isoformat(),
        "lastDate": (past - dt.timedelta(days=3)).isoformat(), "start": "12:00",
        "end": "11:00"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"weekdays", "end", "firstDate",
                                                         "lastDate"}
    for body in ({"kind": "dated", "firstDate": TOMORROW.isoformat(), "start": "08:00",
                  "end": "09:00"},  # no last date
                 {"kind": "dated", "firstDate": TOMORROW.isoformat(), "start": "08:00",
                  "end": "09:00", "lastDate": (TOMORROW + dt.timedelta(days=900)).isoformat()},
                 {"kind": "dated", "firstDate": TOMORROW.isoformat(), "start": "8",
                  "end": "09:00", "lastDate": TOMORROW.isoformat()},
                 {"kind": "dated", "firstDate": TOMORROW.isoformat(), "start": "08:00",
                  "end": "24:01", "lastDate": TOMORROW.isoformat()},
                 {"kind": "weekly", "weekdays": ["1"], "firstDate": TOMORROW.isoformat(),
                  "start": "08:00", "end": "09:00"},
                 {"kind": "monthly", "firstDate": TOMORROW.isoformat(), "start": "08:00",
                  "end": "09:00"},
                 {"kind": "dated", "firstDate": "9999999-01-01", "start": "08:00",
                  "end": "09:00"},
                 {"kind": "dated", "firstDate": TOMORROW.isoformat(), "start": "08:00",
                  "end": "09:00", "lastDate": TOMORROW.isoformat(), "note": "a\u202eb"}):
        r = api.post("/api/v1/vehicles/acme-1/availability", role, body)
        assert r.status_code == 422, (body, r.text)
    with api.store.session() as s:
        assert s.query(Availability).count() == 0


@pytest.mark.parametrize("body", [
    {"seats": "4"}, {"seats": 10**20}, {"seats": 0}, {"wheelchairPlaces": -1},
    {"id": "a b"}, {"id": "x" * 40}, {"label": "\u202eevil"}, {"area": "atlantis"},
    {"depot": {"lat": 91, "lon": 0}}, {"depot": {"lat": 48.0, "lon": 8.0}},
])
def test_a_bad_vehicle_is_refused(api, body) -> None:  # type: ignore[no-untyped-def]
    role = _company(api, "acme")
    r = _vehicle(api, role, "acme", "acme-1", **body)
    assert r.status_code == 422, r.text
    with api.store.session() as s:
        assert s.get(VehicleRow, body.get("id", "acme-1")) is None
    assert _vehicle(api, role, "acme", "acme-1").status_code == 201
    assert _vehicle(api, role, "acme", "acme-1").status_code == 409
    assert _vehicle(api, role, "acme", "mid-1").status_code == 409


def test_companies_are_admins_to_make(api) -> None:
    for role in ("dispatcher", "rider", "driver"):
        assert api.post("/api/v1/companies", role, {"name": "X"}).status_code == 403
    assert api.post("/api/v1/companies", "admin", {"name": " "}).status_code == 422
    assert api.post("/api/v1/companies", "admin", {"name": "Ünïcødé Taxi 🚕"}).status_code \
        == 201
    assert api.post("/api/v1/companies", "admin", {"name": "x", "id": "a/b"}).status_code \
        == 422
    assert api.post("/api/v1/companies", "admin", {"name": "x", "id": "c1"}).status_code \
        == 201
    assert api.post("/api/v1/companies", "admin", {"name": "x", "id": "c1"}).status_code \
        == 409
    assert api.post("/api/v1/companies", "admin", {"name": 5}).status_code == 422


def test_an_operator_key_needs_an_existing_company(api) -> None:
    from api.auth import create_key

    with api.store.session() as s, pytest.raises(ValueError):
        create_key(s, "operator")
    with api.store.session() as s, pytest.raises(ValueError):
        create_key(s, "operator", company_id="nope")
    with api.store.session() as s, pytest.raises(ValueError):
        create_key(s, "dispatcher", company_id="nope")


def test_days_are_bounded(api) -> None:
    role = _company(api, "acme")
    assert _vehicle(api, role, "acme", "acme-1").status_code == 201
    url = "/api/v1/vehicles/acme-1/availability/days"
    a = NOW.date()
    assert api.get(url, role, params={"from": a.isoformat(), "to": (
        a + dt.timedelta(days=61)).isoformat()}).status_code == 200
    for to in (a + dt.timedelta(days=62), a - dt.timedelta(days=1)):
        assert api.get(url, role, params={"from": a.isoformat(),
                                          "to": to.isoformat()}).status_code == 422
    assert api.get(url, role, params={"from": "soon"}).status_code == 422
    assert api.get("/api/v1/vehicles/mid-1/availability/days", "dispatcher").json()[
        "days"][0]["windows"] == [["06:00", "19:00"]]


def test_starting_again_keeps_operators_vehicles_and_admins_choices(api) -> None:
    """``sync_fleet`` (each server start) leaves operators' vehicles active and a configured
    vehicle's company and use of availability as set through the API."""
    role = _company(api, "acme")
    assert _vehicle(api, role, "acme", "acme-1").status_code == 201
    r = _patch(api, "admin", "mid-1", {"companyId": "acme", "usesAvailability": True})
    assert r.status_code == 200, r.text
    api.service.sync_fleet()
    with api.store.session() as s:
        mine, mid = s.get(VehicleRow, "acme-1"), s.get(VehicleRow, "mid-1")
        assert (mine.active, mine.source, mine.company_id) == (True, "operator", "acme")
        assert (mid.active, mid.source, mid.company_id, mid.uses_availability) == (
            True, "config", "acme", True)
    # the company's operator now manages mid-1 too
    assert _rule(api, role, "mid-1", "dated", "08:00", "09:00").status_code == 201


def test_the_positions_feed_shows_a_vehicle_on_duty_only_inside_its_window(api) -> None:
    """The service's clock is 06:00: an operator's vehicle with a window 05:00-07:00 today
    is on duty in the vehicle positions feed; with only 07:00-09:00 it is not."""
    role = _company(api, "acme")
    assert _vehicle(api, role, "acme", "acme-1").status_code == 201
    today = NOW.date()
    rid = _rule(api, role, "acme-1", "dated", "05:00", "07:00", today, today).json()["id"]
    api.keys["acme-driver"] = key(api.store, "driver", vehicle_id="acme-1")
    r = api.post("/api/v1/vehicles/acme-1/events", "acme-driver",
                 {"type": "position", "lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]})
    assert r.status_code == 201, r.text

    def on_duty() -> set[str]:
        feed = api.get("/gtfs-rt/vehicle-positions", params={"format": "json"})
        assert feed.status_code == 200, feed.text
        return {e["vehicle"]["vehicle"]["id"] for e in feed.json().get("entity", [])}

    assert "acme-1" in on_duty()
    assert _rule(api, role, "acme-1", "dated", "07:00", "09:00", today, today
                 ).status_code == 201
    assert api.delete(f"/api/v1/vehicles/acme-1/availability/{rid}", role).status_code == 204
    assert "acme-1" not in on_duty()
