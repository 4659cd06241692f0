"""The dispatch desk through the app, on SQLite and PostgreSQL: a no-show only from the pickup
window's start (and it never moves the vehicle), riders' names and phones on finished
bookings until they are forgotten, finding a caller again by name or phone number, and a note
for the driver per booking — each new field and endpoint also against hostile input."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select, text

from api.service.privacy import ANONYMOUS_RIDER, apply_retention
from api.store import Store
from api.store.db import MIGRATIONS
from api.store.models import Booking, Rider
from tests.api_helpers import BRISTOL, MIDDLEBURY, VERGENNES, WEYBRIDGE, ride, tomorrow

CALLERS = [("Jürgen Müller", "+49 6221 555-0177"), ("Jurgen Muller-Lüdenscheidt", "0621 4711"),
           ("Renée Strauß", "+1 (802) 555 0199"), ("ANNA O'NEIL", None),
           ("100% Müller_", "+1 802 555 0100")]


def _riders(api) -> int:  # type: ignore[no-untyped-def]
    with api.store.snapshot() as s:
        return int(s.scalar(select(func.count()).select_from(Rider)))


def _new_rider(api, name: str, phone: str | None = None) -> str:  # type: ignore[no-untyped-def]
    r = api.post("/api/v1/riders", "dispatcher", {"name": name, "phone": phone})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _book_for(api, rider: str, when: str, note: str | None = None,  # type: ignore[no-untyped-def]
              a: tuple[float, float] = MIDDLEBURY, b: tuple[float, float] = WEYBRIDGE
              ) -> dict[str, Any]:
    q = api.post("/api/v1/quotes", "dispatcher", ride(a, b, when, riderId=rider))
    assert q.status_code == 201, q.text
    body: dict[str, Any] = {"quoteId": q.json()["id"]}
    if note is not None:
        body["note"] = note
    r = api.post("/api/v1/bookings", "dispatcher", body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _event(api, vid: str, kind: str, role: str = "dispatcher", **body: Any):  # type: ignore[no-untyped-def]
    return api.post(f"/api/v1/vehicles/{vid}/events", role, {"type": kind, **body})


def _manifest(api, vid: str, role: str = "dispatcher") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    day = dt.datetime.fromisoformat(tomorrow(8)).date().isoformat()
    r = api.get(f"/api/v1/vehicles/{vid}/manifest", role, params={"date": day})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _history(api, bid: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [h["status"] for h in api.get(f"/api/v1/bookings/{bid}", "dispatcher").json()[
        "history"]]


# -- no-show ----------------------------------------------------------------------------------
def test_a_no_show_is_refused_before_the_pickup_window_starts(api) -> None:  # type: ignore[no-untyped-def]
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    start = dt.datetime.fromisoformat(b["pickupWindow"]["start"])
    assert b["noShowFrom"] == b["pickupWindow"]["start"] and start.hour == 9
    listed = api.get("/api/v1/bookings", "dispatcher").json()
    assert dt.datetime.fromisoformat(listed["now"]) == api.clock.now()
    vid = b["vehicleId"]
    before = _manifest(api, vid)
    for at in (api.clock.now(), start - dt.timedelta(seconds=1)):
        api.clock.set(at)
        # the driver's app claiming the window's start does not count: the server's clock
        for body in ({}, {"time": start.isoformat()}):
            r = _event(api, vid, "no_show", bookingId=b["id"], **body)
            assert r.status_code == 409, r.text
            p = r.json()
            assert p["type"] == "/problems/no-show-too-early" and p["field"] == "type"
            assert p["title"] == "Too early for a no-show"
            assert "09:00" in p["detail"] and "Wednesday 25 November 2026" in p["detail"]
            assert p["noShowFrom"] == b["pickupWindow"]["start"]
    assert _history(api, b["id"]) == ["confirmed"]  # nothing written
    assert _manifest(api, vid)["stops"] == before["stops"]
    api.clock.set(start)
    # nor an event dated before the window, sent once the window has begun
    early = _event(api, vid, "no_show", bookingId=b["id"],
                   time=(start - dt.timedelta(minutes=1)).isoformat())
    assert early.status_code == 409
    r = _event(api, vid, "no_show", bookingId=b["id"])
    assert r.status_code == 201 and r.json()["bookingStatus"] == "no_show"
    got = api.get(f"/api/v1/bookings/{b['id']}", "rider").json()
    assert got["status"] == "no_show" and got["noShowFrom"] is None


def test_a_no_show_never_moves_the_vehicle(api) -> None:  # type: ignore[no-untyped-def]
    """Only the driver's reports say where the vehicle is: recorded from the desk, a no-show
    leaves its position as it was — none reported, or the last one."""
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    _, c = api.book("rider2", ride(BRISTOL, VERGENNES, tomorrow(11)))
    assert b["vehicleId"] == "mid-1"
    assert _manifest(api, "mid-1")["position"] is None
    api.clock.set(dt.datetime.fromisoformat(tomorrow(9, 5)))
    assert _event(api, "mid-1", "no_show", bookingId=b["id"]).status_code == 201
    assert _manifest(api, "mid-1")["position"] is None
    # a position reported, then another rider's no-show: the position stays
    there = (44.0089, -73.1794)
    r = _event(api, c["vehicleId"], "position", "dispatcher", lat=there[0], lon=there[1])
    assert r.status_code == 201, r.text
    api.clock.set(dt.datetime.fromisoformat(c["pickupWindow"]["start"]))
    assert _event(api, c["vehicleId"], "no_show", bookingId=c["id"]).status_code == 201
    m = _manifest(api, c["vehicleId"])
    assert (m["position"]["lat"], m["position"]["lon"]) == there


# -- names and phones on finished bookings ------------------------------------------------------
def test_finished_bookings_keep_the_riders_name_and_phone(api) -> None:  # type: ignore[no-untyped-def]
    """Cancelled, no-show and completed bookings still name their rider (to the rider and
    staff) until the rider is forgotten or the retention period ends."""
    _, cancelled = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    _, noshow = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(12)))
    _, done = api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(15)))
    assert api.delete(f"/api/v1/bookings/{cancelled['id']}", "rider").status_code == 200
    api.clock.set(dt.datetime.fromisoformat(tomorrow(12, 5)))
    assert _event(api, noshow["vehicleId"], "no_show", bookingId=noshow["id"]).status_code == 201
    api.clock.set(dt.datetime.fromisoformat(done["estimatedPickup"]))
    for kind in ("picked_up", "dropped_off"):
        assert _event(api, done["vehicleId"], kind, bookingId=done["id"]).status_code == 201
    ids = {cancelled["id"]: "cancelled", noshow["id"]: "no_show", done["id"]: "completed"}
    for role in ("rider", "dispatcher", "admin"):
        listed = {b["id"]: b for b in api.get("/api/v1/bookings", role).json()["bookings"]}
        for bid, status in ids.items():
            one = api.get(f"/api/v1/bookings/{bid}", role).json()
            for b in (listed[bid], one):
                assert b["status"] == status
                assert (b["riderName"], b["riderPhone"]) == ("Erika Muster", "+49 170 1234567")
    assert api.get(f"/api/v1/bookings/{done['id']}", "rider2").status_code == 404
    # retention over: the rides name nobody (the account stays)
    api.clock.advance(92 * 86400)
    assert apply_retention(api.store, api.service.timing, 90).bookings == 3
    for bid in ids:
        b = api.get(f"/api/v1/bookings/{bid}", "dispatcher").json()
        assert b["riderId"] == ANONYMOUS_RIDER and b["riderName"] is b["riderPhone"] is None


def test_forgetting_a_rider_removes_their_name_and_notes(api) -> None:  # type: ignore[no-untyped-def]
    rid = _new_rider(api, "Hildegard Anrufer", "+1 802 555 0177")
    b = _book_for(api, rid, tomorrow(9), note="rings twice, dog in the yard")
    assert (b["riderName"], b["note"]) == ("Hildegard Anrufer", "rings twice, dog in the yard")
    assert api.delete(f"/api/v1/bookings/{b['id']}", "dispatcher").status_code == 200
    assert api.get(f"/api/v1/bookings/{b['id']}", "dispatcher").json()["riderName"] == (
        "Hildegard Anrufer")
    assert api.delete(f"/api/v1/riders/{rid}", "dispatcher").status_code == 200
    got = api.get(f"/api/v1/bookings/{b['id']}", "dispatcher").json()
    assert got["riderName"] is got["riderPhone"] is got["note"] is None
    with api.store.snapshot() as s:
        assert s.get(Booking, b["id"]).note is None  # type: ignore[union-attr]
    found = api.get("/api/v1/riders", "dispatcher", params={"q": "Hildegard"}).json()
    assert found["riders"] == []
    found = api.get("/api/v1/riders", "dispatcher", params={"q": "5550177"}).json()
    assert found["riders"] == []


# -- finding a caller again ---------------------------------------------------------------------
def _fold(s: str) -> str:
    """Independently of the store: case- and accent-free, words single-spaced."""
    s = unicodedata.normalize("NFKD", s)
    return " ".join("".join(c for c in s if unicodedata.category(c) != "Mn").casefold().split())


def _expected(query: str, people: dict[str, tuple[str, str | None]]) -> set[str]:
    words = query.split()
    phone_words = [w for w in words if any(c.isdigit() for c in w)
                   and all(c.isdigit() or c in "+()./-" for c in w)]
    name_words = [_fold(w) for w in words if w not in phone_words]
    digits = "".join(c for w in phone_words for c in w if c.isdigit())
    if len(digits) < 3:
        name_words += [digits] if digits else []
        digits = ""
    return {rid for rid, (name, phone) in people.items()
            if all(w in _fold(name) for w in name_words)
            and (not digits or digits in "".join(c for c in phone or "" if c.isdigit()))}


@pytest.mark.parametrize("query", ["müller", "MULLER", "Muller", "jurgen mu", "jürgen müller",
                                   "  jurgen   muller ", "renee", "STRAUSS", "strauß",
                                   "o'neil", "555 0177", "5550177", "+49 (6221) 555-0177",
                                   "0177", "555", "4711", "muller 0177", "802 555",
                                   "100%", "%%", "__", "müller_", "nobody", "06214711"])
def test_a_caller_is_found_by_name_or_phone(api, query: str) -> None:  # type: ignore[no-untyped-def]
    people = {_new_rider(api, n, p): (n, p) for n, p in CALLERS}
    r = api.get("/api/v1/riders", "dispatcher", params={"q": query})
    assert r.status_code == 200, r.text
    got = r.json()["riders"]
    assert {x["id"] for x in got} == _expected(query, people), query
    for x in got:
        assert (x["name"], x["phone"]) == people[x["id"]]


def test_the_search_is_for_staff_and_checks_its_input(api) -> None:  # type: ignore[no-untyped-def]
    for name, phone in CALLERS:
        _new_rider(api, name, phone)
    ok = api.get("/api/v1/riders", "admin", params={"q": "muller", "limit": 1})
    assert ok.status_code == 200 and len(ok.json()["riders"]) == 1
    assert ok.headers["cache-control"] == "no-store"
    for role in ("rider", "driver"):
        r = api.get("/api/v1/riders", role, params={"q": "muller"})
        assert r.status_code == 403 and "muller" not in r.text.lower(), r.text
    assert api.client.get("/api/v1/riders", params={"q": "muller"}).status_code == 401
    bad = {"": "q", "m": "q", "1 2": "q", "x" * 101: "q", "mül\u202eler": "q",
           "mül\x00ler": "q"}
    for q, field in bad.items():
        r = api.get("/api/v1/riders", "dispatcher", params={"q": q})
        assert r.status_code == 422, (q, r.text)
        body = r.json()
        assert body.get("field") == field or any(
            e.get("field") == field for e in body.get("errors", [])), body
    short = api.get("/api/v1/riders", "dispatcher", params={"q": "m"}).json()
    assert short["type"] == "/problems/query-too-short"
    assert "2 letters" in short["detail"] and "3 digits" in short["detail"]
    assert api.get("/api/v1/riders", "dispatcher").status_code == 422  # no q
    for limit in ("0", "51", "x", "1.5"):
        r = api.get("/api/v1/riders", "dispatcher", params={"q": "muller", "limit": limit})
        assert r.status_code == 422, limit
    # odd but printable: found by what it holds, never an error
    for q in ("👍👍", "名前", "Ωμέγα", "a\u0301b\u0301", "' OR 1=1 --", "\\\\"):
        r = api.get("/api/v1/riders", "dispatcher", params={"q": q})
        assert r.status_code == 200 and r.json()["riders"] == [], (q, r.text)


def test_a_second_call_books_for_the_same_rider(api) -> None:  # type: ignore[no-untyped-def]
    rid = _new_rider(api, "Hildegard Anrufer", "+1 802 555 0177")
    first = _book_for(api, rid, tomorrow(9))
    n = _riders(api)
    by_name = api.get("/api/v1/riders", "dispatcher", params={"q": "hilde"}).json()["riders"]
    by_phone = api.get("/api/v1/riders", "dispatcher", params={"q": "555-0177"}).json()[
        "riders"]
    assert [x["id"] for x in by_name] == [x["id"] for x in by_phone] == [rid]
    second = _book_for(api, by_phone[0]["id"], tomorrow(14), b=BRISTOL)
    assert second["riderId"] == first["riderId"] == rid and _riders(api) == n
    assert {b["id"] for b in api.get("/api/v1/bookings", "dispatcher").json()["bookings"]
            if b["riderId"] == rid} == {first["id"], second["id"]}


# -- the note for the driver --------------------------------------------------------------------
def test_the_note_reaches_the_driver_and_the_export(api) -> None:  # type: ignore[no-untyped-def]
    rid = _new_rider(api, "Hildegard Anrufer", "+1 802 555 0177")
    b = _book_for(api, rid, tomorrow(9), note="  Rings twice; walker in the boot 🦯  ")
    note = "Rings twice; walker in the boot 🦯"
    assert b["note"] == note
    stops = [s for s in _manifest(api, b["vehicleId"])["stops"] if s["bookingId"] == b["id"]]
    assert [(s["kind"], s["note"]) for s in stops] == [("pickup", note), ("dropoff", note)]
    if b["vehicleId"] == "mid-1":  # the driver's own view of the stops
        assert [s["note"] for s in _manifest(api, "mid-1", "driver")["stops"]
                if s["bookingId"] == b["id"]] == [note, note]
    export = api.get(f"/api/v1/riders/{rid}/export", "dispatcher").json()
    assert [x["note"] for x in export["tables"]["bookings"]] == [note]
    # changed afterwards by the dispatcher, then removed
    longest = "é" * 300  # 300 characters (each one code point, two UTF-8 bytes)
    for new, stored in (("Gate code 4711", "Gate code 4711"), (longest, longest),
                        ("   ", None), ("back again", "back again"), (None, None)):
        r = api.client.patch(f"/api/v1/bookings/{b['id']}", json={"note": new},
                             headers=api.h("dispatcher"))
        assert r.status_code == 200, r.text
        assert r.json()["note"] == stored
        assert api.get(f"/api/v1/bookings/{b['id']}", "dispatcher").json()["note"] == stored
        assert [s["note"] for s in _manifest(api, b["vehicleId"])["stops"]
                if s["bookingId"] == b["id"]] == [stored, stored]


def test_an_itinerary_booked_by_a_dispatcher_carries_the_note(api) -> None:  # type: ignore[no-untyped-def]
    rid = _new_rider(api, "Hildegard Anrufer")
    leg = {"origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
           "destination": {"lat": WEYBRIDGE[0], "lon": WEYBRIDGE[1]},
           "pickupWindow": {"start": tomorrow(10), "end": tomorrow(10, 15)},
           "dropOffWindow": {"start": tomorrow(10), "end": None}}
    r = api.post("/api/v1/bookings", "dispatcher", {"itinerary": [leg], "riderId": rid,
                                                    "note": "wheelchair ramp at the back"})
    assert r.status_code == 201, r.text
    assert [b["note"] for b in r.json()["bookings"]] == ["wheelchair ramp at the back"]
    # a rider's own itinerary with a note: refused, nothing booked
    r = api.post("/api/v1/bookings", "rider", {"itinerary": [leg], "note": "hi"})
    assert r.status_code == 403 and r.json()["field"] == "note"
    assert api.get("/api/v1/bookings", "rider").json()["bookings"] == []


def _patch(api, bid: str, body: Any, role: str | None = "dispatcher"):  # type: ignore[no-untyped-def]
    return api.client.patch(f"/api/v1/bookings/{bid}", json=body,
                            headers=api.h(role) if role else {})


def test_notes_refuse_hostile_input_and_write_nothing(api) -> None:  # type: ignore[no-untyped-def]
    rid = _new_rider(api, "Hildegard Anrufer")
    b = _book_for(api, rid, tomorrow(9), note="keep me")
    _, own = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(12)))
    # who: riders (their own booking too), drivers and nobody may not write notes
    for role, status in (("rider", 403), ("rider2", 403), ("driver", 403), (None, 401)):
        for bid in (b["id"], own["id"]):
            assert _patch(api, bid, {"note": "x"}, role).status_code == status, (role, bid)
    # what: wrong types, too long, invisible or control characters, unknown fields
    for body in ({"note": 5}, {"note": ["x"]}, {"note": {"t": "x"}}, {"note": True},
                 {"note": "x" * 301}, {"note": "a\nb"}, {"note": "a\tb"}, {"note": "\u202egnuM"},
                 {"note": "a\u200bb"}, {"note": "a\x00b"}, {},
                 {"note": "x", "status": "cancelled"}, {"Note": "x"}, [], "x", None):
        r = _patch(api, b["id"], body)
        assert r.status_code == 422, (body, r.text)
    for raw, status in ((b'{"note": "x"', 400), (b'{"note": "a\\ud800b"}', 422),
                        (b'{"note": "\xff"}', 400)):
        r = api.client.patch(f"/api/v1/bookings/{b['id']}", content=raw, headers={
            **api.h("dispatcher"), "Content-Type": "application/json"})
        assert r.status_code == status, (raw, r.text)
    big = api.client.patch(f"/api/v1/bookings/{b['id']}", json={"note": "x" * 200_000},
                           headers=api.h("dispatcher"))
    assert big.status_code in (413, 422)
    # which: unknown ids, another booking's status
    assert _patch(api, "b_nobody", {"note": "x"}).status_code == 404
    assert _patch(api, "x" * 5000, {"note": "x"}).status_code in (404, 414, 422)
    assert api.delete(f"/api/v1/bookings/{own['id']}", "rider").status_code == 200
    r = _patch(api, own["id"], {"note": "x"})
    assert r.status_code == 409 and r.json()["type"] == "/problems/ride-finished"
    assert "cancelled" in r.json()["detail"]
    with api.store.snapshot() as s:
        assert s.get(Booking, b["id"]).note == "keep me"  # type: ignore[union-attr]
        assert s.get(Booking, own["id"]).note is None  # type: ignore[union-attr]
    # a rider's note when booking: refused before anything is booked
    q = api.post("/api/v1/quotes", "rider", ride(BRISTOL, MIDDLEBURY, tomorrow(15))).json()
    r = api.post("/api/v1/bookings", "rider", {"quoteId": q["id"], "note": "hello driver"})
    assert r.status_code == 403 and r.json()["field"] == "note"
    ok = api.post("/api/v1/bookings", "rider", {"quoteId": q["id"]})
    assert ok.status_code == 201 and ok.json()["note"] is None  # the quote was still free
    for k, note in enumerate(("x" * 301, "a\nb", 7)):
        q = api.post("/api/v1/quotes", "dispatcher",
                     ride(MIDDLEBURY, WEYBRIDGE, tomorrow(16 + k), riderId=rid)).json()
        r = api.post("/api/v1/bookings", "dispatcher", {"quoteId": q["id"], "note": note})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note", r.text
        assert api.post("/api/v1/bookings", "dispatcher", {"quoteId": q["id"]}
                        ).status_code == 201  # nothing half-written: the quote still books


# -- the store --------------------------------------------------------------------------------
def test_the_migration_makes_stored_riders_searchable(store: Store) -> None:
    """Riders stored before the search existed are found after the upgrade (SQLite and
    PostgreSQL; the downgrade goes back cleanly)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004_rider_privacy")
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO riders (id, name, phone, created_at) VALUES "
                          "('r_old', 'Zoë  GRÜNEWALD', '+49 (6221) 55-01', :t), "
                          "('r_none', NULL, NULL, :t)"),
                     {"t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})
    store.migrate()
    with store.snapshot() as s:
        rows = dict(s.execute(select(Rider.id, Rider.search_name).order_by(Rider.id)).all())
        digits = dict(s.execute(select(Rider.id, Rider.phone_digits)).all())
    assert rows == {"r_none": None, "r_old": "zoe grunewald"}
    assert digits == {"r_none": None, "r_old": "4962215501"}
