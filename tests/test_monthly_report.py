"""The monthly report for the funding authority, on SQLite and PostgreSQL: rides booked,
driven, missed, cancelled and rated through the API, quotes refused (and invalid ones not
counted), then every figure of ``GET /api/v1/reports/monthly`` and of ``mobility report``
recomputed here from the store with the test's own queries and its own legs; the KPI
definitions shared with the simulation; who may read the report; bad months."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.service.accounting import month_statements, rules_of
from api.store.models import (
    Booking,
    BookingStatus,
    Quote,
    RefusedRequest,
    RideRating,
    VehicleEvent,
    VehicleRow,
)
from dispatch.kpi_table import BY_KEY, KPIS, MONTH, month_texts, sim_texts
from mobility.sim.texts import KPI
from tests.api_helpers import BRISTOL, MIDDLEBURY, VERGENNES, WEYBRIDGE, ride, tomorrow

URL = "/api/v1/reports/monthly"
DAY = dt.date.fromisoformat(tomorrow(9)[:10])
MONTH_TEXT = f"{DAY:%Y-%m}"


def _event(api, b: dict[str, Any], kind: str) -> None:  # type: ignore[no-untyped-def]
    r = api.post(f"/api/v1/vehicles/{b['vehicleId']}/events", "dispatcher",
                 {"type": kind, "bookingId": b["id"]})
    assert r.status_code == 201, r.text


def _at(api, iso: str, seconds: float = 0) -> None:  # type: ignore[no-untyped-def]
    t = dt.datetime.fromisoformat(iso) + dt.timedelta(seconds=seconds)
    if t > api.clock.now():
        api.clock.set(t)


def _refusals(api) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with api.store.snapshot() as s:
        return [(r.code, r.passengers) for r in s.scalars(select(RefusedRequest)
                                                          .order_by(RefusedRequest.id))]


def _month(api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A day of service tomorrow: two rides from Middlebury at 9:00 (perhaps pooled), one
    at 10:30 the rider misses, one cancelled by its rider and one by the dispatcher, one
    more driven in the afternoon and rated; a quote for 8 and one in a closure refused,
    invalid quotes not counted. The clock ends after the last drop-off."""
    _, a = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    _, b = api.book("rider2", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9), passengers=2))
    _, c = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(10, 30)))
    _, d = api.book("rider2", ride(VERGENNES, MIDDLEBURY, tomorrow(11)))
    _, e = api.book("dispatcher", ride(MIDDLEBURY, VERGENNES, tomorrow(11, 30),
                                       riderId=api.rider_id("rider2")))
    _, f = api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(15)))
    # refused: no vehicle for 8, and a closure in the afternoon
    assert api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9),
                                                    passengers=8)).status_code == 409
    closure = {"area": "middlebury", "effect": "closure", "start": tomorrow(12, 30),
               "end": tomorrow(13, 30),
               "texts": [{"language": "en", "header": "No service: staff meeting"}]}
    assert api.post("/api/v1/service-alerts", "dispatcher", closure).status_code == 201
    r = api.post("/api/v1/quotes", "rider2", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(13),
                                                  passengers=3))
    assert r.status_code == 422 and r.json()["type"] == "/problems/service-closed", r.text
    # invalid input is no refused demand
    for bad in (ride(MIDDLEBURY, BRISTOL, tomorrow(2)),
                ride(MIDDLEBURY, BRISTOL, tomorrow(9), passengers=0),
                ride((44.48, -73.21), MIDDLEBURY, tomorrow(9))):
        assert api.post("/api/v1/quotes", "rider", bad).status_code == 422
    assert _refusals(api) == [("no-capacity", 8), ("service-closed", 3)]
    # cancelled: by the rider the day before, by the dispatcher shortly before the pickup
    assert api.delete(f"/api/v1/bookings/{d['id']}", "rider2").status_code == 200
    # the morning: both picked up in their order, then dropped off
    first, second = sorted((a, b), key=lambda x: x["estimatedPickup"])
    for x in (first, second):
        _at(api, x["estimatedPickup"])
        _event(api, x, "picked_up")
    for x in sorted((a, b), key=lambda x: x["estimatedDropoff"]):
        _at(api, x["estimatedDropoff"])
        _event(api, x, "dropped_off")
    _at(api, c["pickupWindow"]["end"] if "pickupWindow" in c else c["estimatedPickup"], 60)
    _event(api, c, "no_show")
    _at(api, e["estimatedPickup"], -1800)
    assert api.delete(f"/api/v1/bookings/{e['id']}", "dispatcher").status_code == 200
    _at(api, f["estimatedPickup"], 240)  # a few minutes late
    _event(api, f, "picked_up")
    _at(api, f["estimatedDropoff"], 240)
    _event(api, f, "dropped_off")
    r = api.client.put(f"/api/v1/bookings/{f['id']}/rating", headers=api.h("rider"),
                       json={"stars": 4, "reasons": ["late"]})
    assert r.status_code == 201, r.text
    r = api.client.put(f"/api/v1/bookings/{a['id']}/rating", headers=api.h("rider"),
                       json={"stars": 2, "reasons": ["comfort", "late"]})
    assert r.status_code == 201, r.text
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


# -- the test's own figures from the store ---------------------------------------------------
def _expected(api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The month's figures from the store, by this test's own queries and legs."""
    svc = api.service
    since, until = DAY.replace(day=1), svc.timing.today()
    with api.store.snapshot() as s:
        rows = s.execute(select(Booking, Quote).join(Quote, Quote.id == Booking.quote_id)
                         .where(Booking.service_date.between(since, until))).all()
        refused = s.scalars(select(RefusedRequest).where(
            RefusedRequest.service_date.between(since, until))).all()
        by_role = dict(s.execute(select(BookingStatus.booking_id, BookingStatus.by_role)
                                 .where(BookingStatus.status == "cancelled")).all())
        events = s.execute(select(VehicleEvent).where(
            VehicleEvent.type.in_(("picked_up", "dropped_off", "no_show")))
            .order_by(VehicleEvent.vehicle_id, VehicleEvent.time_s, VehicleEvent.id)
        ).scalars().all()
        vehicles = {v.id: v for v in s.scalars(select(VehicleRow))}
        stars = s.execute(select(func.count(), func.avg(RideRating.stars))).one()
    status = Counter(b.status for b, _ in rows)
    quotes = {b.id: q for b, q in rows}
    picked = [(b.picked_up_s, q.pickup_lo_s, q.pickup_hi_s) for b, q in rows
              if b.picked_up_s is not None]
    on_time = sum(1 for t, lo, hi in picked if lo - 1e-6 <= t <= hi + 1e-6)
    # legs: depot → the events' places in time order → depot, per vehicle (one window a day)
    km = empty = pkm = pooled = 0.0
    by_vehicle: dict[str, list[VehicleEvent]] = defaultdict(list)
    for ev in events:
        by_vehicle[ev.vehicle_id].append(ev)
    for vid, evs in by_vehicle.items():
        v = vehicles[vid]
        places = [(v.depot_lat, v.depot_lon)]
        for ev in evs:
            q = quotes[ev.booking_id]
            places.append((q.dest_lat, q.dest_lon) if ev.type == "dropped_off"
                          else (q.origin_lat, q.origin_lon))
        places.append((v.depot_lat, v.depot_lon))
        aboard: dict[str, int] = {}
        for k in range(len(places) - 1):
            _, m = svc.travel.matrix([places[k]], [places[k + 1]])
            leg = float(m[0, 0]) / 1000
            on = sum(aboard.values())
            km += leg
            empty += leg if on == 0 else 0.0
            pkm += leg * on
            pooled += leg * on if len(aboard) >= 2 else 0.0
            if k < len(evs):
                ev = evs[k]
                if ev.type == "picked_up":
                    aboard[ev.booking_id] = quotes[ev.booking_id].passengers
                elif ev.type == "dropped_off":
                    aboard.pop(ev.booking_id)
    days = (until - since).days + 1
    hours = sum((v.shift_end_s - v.shift_start_s) / 3600 * days for v in vehicles.values()
                if v.active)
    served = status["completed"]
    statements = month_statements(api.store, svc.travel, rules_of(svc.areas), MONTH_TEXT,
                                  until)
    cost = sum(st.total_cents for st in statements) / 100
    passengers = sum(q.passengers for b, q in rows if b.status == "completed")
    fares = sum((b.fare_cents or 0) for b, _ in rows if b.status in ("completed", "no_show")) \
        + sum((b.cancel_fee_cents or 0) for b, _ in rows if b.status == "cancelled")
    cancelled = [b.id for b, _ in rows if b.status == "cancelled"]
    return {
        "trips_requested": len(rows) + len(refused),
        "trips_served": served,
        "rejected": len(refused),
        "rejected_by_reason": dict(Counter(r.code for r in refused)),
        "cancelled": status["cancelled"],
        "cancelled_by": {"rider": sum(1 for x in cancelled if by_role[x] == "rider"),
                         "operator": sum(1 for x in cancelled if by_role[x] != "rider")},
        "no_shows": status["no_show"],
        "passengers": passengers,
        "on_time_pickups": round(on_time / len(picked), 4),
        "pickups_outside_window": len(picked) - on_time,
        "vehicle_km": round(km, 2), "empty_km": round(empty, 2),
        "passenger_km": round(pkm, 2),
        "pooling_rate": round(pooled / pkm, 4), "mean_occupancy": round(pkm / km, 4),
        "vehicle_hours": round(hours, 2),
        "passengers_per_vehicle_hour": round(passengers / hours, 3),
        "cost": round(cost, 2), "cost_per_trip": round(cost / served, 2),
        "cost_per_passenger_km": round(cost / pkm, 4),
        "fares_collected": round(fares / 100, 2),
        "ratings_count": stars[0], "rating_mean": round(float(stars[1]), 2),
    }


def test_the_months_figures_equal_those_recomputed_from_the_store(api) -> None:  # type: ignore[no-untyped-def]
    rides = _month(api)
    r = api.get(URL, "dispatcher", params={"month": MONTH_TEXT, "area": "middlebury"})
    assert r.status_code == 200, r.text
    got = r.json()
    want = _expected(api)
    for key, value in want.items():
        if key == "ratings_count":
            assert got["ratings"]["count"] == value
        elif key == "rating_mean":
            assert got["ratings"]["mean"] == value
        elif isinstance(value, float):
            assert got[key] == pytest.approx(value, abs=0.011), key
        else:
            assert got[key] == value, key
    # what the day did, in so many words
    assert got["trips_requested"] == 8 and got["trips_served"] == 3
    assert got["rejected_by_reason"] == {"no-capacity": 1, "service-closed": 1}
    assert got["cancelled_by"] == {"rider": 1, "operator": 1} and got["no_shows"] == 1
    assert got["passengers"] == 4 and got["ratings"]["by_stars"]["4"] == 1
    assert got["ratings"]["by_reason"]["late"] == 2
    assert got["cost"] > 0 and got["vehicle_km"] > got["empty_km"] > 0
    assert 0 < got["on_time_pickups"] <= 1
    # the days add up to the month
    days = {d["date"]: d for d in got["daily"]}
    assert list(days)[0] == f"{MONTH_TEXT}-01" and list(days)[-1] == got["until"]
    for key in ("trips_requested", "trips_served", "rejected", "cancelled", "no_shows",
                "passengers"):
        assert sum(d[key] for d in got["daily"]) == got[key], key
    assert days[DAY.isoformat()]["trips_served"] == 3
    assert sum(d["vehicle_km"] for d in got["daily"]) == pytest.approx(got["vehicle_km"],
                                                                       abs=0.05)
    # the definitions in both languages, one per KPI of the month
    for lang in ("en", "de"):
        assert [x["key"] for x in got["definitions"][lang]] == [k.key for k in MONTH]
        assert all(x["name"] and x["definition"] for x in got["definitions"][lang])
    units = {lang: {x["key"]: x["unit"] for x in got["definitions"][lang]} for lang in ("en", "de")}
    assert (units["en"]["trips_served"], units["de"]["trips_served"]) == ("trips", "Fahrten")
    assert units["en"]["cost"] == units["de"]["cost"] == got["currency"]
    assert rides["a"]["area"] == "middlebury"
    # all areas together: the same rides (addison-vt's only bookable area here)
    whole = api.get(URL, "admin", params={"month": MONTH_TEXT}).json()
    assert whole["trips_served"] == got["trips_served"] and whole["area"] is None


def test_a_month_without_rides_is_zeros_not_an_error(api) -> None:  # type: ignore[no-untyped-def]
    last = (DAY.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    r = api.get(URL, "dispatcher", params={"month": last})
    assert r.status_code == 200, r.text
    got = r.json()
    for key in ("trips_requested", "trips_served", "rejected", "no_shows", "passengers",
                "vehicle_km", "empty_km", "passenger_km", "fares_collected"):
        assert got[key] == 0, key
    assert got["on_time_pickups"] is None and got["cost_per_trip"] is None
    assert got["cost_per_passenger_km"] is None and got["ratings"]["mean"] is None
    assert got["provisional"] is False and len(got["daily"]) == 31


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026-11-01", "novembre",
                                   "２０２６-11", "2026-00", "1969-12", "9" * 20, " 2026-11",
                                   "2026‐11"])
def test_bad_months_are_422_with_the_field(api, month: str) -> None:  # type: ignore[no-untyped-def]
    r = api.get(URL, "dispatcher", params={"month": month})
    assert r.status_code == 422, (month, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "month"


def test_months_to_come_and_unknown_areas_are_422(api) -> None:  # type: ignore[no-untyped-def]
    r = api.get(URL, "dispatcher", params={"month": "2099-01"})
    assert r.status_code == 422 and r.json()["type"] == "/problems/month-in-future"
    r = api.get(URL, "dispatcher")
    assert r.status_code == 422 and r.json()["field"] == "month"
    for area in ("atlantis", "middlebury' OR 1=1 --", "Ünïcödé ☃"):
        r = api.get(URL, "dispatcher", params={"month": MONTH_TEXT, "area": area})
        assert r.status_code == 422 and r.json()["field"] == "area", area


def test_only_staff_read_the_monthly_report(api) -> None:  # type: ignore[no-untyped-def]
    params = {"month": MONTH_TEXT}
    assert api.get(URL, params=params).status_code == 401
    assert api.client.get(URL, params=params,
                          headers={"Authorization": "Bearer nope"}).status_code == 401
    for role in ("rider", "rider2", "driver"):
        r = api.get(URL, role, params=params)
        assert r.status_code == 403, role
    for role in ("dispatcher", "admin"):
        assert api.get(URL, role, params=params).status_code == 200


def test_refusals_are_counted_only_for_valid_requests(api) -> None:  # type: ignore[no-untyped-def]
    """A quote no vehicle can take is counted with its area, day, the service's time,
    code, passengers, wheelchairs and the great-circle distance; a request the rider must
    fix is not."""
    r = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9),
                                                 passengers=8, wheelchair=True))
    assert r.status_code == 409 and r.json()["type"] == "/problems/no-capacity"
    with api.store.snapshot() as s:
        rows = s.scalars(select(RefusedRequest)).all()
    assert len(rows) == 1
    x = rows[0]
    assert (x.area, x.service_date, x.code, x.passengers, x.wheelchairs) == (
        "middlebury", DAY, "no-capacity", 8, 1)
    assert x.at == api.clock.now()
    # the great-circle distance, worked out here (haversine, mean earth radius)
    import math

    p1, p2 = math.radians(MIDDLEBURY[0]), math.radians(BRISTOL[0])
    h = (math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2)
         * math.sin(math.radians(BRISTOL[1] - MIDDLEBURY[1]) / 2) ** 2)
    assert x.direct_m == pytest.approx(2 * 6_371_000 * math.asin(math.sqrt(h)), rel=2e-3)
    for bad in (ride(MIDDLEBURY, BRISTOL, "2020-01-01T09:00"),
                ride(MIDDLEBURY, (43.62, -73.15), tomorrow(9)),
                {"origin": {"lat": 144, "lon": 0}, "destination": {"lat": 44, "lon": -73},
                 "time": tomorrow(9)}):
        assert api.post("/api/v1/quotes", "rider", bad).status_code == 422
    with api.store.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(RefusedRequest)) == 1


# -- the definitions, shared with the simulation -------------------------------------------
def test_the_simulation_and_the_month_read_one_table_of_definitions() -> None:
    keys = [k.key for k in KPIS]
    assert len(keys) == len(set(keys))
    for lang in ("en", "de"):
        # the simulation's words are the table's, row for row
        assert {k: v for k, v in KPI[lang].items()} == {
            k.sim: (k.de if lang == "de" else k.en) for k in KPIS if k.sim}
        assert sim_texts(lang, "USD")["cost"][1].endswith("in USD.")
        for k in MONTH:
            name, definition = month_texts(lang)[k.key]
            assert name and definition.endswith(".") and "{" not in definition
    # figures both reports have share one definition
    shared = {k.key for k in MONTH if k.sim}
    assert {"trips_served", "rejected", "no_shows", "pooling_rate",
            "passengers_per_vehicle_hour", "mean_occupancy", "passenger_km",
            "vehicle_hours"} <= shared
    assert BY_KEY["pooling_rate"].en == KPI["en"]["pooling"]
    # README's "Monthly report" table: every figure with its unit and English definition
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for k in MONTH:
        sim = f"`{k.sim}`" if k.sim else "–"
        assert f"| `{k.key}` | {k.en[0]} | {k.unit} | {k.en[1]} | {sim} |" in readme, k.key


# -- the command line ---------------------------------------------------------------------
@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_mobility_report_prints_the_figures_and_writes_the_files(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from mobility.cli import app as cli
    from tests.conftest import CACHE, DATA

    _month(api)
    want = api.get(URL, "dispatcher", params={"month": MONTH_TEXT,
                                              "area": "middlebury"}).json()
    env = {"MOBILITY_DB_URL": str(api.store.engine.url), "MOBILITY_DATA": str(DATA),
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_CLOCK_START": api.clock.now().isoformat(),
           "MOBILITY_CLOCK_SPEED": "0.001"}
    out = tmp_path / "rep"
    res = CliRunner().invoke(cli, ["report", "addison-vt", "--month", MONTH_TEXT, "--out",
                                   str(out), "--area", "middlebury", "--json"], env=env)
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    for key in ("trips_requested", "trips_served", "passengers_per_vehicle_hour",
                "pooling_rate", "cost_per_trip"):
        assert got[key] == want[key], key
    assert {k: v for k, v in got.items() if k != "definitions"} == {
        k: v for k, v in want.items() if k != "definitions"}
    names = {p.name for p in out.iterdir()}
    assert {"report.en.html", "report.de.html", "report.csv", "daily.csv"} <= names
    assert any(n.startswith("statement-") and n.endswith(".csv") for n in names)
    # report.csv: one row per KPI with its value, unit and definition
    rows = list(csv.DictReader(io.StringIO((out / "report.csv").read_text(encoding="utf-8"))))
    assert [r["key"] for r in rows] == [k.key for k in MONTH]
    by = {r["key"]: r for r in rows}
    assert float(by["cost_per_trip"]["value"]) == want["cost_per_trip"]
    assert by["trips_served"]["definition"] == BY_KEY["trips_served"].en[1]
    assert by["cost"]["unit"] == want["currency"]
    daily = list(csv.DictReader(io.StringIO((out / "daily.csv").read_text(encoding="utf-8"))))
    assert sum(int(d["trips_served"]) for d in daily) == want["trips_served"]
    # the pages: every KPI with its definition in the page's language, three plots inline
    for lang in ("en", "de"):
        page = (out / f"report.{lang}.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in page
        for k in MONTH:
            name, definition = k.words(lang, want["currency"])
            assert f'data-kpi="{k.key}"' in page
            assert _html(definition) in page, (lang, k.key)
        assert len(re.findall(r'src="data:image/png;base64,', page)) == 3
        assert "http://" not in page and "https://" not in page  # self-contained
    de = (out / "report.de.html").read_text(encoding="utf-8")
    assert "Angefragte Fahrten" in de
    assert '<tr data-kpi="trips_served"><th scope="row">Bedient</th>' in de
    assert re.search(r'data-kpi="trips_served">.*?</td><td>Fahrten</td>', de)  # its unit
    # a bad month: a message, no traceback, exit code 2
    res = CliRunner().invoke(cli, ["report", "addison-vt", "--month", "2026-13", "--out",
                                   str(tmp_path / "x"), "--json"], env=env)
    assert res.exit_code == 2 and "month" in res.output and "Traceback" not in res.output


def _html(text: str) -> str:
    import html

    return html.escape(text)


def test_plots_have_labelled_axes_in_both_languages() -> None:
    from mobility.month_report import TEXT, figures
    from mobility.sim.report import figure_texts

    daily = [{"date": f"2026-11-{d:02d}", "trips_served": d % 3, "rejected": d % 2,
              "cancelled": 0, "no_shows": 0, "mean_occupancy": 1.2, "pooling_rate": 0.25,
              "vehicle_km": 0.0 if d % 7 == 0 else 40.0}
             for d in range(1, 31)]
    report = {"daily": daily, "ratings": {"by_stars": {"1": 0, "2": 1, "3": 0, "4": 3,
                                                       "5": 2}}}
    for lang in ("en", "de"):
        figs = figures(report, lang)
        assert set(figs) == {"trips", "occupancy", "ratings"}
        for fig in figs.values():
            tx = figure_texts(fig)
            assert all(tx["xlabel"][:1]) and all(tx["ylabel"]) and tx["title"][0]
            assert tx["xticks"] and tx["yticks"]
        assert figure_texts(figs["trips"])["xlabel"][0] == TEXT[lang]["day"]
        assert TEXT[lang]["served"] in figure_texts(figs["trips"])["legend"]
        import matplotlib.pyplot as plt

        for fig in figs.values():
            plt.close(fig)


def test_figures_from_plain_records_by_hand() -> None:
    """The shared computation on a hand-made set: two served (one picked up late), one
    under way, a no-show, a cancellation by each side, a refusal; two vehicles' legs."""
    from dispatch.kpis import RideRecord, VehicleLegs, figures
    from dispatch.tours import Leg

    rides = [
        RideRecord("a", "served", 2, window=(100, 700), pickup=400, dropoff=1000,
                   direct_s=500, boarding_s=60, fare=3.0),
        RideRecord("b", "served", 1, window=(100, 700), pickup=701, dropoff=1301,
                   direct_s=0, fare=3.0),
        RideRecord("c", "booked", 1, window=(100, 700), pickup=700),
        RideRecord("d", "no_show", 3, window=(100, 700), fare=3.0),
        RideRecord("e", "cancelled", 1, reason="rider", fare=2.0),
        RideRecord("f", "cancelled", 1, reason="operator"),
        RideRecord("g", "rejected", 4, reason="no-capacity"),
    ]
    fleet = [VehicleLegs(4, [Leg(2.0, 0.1, 0, 0), Leg(5.0, 0.2, 3, 2), Leg(1.0, 0.05, 1, 1)]),
             VehicleLegs(8, [Leg(4.0, 0.2, 0, 0)])]
    f = figures(rides, fleet, vehicle_hours=10.0, cost=120.0)
    assert (f.requests, f.served, f.no_shows, f.rejected, f.cancelled) == (7, 2, 1, 1, 2)
    assert f.rejected_by_reason == {"no-capacity": 1}
    assert f.cancelled_by == {"operator": 1, "rider": 1}
    assert f.passengers == 3 and f.fares == 11.0
    # timed pickups: a (inside), b (1 s late), c (on the edge: inside); d has no time
    assert (f.pickups, f.pickups_outside_window) == (3, 1)
    assert f.on_time_pickups == pytest.approx(2 / 3)
    assert f.waits_min == pytest.approx([300 / 60, 601 / 60])
    assert f.in_vehicle_min == pytest.approx([9.0, 10.0]) and f.detours == [1.08]
    assert f.vehicle_km == 12.0 and f.empty_km == 6.0
    assert f.passenger_km == 16.0 and f.shared_passenger_km == 15.0
    assert f.seat_km == 4 * 8.0 + 8 * 4.0 and f.driving_hours == pytest.approx(0.55)
    assert f.pooling_rate == 15 / 16 and f.mean_occupancy == 16 / 12
    assert f.passengers_per_vehicle_hour == 0.3
    assert f.cost_per_trip == 60.0 and f.cost_per_passenger_km == 7.5
    empty = figures([], [], 0.0)
    assert empty.on_time_pickups is None and empty.cost_per_trip is None
    assert (empty.pooling_rate, empty.mean_occupancy, empty.passengers_per_vehicle_hour) == (
        0.0, 0.0, 0.0)
