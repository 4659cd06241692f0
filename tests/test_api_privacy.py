"""Riders' data lifecycle on SQLite and PostgreSQL: the export holds every row stored about a
rider; forgetting a rider leaves no name, phone, exact address or link to them anywhere in the
database while trip counts, kilometres and times stay; the retention period anonymises past
rides by itself; the CLI does the same."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from api import ApiConfig, create_app
from api.service.privacy import ANONYMOUS_RIDER, apply_retention, coarse, direct_m
from api.store import Store
from api.store.models import ApiKey, Base, Booking, BookingStatus, PlanStop, Quote
from tests.api_helpers import BRISTOL, MIDDLEBURY, NOW, WEYBRIDGE, key, ride, tomorrow
from tests.conftest import CACHE, DATA, booking_service
from tests.server_process import ROOT

#: Erika's own addresses: used by nobody else (no depot, no other rider)
HOME = (44.0089, -73.1794)
DOCTOR = (44.0196, -73.1587)
SHOP = (44.0031, -73.1652)
NAME, PHONE, IDEM = "Erika Muster", "+49 170 1234567", "erika-trip-7f3a"


def _event(api, vid: str, kind: str, **body: Any):  # type: ignore[no-untyped-def]
    r = api.post(f"/api/v1/vehicles/{vid}/events", "dispatcher", {"type": kind, **body})
    assert r.status_code == 201, r.text
    return r.json()


def _leg(origin: tuple[float, float], dest: tuple[float, float], h: int) -> dict[str, Any]:
    return {"origin": {"lat": origin[0], "lon": origin[1]},
            "destination": {"lat": dest[0], "lon": dest[1]},
            "pickupWindow": {"start": tomorrow(h), "end": tomorrow(h, 15)},
            "dropOffWindow": {"start": tomorrow(h), "end": tomorrow(h + 1)}}


def _erikas_history(api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Erika's rides: one completed (the driver reported pickup, a position on the way and
    drop-off, each at her exact addresses), one cancelled, an itinerary's leg cancelled,
    an offer never booked; Max (rider2) has a ride booked meanwhile."""
    _, done = api.book("rider", ride(HOME, DOCTOR, tomorrow(9)), idem=IDEM)
    vid = done["vehicleId"]
    _event(api, vid, "picked_up", bookingId=done["id"], time=done["estimatedPickup"],
           lat=HOME[0], lon=HOME[1])
    _event(api, vid, "position", lat=DOCTOR[0] + 0.0007, lon=DOCTOR[1],
           time=tomorrow(9, 20))
    _event(api, vid, "dropped_off", bookingId=done["id"], time=done["estimatedDropoff"],
           lat=DOCTOR[0], lon=DOCTOR[1])
    _, cancelled = api.book("rider", ride(DOCTOR, SHOP, tomorrow(14)))
    assert api.delete(f"/api/v1/bookings/{cancelled['id']}", "rider").status_code == 200
    it = api.post("/api/v1/bookings", "rider", {"itinerary": [_leg(SHOP, HOME, 16)]})
    assert it.status_code == 201, it.text
    leg = it.json()["bookings"][0]
    assert api.delete(f"/api/v1/bookings/{leg['id']}", "rider").status_code == 200
    offer = api.post("/api/v1/quotes", "rider", ride(HOME, SHOP, tomorrow(17)))
    assert offer.status_code == 201
    _, maxs = api.book("rider2", ride(MIDDLEBURY, BRISTOL, tomorrow(10)))
    return {"rider": api.rider_id("rider"), "bookings": [done["id"], cancelled["id"],
                                                          leg["id"]],
            "offer": offer.json()["id"], "max": maxs, "vehicle": vid}


def _raw(store: Store, table: str, where: str, **params: Any) -> list[dict[str, Any]]:
    t = Base.metadata.tables[table]
    with store.engine.connect() as c:
        rows = c.execute(select(t).where(text(where)).order_by(*t.primary_key.columns),
                         params)
        return [dict(r._mapping) for r in rows]


def _same(exported: list[dict[str, Any]], stored: list[dict[str, Any]]) -> None:
    assert len(exported) == len(stored)
    for e, s in zip(exported, stored, strict=True):
        assert set(e) == set(s)
        for k, v in s.items():
            if isinstance(v, dt.datetime):
                assert dt.datetime.fromisoformat(e[k]) == v, k
            elif isinstance(v, dt.date):
                assert dt.date.fromisoformat(e[k]) == v, k
            else:
                assert e[k] == v, k


def test_export_holds_every_row_stored_about_the_rider(api) -> None:  # type: ignore[no-untyped-def]
    h = _erikas_history(api)
    rid, ids = h["rider"], h["bookings"]
    rated = api.client.put(f"/api/v1/bookings/{ids[0]}/rating", headers=api.h("rider"),
                           json={"stars": 4, "reasons": ["late"], "comment": "Danke"})
    assert rated.status_code == 201, rated.text  # her completed ride, rated (issue 20)
    r = api.get(f"/api/v1/riders/{rid}/export", "rider")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    doc = r.json()
    assert doc["riderId"] == rid and dt.datetime.fromisoformat(doc["exportedAt"]) == NOW
    tables = doc["tables"]
    in_ids = ", ".join(f"'{b}'" for b in ids)
    stored = {
        "riders": _raw(api.store, "riders", "id = :r", r=rid),
        "api_keys": _raw(api.store, "api_keys", "rider_id = :r", r=rid),
        "quotes": _raw(api.store, "quotes", "rider_id = :r", r=rid),
        "bookings": _raw(api.store, "bookings", "rider_id = :r", r=rid),
        "booking_status": _raw(api.store, "booking_status", f"booking_id IN ({in_ids})"),
        "plan_stops": _raw(api.store, "plan_stops", f"request_id IN ({in_ids})"),
        "vehicle_events": _raw(api.store, "vehicle_events", f"booking_id IN ({in_ids})"),
        "standing_orders": _raw(api.store, "standing_orders", "rider_id = :r", r=rid),
        "standing_occurrences": _raw(api.store, "standing_occurrences", "order_id IN "
                                     "(SELECT id FROM standing_orders WHERE rider_id = :r)",
                                     r=rid),
        "notifications": _raw(api.store, "notifications", "rider_id = :r", r=rid),
        "ride_ratings": _raw(api.store, "ride_ratings", "rider_id = :r", r=rid)}
    assert list(tables) == list(stored)
    assert [x["comment"] for x in tables["ride_ratings"]] == ["Danke"]
    for row in stored["api_keys"]:
        del row["key_hash"]  # never exported
    for name, rows in stored.items():
        _same(tables[name], rows)
    # what Erika did, all of it: 3 bookings + the offer, their 7 status changes, the
    # driver's 2 reports; no plan stop (none of her rides is still to come)
    assert tables["riders"][0]["name"] == NAME and tables["riders"][0]["phone"] == PHONE
    assert {b["id"] for b in tables["bookings"]} == set(ids)
    assert len(tables["quotes"]) == 4 and len(tables["booking_status"]) == 7
    assert [e["type"] for e in tables["vehicle_events"]] == ["picked_up", "dropped_off"]
    assert [b["idempotency_key"] for b in tables["bookings"]].count(IDEM) == 1
    # each booking's confirmation in the app; her own cancellations told her nothing
    assert sorted((n["kind"], n["channel"], n["booking_id"]) for n in tables[
        "notifications"]) == sorted(("confirmed", "app", b) for b in ids)
    assert "key_hash" not in r.text and api.keys["rider"].split("_", 2)[2] not in r.text
    assert h["max"]["id"] not in r.text and "Max Mustermann" not in r.text
    # staff see the same; nobody else does
    for role in ("dispatcher", "admin"):
        again = api.get(f"/api/v1/riders/{rid}/export", role)
        assert again.status_code == 200 and again.json()["tables"] == tables
    assert api.get(f"/api/v1/riders/{rid}/export", "rider2").status_code == 404
    assert api.get(f"/api/v1/riders/{rid}/export", "driver").status_code == 403
    assert api.client.get(f"/api/v1/riders/{rid}/export").status_code == 401
    assert api.get("/api/v1/riders/r_nobody/export", "dispatcher").status_code == 404
    assert api.get(f"/api/v1/riders/{ANONYMOUS_RIDER}/export", "admin").status_code == 404


def _statistics(store: Store) -> dict[tuple[str, str, str], tuple[float, ...]]:
    """Per service area, day and status: trips, passengers, direct kilometres (kept in
    ``direct_m`` once the ends are coarsened), promised and planned seconds — computed
    here, independently of the service."""
    out: dict[tuple[str, str, str], list[list[float]]] = {}
    cols = (Booking.id, Booking.area, Booking.service_date, Booking.status,
            Booking.picked_up_s, Quote.passengers, Quote.origin_lat, Quote.origin_lon,
            Quote.dest_lat, Quote.dest_lon, Quote.direct_m, Quote.pickup_lo_s,
            Quote.pickup_hi_s, Quote.est_pickup_s, Quote.est_dropoff_s)
    with store.engine.connect() as c:
        rows = c.execute(select(*cols).join(Quote, Booking.quote_id == Quote.id)).all()
        planned = {(p.request_id, p.kind): p.planned_s for p in c.execute(select(PlanStop))}
    for m in rows:
        km = (m.direct_m if m.direct_m is not None else direct_m(
            m.origin_lat, m.origin_lon, m.dest_lat, m.dest_lon)) / 1000
        out.setdefault((m.area, str(m.service_date), m.status), []).append([
            1, m.passengers, km, m.pickup_hi_s - m.pickup_lo_s,
            m.est_dropoff_s - m.est_pickup_s, m.picked_up_s or 0.0,
            planned.get((m.id, "pickup"), 0.0)])
    return {k: tuple(math.fsum(col) for col in zip(*v, strict=True)) for k, v in out.items()}


def _scan(store: Store, texts: list[str], coords: list[float]) -> list[str]:
    """Every value of every table of the database holding one of ``texts`` or equal to one
    of ``coords``: where it was found."""
    found = []
    with store.engine.connect() as c:
        for table in inspect(c).get_table_names():
            for row in c.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for col, v in row.items():
                    if isinstance(v, str) and any(t in v for t in texts):
                        found.append(f"{table}.{col}={v!r}")
                    if isinstance(v, float) and any(abs(v - x) < 1e-9 for x in coords):
                        found.append(f"{table}.{col}={v!r}")
    return found


def test_forgetting_a_rider_leaves_no_trace_and_keeps_the_statistics(api) -> None:  # type: ignore[no-untyped-def]
    h = _erikas_history(api)
    rid = h["rider"]
    key_id = api.keys["rider"].split("_")[1]
    before = _statistics(api.store)
    texts = [NAME, "Erika", PHONE, "1234567", IDEM, rid]
    coords = [x for p in (HOME, DOCTOR, SHOP) for x in p] + [DOCTOR[0] + 0.0007]
    assert len(_scan(api.store, texts, coords)) > 10  # the scan finds them while they are
    api.clock.advance(3600)
    r = api.delete(f"/api/v1/riders/{rid}", "rider")  # Erika herself
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert r.json() == {"riderId": rid, "forgottenAt": r.json()["forgottenAt"],
                        "bookingsAnonymised": 3, "quotesDeleted": 1, "keysRevoked": 1,
                        "positionsCoarsened": 4,  # 3 events + the vehicle state
                        "standingOrdersDeleted": 0}
    at = dt.datetime.fromisoformat(r.json()["forgottenAt"])
    assert at == NOW + dt.timedelta(hours=1)  # the service's clock
    assert _scan(api.store, texts, coords) == []
    assert _scan(api.store, [key_id], []) == [f"api_keys.id={key_id!r}"]
    # every statistic stays exact: trips, passengers, kilometres, windows, times
    assert _statistics(api.store) == before
    # her rides stay as anonymous rows with coarse ends
    with api.store.session() as s:
        kept = s.scalars(select(Booking).where(Booking.id.in_(h["bookings"]))).all()
        assert len(kept) == 3 and {b.rider_id for b in kept} == {ANONYMOUS_RIDER}
        q = s.get(Quote, kept[0].quote_id)
        assert q is not None and q.direct_m is not None
        assert (q.origin_lat, q.origin_lon) in {(coarse(p[0]), coarse(p[1]))
                                                for p in (HOME, DOCTOR, SHOP)}
        k = s.get(ApiKey, key_id)
        assert k is not None and k.revoked_at == at and k.rider_id is None
        assert s.get(Quote, h["offer"]) is None
    # her key is dead; she is gone for everyone
    assert api.get("/api/v1/me", "rider").status_code == 401
    assert api.get(f"/api/v1/riders/{rid}", "dispatcher").status_code == 404
    assert api.delete(f"/api/v1/riders/{rid}", "dispatcher").status_code == 404
    # Max's ride is untouched, exactly; the day's plans go on around it
    mine = api.get(f"/api/v1/bookings/{h['max']['id']}", "rider2").json()
    assert (mine["origin"]["lat"], mine["origin"]["lon"]) == MIDDLEBURY
    assert mine["status"] == "confirmed" and mine["estimatedPickup"] is not None
    api.book("rider2", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(11)))
    m = api.get(f"/api/v1/vehicles/{h['vehicle']}/manifest", "dispatcher",
                params={"date": tomorrow(9)[:10]})
    assert m.status_code == 200 and NAME not in m.text


def test_forgetting_waits_for_rides_to_come(api) -> None:  # type: ignore[no-untyped-def]
    """A ride booked for later, or under way, needs its exact ends: 409 naming it, and
    nothing changes; once it is cancelled (or over) the rider can be forgotten."""
    rid = api.rider_id("rider")
    _, b = api.book("rider", ride(HOME, DOCTOR, tomorrow(9)))
    export = api.get(f"/api/v1/riders/{rid}/export", "rider").json()["tables"]
    r = api.delete(f"/api/v1/riders/{rid}", "dispatcher")
    assert r.status_code == 409 and r.json()["type"] == "/problems/rides-active"
    assert r.json()["bookingIds"] == [b["id"]]
    assert api.get(f"/api/v1/riders/{rid}/export", "rider").json()["tables"] == export
    _event(api, b["vehicleId"], "picked_up", bookingId=b["id"], time=b["estimatedPickup"])
    assert api.delete(f"/api/v1/riders/{rid}", "rider").status_code == 409  # on board
    _event(api, b["vehicleId"], "dropped_off", bookingId=b["id"],
           time=b["estimatedDropoff"])
    _, later = api.book("rider", ride(DOCTOR, HOME, tomorrow(15)))
    assert api.delete(f"/api/v1/riders/{rid}", "rider").json()["bookingIds"] == [later["id"]]
    assert api.delete(f"/api/v1/bookings/{later['id']}", "rider").status_code == 200
    assert api.delete(f"/api/v1/riders/{rid}", "rider").status_code == 200


def test_a_ride_confirmed_on_a_past_day_does_not_block(api) -> None:  # type: ignore[no-untyped-def]
    """A ride nobody closed (no pickup or drop-off reported) is over once its day is."""
    rid = api.rider_id("rider")
    api.book("rider", ride(HOME, DOCTOR, tomorrow(9)))
    api.clock.advance(2 * 86400)
    assert api.delete(f"/api/v1/riders/{rid}", "rider").status_code == 200


def test_who_may_forget_whom(api) -> None:  # type: ignore[no-untyped-def]
    rid, max_id = api.rider_id("rider"), api.rider_id("rider2")
    assert api.delete(f"/api/v1/riders/{rid}", "rider2").status_code == 404
    assert api.delete(f"/api/v1/riders/{rid}", "driver").status_code == 403
    assert api.client.delete(f"/api/v1/riders/{rid}").status_code == 401
    assert api.delete(f"/api/v1/riders/{ANONYMOUS_RIDER}", "admin").status_code == 404
    assert api.delete("/api/v1/riders/r_nobody", "dispatcher").status_code == 404
    assert api.get("/api/v1/me", "rider").status_code == 200  # nothing happened
    assert api.delete(f"/api/v1/riders/{max_id}", "admin").status_code == 200
    assert api.get("/api/v1/me", "rider2").status_code == 401
    made = api.post("/api/v1/riders", "dispatcher", {"name": "Anna Anruf", "phone": "0621 1"})
    assert api.delete(f"/api/v1/riders/{made.json()['id']}", "dispatcher").json()[
        "keysRevoked"] == 0
    # nobody books for the placeholder of anonymous rides, nor gets a key for it
    q = api.post("/api/v1/quotes", "dispatcher", ride(MIDDLEBURY, BRISTOL, tomorrow(9),
                                                       riderId=ANONYMOUS_RIDER))
    assert q.status_code == 422 and q.json()["type"] == "/problems/unknown-rider", q.text
    with pytest.raises(ValueError, match="no one"):
        key(api.store, "rider", rider_id=ANONYMOUS_RIDER)


def test_retention_anonymises_past_rides_by_itself(api) -> None:  # type: ignore[no-untyped-def]
    """90 days after a ride's service day it loses its rider and exact ends (the rider's
    account stays); the same rides anonymised twice change nothing; a dry run counts."""
    h = _erikas_history(api)
    rid, timing = h["rider"], api.service.timing
    before = _statistics(api.store)
    api.clock.advance(91 * 86400)  # the rides' day (tomorrow) is 90 days back: not yet
    assert apply_retention(api.store, timing, 90).total == 0
    api.clock.advance(86400)
    dry = apply_retention(api.store, timing, 90, dry_run=True)
    assert (dry.quotes, dry.bookings) == (5, 4) and dry.events == 3 and dry.states >= 1
    assert dry.notifications == 4  # the four bookings' confirmations
    assert len(api.get(f"/api/v1/riders/{rid}/export", "rider").json()["tables"][
        "bookings"]) == 3  # a dry run changes nothing
    done = apply_retention(api.store, timing, 90)
    assert done == dry
    assert apply_retention(api.store, timing, 90).total == 0
    assert _statistics(api.store) == before
    coords = [x for p in (HOME, DOCTOR, SHOP, MIDDLEBURY, BRISTOL) for x in p]
    # Max's ride from Middlebury too; the depots there are no one's address
    assert [x for x in _scan(api.store, [IDEM], coords) if not x.startswith("vehicles.")
            ] == []
    tables = api.get(f"/api/v1/riders/{rid}/export", "rider").json()["tables"]
    assert tables["riders"][0]["name"] == NAME  # the account stays
    assert tables["bookings"] == tables["quotes"] == tables["vehicle_events"] == []
    assert tables["notifications"] == []
    assert api.get("/api/v1/bookings", "rider").json()["bookings"] == []
    with pytest.raises(ValueError):
        apply_retention(api.store, timing, 0)


def test_the_server_applies_the_retention_on_its_own(api, addison, addison_planner,  # type: ignore[no-untyped-def]
                                                     addison_travel) -> None:
    _, b = api.book("rider", ride(HOME, DOCTOR, tomorrow(9)))
    svc = booking_service(addison, addison_travel, api.store,
                          config=ApiConfig(retention_days=30))
    svc.timing.clock.advance(40 * 86400)  # type: ignore[attr-defined]
    app = create_app(addison_planner, svc, region_name=addison.name)
    with TestClient(app):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with api.store.session() as s:
                if s.get_one(Booking, b["id"]).rider_id == ANONYMOUS_RIDER:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the server did not apply the retention")


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mobility", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, input=stdin)


@pytest.mark.slow
def test_cli_exports_forgets_and_applies_the_retention(api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    h = _erikas_history(api)
    rid = h["rider"]
    env = {**os.environ, "MOBILITY_DB_URL": api.store.url, "MOBILITY_DATA": str(DATA),
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_CLOCK_START": NOW.isoformat()}
    out = tmp_path / "export.json"
    r = _cli(env, "riders", "export", rid, "--out", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["tables"] == api.get(f"/api/v1/riders/{rid}/export", "rider").json()["tables"]
    assert json.loads(_cli(env, "riders", "export", rid).stdout)["tables"] == doc["tables"]
    missing = _cli(env, "riders", "export", "r_nobody")
    assert missing.returncode == 2 and "no rider" in missing.stderr
    assert "Traceback" not in missing.stderr
    later = {**env, "MOBILITY_CLOCK_START": (NOW + dt.timedelta(days=3)).isoformat()}
    dry = _cli(later, "riders", "retention", "--days", "1", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["bookings"] == 4 and json.loads(dry.stdout)["dryRun"]
    assert json.loads(_cli(env, "riders", "retention", "--json").stdout)["bookings"] == 0
    no = _cli(env, "riders", "forget", rid, stdin="n\n")
    assert no.returncode == 1 and api.get("/api/v1/me", "rider").status_code == 200
    r = _cli(env, "riders", "forget", rid, "--yes", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["bookingsAnonymised"] == 3
    assert api.get("/api/v1/me", "rider").status_code == 401
    with api.store.session() as s:
        assert s.scalars(select(BookingStatus)).first() is not None
    r = _cli(later, "riders", "retention", "--days", "1")
    assert r.returncode == 0 and "anonymised" in r.stdout
