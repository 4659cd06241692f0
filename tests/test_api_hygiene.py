"""Probes of issue 17 on input and output (in process; the same over a real server process
in ``test_api_server.py``): no client input answers 5xx and a bug's 500 keeps the
connection; a chunked body over the limit is 413; request types are strict; text holds no
control, bidirectional or invisible format characters; every response is ``nosniff``, every
HTML page has a content security policy, and every answer with personal data is
``no-store``."""

from __future__ import annotations

import base64
import hashlib
import http.client
import re
import socket
import threading
import time
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from api import create_app
from api.headers import PUBLIC_API, page_policy, private
from api.schemas.common import Input
from api.schemas.text import text_problem
from api.store.models import Quote, Rider, VehicleEvent
from tests.api_helpers import BRISTOL, MIDDLEBURY, WEYBRIDGE, ride, tomorrow


def _booking_on_mid1(api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    assert b["vehicleId"] == "mid-1"
    return b  # type: ignore[no-any-return]


def _count(api, table) -> int:  # type: ignore[no-untyped-def]
    with api.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


# -- no 5xx from client input ----------------------------------------------------------------
def test_driver_events_that_do_not_fit_are_422(api) -> None:  # type: ignore[no-untyped-def]
    """The probe's crash: a position event that also names a booking (500 and
    ``KeyError: 'position'`` once), and — found by the stateful schemathesis run — an event
    naming the empty booking id (500 and an AssertionError): both a 422 naming
    ``bookingId``, and nothing stored."""
    b = _booking_on_mid1(api)
    for body in ({"type": "position", "bookingId": b["id"], "lat": 44.0, "lon": -73.1},
                 {"type": "position", "bookingId": "b_nope", "lat": 44.0, "lon": -73.1},
                 {"type": "arrived", "bookingId": ""},
                 {"type": "no_show", "bookingId": ""}):
        for role in ("driver", "dispatcher"):
            r = api.post("/api/v1/vehicles/mid-1/events", role, body)
            assert r.status_code == 422, (body, r.text)
            assert r.json()["field"] == "bookingId", r.json()
    assert _count(api, VehicleEvent) == 0
    assert api.get(f"/api/v1/bookings/{b['id']}", "rider").json()["status"] == "confirmed"


class _BrokenPlanner:
    """The region's planner with a bug in ``plan`` (any exception our code did not
    foresee)."""

    def __init__(self, planner: Any) -> None:
        self._planner = planner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._planner, name)

    def plan(self, *args: Any, **kwargs: Any) -> Any:
        raise KeyError("position")


@pytest.fixture()
def serving(addison, addison_planner, api) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """uvicorn on a free port in this process, serving the app with a broken planner."""
    import uvicorn

    app = create_app(_BrokenPlanner(addison_planner), api.service, region_name=addison.name)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(30)
    sock.close()


def test_a_bug_answers_500_and_keeps_the_connection(serving: int, caplog) -> None:  # type: ignore[no-untyped-def]
    """Starlette re-raises a bug after its 500 and uvicorn then drops the connection: a
    client's next request on it was reset. Now the 500 is a problem, the bug is logged
    once, and the connection serves the next request."""
    conn = http.client.HTTPConnection("127.0.0.1", serving, timeout=30)
    conn.request("GET", "/api/v1/plan?from=44.0153,-73.1673&to=44.1670,-73.2540")
    r = conn.getresponse()
    body = r.read()
    assert r.status == 500 and b"/problems/internal" in body
    assert r.getheader("content-type") == "application/problem+json"
    assert r.getheader("x-content-type-options") == "nosniff"
    conn.request("GET", "/health")  # the same connection
    again = conn.getresponse()
    assert again.status == 200, again.read()
    again.read()
    conn.close()
    bugs = [x for x in caplog.records if x.getMessage().startswith("internal error on")]
    assert len(bugs) == 1 and "44.0153" not in bugs[0].getMessage()


# -- bodies over the limit ---------------------------------------------------------------------
def test_a_chunked_body_over_the_limit_is_413(api) -> None:  # type: ignore[no-untyped-def]
    """A body without Content-Length (chunked) over the limit was a 400 "error parsing the
    body": the limit's error, raised while FastAPI read the body, was taken for a broken
    body. Now it is the 413 a declared length gets."""
    def chunks() -> Iterator[bytes]:
        yield b'{"quoteId": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    r = api.client.post("/api/v1/bookings", content=chunks(),
                        headers={**api.h("rider"), "Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["type"] == "/problems/too-large" and "65536 bytes" in r.json()["detail"]
    small = api.client.post("/api/v1/bookings", content=iter([b'{"quoteId": ', b'"q_x"}']),
                            headers={**api.h("rider"), "Content-Type": "application/json"})
    assert small.status_code == 404  # a chunked body within the limit is read as usual


# -- strict types --------------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "field"), [
    ({"passengers": "3"}, "passengers"),
    ({"passengers": True}, "passengers"),
    ({"passengers": 2.0}, "passengers"),
    ({"wheelchair": 1}, "wheelchair"),
    ({"wheelchair": "true"}, "wheelchair"),
    ({"origin": {"lat": "44.0153", "lon": -73.1673}}, "origin.lat"),
    ({"destination": {"lat": 44.1336, "lon": False}}, "destination.lon"),
])
def test_quotes_take_numbers_and_booleans_only(api, change, field) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/api/v1/quotes", "rider", {**ride(MIDDLEBURY, BRISTOL, tomorrow(9)),
                                             **change})
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert _count(api, Quote) == 0


def test_other_bodies_are_strict_too(api) -> None:  # type: ignore[no-untyped-def]
    leg = {"origin": {"lat": MIDDLEBURY[0], "lon": MIDDLEBURY[1]},
           "destination": {"lat": BRISTOL[0], "lon": BRISTOL[1]},
           "pickupWindow": {"start": tomorrow(9), "end": tomorrow(9, 15)},
           "dropOffWindow": {"start": tomorrow(9)}, "passengers": "2"}
    r = api.post("/api/v1/bookings", "rider", {"itinerary": [leg]})
    assert r.status_code == 422 and r.json()["field"] == "itinerary.0.passengers"
    r = api.post("/api/v1/vehicles/mid-1/events", "driver",
                 {"type": "position", "lat": "44.0", "lon": -73.1})
    assert r.status_code == 422 and r.json()["field"] == "lat"
    r = api.post("/api/v1/plans/replan", "dispatcher",
                 {"area": "middlebury", "date": "2026-11-25", "timeLimitS": "5"})
    assert r.status_code == 422 and r.json()["field"] == "timeLimitS"
    # times stay ISO 8601 text (and epoch milliseconds where a plan sends them)
    ok = api.post("/api/v1/plans/replan", "dispatcher",
                  {"area": "middlebury", "date": "2026-11-25", "timeLimitS": 1})
    assert ok.status_code == 200, ok.text


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation holds (``list[RideLeg] | None`` holds ``RideLeg``), and
    theirs."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for f in annotation.model_fields.values():
            yield from _models(f.annotation)
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def test_every_request_body_is_strict_input(api) -> None:  # type: ignore[no-untyped-def]
    """Every request body (and every model within it) is an ``Input``: strict types and
    clean text hold for new operations too."""
    from api.openapi import api_routes

    routes = [getattr(r, "original_route", r) for r in api_routes(api.client.app)]
    bodies = [r.body_field.field_info.annotation for r in routes if r.body_field is not None]
    assert len(bodies) >= 7
    for body in bodies:
        for m in _models(body):
            assert issubclass(m, Input), f"{m.__name__} (in {body.__name__}) is no Input"


# -- text ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "code", "position"), [
    ("Erika\u202eretsuM", "U+202E RIGHT-TO-LEFT OVERRIDE", 6),  # shows as "Erika Muster"
    ("\u2066Max\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE", 1),
    ("Eri\u200fka", "U+200F RIGHT-TO-LEFT MARK", 4),
    ("Erika\u0085Muster", "U+0085", 6),  # C1: NEXT LINE
    ("Erika\u009bMuster", "U+009B", 6),  # C1: CONTROL SEQUENCE INTRODUCER
    ("Erika\x1b[2JMuster", "U+001B", 6),  # C0: an escape sequence
    ("Eri\u200bka", "U+200B ZERO WIDTH SPACE", 4),
    ("\ufeffErika", "U+FEFF ZERO WIDTH NO-BREAK SPACE", 1),
    ("Eri\u00adka", "U+00AD SOFT HYPHEN", 4),
    ("Erika\U000e0041", "U+E0041 TAG LATIN CAPITAL LETTER A", 6),
    ("Erika\u2028Muster", "U+2028 LINE SEPARATOR", 6),
])
def test_names_refuse_invisible_and_control_characters(api, name, code, position) -> None:  # type: ignore[no-untyped-def]
    """Sign-up and riders created by dispatchers: a 422 naming the field, the character
    and its position; nothing stored."""
    before = _count(api, Rider)
    for r in (api.client.post("/api/v1/accounts", json={"name": name}),
              api.post("/api/v1/riders", "dispatcher", {"name": name})):
        assert r.status_code == 422, r.text
        p = r.json()
        assert p["field"] == "name"
        assert f"character {position} is {code}" in p["detail"], p["detail"]
    assert _count(api, Rider) == before


@pytest.mark.parametrize("name", [
    "Renée Ångström-Øster", "محمد الأحمد", "می\u200cخواهم",  # Persian needs the ZWNJ
    "\u0915\u094d\u200d\u0937",  # Devanagari with a zero-width joiner
    "\U0001f469\u200d\U0001f469\u200d\U0001f467 Family", "李小龙", "O'Neil (Jr.)"])
def test_names_in_every_script_are_accepted(api, name) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/api/v1/riders", "dispatcher", {"name": name})
    assert r.status_code == 201, r.text
    assert api.get(f"/api/v1/riders/{r.json()['id']}", "dispatcher").json()["name"] == name


def test_stored_text_is_shown_as_it_is(api) -> None:  # type: ignore[no-untyped-def]
    """A name stored before these rules (the probe left "Erika" + U+202E + "retsuM") is
    still served — answers are not re-checked, so old rows cause no 500."""
    with api.store.session() as s:
        s.add(Rider(id="r_old", name="Erika\u202eretsuM", phone=None,
                    created_at=api.clock.now()))
    r = api.get("/api/v1/riders/r_old", "dispatcher")
    assert r.status_code == 200 and r.json()["name"] == "Erika\u202eretsuM"


def test_text_rule() -> None:
    assert text_problem("Erika Muster") is None
    assert text_problem("\u200c\u200d") is None
    assert text_problem("a\u202eb") == ("character 2 is U+202E RIGHT-TO-LEFT OVERRIDE, a "
                                        "bidirectional control: not allowed in text")
    assert text_problem("a\ud800") is not None  # a lone surrogate cannot be stored
    assert text_problem("\x00") is not None


# -- headers -----------------------------------------------------------------------------------
def test_every_response_is_nosniff(api) -> None:  # type: ignore[no-untyped-def]
    big = b'{"quoteId": "' + b"x" * 70_000 + b'"}'
    answers = [api.get("/health"), api.get("/api/v1/nothing"), api.get("/api/v1/bookings"),
               api.get("/openapi.json"), api.get("/"), api.get("/js/main.js"),
               api.client.post("/api/v1/bookings", content=big,
                               headers={**api.h("rider"), "Content-Type": "application/json"})]
    assert [r.status_code for r in answers] == [200, 404, 401, 200, 200, 200, 413]
    for r in answers:
        assert r.headers["x-content-type-options"] == "nosniff", r.request.url


def _inline_hashes(html: str) -> set[str]:
    return {"'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
            for code in re.findall(r"<script>(.*?)</script>", html, re.S)}


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_api_docs_have_a_content_policy(api, path: str) -> None:  # type: ignore[no-untyped-def]
    """Only their own inline script (by hash) and FastAPI's CDN may run; no page may frame
    them."""
    r = api.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    scripts = set(csp["script-src"].split())
    assert scripts - _inline_hashes(r.text) == {"https://cdn.jsdelivr.net"}
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_web_app_keeps_its_own_policy(api) -> None:  # type: ignore[no-untyped-def]
    r = api.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_a_report_page_gets_a_policy_that_lets_it_render() -> None:
    """A simulation report: its inline style by hash, its plots as data: images; nothing
    else loads, no script runs, and it is sandboxed (an origin of its own, away from the
    web app's stored keys)."""
    style = "body{font-family:system-ui}"
    html = (f'<!doctype html><html><head><style>{style}</style></head><body><p class="big">'
            'x</p><img src="data:image/png;base64,AAAA"></body></html>').encode()
    csp = page_policy(html)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    assert "img-src data:" in csp and "script-src 'none'" in csp
    assert "default-src 'none'" in csp and csp.endswith("sandbox")


def _call(api, method: str, path: str):  # type: ignore[no-untyped-def]
    url = re.sub(r"\{[^}]+\}", "x", path)
    headers = api.h("dispatcher")
    if method == "get":
        return api.client.get(url, headers=headers)
    return api.client.request(method.upper(), url, headers=headers,
                              json={} if method == "post" else None)


def test_personal_answers_are_not_cached(api) -> None:  # type: ignore[no-untyped-def]
    """Every operation of the OpenAPI document, called: its answer is ``no-store`` unless
    it is one of the public ones (the region, its map, the service areas); answers with
    names, phones and places among them."""
    doc = api.get("/openapi.json").json()
    checked = 0
    for path, ops in doc["paths"].items():
        for method in ops:
            r = _call(api, method, path)
            assert r.status_code < 500, (method, path, r.text)
            if path.startswith("/api/"):
                public = path.startswith(PUBLIC_API)
                assert (r.headers.get("cache-control") == "no-store") != public, (method, path)
                assert private(path) != public
                checked += 1
    assert checked >= 20
    # the answers that do hold personal data, with real ids
    q, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    for r in (api.get(f"/api/v1/bookings/{b['id']}", "rider"), api.get("/api/v1/me", "rider"),
              api.get(f"/api/v1/riders/{b['riderId']}", "rider"),
              api.get(f"/api/v1/vehicles/{b['vehicleId']}/manifest", "dispatcher",
                      params={"date": tomorrow(9)[:10]}),
              api.get("/api/v1/plan", params={"from": "44.0153,-73.1673",
                                               "to": "44.1670,-73.2540"}),
              api.client.post("/api/v1/accounts", json={"name": "Max"})):
        assert r.status_code in (200, 201), r.text
        assert r.headers["cache-control"] == "no-store", r.request.url
