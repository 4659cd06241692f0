"""Fares (``dispatch.fares``, ``[[fares]]`` in region.toml, quotes and bookings): each rule type
priced on the real addison-vt area and street distances, checked against a small computation
written here; quotes show and store the fare, bookings keep the price quoted; a rider's late
cancellation records the fee; bad fare classes are refused naming the field; bad rules are
reported all at once, naming the file and the key."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from api.store.models import Booking, Quote
from dispatch.fares import ChildBand, FareClasses, FareRule, fare, zones_crossed
from mobility import RegionError, resolve_region
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

#: the middlebury area split at this longitude into a west and an east zone
SPLIT_LON = -73.15


def _box(name: str, west: float, east: float) -> tuple[str, dict[str, object]]:
    return name, {"type": "Polygon", "coordinates": [[[west, 43.8], [east, 43.8],
                                                      [east, 44.3], [west, 44.3],
                                                      [west, 43.8]]]}


ZONES = (_box("west", -73.5, SPLIT_LON), _box("east", SPLIT_LON, -72.8))
BANDS = (ChildBand(5, 0.0), ChildBand(14, 0.5))


def _street_m(travel, a, b) -> float:  # type: ignore[no-untyped-def]
    return float(travel.matrix([a], [b])[1][0, 0])


def _half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


# -- the rules, one by one ------------------------------------------------------------------
def test_flat_fare_with_children_concession_and_companion(addison) -> None:
    rule = replace(addison.config.fare_rule("middlebury"), children=BANDS)
    assert rule.kind == "flat" and rule.currency == "USD"
    # 6 riders: an adult, children of 3, 9 and 15, a concession, a companion
    f = fare(rule, 12_345.0, 0, 6, FareClasses((3, 9, 15), 1, 1))
    price = rule.price
    expected = (price            # the adult
                + 0             # age 3: free
                + _half_up(price * 0.5)  # age 9: half
                + price          # age 15: older than every band, an adult
                + _half_up(price * rule.concession)
                + 0)             # the companion
    assert f.cents == expected and f.currency == "USD"
    assert sum(ln.cents for ln in f.lines) == f.cents
    assert {ln.kind for ln in f.lines} == {"adult", "child", "concession", "companion"}
    assert sum(ln.count for ln in f.lines) == 6


@pytest.mark.parametrize("end", [BRISTOL, EAST_MIDDLEBURY, VERGENNES, WEYBRIDGE])
def test_distance_fare_charges_each_started_km(addison, addison_travel, end) -> None:
    rule = FareRule("distance", "USD", base=150, per_km=35, surcharge=100, children=BANDS,
                    concession=0.75)
    d = _street_m(addison_travel, MIDDLEBURY, end)
    assert 1000 < d < 60_000  # a real road trip in the area
    f = fare(rule, d, 0, 3, FareClasses((10,), 1, 0))
    km = -(-int(d) // 1000) if d == int(d) else int(d // 1000) + 1  # started kilometres
    each = 150 + 35 * km + 100
    assert f.cents == each + _half_up(each * 0.5) + _half_up(each * 0.75)


def test_zone_fare_by_zones_the_ride_crosses(addison) -> None:
    rule = FareRule("zone", "USD", zone_prices=(180, 260, 330), surcharge=50, zones=ZONES)
    area = addison.service_areas[0]
    for end in (EAST_MIDDLEBURY, WEYBRIDGE, VERGENNES):
        assert area.contains(end)
        n = 1 + ((MIDDLEBURY[1] < SPLIT_LON) != (end[1] < SPLIT_LON))  # sides of the split
        assert zones_crossed(ZONES, MIDDLEBURY, end) == n
        assert fare(rule, 0.0, n, 2).cents == 2 * ((180, 260)[n - 1] + 50)
    # more zones than prices: the last price
    assert fare(rule, 0.0, 7, 1).cents == 330 + 50


def test_more_reduced_passengers_than_riders_is_refused() -> None:
    with pytest.raises(ValueError):
        fare(FareRule("flat", "EUR", price=100), 0.0, 0, 1, FareClasses((4,), 1))


def test_the_built_in_regions_rules(data_dir: Path) -> None:
    rn = resolve_region("rhein-neckar", data_dir)
    rule = rn.fare_rule("any-area")  # its one rule is every area's
    assert rule is not None and rule.kind == "distance" and rule.currency == "EUR"
    assert rule.surcharge > 0 and rule.children and rule.cancel_deadline_min is not None


# -- bad rules: every problem at once --------------------------------------------------------
HEAD = ('name = "tiny"\ngtfs = ["gtfs.zip"]\nosm = "streets.osm"\nservice_areas = ["a.geojson"]\n'
        'country = "DE"\n')
SQUARE = {"type": "Feature", "properties": {"name": "square"},
          "geometry": {"type": "Polygon", "coordinates": [[[-73.3, 43.9], [-73.0, 43.9],
                                                           [-73.0, 44.2], [-73.3, 44.2],
                                                           [-73.3, 43.9]]]}}


def _write(folder: Path, text: str) -> Path:
    (folder / "a.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                  "features": [SQUARE]}), encoding="utf-8")
    toml = folder / "region.toml"
    toml.write_text(HEAD + text, encoding="utf-8")
    return toml


def test_good_rules_are_read_in_cents_of_the_regions_currency(tiny_region: Path) -> None:
    _write(tiny_region, '[[fares]]\narea = "square"\nrule = "distance"\nbase = 1.6\n'
                        'per_km = 0.2\nsurcharge = 1\nconcession = 0.75\n'
                        'children = [{max_age = 5, share = 0.0}]\n')
    rule = resolve_region(tiny_region, tiny_region.parent).fare_rule("square")
    assert rule == FareRule("distance", "EUR", base=160, per_km=20, surcharge=100,
                            children=(ChildBand(5, 0.0),), concession=0.75)


def test_zone_rules_read_their_zones_from_geojson(tiny_region: Path) -> None:
    (tiny_region / "zones.geojson").write_text(json.dumps({"type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": n}, "geometry": g}
                     for n, g in ZONES]}), encoding="utf-8")
    _write(tiny_region, '[[fares]]\nrule = "zone"\nzones = "zones.geojson"\n'
                        'zone_prices = [1.8, 2.6]\n')
    rule = resolve_region(tiny_region, tiny_region.parent).fare_rule("square")
    assert rule is not None and rule.zone_prices == (180, 260) and rule.zones == ZONES
    (tiny_region / "zones.geojson").write_text("not json", encoding="utf-8")
    with pytest.raises(RegionError, match=r"fares\[0\]\.zones: .*not valid GeoJSON"):
        resolve_region(tiny_region, tiny_region.parent)


def test_bad_rules_report_every_problem_naming_file_and_key(tiny_region: Path) -> None:
    toml = _write(tiny_region, (
        '[[fares]]\narea = "nowhere"\nrule = "flat"\n'            # unknown area, no price
        '[[fares]]\nrule = "zone"\ncancel_fee = 2\n'               # no zones, no deadline
        '[[fares]]\nrule = "distance"\nper_km = -1\n'              # a negative amount
        '[[fares]]\nrule = "taxi"\nchildren = [{max_age = 5, share = 2}]\n'))
    with pytest.raises(RegionError) as exc:
        resolve_region(tiny_region, tiny_region.parent)
    msg = str(exc.value)
    assert msg.startswith(f"{toml}: ")
    for part in ("fares[2].per_km", "fares[3].rule", "fares[3].children[0].share"):
        assert part in msg, msg
    # the schema's problems first; the rules' own once the schema holds
    _write(tiny_region, '[[fares]]\narea = "nowhere"\nrule = "flat"\n'
                        '[[fares]]\nrule = "zone"\ncancel_fee = 2\n'
                        '[[fares]]\nrule = "flat"\nprice = 1\n'
                        '[[fares]]\nrule = "flat"\nprice = 1\n'
                        'children = [{max_age = 14, share = 0.5}, {max_age = 5, share = 0}]\n')
    with pytest.raises(RegionError) as exc:
        resolve_region(tiny_region, tiny_region.parent)
    msg = str(exc.value)
    for part in ("fares[0].area must name one of the region's service areas",
                 "fares[0].price is missing", "fares[1].zone_prices is missing",
                 "fares[1].zones is missing", "fares[1].cancel_deadline_min is missing",
                 "fares[3].area unset (every area) has a rule already",
                 "fares[3].children must list bands by ascending max_age"):
        assert part in msg, msg


# -- quotes and bookings ---------------------------------------------------------------------
def _stored(api, model, id_: str):  # type: ignore[no-untyped-def]
    with api.store.session() as s:
        row = s.execute(select(model).where(model.id == id_)).scalar_one()
        s.expunge(row)
        return row


def test_quote_shows_and_stores_the_fare_and_booking_keeps_it(api, addison) -> None:
    rule = addison.config.fare_rule("middlebury")
    assert rule is not None
    body = ride(MIDDLEBURY, BRISTOL, tomorrow(9), passengers=3, wheelchair=True,
                fareClasses={"children": [4], "concession": 1})
    q, b = api.book("rider", body)
    # an adult, a child of 4 (free under the area's bands), a concession
    cents = rule.price + 0 + _half_up(rule.price * rule.concession)
    assert q["fare"]["currency"] == "USD" and q["fare"]["amount"] == cents / 100
    assert sum(x["amount"] for x in q["fare"]["lines"]) == pytest.approx(cents / 100)
    row = _stored(api, Quote, q["id"])
    assert (row.fare_cents, row.fare_currency) == (cents, "USD")
    assert b["fare"] == q["fare"]
    # the rules change: the booking keeps the price quoted, a new quote pays the new one
    area = api.service.areas["middlebury"]
    api.service.areas["middlebury"] = replace(area, fare=replace(rule, price=rule.price * 3))
    got = api.get(f"/api/v1/bookings/{b['id']}", "rider").json()
    assert got["fare"] == q["fare"]
    assert _stored(api, Booking, b["id"]).fare_cents == cents
    listed = api.get("/api/v1/bookings", "dispatcher").json()["bookings"]
    assert [x["fare"] for x in listed if x["id"] == b["id"]] == [q["fare"]]
    q2 = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(11))).json()
    assert q2["fare"]["amount"] == rule.price * 3 / 100


def test_an_area_without_rules_quotes_no_fare(api) -> None:
    area = api.service.areas["middlebury"]
    api.service.areas["middlebury"] = replace(area, fare=None)
    q, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    assert q["fare"] is None and b["fare"] is None


def test_distance_fare_in_a_quote(api, addison_travel) -> None:
    area = api.service.areas["middlebury"]
    rule = FareRule("distance", "USD", base=150, per_km=35)
    api.service.areas["middlebury"] = replace(area, fare=rule)
    q = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, VERGENNES, tomorrow(9))).json()
    d = _street_m(addison_travel, MIDDLEBURY, VERGENNES)
    detail = json.loads(_stored(api, Quote, q["id"]).fare_detail)
    assert detail["rule"] == "distance" and detail["distance_m"] == round(d)
    assert q["fare"]["amount"] == (150 + 35 * math.ceil(d / 1000)) / 100


def _pickup_start(b: dict) -> dt.datetime:  # type: ignore[type-arg]
    return dt.datetime.fromisoformat(b["pickupWindow"]["start"])


@pytest.mark.parametrize("hours_before, fee", [(3, None), (0.5, 2.0)])
def test_cancellation_fee_after_the_deadline(api, addison, hours_before, fee) -> None:
    rule = addison.config.fare_rule("middlebury")
    assert rule is not None and rule.cancel_deadline_min == 60 and rule.cancel_fee == 200
    q, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    api.clock.set(_pickup_start(b) - dt.timedelta(hours=hours_before))
    r = api.delete(f"/api/v1/bookings/{b['id']}", "rider")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and r.json()["cancelFee"] == fee
    stored = _stored(api, Booking, b["id"]).cancel_fee_cents
    assert stored == (None if fee is None else round(fee * 100))


def test_a_dispatchers_cancellation_costs_no_fee(api) -> None:
    q, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    api.clock.set(_pickup_start(b) - dt.timedelta(minutes=5))
    r = api.delete(f"/api/v1/bookings/{b['id']}", "dispatcher")
    assert r.status_code == 200 and r.json()["cancelFee"] is None


@pytest.mark.parametrize("extra, field", [
    ({"passengers": 2, "fareClasses": {"children": [3, 4, 5]}}, "fareClasses"),
    ({"passengers": 2, "fareClasses": {"concession": -1}}, "fareClasses.concession"),
    ({"fareClasses": {"children": ["4"]}}, "fareClasses.children.0"),
    ({"fareClasses": {"children": [200]}}, "fareClasses.children"),
    ({"fareClasses": {"concession": "1"}}, "fareClasses.concession"),
    ({"fareClasses": {"concession": 10**12}}, "fareClasses.concession"),
    ({"passengers": 2, "fareClasses": {"companions": 1}}, "fareClasses"),  # no wheelchair
    ({"passengers": 1, "wheelchair": True, "fareClasses": {"companions": 1}}, "fareClasses"),
    ({"fareClasses": {"seniors": 1}}, "fareClasses.seniors"),
    ({"fareClasses": [1]}, "fareClasses"),
])
def test_bad_fare_classes_are_refused_naming_the_field(api, extra, field) -> None:
    r = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9), **extra))
    assert r.status_code == 422, r.text
    fields = [e.get("field") or e.get("pointer") for e in r.json().get("errors", [])]
    assert any(f is not None and field in str(f) for f in fields), r.json()
    with api.store.session() as s:
        assert s.execute(select(Quote)).first() is None  # nothing written


def test_itinerary_legs_are_priced_too(api, addison) -> None:
    rule = addison.config.fare_rule("middlebury")
    assert rule is not None
    q = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9))).json()
    leg = {"origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
           "destination": {"lat": BRISTOL[0], "lon": BRISTOL[1]},
           "pickupWindow": q["pickupWindow"],
           "dropOffWindow": {"start": q["pickupWindow"]["start"], "end": None},
           "passengers": 2, "fareClasses": {"concession": 1}}
    r = api.post("/api/v1/bookings", "rider2", {"itinerary": [leg]})
    assert r.status_code == 201, r.text
    got = r.json()["bookings"][0]["fare"]
    assert got["amount"] == (rule.price + _half_up(rule.price * rule.concession)) / 100
    assert NOW.tzinfo is not None


# -- the journey planner's on-demand legs ----------------------------------------------------
def test_planned_rides_show_one_adults_fare(addison, addison_travel, tmp_path: Path) -> None:
    from api.routes.plan import plan_answer
    from api.store import Store
    from mobility.planning import RegionPlanner
    from mobility.server import ride_legs
    from tests.conftest import booking_service

    rule = FareRule("distance", "USD", base=150, per_km=35, surcharge=25)
    areas = [replace(a, fare=rule) for a in addison.service_areas]
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    od = booking_service(addison, addison_travel, store, areas)
    planner = RegionPlanner(addison, replay=True)
    planner.on_demand = ride_legs(planner, od)
    day = NOW.date() + dt.timedelta(days=1)
    out = plan_answer(planner, "43.9600,-73.2100", "44.1670,-73.2540", f"{day}T07:00")
    rides = [leg for it in out["itineraries"] for leg in it["legs"]
             if leg["mode"] == "ON_DEMAND"]
    assert rides, out["messages"]
    for leg in rides:
        a, b = leg["bookingInfo"]["origin"], leg["bookingInfo"]["destination"]
        d = _street_m(addison_travel, (a["lat"], a["lon"]), (b["lat"], b["lon"]))
        cents = 150 + 35 * math.ceil(d / 1000) + 25
        assert leg["bookingInfo"]["fare"] == {"amount": cents / 100, "currency": "USD"}


# -- GTFS Fares v2 in the GTFS-Flex export ---------------------------------------------------
def _rows(path: Path, name: str) -> list[dict[str, str]]:
    import csv
    import io
    import zipfile

    with zipfile.ZipFile(path) as z:
        return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8"))))


def test_flex_export_writes_flat_fares_as_fares_v2(addison, tmp_path: Path) -> None:
    from dispatch.feed_ids import route_id
    from feeds.flex import read_flex, write_flex

    (area,) = addison.service_areas
    rule = replace(area.fare, surcharge=50, children=BANDS, concession=0.75)
    out = write_flex([replace(area, fare=rule)], tmp_path / "f.zip", agency="x",
                     timezone=addison.timezone)
    net = route_id(area.name)
    each = rule.price + 50  # one passenger's price: the flat fare and the surcharge
    want = {"adult": each, "child-0-5": 0, "child-6-14": _half_up(each * 0.5),
            "concession": _half_up(each * 0.75), "companion": 0}
    products = {p["rider_category_id"]: p for p in _rows(out, "fare_products.txt")}
    assert {k: round(float(p["amount"]) * 100) for k, p in products.items()} == want
    assert {p["currency"] for p in products.values()} == {"USD"}
    assert all(p["amount"].count(".") == 1 and len(p["amount"].split(".")[1]) == 2
               for p in products.values())
    cats = {c["rider_category_id"]: c for c in _rows(out, "rider_categories.txt")}
    assert set(cats) == set(want)
    assert [k for k, c in cats.items() if c["is_default_fare_category"] == "1"] == ["adult"]
    media = {m["fare_media_id"] for m in _rows(out, "fare_media.txt")}
    assert {p["fare_media_id"] for p in products.values()} <= media
    legs = _rows(out, "fare_leg_rules.txt")
    assert {(x["network_id"], x["fare_product_id"]) for x in legs} == {
        (net, p["fare_product_id"]) for p in products.values()}
    assert _rows(out, "route_networks.txt") == [{"network_id": net, "route_id": net}]
    # read back: the adults' price as a flat fare
    back = read_flex(out)
    assert not back.report.problems, [str(p) for p in back.report.problems]
    assert back.areas[0].fare == FareRule("flat", "USD", price=each)


def test_flex_export_leaves_out_what_fares_v2_cannot_say(addison, tmp_path: Path) -> None:
    import zipfile

    from feeds.flex import read_flex, write_flex

    (area,) = addison.service_areas
    for rule in (FareRule("distance", "USD", base=150, per_km=35), None):
        out = write_flex([replace(area, fare=rule)], tmp_path / "f.zip", agency="x",
                         timezone=addison.timezone)
        with zipfile.ZipFile(out) as z:
            assert not any(n.startswith(("fare_", "rider_")) for n in z.namelist())
        assert read_flex(out).areas[0].fare is None
