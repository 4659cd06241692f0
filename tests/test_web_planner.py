"""The planner's results in a real browser, in English and in German, on a desktop
(1280×900) and a phone (390×844): a small simulation started from the planner view, its
served and refused requests as headline numbers (checked against the run's own kpis.json),
money with its currency, every KPI explained, charts with labelled axes, the report and the
status texts in the interface's language, the shift within the area's hours. Screenshots:
``out/browser/planner-*.png``."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import test_web as web
from tests.api_helpers import NOW
from tests.server_process import Server
from tests.test_web import CHROMIUM, api_get, assert_accessible, shot, sign_in_staff

# the browser tests' fixtures: the real server on addison-vt, Chromium, the dispatcher key
server, browser, staff_key = web.server, web.browser, web.staff_key

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (test.sh installs it)")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: the KPI rows of a variant, each with a name and an explanation
KPI_ROWS = ["requests", "served", "refused", "no_shows", "wait", "detour", "pooling",
            "occupancy", "km", "cost", "co2"]


@contextlib.contextmanager
def _open(browser: Any, server: Server, viewport: dict[str, int], lang: str
          ) -> Iterator[Any]:
    """A fresh context at ``viewport`` in ``lang``; fails on a script error or a request
    that leaves the server."""
    ctx = browser.new_context(viewport=viewport, locale="en-US")
    ctx.clock.install(time=NOW)
    ctx.add_init_script(f"localStorage.setItem('mobility.lang', '{lang}')")
    pg = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith((server.url, "data:", "blob:"))
          else outside.append(r.url))
    pg.goto(server.url + "/#planner")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    yield pg
    ctx.close()
    assert not errors, errors
    assert not outside, outside


def _pct(x: float, lang: str) -> str:
    """A share as the app writes it: "39.1%" (en-US) or "39,1 %" (de-DE)."""
    text = f"{100 * x:.1f}"
    return text + "%" if lang == "en" else text.replace(".", ",") + "\u00a0%"


def _run(pg: Any, server: Server, key: str, vehicles: str, seed: int) -> dict[str, Any]:
    sign_in_staff(pg, "planner", key)
    pg.fill("#sim-vehicles", vehicles)
    pg.fill("#sim-rate", "3")
    pg.fill("#sim-seed", str(seed))
    pg.click("#sim-form button[type=submit]")
    pg.wait_for_selector("#sim-progress-label", state="visible", timeout=10_000)
    pg.wait_for_selector("#sim-progress-label", state="hidden", timeout=300_000)
    job: dict[str, Any] = api_get(server, "/api/v1/simulations", key)["simulations"][0]
    assert job["status"] == "done", job
    return job


def _check_results(pg: Any, server: Server, job: dict[str, Any], lang: str) -> None:
    """What the planner reads equals the run's own files, explained and with units."""
    v = job["variants"][0]
    k = httpx.get(server.url + f"/api/v1/simulations/{job['id']}/{v['label']}/kpis.json",
                  timeout=30).json()
    assert k == v["kpis"] and k["currency"] == "USD"
    n = k["requests"]
    assert k["served"] + k["rejected"] + k["no_shows"] == n and k["rejected"] > 0
    box = pg.locator("#sim-variant")
    served = box.locator('[data-headline="served"]').inner_text()
    refused = box.locator('[data-headline="refused"]').inner_text()
    assert re.findall(r"\d+", served)[:2] == [str(k["served"]), str(n)], served
    assert re.findall(r"\d+", refused)[:2] == [str(k["rejected"]), str(n)], refused
    assert served.endswith(f"({_pct(k['served'] / n, lang)})"), served
    assert refused.endswith(f"({_pct(k['rejected'] / n, lang)})"), refused
    # each refusal reason in words, with its count
    reasons = box.locator("li[data-reason]")
    assert reasons.count() == len(k["rejected_by_reason"])
    for i in range(reasons.count()):
        li = reasons.nth(i)
        why = li.get_attribute("data-reason")
        assert li.inner_text().endswith(f": {k['rejected_by_reason'][why]}")
        assert why not in li.inner_text()  # plain words, not the dispatcher's code
    # the demand's notes, worded by the app in its language from their codes and figures
    assert [n["code"] for n in v["notes"]] == ["homes"]
    homes = box.locator('li[data-note="homes"]').inner_text()
    streets = f'{v["notes"][0]["params"]["streets"]:,}'
    if lang == "en":
        assert homes == v["notes"][0]["text"] and streets in homes
    else:
        assert homes.startswith("Wohnorte: ") and streets.replace(",", ".") in homes
    # every KPI row: a name and a visible one-line explanation
    rows = box.locator("tr[data-kpi]")
    assert [rows.nth(i).get_attribute("data-kpi") for i in range(rows.count())] == KPI_ROWS
    for i in range(rows.count()):
        help_ = rows.nth(i).locator(".kpi-help")
        assert help_.is_visible() and len(help_.inner_text()) > 20
    assert "USD" in box.locator('td[data-kpi="cost"]').inner_text()
    assert "USD" in box.locator('tr[data-kpi="cost"] .kpi-help').inner_text()
    assert "×" in box.locator('td[data-kpi="detour"]').inner_text()
    wait_help = box.locator('tr[data-kpi="wait"] .kpi-help').inner_text()
    assert "p95" in wait_help
    for cell in pg.locator("#sim-compare td.money").all():
        assert "USD" in cell.inner_text()
    assert "USD" in pg.locator("#sim-compare thead").inner_text()
    # the shift is the area's hours (06:00-20:00 on addison-vt), and said so
    assert job["shift"] == ["06:00", "20:00"] and job["language"] == lang
    assert "06:00–20:00" in pg.inner_text("#sim-setup")
    # the seed is explained where it is typed in
    assert pg.locator("#sim-seed-help").is_visible()
    assert pg.get_attribute("#sim-seed", "aria-describedby") == "sim-seed-help"
    # the comparison's charts: both axes labelled, ticks on the value axis
    charts = pg.locator("#sim-charts svg")
    assert charts.count() == 3
    for i in range(3):
        c = charts.nth(i)
        assert (c.locator(".axis-label.x").text_content() or "").strip()
        assert (c.locator(".axis-label.y").text_content() or "").strip()
        assert c.locator(".tick.y").count() >= 2
        assert c.locator(".tick.x").count() == len(job["variants"])


def _check_report(server: Server, job: dict[str, Any], lang: str) -> str:
    page = httpx.get(server.url + job["variants"][0]["report"], timeout=30).text
    assert f'<html lang="{lang}">' in page
    return page


def test_planner_results_in_english(browser: Any, server: Server, staff_key: str) -> None:
    with _open(browser, server, DESKTOP, "en") as pg:
        _english_desktop(pg, server, staff_key)
    with _open(browser, server, PHONE, "en") as pg:
        _phone(pg, server, staff_key, "en")


def _english_desktop(pg: Any, server: Server, staff_key: str) -> None:
    job = _run(pg, server, staff_key, "1,2", seed=1)
    assert pg.inner_text("#status") == "Simulation finished."
    _check_results(pg, server, job, "en")
    assert pg.inner_text("#sim-compare thead th >> nth=7") == "Cost per served trip (USD)"
    page = _check_report(server, job, "en")
    assert "Key figures" in page and "Refused:" in page and "USD" in page
    assert "Vehicles on shift 06:00–20:00: the service area&#x27;s hours." in page
    assert_accessible(pg)
    pg.evaluate("window.scrollTo(0, 0); document.getElementById('panel').scrollTo(0, 0)")
    shot(pg, "planner-en-desktop")
    pg.locator("#sim-charts").scroll_into_view_if_needed()
    shot(pg, "planner-en-desktop-charts")
    pg.locator("#sim-variant").scroll_into_view_if_needed()
    shot(pg, "planner-en-desktop-kpis")
    # switching the language says the status and the results again, in German
    pg.select_option("#lang", "de")
    assert pg.inner_text("#status") == "Simulation fertig."
    assert pg.locator('#sim-variant tr[data-kpi="served"] .kpi-name').inner_text() == "Bedient"


def _phone(pg: Any, server: Server, staff_key: str, lang: str) -> None:
    """The latest run's results on a phone: the same checks, nothing wider than the
    screen."""
    sign_in_staff(pg, "planner", staff_key)
    pg.wait_for_selector("#sim-variant tr[data-kpi]")
    job = api_get(server, "/api/v1/simulations", staff_key)["simulations"][0]
    _check_results(pg, server, job, lang)
    assert pg.inner_text("#status") == {"en": "Simulation finished.",
                                        "de": "Simulation fertig."}[lang]
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
    assert_accessible(pg)
    pg.locator("#sim-variant").scroll_into_view_if_needed()
    shot(pg, f"planner-{lang}-phone")


def test_planner_results_in_german(browser: Any, server: Server, staff_key: str) -> None:
    with _open(browser, server, DESKTOP, "de") as pg:
        _german_desktop(pg, server, staff_key)
    with _open(browser, server, PHONE, "de") as pg:
        _phone(pg, server, staff_key, "de")


def _german_desktop(pg: Any, server: Server, staff_key: str) -> None:
    assert pg.get_attribute("html", "lang") == "de"
    job = _run(pg, server, staff_key, "1,2", seed=2)
    assert pg.inner_text("#status") == "Simulation fertig."
    _check_results(pg, server, job, "de")
    box = pg.locator("#sim-variant")
    assert box.locator('tr[data-kpi="refused"] .kpi-name').inner_text() == "Abgelehnt"
    assert "Wartezeit =" in box.locator('tr[data-kpi="wait"] .kpi-help').inner_text()
    assert "Flottengröße" in (pg.locator("#sim-charts .axis-label.x").first.text_content() or "")
    assert "USD" in box.locator('td[data-kpi="cost"]').inner_text()
    assert re.search(r"\d,\d\d\u00a0USD", box.locator('td[data-kpi="cost"]').inner_text())
    page = _check_report(server, job, "de")
    for german in ("Kennzahlen", "Abgelehnt:", "Warum Anfragen abgelehnt wurden",
                   "Fahrzeuge im Dienst 06:00–20:00", "Bedeutung"):
        assert german in page, german
    assert "Key figures" not in page and "Refused" not in page
    assert_accessible(pg)
    pg.evaluate("window.scrollTo(0, 0); document.getElementById('panel').scrollTo(0, 0)")
    shot(pg, "planner-de-desktop")
    pg.locator("#sim-variant").scroll_into_view_if_needed()
    shot(pg, "planner-de-desktop-kpis")
