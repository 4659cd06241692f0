"""Regular rides (standing orders) in a real browser (Chromium via Playwright against the real
server process, on the tests' Tuesday): a rider books the ride of the form on Mondays,
Wednesdays and Fridays, sees the dates booked with their pickup windows and the next ones
to come, cancels one date and then the series — on a phone, in English and in German; a
dispatcher orders Tuesdays and Thursdays for a caller on the phone (Thanksgiving is
skipped, said in plain words), sees and cancels the caller's orders. Each step is checked
against the API. Screenshots go to ``out/browser/standing-*.png``."""

from __future__ import annotations

from typing import Any

import pytest

from tests import test_web
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

browser, server, staff_key, page = (test_web.browser, test_web.server, test_web.staff_key,
                                 test_web.page)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture()
def phone(browser: Any, server: Server) -> Any:
    """The app on a phone (as tests/test_web.py's pages: script errors and requests
    leaving the server fail the test)."""
    from tests.api_helpers import NOW

    ctx = browser.new_context(locale="en-US", **PHONE)
    ctx.clock.install(time=NOW)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: d.accept())
    pg.goto(server.url + "/")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    yield pg
    ctx.close()
    assert not errors, errors


def _fits(pg: Any) -> None:
    width = pg.viewport_size["width"]
    assert pg.evaluate("document.documentElement.scrollWidth") <= width
    assert pg.evaluate("(() => { const p = document.getElementById('panel');"
                       " return p.scrollWidth <= p.clientWidth; })()")


def test_a_rider_books_a_regular_ride_and_cancels_it(phone: Any, server: Server) -> None:
    pg = phone
    assert pg.locator("#standing-card").is_hidden()  # only with an account
    pg.fill("#signup-name", "Dora Dialyse")
    pg.click("#signup-form button[type=submit]")
    pg.wait_for_selector("#standing-card:not([hidden])")
    key = pg.evaluate("localStorage.getItem('mobility.riderKey')")
    # the ride of the form: from the high school to Lindale, Wednesday 08:00 on
    search_and_choose(pg, "from", "Middlebury High School", "Middlebury High School")
    search_and_choose(pg, "to", "Middlebury Lindale", "Middlebury Lindale")
    pg.fill("#plan-time", tomorrow_input(8))
    pg.dispatch_event("#plan-time", "change")
    assert pg.input_value("#rs-first") == "2026-11-25"  # from the ride's day, four weeks
    assert pg.input_value("#rs-last") == "2026-12-22"
    # no weekday chosen: said at the boxes, nothing sent
    pg.click("#rs-form button[type=submit]")
    assert "at least one weekday" in pg.inner_text("#rs-msg")
    assert api_get(server, "/api/v1/standing-orders", key)["standingOrders"] == []
    for day in ("1", "3", "5"):
        pg.check(f'input[name="rs-day"][value="{day}"]')
    pg.click("#rs-form button[type=submit]")
    pg.wait_for_selector("#rs-list article.standing-order", timeout=60_000)
    assert "6 rides are booked so far" in pg.inner_text("#rs-msg")
    (order,) = api_get(server, "/api/v1/standing-orders", key)["standingOrders"]
    booked = [x for x in order["occurrences"] if x["status"] == "booked"]
    assert [x["date"] for x in booked] == ["2026-11-25", "2026-11-27", "2026-11-30",
                                           "2026-12-02", "2026-12-04", "2026-12-07"]
    card = pg.locator(f'#rs-list article[data-id="{order["id"]}"]')
    text = card.inner_text()
    assert "Mon, Wed, Fri at 08:00" in text and "Middlebury" in text
    items = card.locator("li.occurrence")
    assert items.count() == 6
    assert "Wed, Nov 25" in items.nth(0).inner_text()
    assert "booked" in items.nth(0).inner_text() and "08:00–" in items.nth(0).inner_text()
    _fits(pg)
    assert_accessible(pg)
    shot(pg, "standing-rider-phone-en", full_page=True)

    # one date cancelled: its booking, not the others
    items.nth(2).locator("button.cancel-date").click()
    pg.wait_for_selector(f'#rs-list li.status-cancelled[data-id="{order["id"]}:2026-11-30"]')
    assert "cancelled" in pg.inner_text("#rs-msg")
    status = {x["date"]: x["bookingStatus"] for x in api_get(
        server, f"/api/v1/standing-orders/{order['id']}", key)["occurrences"]}
    assert status["2026-11-30"] == "cancelled" and status["2026-12-02"] == "confirmed"

    # in German
    pg.select_option("#lang", "de")
    assert pg.inner_text("#standing-title") == "Regelmäßige Fahrten"
    assert "Montag" in pg.inner_text("#rs-form") and "Nicht an Feiertagen" in pg.inner_text(
        "#rs-form")
    assert "gebucht" in card.inner_text() and "Mo, Mi, Fr um 08:00 Uhr" in card.inner_text()
    _fits(pg)
    shot(pg, "standing-rider-phone-de", full_page=True)

    # the series
    card.locator("button.cancel-series").click()
    pg.wait_for_selector("#rs-list p.empty")
    assert "storniert" in pg.inner_text("#rs-msg")
    after = api_get(server, f"/api/v1/standing-orders/{order['id']}", key)
    assert after["status"] == "cancelled"
    assert {x["bookingStatus"] for x in after["occurrences"] if x["bookingId"]} == {"cancelled"}


def test_a_dispatcher_orders_for_a_caller(page: Any, server: Server, staff_key: str) -> None:
    pg = page
    sign_in_staff(pg, "dispatcher", staff_key)
    pg.fill("#caller-name", "Gustav Dauerfahrt")
    pg.fill("#caller-phone", "+1 802 555 0199")
    search_and_choose(pg, "cfrom", "Middlebury High School", "Middlebury High School")
    search_and_choose(pg, "cto", "Middlebury Lindale", "Middlebury Lindale")
    pg.fill("#caller-time", tomorrow_input(13))
    pg.dispatch_event("#caller-time", "change")
    pg.fill("#caller-note", "walker in the boot")
    pg.fill("#cs-last", "2026-12-03")
    for day in ("2", "4"):
        pg.check(f'input[name="cs-day"][value="{day}"]')
    pg.click("#cs-form button[type=submit]")
    pg.wait_for_selector("#cs-list article.standing-order", timeout=60_000)
    # the caller became a rider (found again next time), and the order is theirs
    riders = api_get(server, "/api/v1/riders", staff_key, q="Dauerfahrt")["riders"]
    assert [r["name"] for r in riders] == ["Gustav Dauerfahrt"]
    (order,) = api_get(server, "/api/v1/standing-orders", staff_key,
                       riderId=riders[0]["id"])["standingOrders"]
    assert order["note"] == "walker in the boot"
    dates = {x["date"]: x["status"] for x in order["occurrences"]}
    assert dates == {"2026-11-26": "skipped", "2026-12-01": "booked", "2026-12-03": "booked"}
    card = pg.locator(f'#cs-list article[data-id="{order["id"]}"]')
    thanksgiving = card.locator(f'li[data-id="{order["id"]}:2026-11-26"]')
    assert "public holiday" in thanksgiving.inner_text()
    assert thanksgiving.locator("button").count() == 0  # nothing to cancel there
    assert "Tue, Thu at 13:00" in card.inner_text()
    assert pg.inner_text("#cs-msg") == "Done: 2 rides are booked."
    assert_accessible(pg)
    shot(pg, "standing-dispatcher", full_page=True)
    card.locator("button.cancel-series").click()
    pg.wait_for_selector("#cs-list p.empty")
    assert api_get(server, f"/api/v1/standing-orders/{order['id']}", staff_key)[
        "status"] == "cancelled"
