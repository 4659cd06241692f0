"""The driver's view (``/driver``) in a real browser (Debian's Chromium through Playwright) on
a 360×740 phone, against the real server process with its clock at 07:00 on the tests'
Tuesday: a driver signs in with a driver key (made by ``mobility keys create``), reads the
next stop (its place named as the region's namer names the coordinates, the rider, a call
link, a navigation link, the dispatcher's note) and reports arrived, picked up and dropped
off (the bookings' statuses checked through the API). Offline, a report waits on the phone
(the server has not got it) and goes when the connection returns; an answer lost on its way
back makes the phone send it again, and the server applies it once. Refused reports (a
no-show before the window, a ride the dispatcher cancelled) leave the queue with the reason
in plain words; positions go from a form, from the hook and every 15 s on duty (the
manifest's position follows); the manifest and service worker make the view installable and
let it open without a connection. Screenshots go to ``out/browser/driver-*.png``."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from mobility.place_names import PlaceNames
from mobility.region import Region
from tests.api_helpers import ADDISON_TZ, BRISTOL, EAST_MIDDLEBURY, MIDDLEBURY, NOW, WEYBRIDGE, ride
from tests.conftest import CACHE, DATA
from tests.server_process import Server, cli
from tests.test_web import CHROMIUM, assert_accessible, shot
from tests.test_web import browser as _browser

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

browser = _browser  # the browser fixture of tests/test_web.py
#: the server's clock starts at 07:00, inside mid-1's shift: rides can be done today
CLOCK_START = NOW + dt.timedelta(hours=1)
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
RIDER, RIDER_PHONE = "Zoë Fahrgast-Müller", "+1 802 555 0190"
VILLAGE = (44.0235, -73.1710)  # north of Middlebury's centre: a position on duty


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, addison: Region) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("driver")
    env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp / 'm.db'}",
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA),
           "MOBILITY_SIM_DIR": str(tmp / "sims"), "MOBILITY_REPLAY_FEED": "true",
           "MOBILITY_CLOCK_START": CLOCK_START.isoformat()}
    srv = Server(env, "addison-vt", tmp / "server.log").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def staff(server: Server) -> str:
    """The dispatcher key ``serve`` printed on the new installation."""
    line = next(x for x in server.log().splitlines() if x.startswith("first dispatcher key: "))
    return line.rsplit(" ", 1)[-1].strip()


@pytest.fixture(scope="module")
def driver_key(server: Server) -> Callable[[str], str]:
    """``driver_key(vehicle)``: a driver key of the vehicle, as an operator makes it."""
    made: dict[str, str] = {}

    def make(vehicle: str) -> str:
        if vehicle not in made:
            out = cli(server.env, "keys", "create", "--role", "driver", "--vehicle", vehicle,
                      "--json")
            made[vehicle] = json.loads(out)["key"]
        return made[vehicle]

    return make


@pytest.fixture(scope="module")
def namer(addison: Region) -> PlaceNames:
    """The region's namer, built here (not the server's): the names to expect."""
    return PlaceNames.of_region(addison)


def call(server: Server, method: str, path: str, key: str, body: Any = None,
         **params: Any) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, params=params, timeout=60,
                         headers={"Authorization": f"Bearer {key}"})


def get(server: Server, path: str, key: str, **params: Any) -> Any:
    r = call(server, "GET", path, key, **params)
    assert r.status_code == 200, r.text
    return r.json()


def server_now(server: Server) -> dt.datetime:
    now = httpx.get(server.url + "/api/v1/region", timeout=30).json()["now"]
    return dt.datetime.fromisoformat(now).astimezone(ADDISON_TZ)


@pytest.fixture()
def rides(server: Server, staff: str) -> Iterator[Callable[..., dict[str, Any]]]:
    """``rides(minutes, **quote)``: a ride today from Middlebury to Weybridge for a new
    rider, its pickup ``minutes`` from the server's now. Rides left open when the test ends
    are finished through the API, so that the next test's vehicle starts empty."""
    made: list[dict[str, Any]] = []

    def book(minutes: int, note: str | None = None, **extra: Any) -> dict[str, Any]:
        rider = call(server, "POST", "/api/v1/riders", staff,
                     {"name": RIDER, "phone": RIDER_PHONE}).json()["id"]
        when = (server_now(server) + dt.timedelta(minutes=minutes)).isoformat()
        q = call(server, "POST", "/api/v1/quotes", staff,
                 ride(MIDDLEBURY, WEYBRIDGE, when, riderId=rider, **extra))
        assert q.status_code == 201, q.text
        b = call(server, "POST", "/api/v1/bookings", staff,
                 {"quoteId": q.json()["id"], **({"note": note} if note else {})})
        assert b.status_code == 201, b.text
        made.append(b.json())
        return b.json()  # type: ignore[no-any-return]

    yield book
    for b in made:
        status = get(server, f"/api/v1/bookings/{b['id']}", staff)["status"]
        if status == "confirmed":
            call(server, "DELETE", f"/api/v1/bookings/{b['id']}", staff)
        elif status == "on_board":
            call(server, "POST", f"/api/v1/vehicles/{b['vehicleId']}/events", staff,
                 {"type": "dropped_off", "bookingId": b["id"]})


@contextmanager
def phone(browser: Any, server: Server, lang: str = "en", **options: Any) -> Iterator[Any]:
    """A fresh phone on /driver (its clock the server's), in ``lang``; a script error, a
    blocked script or a request leaving the server fails the test. Service workers are
    off unless asked for (they are tested on their own)."""
    options.setdefault("service_workers", "block")
    ctx = browser.new_context(locale="en-US" if lang == "en" else "de-DE", **PHONE, **options)
    ctx.clock.install(time=server_now(server))
    pg = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text
          else None)
    pg.on("request", lambda r: None if r.url.startswith((server.url, "data:", "blob:"))
          else outside.append(r.url))
    pg.on("dialog", lambda d: d.accept())
    pg.goto(server.url + "/driver")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    pg.select_option("#lang", lang)
    try:
        yield pg
    finally:
        ctx.close()
    assert not errors, errors
    assert not outside, outside


def sign_in(pg: Any, key: str) -> None:
    pg.fill("#d-key", key)
    pg.click("#d-key-form button[type=submit]")
    pg.wait_for_selector("#d-app:not([hidden])", timeout=20_000)


def wait_next(pg: Any, booking: str, kind: str) -> Any:
    """The next-stop card once it shows ``booking``'s ``kind`` stop."""
    pg.wait_for_selector(f'#d-next-body[data-booking="{booking}"][data-kind="{kind}"]',
                         timeout=20_000)
    return pg.locator("#d-next-body")


def press(pg: Any, action: str) -> None:
    pg.click(f'#d-next-body button[data-action="{action}"]')


def buttons(pg: Any) -> list[str]:
    return [b.get_attribute("data-action")
            for b in pg.locator("#d-next-body button[data-action]").all()]


def wait_sent(pg: Any, timeout: float = 30_000) -> None:
    pg.wait_for_selector('#d-queue[data-pending="0"]', timeout=timeout)


def wait_for(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Poll ``check`` until it returns something true (the server works on its own)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def status(server: Server, staff: str, booking: str) -> str:
    return get(server, f"/api/v1/bookings/{booking}", staff)["status"]  # type: ignore[no-any-return]


def history(server: Server, staff: str, booking: str) -> list[str]:
    return [h["status"] for h in get(server, f"/api/v1/bookings/{booking}", staff)["history"]]


def position(server: Server, staff: str, vehicle: str) -> tuple[float, float] | None:
    p = get(server, f"/api/v1/vehicles/{vehicle}/manifest", staff)["position"]
    return (p["lat"], p["lon"]) if p else None


def hhmm(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(ADDISON_TZ).strftime("%H:%M")


def assert_phone_fits(pg: Any) -> None:
    """Nothing wider than the 360 px screen; every button and link of the view at least
    48 px high (one thumb, a moving vehicle)."""
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    small = pg.evaluate("""() => [...document.querySelectorAll(
        '#d-app button, #d-app a, #d-app summary, #d-signin button, #lang')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => ({what: e.dataset.action || e.id || e.textContent.trim(),
                      h: e.getBoundingClientRect().height, w: e.getBoundingClientRect().width}))
        .filter((b) => b.h < 48 || b.w < 48)""")
    assert small == [], small


# -- the stops -------------------------------------------------------------------------------
def test_a_driver_works_through_a_ride(browser: Any, server: Server, staff: str,
                                       driver_key: Callable[[str], str], namer: PlaceNames,
                                       rides: Callable[..., dict[str, Any]]) -> None:
    note = "Gate code 4711 · rings twice"
    b = rides(-1, note=note, passengers=2, wheelchair=True)  # the window began a minute ago
    vid = b["vehicleId"]
    with phone(browser, server) as pg:
        assert pg.is_visible("#d-signin") and pg.get_attribute("#d-key", "type") == "password"
        assert_phone_fits(pg)
        sign_in(pg, driver_key(vid))
        card = wait_next(pg, b["id"], "pickup")
        assert vid in pg.inner_text("#d-vehicle")
        # where: the region's namer on the pickup's coordinates, and the booking's own name
        place = namer.name(*MIDDLEBURY).name
        assert card.locator(".place").inner_text() == place == b["originName"]
        text = card.inner_text()
        assert "Pick up" in text and note in text
        a, z = (hhmm(b["pickupWindow"][k]) for k in ("start", "end"))
        assert f"{a}–{z}" in card.locator(".window").inner_text()
        assert f"{RIDER} · 2 passengers · wheelchair" in card.locator(".who").inner_text()
        assert card.locator("a.call").get_attribute("href") == "tel:+18025550190"
        lat, lon = MIDDLEBURY
        assert card.locator("a.nav").get_attribute("href") == \
            f"geo:{lat},{lon}?q={lat},{lon}({quote(place)})"
        assert buttons(pg) == ["arrived", "picked_up", "no_show"]
        assert pg.locator('#d-stops li[aria-current="step"]').get_attribute(
            "data-booking") == b["id"]
        assert_phone_fits(pg)
        assert_accessible(pg)
        shot(pg, "driver-phone-en-next", full_page=True)

        press(pg, "arrived")
        pg.wait_for_selector("#d-next-body .arrived")
        assert buttons(pg) == ["picked_up", "no_show"]
        wait_sent(pg)
        # the server has it: the vehicle stands at the pickup, the ride still waits
        assert wait_for(lambda: position(server, staff, vid) == MIDDLEBURY, "the arrival")
        assert status(server, staff, b["id"]) == "confirmed"

        press(pg, "picked_up")
        card = wait_next(pg, b["id"], "dropoff")  # at once, before the server answers
        assert card.locator(".place").inner_text() == namer.name(*WEYBRIDGE).name == \
            b["destinationName"]
        assert buttons(pg) == ["arrived", "dropped_off"]
        assert RIDER in pg.inner_text("#d-onboard")
        wait_sent(pg)
        assert wait_for(lambda: status(server, staff, b["id"]) == "on_board", "on board")
        shot(pg, "driver-phone-en-dropoff", full_page=True)

        press(pg, "dropped_off")
        pg.wait_for_selector("#d-next-body .none")
        wait_sent(pg)
        assert wait_for(lambda: status(server, staff, b["id"]) == "completed", "completed")
        assert_accessible(pg)
    assert history(server, staff, b["id"]) == ["confirmed", "on_board", "completed"]
    log = server.log()
    # (the gate code as a word: a client's port such as 47110 may hold its digits)
    assert RIDER not in log and RIDER_PHONE not in log and not re.search(r"(?<!\d)4711(?!\d)", log)


# -- offline -----------------------------------------------------------------------------------
def test_offline_reports_wait_and_are_applied_once(
        browser: Any, server: Server, staff: str, driver_key: Callable[[str], str],
        rides: Callable[..., dict[str, Any]]) -> None:
    b = rides(-1)
    vid = b["vehicleId"]
    events = f"{server.url}/api/v1/vehicles/{vid}/events"
    with phone(browser, server) as pg:
        posts: list[dict[str, Any]] = []
        answers: list[tuple[int, dict[str, Any]]] = []
        pg.on("request", lambda r: posts.append(r.post_data_json)
              if r.url == events and r.method == "POST" else None)
        pg.on("requestfinished", lambda r: answers.append(
            (r.response().status, r.response().json())) if r.url == events else None)
        sign_in(pg, driver_key(vid))
        wait_next(pg, b["id"], "pickup")

        pg.context.set_offline(True)
        press(pg, "picked_up")
        wait_next(pg, b["id"], "dropoff")  # the screen follows at once
        pg.wait_for_selector('#d-queue[data-pending="1"]')
        assert "No connection" in pg.inner_text("#d-queue")
        assert "1 report waiting to be sent" in pg.inner_text("#d-queue")
        time.sleep(3)  # tries made meanwhile fail: the server has not got it
        assert status(server, staff, b["id"]) == "confirmed"
        kept = pg.evaluate(f"JSON.parse(localStorage.getItem('mobility.driver.events.{vid}'))")
        assert [(e["type"], e["bookingId"], e["state"]) for e in kept] == [
            ("picked_up", b["id"], "pending")]
        shot(pg, "driver-phone-en-offline", full_page=True)

        # back online, but the server's answer is lost on its way: the phone sends again
        lost: list[int] = []

        def lose_first_answer(route: Any) -> None:
            if lost:
                route.continue_()
                return
            lost.append(route.fetch().status)  # the server got it and answered
            route.abort("connectionfailed")

        pg.route(events, lose_first_answer)
        pg.context.set_offline(False)
        wait_sent(pg)
        assert lost == [201]
        pg.unroute(events)
        sent = [p for p in posts if p["type"] == "picked_up"]
        ids = {p["eventId"] for p in sent}
        assert len(sent) >= 2 and len(ids) == 1 and ids == {kept[0]["eventId"]}
        assert answers[-1][0] == 200 and answers[-1][1]["applied"] is False
        assert status(server, staff, b["id"]) == "on_board"
        assert history(server, staff, b["id"]).count("on_board") == 1

        # two flushes at once send a report once (one sending at a time)
        press(pg, "dropped_off")
        pg.evaluate("Promise.all([window.mobilityDriver.flush(), window.mobilityDriver.flush()])")
        wait_sent(pg)
        assert wait_for(lambda: status(server, staff, b["id"]) == "completed", "completed")
        drops = [p for p in posts if p["type"] == "dropped_off"]
        assert len(drops) == 1
    assert history(server, staff, b["id"]) == ["confirmed", "on_board", "completed"]


# -- refusals, in German ---------------------------------------------------------------------------
def test_refused_reports_say_why_in_german(
        browser: Any, server: Server, staff: str, driver_key: Callable[[str], str],
        rides: Callable[..., dict[str, Any]]) -> None:
    b = rides(40)  # the pickup window starts in 40 minutes
    vid = b["vehicleId"]
    start = hhmm(b["pickupWindow"]["start"])
    with phone(browser, server, "de") as pg:
        assert pg.inner_text("#d-signin h2") == "Am Fahrzeug anmelden"
        pg.click("#d-key-form button[type=submit]")
        assert "Bitte Ihren Fahrdienst-Schlüssel einfügen" in pg.inner_text("#d-signin-msg")
        pg.fill("#d-key", "mob_0000_not-a-key")
        pg.click("#d-key-form button[type=submit]")
        pg.wait_for_selector("#d-signin-msg.error >> text=nicht angenommen")
        pg.fill("#d-key", staff)
        pg.click("#d-key-form button[type=submit]")
        pg.wait_for_selector("#d-signin-msg.error >> text=kein Fahrdienst-Schlüssel")
        assert pg.is_hidden("#d-app") and pg.evaluate(
            "localStorage.getItem('mobility.driverKey')") is None
        sign_in(pg, driver_key(vid))
        card = wait_next(pg, b["id"], "pickup")
        noshow = card.locator('button[data-action="no_show"]')
        assert noshow.is_disabled() and noshow.inner_text() == f"Nicht erschienen ab {start}"
        assert "Abholen" in card.inner_text() and "Dorthin navigieren" in card.inner_text()
        assert_phone_fits(pg)
        assert_accessible(pg)
        shot(pg, "driver-phone-de-next", full_page=True)

        # the phone's clock runs an hour ahead of the server's: it offers the no-show, the
        # server refuses it, and the driver reads why
        pg.clock.fast_forward("01:00:00")
        pg.wait_for_selector('#d-next-body button[data-action="no_show"]:not([disabled])',
                             timeout=30_000)
        press(pg, "no_show")
        pg.wait_for_selector("#d-msg.error", timeout=20_000)
        said = pg.inner_text("#d-msg")
        assert said.startswith("Nicht gesendet (Nicht erschienen): Zu früh"), said
        assert start in said
        wait_sent(pg)
        wait_next(pg, b["id"], "pickup")  # back: the report was not taken
        assert status(server, staff, b["id"]) == "confirmed"

        # the dispatcher cancels the ride; the phone has not heard yet
        assert call(server, "DELETE", f"/api/v1/bookings/{b['id']}", staff).status_code == 200
        press(pg, "picked_up")
        pg.wait_for_selector("#d-msg.error >> text=Nicht gesendet (Eingestiegen)",
                             timeout=20_000)
        wait_sent(pg)
        pg.wait_for_function(
            "id => document.querySelector('#d-next-body').dataset.booking !== id",
            arg=b["id"], timeout=20_000)
        shot(pg, "driver-phone-de-refused", full_page=True)
    assert history(server, staff, b["id"]) == ["confirmed", "cancelled"]


def test_a_refused_key_keeps_the_reports(browser: Any, server: Server, staff: str,
                                        driver_key: Callable[[str], str],
                                        rides: Callable[..., dict[str, Any]]) -> None:
    """The operator revokes the phone's key: a report waits (it is not dropped) and goes
    once the driver signs in again with a new key of the vehicle."""
    b = rides(-1)
    vid = b["vehicleId"]
    made = json.loads(cli(server.env, "keys", "create", "--role", "driver", "--vehicle", vid,
                          "--json"))
    with phone(browser, server) as pg:
        sign_in(pg, made["key"])
        wait_next(pg, b["id"], "pickup")
        cli(server.env, "keys", "revoke", made["id"])
        press(pg, "picked_up")
        pg.wait_for_selector("#d-signin:not([hidden]) #d-signin-msg.error", timeout=20_000)
        assert "no longer accepted" in pg.inner_text("#d-signin-msg")
        assert pg.get_attribute("#d-queue", "data-pending") == "1"
        time.sleep(2)  # held: not tried again and again with the refused key
        assert status(server, staff, b["id"]) == "confirmed"
        sign_in(pg, driver_key(vid))
        pg.wait_for_selector("#d-signin", state="hidden")
        wait_sent(pg)
        assert wait_for(lambda: status(server, staff, b["id"]) == "on_board", "on board")
    assert history(server, staff, b["id"]).count("on_board") == 1


# -- positions -------------------------------------------------------------------------------------
def test_positions_by_hand_and_on_duty(browser: Any, server: Server, staff: str,
                                       driver_key: Callable[[str], str]) -> None:
    vid = "verg-1"
    with phone(browser, server, geolocation={"latitude": VILLAGE[0], "longitude": VILLAGE[1]},
               permissions=["geolocation"]) as pg:
        sign_in(pg, driver_key(vid))
        assert pg.get_attribute("#d-duty", "aria-checked") == "false"
        pg.click("#d-app details summary")
        pg.fill("#d-lat", "95")
        pg.fill("#d-lon", "-73.1")
        pg.click("#d-pos-form button[type=submit]")
        assert pg.get_attribute("#d-lat", "aria-invalid") == "true"
        assert "latitude (−90 to 90)" in pg.inner_text("#d-msg")
        pg.fill("#d-lat", str(BRISTOL[0]))
        pg.fill("#d-lon", str(BRISTOL[1]))
        pg.click("#d-pos-form button[type=submit]")
        assert wait_for(lambda: position(server, staff, vid) == BRISTOL, "the typed position")
        pg.evaluate("([lat, lon]) => window.mobilityDriver.setPosition(lat, lon)",
                    list(EAST_MIDDLEBURY))
        assert wait_for(lambda: position(server, staff, vid) == EAST_MIDDLEBURY, "the hook's")

        pg.click("#d-duty")  # on duty: once now, then every 15 s
        assert pg.get_attribute("#d-duty", "aria-checked") == "true"
        assert wait_for(lambda: position(server, staff, vid) == VILLAGE, "on duty")
        pg.wait_for_selector("#d-position >> text=Last sent at")
        pg.context.set_geolocation({"latitude": MIDDLEBURY[0], "longitude": MIDDLEBURY[1]})
        time.sleep(1)
        assert position(server, staff, vid) == VILLAGE  # not before the 15 s are up
        pg.clock.fast_forward(15_000)
        assert wait_for(lambda: position(server, staff, vid) == MIDDLEBURY, "15 s later")
        pg.reload()  # on duty stays on
        pg.wait_for_selector("body[data-ready=true]")
        assert pg.get_attribute("#d-duty", "aria-checked") == "true"

        pg.click("#d-duty")  # off duty: nothing more is sent
        assert pg.get_attribute("#d-duty", "aria-checked") == "false"
        pg.context.set_geolocation({"latitude": WEYBRIDGE[0], "longitude": WEYBRIDGE[1]})
        pg.clock.fast_forward(45_000)
        time.sleep(2)
        assert position(server, staff, vid) == MIDDLEBURY
        assert_phone_fits(pg)


# -- installable -----------------------------------------------------------------------------------
def test_installable_and_opens_offline(browser: Any, server: Server,
                                       driver_key: Callable[[str], str]) -> None:
    m = httpx.get(server.url + "/driver.webmanifest", timeout=30)
    assert m.headers["content-type"] == "application/manifest+json"
    assert m.json()["display"] == "standalone"
    w = httpx.get(server.url + "/sw.js", timeout=30)
    assert "javascript" in w.headers["content-type"] and w.headers["cache-control"] == "no-cache"
    cache = w.text.split('const CACHE = "', 1)[1].split('"', 1)[0]
    page = httpx.get(server.url + "/driver", timeout=30)
    assert "worker-src 'self'" in page.headers["content-security-policy"]
    with phone(browser, server, service_workers="allow") as pg:
        scope = pg.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
        assert scope == server.url + "/driver"
        manifest = pg.evaluate("document.querySelector('link[rel=manifest]').href")
        assert manifest == server.url + "/driver.webmanifest"
        assert pg.evaluate("caches.keys()") == [cache]
        kept = pg.evaluate(f"caches.open('{cache}').then((c) => c.keys())"
                           ".then((ks) => ks.map((r) => r.url))")
        assert server.url + "/driver" in kept and server.url + "/js/driverqueue.js" in kept
        assert not [u for u in kept if "/api/" in u]  # never an API answer
        sign_in(pg, driver_key("mid-2"))
        pg.wait_for_selector("#d-next-body > *")
        pg.wait_for_function("navigator.serviceWorker.controller !== null")

        pg.context.set_offline(True)
        answer = pg.reload()
        assert answer.from_service_worker and answer.status == 200
        pg.wait_for_selector("body[data-ready=true]")
        assert pg.is_visible("#d-app")  # still signed in, saying what it cannot show
        assert "No connection" in pg.inner_text("#d-stale")
        pg.context.set_offline(False)
        assert_accessible(pg)
        # the rider's and dispatcher's app is not the worker's
        pg.goto(server.url + "/")
        pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
        assert pg.evaluate("navigator.serviceWorker.controller") is None
        assert pg.get_attribute(".driver-link a", "href") == "driver"
