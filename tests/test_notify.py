"""Notifications to riders: the templates of every kind in English and German, and the
outbox's worker against a real local SMTP server (aiosmtpd) and a real local SMS gateway
(http.server) — delivered once in the rider's language, retried with back-off on the
service's fixed clock, given up, dropped without an address, never sent twice by two
workers over one store (SQLite and PostgreSQL), and nothing personal in the logs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from api.auth import new_id
from api.config import ApiConfig
from api.metrics import Metrics
from api.service import FixedClock
from api.service.channels import sms_body, sms_number
from api.service.notify import LEASE, Notifier, backoff
from api.service.outbox import KINDS, enqueue
from api.service.templates import render
from api.service.timing import Timing
from api.store import Store
from api.store.models import Notification, Rider
from api.store.repository import writing
from tests.api_helpers import NOW
from tests.notify_helpers import Gateway, MailSink

TZ = "America/New_York"
AT = "2026-11-25T09:00:00-05:00"
#: realistic parameters of every kind (see the contract's table): a ride tomorrow at 09:00
PARAMS: dict[str, dict[str, Any]] = {
    "confirmed": {"pickupStart": AT, "pickupEnd": "2026-11-25T09:15:00-05:00",
                  "origin": "Main Street, Middlebury", "destination": "Bristol"},
    "reminder": {"pickupStart": AT, "pickupEnd": "2026-11-25T09:15:00-05:00",
                 "origin": "Main Street, Middlebury"},
    "on_the_way": {"estimatedPickup": "2026-11-25T09:07:00-05:00",
                   "origin": "Main Street, Middlebury"},
    "late": {"pickupStart": AT, "pickupEnd": "2026-11-25T09:15:00-05:00",
             "estimatedPickup": "2026-11-25T09:32:00-05:00"},
    "changed": {"pickupStart": AT, "pickupEnd": "2026-11-25T09:15:00-05:00",
                "what": "vehicle"},
    "cancelled": {"pickupStart": AT, "origin": "Main Street, Middlebury",
                  "destination": "Bristol", "by": "operator"},
    "no_show": {"pickupStart": AT, "origin": "Main Street, Middlebury"},
    "standing_booked": {"date": "2026-11-25", "pickupStart": "2026-11-25T07:30:00-05:00",
                        "pickupEnd": "2026-11-25T07:45:00-05:00"},
    "standing_not_served": {"date": "2026-11-25", "reason": "no vehicle is free then",
                            "code": "no vehicle in time"},
    "connection_missed": {"dropOffBy": "2026-11-25T09:40:00-05:00",
                          "estimatedDropoff": "2026-11-25T09:52:00-05:00",
                          "next": "2026-11-25T10:40:00-05:00", "nextRoute": "4",
                          "nextHeadsign": "Burlington", "nextStop": "Merchants Row"},
}
NAME, EMAIL, PHONE = "Erika Muster", "erika.muster@example.org", "+49 170 1234567"


# -- templates ---------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_both_languages(kind: str, language: str) -> None:
    """Short (an SMS holds 160 characters), every placeholder filled, times as HH:MM of the
    region's zone, the date as the language writes it."""
    subject, text = render(kind, language, PARAMS[kind])
    for said in (subject, text):
        assert said.strip() and not re.search(r"[{}]|\?|None|T\d\d:", said), said
    assert len(text) <= 160 and len(subject) <= 60
    times = [dt.datetime.fromisoformat(v).strftime("%H:%M") for k, v in PARAMS[kind].items()
             if k != "date" and isinstance(v, str) and v.startswith("2026-")]
    assert all(t in text for t in times) and (times or kind == "standing_not_served")
    if "date" in PARAMS[kind] or kind in ("confirmed", "reminder", "changed", "cancelled",
                                          "no_show"):
        assert ("Mi., 25.11." if language == "de" else "Wed 25 Nov") in subject + text
    for place in ("origin", "destination", "nextHeadsign", "nextStop"):
        if place in PARAMS[kind]:
            assert PARAMS[kind][place] in text
    if language == "de":
        assert ("Uhr" in text or not times) and not re.search(r"\b(the|your|pickup)\b", text, re.I)
    else:
        assert not re.search(r"\b(Uhr|Ihre?|Fahrt)\b", text)


def test_templates_are_robust() -> None:
    """A missing or unreadable parameter shows as "?" (the message still goes); the time is
    the one stored, at its own offset; a connection without a next one says what to do; a
    German reason comes from its code; an unknown kind is refused."""
    assert "?" in render("confirmed", "en", {})[1]
    assert "14:05" in render("on_the_way", "de", {"estimatedPickup":
                                                  "2026-11-25T14:05:00+01:00"})[1]
    assert "plan your journey again" in render("connection_missed", "en", {
        **PARAMS["connection_missed"], "next": ""})[1]
    de = render("standing_not_served", "de", {**PARAMS["standing_not_served"],
                                              "code": "no-capacity"})[1]
    assert "genug Plätze" in de and "vehicle" not in de
    assert "Feiertag" in render("standing_not_served", "de", {
        **PARAMS["standing_not_served"], "code": "holiday"})[1]
    assert render("connection_missed", "en", {**PARAMS["connection_missed"], "nextRoute": "",
                                              "nextHeadsign": "", "nextStop": ""})[1].endswith(
        "Next connection: at 10:40.")
    assert "nicht stattfinden." in render("standing_not_served", "de", {
        **PARAMS["standing_not_served"], "code": "something-new"})[1]
    assert render("confirmed", "fr", PARAMS["confirmed"]) == render("confirmed", "en",
                                                                    PARAMS["confirmed"])
    with pytest.raises(ValueError, match="unknown"):
        render("birthday", "en", {})


def test_sms_body_is_the_template_with_json_escaped_values() -> None:
    text = 'Say "hi" \\ to {to}\nand ümlauts'
    body = sms_body('{"to": "{to}", "text": "{text}", "from": "Rufbus"}', "+49170", text)
    assert json.loads(body) == {"to": "+49170", "text": text, "from": "Rufbus"}
    # the message's reference, for gateways that drop a repeat of one reference
    body = sms_body('{"to": "{to}", "text": "{text}", "ref": "{id}"}', "+49170", text,
                    "n_0a1b")
    assert json.loads(body) == {"to": "+49170", "text": text, "ref": "n_0a1b"}
    assert sms_number(PHONE) == "+491701234567" and sms_number("(802) 555-0100") == \
        "8025550100"
    assert sms_number("12") is None and sms_number(None) is None


# -- the worker ----------------------------------------------------------------------------
class World:
    """A store with riders, the service's fixed clock and notifiers over them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = FixedClock(NOW)
        self.timing = Timing(TZ, self.clock)

    def notifier(self, **cfg: Any) -> Notifier:
        config = ApiConfig(**{"notify_interval_s": 0, **cfg})
        svc = SimpleNamespace(store=self.store, config=config, timing=self.timing, names=None,
                              metrics=Metrics(CollectorRegistry()))
        return Notifier(svc, config)  # type: ignore[arg-type]

    def rider(self, *, email: str | None = EMAIL, phone: str | None = PHONE,
              language: str | None = "de", channels: str = "app,email,sms",
              name: str = NAME) -> str:
        rid = new_id("r_")
        with writing(self.store) as repo:
            repo.s.add(Rider(id=rid, name=name, phone=phone, email=email, language=language,
                             channels=channels, created_at=NOW))
        return rid

    def tell(self, rider: str, kind: str = "confirmed", occasion: str = "b_1") -> int:
        with writing(self.store) as repo:
            return enqueue(repo, rider_id=rider, kind=kind, occasion=occasion,
                           at=self.clock.now(), params=PARAMS[kind], booking_id=None)

    def rows(self, channel: str | None = None) -> list[Notification]:
        with self.store.snapshot() as s:
            stmt = select(Notification).order_by(Notification.created_at, Notification.id)
            if channel is not None:
                stmt = stmt.where(Notification.channel == channel)
            return list(s.scalars(stmt))

    def row(self, channel: str) -> Notification:
        (n,) = self.rows(channel)
        return n


@pytest.fixture()
def world(store: Store) -> World:
    return World(store)


def _smtp(sink: MailSink) -> dict[str, Any]:
    return {"smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_starttls": False,
            "smtp_from": "rufbus@addison.example.org"}


def test_dedupe_one_row_per_channel(world: World) -> None:
    rid = world.rider()
    assert world.tell(rid) == 3 and world.tell(rid) == 0
    assert sorted(n.channel for n in world.rows()) == ["app", "email", "sms"]
    assert world.tell(rid, occasion="b_2") == 3  # another booking is another occasion
    assert world.tell(world.rider(channels="app"), occasion="b_3") == 1


def test_app_messages_are_sent_at_once(world: World) -> None:
    rid = world.rider(channels="app")
    world.tell(rid)
    assert world.notifier().run_once() == {"reminders": 0, "sent": 1}
    n = world.row("app")
    assert (n.status, n.attempts, n.sent_at) == ("sent", 1, NOW)
    assert world.notifier().run_once() == {"reminders": 0}


def test_email_arrives_once_in_the_riders_language(world: World) -> None:
    """Through a real SMTP server: one message, to the rider's address as it is when sent,
    in German with the German subject, dated when queued, its Message-ID made of the
    notification's id."""
    rid = world.rider(channels="app,email", email="old@example.org")
    world.tell(rid)
    with writing(world.store) as repo:  # changed after queueing: the new address is used
        r = repo.rider(rid)
        assert r is not None
        r.email = EMAIL
    with MailSink() as sink:
        n = world.notifier(**_smtp(sink))
        assert n.run_once()["sent"] == 2
        assert n.run_once() == {"reminders": 0}
    assert len(sink.received) == 1
    rcpt, msg = sink.received[0]
    subject, text = render("confirmed", "de", PARAMS["confirmed"])
    row = world.row("email")
    assert rcpt == [EMAIL] and msg["To"] == EMAIL
    assert msg["From"] == "rufbus@addison.example.org" and msg["Subject"] == subject
    assert msg["Subject"] == "Fahrt gebucht für Mi., 25.11."
    assert msg.get_content().strip() == text
    assert msg["Message-ID"] == f"<{row.id}@addison.example.org>"
    assert msg["Date"].datetime == NOW and msg["Auto-Submitted"] == "auto-generated"
    assert (row.status, row.attempts, row.sent_at, row.last_error) == ("sent", 1, NOW, None)


def test_sms_goes_to_the_gateway_as_its_template(world: World) -> None:
    """The body is the configured template with the rider's number and the text, with the
    configured headers (the provider's key)."""
    rid = world.rider(channels="sms", language="en")
    world.tell(rid, "reminder")
    body = '{"recipient": "{to}", "message": "{text}", "sender": "Rufbus"}'
    with Gateway() as gw:
        n = world.notifier(sms_url=gw.url, sms_body=body,
                           sms_headers=(("Authorization", "Bearer k-123"),))
        assert n.run_once()["sent"] == 2
    ((path, headers, raw),) = gw.requests
    _, text = render("reminder", "en", PARAMS["reminder"])
    assert path == "/send" and headers["Authorization"] == "Bearer k-123"
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(raw) == {"recipient": "+491701234567", "message": text,
                               "sender": "Rufbus"}
    assert world.row("sms").status == "sent"


def test_gateway_failing_twice_then_accepting(world: World) -> None:
    """500, 500, then 200: sent once, in the third attempt; each retry waits its back-off
    (30 s, then 2 min) on the service's clock, not a second less."""
    world.tell(world.rider(channels="sms"))
    with Gateway(answers=(500, 500)) as gw:
        n = world.notifier(sms_url=gw.url)
        assert n.run_once() == {"reminders": 0, "sent": 1, "retry": 1}  # app sent, sms not
        sms = world.row("sms")
        assert (sms.status, sms.attempts, sms.next_try_at) == ("pending", 1, NOW + backoff(1))
        assert sms.last_error == "the SMS gateway answered HTTP 500"
        assert backoff(1) == dt.timedelta(seconds=30) and backoff(2) == dt.timedelta(
            minutes=2) and backoff(3) == dt.timedelta(minutes=8)
        for wait, expect in ((0, {}), (29, {}), (1, {"retry": 1}), (119, {}),
                             (1, {"sent": 1}), (3600, {})):
            world.clock.advance(wait)
            assert n.run_once() == {"reminders": 0, **expect}, wait
        assert len(gw.requests) == 3
        assert len({body for _, _, body in gw.requests}) == 1  # the same message each time
    sms = world.row("sms")
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 3, None)
    assert sms.sent_at == NOW + dt.timedelta(seconds=30 + 120)


def test_given_up_after_the_attempts_or_refused_for_good(world: World) -> None:
    a, b = world.rider(channels="sms"), world.rider(channels="sms")
    world.tell(a, occasion="b_a")
    with Gateway(answers=(503,) * 5) as gw:
        n = world.notifier(sms_url=gw.url, notify_max_attempts=3)
        for _ in range(5):
            n.run_once()
            world.clock.advance(3600)
        assert len(gw.requests) == 3
    (row,) = [r for r in world.rows("sms") if r.rider_id == a]
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error == "gave up after 3 attempts: the SMS gateway answered HTTP 503"
    world.tell(b, occasion="b_b")  # a refusal (4xx): no point trying again
    with Gateway(answers=(400,)) as gw:
        assert world.notifier(sms_url=gw.url).run_once()["failed"] == 1
    (row,) = [r for r in world.rows("sms") if r.rider_id == b]
    assert (row.status, row.attempts, row.last_error) == (
        "failed", 1, "the SMS gateway answered HTTP 400")


def test_dropped_without_an_address_or_a_channel_set_up(world: World) -> None:
    """No e-mail address, no phone, no SMTP server or gateway, or the channel no longer
    chosen: dropped with the reason, never retried."""
    no_email = world.rider(email=None, channels="app,email")
    no_phone = world.rider(phone=None, channels="app,sms")
    unchosen = world.rider(channels="app,email")
    for k, rid in enumerate((no_email, no_phone, unchosen)):
        world.tell(rid, occasion=f"b_{k}")
    with writing(world.store) as repo:
        r = repo.rider(unchosen)
        assert r is not None
        r.channels = "app"
    with MailSink() as sink, Gateway() as gw:
        assert world.notifier(**_smtp(sink), sms_url=gw.url).run_once()["dropped"] == 3
        assert sink.received == [] and gw.requests == []
    why = {r.rider_id: r.last_error for r in world.rows() if r.channel != "app"}
    assert why == {no_email: "the rider has no e-mail address",
                   no_phone: "the rider has no phone number",
                   unchosen: "the rider no longer chose this channel"}
    assert {r.status for r in world.rows() if r.channel != "app"} == {"dropped"}
    # nothing set up: dropped too
    world.tell(world.rider(), occasion="b_9")
    assert world.notifier().run_once()["dropped"] == 2
    assert sorted(r.last_error or "" for r in world.rows() if r.status == "dropped")[:2] == [
        "no SMS gateway configured", "no SMTP server configured"]


def test_mail_server_away_or_refusing(world: World) -> None:
    """An unreachable server is tried again later; a recipient refused for good (550)
    fails at once — and the reasons name no address."""
    refused = "nobody@example.org"
    world.tell(world.rider(channels="email"), occasion="b_1")
    world.tell(world.rider(channels="email", email=refused), occasion="b_2")
    with MailSink(refuse=(refused,)) as sink:
        away = world.notifier(**{**_smtp(sink), "smtp_port": 9})
        assert away.run_once() == {"reminders": 0, "sent": 2, "retry": 2}
        assert {r.last_error for r in world.rows("email")} == {
            "the mail server could not be used (ConnectionRefusedError)"}
        world.clock.advance(30)
        assert world.notifier(**_smtp(sink)).run_once() == {"reminders": 0, "sent": 1,
                                                            "failed": 1}
    assert len(sink.received) == 1
    failed = [r for r in world.rows("email") if r.status == "failed"]
    assert [(r.attempts, r.last_error) for r in failed] == [
        (2, "the mail server refused the recipient (SMTP 550)")]


class GrumpyGoodbye(MailSink):
    """A mail server that accepts each message, then answers QUIT with a temporary error."""

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "421 4.3.0 shutting down"


def test_a_message_accepted_is_sent_whatever_the_goodbye(world: World) -> None:
    """Once the server accepted the message it is delivered: an odd answer to QUIT does not
    make it be sent again (the next round finds nothing to do)."""
    world.tell(world.rider(channels="email"))
    with GrumpyGoodbye() as sink:
        n = world.notifier(**_smtp(sink))
        assert n.run_once() == {"reminders": 0, "sent": 2}  # in the app and by e-mail
        world.clock.advance(3600)
        assert n.run_once() == {"reminders": 0}
    assert len(sink.received) == 1
    assert (world.row("email").status, world.row("email").attempts) == ("sent", 1)


def test_the_sms_gateway_gets_each_messages_reference(world: World) -> None:
    """``{id}`` in the body is the notification's id: the same id on each attempt of one
    message, another for each message."""
    rid = world.rider(channels="sms", language="en")
    world.tell(rid, "reminder")
    world.tell(rid, "confirmed")
    with Gateway(answers=(503,)) as gw:
        n = world.notifier(sms_url=gw.url, sms_body='{"to": "{to}", "ref": "{id}"}')
        n.run_once()
        world.clock.advance(60)
        n.run_once()
    refs = [json.loads(raw)["ref"] for _, _, raw in gw.requests]
    rows = {r.id for r in world.rows("sms")}
    assert len(refs) == 3 and set(refs) == rows and len(rows) == 2


def test_a_crash_between_sending_and_marking(world: World, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    """The documented window: a worker that sent but died before marking leaves the message
    claimed; nobody takes it while the lease lasts, then another worker sends it again —
    with the same Message-ID, so mail systems can drop the second copy."""
    world.tell(world.rider(channels="email"))
    with MailSink() as sink:
        crashing = world.notifier(**_smtp(sink))
        monkeypatch.setattr(crashing, "_finish", lambda *a, **k: True)  # dies before it
        crashing.run_once()
        assert world.row("email").status == "sending" and len(sink.received) == 1
        other = world.notifier(**_smtp(sink))
        world.clock.advance(LEASE.total_seconds() - 1)
        assert other.run_once() == {"reminders": 0}
        world.clock.advance(2)
        assert other.run_once() == {"reminders": 0, "sent": 1}
    first, second = (m for _, m in sink.received)
    assert first["Message-ID"] == second["Message-ID"] == f"<{world.row('email').id}@" \
        "addison.example.org>"
    assert (world.row("email").status, world.row("email").attempts) == ("sent", 2)


def test_two_workers_send_each_message_once(world: World) -> None:
    """Two notifiers over one store, running at the same moment (as two server processes):
    every message reaches the gateway exactly once, and each is marked sent once."""
    riders = [world.rider(channels="app,sms", phone=f"+49 170 {k:07d}") for k in range(30)]
    for k, rid in enumerate(riders):
        world.tell(rid, occasion=f"b_{k}")
    with Gateway(delay_s=0.005) as gw:
        workers = [world.notifier(sms_url=gw.url) for _ in range(2)]
        start = threading.Barrier(2)
        done: list[dict[str, int]] = []

        def work(n: Notifier) -> None:
            start.wait()
            done.append(n.run_once())

        threads = [threading.Thread(target=work, args=(n,)) for n in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    numbers = [json.loads(body)["to"] for _, _, body in gw.requests]
    assert sorted(numbers) == sorted(f"+49170{k:07d}" for k in range(30))
    assert sum(d.get("sent", 0) for d in done) == 60  # 30 in the app, 30 by SMS
    assert {(r.status, r.attempts) for r in world.rows()} == {("sent", 1)}


def test_logs_name_no_one(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """Sent, retried, dropped, failed: the log says ids, kinds, channels and statuses, never
    a name, an address, a number or a text."""
    rid = world.rider()
    world.tell(rid)
    world.tell(world.rider(email=None, channels="app,email"), "no_show", occasion="b_2")
    caplog.set_level(logging.DEBUG)
    with MailSink() as sink, Gateway(answers=(500,)) as gw:
        n = world.notifier(**_smtp(sink), sms_url=gw.url)
        n.run_once()
        world.clock.advance(30)
        n.run_once()
    # every record but the test's own SMTP server's (which logs what it receives)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert "notification n_" in logged and "(confirmed, sms)" in logged
    assert "sent" in logged and "dropped" in logged and "attempt 1 failed" in logged
    secrets = [NAME, "Erika", EMAIL, "erika.muster", PHONE, "1701234567", "1234567",
               "Main Street", "Bristol"] + [x for k in ("confirmed", "no_show") for lang in
                                            ("de", "en") for x in render(k, lang, PARAMS[k])]
    assert [s for s in secrets if s in logged] == []
    stored = " ".join(str(r.last_error) for r in world.rows())
    assert [s for s in secrets if s in stored] == []


def test_a_message_deleted_while_claimed(world: World) -> None:
    """The rider is forgotten (their messages deleted) between the claim and the send:
    nothing is sent and the worker goes on."""
    world.tell(world.rider(channels="sms"))
    nid = world.row("sms").id
    with Gateway() as gw:
        n = world.notifier(sms_url=gw.url)
        lease = n._claim(nid, NOW)
        assert lease is not None and n._claim(nid, NOW) is None  # held
        with writing(world.store) as repo:
            repo.s.execute(Notification.__table__.delete())
        assert n._send(nid, NOW, lease) == "dropped"
        assert n.run_once() == {"reminders": 0} and gw.requests == []
