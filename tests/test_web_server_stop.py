"""A real server stop, seen by a rider on a phone (390×844, Debian's Chromium through
Playwright), in English and in German: the server process is stopped (SIGTERM, reaped) while
the page stays open; "Find connections" then says, in the interface's own words and next to
the button, that the server did not answer, the button works again and the connections of
the search before are no longer shown as the answer. The server is started again on the same
port and database, and the same search gives its connections again, the message gone.
Screenshots: ``out/browser/rider-phone-{en,de}-6-server-stopped.png`` and ``-7-back``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.server_process import Server
from tests.test_web import _serve, assert_accessible, browser, shot
from tests.test_web_rider import (
    BROWSER,
    PHONE,
    TEXT,
    VERGENNES,
    WOOSTER,
    _context,
    _watch,
    choose,
    day_input,
    focused,
    in_view,
    no_error_shown,
    plans,
)
from tests.test_web_texts import texts

__all__ = ["browser"]  # the fixture, used here by name

pytestmark = [pytest.mark.slow, BROWSER]


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory, addison: Any) -> Iterator[Server]:
    """A server of this module's own: the tests stop and start it."""
    srv = _serve(tmp_path_factory.mktemp("web-stop"), "addison-vt")
    yield srv
    srv.stop()


def until(pg: Any, done: Callable[[], bool], timeout_ms: int = 30_000) -> None:
    """Wait for ``done()`` (the page's Content-Security-Policy refuses wait_for_function's
    evaluated strings, as it should)."""
    for _ in range(timeout_ms // 100):
        if done():
            return
        pg.wait_for_timeout(100)
    raise AssertionError("timed out")


def headings(pg: Any) -> list[str]:
    return [h.inner_text() for h in pg.locator("#itin-list > li h3").all()]


def visible_results(pg: Any) -> int:
    return int(pg.evaluate("[...document.querySelectorAll('#itin-list > li')]"
                           ".filter(e => e.offsetParent !== null).length"))


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_stopped_server_is_said_and_the_search_works_once_it_is_back(
        browser: Any, own_server: Server, lang: str) -> None:
    srv, w = own_server, TEXT[lang]
    if srv.proc is None or srv.proc.poll() is not None:
        srv.start()  # (a test before failed while it was stopped)
    words = texts()[lang]
    ctx = _context(browser, PHONE, lang)
    pg = ctx.new_page()
    errors, requested = _watch(pg, srv)
    pg.goto(srv.url + "/")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    if lang == "de":  # the rider switches the page to German
        pg.select_option("#lang", "de")
    assert pg.get_attribute("html", "lang") == lang
    choose(pg, "from", WOOSTER)
    choose(pg, "to", VERGENNES)
    pg.fill("#plan-time", day_input(1, "08:00"))
    pg.click("#plan-submit")
    pg.wait_for_selector("#itin-list > li", timeout=30_000)
    before = headings(pg)
    assert before and visible_results(pg) == len(before)

    # the server process stops (and is reaped); the page stays open
    srv.stop()
    assert srv.proc is not None and srv.proc.poll() is not None
    pg.click("#plan-submit")
    msg = pg.locator("#rider-msg.error")
    msg.wait_for(timeout=30_000)
    said = msg.inner_text()
    # the app's own words for it, in the interface's language — not the browser's
    assert said == words["error.network"] and said.startswith(w["network"])
    assert "fetch" not in said.lower() and "NetworkError" not in said
    # in view, just below the button, and read out first
    assert in_view(pg, "#rider-msg") and in_view(pg, "#plan-submit")
    button, box = (pg.locator(s).bounding_box() for s in ("#plan-submit", "#rider-msg"))
    assert 0 <= box["y"] - (button["y"] + button["height"]) < 40
    assert focused(pg) == "rider-msg"
    # the button works again: not busy, its own words, and a press asks again
    assert not pg.is_disabled("#plan-submit")
    assert pg.get_attribute("#plan-submit", "aria-busy") is None
    assert pg.inner_text("#plan-submit") == w["submit"]
    # the connections of the search before are not shown as this one's answer
    assert visible_results(pg) == 0 and not pg.is_visible("#itineraries")
    assert pg.locator("#map path.leg").count() == 0
    shot(pg, f"rider-phone-{lang}-6-server-stopped")
    assert_accessible(pg)
    asked = len(plans(pg))
    pg.click("#plan-submit")  # a press asks again (still away: said again, button free)
    until(pg, lambda: len(plans(pg)) > asked and not pg.is_disabled("#plan-submit"))
    assert len(plans(pg)) == asked + 1 and msg.inner_text() == words["error.network"]

    # back on the same port and database: the same search answers again, the message goes
    srv.start()
    pg.click("#plan-submit")
    pg.wait_for_selector("#itin-list > li", timeout=30_000)
    assert headings(pg) == before and visible_results(pg) == len(before)
    assert pg.inner_text("#rider-msg") == "" and no_error_shown(pg)
    assert pg.inner_text("#plan-submit") == w["submit"] and not pg.is_disabled("#plan-submit")
    shot(pg, f"rider-phone-{lang}-7-back")
    assert_accessible(pg)
    ctx.close()
    assert not errors, errors
    assert all(u.startswith((srv.url, "data:", "blob:")) for u in requested)
