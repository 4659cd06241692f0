"""How a message reaches a rider outside the app: e-mail through the operator's SMTP server,
and SMS through an HTTP gateway (one POST per message, its body a template the operator
writes for their provider). Each either delivers, or raises :class:`Undeliverable` (no
point trying again) or :class:`TryLater`; their reasons name no address, number or text,
so they can be stored and logged."""

from __future__ import annotations

import datetime as dt
import json
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

import httpx

from api.config import ApiConfig

#: seconds a mail server or gateway may take to answer (the worker's lease is longer)
TIMEOUT_S = 20.0
#: answers of a gateway worth trying again (a timeout, too many requests, its own fault)
_TRANSIENT = {408, 425, 429}


class Undeliverable(Exception):  # noqa: N818 - an outcome, not a fault
    """The message cannot be delivered: ``status`` ``dropped`` (no address, or the channel
    is not set up) or ``failed`` (refused for good)."""

    def __init__(self, reason: str, status: str = "failed") -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


class TryLater(Exception):  # noqa: N818 - an outcome, not a fault
    """The server or gateway could not take the message now."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def message_id(notification_id: str, sender: str) -> str:
    """The e-mail's Message-ID, the same each time a notification is sent: a mail system
    that has seen it can drop a resend."""
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{notification_id}@{domain}>"


def email_message(config: ApiConfig, *, to: str, subject: str, text: str,
                  notification_id: str, queued_at: dt.datetime) -> EmailMessage:
    """The e-mail of a notification: plain text (UTF-8), dated when it was queued, marked
    as sent automatically (RFC 3834: no vacation replies)."""
    assert config.smtp_from is not None
    msg = EmailMessage()
    msg["From"] = config.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(queued_at)
    msg["Message-ID"] = message_id(notification_id, config.smtp_from)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    return msg


def send_email(config: ApiConfig, msg: EmailMessage) -> None:
    """Hand an e-mail to the SMTP server (TLS from the start on port 465, else STARTTLS
    unless switched off; a login when a user is set).

    Raises
    ------
    Undeliverable
        No server set up (dropped), or the server refused the recipient for good (5xx).
    TryLater
        Unreachable, a temporary refusal (4xx), the login or TLS failing (a setting to mend
        while the message waits).
    """
    if not config.smtp_host:
        raise Undeliverable("no SMTP server configured", "dropped")
    implicit_tls = config.smtp_port == 465
    try:
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(config.smtp_host, config.smtp_port, timeout=TIMEOUT_S,
                             context=ssl.create_default_context()) if implicit_tls
            else smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=TIMEOUT_S))
        try:
            if config.smtp_starttls and not implicit_tls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password or "")
            smtp.send_message(msg)
        except BaseException:
            smtp.close()
            raise
    except smtplib.SMTPRecipientsRefused as exc:  # its text holds the address: not kept
        codes = sorted({code for code, _ in exc.recipients.values()})
        why = f"the mail server refused the recipient (SMTP {', '.join(map(str, codes))})"
        if codes and all(c >= 500 for c in codes):
            raise Undeliverable(why) from None
        raise TryLater(why) from None
    except smtplib.SMTPDataError as exc:
        why = f"the mail server refused the message (SMTP {exc.smtp_code})"
        if exc.smtp_code >= 500:
            raise Undeliverable(why) from None
        raise TryLater(why) from None
    except smtplib.SMTPResponseException as exc:
        raise TryLater(f"the mail server answered SMTP {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TryLater(f"the mail server could not be used ({type(exc).__name__})") from None
    # accepted: the message is delivered whatever the goodbye brings (a slow or failing QUIT
    # must not make it be sent again)
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def sms_number(phone: str | None) -> str | None:
    """A phone number as gateways take it: its digits, with a leading ``+`` kept (None:
    too few digits to be a number)."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 3:
        return None
    return ("+" if phone.strip().startswith("+") else "") + digits


def sms_body(template: str, to: str, text: str, ref: str = "") -> str:
    """The gateway's request body: ``{to}``, ``{text}`` and ``{id}`` in ``template`` replaced
    by the number, the message and its reference (the notification's id, the same each time
    it is sent: gateways that take a client reference drop a repeat), JSON-escaped (quotes,
    backslashes and line breaks cannot break the body), in one pass (a message holding
    "{to}" stays as it is)."""
    values = {"to": to, "text": text, "id": ref}
    return re.sub(r"\{(to|text|id)\}",
                  lambda m: json.dumps(values[m.group(1)], ensure_ascii=False)[1:-1],
                  template)


def send_sms(config: ApiConfig, to: str, text: str, ref: str = "") -> None:
    """POST a text message to the gateway; any 2xx answer is delivered.

    Raises
    ------
    Undeliverable
        No gateway set up (dropped), or it refused the message (a 4xx answer).
    TryLater
        Unreachable, or it answered 408, 425, 429 or 5xx.
    """
    if not config.sms_url:
        raise Undeliverable("no SMS gateway configured", "dropped")
    headers = httpx.Headers({"Content-Type": "application/json; charset=utf-8"})
    headers.update(dict(config.sms_headers))
    try:
        r = httpx.post(config.sms_url, content=sms_body(config.sms_body, to, text, ref).encode(),
                       headers=headers, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise TryLater(f"the SMS gateway could not be reached ({type(exc).__name__})"
                       ) from None
    if 200 <= r.status_code < 300:
        return
    why = f"the SMS gateway answered HTTP {r.status_code}"
    if r.status_code in _TRANSIENT or r.status_code >= 500:
        raise TryLater(why)
    raise Undeliverable(why)
