"""The web app in a real browser: Playwright drives Debian's Chromium against the real server
process (``mobility serve addison-vt``). A rider plans a trip (origin clicked on the map,
destination found by keyboard search), sees it on the map, signs up, books and cancels; a
dispatcher sees the booking, books for a caller and marks a no-show; a planner runs a small
simulation sweep and reads its KPIs. Screenshots go to ``out/browser/``."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api_helpers import NOW
from tests.conftest import CACHE, DATA, ROOT
from tests.server_process import Server, cli

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"  # npm ci (scripts/web.sh)
SHOTS = ROOT / "out" / "browser"
# headless and quiet: no GPU, no sandbox (root in CI), no calls home on a closed network
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CORNWALL = (43.9634, -73.2151)  # homes outside walking distance of any stop
RIDER_NAME, RIDER_PHONE = "Erika Mustermann", "+1 802 555 0142"
CALLER_NAME, CALLER_PHONE = "Hildegard Anrufer", "+1 802 555 0177"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (test.sh installs it: apt-get install chromium)")]


def _serve(tmp: Path, region: str, tile_url: str | None = None) -> Server:
    env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp / 'm.db'}",
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA),
           "MOBILITY_SIM_DIR": str(tmp / "sims"), "MOBILITY_REPLAY_FEED": "true",
           # the server's clock and the browser's start on the tests' Tuesday morning
           "MOBILITY_CLOCK_START": NOW.isoformat()}
    srv = Server(env, region, tmp / "server.log")
    if tile_url:
        srv.env["MOBILITY_TILE_URL"] = tile_url.replace("{server}", srv.url)
    return srv.start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, addison: Any) -> Iterator[Server]:
    srv = _serve(tmp_path_factory.mktemp("web"), "addison-vt")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def staff_key(server: Server) -> str:
    """The dispatcher key ``serve`` printed on the new installation."""
    log = server.log()
    line = next(x for x in log.splitlines() if x.startswith("first dispatcher key: "))
    return line.rsplit(" ", 1)[-1].strip()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any, server: Server) -> Iterator[Any]:
    yield from _page(browser, server)


def _page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh browser context (empty storage) on the app; it fails the test on a script
    error or on any request that leaves the server (the app must work offline)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 950}, locale="en-US")
    ctx.clock.install(time=NOW)  # the same day as the server's clock, whatever today is
    pg = ctx.new_page()
    errors: list[str] = []
    outside: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text
          else None)
    requested: list[str] = []  # (the page's own performance entries are the fake clock's)
    pg.on("request", lambda r: requested.append(r.url))
    pg.on("request", lambda r: None if r.url.startswith((server.url, "data:", "blob:"))
          else outside.append(r.url))
    pg.requested = requested  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: d.accept())
    pg.goto(server.url + "/")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    yield pg
    ctx.close()
    assert not errors, errors
    assert not outside, f"requests outside the server: {outside}"


def shot(pg: Any, name: str, full_page: bool = False) -> None:
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def assert_accessible(pg: Any) -> None:
    """axe-core (Deque's accessibility engine, from npm) finds no WCAG 2.1 A/AA violation
    and no best-practice one in what the page shows now."""
    assert AXE.is_file(), f"{AXE} is missing: run test.sh (it installs web/ with npm ci)"
    if not pg.evaluate("typeof window.axe !== 'undefined'"):
        # through the DevTools protocol: the app's Content-Security-Policy refuses inline
        # scripts (as it should), and the test must not weaken it
        pg.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = pg.evaluate("""async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa',
        'wcag21a', 'wcag21aa', 'best-practice']})).violations.map(v => ({id: v.id,
        impact: v.impact, where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    assert found == [], found


def tomorrow_input(hour: int) -> str:
    """The day after the tests' ``NOW`` (a Wednesday), as the date-time field wants it."""
    d = NOW.date() + dt.timedelta(days=1)
    return f"{d.isoformat()}T{hour:02d}:00"


def click_map(pg: Any, lat: float, lon: float) -> None:
    """Click the map where (lat, lon) is drawn."""
    xy = pg.evaluate("([lat, lon]) => { const m = window.mobility.map.map; m.setView([lat, lon],"
                     " 14, {animate: false}); const p = m.latLngToContainerPoint([lat, lon]);"
                     " const r = m.getContainer().getBoundingClientRect();"
                     " return [r.left + p.x, r.top + p.y]; }", [lat, lon])
    pg.mouse.click(xy[0], xy[1])


def search_and_choose(pg: Any, field: str, text: str, expect: str) -> None:
    """Type into a place field and pick the first suggestion with the keyboard."""
    pg.fill(f"#{field}-input", text)
    pg.wait_for_selector(f"#{field}-list li", timeout=10_000)
    assert expect in pg.inner_text(f"#{field}-list li >> nth=0")
    pg.press(f"#{field}-input", "ArrowDown")
    pg.press(f"#{field}-input", "Enter")
    assert pg.input_value(f"#{field}-input").startswith(expect)


def sign_in_staff(pg: Any, view: str, key: str) -> None:
    """Open a staff view and sign in with the key (Enter submits)."""
    pg.click(f"#tab-{view}")
    pg.fill(f"#view-{view} .staff-key", key)
    pg.press(f"#view-{view} .staff-key", "Enter")
    pg.wait_for_selector(f"#view-{view} .staff-only:not([hidden])")


def api_get(server: Server, path: str, key: str, **params: Any) -> Any:
    r = httpx.get(server.url + path, params=params, timeout=30,
                  headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_rider_plans_books_and_cancels(page: Any, server: Server, staff_key: str) -> None:
    pg = page
    assert pg.get_attribute("html", "lang") == "en"  # a US region: English by default
    assert pg.get_attribute("#map", "data-loaded") == "true"
    # origin: a point clicked on the map (no stop within walking distance there)
    pg.click('[data-pick="from"]')
    click_map(pg, *CORNWALL)
    assert "Point on the map" in pg.input_value("#from-input")
    assert pg.locator("path.place-from").count() == 1
    search_and_choose(pg, "to", "Vergennes Green", "Vergennes Green")
    pg.fill("#plan-time", tomorrow_input(8))
    pg.click("#plan-form button[type=submit]")
    pg.wait_for_selector("#itin-list > li", timeout=30_000)
    # both ends lie in the service area: a door-to-door ride comes first, at the asked time
    door = pg.locator("#itin-list > li").first
    assert "door-to-door ride" in door.locator("h3").inner_text()
    assert door.locator(".leg-item").count() == 1
    # the ride to the bus is there too; chosen, it is drawn: the ride, then the bus
    first = pg.locator("#itin-list > li", has=pg.locator(".leg-item.mode-bus")).first
    assert "On-demand ride" in first.inner_text() and "pickup between" in first.inner_text()
    assert "ride + bus" in first.locator("h3").inner_text()
    first.locator("button.show").click()
    assert pg.locator("path.leg-on_demand").count() >= 1
    assert pg.locator("path.leg-bus").count() >= 1
    assert pg.locator("path.leg-bus").first.is_visible()
    assert_accessible(pg)
    shot(pg, "rider-itinerary")

    # booking needs an account: sign up, then book the first itinerary's ride
    pg.fill("#signup-name", RIDER_NAME)
    pg.fill("#signup-phone", RIDER_PHONE)
    pg.click("#signup-form button[type=submit]")
    pg.wait_for_selector("#rider-signed-in:not([hidden])")
    assert RIDER_NAME in pg.inner_text("#rider-who")
    first.locator("button.book").dblclick()  # an impatient double click books once
    pg.wait_for_selector("#my-bookings li.status-confirmed", timeout=30_000)
    assert first.locator("button.book").is_disabled()
    key = pg.evaluate("localStorage.getItem('mobility.riderKey')")
    mine = api_get(server, "/api/v1/bookings", key)["bookings"]
    assert [b["status"] for b in mine] == ["confirmed"]
    booking = mine[0]
    assert booking["itineraryId"] and booking["connection"]["status"] == "on_time"
    # the booking is named by the server's names of its ends (else by a stop standing right
    # there: the ride ends at the bus stop), and drawn when chosen
    item = pg.locator(f'#my-bookings li[data-id="{booking["id"]}"]')
    stops = httpx.get(server.url + "/api/v1/map/stops", timeout=30).json()["features"]
    d = booking["destination"]
    near = min(stops, key=lambda f: math.hypot(
        f["geometry"]["coordinates"][1] - d["lat"],
        (f["geometry"]["coordinates"][0] - d["lon"]) * math.cos(math.radians(d["lat"]))))
    named = booking.get("destinationName") or near["properties"]["name"]
    assert f"→ {named}" in item.inner_text()
    assert "reaches the connection" in item.inner_text()
    pg.reload()  # the account and its bookings come back, still named so
    pg.wait_for_selector("body[data-ready=true]")
    item = pg.locator(f'#my-bookings li[data-id="{booking["id"]}"]')
    item.wait_for()
    assert f"→ {named}" in item.inner_text()
    item.locator("button.route").click()
    assert pg.locator("path.leg").count() == 1 and pg.locator("path.place-ride-to").count() == 1
    shot(pg, "rider-booked")

    # the dispatcher sees it, with the rider's name, on the ride's day
    sign_in_staff(pg, "dispatcher", staff_key)
    pg.fill("#disp-date", booking["pickupWindow"]["start"][:10])
    pg.dispatch_event("#disp-date", "change")
    row = pg.locator(f'#booking-rows tr[data-id="{booking["id"]}"]')
    row.wait_for(timeout=15_000)
    assert RIDER_NAME in row.inner_text() and booking["vehicleId"] in row.inner_text()
    veh = pg.locator(f'#vehicle-list article[data-id="{booking["vehicleId"]}"]')
    assert RIDER_NAME in veh.inner_text() and RIDER_PHONE in veh.inner_text()
    assert "next: " in veh.inner_text() and "pick up" in veh.inner_text()
    assert pg.locator(".vehicle-icon").count() == 3  # the fleet's vehicles on the map
    assert_accessible(pg)
    shot(pg, "dispatcher-booking")

    # back as the rider: cancel
    pg.click("#tab-rider")
    pg.click(f'#my-bookings li[data-id="{booking["id"]}"] button.cancel')
    pg.wait_for_selector(f'#my-bookings li.status-cancelled[data-id="{booking["id"]}"]')
    assert api_get(server, f"/api/v1/bookings/{booking['id']}", key)["status"] == "cancelled"
    # the rider's name and phone number reached the store, never the log
    log = server.log()
    assert RIDER_PHONE not in log and RIDER_NAME not in log


def test_dispatcher_books_for_a_caller_and_marks_a_no_show(page: Any, server: Server,
                                                            staff_key: str) -> None:
    pg = page
    sign_in_staff(pg, "dispatcher", staff_key)
    pg.fill("#caller-name", CALLER_NAME)
    pg.fill("#caller-phone", CALLER_PHONE)
    search_and_choose(pg, "cfrom", "Middlebury High School", "Middlebury High School")
    search_and_choose(pg, "cto", "Middlebury Lindale", "Middlebury Lindale")
    # a ride whose pickup window began a minute ago by the server's clock (the rules let a
    # request lag it): a no-show can be marked from the window's start on
    def clock() -> dt.datetime:
        return dt.datetime.fromisoformat(api_get(server, "/api/v1/bookings", staff_key,
                                                 limit=1)["now"])

    time.sleep(max(0.0, (NOW + dt.timedelta(minutes=1, seconds=5) - clock()).total_seconds()))
    now = clock() - dt.timedelta(minutes=1)  # within the service hours (from 06:00)
    pg.fill("#caller-time", now.strftime("%Y-%m-%dT%H:%M"))
    pg.click("#caller-form button[type=submit]")
    pg.wait_for_selector("#caller-offer button.confirm", timeout=30_000)
    assert "pickup between" in pg.inner_text("#caller-offer")
    pg.click("#caller-offer button.confirm")
    pg.wait_for_selector("#caller-offer p.done", timeout=30_000)
    assert CALLER_NAME in pg.inner_text("#caller-offer")
    booked = api_get(server, "/api/v1/bookings", staff_key, status="confirmed")["bookings"]
    mine = [b for b in booked if api_get(server, f"/api/v1/riders/{b['riderId']}",
                                         staff_key)["name"] == CALLER_NAME]
    assert len(mine) == 1
    b = mine[0]
    row = pg.locator(f'#booking-rows tr[data-id="{b["id"]}"]')
    row.wait_for()
    assert CALLER_NAME in row.inner_text()
    shot(pg, "dispatcher-caller")
    row.locator("button.noshow").click()
    pg.wait_for_selector(f'#booking-rows tr.status-no_show[data-id="{b["id"]}"]')
    assert api_get(server, f"/api/v1/bookings/{b['id']}", staff_key)["status"] == "no_show"
    log = server.log()
    assert CALLER_PHONE not in log and CALLER_NAME not in log


def test_planner_runs_a_small_sweep_and_reads_its_kpis(page: Any, server: Server,
                                                        staff_key: str) -> None:
    pg = page
    sign_in_staff(pg, "planner", staff_key)
    assert not pg.locator("#map").is_visible()  # the planner's page is the report
    assert pg.locator("#sim-area option").first.inner_text() == "middlebury"
    pg.fill("#sim-vehicles", "1,2")
    pg.fill("#sim-rate", "3")
    pg.click("#sim-form button[type=submit]")
    pg.wait_for_selector("#sim-compare tbody tr >> nth=1", timeout=240_000)
    pg.wait_for_selector("#sim-progress-label", state="hidden", timeout=60_000)
    jobs = api_get(server, "/api/v1/simulations", staff_key)["simulations"]
    job = jobs[0]
    assert job["status"] == "done" and [v["vehicles"] for v in job["variants"]] == [1, 2]
    for v in job["variants"]:
        served = v["kpis"]["served_share"]
        cell = pg.locator(f'#sim-compare tr[data-variant="{v["label"]}"] td.served')
        shown = cell.inner_text()  # English number format, one decimal
        assert re.fullmatch(r"\d{1,3}\.\d%", shown), shown
        assert abs(float(shown[:-1]) - 100 * served) <= 0.05 + 1e-9
    # more vehicles serve at least as many requests of the same demand (same seed)
    a, b = (v["kpis"] for v in job["variants"])
    assert a["requests"] == b["requests"] and b["served"] >= a["served"]
    # the sweep drawn: served share, p95 wait and cost per trip by fleet size
    charts = pg.locator("#sim-charts figure")
    assert charts.count() == 3
    served_chart = charts.first.locator("svg").get_attribute("aria-label")
    for v in job["variants"]:
        m = re.search(rf'{v["vehicles"]}: ([\d.]+)%', served_chart or "")
        assert m and abs(float(m[1]) - 100 * v["kpis"]["served_share"]) <= 0.05 + 1e-9
    # the plots are real images served by the API
    imgs = pg.locator("#sim-variant img")
    assert imgs.count() == 4
    for i in range(4):
        imgs.nth(i).scroll_into_view_if_needed()
        pg.wait_for_function("img => img.complete && img.naturalWidth > 100",
                             arg=imgs.nth(i).element_handle())
    assert_accessible(pg)
    pg.evaluate("window.scrollTo(0, 0); document.getElementById('panel').scrollTo(0, 0)")
    shot(pg, "planner-sweep")
    # the full report renders under its content policy: its style applies, its plots show
    report = pg.context.new_page()
    blocked: list[str] = []
    report.on("console", lambda m: blocked.append(m.text)
              if "Content Security Policy" in m.text else None)
    report.goto(server.url + job["variants"][0]["report"])
    assert report.evaluate("getComputedStyle(document.body).maxWidth") == "1000px"
    report.wait_for_function(
        "[...document.images].every(i => i.complete && i.naturalWidth > 100)")
    assert report.evaluate("document.images.length") == 4 and not blocked, blocked
    report.close()


def test_german_and_keyboard(page: Any) -> None:
    """The language switch translates the interface; the tabs work with arrow keys; every
    form control has a label."""
    pg = page
    pg.select_option("#lang", "de")
    assert pg.get_attribute("html", "lang") == "de"
    assert pg.inner_text("#tab-rider") == "Fahren"
    assert pg.inner_text("#plan-form button[type=submit]") == "Verbindungen suchen"
    # a place far outside the region: the API's problem, in German, at the field to fix
    pg.click('[data-pick="from"]')
    click_map(pg, 42.5, -72.0)
    search_and_choose(pg, "to", "Vergennes Green", "Vergennes Green")
    pg.click("#plan-form button[type=submit]")
    pg.wait_for_selector("#rider-msg.error")
    assert pg.inner_text("#rider-msg") == "Dieser Ort liegt außerhalb der Region."
    assert pg.get_attribute("#from-input", "aria-invalid") == "true"
    assert pg.evaluate("document.activeElement.id") == "from-input"
    pg.focus("#tab-rider")
    pg.keyboard.press("ArrowRight")
    assert pg.get_attribute("#tab-dispatcher", "aria-selected") == "true"
    assert pg.evaluate("document.activeElement.id") == "tab-dispatcher"
    assert pg.is_visible("#view-dispatcher") and not pg.is_visible("#view-rider")
    unlabelled = pg.evaluate("""() => [...document.querySelectorAll('input, select')]
        .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)
                 && !e.getAttribute('aria-label')).map(e => e.id || e.name || e.className)""")
    assert unlabelled == []
    assert_accessible(pg)  # the German page too, with its error shown
    pg.reload()  # the choice is remembered
    pg.wait_for_selector("body[data-ready=true]")
    assert pg.inner_text("#tab-rider") == "Fahren"
    shot(pg, "german")


def test_cli_keys_work_in_the_app(page: Any, server: Server) -> None:
    """A rider key made with ``mobility keys create`` signs in; a wrong key is refused with
    a message next to the field."""
    pg = page
    key = json.loads(cli(server.env, "keys", "create", "--role", "rider", "--name",
                         "Kim Keyholder", "--json"))["key"]
    pg.fill("#rider-key", "mob_wrong_key")
    pg.click("#rider-key-form button")
    pg.wait_for_selector("#account-msg.error")
    assert "not accepted" in pg.inner_text("#account-msg")
    pg.fill("#rider-key", key)
    pg.click("#rider-key-form button")
    pg.wait_for_selector("#rider-signed-in:not([hidden])")
    assert pg.inner_text("#rider-who") == "Kim Keyholder"
    assert "No bookings yet." in pg.inner_text("#my-bookings")



def test_a_german_region_opens_in_german_and_plans(browser: Any, rhein_neckar: Any,
                                                    tmp_path: Path) -> None:
    """rhein-neckar: German by default; a tram/bus journey found by stop names is listed
    and drawn. Served with a tile URL (here: the server itself), the map asks for tiles."""
    srv = _serve(tmp_path, "rhein-neckar",
                 tile_url="{server}/tiles/{z}/{x}/{y}.png")
    try:
        for pg in _page(browser, srv):
            tiles = [u for u in pg.requested if "/tiles/" in u]
            assert tiles and all(u.startswith(srv.url + "/tiles/") for u in tiles)
            assert pg.get_attribute("html", "lang") == "de"
            assert pg.inner_text("#tab-rider") == "Fahren"
            search_and_choose(pg, "from", "paradeplatz", "Paradeplatz")
            search_and_choose(pg, "to", "Bismarckplatz", "Bismarckplatz")
            pg.fill("#plan-time", tomorrow_input(9))
            pg.click("#plan-form button[type=submit]")
            pg.wait_for_selector("#itin-list > li", timeout=60_000)
            text = pg.inner_text("#itin-list > li >> nth=0")
            assert "Umstieg" in text and ("Straßenbahn" in text or "Bus" in text
                                           or "Zug" in text)
            assert pg.locator("path.leg").count() >= 1
            shot(pg, "rhein-neckar-de")
    finally:
        srv.stop()


def tab_to(pg: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus: it is reachable by keyboard."""
    for _ in range(limit):
        if pg.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                       selector):
            return
        pg.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def test_a_rider_needs_no_mouse(page: Any, server: Server) -> None:
    """Find places, plan, sign up and book with the keyboard alone; targets are large."""
    pg = page
    kb = pg.keyboard
    tab_to(pg, "#from-input")
    kb.type("Wooster Road")  # in Cornwall: no bus stop within walking distance
    pg.wait_for_selector("#from-list li")
    kb.press("ArrowDown")
    kb.press("Enter")
    tab_to(pg, "#to-input")
    kb.type("Lindale")
    pg.wait_for_selector("#to-list li")
    kb.press("ArrowDown")
    kb.press("Enter")
    tab_to(pg, "#plan-time")
    pg.fill("#plan-time", tomorrow_input(10))  # the date picker's own keys vary by locale
    tab_to(pg, "#plan-form button[type=submit]")
    kb.press("Enter")
    pg.wait_for_selector("#itin-list > li", timeout=30_000)
    assert pg.evaluate("document.activeElement.id") == "itin-title"  # results announced
    ends = pg.evaluate("window.mobility.views.rider.itineraries.map(i => i.endTime)")
    assert len(ends) >= 2 and ends == sorted(ends)  # the soonest arrival first
    tab_to(pg, "#signup-name")
    kb.type("Kai Keyboard")
    tab_to(pg, "#signup-form button[type=submit]")
    kb.press("Enter")
    pg.wait_for_selector("#rider-signed-in:not([hidden])")
    tab_to(pg, "#itin-list button.book")
    kb.press("Enter")
    pg.wait_for_selector("#my-bookings li.status-confirmed", timeout=30_000)
    # every button, field and list entry is at least 44 px high (links in text aside)
    small = pg.evaluate("""() => [...document.querySelectorAll(
        'button:not(.link), input:not([type=checkbox]):not([type=radio]), select')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.id || e.className || e.tagName)""")
    assert small == []
    shot(pg, "rider-keyboard")


def test_a_village_is_found_by_name(page: Any, server: Server) -> None:
    """Cornwall (no bus stop; the extract names no village) is suggested as a village;
    choosing it sets the origin at the API's point, its centre on the street network. The
    search tells the API where the map is; kinds are labelled in German too; a typo is
    forgiven."""
    pg = page
    hit = httpx.get(server.url + "/api/v1/places", params={"q": "Cornwall"},
                    timeout=30).json()["places"][0]
    assert (hit["name"], hit["kind"]) == ("Cornwall", "village")
    pg.fill("#from-input", "Cornwall")
    pg.wait_for_selector("#from-list li", timeout=10_000)
    assert pg.inner_text("#from-list li >> nth=0") == "Cornwall village"
    shot(pg, "village-suggested")
    pg.press("#from-input", "ArrowDown")
    pg.press("#from-input", "Enter")
    chosen = pg.evaluate("window.mobility.views.rider.from.value")
    assert (chosen["name"], chosen["lat"], chosen["lon"]) == ("Cornwall", hit["lat"],
                                                               hit["lon"])
    drawn = pg.evaluate("""() => { const out = []; window.mobility.map.places.eachLayer(
        l => { if (l.options.role === 'from') out.push([l.getLatLng().lat,
        l.getLatLng().lng]); }); return out; }""")
    assert drawn == [[hit["lat"], hit["lon"]]]
    asked = [u for u in pg.requested if "/api/v1/places?" in u]
    assert asked and all("lat=" in u and "lon=" in u for u in asked)
    pg.select_option("#lang", "de")
    pg.fill("#to-input", "Weybrige")  # a letter missing
    pg.wait_for_selector("#to-list li", timeout=10_000)
    assert pg.inner_text("#to-list li >> nth=0") == "Weybridge Dorf"
    assert_accessible(pg)
