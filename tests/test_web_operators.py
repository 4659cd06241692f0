"""The operator's view in a real browser (Chromium via Playwright against the real server),
in English on a desk and German on a phone: an operator signed in with a key made by
``mobility keys create --role operator --company`` sees its company's vehicle, adds a weekly
rule and sees the day's window in the next 14 days (checked against the API and a count by
hand); another company's vehicle is not shown. The dispatcher's "Move a tour" card moves a
ride to the operator's vehicle. Screenshots go to ``out/browser/operator-*.png``."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api_helpers import NOW
from tests.conftest import CACHE, DATA
from tests.server_process import Server, cli
from tests.test_web import CHROMIUM, assert_accessible, shot, sign_in_staff
from tests.test_web_dispatcher import (  # noqa: F401 - fixtures, shared with the desk's tests
    CLOCK_START,
    DESK,
    PHONE,
    book,
    browser,
    desk,
    new_rider,
    show_day,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

TOMORROW = NOW.date() + dt.timedelta(days=1)
NOT_AVAILABLE = {"en": "not available", "de": "nicht verfügbar"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, addison: Any) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("operators")
    env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp / 'm.db'}",
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA),
           "MOBILITY_SIM_DIR": str(tmp / "sims"), "MOBILITY_REPLAY_FEED": "true",
           "MOBILITY_CLOCK_START": CLOCK_START.isoformat()}
    srv = Server(env, "addison-vt", tmp / "server.log").start()
    yield srv
    srv.stop()


def call(server: Server, method: str, path: str, key: str, body: Any = None
         ) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, timeout=60,
                         headers={"Authorization": f"Bearer {key}"})


@pytest.fixture(scope="module")
def keys(server: Server) -> dict[str, str]:
    """An admin's key, two companies with a vehicle each, and each company's operator key
    (made on the command line, as an installation does)."""
    made = lambda *a: json.loads(cli(server.env, "keys", "create", "--json", *a))["key"]  # noqa: E731
    admin = made("--role", "admin")
    out = {"admin": admin, "dispatcher": made("--role", "dispatcher")}
    for cid, vid in (("acme", "acme-1"), ("bravo", "bravo-1")):
        assert call(server, "POST", "/api/v1/companies", admin,
                    {"id": cid, "name": f"{cid.title()} Taxi"}).status_code == 201
        out[cid] = made("--role", "operator", "--company", cid)
        r = call(server, "POST", f"/api/v1/companies/{cid}/vehicles", out[cid], {
            "id": vid, "area": "middlebury", "seats": 4, "wheelchairPlaces": 1,
            "depot": {"lat": 44.0153, "lon": -73.1673}, "label": f"{cid.upper()} 1"})
        assert r.status_code == 201, r.text
    return out


def sign_in_operator(pg: Any, key: str) -> None:
    pg.click("#tab-operator")
    pg.fill("#op-key", key)
    pg.press("#op-key", "Enter")
    pg.wait_for_selector("#op-root section.op-vehicle", timeout=30_000)


@pytest.mark.parametrize(("lang", "size", "company"), [("en", DESK, "acme"),
                                                       ("de", PHONE, "bravo")])
def test_an_operator_adds_a_weekly_rule_and_sees_the_days(
        browser: Any, server: Server, keys: dict[str, str], lang: str,  # noqa: F811
        size: tuple[int, int], company: str) -> None:
    vid = f"{company}-1"
    with desk(browser, server, size, lang) as pg:
        sign_in_operator(pg, keys[company])
        cards = pg.locator("#op-root section.op-vehicle")
        assert [cards.nth(k).get_attribute("data-id") for k in range(cards.count())] == [vid]
        card = cards.first
        row = card.locator(f"tr[data-date='{TOMORROW.isoformat()}'] td")
        assert row.inner_text() == NOT_AVAILABLE[lang]
        card.locator("select.op-kind").select_option("weekly")
        wd = TOMORROW.isoweekday()
        card.locator(f"input.op-weekday[value='{wd}']").check()
        card.locator("input.op-first").fill(TOMORROW.isoformat())
        card.locator("input.op-start").fill("08:00")
        card.locator("input.op-end").fill("12:30")
        card.locator("form.op-form button[type=submit]").click()
        pg.wait_for_selector(f"#op-root section.op-vehicle[data-id='{vid}'] .op-rules "
                             "li[data-id]", timeout=30_000)
        card = pg.locator(f"#op-root section.op-vehicle[data-id='{vid}']")
        shown = {card.locator("tr").nth(k).get_attribute("data-date"):
                 card.locator("tr td").nth(k).inner_text()
                 for k in range(card.locator("tr").count())}
        assert len(shown) == 14
        for iso, text in shown.items():  # by hand: tomorrow's weekday from tomorrow on
            d = dt.date.fromisoformat(iso)
            want = "08:00–12:30" if d >= TOMORROW and d.isoweekday() == wd else \
                NOT_AVAILABLE[lang]
            assert text == want, iso
        api_days = call(server, "GET", f"/api/v1/vehicles/{vid}/availability/days",
                        keys["admin"]).json()["days"]
        assert {d["date"]: ", ".join("–".join(w) for w in d["windows"]) or
                NOT_AVAILABLE[lang] for d in api_days} == shown
        assert_accessible(pg)
        # the company's statement of the running month: what the API says, and its CSV
        month = NOW.date().strftime("%Y-%m")
        pg.fill("#op-st-month", month)
        pg.click("#op-statement button[type=submit]")
        pg.wait_for_selector("#op-st-out table", timeout=30_000)
        st = call(server, "GET", f"/api/v1/companies/{company}/statements/{month}",
                  keys[company]).json()
        total = pg.locator("#op-st-out tr[data-key='total'] td").inner_text()
        amount = f"{st['totalCents'] / 100:,.2f}"
        want = f"${amount}" if lang == "en" else (
            amount.replace(",", "_").replace(".", ",").replace("_", ".") + " $")
        assert total.replace("\xa0", " ") == want
        hours = pg.locator("#op-st-out tr[data-key='hours'] td").inner_text()
        assert float(hours.replace(".", "").replace(",", ".") if lang == "de"
                     else hours.replace(",", "")) == round(st["availableH"], 1)
        with pg.expect_download() as got:
            pg.click("#op-st-out button.link")
        csv_text = Path(got.value.path()).read_bytes().decode("utf-8")  # as sent: CRLF rows
        assert csv_text == call(server, "GET",
                                f"/api/v1/companies/{company}/statements/{month}.csv",
                                keys[company]).text
        assert_accessible(pg)
        pg.locator("#op-statement").scroll_into_view_if_needed()
        shot(pg, f"operator-{lang}")


def test_the_dispatcher_moves_a_tour_to_an_operators_vehicle(
        browser: Any, server: Server, keys: dict[str, str]) -> None:  # noqa: F811
    """A ride booked on mid-1 tomorrow at 09:00 moves, from the desk's card, to acme-1
    (available all day tomorrow); its promised window is kept."""
    admin, disp = keys["admin"], keys["dispatcher"]
    r = call(server, "POST", "/api/v1/vehicles/acme-1/availability", keys["acme"], {
        "kind": "dated", "firstDate": TOMORROW.isoformat(), "lastDate": TOMORROW.isoformat(),
        "start": "06:00", "end": "20:00"})
    assert r.status_code == 201, r.text
    rider = new_rider(server, disp, "Erika Muster", "+1 802 555 0100")
    b = book(server, disp, rider, dt.datetime.combine(
        TOMORROW, dt.time(9), NOW.tzinfo).isoformat())
    if b["vehicleId"] != "mid-1":
        r = call(server, "POST", f"/api/v1/vehicles/{b['vehicleId']}/tours/"
                 f"{TOMORROW.isoformat()}/move", admin, {"to": "mid-1"})
        assert r.status_code == 200, r.text
    with desk(browser, server, DESK, "en") as pg:
        sign_in_staff(pg, "dispatcher", disp)
        show_day(pg, TOMORROW.isoformat())
        pg.wait_for_selector("#mt-from option[value='acme-1']", state="attached",
                             timeout=30_000)
        pg.select_option("#mt-from", "mid-1")
        pg.select_option("#mt-to", "acme-1")
        pg.click("#mt-form button[type=submit]")
        pg.wait_for_selector("#mt-msg.ok", timeout=30_000)
        assert "acme-1" in pg.inner_text("#mt-msg")
    now = call(server, "GET", f"/api/v1/bookings/{b['id']}", disp).json()
    assert now["vehicleId"] == "acme-1"
    lo, hi = (dt.datetime.fromisoformat(now["pickupWindow"][k]) for k in ("start", "end"))
    assert (lo, hi) == (dt.datetime.fromisoformat(b["pickupWindow"]["start"]),
                        dt.datetime.fromisoformat(b["pickupWindow"]["end"]))
    assert lo <= dt.datetime.fromisoformat(now["estimatedPickup"]) <= hi
