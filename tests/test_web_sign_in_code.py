"""Signing in on a second device with a code, in a real browser on a phone (390×844), in
English and German: a rider signs up on one device, asks for a code there, and types it on
another (in lower case, without the dash); the other device then shows the same rider and
their booking. Screenshots: ``out/browser/signin-code-*.png``."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from api.service.sign_in import ALPHABET
from tests.api_helpers import BRISTOL, MIDDLEBURY, NOW, ride, tomorrow
from tests.server_process import Server
from tests.test_web import CHROMIUM, assert_accessible, browser, server, shot

__all__ = ["browser", "server"]  # the fixtures, used here by name

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
NAMES = {"en": "Rosa Twodevices", "de": "Jürgen Zweigerät"}
TEXT = {"en": {"make": "Sign in on another device",
               "works": r"It works once, until 06:1\d \(10 minutes\)\.",
               "have": "Have a code from your other device?",
               "done": "Signed in as {name} on this device.",
               "bad": "This code is not valid or has expired"},
        "de": {"make": "Auf einem anderen Gerät anmelden",
               "works": r"Er gilt einmal, bis 06:1\d Uhr \(10 Minuten\)\.",
               "have": "Code von Ihrem anderen Gerät?",
               "done": "Auf diesem Gerät angemeldet als {name}.",
               "bad": "Dieser Code gilt nicht oder ist abgelaufen"}}


def _device(browser: Any, srv: Server, lang: str, errors: list[str]) -> Any:
    ctx = browser.new_context(locale="en-US" if lang == "en" else "de-DE", **PHONE)
    ctx.clock.install(time=NOW)  # the browser's day is the server's (MOBILITY_CLOCK_START)
    pg = ctx.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(srv.url + "/")
    pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
    pg.select_option("#lang", lang)
    return pg


def _focused(pg: Any) -> str:
    return str(pg.evaluate("document.activeElement.id"))


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_code_signs_the_rider_in_on_a_second_phone(browser: Any, server: Server,
                                                     lang: str) -> None:
    errors: list[str] = []
    words, name = TEXT[lang], NAMES[lang]
    first = _device(browser, server, lang, errors)
    first.fill("#signup-name", name)
    first.click("#signup-form button[type=submit]")
    first.wait_for_selector("#rider-signed-in:not([hidden])")
    key = first.evaluate("localStorage.getItem('mobility.riderKey')")
    auth = {"Authorization": f"Bearer {key}"}
    q = httpx.post(server.url + "/api/v1/quotes", json=ride(MIDDLEBURY, BRISTOL, tomorrow(9)),
                   headers=auth, timeout=60)
    assert q.status_code == 201, q.text
    b = httpx.post(server.url + "/api/v1/bookings", json={"quoteId": q.json()["id"]},
                   headers=auth, timeout=60)
    assert b.status_code == 201, b.text

    # the first phone: a code, large, with its expiry (10 minutes on the server's clock)
    make = first.get_by_role("button", name=words["make"])
    make.click()
    first.wait_for_selector("#code-box:not([hidden])")
    assert _focused(first) == "code-box"  # the result, where a screen reader reads it
    code = first.inner_text("#code-text").strip()
    assert re.fullmatch(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", code), code
    # the server's clock started at 06:00 with the module's server and runs since
    assert re.search(words["works"], first.inner_text("#code-expiry")), first.inner_text(
        "#code-expiry")
    size = first.evaluate("parseFloat(getComputedStyle(document.getElementById('code-text'))"
                          ".fontSize)")
    assert size >= 28  # readable across a table
    box = first.locator("#code-box").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert first.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert_accessible(first)
    shot(first, f"signin-code-made-{lang}")

    # the second phone: a wrong code first (one plain answer, the field marked), then the code
    # typed in lower case without its dash
    second = _device(browser, server, lang, errors)
    field = second.get_by_label(words["have"])
    field.fill("2222-2222")
    second.click("#code-form button[type=submit]")
    second.wait_for_selector("#account-msg.error")
    assert words["bad"] in second.inner_text("#account-msg")
    assert _focused(second) == "code-input" and field.get_attribute("aria-invalid") == "true"
    field.fill(code.replace("-", "").lower())
    second.click("#code-form button[type=submit]")
    second.wait_for_selector("#rider-signed-in:not([hidden])")
    second.wait_for_selector("#account-msg.ok")
    assert second.inner_text("#account-msg").strip() == words["done"].format(name=name)
    assert _focused(second) == "account-msg"
    assert second.inner_text("#rider-who") == name
    second.wait_for_selector("#my-bookings li:not(.empty)")
    assert second.locator("#my-bookings li").count() == 1
    new_key = second.evaluate("localStorage.getItem('mobility.riderKey')")
    assert new_key and new_key != key  # a key of its own, kept like a typed one
    me = httpx.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {new_key}"},
                   timeout=30).json()
    assert me["name"] == name and me["role"] == "rider"
    assert second.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(second)
    shot(second, f"signin-code-used-{lang}")
    first.context.close()
    second.context.close()
    assert not errors, errors
