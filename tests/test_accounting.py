"""Tours as driven and the companies' statements, on the real addison-vt region over SQLite
and PostgreSQL: rides booked through the API and driven with drivers' events, companies set
in the store. The tests recompute what the code derives — the legs' km with their own
street matrix over the events' places, the loads, the available hours, each compensation
rule's amount — and check that the statements reconcile with the tours and the CSV with the
statement."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from api.service.accounting import (
    OWN_FLEET,
    month_span,
    month_statements,
    statement_csv,
)
from api.service.tours import tours
from api.store.models import Availability, Booking, Company, Quote, VehicleEvent, VehicleRow
from dispatch.compensation import CompensationRule
from tests.api_helpers import (
    ADDISON_TZ,
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    NOW,
    VERGENNES,
    WEYBRIDGE,
    ride,
    tomorrow,
)

DAY = NOW.date() + dt.timedelta(days=1)  # the rides' service day (a Wednesday)
MONTH = f"{DAY:%Y-%m}"


def _at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def _post(api, b: dict[str, Any], kind: str) -> None:  # type: ignore[no-untyped-def]
    r = api.post(f"/api/v1/vehicles/{b['vehicleId']}/events", "dispatcher",
                 {"type": kind, "bookingId": b["id"]})
    assert r.status_code == 201, r.text


def drive_day(api) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Book five rides for tomorrow and drive them in time order: three completed (two at
    about the same time, which may pool), one no-show, one cancelled by its rider within the
    fee's deadline. Returns the bookings by name."""
    booked = {
        "a": api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))[1],
        "b": api.book("rider2", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9, 5),
                                     passengers=2))[1],
        "c": api.book("rider", ride(BRISTOL, MIDDLEBURY, tomorrow(14)))[1],
        "noshow": api.book("rider2", ride(EAST_MIDDLEBURY, MIDDLEBURY, tomorrow(11)))[1],
        "late": api.book("rider", ride(VERGENNES, MIDDLEBURY, tomorrow(16)))[1],
    }
    steps: list[tuple[dt.datetime, str, str]] = []
    for name in ("a", "b", "c"):
        b = booked[name]
        steps.append((_at(b["estimatedPickup"]), "picked_up", name))
        steps.append((_at(b["estimatedDropoff"]), "dropped_off", name))
    steps.append((_at(booked["noshow"]["pickupWindow"]["end"]), "no_show", "noshow"))
    steps.append((_at(booked["late"]["pickupWindow"]["start"]) - dt.timedelta(minutes=20),
                  "cancel", "late"))
    for when, kind, name in sorted(steps):
        api.clock.set(when)
        if kind == "cancel":
            r = api.delete(f"/api/v1/bookings/{booked[name]['id']}", "rider")
            assert r.status_code == 200 and r.json()["cancelFee"], r.text
        else:
            _post(api, booked[name], kind)
    return booked


def set_companies(api) -> None:  # type: ignore[no-untyped-def]
    """Company A drives mid-1, company B mid-2; verg-1 is the region's own."""
    with api.store.session() as s:
        s.add_all([Company(id="A", name="Addison Cabs"), Company(id="B", name="Bristol Bus")])
        s.flush()
        s.get(VehicleRow, "mid-1").company_id = "A"
        s.get(VehicleRow, "mid-2").company_id = "B"


def _visits(api, date: dt.date) -> dict[str, list[tuple[float, str, tuple[float, float],
                                                        str, int]]]:  # type: ignore[no-untyped-def]
    """Each vehicle's visits that day from the store, independently: (time, kind, place,
    booking, passengers)."""
    out: dict[str, list[tuple[float, str, tuple[float, float], str, int]]] = {}
    with api.store.snapshot() as s:
        rows = s.execute(select(VehicleEvent, Quote).join(
            Booking, Booking.id == VehicleEvent.booking_id).join(
            Quote, Quote.id == Booking.quote_id).where(VehicleEvent.service_date == date)
        ).all()
        for e, q in rows:
            if e.type not in ("picked_up", "dropped_off", "no_show"):
                continue
            place = ((q.dest_lat, q.dest_lon) if e.type == "dropped_off"
                     else (q.origin_lat, q.origin_lon))
            out.setdefault(e.vehicle_id, []).append((e.time_s, e.type, place, e.booking_id,
                                                     q.passengers))
    return {v: sorted(x) for v, x in out.items()}


def _depot(api, vid: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    with api.store.snapshot() as s:
        v = s.get(VehicleRow, vid)
        return (v.depot_lat, v.depot_lon)


def test_tours_follow_the_events_legs_by_road(api, addison_travel) -> None:  # type: ignore[no-untyped-def]
    booked = drive_day(api)
    set_companies(api)
    got = tours(api.store, api.service.travel, DAY, DAY)
    visits = _visits(api, DAY)
    # shift vehicles: one tour per vehicle and day with visits
    assert sorted(t.vehicle for t in got) == sorted(visits)
    assert tours(api.store, api.service.travel, DAY - dt.timedelta(days=1),
                 DAY - dt.timedelta(days=1)) == []
    fares = {}
    with api.store.snapshot() as s:
        for b in s.execute(select(Booking)).scalars():
            fares[b.id] = (b.status, b.fare_cents or 0, b.cancel_fee_cents or 0, b.vehicle_id)
    for t in got:
        vs = visits[t.vehicle]
        depot = _depot(api, t.vehicle)
        places = [depot, *(x[2] for x in vs), depot]
        # the legs' km: one street search per leg here (the code makes one matrix a tour)
        km = [float(addison_travel.matrix([a], [b])[1][0, 0]) / 1000
              for a, b in zip(places, places[1:], strict=False)]
        assert [round(x.km, 6) for x in t.legs] == [round(x, 6) for x in km]
        # the load on each leg: passengers picked up and not yet dropped off
        on: dict[str, int] = {}
        loads = [(0, 0)]
        for _, kind, _, bid, pax in vs:
            if kind == "picked_up":
                on[bid] = pax
            elif kind == "dropped_off":
                on.pop(bid)
            loads.append((sum(on.values()), len(on)))
        assert [(x.aboard, x.rides) for x in t.legs] == loads
        assert t.occupied_km == pytest.approx(sum(k for k, (n, _) in zip(km, loads,
                                                                          strict=True) if n))
        assert t.empty_km == pytest.approx(sum(km) - t.occupied_km)
        done = [x[3] for x in vs if x[1] == "dropped_off"]
        assert sorted(t.rides) == sorted(done)
        assert list(t.no_shows) == [x[3] for x in vs if x[1] == "no_show"]
        assert t.passengers == sum(x[4] for x in vs if x[1] == "dropped_off")
        fees = sum(f[2] for f in fares.values() if f[0] == "cancelled" and f[3] == t.vehicle)
        assert t.fares_cents == sum(fares[b][1] for b in (*t.rides, *t.no_shows)) + fees
        assert t.window == ((6 * 3600.0, 19 * 3600.0) if t.vehicle == "mid-1" else
                            (7 * 3600.0, 20 * 3600.0) if t.vehicle == "mid-2" else
                            (6.5 * 3600.0, 18.5 * 3600.0))
        assert t.start_s <= vs[0][0] <= vs[-1][0] <= t.end_s
        assert t.company == {"mid-1": "A", "mid-2": "B"}.get(t.vehicle)
        assert t.id == f"{t.vehicle}:{DAY.isoformat()}:0"
    # every ride is in a tour: three completed, one no-show; the fee is a fare of its vehicle
    assert sorted(b for t in got for b in t.rides) == sorted(booked[n]["id"]
                                                             for n in ("a", "b", "c"))
    assert [b for t in got for b in t.no_shows] == [booked["noshow"]["id"]]
    assert sum(t.passengers for t in got) == 4
    assert sum(t.fares_cents for t in got) == sum(
        f[1] for f in fares.values() if f[0] in ("completed", "no_show")) + sum(
        f[2] for f in fares.values() if f[0] == "cancelled")
    # filters: an area, a vehicle
    assert tours(api.store, api.service.travel, DAY, DAY, area="elsewhere") == []
    one = got[0].vehicle
    assert [t.id for t in tours(api.store, api.service.travel, DAY, DAY, vehicle=one)] == [
        t.id for t in got if t.vehicle == one]


def _windows_rule(api, vid: str, first: dt.date) -> None:  # type: ignore[no-untyped-def]
    """``vid`` planned by availability: weekdays 06:00–12:00 and 12:30–20:00, not on the
    month's 3rd from 08:00 to 10:00."""
    with api.store.session() as s:
        s.get(VehicleRow, vid).uses_availability = True
        s.add_all([
            Availability(id="w1", vehicle_id=vid, kind="weekly", weekdays="1,2,3,4,5",
                         first_date=first, start_s=6 * 3600, end_s=12 * 3600, created_by="t"),
            Availability(id="w2", vehicle_id=vid, kind="weekly", weekdays="1,2,3,4,5",
                         first_date=first, start_s=12.5 * 3600, end_s=20 * 3600,
                         created_by="t"),
            Availability(id="u1", vehicle_id=vid, kind="unavailable",
                         first_date=first.replace(day=3), last_date=first.replace(day=3),
                         start_s=8 * 3600, end_s=10 * 3600, created_by="t"),
        ])


def test_an_availability_vehicle_has_a_tour_per_window(api) -> None:  # type: ignore[no-untyped-def]
    drive_day(api)
    visits = _visits(api, DAY)
    vid = max(visits, key=lambda v: len(visits[v]))
    _windows_rule(api, vid, DAY.replace(day=1))
    got = [t for t in tours(api.store, api.service.travel, DAY, DAY) if t.vehicle == vid]
    windows = [(6 * 3600.0, 12 * 3600.0), (12.5 * 3600.0, 20 * 3600.0)]
    # independently: each ride goes with the window of its pickup (or no-show)
    first_of: dict[str, int] = {}
    for time_s, kind, _, bid, _ in visits[vid]:
        if kind != "dropped_off":
            first_of[bid] = min(range(2), key=lambda k: max(windows[k][0] - time_s,
                                                            time_s - windows[k][1], 0))
    expect = sorted({first_of[x[3]] for x in visits[vid]})
    assert [t.id for t in got] == [f"{vid}:{DAY.isoformat()}:{k}" for k in expect]
    for t in got:
        k = int(t.id.rsplit(":", 1)[1])
        assert t.window == windows[k]
        assert set(t.rides) | set(t.no_shows) == {b for b, w in first_of.items() if w == k}


def _rules(**kw: Any) -> dict[str, CompensationRule | None]:
    return {"middlebury": CompensationRule(currency="USD", **kw)}


def _hours(vid: str) -> float:
    return {"mid-1": 13.0, "mid-2": 13.0, "verg-1": 12.0}[vid]


def test_statements_reconcile_with_tours_and_pay_each_rule(api) -> None:  # type: ignore[no-untyped-def]
    drive_day(api)
    set_companies(api)
    today = api.clock.now().astimezone(ADDISON_TZ).date()
    assert today == DAY
    done = tours(api.store, api.service.travel, DAY.replace(day=1), DAY)
    days = DAY.day  # the running month: its days up to today
    rule = _rules(per_vehicle_hour=3200, per_km=55, per_tour=250)
    sts = month_statements(api.store, api.service.travel, rule, MONTH, today)
    by_id = {s.company_id: s for s in sts}
    assert sorted(by_id) == sorted(["A", "B", OWN_FLEET])
    owner = {"mid-1": "A", "mid-2": "B", "verg-1": OWN_FLEET}
    for cid, st in by_id.items():
        assert st.provisional and (st.since, st.until) == (DAY.replace(day=1), DAY)
        mine = [t for t in done if owner[t.vehicle] == cid]
        # the statement's tour lines are the tours' own figures
        assert [x.tour for x in st.tours] == [t.id for t in mine]
        assert st.driven_km == pytest.approx(sum(t.driven_km for t in mine))
        assert st.occupied_km == pytest.approx(sum(t.occupied_km for t in mine))
        assert st.passengers == sum(t.passengers for t in mine)
        assert st.fares_cents == sum(t.fares_cents for t in mine)
        assert st.rides == sum(len(t.rides) for t in mine)
        # available hours: every day's shift, driven or not
        vids = [v for v, c in owner.items() if c == cid]
        assert {v.vehicle: v.available_h for v in st.vehicles} == {
            v: pytest.approx(days * _hours(v)) for v in vids}
        # the pay, rule by rule: hours × rate, km × rate (rounded a vehicle-day), tours × flat
        hours_c = sum(round(_hours(v) * 3200) * days for v in vids)
        km_c = 0
        for v in vids:
            day_km = sum(t.driven_km for t in mine if t.vehicle == v)
            km_c += int(Decimal(str(day_km * 55)).quantize(Decimal(1), "ROUND_HALF_UP"))
        tours_c = 250 * len(mine)
        assert len(st.areas) == 1
        a = st.areas[0]
        assert (a.hours_cents, a.km_cents, a.tours_cents) == (hours_c, km_c, tours_c)
        assert (a.day_cap_cents, a.month_cap_cents) == (0, 0)
        assert st.total_cents == hours_c + km_c + tours_c
        assert sum(d.total_cents for d in st.days) == st.total_cents


def test_caps_per_day_and_per_month(api) -> None:  # type: ignore[no-untyped-def]
    drive_day(api)
    set_companies(api)
    today = DAY
    done = tours(api.store, api.service.travel, DAY, DAY)
    a_km = sum(t.driven_km for t in done if t.vehicle == "mid-1")
    a_tours = sum(1 for t in done if t.vehicle == "mid-1")
    # a day cap below a shift's pay: every day of mid-1 is cut to the cap
    cap_day = 30000
    st = month_statements(api.store, api.service.travel,
                          _rules(per_vehicle_hour=3200, per_km=55, per_tour=1000,
                                 cap_per_day=cap_day), MONTH, today, company_id="A")[0]
    assert st.company_id == "A" and st.company_name == "Addison Cabs"
    full = 13 * 3200
    km_c = int(Decimal(str(a_km * 55)).quantize(Decimal(1), "ROUND_HALF_UP"))
    expect_cut = (DAY.day - 1) * (full - cap_day) + (full + km_c + 1000 * a_tours - cap_day)
    a = st.areas[0]
    assert a.day_cap_cents == expect_cut
    assert st.total_cents == DAY.day * cap_day
    assert all(d.total_cents == cap_day for d in st.days)
    # a month cap below the days' sum: the total is the cap, the cut shown
    st = month_statements(api.store, api.service.travel,
                          _rules(per_vehicle_hour=3200, per_km=55, cap_per_day=cap_day,
                                 cap_per_month=500_000), MONTH, today, company_id="A")[0]
    a = st.areas[0]
    assert st.total_cents == 500_000
    assert a.month_cap_cents == DAY.day * cap_day - 500_000
    # a month cap above: nothing cut
    st = month_statements(api.store, api.service.travel,
                          _rules(per_vehicle_hour=3200, cap_per_month=10**9), MONTH, today,
                          company_id="A")[0]
    assert st.areas[0].month_cap_cents == 0 and st.total_cents == DAY.day * full


def test_the_csv_parses_back_to_the_statement(api) -> None:  # type: ignore[no-untyped-def]
    drive_day(api)
    set_companies(api)
    for st in month_statements(api.store, api.service.travel,
                               _rules(per_vehicle_hour=3200, per_km=55, per_tour=100,
                                      cap_per_day=40000), MONTH, DAY):
        rows = list(csv.DictReader(io.StringIO(statement_csv(st))))
        kinds = [r["line"] for r in rows]
        assert kinds.count("tour") == len(st.tours) and kinds.count("total") == 1
        total = next(r for r in rows if r["line"] == "total")

        def cents(x: str) -> int:
            return int(Decimal(x) * 100)

        assert cents(total["total"]) == st.total_cents
        assert sum(cents(r["total"]) for r in rows if r["line"] == "day") == st.total_cents
        assert sum(cents(r["total"]) for r in rows if r["line"] == "area") == st.total_cents
        assert sum(cents(r["fares"]) for r in rows if r["line"] == "tour") == st.fares_cents
        assert sum(int(r["passengers"]) for r in rows if r["line"] == "tour") == st.passengers
        assert sum(float(r["driven_km"]) for r in rows if r["line"] == "tour") == \
            pytest.approx(st.driven_km, abs=0.001 * max(1, len(st.tours)))
        assert {r["currency"] for r in rows} == {"USD"}


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "2026-1", "2026/11",
                                   "２０２６-１１", "2026-11-01", "", "0000-01", "2026-11\n",
                                   "9999-12", "2027-01", "x" * 500])
def test_hostile_months_are_refused(month: str) -> None:
    from api.service.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError) as exc:
        month_span(month, DAY)
    assert exc.value.field == "month"


def test_month_span() -> None:
    assert month_span("2026-11", DAY) == (dt.date(2026, 11, 1), DAY)
    assert month_span("2026-02", DAY) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_span("2025-12", DAY) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert month_span("2024-02", DAY)[1] == dt.date(2024, 2, 29)


# -- the API ----------------------------------------------------------------------------------
def _operator_key(api, company: str) -> str:  # type: ignore[no-untyped-def]
    """An operator's key of ``company``, stored as the operators' keys are (role
    ``operator``, ``ApiKey.company_id``)."""
    import secrets

    from api.auth import hash_key
    from api.store.models import ApiKey

    kid = secrets.token_hex(6)
    token = f"mob_{kid}_{secrets.token_urlsafe(32)}"
    with api.store.session() as s:
        s.add(ApiKey(id=kid, key_hash=hash_key(token), role="operator", company_id=company))
    return token


def _statement_url(company: str, month: str = MONTH, csv_: bool = False) -> str:
    from urllib.parse import quote

    return (f"/api/v1/companies/{quote(company, safe='')}/statements/"
            f"{quote(month, safe='')}{'.csv' if csv_ else ''}")


def test_statements_through_the_api(api) -> None:  # type: ignore[no-untyped-def]
    drive_day(api)
    set_companies(api)
    done = tours(api.store, api.service.travel, DAY, DAY)
    for cid, vids in (("A", ["mid-1"]), ("B", ["mid-2"]), (OWN_FLEET, ["verg-1"])):
        r = api.get(_statement_url(cid), "dispatcher")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["companyId"] == cid and body["currency"] == "USD" and body["provisional"]
        # the region's rule ($32 an available hour, $0.55 a km, no flat, capped $30,000 a
        # month), independently
        km = {v: sum(t.driven_km for t in done if t.vehicle == v) for v in vids}
        hours_c = sum(round(_hours(v) * 3200) * DAY.day for v in vids)
        km_c = sum(int(Decimal(str(km[v] * 55)).quantize(Decimal(1), "ROUND_HALF_UP"))
                   for v in vids)
        assert body["totalCents"] == min(hours_c + km_c, 3_000_000)
        (area,) = body["areas"]
        assert (area["hoursCents"], area["kmCents"], area["toursCents"]) == (hours_c, km_c, 0)
        assert area["rule"]["capPerMonthCents"] == 3_000_000
        assert [t["tour"] for t in body["tours"]] == [t.id for t in done if t.vehicle in vids]
        assert body["fareCents" if False else "faresCents"] == sum(
            t.fares_cents for t in done if t.vehicle in vids)
        c = api.get(_statement_url(cid, csv_=True), "admin")
        assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(c.text)))
        total = next(x for x in rows if x["line"] == "total")
        assert int(Decimal(total["total"]) * 100) == body["totalCents"]
    # the tours of a day, staff only
    r = api.get(f"/api/v1/tours?date={DAY.isoformat()}", "dispatcher")
    assert r.status_code == 200, r.text
    got = r.json()["tours"]
    assert [t["id"] for t in got] == [t.id for t in done]
    assert [t["drivenKm"] for t in got] == pytest.approx([t.driven_km for t in done])
    assert [len(t["legs"]) for t in got] == [len(t.legs) for t in done]
    one = done[0].vehicle
    r = api.get(f"/api/v1/tours?date={DAY.isoformat()}&vehicle={one}", "admin")
    assert [t["vehicle"] for t in r.json()["tours"]] == [t.vehicle for t in done
                                                          if t.vehicle == one]
    assert api.get(f"/api/v1/tours?date={NOW.date().isoformat()}",
                   "dispatcher").json()["tours"] == []


def test_an_operator_reads_only_its_own_company(api) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import fields

    from api.auth import Principal

    drive_day(api)
    set_companies(api)
    a = {"Authorization": f"Bearer {_operator_key(api, 'A')}"}
    for cid in ("B", OWN_FLEET, "nope"):
        for csv_ in (False, True):
            r = api.client.get(_statement_url(cid, csv_=csv_), headers=a)
            assert r.status_code == 404, (cid, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "Bristol" not in r.text
    assert api.client.get(f"/api/v1/tours?date={DAY.isoformat()}", headers=a
                          ).status_code == 403
    own = api.client.get(_statement_url("A"), headers=a)
    if "company_id" in {f.name for f in fields(Principal)}:
        assert own.status_code == 200 and own.json()["companyId"] == "A", own.text
    else:  # until operator keys carry their company (helper "operators"): nothing
        assert own.status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "2026-1", "2026/11",
                                   "２０２６-１１", "2026-11-01", "0000-01", "2026-11\n",
                                   "9999-12", "2027-01", "2026-\u202e11", "x" * 500,
                                   "1e3", "-2026-11", "2026-11 "])
def test_hostile_months_through_the_api(api, month: str) -> None:  # type: ignore[no-untyped-def]
    set_companies(api)
    for csv_ in (False, True):
        r = api.get(_statement_url("A", month, csv_), "dispatcher")
        if "/" in month:  # a path of no endpoint
            assert r.status_code == 404, (month, r.text)
            continue
        assert r.status_code == 422, (month, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["field"] == "month", r.json()
    if month in ("9999-12", "2027-01") and "/" not in month:
        assert r.json()["type"].endswith("/month-in-future")


def test_who_may_read_statements_and_tours(api) -> None:  # type: ignore[no-untyped-def]
    set_companies(api)
    url = _statement_url("A")
    assert api.client.get(url).status_code == 401
    assert api.client.get(url, headers={"Authorization": "Bearer mob_x_y"}).status_code == 401
    for role in ("rider", "driver"):
        assert api.get(url, role).status_code == 403
        assert api.get(f"/api/v1/tours?date={DAY.isoformat()}", role).status_code == 403
    assert api.get(_statement_url("nope"), "admin").status_code == 404
    assert api.get(_statement_url("Ä" * 40), "admin").status_code in (404, 422)
    assert api.get(_statement_url("A"), "admin").status_code == 200
    # a month without rides: every day's available hours, no tours
    r = api.get(_statement_url("A", "2026-10"), "admin").json()
    assert r["tours"] == [] and not r["provisional"]
    assert r["availableH"] == pytest.approx(31 * 13)
    for q, field in (("date=2026-13-01", "date"), ("date=tomorrow", "date"), ("", "date"),
                     (f"date={DAY.isoformat()}&vehicle=", "vehicle"),
                     (f"date={DAY.isoformat()}&vehicle={'v' * 65}", "vehicle")):
        r = api.get(f"/api/v1/tours?{q}", "dispatcher")
        assert r.status_code == 422, (q, r.text)
        assert r.json()["field"] == field
    r = api.get(f"/api/v1/tours?date={DAY.isoformat()}&vehicle=nope", "dispatcher")
    assert r.status_code == 404 and r.json()["field"] == "vehicle"


# -- the command line -------------------------------------------------------------------------
@pytest.mark.slow
def test_cli_writes_a_csv_per_company_and_prints_the_summary(api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    import subprocess
    import sys

    from api.service.accounting import rules_of
    from tests.conftest import CACHE, DATA
    from tests.server_process import ROOT

    drive_day(api)
    set_companies(api)
    env = {**os.environ, "MOBILITY_DB_URL": api.store.url, "MOBILITY_DATA": str(DATA),
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_CLOCK_START": api.clock.now().isoformat()}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mobility", "statements", "addison-vt",
                               *args], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=300)

    r = cli("--month", MONTH, "--out", str(tmp_path / "out"), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    expect = month_statements(api.store, api.service.travel, rules_of(api.service.areas),
                              MONTH, DAY)
    assert [x["companyId"] for x in doc["statements"]] == [s.company_id for s in expect]
    assert [x["totalCents"] for x in doc["statements"]] == [s.total_cents for s in expect]
    assert doc["totalCents"] == sum(s.total_cents for s in expect) and doc["currency"] == "USD"
    for x in doc["statements"]:
        with open(x["file"], encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        total = next(r for r in rows if r["line"] == "total")
        assert int(Decimal(total["total"]) * 100) == x["totalCents"]
        assert int(total["passengers"]) == x["passengers"]
    for bad in ("2026-13", "2099-01", "nov"):
        r = cli("--month", bad)
        assert r.returncode == 2 and "--month" in r.stderr and "Traceback" not in r.stderr


# -- [[compensation]] in region.toml ----------------------------------------------------------
def test_the_regions_rule_is_read_in_cents(addison) -> None:  # type: ignore[no-untyped-def]
    (area,) = addison.service_areas
    assert area.compensation == CompensationRule(currency="USD", per_vehicle_hour=3200,
                                                 per_km=55, per_tour=0, cap_per_day=None,
                                                 cap_per_month=3_000_000)


def test_compensation_rules_are_validated_naming_every_key(tiny_region) -> None:  # type: ignore[no-untyped-def]
    from mobility import RegionError, resolve_region
    from tests.test_fares import _write

    _write(tiny_region, '[[compensation]]\narea = "square"\nper_vehicle_hour = 28.5\n'
                        'per_km = 0.555\nper_tour = 3\ncap_per_day = 300\n')
    got = resolve_region(tiny_region, tiny_region.parent)
    assert got.compensation_rule("square") == CompensationRule(
        "EUR", per_vehicle_hour=2850, per_km=56, per_tour=300, cap_per_day=30000)
    assert got.compensation_rule("elsewhere") is None
    toml = _write(tiny_region, (
        '[[compensation]]\narea = "square"\nper_km = -1\ncap_per_month = "lots"\n'
        '[[compensation]]\nper_vehicle_hour = 1e9\nbonus = 5\n'))
    with pytest.raises(RegionError) as exc:
        resolve_region(tiny_region, tiny_region.parent)
    msg = str(exc.value)
    assert msg.startswith(f"{toml}: ")
    for part in ("compensation[0].per_km", "compensation[0].cap_per_month",
                 "compensation[1].area", "compensation[1].per_vehicle_hour",
                 "compensation[1].bonus"):
        assert part in msg, msg
    _write(tiny_region, ('[[compensation]]\narea = "nowhere"\nper_km = 1\n'
                         '[[compensation]]\narea = "square"\n'
                         '[[compensation]]\narea = "square"\nper_km = 1\n'))
    with pytest.raises(RegionError) as exc:
        resolve_region(tiny_region, tiny_region.parent)
    msg = str(exc.value)
    for part in ("compensation[0].area must name one of the region's service areas",
                 "compensation[1]: per_vehicle_hour, per_km and per_tour are all 0",
                 "compensation[2].area 'square' has a rule already"):
        assert part in msg, msg


def test_available_hours_follow_the_availability(api) -> None:  # type: ignore[no-untyped-def]
    """verg-1 (own fleet) planned by availability: weekdays 06:00–12:00 and 12:30–20:00, not
    on the 3rd from 08:00 to 10:00; a third weekly rule on Saturdays skips holidays. Its
    hours are paid on every such day, driven or not."""
    first = DAY.replace(day=1)
    set_companies(api)
    _windows_rule(api, "verg-1", first)
    with api.store.session() as s:
        s.add(Availability(id="sat", vehicle_id="verg-1", kind="weekly", weekdays="6",
                           first_date=first, last_date=first.replace(day=21),
                           start_s=8 * 3600, end_s=12 * 3600, skip_holidays=True,
                           created_by="t"))
        s.add(Availability(id="d1", vehicle_id="verg-1", kind="dated", first_date=first,
                           last_date=first, start_s=10 * 3600, end_s=14 * 3600,
                           created_by="t"))
    holiday_on = first.replace(day=14)  # a Saturday, made a holiday here

    def holiday(d: dt.date) -> str | None:
        return "Test Day" if d == holiday_on else None

    expect = 0.0
    for k in range(DAY.day):
        d = first + dt.timedelta(days=k)
        h = 0.0
        if d.isoweekday() <= 5:
            h += 13.5 - (2 if d.day == 3 else 0)
        if d.isoweekday() == 6 and d.day <= 21 and d != holiday_on:
            h += 4
        if d == first:  # the dated window 10–14 merged with 06–12 and 12:30–20 (a Sunday)
            h += 4 if d.isoweekday() > 5 else 0.5
        expect += h
    (st,) = month_statements(api.store, api.service.travel, _rules(per_vehicle_hour=1000),
                             MONTH, DAY, holiday=holiday, company_id=OWN_FLEET)
    (v,) = st.vehicles
    assert v.vehicle == "verg-1" and v.available_h == pytest.approx(expect)
    assert st.total_cents == sum(round(d.available_h * 1000) for d in st.days)
    assert st.areas[0].hours_cents == st.total_cents
    # a company without vehicles has a statement of nothing; an unknown one none
    with api.store.session() as s:
        s.add(Company(id="C", name="Charter Co"))
    (c,) = month_statements(api.store, api.service.travel, _rules(per_vehicle_hour=1000),
                            MONTH, DAY, company_id="C")
    assert (c.total_cents, c.tours, c.vehicles) == (0, (), ())
    assert month_statements(api.store, api.service.travel, _rules(per_vehicle_hour=1000),
                            MONTH, DAY, company_id="nope") == []


class _Counted:
    """The region's street travel, counting the matrices asked of it."""

    def __init__(self, travel) -> None:  # type: ignore[no-untyped-def]
        self.travel, self.calls = travel, 0

    def matrix(self, origins, destinations):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.travel.matrix(origins, destinations)


def test_one_matrix_per_tour_and_a_tour_without_window(api, addison_travel) -> None:  # type: ignore[no-untyped-def]
    drive_day(api)
    counted = _Counted(addison_travel)
    got = tours(api.store, counted, DAY, DAY)  # type: ignore[arg-type]
    assert got and counted.calls == len(got)
    # a vehicle planned by availability with no window that day (its rules changed after
    # the rides): its tour has an empty window at its first visit — km and tour paid, no
    # available hours
    vid = got[0].vehicle
    with api.store.session() as s:
        s.get(VehicleRow, vid).uses_availability = True
    (t,) = [x for x in tours(api.store, addison_travel, DAY, DAY) if x.vehicle == vid]
    first = _visits(api, DAY)[vid][0][0]
    assert t.window == (first, first) and t.available_h == 0
    assert t.driven_km == pytest.approx(got[0].driven_km)
    (st,) = [x for x in month_statements(api.store, addison_travel,
                                         _rules(per_vehicle_hour=3200, per_km=100),
                                         MONTH, DAY) if any(v.vehicle == vid
                                                            for v in x.vehicles)]
    days = [d for d in st.days if d.vehicle == vid]
    assert [(d.date, d.available_h, d.tours) for d in days] == [(DAY, 0.0, 1)]
    assert days[0].km_cents == int(Decimal(str(t.driven_km * 100)).quantize(
        Decimal(1), "ROUND_HALF_UP")) and days[0].hours_cents == 0
