"""Rating a ride in a real browser (Chromium via Playwright against the real server), in
English on a desk and German on a phone: a completed ride in "My bookings" offers "Rate this
ride"; sending without stars says so at the stars; stars, a reason and a comment are stored
as entered (read back through the API) and shown; the dispatcher's desk lists the rating;
both pass axe-core. An admin's key shows the audit log on the desk (a dispatcher's does not).
Screenshots go to ``out/browser/rating-*.png`` and ``audit-*.png``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.api_helpers import ADDISON_TZ
from tests.server_process import Server, cli
from tests.test_web import CHROMIUM, api_get, assert_accessible, shot, sign_in_staff
from tests.test_web_dispatcher import (  # noqa: F401 - fixtures, shared with the desk's tests
    DESK,
    PHONE,
    book,
    browser,
    call,
    desk,
    new_rider,
    server,
    server_now,
    staff_key,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

TEXT = {"en": {"open": "Rate this ride", "yours": "Your rating:", "needs": "1 to 5 stars",
               "late": "Late", "title": "Riders' latest ratings"},
        "de": {"open": "Diese Fahrt bewerten", "yours": "Ihre Bewertung:",
               "needs": "1 bis 5 Sterne", "late": "Verspätung",
               "title": "Neueste Bewertungen der Fahrgäste"}}


def _completed_ride(server: Server, staff: str, rider_key: str  # noqa: F811
                    ) -> dict[str, Any]:
    """A ride of the rider's, its window begun a minute ago, driven (entered at the desk)."""
    me = api_get(server, "/api/v1/me", rider_key)
    now = server_now(server, staff).astimezone(ADDISON_TZ)
    b = book(server, staff, me["riderId"], (now - dt.timedelta(minutes=1)).isoformat())
    for kind in ("picked_up", "dropped_off"):
        r = call(server, "POST", f"/api/v1/vehicles/{b['vehicleId']}/events", staff,
                 {"type": kind, "bookingId": b["id"]})
        assert r.status_code == 201, r.text
    return b


@pytest.mark.parametrize(("lang", "size"), [("en", DESK), ("de", PHONE)],
                         ids=["en-desk", "de-phone"])
def test_a_rider_rates_a_ride_and_the_desk_sees_it(
        browser: Any, server: Server, staff_key: str, lang: str, size: tuple[int, int]  # noqa: F811
        ) -> None:
    text = TEXT[lang]
    signup = call(server, "POST", "/api/v1/accounts", staff_key,
                  {"name": f"Rita Rating {lang}"})
    assert signup.status_code == 201, signup.text
    key = signup.json()["key"]
    b = _completed_ride(server, staff_key, key)
    comment = "Sehr pünktlich, danke 🙂" if lang == "de" else "Driver was kind 🙂"
    with desk(browser, server, size, lang) as pg:
        pg.fill("#rider-key", key)
        pg.click("#rider-key-form button")
        item = pg.locator(f'#my-bookings li[data-id="{b["id"]}"]')
        item.wait_for(timeout=20_000)
        summary = item.locator("details.rating > summary")
        assert summary.inner_text() == text["open"]
        summary.click()
        # no stars: said at the stars, nothing stored
        item.locator(".rating-form button[type=submit]").click()
        assert text["needs"] in item.locator(".rating-form .msg").inner_text()
        assert item.locator(".star").first.get_attribute("aria-invalid") == "true"
        stars = item.locator(".star")
        assert stars.count() == 5
        box = stars.nth(0).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44  # large enough to hit
        stars.nth(3).click()
        assert item.locator(".rating-form .msg").inner_text() == ""  # chosen: said no more
        assert stars.first.get_attribute("aria-invalid") is None
        assert [stars.nth(i).get_attribute("aria-pressed") for i in range(5)] == [
            "true"] * 4 + ["false"]
        item.get_by_label(text["late"]).check()
        item.locator(".rating-form input.comment").fill(comment)
        assert_accessible(pg)
        shot(pg, f"rating-form-{lang}")
        item.locator(".rating-form button[type=submit]").click()
        pg.wait_for_selector(f'#my-bookings li[data-id="{b["id"]}"] .stars-given')
        item = pg.locator(f'#my-bookings li[data-id="{b["id"]}"]')
        assert item.locator("summary").inner_text().startswith(text["yours"])
        assert item.locator(".stars-given").inner_text() == "★★★★☆"
    stored = api_get(server, f"/api/v1/bookings/{b['id']}/rating", key)
    assert (stored["stars"], stored["reasons"], stored["comment"]) == (4, ["late"], comment)
    with desk(browser, server, size, lang) as pg:
        sign_in_staff(pg, "dispatcher", staff_key)
        card = pg.locator("#ratings-card")
        card.scroll_into_view_if_needed()
        assert card.locator("h2").inner_text() == text["title"]
        li = card.locator(f'li[data-id="{b["id"]}"]')
        li.wait_for(timeout=20_000)
        assert "★★★★☆" in li.inner_text() and comment in li.inner_text()
        assert text["late"] in li.inner_text()
        assert_accessible(pg)
        shot(pg, f"rating-desk-{lang}")


@pytest.mark.parametrize(("lang", "size"), [("en", DESK), ("de", PHONE)],
                         ids=["en-desk", "de-phone"])
def test_an_admin_reads_the_audit_log_on_the_desk(
        browser: Any, server: Server, staff_key: str, lang: str, size: tuple[int, int]  # noqa: F811
        ) -> None:
    admin = json.loads(cli(server.env, "keys", "create", "--role", "admin", "--json"))["key"]
    rid = new_rider(server, staff_key, f"Arno Audit {lang}", "+1 802 555 0142")
    b = book(server, staff_key, rid, (server_now(server, staff_key) + dt.timedelta(hours=3))
             .astimezone(ADDISON_TZ).isoformat())
    first = api_get(server, "/api/v1/audit", admin, limit=1)["entries"][0]
    assert (first["action"], first["targetId"]) == ("booking.create", b["id"])
    with desk(browser, server, size, lang) as pg:
        sign_in_staff(pg, "dispatcher", staff_key)  # a dispatcher: no audit log
        pg.wait_for_selector("#ratings-list li")
        assert pg.locator("#audit-card").is_hidden()
    with desk(browser, server, size, lang) as pg:
        sign_in_staff(pg, "dispatcher", admin)
        row = pg.locator(f'#audit-rows tr[data-id="{first["id"]}"]')
        row.wait_for(timeout=20_000)
        text = row.inner_text()
        assert "booking.create" in text and b["id"] in text and first["keyId"] in text
        assert "Arno" not in pg.locator("#audit-card").inner_text()  # no names in the log
        pg.locator("#audit-card").scroll_into_view_if_needed()
        assert_accessible(pg)
        shot(pg, f"audit-{lang}")
