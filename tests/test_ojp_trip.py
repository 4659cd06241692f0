"""OJPTripRequest (issue 19) on the real addison-vt region, through ``POST /ojp``: every
answer validates against the official OJP 2.0 schema; the working group's example requests
are answered with the Swiss references replaced by the region's; the trips are the JSON
plan's (``GET /api/v1/plan`` on the same query, compared leg by leg from both outputs); an
on-demand leg is a demand-responsive bus with the area's booking rule; bad input is an OJP
error condition, never a 500.

The service's clock is the feed's day (Thursday 3 March 2016, 06:00), so on-demand rides are
offered on the feed's timetable; the area asks for 30 minutes' notice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, fromstring
from xml.sax.saxutils import escape

import numpy as np
import pytest

from api.ojp.trip_out import TripWriter
from api.ojp.xml import NS
from dispatch import feed_ids
from dispatch.service_area import BookingRule
from mobility.region import Region
from routing.legs import RideOffer
from routing.planner import Itinerary, Place, PlanLeg
from tests.api_helpers import ADDISON_TZ
from tests.ojp_support import example, post, validate

CLOCK = dt.datetime(2016, 3, 3, 6, 0, tzinfo=ADDISON_TZ)
RULE = BookingRule(1, notice_min_s=1800, phone="+1 802 555 0100",
                   url="https://rides.example.org/book",
                   message="Book by phone or online, at least 30 minutes ahead.")
SHAWS, BRISTOL, HIGH_SCHOOL, VERGENNES_MAIN = "771377", "771306", "771331", "771400"
MIDDLEBURY = (44.0153, -73.1673)
VERGENNES = (44.1670, -73.2540)
WOOSTER = (43.920543, -73.251581)  # Cornwall: no stop within walking distance
FAR = (44.3000, -73.0000)  # in the region's streets, no stop near, outside the area
ZURICH = (47.386135, 8.484003)


@pytest.fixture(scope="module")
def client(addison: Region, addison_travel: Any, addison_atlas: Any,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app over addison-vt with on-demand rides quoted on the service clock (``CLOCK``),
    the area's booking rule ``RULE``."""
    from fastapi.testclient import TestClient

    from api import Store, create_app
    from api.service import FixedClock
    from mobility.planning import RegionPlanner
    from mobility.server import ride_legs
    from tests.conftest import booking_service

    db: Path = tmp_path_factory.mktemp("ojp-trip") / "m.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    (area,) = addison.service_areas
    svc = booking_service(addison, addison_travel, store, [replace(area, booking=RULE)],
                          clock=FixedClock(CLOCK))
    planner = RegionPlanner(addison)
    planner.on_demand = ride_legs(planner, svc)
    app = create_app(planner, svc, region_name=addison.name, atlas=addison_atlas)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    store.engine.dispose()


# -- requests and answers -------------------------------------------------------------------
def stop(ref: str, name: str = "a stop") -> str:
    return f"<StopPlaceRef>{ref}</StopPlaceRef><Name><Text>{escape(name)}</Text></Name>"


def point(p: tuple[float, float], name: str = "a place") -> str:
    return (f"<GeoPosition><siri:Longitude>{p[1]}</siri:Longitude><siri:Latitude>{p[0]}"
            f"</siri:Latitude></GeoPosition><Name><Text>{escape(name)}</Text></Name>")


def trip_request(origin: str, destination: str, *, dep: str | None = None,
                 arr: str | None = None, params: str = "") -> bytes:
    """An OJPTripRequest document; ``origin``/``destination`` are PlaceRef contents."""
    dep_el = f"<DepArrTime>{dep}</DepArrTime>" if dep else ""
    arr_el = f"<DepArrTime>{arr}</DepArrTime>" if arr else ""
    params_el = f"<Params>{params}</Params>" if params else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OJP xmlns="http://www.vdv.de/ojp" xmlns:siri="http://www.siri.org.uk/siri" version="2.0">
<OJPRequest><siri:ServiceRequest><siri:RequestTimestamp>2016-03-03T11:00:00Z</siri:RequestTimestamp>
<siri:RequestorRef>tests</siri:RequestorRef><OJPTripRequest>
<siri:RequestTimestamp>2016-03-03T11:00:00Z</siri:RequestTimestamp>
<siri:MessageIdentifier>m-1</siri:MessageIdentifier>
<Origin><PlaceRef>{origin}</PlaceRef>{dep_el}</Origin>
<Destination><PlaceRef>{destination}</PlaceRef>{arr_el}</Destination>{params_el}
</OJPTripRequest></siri:ServiceRequest></OJPRequest></OJP>""".encode()


def deliveries(client: Any, body: bytes) -> list[Element]:
    """The trip deliveries of the answer, which is valid OJP (else the test fails)."""
    r = post(client, body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    validate(r.content)
    return fromstring(r.content).findall(".//ojp:OJPTripDelivery", NS)


def ask(client: Any, body: bytes) -> Element:
    (d,) = deliveries(client, body)
    return d


def problem(d: Element) -> str | None:
    return d.findtext("ojp:ErrorCondition/ojp:TripProblemType", None, NS)


def trips(d: Element) -> list[Element]:
    assert d.findtext("siri:Status", None, NS) == "true", _text(d)
    return d.findall("ojp:TripResult/ojp:Trip", NS)


def _text(d: Element) -> str:
    return " ".join(t for t in d.itertext() if t.strip())


def utc_ms(text: str | None) -> int:
    assert text is not None and text.endswith("Z"), text
    return int(dt.datetime.fromisoformat(text).timestamp() * 1000)


def local(day: str, hm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=ADDISON_TZ)


def z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan_json(client: Any, **params: Any) -> dict[str, Any]:
    r = client.get("/api/v1/plan", params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


# -- both outputs in one shape ----------------------------------------------------------------
def ojp_legs(trip: Element) -> list[dict[str, Any]]:
    out = []
    for leg in trip.findall("ojp:Leg", NS):
        timed = leg.find("ojp:TimedLeg", NS)
        if timed is not None:
            board, alight = timed.find("ojp:LegBoard", NS), timed.find("ojp:LegAlight", NS)
            svc = timed.find("ojp:Service", NS)
            assert board is not None and alight is not None and svc is not None
            demand = svc.findtext("ojp:Mode/siri:BusSubmode", None, NS) == "demandAndResponseBus"
            out.append({
                "mode": "ON_DEMAND" if demand else svc.findtext("ojp:Mode/ojp:PtMode", "", NS)
                .upper(),
                "start": utc_ms(board.findtext("ojp:ServiceDeparture/ojp:TimetabledTime", None,
                                               NS)),
                "end": utc_ms(alight.findtext("ojp:ServiceArrival/ojp:TimetabledTime", None,
                                              NS)),
                "from": board.findtext("siri:StopPointRef", None, NS),
                "to": _stop(alight.findtext("siri:StopPointRef", None, NS)),
                "trip": None if demand else svc.findtext("ojp:JourneyRef", None, NS),
                "route": None if demand else svc.findtext("siri:LineRef", None, NS),
                "via": [i.findtext("siri:StopPointRef", None, NS)
                        for i in timed.findall("ojp:LegIntermediate", NS)]})
            continue
        walk = leg.find("ojp:ContinuousLeg", NS)
        if walk is None:
            walk = leg.find("ojp:TransferLeg", NS)
        assert walk is not None
        out.append({"mode": "WALK",
                    "start": utc_ms(walk.findtext("ojp:TimeWindowStart", None, NS)),
                    "end": utc_ms(walk.findtext("ojp:TimeWindowEnd", None, NS)),
                    "from": walk.findtext("ojp:LegStart/siri:StopPointRef", None, NS),
                    "to": walk.findtext("ojp:LegEnd/siri:StopPointRef", None, NS),
                    "trip": None, "route": None, "via": []})
    return out


def _stop(ref: str | None) -> str | None:
    """A stop's reference; None for the on-demand area's zone (a drop-off at a place)."""
    return None if ref == feed_ids.area_id("middlebury") else ref


def json_legs(it: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"mode": leg["mode"], "start": leg["startTime"], "end": leg["endTime"],
             "from": leg["from"].get("stopId"), "to": leg["to"].get("stopId"),
             "trip": leg.get("tripId"), "route": leg.get("routeId"),
             "via": [s["stopId"] for s in leg.get("intermediateStops", [])]}
            for leg in it["legs"]]


#: (OJP origin, OJP destination, JSON from, JSON to, local time, arrive by, OJP params,
#: JSON params)
SAME_QUERIES = [
    pytest.param(stop(SHAWS), stop(BRISTOL), f"stop:{SHAWS}", f"stop:{BRISTOL}", "08:00",
                 False, "", {}, id="stop-to-stop"),
    pytest.param(point(MIDDLEBURY), point(VERGENNES), "44.0153,-73.1673", "44.167,-73.254",
                 "07:30", False, "", {}, id="point-to-point"),
    pytest.param(point(WOOSTER), stop(HIGH_SCHOOL), "43.920543,-73.251581",
                 f"stop:{HIGH_SCHOOL}", "08:00", False, "", {}, id="ride-to-stop"),
    pytest.param(stop(VERGENNES_MAIN), point(MIDDLEBURY), f"stop:{VERGENNES_MAIN}",
                 "44.0153,-73.1673", "12:00", True, "", {}, id="arrive-by"),
    pytest.param(point(MIDDLEBURY), stop(BRISTOL), "44.0153,-73.1673", f"stop:{BRISTOL}",
                 "09:00", False, "<NoSingleStep>true</NoSingleStep><TransferLimit>0"
                 "</TransferLimit>", {"wheelchair": "true", "maxTransfers": 0},
                 id="wheelchair-no-transfer"),
]


@pytest.mark.parametrize(("o", "d", "jo", "jd", "hm", "arrive_by", "params", "extra"),
                         SAME_QUERIES)
def test_trips_are_the_json_plans_itineraries(client: Any, o: str, d: str, jo: str, jd: str,
                                              hm: str, arrive_by: bool, params: str,
                                              extra: dict[str, Any]) -> None:
    """Same query, both interfaces: as many trips, leg by leg the same modes, times, stops,
    trips and routes (and stops passed), the trip's times, transfers (vehicle legs less one)
    and distance."""
    at = local("2016-03-03", hm)
    moment = {"arr" if arrive_by else "dep": z(at)}
    d_el = ask(client, trip_request(o, d, **moment, params=params + "<IncludeIntermediateStops>"
                                    "true</IncludeIntermediateStops>"))
    its = plan_json(client, **{"from": jo, "to": jd, "time": f"2016-03-03T{hm}",
                               "arriveBy": str(arrive_by).lower(), **extra})["itineraries"]
    got = trips(d_el)
    assert its and len(got) == len(its)
    for trip, it in zip(got, its, strict=True):
        assert ojp_legs(trip) == json_legs(it)
        assert utc_ms(trip.findtext("ojp:StartTime", None, NS)) == it["startTime"]
        assert utc_ms(trip.findtext("ojp:EndTime", None, NS)) == it["endTime"]
        vehicles = sum(leg["transitLeg"] for leg in it["legs"])
        assert int(trip.findtext("ojp:Transfers", "", NS)) == max(0, vehicles - 1)
        assert abs(int(trip.findtext("ojp:Distance", "", NS))
                   - sum(leg["distance"] for leg in it["legs"])) <= 1
        if arrive_by:
            assert it["endTime"] <= at.timestamp() * 1000
        else:
            assert it["startTime"] >= at.timestamp() * 1000


# -- on-demand legs -----------------------------------------------------------------------------
def test_on_demand_leg_is_a_demand_responsive_bus_with_the_areas_booking_rule(
        client: Any) -> None:
    """Wooster Road has no stop within walking distance: the ride is a TimedLeg of a
    demand-responsive bus carrying the static GTFS-Flex feed's ids, its quoted pickup and
    drop-off with the promised windows (as the JSON plan's bookingInfo), and booking
    arrangements from the area's rule: phone, URL, note, 30 minutes' notice, the latest
    booking time of day (the pickup window's start less the notice)."""
    at = local("2016-03-03", "08:00")
    d = ask(client, trip_request(point(WOOSTER), stop(HIGH_SCHOOL), dep=z(at)))
    its = plan_json(client, **{"from": "43.920543,-73.251581", "to": f"stop:{HIGH_SCHOOL}",
                               "time": "2016-03-03T08:00"})["itineraries"]
    pairs = [(leg, jl) for trip, it in zip(trips(d), its, strict=True)
             for leg, jl in zip(trip.findall("ojp:Leg/ojp:TimedLeg", NS),
                                [x for x in it["legs"] if x["transitLeg"]], strict=True)
             if jl["mode"] == "ON_DEMAND"]
    assert pairs
    for leg, jl in pairs:
        svc = leg.find("ojp:Service", NS)
        assert svc is not None
        assert svc.findtext("ojp:ConventionalModeOfOperation", None, NS) == "demandResponsive"
        assert svc.findtext("ojp:Mode/ojp:PtMode", None, NS) == "bus"
        assert svc.findtext("ojp:JourneyRef", None, NS) == "od-middlebury-trip"
        assert svc.findtext("siri:LineRef", None, NS) == feed_ids.route_id("middlebury")
        assert svc.findtext("ojp:OperatorRefs/ojp:OperatorRef", None, NS) == feed_ids.AGENCY_ID
        assert svc.findtext("ojp:ReservationNeeded", None, NS) == "service"
        info = jl["bookingInfo"]
        dep = leg.find("ojp:LegBoard/ojp:ServiceDeparture", NS)
        arr = leg.find("ojp:LegAlight/ojp:ServiceArrival", NS)
        assert dep is not None and arr is not None
        assert utc_ms(dep.findtext("ojp:EstimatedTimeLow", None, NS)) == \
            info["pickupWindow"]["start"]
        assert utc_ms(dep.findtext("ojp:EstimatedTimeHigh", None, NS)) == \
            info["pickupWindow"]["end"]
        assert utc_ms(arr.findtext("ojp:EstimatedTimeLow", None, NS)) == \
            info["dropOffWindow"]["start"]
        high = arr.findtext("ojp:EstimatedTimeHigh", None, NS)
        assert (None if high is None else utc_ms(high)) == info["dropOffWindow"]["end"]
        ba = svc.find("ojp:BookingArrangements/ojp:BookingArrangement", NS)
        assert ba is not None
        assert ba.findtext("ojp:BookingContact/ojp:Phone", None, NS) == RULE.phone
        assert ba.findtext("ojp:BookingUrl/ojp:Url", None, NS) == RULE.url
        assert {m.text for m in ba.findall("ojp:BookingMethods/ojp:BookingMethod", NS)} == \
            {"online", "callOffice"}
        assert ba.findtext("ojp:MinimumBookingPeriod", None, NS) == "PT30M"
        assert ba.findtext("ojp:BookingNotes/ojp:BookingNote/ojp:Text", None, NS) == \
            RULE.message
        latest = dt.datetime.fromtimestamp(info["pickupWindow"]["start"] / 1000, ADDISON_TZ) \
            - dt.timedelta(minutes=30)
        assert ba.findtext("ojp:LatestBookingTime", None, NS) == latest.strftime("%H:%M:%S")


def test_include_fare_gives_each_on_demand_leg_the_fare_the_json_plan_shows(
        client: Any) -> None:
    """``IncludeFare``: one ``TripFare`` per on-demand leg, for that leg only, with the adult
    product of the GTFS-Flex feed's Fares v2 tables and the JSON plan's price; without it
    (the schema's default) no fare."""
    at = local("2016-03-03", "08:00")
    body = trip_request(point(WOOSTER), stop(HIGH_SCHOOL), dep=z(at),
                        params="<IncludeFare>true</IncludeFare>")
    d = ask(client, body)
    its = plan_json(client, **{"from": "43.920543,-73.251581", "to": f"stop:{HIGH_SCHOOL}",
                               "time": "2016-03-03T08:00"})["itineraries"]
    results = d.findall("ojp:TripResult", NS)
    assert len(results) == len(its)
    seen = 0
    for r, it in zip(results, its, strict=True):
        rides = [k + 1 for k, leg in enumerate(it["legs"]) if leg["mode"] == "ON_DEMAND"]
        fares = r.findall("ojp:TripFare", NS)
        assert [int(f.findtext("ojp:FromLegIdRef", "", NS)) for f in fares] == rides
        for f, k in zip(fares, rides, strict=True):
            seen += 1
            want = it["legs"][k - 1]["bookingInfo"]["fare"]
            assert f.findtext("ojp:ToLegIdRef", None, NS) == str(k)
            assert f.findtext("ojp:FareProduct/ojp:FareProductId", None, NS) == \
                "od-middlebury-adult"
            assert float(f.findtext("ojp:FareProduct/ojp:Price", "", NS)) == want["amount"]
            assert f.findtext("ojp:FareProduct/ojp:Currency", None, NS) == want["currency"]
    assert seen
    plain = ask(client, trip_request(point(WOOSTER), stop(HIGH_SCHOOL), dep=z(at)))
    assert plain.findall("ojp:TripResult/ojp:TripFare", NS) == []


def test_prior_day_booking_rule(addison: Region) -> None:
    """An area booked up to the day before (by 17:00): the ride says so, its latest
    booking time is the rule's, no minimum notice."""
    (area,) = addison.service_areas
    rule = BookingRule(2, last_day=1, last_time_s=17 * 3600, message="Call the day before.",
                       phone="+1 802 555 0199")
    offer = RideOffer(8 * 3600, 8.5 * 3600, (8 * 3600, 8.25 * 3600), (8.4 * 3600, 8.6 * 3600),
                      9000.0, area.name, "mid-1")
    a, b = Place("a", *MIDDLEBURY), Place("b", *VERGENNES)
    leg = PlanLeg("ON_DEMAND", 8 * 3600, int(8.5 * 3600), a, b, 9000.0,
                  np.array([MIDDLEBURY, VERGENNES]), ride=offer)
    w = TripWriter(addison.timetable, dt.date(2016, 3, 3), ADDISON_TZ,
                   {area.name: rule}, None)
    (res,) = w.results([Itinerary([leg])])
    ba = res.find(".//ojp:BookingArrangement", NS)
    assert ba is not None
    assert ba.findtext("ojp:BookWhen", None, NS) == "untilPreviousDay"
    assert ba.findtext("ojp:LatestBookingTime", None, NS) == "17:00:00"
    assert ba.find("ojp:MinimumBookingPeriod", NS) is None
    assert [m.text for m in ba.findall("ojp:BookingMethods/ojp:BookingMethod", NS)] == \
        ["online", "callOffice"]
    board = res.find(".//ojp:LegBoard", NS)
    assert board is not None and board.find("ojp:GeoPosition", NS) is not None


# -- parameters -------------------------------------------------------------------------------
def _kinds(d: Element) -> list[set[str]]:
    return [{leg["mode"] for leg in ojp_legs(t)} for t in trips(d)]


def test_mode_filters(client: Any) -> None:
    """Excluding the demand-responsive bus drops the trips with a ride (the others stay,
    as planned); keeping only it leaves trips whose every vehicle is a ride; excluding
    buses leaves no trip (TRIP_NOTRIPFOUND)."""
    dep = z(local("2016-03-03", "08:00"))
    every = _kinds(ask(client, trip_request(stop(SHAWS), stop(BRISTOL), dep=dep)))
    assert any("ON_DEMAND" in k for k in every) and any("ON_DEMAND" not in k for k in every)
    no_rides = _kinds(ask(client, trip_request(
        stop(SHAWS), stop(BRISTOL), dep=dep, params=(
            "<ModeAndModeOfOperationFilter><Exclude>true</Exclude><PtMode>bus</PtMode>"
            "<siri:BusSubmode>demandAndResponseBus</siri:BusSubmode>"
            "</ModeAndModeOfOperationFilter>"))))
    assert no_rides == [k for k in every if "ON_DEMAND" not in k]
    by_operation = _kinds(ask(client, trip_request(
        stop(SHAWS), stop(BRISTOL), dep=dep, params=(
            "<ModeAndModeOfOperationFilter><ConventionalModeOfOperation>demandResponsive"
            "</ConventionalModeOfOperation></ModeAndModeOfOperationFilter>"))))
    assert by_operation == no_rides
    only_rides = _kinds(ask(client, trip_request(
        stop(SHAWS), stop(BRISTOL), dep=dep, params=(
            "<ModeAndModeOfOperationFilter><Exclude>false</Exclude>"
            "<siri:BusSubmode>demandAndResponseBus</siri:BusSubmode>"
            "</ModeAndModeOfOperationFilter>"))))
    assert only_rides == [k for k in every if k - {"WALK"} == {"ON_DEMAND"}]
    none = ask(client, trip_request(stop(SHAWS), stop(BRISTOL), dep=dep, params=(
        "<ModeAndModeOfOperationFilter><PtMode>bus</PtMode></ModeAndModeOfOperationFilter>")))
    assert problem(none) == "TRIP_NOTRIPFOUND"


def test_number_of_results_and_details(client: Any) -> None:
    """NumberOfResults is how many options by scheduled bus the planner looks for (besides
    a ride and a walk); intermediate stops and the legs' projection only when asked, the
    projection being the JSON plan's leg geometry."""
    dep = z(local("2016-03-03", "07:00"))

    def scheduled(params: str) -> list[Element]:
        d = ask(client, trip_request(stop(HIGH_SCHOOL), stop(SHAWS), dep=dep, params=params))
        return [t for t in trips(d) if any(leg["trip"] for leg in ojp_legs(t))]

    base, one, six = (scheduled(p) for p in ("", "<NumberOfResults>1</NumberOfResults>",
                                              "<NumberOfResults>6</NumberOfResults>"))
    assert len(one) == 1 and 1 <= len(base) <= 3
    assert 6 >= len(six) > len(one)
    assert not any(t.find(".//ojp:LegIntermediate", NS) is not None for t in base)
    assert not any(t.find(".//ojp:LegTrack", NS) is not None for t in base)
    detailed = trips(ask(client, trip_request(
        point(MIDDLEBURY), point(VERGENNES), dep=dep, params=(
            "<IncludeLegProjection>true</IncludeLegProjection>"
            "<IncludeIntermediateStops>true</IncludeIntermediateStops>"))))
    its = plan_json(client, **{"from": "44.0153,-73.1673", "to": "44.167,-73.254",
                               "time": "2016-03-03T07:00"})["itineraries"]
    for trip, it in zip(detailed, its, strict=True):
        for leg, jl in zip(trip.findall("ojp:Leg", NS), it["legs"], strict=True):
            positions = leg.findall(".//ojp:LegTrack/ojp:TrackSection/ojp:LinkProjection/"
                                    "ojp:Position", NS)
            assert len(positions) == jl["legGeometry"]["length"]
    assert any(t.find(".//ojp:LegIntermediate", NS) is not None for t in detailed)


def test_results_before_and_after_the_time(client: Any) -> None:
    """NumberOfResultsBefore: trips leaving before the asked time (at most that many,
    first); After: trips leaving from it."""
    at = local("2016-03-03", "09:00")
    ms = at.timestamp() * 1000

    def starts(params: str) -> list[int]:
        d = ask(client, trip_request(stop(SHAWS), stop(VERGENNES_MAIN), dep=z(at),
                                     params=params))
        return [utc_ms(t.findtext("ojp:StartTime", None, NS)) for t in trips(d)]

    after = starts("<NumberOfResultsAfter>2</NumberOfResultsAfter>")
    assert after and all(t >= ms for t in after)
    before = starts("<NumberOfResultsBefore>2</NumberOfResultsBefore>"
                    "<TimeWindow>PT3H</TimeWindow>")
    assert 1 <= len(before) <= 2 and all(t < ms for t in before)
    both = starts("<NumberOfResultsBefore>2</NumberOfResultsBefore>"
                  "<NumberOfResultsAfter>2</NumberOfResultsAfter><TimeWindow>PT3H</TimeWindow>")
    assert both[:len(before)] == before and all(t >= ms for t in both[len(before):])
    assert len(both) > len(before)


def test_via_stop_and_walks_between_vehicles(client: Any) -> None:
    """Through Vergennes on the way from Middlebury to Bristol: every trip passes the via
    stop. A walk from one vehicle to the next is a TransferLeg, walks at the ends are
    ContinuousLegs on foot; the legs' ids count from 1."""
    body = trip_request(point(MIDDLEBURY), stop(BRISTOL), dep=z(local("2016-03-03", "07:00")))
    body = body.replace(b"</Destination>", b"</Destination><Via><ViaPoint>"
                        + stop(VERGENNES_MAIN).encode() + b"</ViaPoint></Via>")
    got = trips(ask(client, body))
    assert got
    seen = set()
    for trip in got:
        ends = {x for leg in ojp_legs(trip) for x in (leg["from"], leg["to"])}
        assert VERGENNES_MAIN in ends
        legs = trip.findall("ojp:Leg", NS)
        assert [leg.findtext("ojp:Id", None, NS) for leg in legs] == \
            [str(k) for k in range(1, len(legs) + 1)]
        kinds = [c.tag.split("}")[1] for leg in legs for c in leg
                 if c.tag.split("}")[1] in ("TimedLeg", "ContinuousLeg", "TransferLeg")]
        for k, kind in enumerate(kinds):
            seen.add(kind)
            between = 0 < k < len(kinds) - 1 and kinds[k - 1] == kinds[k + 1] == "TimedLeg"
            assert (kind == "TransferLeg") == (kind != "TimedLeg" and between)
        for walk in trip.findall("ojp:Leg/ojp:ContinuousLeg", NS):
            assert walk.findtext("ojp:Service/ojp:PersonalMode", None, NS) == "foot"
        vehicles = kinds.count("TimedLeg")
        assert int(trip.findtext("ojp:Transfers", "", NS)) == vehicles - 1
    assert seen == {"TimedLeg", "ContinuousLeg", "TransferLeg"}


# -- the working group's examples -------------------------------------------------------------
DAY_Z = "2016-03-03T13:00:00Z"  # 08:00 in Middlebury
POSITIONS = {"<siri:Longitude>8.484003</siri:Longitude>": "<siri:Longitude>-73.1673"
             "</siri:Longitude>",
             "<siri:Latitude>47.386135</siri:Latitude>": "<siri:Latitude>44.0153"
             "</siri:Latitude>",
             "<siri:Longitude>8.560054</siri:Longitude>": "<siri:Longitude>-73.2540"
             "</siri:Longitude>",
             "<siri:Latitude>47.364618</siri:Latitude>": "<siri:Latitude>44.1670"
             "</siri:Latitude>"}
#: the positions of TR_07 and TR_09, and their moment with milliseconds
DELEMONT = {"7.32828703470193": "-73.1673", "47.3660337589331": "44.0153",
            "7.340502403841725": "-73.2540", "47.357517786380754": "44.1670",
            "2023-09-13T14:00:28.140Z": "2016-03-03T13:00:28.140Z"}
EXAMPLES = [
    ("TR_01_request_Bern_Luzern_10_results_optimisation_fastest.xml",
     {"8503000": SHAWS, "8505000": VERGENNES_MAIN, "2020-01-30T12:30:00Z": DAY_Z}),
    ("TR_02_request_geoposition_2_geoposition.xml",
     {**POSITIONS, "2020-12-01T12:00:00Z": DAY_Z}),
    ("TR_03_request_search_by_StopPointName_many_params.xml",
     {"8503000": SHAWS, "8503424": BRISTOL, "8506000": HIGH_SCHOOL,
      "2020-12-01T12:00:00Z": DAY_Z}),
    ("TR_04_request_search_by_StopPlaceRef_many_params.xml",
     {"8506302": SHAWS, "8505000": VERGENNES_MAIN, "2020-09-30T11:00:00Z": DAY_Z}),
    ("TR_07_request_Delemont_normal.xml", DELEMONT),
    ("TR_09_request_restricted_lines.xml", DELEMONT),
    ("TR_16_mode_filter_example_request.xml",
     {"8503000": SHAWS, "8505000": VERGENNES_MAIN, "2020-01-30T12:30:00Z": DAY_Z}),
    ("TR_17_request_number_results_before_after.xml",
     {"8503000": SHAWS, "8505000": VERGENNES_MAIN, "2020-01-30T12:30:00Z": DAY_Z}),
]


@pytest.mark.parametrize(("name", "replace_"), EXAMPLES,
                         ids=[e[0].split("_request")[0] for e in EXAMPLES])
def test_working_group_examples_are_answered(client: Any, name: str,
                                             replace_: dict[str, str]) -> None:
    """Each example request, with the region's stops, places and the feed's day, is
    answered with trips (every delivery of the document)."""
    body = example(f"trip/{name}", replace_)
    ds = deliveries(client, body)
    assert ds and len(ds) == body.count(b"<OJPTripRequest>")
    for d in ds:
        assert trips(d), _text(d)


def test_example_with_an_include_only_filter_finds_no_bus(client: Any) -> None:
    """TR_10 keeps only funiculars, cableways and coaches: none run here."""
    body = example("trip/TR_10_request_filters.xml",
                   {"8503000": SHAWS, "8505000": VERGENNES_MAIN,
                    "2020-01-30T12:30:00Z": DAY_Z})
    assert problem(ask(client, body)) == "TRIP_NOTRIPFOUND"


# -- bad input ----------------------------------------------------------------------------------
AT = z(local("2016-03-03", "08:00"))
BAD = [
    pytest.param(stop("999999999"), stop(BRISTOL), AT, "", "TRIP_ORIGINUNKNOWN",
                 id="unknown-origin"),
    pytest.param(stop(SHAWS), stop("nope"), AT, "", "TRIP_DESTINATIONUNKNOWN",
                 id="unknown-destination"),
    pytest.param(point(ZURICH), stop(BRISTOL), AT, "", "TRIP_ORIGINUNKNOWN",
                 id="outside-region"),
    pytest.param(stop(SHAWS), point((95.0, -73.0)), AT, "", "TRIP_DESTINATIONUNKNOWN",
                 id="not-a-latitude"),
    pytest.param("<GeoPosition><siri:Longitude>NaN</siri:Longitude><siri:Latitude>44"
                 "</siri:Latitude></GeoPosition><Name><Text>x</Text></Name>", stop(BRISTOL),
                 AT, "", "TRIP_ORIGINUNKNOWN", id="nan"),
    pytest.param(stop("\u202e771377\U0001f68c"), stop(BRISTOL), AT, "", "TRIP_ORIGINUNKNOWN",
                 id="odd-unicode"),
    pytest.param(stop(SHAWS), "<GeoPosition><siri:Longitude>west</siri:Longitude><siri:Latitude>"
                 "44</siri:Latitude></GeoPosition><Name><Text>x</Text></Name>", AT, "",
                 "TRIP_DESTINATIONUNKNOWN", id="position-not-a-number"),
    pytest.param(stop(SHAWS), stop(BRISTOL), "\uff12\uff10\uff11\uff16-03-03T08:00", "",
                 "TRIP_DATETIMEERROR", id="fullwidth-digits"),
    pytest.param(stop(SHAWS), stop(BRISTOL), "2016-03-03T25:00", "", "TRIP_DATETIMEERROR",
                 id="hour-25"),
    pytest.param("<Name><Text>nowhere</Text></Name>", stop(BRISTOL), AT, "",
                 "TRIP_ORIGINUNKNOWN", id="no-reference"),
    pytest.param(stop(SHAWS), stop(SHAWS), AT, "", "TRIP_ORIGINDESTINATIONIDENTICAL",
                 id="same-place"),
    pytest.param(stop(SHAWS), stop(BRISTOL), "2016-02-30T08:00:00", "", "TRIP_DATETIMEERROR",
                 id="no-such-day"),
    pytest.param(stop(SHAWS), stop(BRISTOL), "tomorrow", "", "TRIP_DATETIMEERROR",
                 id="not-a-time"),
    pytest.param(stop(SHAWS), stop(BRISTOL), "9999-12-31T23:59:59-14:00", "",
                 "TRIP_DATETIMEERROR", id="outside-calendar"),
    pytest.param(stop(SHAWS), stop(BRISTOL), "2030-03-03T08:00:00Z", "", "TRIP_DATEOUTOFRANGE",
                 id="outside-feed"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT, "<NumberOfResults>0</NumberOfResults>",
                 "TRIP_OTHER", id="zero-results"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT, "<NumberOfResults>-3</NumberOfResults>",
                 "TRIP_OTHER", id="negative-results"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT, "<NumberOfResults>many</NumberOfResults>",
                 "TRIP_OTHER", id="results-not-a-number"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT, "<NumberOfResults>٣</NumberOfResults>",
                 "TRIP_OTHER", id="arabic-digit"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT, "<TransferLimit>-1</TransferLimit>",
                 "TRIP_OTHER", id="negative-transfers"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT,
                 "<IncludeIntermediateStops>yes</IncludeIntermediateStops>", "TRIP_OTHER",
                 id="not-a-boolean"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT, "<TimeWindow>P2D</TimeWindow>",
                 "TRIP_TIMEWINDOWTOOLARGE", id="window-too-large"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT, "<TimeWindow>an hour</TimeWindow>",
                 "TRIP_OTHER", id="window-not-a-duration"),
    pytest.param(stop(SHAWS), stop(BRISTOL), AT, "<NumberOfResultsBefore>0"
                 "</NumberOfResultsBefore><NumberOfResultsAfter>0</NumberOfResultsAfter>",
                 "TRIP_OTHER", id="no-results-asked"),
    pytest.param(point(FAR), stop(HIGH_SCHOOL), AT, "", "TRIP_NOTRIPFOUND",
                 id="nothing-found"),
]


@pytest.mark.parametrize(("o", "d", "when", "params", "code"), BAD)
def test_bad_requests_are_ojp_errors(client: Any, o: str, d: str, when: str, params: str,
                                     code: str) -> None:
    """Each is a valid OJP answer (HTTP 200, status false) with the schema's problem code
    and a text saying what is wrong; no trip."""
    dl = ask(client, trip_request(o, d, dep=escape(when), params=params))
    assert dl.findtext("siri:Status", None, NS) == "false"
    assert problem(dl) == code
    assert dl.findtext("ojp:ErrorCondition/ojp:Details/ojp:Text", "", NS).strip()
    assert dl.find("ojp:TripResult", NS) is None
    assert dl.findtext("siri:RequestMessageRef", None, NS) == "m-1"


def test_huge_number_of_results_is_capped(client: Any) -> None:
    from api.ojp.trip_query import MAX_RESULTS

    d = ask(client, trip_request(stop(SHAWS), stop(VERGENNES_MAIN), dep=AT,
                                 params="<NumberOfResults>99999999999999999999"
                                        "</NumberOfResults>"))
    assert 1 <= len(trips(d)) <= MAX_RESULTS + 2  # and a ride and a walk


def test_missing_places_and_arrival_before_departure(client: Any) -> None:
    no_origin = trip_request(stop(SHAWS), stop(BRISTOL), dep=AT)
    start, end = no_origin.index(b"<Origin>"), no_origin.index(b"</Origin>") + len(b"</Origin>")
    d = ask(client, no_origin[:start] + no_origin[end:])
    assert problem(d) == "TRIP_NOORIGIN"
    both = trip_request(stop(SHAWS), stop(BRISTOL), dep=AT,
                        arr=z(local("2016-03-03", "07:00")))
    assert problem(ask(client, both)) == "TRIP_DEPARTUREAFTERARRIVAL"


def test_without_a_time_the_service_clock_is_asked(client: Any) -> None:
    """No DepArrTime: trips from the service clock's now (06:00 on the feed's day), as the
    JSON plan's for that time (its own default would be 08:00)."""
    got = trips(ask(client, trip_request(stop(SHAWS), stop(VERGENNES_MAIN), params=(
        "<IncludeIntermediateStops>true</IncludeIntermediateStops>"))))
    its = plan_json(client, **{"from": f"stop:{SHAWS}", "to": f"stop:{VERGENNES_MAIN}",
                               "time": "2016-03-03T06:00"})["itineraries"]
    assert [ojp_legs(t) for t in got] == [json_legs(it) for it in its]
    assert min(utc_ms(t.findtext("ojp:StartTime", None, NS)) for t in got) < \
        local("2016-03-03", "08:00").timestamp() * 1000
