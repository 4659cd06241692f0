"""Notifications end to end, in a real browser on a phone (390×844) against a real server
process with a real local SMTP server and SMS gateway: the rider chooses e-mail, SMS and
German in the account card (a bad address refused in plain words, the field marked); a
booking's confirmation then arrives once by e-mail and once by SMS, in German, sent by the
server's own worker; the app's "Messages" shows it with "1 new" (found by the 30 s poll)
and marks it read when opened. The server's log names no one (what the worker logs is
pinned by ``test_notify.py``). Screenshots: ``out/browser/notify-*.png``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api_helpers import BRISTOL, MIDDLEBURY, NOW, ride, tomorrow
from tests.conftest import CACHE, DATA
from tests.notify_helpers import Gateway, MailSink
from tests.server_process import Server
from tests.test_web import CHROMIUM, assert_accessible, browser, shot

__all__ = ["browser"]  # the fixture, used here by name

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
NAME, TEL, EMAIL = "Jürgen Benachrichtigt", "+49 170 7654321", "juergen@example.org"
TEXT = {"en": {"bad": "Please check the e-mail address", "saved": "Saved:",
               "title": "Messages", "new": "1 new"},
        "de": {"bad": "Bitte die E-Mail-Adresse prüfen", "saved": "Gespeichert:",
               "title": "Nachrichten", "new": "1 neu"}}


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory, addison: Any
            ) -> Iterator[tuple[Server, MailSink, Gateway]]:
    tmp = tmp_path_factory.mktemp("notify-web")
    with MailSink() as sink, Gateway() as gw:
        env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp / 'm.db'}",
               "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA),
               "MOBILITY_SIM_DIR": str(tmp / "sims"), "MOBILITY_REPLAY_FEED": "true",
               "MOBILITY_CLOCK_START": NOW.isoformat(),
               "MOBILITY_SMTP_HOST": "127.0.0.1", "MOBILITY_SMTP_PORT": str(sink.port),
               "MOBILITY_SMTP_STARTTLS": "false",
               "MOBILITY_SMTP_FROM": "rufbus@addison.example.org",
               "MOBILITY_SMS_URL": gw.url,
               "MOBILITY_SMS_HEADERS": json.dumps({"Authorization": "Bearer gw-key"}),
               "MOBILITY_NOTIFY_INTERVAL_S": "0.5"}
        srv = Server(env, "addison-vt", Path(tmp / "server.log")).start()
        yield srv, sink, gw
        srv.stop()


def _wait(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_rider_chooses_and_is_told(browser: Any, outside: tuple[Server, MailSink, Gateway],
                                       lang: str) -> None:
    srv, sink, gw = outside
    words, name = TEXT[lang], f"{NAME} {lang}"
    errors: list[str] = []
    ctx = browser.new_context(locale="en-US" if lang == "en" else "de-DE", **PHONE)
    ctx.clock.install(time=NOW)
    pg = ctx.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(srv.url + "/")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    pg.select_option("#lang", lang)
    pg.fill("#signup-name", name)
    pg.fill("#signup-phone", TEL)
    pg.click("#signup-form button[type=submit]")
    pg.wait_for_selector("#rider-signed-in:not([hidden])")
    pg.wait_for_function("document.getElementById('inbox-list').childElementCount === 0 && "
                         "!document.getElementById('inbox-empty').hidden")
    assert pg.is_hidden("#inbox-unread")

    # how to be told: a bad address is refused here, in plain words, the field marked
    pg.wait_for_selector("#notify-form[data-loaded=true]", state="attached")
    pg.click("#notify-box > summary")
    pg.check('#notify-form input[value="email"]')
    pg.check('#notify-form input[value="sms"]')
    pg.fill("#notify-email", "juergen at example")
    pg.select_option("#notify-language", "de")
    pg.click("#notify-form button[type=submit]")
    pg.wait_for_selector("#notify-msg.error")
    assert words["bad"] in pg.inner_text("#notify-msg")
    assert pg.get_attribute("#notify-email", "aria-invalid") == "true"
    assert pg.evaluate("document.activeElement.id") == "notify-email"
    pg.fill("#notify-email", EMAIL)
    pg.click("#notify-form button[type=submit]")
    pg.wait_for_selector("#notify-msg.ok")
    assert pg.inner_text("#notify-msg").startswith(words["saved"])
    key = pg.evaluate("localStorage.getItem('mobility.riderKey')")
    auth = {"Authorization": f"Bearer {key}"}
    me = httpx.get(srv.url + "/api/v1/accounts/me/notifications", headers=auth, timeout=30)
    assert me.json() == {"email": EMAIL, "language": "de", "channels": ["app", "email", "sms"],
                         "hasPhone": True}
    assert_accessible(pg)
    shot(pg, f"notify-settings-{lang}")

    # a booking: its confirmation by e-mail and SMS (the server's worker), in German
    mails, texts = len(sink.received), len(gw.requests)
    q = httpx.post(srv.url + "/api/v1/quotes", json=ride(MIDDLEBURY, BRISTOL, tomorrow(9)),
                   headers=auth, timeout=60)
    b = httpx.post(srv.url + "/api/v1/bookings", json={"quoteId": q.json()["id"]},
                   headers=auth, timeout=60)
    assert b.status_code == 201, b.text
    _wait(lambda: len(sink.received) > mails and len(gw.requests) > texts, "nothing sent")
    time.sleep(1.5)  # three more rounds of the worker: nothing is sent twice
    assert len(sink.received) == mails + 1 and len(gw.requests) == texts + 1
    rcpt, msg = sink.received[-1]
    assert rcpt == [EMAIL] and msg["Subject"].startswith("Fahrt gebucht für Mi., 25.11.")
    assert "zwischen 09:00 und 09:15 Uhr" in msg.get_content()
    _, headers, body = gw.requests[-1]
    assert headers["Authorization"] == "Bearer gw-key"
    sms = json.loads(body)
    assert sms["to"] == "+491707654321" and sms["text"] == msg.get_content().strip()

    # the app finds it at its next look (every 30 s) and reads it when opened
    pg.clock.run_for(31_000)
    pg.wait_for_selector("#inbox-unread:not([hidden])")
    assert pg.inner_text("#inbox-unread") == words["new"]
    assert pg.inner_text("#inbox > summary").startswith(words["title"])
    pg.wait_for_selector("#my-bookings li.booking")  # the news brought the booking along
    pg.click("#inbox > summary")
    pg.wait_for_selector("#inbox-list li.message")
    assert pg.inner_text("#inbox-list li.message .subject").startswith("Fahrt gebucht")
    pg.wait_for_selector("#inbox-unread", state="hidden")
    listed = httpx.get(srv.url + "/api/v1/notifications", headers=auth, timeout=30).json()
    assert listed["unread"] == 0 and listed["notifications"][0]["readAt"] is not None
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert_accessible(pg)
    shot(pg, f"notify-messages-{lang}", full_page=True)
    ctx.close()
    assert not errors, errors
    log = srv.log()
    assert [s for s in (NAME, "Jürgen", EMAIL, "juergen", TEL, "7654321", "Fahrt gebucht")
            if s in log] == []
