"""The planner's accessibility card in a real browser: an analysis started from the planner
view (the README's town-centre stops, a short window), its progress bar while it runs, then
the summary per fleet size and the cells on the map — checked against the API's JSON and
the cells' classes counted here from the API's GeoJSON — in English and German, accessible
(axe). Screenshots: ``out/browser/access-*.png``."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests import test_web as web
from tests.api_helpers import NOW
from tests.server_process import Server
from tests.test_web import CHROMIUM, api_get, assert_accessible, shot, sign_in_staff

server, browser, staff_key = web.server, web.browser, web.staff_key

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (test.sh installs it)")]

#: the README's default analysis' destinations (the card's preset on addison-vt)
CENTRES = "771333,771400,771306"


def _classes(cells: dict[str, Any], vehicles: int, max_min: int) -> dict[str, int]:
    """Cells per class, counted from the GeoJSON: gains access with ``vehicles``, already
    within ``max_min`` by transit (median), or still beyond."""
    out = {"gain": 0, "within": 0, "beyond": 0}
    for f in cells["features"]:
        p = f["properties"]
        if p[f"gain{vehicles}"]:
            out["gain"] += 1
        elif p["before_p50"] is not None and p["before_p50"] <= max_min:
            out["within"] += 1
        else:
            out["beyond"] += 1
    return out


def _drawn(pg: Any) -> dict[str, int]:
    return {c: pg.locator(f"#map path.acc-cell.acc-{c}").count()
            for c in ("gain", "within", "beyond")}


def test_planner_starts_an_analysis_and_sees_the_map(browser: Any, server: Server,
                                                     staff_key: str) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.clock.install(time=NOW)
    ctx.add_init_script("localStorage.setItem('mobility.lang', 'en')")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server.url + "/#planner")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    sign_in_staff(pg, "planner", staff_key)
    # the preset: the README's town-centre stops, read-only until "stops by id" is chosen
    assert pg.input_value("#acc-to") == "centres"
    assert pg.input_value("#acc-stops") == CENTRES
    # a wrong entry is said at its field, nothing is started
    pg.fill("#acc-vehicles", "1,2,3,4,5")
    pg.click("#acc-form button[type=submit]")
    assert pg.get_attribute("#acc-vehicles", "aria-invalid") == "true"
    assert api_get(server, "/api/v1/access", staff_key)["analyses"] == []
    pg.fill("#acc-window", "07:00-07:04")
    pg.fill("#acc-max", "45")
    pg.fill("#acc-vehicles", "3,1")
    pg.click("#acc-form button[type=submit]")
    pg.wait_for_selector("#acc-progress-label", state="visible", timeout=10_000)
    assert pg.locator("#acc-form button[type=submit]").is_disabled()
    shot(pg, "access-en-running")
    pg.wait_for_selector("#acc-progress-label", state="hidden", timeout=300_000)
    job = api_get(server, "/api/v1/access", staff_key)["analyses"][0]
    assert job["status"] == "done", job
    assert job["to"] == f"stops:{CENTRES}" and job["vehicles"] == [1, 3]
    assert job["language"] == "en" and job["maxMin"] == 45
    s = job["summary"]
    pg.wait_for_selector("#map[data-cells]", timeout=30_000)
    assert pg.inner_text("#status") == "Accessibility analysis finished."
    # the summary: one row per fleet size, the API's figures as the app writes numbers
    rows = pg.locator("#acc-summary tbody tr")
    assert rows.count() == len(s["fleets"]) == 2
    for i, f in enumerate(s["fleets"]):
        row = rows.nth(i)
        assert row.get_attribute("data-vehicles") == str(f["vehicles"])
        assert row.locator('td[data-figure="gaining"]').inner_text() == \
            f"{round(f['residents_gaining']):,}"
        assert row.locator('td[data-figure="after"]').inner_text() == \
            f"{round(f['residents_within_after']):,}"
        # one decimal as the browser rounds it (half away from zero; Python's format rounds
        # the binary value): within half a tenth of the API's share
        served = row.locator('td[data-figure="served"]').inner_text()
        assert served.endswith("%")
        assert abs(float(served[:-1]) - 100 * f["served_share"]) <= 0.05 + 1e-9
        assert "USD" in row.locator('td[data-figure="cost"]').inner_text() or \
            f["cost_per_resident_gaining"] is None
    setup = pg.inner_text("#acc-setup")
    assert f"{s['residents_within_before']:,.0f}" in setup and "07:00-07:04" in setup
    # the map: every cell drawn once, classed for the largest fleet as counted here
    cells = httpx.get(server.url + job["cells"], timeout=30,
                      headers={"Authorization": f"Bearer {staff_key}"}).json()
    n = len(cells["features"])
    assert n == s["cells"] > 1000
    assert pg.get_attribute("#map", "data-cells") == str(n)
    assert pg.locator("#map path.acc-cell").count() == n
    assert pg.input_value("#acc-fleet") == "3"
    want3 = _classes(cells, 3, 45)
    assert _drawn(pg) == want3 and want3["gain"] > 0
    legend = {li.get_attribute("data-cls"): int(li.get_attribute("data-cells") or -1)
              for li in pg.locator("#acc-legend li").all()}
    assert legend == want3
    gain_text = pg.inner_text('#acc-legend li[data-cls="gain"]')
    # the legend's residents gaining = the summary's: the browser sums the cells' weights
    # as the GeoJSON rounds them (3 decimals), so a sum near .5 may round the other way
    shown = re.search(r"([0-9][0-9,]*) residents", gain_text)
    assert shown is not None, gain_text
    assert abs(int(shown.group(1).replace(",", ""))
               - s["fleets"][1]["residents_gaining"]) <= 1.0, gain_text
    shot(pg, "access-en-desktop")
    # another fleet size: the map is drawn again for it
    pg.select_option("#acc-fleet", "1")
    pg.wait_for_function("document.getElementById('map').dataset.cellsFleet === '1'")
    assert _drawn(pg) == _classes(cells, 1, 45)
    assert pg.locator("#map path.acc-cell").count() == n
    # the report, linked
    href = pg.get_attribute("#acc-report", "href")
    assert href == job["report"]
    page = httpx.get(server.url + href, timeout=30)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert_accessible(pg)
    pg.locator("#acc-results").scroll_into_view_if_needed()
    shot(pg, "access-en-desktop-summary")
    # other views do not show the cells; back in the planner they are there again
    pg.click("#tab-rider")
    assert pg.locator("#map path.acc-cell").count() == 0
    pg.click("#tab-planner")
    pg.wait_for_selector("#map path.acc-cell", state="attached")
    assert pg.locator("#map path.acc-cell").count() == n
    # in German: the card's texts and numbers as German writes them
    pg.select_option("#lang", "de")
    assert pg.inner_text("#acc-res-title") == "Wer Zugang gewinnt"
    assert pg.inner_text("#status") == "Erreichbarkeitsanalyse fertig."
    first = s["fleets"][0]
    assert pg.locator('#acc-summary tbody tr >> nth=0 >> td[data-figure="gaining"]'
                      ).inner_text() == f"{round(first['residents_gaining']):,}".replace(",", ".")
    assert "Einwohner" in pg.inner_text('#acc-legend li[data-cls="beyond"]')
    assert_accessible(pg)
    shot(pg, "access-de-desktop")
    ctx.close()
    assert not errors, errors


def test_the_latest_analysis_on_a_phone(browser: Any, server: Server, staff_key: str) -> None:
    """After the desktop test: the planner's latest analysis on a phone — the summary, the
    cells on the map, nothing wider than the screen, accessible."""
    jobs = api_get(server, "/api/v1/access", staff_key)["analyses"]
    if not jobs or jobs[0]["status"] != "done":
        pytest.skip("needs the analysis of the desktop test")
    job = jobs[0]
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    ctx.clock.install(time=NOW)
    ctx.add_init_script("localStorage.setItem('mobility.lang', 'en')")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server.url + "/#planner")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    sign_in_staff(pg, "planner", staff_key)
    pg.wait_for_selector("#map[data-cells]", timeout=30_000)
    assert pg.locator("#map path.acc-cell").count() == job["summary"]["cells"]
    assert pg.locator("#acc-summary tbody tr").count() == len(job["summary"]["fleets"])
    assert pg.locator("#map").is_visible()
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width} px"
    assert_accessible(pg)
    pg.locator("#acc-results").scroll_into_view_if_needed()
    shot(pg, "access-en-phone")
    ctx.close()
    assert not errors, errors
