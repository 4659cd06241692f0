"""The monthly report on the dispatch desk in a real browser (Chromium via Playwright against
the real server), in English on a desk and German on a phone: a month chosen, the table
shows every KPI of ``GET /api/v1/reports/monthly`` with its value and its definition in the
interface language; a month not begun is said at the form; axe-core passes. Screenshots go
to ``out/browser/month-report-*.png``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.api_helpers import ADDISON_TZ
from tests.server_process import Server
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

TITLE = {"en": "Monthly report", "de": "Monatsbericht"}
MONTH_NOT_BEGUN = {"en": "Please choose a month that has begun.",
                   "de": "Bitte einen Monat wählen, der schon begonnen hat."}


@pytest.mark.parametrize(("lang", "size"), [("en", DESK), ("de", PHONE)],
                         ids=["en-desk", "de-phone"])
def test_the_desk_shows_the_months_figures_with_their_definitions(
        browser: Any, server: Server, staff_key: str, lang: str, size: tuple[int, int]  # noqa: F811
        ) -> None:
    rid = new_rider(server, staff_key, f"Monika Monat {lang}", "+1 802 555 0177")
    now = server_now(server, staff_key).astimezone(ADDISON_TZ)
    b = book(server, staff_key, rid, (now - dt.timedelta(minutes=1)).isoformat())
    for kind in ("picked_up", "dropped_off"):
        r = call(server, "POST", f"/api/v1/vehicles/{b['vehicleId']}/events", staff_key,
                 {"type": kind, "bookingId": b["id"]})
        assert r.status_code == 201, r.text
    month = f"{now:%Y-%m}"
    want = api_get(server, "/api/v1/reports/monthly", staff_key, month=month)
    assert want["trips_served"] >= 1
    with desk(browser, server, size, lang) as pg:
        sign_in_staff(pg, "dispatcher", staff_key)
        card = pg.locator("#mr-card")
        card.scroll_into_view_if_needed()
        assert card.locator("h2").inner_text() == TITLE[lang]
        pg.fill("#mr-month", month)
        card.locator("button[type=submit]").click()
        row = card.locator('#mr-rows tr[data-kpi="trips_served"]')
        row.wait_for(timeout=20_000)
        defs = {d["key"]: d for d in want["definitions"][lang]}
        rows = card.locator("#mr-rows tr")
        assert rows.count() == len(defs)
        for key in ("trips_served", "trips_requested", "pooling_rate", "cost_per_trip"):
            cells = card.locator(f'#mr-rows tr[data-kpi="{key}"]')
            assert cells.locator("th").inner_text() == defs[key]["name"]
            assert cells.locator("td.definition").inner_text() == defs[key]["definition"]
        assert row.locator("td.value").inner_text().startswith(str(want["trips_served"]))
        assert_accessible(pg)
        shot(pg, f"month-report-{lang}")
        # a month not begun: said at the form, the table kept
        pg.fill("#mr-month", "2099-01")
        card.locator("button[type=submit]").click()
        expect(pg.locator("#mr-msg")).to_have_text(MONTH_NOT_BEGUN[lang])
        assert rows.count() == len(defs)
