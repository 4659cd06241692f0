"""OJPLocationInformationRequest on the real addison-vt region: the working group's examples
(Swiss references replaced by the region's) answered with valid documents; places by name
equal the API's place search, stops by position equal a brute-force great-circle search
over the feed's stops.txt, modes equal the feed's routes at the stop; problems as the
schema's LOCATION_* codes. Every response is validated against the official schema."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element, fromstring

import pandas as pd
import pytest
from shapely.geometry import Point, shape

from api.ojp.xml import NS
from tests.conftest import DATA
from tests.ojp_app import ojp_client
from tests.ojp_support import example, post, validate

OJP = "{http://www.vdv.de/ojp}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MIDDLEBURY = (44.0153, -73.1673)  #: the town green
BRISTOL_STOP = "771398"  #: Bristol Woodland Dr
HEAD = ('<OJP xmlns="http://www.vdv.de/ojp" xmlns:siri="http://www.siri.org.uk/siri" '
        'version="2.0"><OJPRequest><siri:ServiceRequest>'
        '<siri:RequestTimestamp>2016-03-03T12:00:00Z</siri:RequestTimestamp>'
        '<siri:RequestorRef>test</siri:RequestorRef><OJPLocationInformationRequest>'
        '<siri:RequestTimestamp>2016-03-03T12:00:00Z</siri:RequestTimestamp>'
        '<siri:MessageIdentifier>1</siri:MessageIdentifier>')
TAIL = "</OJPLocationInformationRequest></siri:ServiceRequest></OJPRequest></OJP>"


def lir(inner: str) -> bytes:
    return (HEAD + inner + TAIL).encode()


def geo(lat: float, lon: float, tag: str = "GeoPosition") -> str:
    return (f"<{tag}><siri:Longitude>{lon}</siri:Longitude><siri:Latitude>{lat}"
            f"</siri:Latitude></{tag}>")


@pytest.fixture(scope="module")
def client(addison, addison_planner, addison_travel, addison_atlas,  # type: ignore[no-untyped-def]
           tmp_path_factory) -> Iterator[Any]:
    with ojp_client(addison, addison_planner, addison_travel, addison_atlas,
                    tmp_path_factory.mktemp("ojp-location")) as c:
        yield c


@pytest.fixture(scope="module")
def gtfs() -> dict[str, pd.DataFrame]:
    """The feed's tables, read here with pandas (not through the compiled timetable)."""
    with zipfile.ZipFile(DATA / "addison-vt" / "gtfs.zip") as z:
        return {n: pd.read_csv(z.open(f"{n}.txt"), dtype=str, keep_default_na=False)
                for n in ("stops", "routes", "trips", "stop_times")}


def results(client: Any, body: bytes) -> list[Element]:
    """The PlaceResults of a valid answer that has no error."""
    r = post(client, body)
    assert r.status_code == 200, r.text
    validate(r.content)
    d = fromstring(r.content).find(
        "ojp:OJPResponse/siri:ServiceDelivery/ojp:OJPLocationInformationDelivery", NS)
    assert d is not None
    assert d.find("ojp:ErrorCondition", NS) is None, r.text
    return d.findall("ojp:PlaceResult", NS)


def problem(client: Any, body: bytes) -> str:
    r = post(client, body)
    assert r.status_code == 200, r.text
    validate(r.content)
    d = fromstring(r.content).find(
        "ojp:OJPResponse/siri:ServiceDelivery/ojp:OJPLocationInformationDelivery", NS)
    assert d is not None and d.findtext("siri:Status", None, NS) == "false"
    assert not d.findall("ojp:PlaceResult", NS)
    return d.findtext("ojp:ErrorCondition/ojp:LocationProblemType", "", NS)


def stop_ids(rs: list[Element]) -> list[str]:
    return [r.findtext("ojp:Place/ojp:StopPlace/ojp:StopPlaceRef", "", NS) for r in rs]


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2)
         * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def brute_nearest(gtfs: dict[str, pd.DataFrame], lat: float, lon: float,
                  keep: Any = None) -> list[str]:
    """Stop ids by great-circle distance (ties by the feed's order), plain Python."""
    rows = [(haversine(lat, lon, float(s.stop_lat), float(s.stop_lon)), k, s.stop_id)
            for k, s in enumerate(gtfs["stops"].itertuples())
            if keep is None or keep(float(s.stop_lat), float(s.stop_lon))]
    return [sid for _, _, sid in sorted(rows)]


# -- the working group's examples ---------------------------------------------------------
def test_example_search_stops_by_name_equals_the_place_search(client: Any) -> None:
    """LIR_02 (``Bern``, Type stop, IncludePtModes) asking for Bristol: the stops of
    ``GET /api/v1/places?q=Bristol`` in its order, at most the default 10."""
    rs = results(client, example("location/LIR_02_request_search_stops_by_name.xml",
                                 {"Bern": "Bristol"}))
    places = client.get("/api/v1/places", params={"q": "Bristol", "limit": 50}).json()
    expected = [p["stopId"] for p in places["places"] if p["kind"] == "stop"][:10]
    assert expected and stop_ids(rs) == expected
    for r in rs:  # every stop is served by buses (IncludePtModes)
        assert "bus" in [m.text for m in r.findall("ojp:Place/ojp:Mode/ojp:PtMode", NS)]
        assert r.findtext("ojp:Complete", None, NS) == "true"
        assert 0 <= float(r.findtext("ojp:Probability", "", NS)) <= 1


def test_example_allowed_systems_pontarlier_as_middlebury(client: Any) -> None:
    rs = results(client, example("location/LocationInformation_003_Request_PR_63.xml",
                                 {"Pontarlier": "Middlebury"}))
    places = client.get("/api/v1/places", params={"q": "Middlebury", "limit": 50}).json()
    assert stop_ids(rs) == [p["stopId"] for p in places["places"]
                            if p["kind"] == "stop"][:10]


def test_example_simple_stop_point_by_reference(client: Any, gtfs: dict[str, pd.DataFrame],
                                                addison: Any) -> None:
    """LIR_01 (a StopPointRef): that stop, its name and position as stops.txt has them,
    its modes from the routes calling there, the demand-responsive bus where an on-demand
    area covers it."""
    (r,) = results(client, example("location/LIR_01_request_simple_StopPoint.xml",
                                   {"8530813": BRISTOL_STOP}))
    row = gtfs["stops"].set_index("stop_id").loc[BRISTOL_STOP]
    place = r.find("ojp:Place", NS)
    assert place is not None
    assert place.findtext("ojp:StopPlace/ojp:StopPlaceRef", None, NS) == BRISTOL_STOP
    assert place.findtext("ojp:StopPlace/ojp:StopPlaceName/ojp:Text", None, NS) == \
        row.stop_name
    name = place.find("ojp:Name/ojp:Text", NS)
    assert name is not None and name.text == row.stop_name and name.get(XML_LANG) == "en"
    assert float(place.findtext("ojp:GeoPosition/siri:Latitude", "", NS)) == \
        pytest.approx(float(row.stop_lat), abs=1e-6)
    assert float(place.findtext("ojp:GeoPosition/siri:Longitude", "", NS)) == \
        pytest.approx(float(row.stop_lon), abs=1e-6)
    assert r.findtext("ojp:Probability", None, NS) == "1.0"
    # modes: the route types of the trips calling here (3 → bus), and on demand if covered
    trips = gtfs["stop_times"].loc[gtfs["stop_times"].stop_id == BRISTOL_STOP, "trip_id"]
    routes = gtfs["trips"].loc[gtfs["trips"].trip_id.isin(trips), "route_id"]
    types = set(gtfs["routes"].loc[gtfs["routes"].route_id.isin(routes), "route_type"])
    covered = any(shape(a.geometry).covers(Point(float(row.stop_lon), float(row.stop_lat)))
                  for a in addison.service_areas)
    modes = [(m.findtext("ojp:PtMode", None, NS), m.findtext("siri:BusSubmode", None, NS))
             for m in place.findall("ojp:Mode", NS)]
    assert types == {"3"}
    assert modes == [("bus", None)] + ([("bus", "demandAndResponseBus")] if covered else [])


# -- by name -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Middlebury", "Bristol", "Vergennes", "main st"])
def test_any_kind_of_place_by_name_equals_the_place_search(client: Any, name: str) -> None:
    """Without Type: the same places in the same order as GET /api/v1/places, each as the
    OJP kind that fits (stop → StopPlace, street/address → Address, village/town →
    TopographicPlace, else PointOfInterest), with its name and position."""
    rs = results(client, lir(f"<InitialInput><Name>{name}</Name></InitialInput>"
                             "<Restrictions><NumberOfResults>7</NumberOfResults>"
                             "</Restrictions>"))
    places = client.get("/api/v1/places", params={"q": name, "limit": 7}).json()["places"]
    assert len(rs) == len(places) > 0
    settlements = {"city", "town", "village", "hamlet", "suburb", "municipality", "county",
                   "state", "locality", "neighbourhood", "isolated_dwelling", "farm",
                   "borough", "quarter", "district"}
    for r, p in zip(rs, places, strict=True):
        place = r.find("ojp:Place", NS)
        assert place is not None
        kind = place[0].tag.removeprefix(OJP)
        want = ("StopPlace" if p["kind"] == "stop" else "Address" if p["kind"] in (
            "street", "address") else "TopographicPlace" if p["kind"] in settlements
            else "PointOfInterest")
        assert kind == want, (p, kind)
        text = place.findtext("ojp:Name/ojp:Text", "", NS)
        assert text == (f"{p['name']} ({p['near']})" if p.get("near") and kind != "StopPlace"
                         else p["name"])
        assert float(place.findtext("ojp:GeoPosition/siri:Latitude", "", NS)) == \
            pytest.approx(p["lat"], abs=1e-6)
        if kind == "StopPlace":
            assert place.findtext("ojp:StopPlace/ojp:StopPlaceRef", None, NS) == p["stopId"]


def test_type_keeps_only_that_kind(client: Any) -> None:
    rs = results(client, lir("<InitialInput><Name>Middlebury</Name></InitialInput>"
                             "<Restrictions><Type>topographicPlace</Type></Restrictions>"))
    assert rs and all(r.find("ojp:Place/ojp:TopographicPlace", NS) is not None for r in rs)
    rs = results(client, lir("<InitialInput><Name>Middlebury</Name></InitialInput>"
                             "<Restrictions><Type>stop</Type><Type>address</Type>"
                             "<NumberOfResults>20</NumberOfResults></Restrictions>"))
    kinds = {r.find("ojp:Place", NS)[0].tag.removeprefix(OJP) for r in rs}  # type: ignore[index]
    assert kinds <= {"StopPlace", "Address"} and "StopPlace" in kinds


def test_a_whole_name_is_certain_and_the_rest_less(client: Any) -> None:
    rs = results(client, lir("<InitialInput><Name>bristol woodland dr</Name></InitialInput>"
                             "<Restrictions><Type>stop</Type></Restrictions>"))
    assert stop_ids(rs)[0] == BRISTOL_STOP
    probs = [float(r.findtext("ojp:Probability", "", NS)) for r in rs]
    assert probs[0] == 1.0 and all(p < 1.0 for p in probs[1:])


def test_names_inside_a_restriction(client: Any, gtfs: dict[str, pd.DataFrame]) -> None:
    """A name with a circle around Bristol: only the stops of that name inside it."""
    lat, lon = 44.1334, -73.0790
    rs = results(client, lir("<InitialInput><Name>Bristol</Name><GeoRestriction><Circle>"
                             + geo(lat, lon, "Center") + "<Radius>300</Radius></Circle>"
                             "</GeoRestriction></InitialInput>"
                             "<Restrictions><Type>stop</Type></Restrictions>"))
    stops = gtfs["stops"].set_index("stop_id")
    got = stop_ids(rs)
    assert got
    for sid in got:
        assert haversine(lat, lon, float(stops.loc[sid].stop_lat),
                         float(stops.loc[sid].stop_lon)) <= 300


# -- by position ---------------------------------------------------------------------------
@pytest.mark.parametrize(("lat", "lon"), [MIDDLEBURY, (44.1334, -73.0790), (44.1663, -73.2540)])
def test_nearest_stops_to_a_position_equal_a_brute_force_search(
        client: Any, gtfs: dict[str, pd.DataFrame], lat: float, lon: float) -> None:
    rs = results(client, lir(f"<InitialInput>{geo(lat, lon)}</InitialInput>"
                             "<Restrictions><NumberOfResults>6</NumberOfResults>"
                             "</Restrictions>"))
    assert stop_ids(rs) == brute_nearest(gtfs, lat, lon)[:6]
    probs = [float(r.findtext("ojp:Probability", "", NS)) for r in rs]
    assert probs == sorted(probs, reverse=True)
    # a PlaceRef with a position is the same search
    rs2 = results(client, lir(f"<PlaceRef>{geo(lat, lon)}<Name><Text>x</Text></Name>"
                              "</PlaceRef><Restrictions><NumberOfResults>6</NumberOfResults>"
                              "</Restrictions>"))
    assert stop_ids(rs2) == stop_ids(rs)


def test_stops_inside_a_circle_and_a_rectangle(client: Any,
                                                gtfs: dict[str, pd.DataFrame]) -> None:
    lat, lon = MIDDLEBURY
    rs = results(client, lir("<InitialInput><GeoRestriction><Circle>" + geo(lat, lon, "Center")
                             + "<Radius>1500</Radius></Circle></GeoRestriction></InitialInput>"
                             "<Restrictions><NumberOfResults>50</NumberOfResults>"
                             "</Restrictions>"))
    inside = brute_nearest(gtfs, lat, lon,
                           lambda a, b: haversine(lat, lon, a, b) <= 1500)
    assert len(inside) > 3 and stop_ids(rs) == inside
    top, left, bottom, right = 44.03, -73.19, 44.00, -73.15
    rs = results(client, lir("<InitialInput><GeoRestriction><Rectangle>"
                             + geo(top, left, "UpperLeft") + geo(bottom, right, "LowerRight")
                             + "</Rectangle></GeoRestriction></InitialInput>"
                             "<Restrictions><NumberOfResults>50</NumberOfResults>"
                             "</Restrictions>"))
    centre = ((top + bottom) / 2, (left + right) / 2)
    box = brute_nearest(gtfs, *centre,
                        keep=lambda a, b: bottom <= a <= top and left <= b <= right)
    assert len(box) > 3 and stop_ids(rs) == box


def test_stops_inside_a_polygon(client: Any, gtfs: dict[str, pd.DataFrame]) -> None:
    pts = [(44.03, -73.19), (44.03, -73.15), (44.00, -73.17)]  # a triangle
    poly = shape({"type": "Polygon", "coordinates": [[(b, a) for a, b in pts + pts[:1]]]})
    rs = results(client, lir("<InitialInput><GeoRestriction><Area>"
                             + "".join(geo(a, b, "PolylinePoint") for a, b in pts)
                             + "</Area></GeoRestriction></InitialInput>"
                             "<Restrictions><NumberOfResults>50</NumberOfResults>"
                             "</Restrictions>"))
    centre = (44.015, -73.17)
    want = brute_nearest(gtfs, *centre, keep=lambda a, b: poly.contains(Point(b, a)))
    assert len(want) > 1 and stop_ids(rs) == want


def test_modes_filter_and_include(client: Any) -> None:
    body = ("<InitialInput>" + geo(*MIDDLEBURY) + "</InitialInput><Restrictions>"
            "<Modes><Exclude>false</Exclude><PtMode>{}</PtMode></Modes>"
            "<IncludePtModes>{}</IncludePtModes></Restrictions>")
    assert problem(client, lir(body.format("rail", "true"))) == "LOCATION_NORESULTS"
    rs = results(client, lir(body.format("bus", "false")))
    assert rs and all(not r.findall("ojp:Place/ojp:Mode", NS) for r in rs)


# -- problems ------------------------------------------------------------------------------
@pytest.mark.parametrize(("inner", "code"), [
    ("<PlaceRef><siri:StopPointRef>8530813</siri:StopPointRef><Name><Text>Zürich</Text>"
     "</Name></PlaceRef>", "LOCATION_NORESULTS"),
    ("<InitialInput><Name>Qqqzzzxxyy</Name></InitialInput>", "LOCATION_NORESULTS"),
    ("<InitialInput>" + geo(0, 0) + "</InitialInput>", "LOCATION_NORESULTS"),
    ("<InitialInput>" + geo(95, 0) + "</InitialInput>", "LOCATION_OTHER"),
    ("<InitialInput><GeoPosition><siri:Longitude>east</siri:Longitude><siri:Latitude>1"
     "</siri:Latitude></GeoPosition></InitialInput>", "LOCATION_OTHER"),
    ("<InitialInput>" + geo(*MIDDLEBURY) + "</InitialInput><Restrictions><Type>address"
     "</Type></Restrictions>", "LOCATION_UNSUPPORTEDTYPE"),
    ("<InitialInput><Name>Bristol</Name></InitialInput><Restrictions><Type>spaceport"
     "</Type></Restrictions>", "LOCATION_UNSUPPORTEDTYPE"),
    ("<InitialInput><Name>Bristol</Name></InitialInput><Restrictions><NumberOfResults>0"
     "</NumberOfResults></Restrictions>", "LOCATION_OTHER"),
    ("<InitialInput><Name>Bristol</Name></InitialInput><Restrictions><NumberOfResults>lots"
     "</NumberOfResults></Restrictions>", "LOCATION_OTHER"),
    ("<InitialInput><Name>" + "x" * 101 + "</Name></InitialInput>", "LOCATION_OTHER"),
    ("<InitialInput></InitialInput>", "LOCATION_OTHER"),
    ("<InitialInput><GeoRestriction><Circle>" + geo(*MIDDLEBURY, "Center")
     + "<Radius>-5</Radius></Circle></GeoRestriction></InitialInput>", "LOCATION_OTHER"),
    ("<InitialInput><GeoRestriction><Circle>" + geo(0.0, 0.0, "Center")
     + "<Radius>100</Radius></Circle></GeoRestriction></InitialInput>", "LOCATION_NORESULTS"),
    ("", "LOCATION_OTHER"),
])
def test_problems_are_location_problem_codes(client: Any, inner: str, code: str) -> None:
    assert problem(client, lir(inner)) == code


def test_a_huge_number_of_results_is_capped(client: Any) -> None:
    rs = results(client, lir("<InitialInput>" + geo(*MIDDLEBURY) + "</InitialInput>"
                             "<Restrictions><NumberOfResults>" + "9" * 40
                             + "</NumberOfResults></Restrictions>"))
    assert len(rs) == 50
