"""The dispatch desk's service alerts in a real browser (Chromium via Playwright against the
real server), in English and German, on a desk and a phone: a closure entered in the form is
listed and published in the GTFS-Realtime alerts feed at once, with its period and texts;
ended with its button it leaves the list and the feed; a form without a headline says so at
the field; the card passes axe-core. Screenshots go to ``out/browser/service-alerts-*.png``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from google.transit import gtfs_realtime_pb2 as rt

from tests.server_process import Server
from tests.test_web import CHROMIUM, assert_accessible, shot, sign_in_staff, tomorrow_input
from tests.test_web_dispatcher import (  # noqa: F401 - fixtures, shared with the desk's tests
    DESK,
    PHONE,
    browser,
    desk,
    server,
    staff_key,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

TITLE = {"en": "Service alerts", "de": "Störungsmeldungen"}
NONE = {"en": "No alerts.", "de": "Keine Meldungen."}


def feed(srv: Server) -> rt.FeedMessage:
    r = httpx.get(srv.url + "/gtfs-rt/alerts", timeout=30)
    assert r.status_code == 200
    msg = rt.FeedMessage()
    msg.ParseFromString(r.content)
    return msg


@pytest.mark.parametrize(("lang", "size"), [("en", DESK), ("de", PHONE)])
def test_a_dispatcher_closes_an_area_and_ends_it(browser: Any, server: Server,  # noqa: F811
                                                  staff_key: str, lang: str,  # noqa: F811
                                                  size: tuple[int, int]) -> None:
    with desk(browser, server, size, lang) as pg:
        sign_in_staff(pg, "dispatcher", staff_key)
        card = pg.locator("#sa-card")
        card.scroll_into_view_if_needed()
        assert card.locator("h2").inner_text() == TITLE[lang]
        pg.wait_for_selector("#sa-area option", state="attached")
        # no headline: said at the field, nothing published
        pg.click("#sa-form button[type=submit]")
        assert pg.get_attribute(f"#sa-header-{lang}", "aria-invalid") == "true"
        assert list(feed(server).entity) == []
        pg.check("input[name=saEffect][value=closure]")
        pg.fill("#sa-start", tomorrow_input(12))
        pg.fill("#sa-end", tomorrow_input(14))
        pg.fill("#sa-header-de", "Kein Rufbus wegen Glatteis")
        pg.fill("#sa-header-en", "No on-demand service: black ice")
        pg.fill("#sa-description-en", "No rides between 12:00 and 14:00.")
        pg.click("#sa-form button[type=submit]")
        item = pg.locator("#sa-list li.sa-item")
        item.wait_for(timeout=20_000)
        header = "Kein Rufbus wegen Glatteis" if lang == "de" else "No on-demand service"
        assert header in item.inner_text()
        e, = feed(server).entity
        assert e.alert.effect == rt.Alert.NO_SERVICE
        assert {t.language for t in e.alert.header_text.translation} == {"de", "en"}
        assert [t.text for t in e.alert.description_text.translation] == [
            "No rides between 12:00 and 14:00."]
        assert_accessible(pg)
        shot(pg, f"service-alerts-{lang}")
        item.locator("button.end").click()  # the confirmation is accepted by desk()
        pg.wait_for_selector(f"#sa-list li.empty:text('{NONE[lang]}')", timeout=20_000)
        assert list(feed(server).entity) == []
