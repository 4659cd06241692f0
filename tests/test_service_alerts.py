"""The dispatcher's service alerts (/api/v1/service-alerts) on SQLite and PostgreSQL: an
alert entered appears in the GTFS-Realtime alerts feed with its period, effect, area's
route and texts, and leaves it when ended or over; a closure refuses quotes, bookings,
itineraries' rides and standing orders' dates in its period — not outside it, nor once
ended, nor for reduced service; only dispatchers and admins may use the API; bad input is a
4xx naming the field; the migration goes down and up again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from google.transit import gtfs_realtime_pb2 as rt

from api.store import Store
from tests.api_helpers import (
    ADDISON_TZ,
    MIDDLEBURY,
    NOW,
    VERGENNES,
    WEYBRIDGE,
    ride,
    tomorrow,
)

URL = "/api/v1/service-alerts"
AREA = "middlebury"


def body(**kw: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "area": AREA, "effect": "closure", "start": tomorrow(12), "end": tomorrow(14),
        "cause": "weather",
        "texts": [{"language": "de", "header": "Kein Rufbus wegen Glatteis",
                   "description": "Zwischen 12 und 14 Uhr fährt kein Rufbus."},
                  {"language": "en", "header": "No on-demand service: black ice"}]}
    b.update(kw)
    return {k: v for k, v in b.items() if v is not None}


def made(api, **kw: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = api.post(URL, "dispatcher", body(**kw))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def alerts_feed(api) -> rt.FeedMessage:  # type: ignore[no-untyped-def]
    r = api.client.get("/gtfs-rt/alerts")
    assert r.status_code == 200
    msg = rt.FeedMessage()
    msg.ParseFromString(r.content)
    return msg


def problem(r: Any, status: int, slug: str | None = None, field: str | None = None
            ) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    p: dict[str, Any] = r.json()
    if slug is not None:
        assert p["type"] == f"/problems/{slug}", p
    if field is not None:
        fields = [p.get("field")] + [e.get("field") for e in p.get("errors", [])]
        assert any(f is not None and f.startswith(field) for f in fields), p
    return p


def epoch(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp())


# -- entering, listing, ending; the feed ------------------------------------------------------
def test_an_alert_appears_in_the_feed_and_ends(api) -> None:  # type: ignore[no-untyped-def]
    """A closure entered for tomorrow 12–14 is listed (scheduled) and published at once as
    NO_SERVICE of the area's route and agency, with its period, cause and both languages'
    texts; ended by a dispatcher it is over and leaves the feed (ending twice changes
    nothing)."""
    a = made(api)
    assert a["status"] == "scheduled" and a["area"] == AREA and a["endedAt"] is None
    assert (a["start"], a["end"]) == (tomorrow(12), tomorrow(14))
    assert [x["id"] for x in api.get(URL, "dispatcher").json()["alerts"]] == [a["id"]]
    assert api.get(f"{URL}/{a['id']}", "admin").json() == a
    e, = alerts_feed(api).entity
    al = e.alert
    assert e.id == a["id"]
    assert [(p.start, p.end) for p in al.active_period] == [(epoch(tomorrow(12)),
                                                             epoch(tomorrow(14)))]
    assert [(s.agency_id, s.route_id) for s in al.informed_entity] == [("od", "od-" + AREA)]
    assert al.effect == rt.Alert.NO_SERVICE and al.severity_level == rt.Alert.SEVERE
    assert al.cause == rt.Alert.WEATHER
    assert [(t.language, t.text) for t in al.header_text.translation] == [
        ("de", "Kein Rufbus wegen Glatteis"), ("en", "No on-demand service: black ice")]
    assert [(t.language, t.text) for t in al.description_text.translation] == [
        ("de", "Zwischen 12 und 14 Uhr fährt kein Rufbus.")]
    api.clock.advance(300)
    ended = api.post(f"{URL}/{a['id']}/end", "dispatcher")
    assert ended.status_code == 200 and ended.json()["status"] == "over"
    assert ended.json()["endedAt"] == api.clock.now().astimezone(ADDISON_TZ).isoformat()
    again = api.post(f"{URL}/{a['id']}/end", "admin").json()
    assert again["endedAt"] == ended.json()["endedAt"]
    assert list(alerts_feed(api).entity) == []
    assert api.get(URL, "dispatcher").json()["alerts"] == []
    over = api.get(URL, "dispatcher", params={"includeOver": "true"}).json()["alerts"]
    assert [x["id"] for x in over] == [a["id"]]


def test_reduced_service_and_the_end_of_a_period(api) -> None:  # type: ignore[no-untyped-def]
    """Reduced service is REDUCED_SERVICE (WARNING) without a cause; an alert without an
    end lasts until ended; one whose period is over leaves the feed by itself, and the
    feed's timestamp is that end."""
    open_ended = made(api, effect="reduced", start=None, end=None, cause=None)
    assert open_ended["status"] == "active" and open_ended["end"] is None
    short = made(api, effect="reduced", start=None, end=tomorrow(7))
    al = {e.id: e.alert for e in alerts_feed(api).entity}
    assert set(al) == {open_ended["id"], short["id"]}
    assert al[open_ended["id"]].effect == rt.Alert.REDUCED_SERVICE
    assert al[open_ended["id"]].severity_level == rt.Alert.WARNING
    assert al[open_ended["id"]].cause == rt.Alert.UNKNOWN_CAUSE
    assert not al[open_ended["id"]].active_period[0].HasField("end")
    api.clock.set(dt.datetime.fromisoformat(tomorrow(7, 30)))
    msg = alerts_feed(api)
    assert [e.id for e in msg.entity] == [open_ended["id"]]
    assert msg.header.timestamp == epoch(tomorrow(7))


# -- closures refuse rides ----------------------------------------------------------------------
def test_a_closure_refuses_rides_in_its_period_only(api) -> None:  # type: ignore[no-untyped-def]
    """While tomorrow 12–14 is closed: a quote at 13:00 and one whose ride would run into
    the closure are refused (service-closed, naming the alert and period), a quote made
    before the closure no longer books, an itinerary's ride in the period is refused;
    rides well before and after are served; reduced service refuses nothing; once the
    closure is ended, 13:00 is served again."""
    early = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(13)))
    assert early.status_code == 201
    a = made(api)
    p = problem(api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, WEYBRIDGE,
                                                         tomorrow(13))),
                422, "service-closed", "time")
    assert p["alertId"] == a["id"] and p["closedFrom"] == tomorrow(12)
    assert p["closedUntil"] == tomorrow(14) and AREA in p["detail"]
    # picked up before noon, the ride would still run at noon
    problem(api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, VERGENNES, tomorrow(11, 55))),
            422, "service-closed", "time")
    problem(api.post("/api/v1/bookings", "rider", {"quoteId": early.json()["id"]}),
            422, "service-closed", "quoteId")
    leg = {"origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
           "destination": {"lat": WEYBRIDGE[0], "lon": WEYBRIDGE[1]},
           "pickupWindow": {"start": tomorrow(12, 30), "end": tomorrow(12, 45)},
           "dropOffWindow": {"start": tomorrow(12, 30), "end": tomorrow(13, 30)}}
    problem(api.post("/api/v1/bookings", "rider", {"itinerary": [leg]}), 422,
            "service-closed", "itinerary.0.pickupWindow")
    api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(10)))
    api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(14, 5)))
    made(api, effect="reduced", start=tomorrow(15), end=tomorrow(17))
    api.book("rider2", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(16)))
    assert api.post(f"{URL}/{a['id']}/end", "dispatcher").status_code == 200
    api.book("rider2", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(13)))


def test_a_standing_order_date_in_a_closure_is_not_served(api) -> None:  # type: ignore[no-untyped-def]
    """A standing order's date inside an all-day closure is written down not served with
    the closure's code (the rider is told why); the other dates are booked."""
    day = NOW.date() + dt.timedelta(days=2)
    made(api, start=dt.datetime.combine(day, dt.time(0), ADDISON_TZ).isoformat(),
         end=dt.datetime.combine(day, dt.time(23, 59), ADDISON_TZ).isoformat())
    r = api.post("/api/v1/standing-orders", "rider", {
        "origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
        "destination": {"lat": WEYBRIDGE[0], "lon": WEYBRIDGE[1]},
        "weekdays": [1, 2, 3, 4, 5, 6, 7], "time": "09:00", "timeType": "departure",
        "firstDate": (NOW.date() + dt.timedelta(days=1)).isoformat(),
        "lastDate": (NOW.date() + dt.timedelta(days=3)).isoformat()})
    assert r.status_code == 201, r.text
    got = {x["date"]: (x["status"], x["code"]) for x in r.json()["occurrences"]}
    assert got == {(NOW.date() + dt.timedelta(days=k)).isoformat():
                   ("not_served", "service-closed") if k == 2 else ("booked", None)
                   for k in (1, 2, 3)}


# -- who may, and what bad input gets --------------------------------------------------------------
def test_only_staff_use_the_alert_api(api) -> None:  # type: ignore[no-untyped-def]
    a = made(api)
    one, end = f"{URL}/{a['id']}", f"{URL}/{a['id']}/end"
    c = api.client
    for r in (c.post(URL, json=body()), c.get(URL), c.get(one), c.post(end),
              c.post(URL, json=body(), headers={"Authorization": "Bearer nope"})):
        problem(r, 401, "unauthorized")
    for role in ("rider", "rider2", "driver"):
        for r in (api.post(URL, role, body()), api.get(URL, role), api.get(one, role),
                  api.post(end, role)):
            problem(r, 403, "forbidden")
    assert api.get(one, "dispatcher").json()["status"] == "scheduled"  # nothing ended
    assert len(alerts_feed(api).entity) == 1
    for r in (api.get(f"{URL}/sa_nope", "dispatcher"),
              api.post(f"{URL}/sa_nope/end", "dispatcher"),
              api.post(f"{URL}/{'x' * 33}/end", "dispatcher")):
        assert r.status_code in (404, 422), r.text


BAD: list[tuple[dict[str, Any], str]] = [
    ({"start": "2026-13-01T10:00"}, "start"),
    ({"start": "tomorrow"}, "start"),
    ({"end": "0001-01-01T00:00:00+14:00"}, "end"),
    ({"start": "٢٠٢٦-١١-٢٥T12:00"}, "start"),
    ({"end": tomorrow(11)}, "end"),  # before the start
    ({"end": tomorrow(12)}, "end"),  # as the start
    ({"start": NOW.replace(hour=5).isoformat(), "end": tomorrow(9)}, "start"),  # past
    ({"start": (NOW + dt.timedelta(days=400)).isoformat(), "end": None}, "start"),
    ({"end": (NOW + dt.timedelta(days=400)).isoformat()}, "end"),
    ({"area": "atlantis"}, "area"),
    ({"area": ""}, "area"),
    ({"area": 7}, "area"),
    ({"effect": "apocalypse"}, "effect"),
    ({"cause": "aliens"}, "cause"),
    ({"texts": []}, "texts"),
    ({"texts": None}, "texts"),
    ({"texts": [{"language": "en", "header": "x" * 201}]}, "texts.0.header"),
    ({"texts": [{"language": "en", "header": "   "}]}, "texts.0.header"),
    ({"texts": [{"language": "en", "header": "ok", "description": "y" * 2001}]},
     "texts.0.description"),
    ({"texts": [{"language": "en", "header": "Closed\u202e desolC"}]}, "texts.0.header"),
    ({"texts": [{"language": "en", "header": "a\x00b"}]}, "texts.0.header"),
    ({"texts": [{"language": "en", "header": "zero\u200bwidth"}]}, "texts.0.header"),
    ({"texts": [{"language": "en", "header": "ok", "description": "line\nbreak"}]},
     "texts.0.description"),
    ({"texts": [{"language": "english!", "header": "ok"}]}, "texts.0.language"),
    ({"texts": [{"language": "en", "header": "a"}, {"language": "EN", "header": "b"}]},
     "texts.1.language"),
    ({"texts": [{"language": f"l{chr(97 + k)}", "header": "h"} for k in range(6)]},
     "texts"),
    ({"texts": [{"language": "en", "header": "ok", "extra": 1}]}, "texts.0.extra"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_alerts_are_422_naming_the_field(api, change: dict[str, Any], field: str  # type: ignore[no-untyped-def]
                                             ) -> None:
    problem(api.post(URL, "dispatcher", body(**change)), 422, field=field)
    assert api.get(URL, "dispatcher", params={"includeOver": "true"}).json()["alerts"] == []


def test_odd_but_fine_texts_and_huge_bodies(api) -> None:  # type: ignore[no-untyped-def]
    """Any script is fine (emoji with joiners, Arabic, a regional tag); a body beyond the
    API's limit is 413, a bad list parameter 422."""
    a = made(api, texts=[{"language": "ar", "header": "لا توجد خدمة"},
                         {"language": "sr-Latn", "header": "Nema prevoza 👩\u200d🦽"}])
    al = alerts_feed(api).entity[0].alert
    assert [t.text for t in al.header_text.translation] == [t["header"] for t in a["texts"]]
    r = api.post(URL, "dispatcher", body(texts=[{"language": "en", "header": "x",
                                                 "description": "y" * 200_000}]))
    assert r.status_code == 413
    for params in ({"limit": 0}, {"limit": 10**9}, {"includeOver": "perhaps"}):
        assert api.get(URL, "dispatcher", params=params).status_code == 422


# -- the store ------------------------------------------------------------------------------------
def test_the_migration_goes_down_and_up(store: Store) -> None:
    """0008 adds the alerts' and the feeds' secret tables and removes them going down (SQLite
    and PostgreSQL)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from api.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert {"service_alerts", "feed_secrets"} <= set(inspect(store.engine).get_table_names())
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007_the_ride")
    tables = set(inspect(store.engine).get_table_names())
    assert "service_alerts" not in tables and "feed_secrets" not in tables
    assert "late_alerts" in tables
    store.migrate()
    assert {"service_alerts", "feed_secrets"} <= set(inspect(store.engine).get_table_names())
