"""The rider's view in a real browser (Debian's Chromium through Playwright) against the real
server process, on a phone (390×844) and a desktop (1280×900, and at 200 % zoom), in English
and in German (a server told ``MOBILITY_LANGUAGE=de``): answers say themselves in plain words
(why nothing was found, with the service hours and a button for the next moment worth a try;
the date of results on another day), a past time is refused before any request, messages
belong to what they describe and clear, success is said and focused, buttons are busy while
they work, the first screen is whole and in the right language before the API answers, and a
server that is away is said so. Screenshots of the phone flow go to ``out/browser/``
(``rider-phone-en-*.png``, ``rider-phone-de-*.png``)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api_helpers import NOW
from tests.server_process import Server
from tests.test_web import CHROMIUM, _serve, assert_accessible, browser, server, shot

__all__ = ["browser", "server"]  # the fixtures, used here by name

BROWSER = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# 1280×900 at 200 % zoom: 640×450 CSS pixels
ZOOM_200 = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}
WOOSTER, VERGENNES = "Wooster Road", "Vergennes Green"  # a Cornwall street; a stop in Vergennes

# what the rider reads, by language (the app's own words, not the server's)
TEXT = {
    "en": {"heading": "Where do you want to go?", "from": "From", "tab": "Ride",
           "loading": "Loading", "submit": "Find connections", "past": "has already passed",
           "year": "looks mistyped", "outside": "outside these hours", "next": "Search again for",
           "day_title": "Connections on", "weekday": "Thu", "label": "door-to-door ride",
           "label_bus": "ride + bus",
           "wait": "Wait at", "needs": "Create an account or sign in below to book.",
           "welcome": "Welcome, ", "booked": "Booked: pickup between", "network":
           "The server did not answer", "point": "point ", "busy": "Searching",
           "fare_leg": "fare $2.00 per adult", "fare": "fare $2.00"},
    "de": {"heading": "Wohin möchten Sie fahren?", "from": "Von", "tab": "Fahren",
           "loading": "Wird geladen", "submit": "Verbindungen suchen", "past": "schon vorbei",
           "year": "vertippt", "outside": "außerhalb", "next": "Neu suchen für",
           "day_title": "Verbindungen am", "weekday": "Do.", "label": "Fahrt von Tür zu Tür",
           "label_bus": "Rufbus + Bus",
           "wait": "Warten bei", "needs": "Zum Buchen unten ein Konto anlegen oder anmelden.",
           "welcome": "Willkommen, ", "booked": "Gebucht: Abholung zwischen", "network":
           "Der Server antwortet nicht", "point": "Punkt ", "busy": "Suche läuft",
           "fare_leg": "Fahrpreis 2,00 $ pro Erwachsenem", "fare": "Fahrpreis 2,00 $"},
}


@pytest.fixture(scope="module")
def server_de(tmp_path_factory: pytest.TempPathFactory, addison: Any) -> Iterator[Server]:
    """The same region served by an operator who chose German for the web app."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOBILITY_LANGUAGE", "de")
        srv = _serve(tmp_path_factory.mktemp("web-de"), "addison-vt")
    yield srv
    srv.stop()


def _server(request: pytest.FixtureRequest, lang: str) -> Server:
    return request.getfixturevalue("server" if lang == "en" else "server_de")  # type: ignore[no-any-return]


def _context(browser: Any, device: dict[str, Any], lang: str) -> Any:
    ctx = browser.new_context(locale="en-US" if lang == "en" else "de-DE", **device)
    ctx.clock.install(time=NOW)  # the browser's day is the server's (MOBILITY_CLOCK_START)
    return ctx


def _watch(pg: Any, srv: Server) -> tuple[list[str], list[str]]:
    """Script errors and requests leaving the server fail the test; requests are recorded."""
    errors: list[str] = []
    requested: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text
          else None)
    pg.on("request", lambda r: requested.append(r.url))
    pg.on("dialog", lambda d: d.accept())
    pg.requested = requested
    return errors, requested


@pytest.fixture()
def rider(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """``rider(device, lang)`` opens the app on a fresh device; checked when the test ends."""
    opened: list[tuple[Any, Any, list[str], list[str], Server]] = []

    def open_app(device: dict[str, Any], lang: str) -> Any:
        srv = _server(request, lang)
        ctx = _context(browser, device, lang)
        pg = ctx.new_page()
        errors, requested = _watch(pg, srv)
        pg.goto(srv.url + "/")
        pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
        opened.append((ctx, pg, errors, requested, srv))
        return pg

    yield open_app
    for ctx, _pg, errors, requested, srv in opened:
        ctx.close()
        assert not errors, errors
        outside = [u for u in requested if not u.startswith((srv.url, "data:", "blob:"))]
        assert not outside, outside


def choose(pg: Any, field: str, text: str) -> None:
    """Type a place and take the first suggestion with the keyboard."""
    pg.fill(f"#{field}-input", text)
    pg.wait_for_selector(f"#{field}-list li", timeout=10_000)
    pg.press(f"#{field}-input", "ArrowDown")
    pg.press(f"#{field}-input", "Enter")
    assert pg.input_value(f"#{field}-input").startswith(text)


def day_input(days: int, hhmm: str) -> str:
    """A date-time field's value ``days`` after the tests' ``NOW`` (a Tuesday)."""
    return f"{(NOW.date() + dt.timedelta(days=days)).isoformat()}T{hhmm}"


def plans(pg: Any) -> list[dict[str, list[str]]]:
    """The /plan requests the page made, as their query parameters."""
    return [parse_qs(urlsplit(u).query) for u in pg.requested if "/api/v1/plan?" in u]


def in_view(pg: Any, selector: str) -> bool:
    """The element's whole box is inside the viewport."""
    box = pg.locator(selector).bounding_box()
    size = pg.viewport_size
    return bool(box) and box["y"] >= 0 and box["x"] >= 0 and \
        box["y"] + box["height"] <= size["height"] + 0.5 and \
        box["x"] + box["width"] <= size["width"] + 0.5


def focused(pg: Any) -> str:
    return str(pg.evaluate("document.activeElement.id || document.activeElement.className"))


def no_error_shown(pg: Any) -> bool:
    return bool(pg.evaluate("![...document.querySelectorAll('.msg.error, .status.error')]"
                            ".some(e => e.offsetParent !== null)"))


def hours(srv: Server) -> list[str]:
    """The on-demand area's service hours, from the API (e.g. ["06:00", "20:00"])."""
    areas = httpx.get(srv.url + "/api/v1/service-areas", timeout=30).json()["features"]
    return list(areas[0]["properties"]["hours"])


# -- the whole flow, on a phone and a desktop, in English and German ------------------------
@pytest.mark.slow
@BROWSER
@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_rider_is_told_why_finds_the_next_ride_and_books(rider: Any, request: Any,
                                                            device: str, lang: str) -> None:
    phone = device == "phone"
    pg = rider(PHONE if phone else DESKTOP, lang)
    srv = _server(request, lang)
    w = TEXT[lang]
    name = f"Rita {device.title()} {lang.upper()}"
    tag = f"rider-phone-{lang}" if phone else f"rider-desktop-{lang}"
    assert pg.get_attribute("html", "lang") == lang
    start, end = hours(srv)
    service = pg.inner_text("#service-info")  # the service up front: its area and hours
    assert "middlebury" in service and start in service and end in service
    if phone:  # the form comes first; the map waits folded, its button says so
        assert not pg.is_visible("#map") and pg.get_attribute("#map-toggle",
                                                              "aria-expanded") == "false"
        assert in_view(pg, "#plan-submit")
        shot(pg, f"{tag}-1-start")
    choose(pg, "from", WOOSTER)
    choose(pg, "to", VERGENNES)

    # a week ago, and a mistyped year: refused in the form, nothing asked of the server
    for value, said in ((day_input(-7, "08:00"), w["past"]), ("20266-11-25T08:00", w["year"])):
        pg.fill("#plan-time", value)
        pg.click("#plan-submit")
        msg = pg.locator("#rider-msg.error")
        msg.wait_for()
        assert said in msg.inner_text() and "now:" not in msg.inner_text()
        assert pg.get_attribute("#plan-time", "aria-invalid") == "true"
        assert focused(pg) == "plan-time" and in_view(pg, "#rider-msg")
    assert plans(pg) == []

    # 21:30 tomorrow: no ride, because the service has ended; said with its hours
    pg.fill("#plan-time", day_input(1, "21:30"))
    pg.click("#plan-submit")
    nxt = pg.locator("#itin-note button.next")
    nxt.wait_for(timeout=30_000)
    assert no_error_shown(pg)  # the refusals above were about the old time
    why = pg.inner_text("#itin-note")
    assert w["outside"] in why and start in why and end in why
    assert focused(pg) == "itin-title" and pg.locator("#itin-list > li").count() == 0
    label = nxt.inner_text()  # the next start, on the next day, named with its date
    assert label.startswith(w["next"]) and start in label and w["weekday"] in label
    if phone:
        assert in_view(pg, "#plan-submit") and in_view(pg, "#itin-note button.next")
        shot(pg, f"{tag}-2-why")
    assert_accessible(pg)

    # the button plans again at that moment: rides on another day, with their date
    nxt.click()
    pg.wait_for_selector("#itin-list > li", timeout=30_000)
    asked = plans(pg)
    assert len(asked) == 2 and asked[-1]["time"] == [day_input(2, start)]
    first = pg.locator("#itin-list > li").first
    head = first.locator("h3").inner_text()
    # labelled by what it is (earlier bookings on this server decide which comes first)
    bus = first.locator(".leg-item.mode-bus").count() > 0
    assert head.startswith(w["weekday"]) and w["label_bus" if bus else "label"] in head
    assert pg.inner_text("#itin-title").startswith(w["day_title"])
    wait = first.locator(".wait").inner_text()  # where exactly: on Wooster Road
    assert wait.startswith(w["wait"]) and "Wooster" in wait
    # the ride's fare (addison-vt's flat $2.00), in the rider's language
    assert w["fare_leg"] in first.inner_text().replace("\xa0", " ")
    if phone:  # the button and the first result in view, the form just above
        assert in_view(pg, "#plan-submit") and in_view(pg, "#itin-list > li >> nth=0")
        shot(pg, f"{tag}-3-results")
        # "Show on map" unfolds the map, fitted to the connection
        first.locator("button.show").click()
        assert pg.is_visible("#map") and pg.get_attribute("#map-toggle",
                                                          "aria-expanded") == "true"
        pg.wait_for_timeout(400)  # the fit's animation
        area, leg = (pg.locator(s).bounding_box()
                     for s in ("#map", "path.leg-on_demand >> nth=0"))
        assert area and leg and area["y"] <= leg["y"] and \
            leg["y"] + leg["height"] <= area["y"] + area["height"] + 1
        assert leg["width"] > 20 or leg["height"] > 20  # drawn at a useful zoom
        shot(pg, f"{tag}-3b-map")

    # booking needs an account: said at the sign-up form, which gets the focus
    first.locator("button.book").click()
    pg.wait_for_selector("#account-msg.error")
    assert pg.inner_text("#account-msg") == w["needs"] and focused(pg) == "signup-name"
    pg.fill("#signup-name", name)
    pg.click("#signup-form button[type=submit]")
    pg.wait_for_selector("#account-msg.ok")
    assert pg.inner_text("#account-msg").startswith(w["welcome"] + name)
    assert no_error_shown(pg) and focused(pg) == "account-msg"
    assert w["needs"] not in pg.inner_text("#itineraries")  # the offers know it too
    first.locator("button.book").click()
    done = first.locator(".done")
    done.wait_for(timeout=30_000)
    assert done.inner_text().startswith(w["booked"]) and "Wooster" in done.inner_text()
    assert pg.evaluate("document.activeElement.classList.contains('done')")
    assert first.locator("button.book").is_disabled() and no_error_shown(pg)
    pg.wait_for_selector("#my-bookings li.status-confirmed", timeout=30_000)
    # My bookings: the pickup named by the server, else by its point, never a far stop
    key = pg.evaluate("localStorage.getItem('mobility.riderKey')")
    mine = httpx.get(srv.url + "/api/v1/bookings", timeout=30,
                     headers={"Authorization": f"Bearer {key}"}).json()["bookings"]
    route = pg.inner_text(f'#my-bookings li[data-id="{mine[0]["id"]}"] button.route')
    origin = mine[0].get("originName")
    assert route.startswith(origin if origin else w["point"]), route
    booked = pg.inner_text(f'#my-bookings li[data-id="{mine[0]["id"]}"] .fare')
    assert booked.replace("\xa0", " ") == w["fare"] and mine[0]["fare"]["amount"] == 2.0
    if phone:
        shot(pg, f"{tag}-4-booked")
    assert_accessible(pg)


# -- 200 % zoom -------------------------------------------------------------------------------
@pytest.mark.slow
@BROWSER
def test_at_200_percent_zoom_the_form_and_results_fit(rider: Any) -> None:
    pg = rider(ZOOM_200, "en")
    assert pg.locator(".top").bounding_box()["height"] < 130  # the header leaves room
    choose(pg, "from", WOOSTER)
    choose(pg, "to", VERGENNES)
    pg.fill("#plan-time", day_input(1, "08:00"))
    pg.click("#plan-submit")
    pg.wait_for_selector("#itin-list > li", timeout=30_000)
    assert in_view(pg, "#plan-submit") and in_view(pg, "#itin-title")
    box = pg.locator("#itin-list > li >> nth=0").bounding_box()
    assert box["y"] < 450  # the first result starts on screen
    assert_accessible(pg)
    shot(pg, "rider-zoom200-en")


# -- a slow network, then none ------------------------------------------------------------
class SlowApi:
    """Holds each API request back ``delay`` seconds (a slow mobile network); the test
    pumps (waits while releasing what is due)."""

    def __init__(self, pg: Any, delay: float = 2.0) -> None:
        self.pg, self.delay = pg, delay
        self.pending: list[tuple[float, Any]] = []
        pg.route("**/api/**", lambda r: self.pending.append((time.monotonic() + delay, r)))

    def pump(self, seconds: float = 0.05) -> None:
        end = time.monotonic() + seconds
        while True:
            for item in list(self.pending):
                if item[0] <= time.monotonic():
                    self.pending.remove(item)
                    item[1].continue_()
            self.pg.wait_for_timeout(50)
            if time.monotonic() >= end:
                return

    def wait(self, script: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.pg.evaluate(script):
            assert time.monotonic() < deadline, f"timed out waiting for {script}"
            self.pump()

    def choose(self, field: str, text: str) -> None:
        self.pg.fill(f"#{field}-input", text)
        self.wait(f"document.querySelectorAll('#{field}-list li').length > 0")
        self.pg.press(f"#{field}-input", "ArrowDown")
        self.pg.press(f"#{field}-input", "Enter")


@pytest.mark.slow
@BROWSER
@pytest.mark.parametrize("lang", ["en", "de"])
def test_slow_network_first_screen_busy_buttons_and_a_server_away(
        browser: Any, request: Any, lang: str) -> None:
    srv = _server(request, lang)
    w = TEXT[lang]
    ctx = _context(browser, PHONE, lang)
    pg = ctx.new_page()
    errors, requested = _watch(pg, srv)
    slow = SlowApi(pg)
    pg.goto(srv.url + "/")  # the page and its scripts; the API not answered yet
    assert any("/api/v1/region" in r.request.url for _, r in slow.pending)
    assert pg.evaluate("document.body.dataset.ready") is None
    # the first screen: whole, in the server's language, before any data
    assert pg.get_attribute("html", "lang") == lang
    assert pg.inner_text("#plan-form h2") == w["heading"]
    assert pg.inner_text("#tab-rider") == w["tab"]
    assert pg.inner_text('label[for="from-input"]') == w["from"]
    for field in ("#from-input", "#to-input", "#plan-time", "#plan-passengers"):
        assert pg.is_visible(field), field
    assert pg.is_disabled("#plan-submit") and w["loading"] in pg.inner_text("#plan-submit")
    assert pg.get_attribute("#plan-submit", "aria-busy") == "true"
    shot(pg, f"rider-phone-{lang}-0-slow-first-screen")
    slow.wait("document.body.dataset.ready === 'true'")
    assert pg.inner_text("#plan-submit") == w["submit"] and not pg.is_disabled("#plan-submit")
    slow.choose("from", WOOSTER)
    slow.choose("to", VERGENNES)
    pg.fill("#plan-time", day_input(1, "08:00"))
    pg.click("#plan-submit")
    slow.pump(0.3)  # the request is under way: the button says so and takes no second press
    assert pg.is_disabled("#plan-submit") and w["busy"] in pg.inner_text("#plan-submit")
    assert pg.get_attribute("#plan-submit", "aria-busy") == "true"
    pg.click("#plan-submit", force=True)
    pg.press("#plan-passengers", "Enter")  # nor an Enter in the form
    slow.wait("document.querySelectorAll('#itin-list > li').length > 0")
    assert len(plans(pg)) == 1
    assert pg.inner_text("#plan-submit") == w["submit"]
    # the server goes away: said in the interface language, where the rider looks
    pg.unroute("**/api/**")
    pg.route("**/api/**", lambda r: r.abort("connectionrefused"))
    pg.click("#plan-submit")
    msg = pg.locator("#rider-msg.error")
    msg.wait_for(timeout=10_000)
    assert msg.inner_text().startswith(w["network"]) and in_view(pg, "#rider-msg")
    assert focused(pg) == "rider-msg" and not pg.is_disabled("#plan-submit")
    shot(pg, f"rider-phone-{lang}-5-server-away")
    ctx.close()
    assert not errors, errors
    assert all(u.startswith((srv.url, "data:", "blob:")) for u in requested)


# -- the contract's fields the server may not serve yet -------------------------------------
def _complete(route: Any) -> None:
    """The real answer of /plan, with the contract's ``explanations``, ``next``, ``kind``
    and ``pickupPlace`` filled in only where the server does not give them yet."""
    res = route.fetch()
    body = res.json()
    q = parse_qs(urlsplit(route.request.url).query)
    if "explanations" not in body:
        body["explanations"] = [
            {"code": "before_notice", "message": "raw server words",
             "params": {"area": "middlebury", "earliest": f'{q["time"][0]}:00-05:00'}},
            {"code": "no_stop_nearby", "message": "raw", "params": {"end": "origin",
                                                                   "minutes": 15}},
            {"code": "vehicles_busy", "message": "raw", "params": {"tried": 3}},
            {"code": "something_new", "message": "raw", "params": {}}]
        body["next"] = {"time": f'{q["time"][0][:10]}T15:04:00-05:00', "code": "before_notice"}
    for it in body.get("itineraries", []):
        for leg in it["legs"]:
            if leg["mode"] == "ON_DEMAND" and "pickupPlace" not in leg:
                leg["pickupPlace"] = {"name": "12 Wooster Road", "street": "Wooster Road",
                                      "houseNumber": "12", "near": "Cornwall Town Hall",
                                      "distance_m": 40}
    route.fulfill(response=res, body=json.dumps(body))


@pytest.mark.slow
@BROWSER
def test_explanations_and_pickup_places_are_worded_by_the_app(rider: Any) -> None:
    pg = rider(DESKTOP, "en")
    served: list[dict[str, Any]] = []
    pg.on("response", lambda r: served.append(r.json()) if "/api/v1/plan?" in r.url
          and r.ok else None)
    pg.route("**/api/v1/plan?*", _complete)
    choose(pg, "from", WOOSTER)
    choose(pg, "to", VERGENNES)
    pg.fill("#plan-time", day_input(0, "10:00"))  # today: the results carry no date
    pg.click("#plan-submit")
    pg.wait_for_selector("#itin-list > li", timeout=30_000)
    body = served[-1]
    head = pg.inner_text("#itin-list > li >> nth=0 >> h3")
    assert head[:2].isdigit() and pg.inner_text("#itin-title") == "Connections"
    note = pg.inner_text("#itin-note")
    assert "raw" not in note and "server" not in note
    codes = [x["code"] for x in body["explanations"]]
    if "before_notice" in codes:  # worded with the area and the earliest time
        assert "Rides in middlebury have to be booked ahead: the earliest pickup is" in note
    if "no_stop_nearby" in codes:
        assert "minutes' walk of your" in note
    legs = [leg for it in body["itineraries"] for leg in it["legs"] if leg["mode"] == "ON_DEMAND"]
    place = legs[0]["pickupPlace"]
    wait = pg.inner_text("#itin-list > li >> nth=0 >> .wait")
    assert wait.startswith(f'Wait at {place["name"]}')
    # the interface's language changes the words, not the facts
    pg.select_option("#lang", "de")
    note = pg.inner_text("#itin-note")
    assert "raw" not in note
    if "before_notice" in codes:
        assert "müssen vorher gebucht werden" in note
    assert pg.inner_text("#itin-list > li >> nth=0 >> .wait").startswith(
        f'Warten bei: {place["name"]}')
    assert_accessible(pg)


# -- what the server adds for the app -----------------------------------------------------
def test_the_region_says_the_service_clock_and_the_page_its_language(
        addison: Any, addison_planner: Any, addison_travel: Any, tmp_path: Path) -> None:
    """/region's ``now`` is the service's clock (the tests' fixed one), in the region's zone;
    index.html comes in the region's language (the operator's choice), uncached."""
    from fastapi import FastAPI

    from api.web import mount_web
    from tests.test_api_web import _client

    with _client(addison, addison_planner, addison_travel, tmp_path) as c:
        r = c.get("/api/v1/region").json()
        assert dt.datetime.fromisoformat(r["now"]) == NOW
        assert r["now"].endswith("-05:00")  # America/New_York in November
        page = c.get("/")
        assert '<html lang="en">' in page.text and page.headers["cache-control"] == "no-cache"
        assert "default-src 'self'" in page.headers["content-security-policy"]
    app = FastAPI()
    mount_web(app, language="de")
    with TestClient(app) as c:
        for path in ("/", "/index.html"):
            page = c.get(path)
            assert page.status_code == 200 and '<html lang="de">' in page.text
            assert 'id="plan-form"' in page.text
        assert c.get("/app.css").status_code == 200  # other files as they are
