"""POST /ojp's envelope: every answer is a valid OJP 2.0 response document — for hostile or
malformed bodies (400), content types other than XML (415), bodies over the limit (413),
the rate limit (429) and unexpected errors in a service — never HTML, never a 500; several
requests get one delivery each, in order."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import fromstring

import httpx
import pytest

from api.ojp import services
from api.ojp.xml import NS
from tests.ojp_app import MOMENT, ojp_client
from tests.ojp_support import example, post, validate

HEAD = ('<OJP xmlns="http://www.vdv.de/ojp" xmlns:siri="http://www.siri.org.uk/siri" '
        'version="2.0"><OJPRequest><siri:ServiceRequest>'
        '<siri:RequestTimestamp>2016-03-03T12:00:00Z</siri:RequestTimestamp>'
        '<siri:RequestorRef>test</siri:RequestorRef>')
TAIL = "</siri:ServiceRequest></OJPRequest></OJP>"
STOP = "771398"  #: Bristol Woodland Dr (GTFS stop_id)


def doc(*requests: str) -> bytes:
    """An OJP request document holding ``requests`` (inner XML of siri:ServiceRequest)."""
    return (HEAD + "".join(requests) + TAIL).encode()


def lir(msg: str, name: str) -> str:
    return (f"<OJPLocationInformationRequest><siri:RequestTimestamp>2016-03-03T12:00:00Z"
            f"</siri:RequestTimestamp><siri:MessageIdentifier>{msg}</siri:MessageIdentifier>"
            f"<InitialInput><Name>{name}</Name></InitialInput></OJPLocationInformationRequest>")


def ser(msg: str, stop: str) -> str:
    return (f"<OJPStopEventRequest><siri:RequestTimestamp>2016-03-03T12:00:00Z"
            f"</siri:RequestTimestamp><siri:MessageIdentifier>{msg}</siri:MessageIdentifier>"
            f"<Location><PlaceRef><siri:StopPointRef>{stop}</siri:StopPointRef><Name><Text>x"
            f"</Text></Name></PlaceRef></Location></OJPStopEventRequest>")


@pytest.fixture(scope="module")
def client(addison, addison_planner, addison_travel, addison_atlas,  # type: ignore[no-untyped-def]
           tmp_path_factory) -> Iterator[Any]:
    with ojp_client(addison, addison_planner, addison_travel, addison_atlas,
                    tmp_path_factory.mktemp("ojp-envelope")) as c:
        yield c


def deliveries(body: bytes) -> list[Any]:
    """The functional deliveries of a response document (validated first)."""
    validate(body)
    root = fromstring(body)
    sd = root.find("ojp:OJPResponse/siri:ServiceDelivery", NS)
    assert sd is not None
    return [d for d in sd if d.tag.startswith("{http://www.vdv.de/ojp}")]


def problem(d: Any) -> str | None:
    """The OJP problem code of a delivery (None when it answered)."""
    err = d.find("ojp:ErrorCondition", NS)
    return None if err is None else next(iter(err)).text


def assert_document_error(r: httpx.Response, status: int, words: str) -> None:
    """``r`` is a valid OJP document with one OJPStatusDelivery holding OJPGENERIC_OTHER
    whose text says ``words``, answered with ``status``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/xml")
    (d,) = deliveries(r.content)
    assert d.tag == "{http://www.vdv.de/ojp}OJPStatusDelivery"
    assert d.findtext("siri:Status", None, NS) == "false"
    assert problem(d) == "OJPGENERIC_OTHER"
    assert words in d.findtext("ojp:ErrorCondition/ojp:Details/ojp:Text", "", NS)


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
                  + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
                  + ']><OJP xmlns="http://www.vdv.de/ojp" version="2.0">&lol9;</OJP>').encode()
XXE = ('<?xml version="1.0"?><!DOCTYPE OJP [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       + HEAD + "<OJPLocationInformationRequest><InitialInput><Name>&xxe;</Name>"
       "</InitialInput></OJPLocationInformationRequest>" + TAIL).encode()
EXTERNAL_DTD = ('<?xml version="1.0"?><!DOCTYPE OJP SYSTEM "http://127.0.0.1:9/x.dtd">'
                + HEAD + lir("1", "Bristol") + TAIL).encode()


@pytest.mark.parametrize(("body", "words"), [
    (b"", "empty"),
    (b"  \n\t ", "empty"),
    (b"this is not XML", "not well-formed"),
    (b"<OJP", "not well-formed"),
    (b'{"json": true}', "not well-formed"),
    (b"\xff\xfe\x00garbage\x80\x81", "not well-formed"),
    (BILLION_LAUGHS, "DTDs, entities"),
    (XXE, "DTDs, entities"),
    (EXTERNAL_DTD, "DTDs, entities"),
    (b"<html><body>hi</body></html>", "root element"),
    (b'<OJP version="2.0"><OJPRequest/></OJP>', "root element"),  # no namespace
    (doc(lir("1", "Bristol")).replace(b'version="2.0"', b'version="1.0"'), "OJP 2.0"),
    (doc(lir("1", "Bristol")).replace(b' version="2.0"', b""), "OJP 2.0"),
    (b'<OJP xmlns="http://www.vdv.de/ojp" version="2.0"><OJPResponse/></OJP>',
     "ServiceRequest is missing"),
    (doc(), "holds no OJP request"),
    (doc(*[lir(str(i), "Bristol") for i in range(21)]), "at most 20"),
    (doc(lir("1", "&#0;")), "not well-formed"),  # a character XML cannot hold
    (b"<?xml version='1.0' encoding='no-such-codec'?><OJP/>", "not well-formed"),
])
def test_a_body_that_is_no_ojp_request_gets_400_as_an_ojp_document(
        client: Any, body: bytes, words: str) -> None:
    assert_document_error(post(client, body), 400, words)


def test_entities_are_never_expanded_nor_fetched(client: Any) -> None:
    """XXE: the answer does not hold the file's text (nor does the request reach it)."""
    r = post(client, XXE)
    assert b"root:" not in r.content and b"/bin/" not in r.content


@pytest.mark.parametrize("content_type", ["text/plain", "application/json",
                                          "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "text/html"])
def test_a_content_type_other_than_xml_gets_415(client: Any, content_type: str) -> None:
    r = client.post("/ojp", content=doc(lir("1", "Bristol")),
                    headers={"Content-Type": content_type})
    assert_document_error(r, 415, "application/xml")


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml",
                                          "application/xml; charset=utf-8",
                                          "Application/XML", "application/ojp+xml", None])
def test_xml_content_types_and_none_are_read(client: Any, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    r = client.post("/ojp", content=doc(lir("1", "Bristol")), headers=headers)
    assert r.status_code == 200, r.text
    (d,) = deliveries(r.content)
    assert problem(d) is None


def test_a_body_over_the_limit_gets_413_as_an_ojp_document(client: Any) -> None:
    """Declared (Content-Length: refused before reading) and chunked (found while read)."""
    limit = client.app.state.service.config.max_body_bytes
    big = doc(lir("1", "x" * (limit + 10)))
    assert_document_error(post(client, big), 413, f"limited to {limit} bytes")

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 8192):
            yield big[i:i + 8192]
    r = client.post("/ojp", content=chunks(), headers={"Content-Type": "application/xml"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_document_error(r, 413, f"limited to {limit} bytes")


@pytest.mark.parametrize("name", [
    "Br\u0131stol",  # dotless i
    "\u202eBristol\u202c",  # right-to-left override
    "Bristol \U0001f68c",  # a bus emoji (astral plane)
    "B\u0301r\u0308istol",  # combining accents
    "\ufeffBristol",  # a byte-order mark inside
    "ß" * 100,  # a long German word, within the limit
    "x" * 101,  # over the name limit
    "\u00a0",  # a no-break space only
])
def test_odd_unicode_in_a_name_gets_a_valid_answer(client: Any, name: str) -> None:
    """Odd characters are searched (or refused) in a valid delivery with 200."""
    r = post(client, doc(lir("1", name.replace("&", "&amp;").replace("<", "&lt;"))))
    assert r.status_code == 200, r.text
    (d,) = deliveries(r.content)
    assert problem(d) in (None, "LOCATION_NORESULTS", "LOCATION_OTHER")


def test_a_document_in_utf16_is_read(client: Any) -> None:
    body = ('<?xml version="1.0" encoding="UTF-16"?>' + HEAD + lir("7", "Bristol")
            + TAIL).encode("utf-16")
    r = post(client, body)
    assert r.status_code == 200, r.text
    (d,) = deliveries(r.content)
    assert problem(d) is None and d.findtext("siri:RequestMessageRef", None, NS) == "7"


def test_several_requests_get_one_delivery_each_in_order(client: Any) -> None:
    """A place search, stop events, a failing place search and an unknown stop: four
    deliveries in the requests' order, each with its message reference and status; the
    document's status is false as one failed."""
    r = post(client, doc(lir("a", "Bristol"), ser("b", STOP), lir("c", "Qqqzzzxxy"),
                         ser("d", "no-such-stop")))
    assert r.status_code == 200, r.text
    ds = deliveries(r.content)
    assert [d.tag.split("}")[1] for d in ds] == [
        "OJPLocationInformationDelivery", "OJPStopEventDelivery",
        "OJPLocationInformationDelivery", "OJPStopEventDelivery"]
    assert [d.findtext("siri:RequestMessageRef", None, NS) for d in ds] == list("abcd")
    assert [problem(d) for d in ds] == [None, None, "LOCATION_NORESULTS",
                                        "STOPEVENT_LOCATIONUNKNOWN"]
    assert [d.findtext("siri:Status", None, NS) for d in ds] == ["true", "true", "false",
                                                                  "false"]
    sd = fromstring(r.content).find("ojp:OJPResponse/siri:ServiceDelivery", NS)
    assert sd is not None and sd.findtext("siri:Status", None, NS) == "false"


@pytest.mark.parametrize(("request_name", "delivery"), [
    ("OJPTripInfoRequest", "OJPTripInfoDelivery"),
    ("OJPExchangePointsRequest", "OJPExchangePointsDelivery"),
    ("OJPFareRequest", "OJPFareDelivery"),
    ("OJPLineInformationRequest", "OJPStatusDelivery"),  # its delivery has no error
    ("OJPNoSuchRequest", "OJPStatusDelivery"),  # the schema has no delivery for it
])
def test_a_request_this_server_does_not_answer_gets_requestnotsupported(
        client: Any, request_name: str, delivery: str) -> None:
    r = post(client, doc(f"<{request_name}><siri:RequestTimestamp>2016-03-03T12:00:00Z"
                         f"</siri:RequestTimestamp><siri:MessageIdentifier>9"
                         f"</siri:MessageIdentifier></{request_name}>", lir("10", "Bristol")))
    assert r.status_code == 200, r.text
    first, second = deliveries(r.content)
    assert first.tag == "{http://www.vdv.de/ojp}" + delivery
    assert problem(first) == "OJPGENERIC_REQUESTNOTSUPPORTED"
    assert first.findtext("siri:RequestMessageRef", None, NS) == "9"
    assert problem(second) is None  # the other request is still answered


def test_an_unexpected_error_in_a_service_is_an_ojp_error_logged_without_the_request(
        client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
        ) -> None:
    """A bug in a service (here: one that raises with what the rider typed in its
    message) answers OJPGENERIC_OTHER in its delivery, the other deliveries still answer;
    the log names the exception's type and where, not the message nor the request."""
    typed = "Walburga Testperson, 12 Secret Lane "  # (the traceback shows the raising line)

    def broken(request: Any, ctx: Any) -> Any:
        raise ValueError(typed + request.findtext("ojp:InitialInput/ojp:Name", "", NS))

    monkeypatch.setitem(services.SERVICES, "OJPLocationInformationRequest", broken)
    with caplog.at_level(logging.ERROR, logger="mobility.ojp"):
        r = post(client, doc(lir("1", "Dr. Private Person"), ser("2", STOP)))
    assert r.status_code == 200, r.text
    first, second = deliveries(r.content)
    assert problem(first) == "OJPGENERIC_OTHER" and problem(second) is None
    assert b"Secret Lane" not in r.content and b"Private Person" not in r.content
    logged = caplog.text
    assert "ValueError" in logged and "OJPLocationInformationRequest" in logged
    assert "Secret Lane" not in logged and "Private Person" not in logged


def test_the_rate_limit_answers_429_as_an_ojp_document(  # type: ignore[no-untyped-def]
        addison, addison_planner, addison_travel, addison_atlas, tmp_path: Path) -> None:
    with ojp_client(addison, addison_planner, addison_travel, addison_atlas, tmp_path,
                    rate_plans=2) as c:
        codes = [post(c, doc(lir("1", "Bristol"))).status_code for _ in range(2)]
        r = post(c, doc(lir("1", "Bristol")))
    assert codes == [200, 200]
    assert_document_error(r, 429, "")
    assert int(r.headers["retry-after"]) > 0


def test_the_response_timestamp_is_the_service_clock(client: Any) -> None:
    r = post(client, doc(lir("1", "Bristol")))
    (d,) = deliveries(r.content)
    assert d.findtext("siri:ResponseTimestamp", None, NS) == MOMENT.astimezone(
        dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_other_methods_are_not_html(client: Any) -> None:
    """GET /ojp is no web page of the app (its static files answer 404 as a problem)."""
    r = client.get("/ojp")
    assert r.status_code in (404, 405) and "html" not in r.headers["content-type"]


def test_the_working_groups_error_examples_validate() -> None:
    """The schema check itself: the working group's error responses are valid (so a
    failing validation in these tests is ours)."""
    for f in ("error_response.xml", "error_response_2.xml", "ErrorResponse_1.xml"):
        validate(example(f"error/{f}"))


@pytest.mark.slow
def test_the_real_server_answers_ojp_documents(tmp_path: Path, addison: Any) -> None:
    """``mobility serve`` (uvicorn, its own HTTP parsing and body handling): the examples
    are answered as XML, and a body over the limit — declared or chunked —, a content type
    other than XML and a body that is no XML get valid OJP documents with 413, 415 and
    400, never a 500 or HTML."""
    from tests.conftest import CACHE, DATA
    from tests.server_process import NO_LIMITS, Server

    env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA),
           "MOBILITY_CLOCK_START": MOMENT.isoformat(), **NO_LIMITS}
    srv = Server(env, "addison-vt", tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            for body in (example("location/LIR_02_request_search_stops_by_name.xml",
                                 {"Bern": "Bristol"}),
                         example("stop_event/StopEvent_001_Request_PR_83_96.xml",
                                 {"8504375": STOP})):
                r = post(c, body)
                assert r.status_code == 200, r.text
                assert r.headers["content-type"].startswith("application/xml")
                (d,) = deliveries(r.content)
                assert problem(d) is None
            big = doc(lir("1", "x" * 70_000))
            assert_document_error(post(c, big), 413, "limited to")

            def chunks() -> Iterator[bytes]:
                for i in range(0, len(big), 4096):
                    yield big[i:i + 4096]
            r = c.post("/ojp", content=chunks(), headers={"Content-Type": "application/xml"})
            assert_document_error(r, 413, "limited to")
            r = c.post("/ojp", content=doc(lir("1", "Bristol")),
                       headers={"Content-Type": "text/plain"})
            assert_document_error(r, 415, "application/xml")
            assert_document_error(post(c, b"<not xml"), 400, "not well-formed")
            assert_document_error(post(c, BILLION_LAUGHS), 400, "DTDs, entities")
            r = c.get("/ojp")
            assert r.status_code < 500 and "html" not in r.headers["content-type"]
    finally:
        srv.stop()
    assert "Traceback" not in srv.log()


def test_the_readmes_curl_examples_are_answered(client: Any) -> None:
    """The README's OJP requests (its curl here-documents) get valid answers without
    errors: the place search finds the stop it shows first, the stop events three calls."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For integrators: OJP 2.0", 1)[1].split("\n## ", 1)[0]
    section = section.split("\n### OJPTripRequest", 1)[0]  # (trips: tested with them)
    bodies = [b.split("\nXML\n", 1)[0] for b in section.split("<<'XML'\n")[1:]]
    assert len(bodies) == 2
    first, second = (deliveries(post(client, b.encode()).content) for b in bodies)
    assert [problem(d) for d in first + second] == [None, None]
    assert first[0].findtext("ojp:PlaceResult/ojp:Place/ojp:StopPlace/ojp:StopPlaceRef",
                             None, NS) == "771305"
    assert len(second[0].findall("ojp:StopEventResult", NS)) == 3
