"""The standing orders' HTTP API (issue 18): ``/api/v1/standing-orders`` — a rider orders
for themself, a dispatcher for a caller; each answer lists the dates (booked with their
pickup window, not served with the reason, still to come); one date or the series is
cancelled. Every endpoint refuses a missing key (401), a driver's key (403) and another
rider's order (404), and answers bad input with a problem (422), never a 500. On SQLite and
PostgreSQL, on the tests' fixed clock (Tuesday 24 November 2026, 06:00)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import inspect, text

from mobility.public_holidays import calendar, code_for
from tests.api_helpers import ADDISON_TZ, EAST_MIDDLEBURY, MIDDLEBURY, ApiUnderTest

URL = "/api/v1/standing-orders"


@pytest.fixture(autouse=True)
def _holidays(api: ApiUnderTest, addison: Any) -> None:
    """The region's public holidays, as ``mobility serve`` hands them to the service (its
    region.toml says US-VT)."""
    api.service.holiday = calendar(code_for(None, addison.config))


def _body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
        "destination": {"lat": EAST_MIDDLEBURY[0], "lon": EAST_MIDDLEBURY[1]},
        "weekdays": [1, 3, 5], "time": "07:30", "timeType": "departure",
        "firstDate": "2026-11-25", "lastDate": "2026-12-15"}
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def _made(api: ApiUnderTest, role: str = "rider", **kw: Any) -> dict[str, Any]:
    r = api.post(URL, role, _body(**kw))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _problem(r: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


def test_a_rider_orders_sees_and_cancels(api: ApiUnderTest) -> None:
    o = _made(api)
    assert o["status"] == "active" and o["riderId"] == api.rider_id()
    assert o["weekdays"] == [1, 3, 5] and o["time"] == "07:30"
    assert o["riderName"] == "Erika Muster"
    booked = [x for x in o["occurrences"] if x["status"] == "booked"]
    assert [x["date"] for x in booked] == ["2026-11-25", "2026-11-27", "2026-11-30",
                                           "2026-12-02", "2026-12-04", "2026-12-07"]
    for x in booked:  # the booking and its pickup window, from 07:30 local time
        start = dt.datetime.fromisoformat(x["pickupWindow"]["start"]).astimezone(ADDISON_TZ)
        assert (start.date().isoformat(), start.time()) == (x["date"], dt.time(7, 30))
        b = api.get(f"/api/v1/bookings/{x['bookingId']}", "rider")
        assert b.status_code == 200 and b.json()["status"] == "confirmed"
        assert x["bookingStatus"] == "confirmed"
    assert [x["status"] for x in o["occurrences"][len(booked):]] == ["scheduled"] * 3
    # listed, and read alone
    listed = api.get(URL, "rider").json()["standingOrders"]
    assert [x["id"] for x in listed] == [o["id"]]
    assert api.get(f"{URL}/{o['id']}", "rider").json() == o
    # one date cancelled: its booking only
    day = booked[2]
    r = api.delete(f"{URL}/{o['id']}/occurrences/{day['date']}", "rider")
    assert r.status_code == 200, r.text
    assert {x["date"]: x["status"] for x in r.json()["occurrences"]}[day["date"]] == "cancelled"
    assert api.get(f"/api/v1/bookings/{day['bookingId']}", "rider").json()["status"] == \
        "cancelled"
    assert api.get(f"/api/v1/bookings/{booked[3]['bookingId']}", "rider").json()["status"] == \
        "confirmed"
    # the series
    r = api.delete(f"{URL}/{o['id']}", "rider")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    for x in booked:
        assert api.get(f"/api/v1/bookings/{x['bookingId']}", "rider").json()["status"] == \
            "cancelled"
    assert api.get(URL, "rider", params={"status": "active"}).json()["standingOrders"] == []


def test_a_dispatcher_orders_for_a_caller(api: ApiUnderTest) -> None:
    rider = api.rider_id("rider2")
    o = _made(api, "dispatcher", riderId=rider, note="rings twice", time="13:00",
              weekdays=[2, 4], lastDate="2026-12-03")
    assert o["riderId"] == rider and o["note"] == "rings twice"
    days = {x["date"]: x for x in o["occurrences"]}
    assert days["2026-11-26"]["status"] == "skipped"  # Thanksgiving (region: US-VT)
    assert "Thanksgiving" in days["2026-11-26"]["reason"]
    assert days["2026-11-26"]["code"] == "holiday"
    b = api.get(f"/api/v1/bookings/{days['2026-12-01']['bookingId']}", "dispatcher").json()
    assert b["note"] == "rings twice" and b["riderId"] == rider
    # the caller sees it, the other rider does not; staff find it by rider
    assert [x["id"] for x in api.get(URL, "rider2").json()["standingOrders"]] == [o["id"]]
    assert api.get(URL, "rider").json()["standingOrders"] == []
    by_rider = api.get(URL, "dispatcher", params={"riderId": rider}).json()
    assert [x["id"] for x in by_rider["standingOrders"]] == [o["id"]]
    assert api.get(URL, "dispatcher", params={"riderId": api.rider_id()}
                   ).json()["standingOrders"] == []


def test_a_date_not_served_says_why(api: ApiUnderTest) -> None:
    o = _made(api, time="23:30", lastDate="2026-11-27")
    assert [(x["status"], x["code"]) for x in o["occurrences"]] == [
        ("not_served", "outside-service-hours")] * 2
    assert all("served 06:00–20:00" in x["reason"] and x["bookingId"] is None
               for x in o["occurrences"])


def test_keys_roles_and_other_riders(api: ApiUnderTest) -> None:
    o = _made(api)
    one, date = f"{URL}/{o['id']}", f"{URL}/{o['id']}/occurrences/2026-11-30"
    c = api.client
    for r in (c.post(URL, json=_body()), c.get(URL), c.get(one), c.delete(one),
              c.delete(date)):
        _problem(r, 401, "unauthorized")
    for r in (api.post(URL, "driver", _body()), api.get(URL, "driver"),
              api.get(one, "driver"), api.delete(one, "driver"), api.delete(date, "driver")):
        _problem(r, 403, "forbidden")
    # another rider's order is not theirs to see, cancel or even know of
    for r in (api.get(one, "rider2"), api.delete(one, "rider2"), api.delete(date, "rider2")):
        _problem(r, 404, "not-found")
    assert api.get(one, "rider").json()["status"] == "active"
    assert {x["status"] for x in api.get(one, "rider").json()["occurrences"]} == {
        "booked", "scheduled"}
    # a rider orders for themself only, and writes no note for the driver
    _problem(api.post(URL, "rider", _body(riderId=api.rider_id("rider2"))), 403)
    _problem(api.post(URL, "rider", _body(note="hello")), 403)
    # staff name the rider, an existing one
    _problem(api.post(URL, "dispatcher", _body()), 422, "validation")
    _problem(api.post(URL, "dispatcher", _body(riderId="r_nobody")), 422, "unknown-rider")
    # a rider filtering by another rider sees their own only
    mine = api.get(URL, "rider2", params={"riderId": api.rider_id()}).json()
    assert mine["standingOrders"] == []


@pytest.mark.parametrize(("change", "slug", "field"), [
    ({"weekdays": [0]}, "validation", "weekdays.0"),
    ({"weekdays": [8]}, "validation", "weekdays.0"),
    ({"weekdays": []}, "validation", "weekdays"),
    ({"weekdays": [1, 2, 3, 4, 5, 6, 7, 1]}, "validation", "weekdays"),
    ({"weekdays": ["1"]}, "validation", "weekdays.0"),
    ({"lastDate": "2026-11-24", "firstDate": "2026-11-25"}, "date-order", "lastDate"),
    ({"firstDate": "2026-11-20"}, "date-in-past", "firstDate"),
    ({"firstDate": "2026-02-30"}, "validation", "firstDate"),
    ({"lastDate": "2027-12-01"}, "range-too-long", "lastDate"),
    ({"passengers": 1_000_000_000}, "validation", "passengers"),
    ({"passengers": "2"}, "validation", "passengers"),
    ({"passengers": 0}, "validation", "passengers"),
    ({"time": "7:30"}, "validation", "time"),
    ({"time": "24:00"}, "validation", "time"),
    ({"time": "07:30:00"}, "validation", "time"),
    ({"timeType": "soon"}, "validation", "timeType"),
    ({"wheelchair": "yes"}, "validation", "wheelchair"),
    ({"origin": {"lat": 44.5, "lon": -72.5}}, "outside-service-area", "origin"),
    ({"origin": {"lat": 91, "lon": 0}}, "validation", "origin.lat"),
    ({"riderId": "r_\u202eevil"}, "validation", "riderId"),
    ({"unknown": 1}, "validation", "unknown"),
])
def test_bad_orders_get_a_problem(api: ApiUnderTest, change: dict[str, Any], slug: str,
                                  field: str) -> None:
    body = _problem(api.post(URL, "rider", _body(**change)), 422, slug)
    fields = [body.get("field")] + [e.get("field") for e in body.get("errors", [])]
    assert field in fields, body
    assert api.get(URL, "rider").json()["standingOrders"] == []  # nothing half-written


def test_odd_unicode_in_a_note_is_refused(api: ApiUnderTest) -> None:
    rider = api.rider_id()
    for note in ("gnu\u202eM", "a\u0000b", "zero\u200bwidth", "x" * 301):
        _problem(api.post(URL, "dispatcher", _body(riderId=rider, note=note)), 422,
                 "validation")
    # scripts' joiners and emoji are text like any other
    o = _made(api, "dispatcher", riderId=rider, note="Rollator 👩\u200d🦯 · Ölmühle")
    assert o["note"] == "Rollator 👩\u200d🦯 · Ölmühle"


def test_unknown_orders_and_dates(api: ApiUnderTest) -> None:
    o = _made(api)
    _problem(api.get(f"{URL}/so_nothing", "rider"), 404, "not-found")
    _problem(api.delete(f"{URL}/so_nothing", "dispatcher"), 404, "not-found")
    _problem(api.get(f"{URL}/{'x' * 33}", "rider"), 422, "validation")
    base = f"{URL}/{o['id']}/occurrences"
    tuesday = _problem(api.delete(f"{base}/2026-12-01", "rider"), 404, "not-found")
    assert tuesday["detail"] == (f"2026-12-01 is not a date of standing order {o['id']} "
                                 "(Monday, Wednesday, Friday from 2026-11-25 to 2026-12-15)")
    _problem(api.delete(f"{base}/2027-01-04", "rider"), 404, "not-found")  # after the last
    _problem(api.delete(f"{base}/2026-13-01", "rider"), 422, "validation")
    _problem(api.delete(f"{base}/tomorrow", "rider"), 422, "validation")
    _problem(api.get(URL, "dispatcher", params={"limit": 0}), 422, "validation")
    _problem(api.get(URL, "dispatcher", params={"status": "gone"}), 422, "validation")
    # a date cancelled twice, the series twice: the same answer
    first = api.delete(f"{base}/2026-12-14", "rider")
    again = api.delete(f"{base}/2026-12-14", "rider")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert api.delete(f"{URL}/{o['id']}", "rider").json() == \
        api.delete(f"{URL}/{o['id']}", "rider").json()


def test_export_holds_the_orders(api: ApiUnderTest) -> None:
    home, clinic = (44.0089, -73.1794), (44.0196, -73.1587)
    o = _made(api, origin={"lat": home[0], "lon": home[1]},
              destination={"lat": clinic[0], "lon": clinic[1]})
    doc = api.get(f"/api/v1/riders/{api.rider_id()}/export", "rider").json()
    assert [x["id"] for x in doc["tables"]["standing_orders"]] == [o["id"]]
    assert len(doc["tables"]["standing_occurrences"]) == 6
    refused = _problem(api.delete(f"/api/v1/riders/{api.rider_id()}", "rider"), 409,
                       "rides-active")
    assert len(refused["bookingIds"]) == 6
    api.delete(f"{URL}/{o['id']}", "rider")
    gone = api.delete(f"/api/v1/riders/{api.rider_id()}", "dispatcher")
    assert gone.status_code == 200 and gone.json()["standingOrdersDeleted"] == 1
    # the ends of the ride she took every week are nowhere any more (her rides are kept
    # with coarse ends)
    exact = [*home, *clinic]
    with api.store.engine.connect() as c:
        for table in inspect(c).get_table_names():
            for row in c.execute(text(f'SELECT * FROM "{table}"')).mappings():
                assert not any(isinstance(v, float) and v in exact for v in row.values()), \
                    (table, dict(row))
