"""The dispatch desk in a real browser (Chromium via Playwright against the real server), on a
phone (390×844) and a desk (1280×900), in English and German: a no-show is offered only from
the pickup window's start (and the API refuses it before, in plain words); cancelled and
no-show bookings still show the rider's name and phone; a caller is found again by part of
the name or by phone number and booked as the same rider; the note for the driver reaches
the manifest and can be changed; on a phone every column and action of a booking is visible
without scrolling sideways. Screenshots go to ``out/browser/dispatcher-*.png``."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests import test_web
from tests.api_helpers import ADDISON_TZ, MIDDLEBURY, NOW, WEYBRIDGE, ride, tomorrow
from tests.conftest import CACHE, DATA
from tests.server_process import Server
from tests.test_web import (
    CHROMIUM,
    api_get,
    assert_accessible,
    search_and_choose,
    shot,
    sign_in_staff,
    tomorrow_input,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

PHONE, DESK = (390, 844), (1280, 900)
#: the desk's server clock starts an hour into the tests' Tuesday (07:00, within the service
#: hours), so that a ride whose pickup window began a minute ago can be booked at once
CLOCK_START = NOW + dt.timedelta(hours=1)
TEXTS = {"en": {"from": "No-show from {t}", "noshow": "No-show"},
         "de": {"from": "Nicht erschienen ab {t}", "noshow": "Nicht erschienen"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, addison: Any) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("desk")
    env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp / 'm.db'}",
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA),
           "MOBILITY_SIM_DIR": str(tmp / "sims"), "MOBILITY_REPLAY_FEED": "true",
           "MOBILITY_CLOCK_START": CLOCK_START.isoformat()}
    srv = Server(env, "addison-vt", tmp / "server.log").start()
    yield srv
    srv.stop()


browser = test_web.browser  # the browser of tests/test_web.py (a fixture)


@pytest.fixture(scope="module")
def staff_key(server: Server) -> str:
    """The dispatcher key ``serve`` printed on the new installation."""
    line = next(x for x in server.log().splitlines() if x.startswith("first dispatcher key: "))
    return line.rsplit(" ", 1)[-1].strip()


@contextmanager
def desk(browser: Any, server: Server, size: tuple[int, int], lang: str) -> Iterator[Any]:
    """A fresh page of the app at ``size`` in ``lang``; fails the test on a script error,
    a blocked script or a request leaving the server (as tests/test_web.py's pages)."""
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]},
                              locale="en-US", is_mobile=size == PHONE, has_touch=size == PHONE)
    ctx.clock.install(time=CLOCK_START)
    pg = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text
          else None)
    pg.on("request", lambda r: None if r.url.startswith((server.url, "data:", "blob:"))
          else outside.append(r.url))
    pg.on("dialog", lambda d: d.accept())
    pg.goto(server.url + "/")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    pg.select_option("#lang", lang)
    yield pg
    ctx.close()
    assert not errors, errors
    assert not outside, outside


def call(server: Server, method: str, path: str, key: str, body: Any = None,
         **params: Any) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, params=params, timeout=60,
                         headers={"Authorization": f"Bearer {key}"})


def server_now(server: Server, key: str) -> dt.datetime:
    """The service's clock (it started at the tests' NOW with the server and runs)."""
    return dt.datetime.fromisoformat(api_get(server, "/api/v1/bookings", key, limit=1)["now"])


def book(server: Server, key: str, rider: str, when: str, **extra: Any) -> dict[str, Any]:
    q = call(server, "POST", "/api/v1/quotes", key,
             ride(MIDDLEBURY, WEYBRIDGE, when, riderId=rider))
    assert q.status_code == 201, q.text
    b = call(server, "POST", "/api/v1/bookings", key, {"quoteId": q.json()["id"], **extra})
    assert b.status_code == 201, b.text
    return b.json()  # type: ignore[no-any-return]


def new_rider(server: Server, key: str, name: str, phone: str) -> str:
    r = call(server, "POST", "/api/v1/riders", key, {"name": name, "phone": phone})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def show_day(pg: Any, day: str) -> None:
    pg.fill("#disp-date", day)
    pg.dispatch_event("#disp-date", "change")


def row(pg: Any, bid: str) -> Any:
    r = pg.locator(f'#booking-rows tr[data-id="{bid}"]')
    r.wait_for(timeout=20_000)
    return r


def assert_fits(pg: Any) -> None:
    """No sideways scrolling of the page or the panel, and every cell (every column) and
    button of every booking lies within the panel — on a phone, within the screen."""
    width = pg.viewport_size["width"]
    assert pg.evaluate("document.documentElement.scrollWidth") <= width
    panel = pg.evaluate("(() => { const p = document.getElementById('panel');"
                        " const r = p.getBoundingClientRect(); return {left: r.left,"
                        " right: r.right, fits: p.scrollWidth <= p.clientWidth}; })()")
    assert panel["fits"] and panel["right"] <= width
    cells = pg.evaluate("""() => [...document.querySelectorAll(
        '#booking-rows tr.booking td, #booking-rows tr.booking button')].map(e => {
        const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
        return {left: r.left, right: r.right, w: r.width, h: r.height,
                shown: s.visibility !== 'hidden' && s.display !== 'none'}; })""")
    assert cells, "no booking shown"
    for c in cells:
        assert c["shown"] and c["w"] > 0 and c["h"] > 0, c
        assert panel["left"] - 0.5 <= c["left"] and c["right"] <= panel["right"] + 0.5, c


@pytest.mark.parametrize(("lang", "size"), [("en", DESK), ("de", PHONE)],
                         ids=["en-desk", "de-phone"])
def test_no_show_from_the_window_and_names_after_the_ride(
        browser: Any, server: Server, staff_key: str, lang: str, size: tuple[int, int]
        ) -> None:
    tag = f"{lang}-{size[0]}"
    rid = new_rider(server, staff_key, f"Gisela Früh {tag}", "+1 802 555 0161")
    later = book(server, staff_key, rid, tomorrow(10))
    # the API refuses a no-show before the window, in plain words
    r = call(server, "POST", f"/api/v1/vehicles/{later['vehicleId']}/events", staff_key,
             {"type": "no_show", "bookingId": later["id"]})
    assert r.status_code == 409 and r.json()["type"] == "/problems/no-show-too-early"
    assert r.json()["detail"].startswith("too early for a no-show: the pickup window")
    assert "10:00" in r.json()["detail"]
    # a ride whose window began a minute ago (the rules let a request lag the clock)
    now = server_now(server, staff_key).astimezone(ADDISON_TZ)
    due = book(server, staff_key, rid, (now - dt.timedelta(minutes=1)).isoformat())
    gone = book(server, staff_key, rid, (now + dt.timedelta(hours=3)).isoformat())
    assert dt.datetime.fromisoformat(due["noShowFrom"]) <= server_now(server, staff_key)
    with desk(browser, server, size, lang) as pg:
        sign_in_staff(pg, "dispatcher", staff_key)
        show_day(pg, later["pickupWindow"]["start"][:10])
        r_later = row(pg, later["id"])
        assert r_later.locator("button.noshow").count() == 0
        assert TEXTS[lang]["from"].format(t="10:00") in r_later.inner_text()
        show_day(pg, now.date().isoformat())
        r_due = row(pg, due["id"])
        assert r_due.locator("button.noshow").inner_text() == TEXTS[lang]["noshow"]
        assert_fits(pg)
        r_due.locator("button.noshow").click()
        pg.wait_for_selector(f'#booking-rows tr.status-no_show[data-id="{due["id"]}"]')
        row(pg, gone["id"]).locator("button.cancel").click()
        pg.wait_for_selector(f'#booking-rows tr.status-cancelled[data-id="{gone["id"]}"]')
        for bid in (due["id"], gone["id"]):  # finished, and still named
            text = row(pg, bid).inner_text()
            assert f"Gisela Früh {tag}" in text and "+1 802 555 0161" in text, text
        assert "r_" not in row(pg, due["id"]).locator("td.rider").inner_text()
        assert_fits(pg)
        assert_accessible(pg)
        pg.locator(f'#booking-rows tr[data-id="{due["id"]}"]').scroll_into_view_if_needed()
        shot(pg, f"dispatcher-noshow-{tag}")
    assert api_get(server, f"/api/v1/bookings/{due['id']}", staff_key)["status"] == "no_show"
    assert api_get(server, f"/api/v1/bookings/{gone['id']}", staff_key)["status"] == "cancelled"


def _suggestions(pg: Any, text: str) -> list[str]:
    pg.fill("#caller-find", "")  # the last search's list goes first
    pg.wait_for_selector("#caller-find-list", state="hidden")
    pg.fill("#caller-find", text)
    pg.wait_for_selector("#caller-find-list li[data-id]", timeout=10_000)
    return [li.get_attribute("data-id") for li in pg.locator("#caller-find-list li").all()]


@pytest.mark.parametrize(("lang", "size"), [("en", PHONE), ("de", DESK)],
                         ids=["en-phone", "de-desk"])
def test_a_caller_is_found_again_and_the_note_reaches_the_driver(
        browser: Any, server: Server, staff_key: str, lang: str, size: tuple[int, int]
        ) -> None:
    tag = f"{lang}{size[0]}"
    name, phone = f"Zoë Anrufer-Müller {tag}", f"+1 802 555 {size[0]:04d}"
    note = "Rings twice · walker in the boot 🦯"
    with desk(browser, server, size, lang) as pg:
        sign_in_staff(pg, "dispatcher", staff_key)
        # first call: a new caller (nothing found), booked with a note for the driver
        pg.fill("#caller-name", name)
        pg.fill("#caller-phone", phone)
        search_and_choose(pg, "cfrom", "Middlebury High School", "Middlebury High School")
        search_and_choose(pg, "cto", "Middlebury Lindale", "Middlebury Lindale")
        pg.fill("#caller-time", tomorrow_input(9))
        pg.fill("#caller-note", note)
        pg.click("#caller-form button[type=submit]")
        pg.click("#caller-offer button.confirm", timeout=30_000)
        pg.wait_for_selector("#caller-offer p.done", timeout=30_000)
        found = api_get(server, "/api/v1/riders", staff_key, q=f"anrufer muller {tag}")
        assert len(found["riders"]) == 1
        rid = found["riders"][0]["id"]
        first = [b for b in api_get(server, "/api/v1/bookings", staff_key)["bookings"]
                 if b["riderId"] == rid]
        assert len(first) == 1 and first[0]["note"] == note
        # the note is on the manifest, for the driver
        vid = first[0]["vehicleId"]
        manifest = api_get(server, f"/api/v1/vehicles/{vid}/manifest", staff_key,
                           date=first[0]["pickupWindow"]["start"][:10])
        assert [s["note"] for s in manifest["stops"] if s["bookingId"] == first[0]["id"]
                ] == [note, note]
        veh = pg.locator(f'#vehicle-list article[data-id="{vid}"]')
        veh.wait_for()
        assert note in veh.inner_text()
        assert note in row(pg, first[0]["id"]).inner_text()

        # second call: found by part of the name (any case, no accents) and by phone
        pg.click("#caller-new")
        assert pg.input_value("#caller-name") == ""
        by_name = _suggestions(pg, f"zoe ANRUFER-muller {tag}")
        by_phone = _suggestions(pg, phone.replace("+1 ", "").replace(" ", "-"))
        assert by_name == by_phone == [rid]
        pg.press("#caller-find", "ArrowDown")
        pg.press("#caller-find", "Enter")
        assert pg.input_value("#caller-name") == name and pg.input_value("#caller-phone") == phone
        pg.wait_for_selector("#caller-known:not([hidden])")
        assert name in pg.inner_text("#caller-known")
        pg.fill("#caller-time", tomorrow_input(14))
        pg.click("#caller-form button[type=submit]")
        pg.click("#caller-offer button.confirm", timeout=30_000)
        pg.wait_for_selector("#caller-offer p.done", timeout=30_000)
        mine = [b for b in api_get(server, "/api/v1/bookings", staff_key)["bookings"]
                if b["riderId"] == rid]
        assert len(mine) == 2 and mine[0]["note"] is None  # the same rider, no new one
        assert len(api_get(server, "/api/v1/riders", staff_key, q=name)["riders"]) == 1
        assert len(api_get(server, "/api/v1/riders", staff_key, q=phone)["riders"]) == 1

        # the dispatcher changes the first booking's note afterwards
        r = row(pg, first[0]["id"])
        r.locator("button.edit-note").click()
        pg.fill(f'#booking-rows tr[data-id="{first[0]["id"]}"] input.note-input',
                "Gate code 4711")
        assert_fits(pg)
        assert_accessible(pg)
        pg.click(f'#booking-rows tr[data-id="{first[0]["id"]}"] button.save-note')
        pg.wait_for_function(
            "id => document.querySelector(`#booking-rows tr[data-id=\"${id}\"] .note-text`)"
            "?.textContent === 'Gate code 4711'", arg=first[0]["id"], timeout=20_000)
        manifest = api_get(server, f"/api/v1/vehicles/{vid}/manifest", staff_key,
                           date=first[0]["pickupWindow"]["start"][:10])
        assert {s["note"] for s in manifest["stops"] if s["bookingId"] == first[0]["id"]
                } == {"Gate code 4711"}
        assert_fits(pg)
        assert_accessible(pg)
        row(pg, first[0]["id"]).scroll_into_view_if_needed()
        shot(pg, f"dispatcher-caller-{lang}-{size[0]}")
    log = server.log()
    assert name not in log and phone not in log and "Gate code" not in log
