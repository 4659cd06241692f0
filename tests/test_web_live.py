"""Live times and running late in a real browser (Chromium via Playwright against the real
server, its clock started on the rides' day at 09:05): every vehicle reports itself in
Vergennes, too far for a rider waiting in East Middlebury from 09:10. The rider's "my
bookings" says when the pickup is now expected and how late that is (English and German);
the dispatch desk shows the alert (rider told) and the late vehicle on the map, moving
towards the pickup between reports. Screenshots go to ``out/browser/live-*.png``."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import test_web
from tests.api_helpers import ADDISON_TZ, EAST_MIDDLEBURY, MIDDLEBURY, NOW, VERGENNES, ride
from tests.conftest import CACHE, DATA
from tests.server_process import Server
from tests.test_web import CHROMIUM, api_get, assert_accessible, shot, sign_in_staff

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

#: the rides' day (the tests' Wednesday), 09:05 by the server's clock
CLOCK_START = (NOW + dt.timedelta(days=1)).replace(hour=9, minute=5)

browser = test_web.browser  # the browser of tests/test_web.py (a fixture)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, addison: Any) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("live")
    env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp / 'm.db'}",
           "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA),
           "MOBILITY_SIM_DIR": str(tmp / "sims"), "MOBILITY_REPLAY_FEED": "true",
           "MOBILITY_CLOCK_START": CLOCK_START.isoformat()}
    srv = Server(env, "addison-vt", tmp / "server.log").start()
    yield srv
    srv.stop()


def call(server: Server, path: str, key: str | None, body: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.post(server.url + path, json=body, headers=headers, timeout=60)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_rider_sees_the_delay_and_the_desk_the_alert(browser: Any, server: Server) -> None:
    staff = next(x for x in server.log().splitlines()
                 if x.startswith("first dispatcher key: ")).rsplit(" ", 1)[-1].strip()
    rider = call(server, "/api/v1/accounts", None, {"name": "Greta Wartend"})["key"]
    # the server's clock started with it and runs: the ride is asked for in three minutes
    now = dt.datetime.fromisoformat(api_get(server, "/api/v1/bookings", rider)["now"])
    when = (now + dt.timedelta(minutes=3)).isoformat()
    q = call(server, "/api/v1/quotes", rider, ride(EAST_MIDDLEBURY, MIDDLEBURY, when))
    b = call(server, "/api/v1/bookings", rider, {"quoteId": q["id"]})
    for vid in sorted({"mid-1", "mid-2", "verg-1"} - {b["vehicleId"]}) + [b["vehicleId"]]:
        call(server, f"/api/v1/vehicles/{vid}/events", staff,
             {"type": "position", "lat": VERGENNES[0], "lon": VERGENNES[1]})
    got = api_get(server, f"/api/v1/bookings/{b['id']}", rider)
    assert got["vehicleId"] == b["vehicleId"] and got["live"]["late"] is True
    est = dt.datetime.fromisoformat(got["live"]["estimatedPickup"]).astimezone(ADDISON_TZ)
    end = dt.datetime.fromisoformat(got["pickupWindow"]["end"])
    late = math.ceil((est - end).total_seconds() / 60)
    texts = {"en": (f"Pickup now expected at {est:%H:%M}", f"running {late} min late"),
             "de": (f"Abholung jetzt gegen {est:%H:%M} Uhr erwartet", f"{late} Min. Verspätung")}

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.clock.install(time=CLOCK_START)
    ctx.add_init_script(f"localStorage.setItem('mobility.riderKey', {rider!r})")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        pg.goto(server.url + "/")
        pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
        for lang in ("en", "de"):
            pg.select_option("#lang", lang)
            # (redrawn in the language chosen)
            item = pg.locator(f'#my-bookings li[data-id="{b["id"]}"] .live',
                              has_text=texts[lang][0])
            item.wait_for(timeout=20_000)
            assert texts[lang][1] in item.inner_text()
            assert "live-late" in (item.get_attribute("class") or "")
        # (the list itself: its items are redrawn by the live refresh and may detach)
        pg.locator("#my-bookings").scroll_into_view_if_needed()
        shot(pg, "live-rider-de")
        pg.select_option("#lang", "en")

        sign_in_staff(pg, "dispatcher", staff)
        pg.fill("#disp-date", CLOCK_START.date().isoformat())
        pg.dispatch_event("#disp-date", "change")
        # named as the desk knows the rider (from the manifests, loaded alongside)
        alert = pg.locator(f'#alert-list li[data-id="{b["id"]}"]', has_text="Greta Wartend")
        alert.wait_for(timeout=20_000)
        text = alert.inner_text()
        assert f"{late} min late with {b['vehicleId']}" in text and "rider told" in text, text
        mark = pg.locator(f'.vehicle-icon[data-vehicle="{b["vehicleId"]}"]')
        mark.wait_for(timeout=20_000)
        assert "vehicle-late" in (mark.get_attribute("class") or "")
        assert pg.locator(".vehicle-icon").count() == 3

        def where() -> tuple[float, float]:
            ll = pg.evaluate(f"(() => {{ const p = window.mobility.map.vehicleMarks"
                             f".get({b['vehicleId']!r}).getLatLng(); return [p.lat, p.lng]; }})()")
            return float(ll[0]), float(ll[1])

        def gap(p: tuple[float, float]) -> float:
            return math.hypot(p[0] - EAST_MIDDLEBURY[0],
                              (p[1] - EAST_MIDDLEBURY[1]) * math.cos(math.radians(p[0])))

        first = where()
        pg.wait_for_timeout(5_000)  # the service's clock runs at the real pace
        then = where()
        assert gap(then) < gap(first) - 1e-4, (first, then)  # on its way to the pickup
        assert_accessible(pg)
        alert.scroll_into_view_if_needed()
        shot(pg, "live-dispatcher")
        pg.select_option("#lang", "de")
        assert "Fahrgast informiert" in alert.inner_text()
        assert pg.inner_text("#alerts-title") == "Verspätungen"
    finally:
        ctx.close()
    assert not errors, errors
