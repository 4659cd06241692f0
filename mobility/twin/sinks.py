"""The twin's own receivers of the server's messages: a local SMTP server (``aiosmtpd``) and a
local SMS gateway (an HTTP server taking the server's webhook), each recording what arrives
so that the checks can count every message received."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mobility.twin.checks import Delivery

#: the SMS webhook's body the twin asks the server for (``MOBILITY_SMS_BODY``): with the
#: message's reference, so that a message sent twice is told from two with the same text
SMS_BODY = '{"to": "{to}", "text": "{text}", "ref": "{id}"}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailSink:
    """An SMTP server on 127.0.0.1 that keeps every message (no authentication, no TLS)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Delivery] = []
        self.subjects: list[str] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    def start(self) -> MailSink:
        from aiosmtpd.controller import Controller  # a test dependency: imported when used

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any,  # noqa: N802 - aiosmtpd's
                                  envelope: Any) -> str:
                msg = message_from_bytes(envelope.content, policy=default_policy)
                sink._keep(list(envelope.rcpt_tos), msg)
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def _keep(self, to: list[str], msg: Message) -> None:
        body = msg.get_body(("plain",)) if hasattr(msg, "get_body") else None
        text = body.get_content() if body is not None else str(msg.get_payload())
        ident = str(msg.get("Message-ID") or f"{msg.get('Subject', '')}\n{text}")
        with self._lock:
            self.subjects.append(str(msg.get("Subject", "")))
            self.received.extend(Delivery("email", r.lower(), ident) for r in to)

    def stop(self) -> None:
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.stop()
            self._controller = None

    def env(self) -> dict[str, str]:
        """The server's settings that send its mail here."""
        return {"MOBILITY_SMTP_HOST": "127.0.0.1", "MOBILITY_SMTP_PORT": str(self.port),
                "MOBILITY_SMTP_FROM": "twin@mobility.test", "MOBILITY_SMTP_STARTTLS": "false"}


class SmsSink:
    """An HTTP server on 127.0.0.1 taking the server's SMS webhook (any path, POST)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Delivery] = []
        self.bad: int = 0  #: requests whose body was not the JSON asked for
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def start(self) -> SmsSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                n = int(self.headers.get("Content-Length") or 0)
                sink._keep(self.rfile.read(n))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status":"queued"}')

            def log_message(self, *args: Any) -> None:  # quiet: phone numbers stay out
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name="twin-sms",
                         daemon=True).start()
        return self

    def _keep(self, raw: bytes) -> None:
        try:
            doc = json.loads(raw)
            to, text = str(doc["to"]), str(doc["text"])
            ident = str(doc.get("ref") or text)
        except (ValueError, KeyError, TypeError):
            with self._lock:
                self.bad += 1
            return
        with self._lock:
            self.received.append(Delivery("sms", "".join(c for c in to if c.isdigit()), ident))

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def env(self) -> dict[str, str]:
        """The server's settings that send its SMS here."""
        return {"MOBILITY_SMS_URL": self.url, "MOBILITY_SMS_BODY": SMS_BODY,
                "MOBILITY_SMS_HEADERS": json.dumps({"Content-Type": "application/json"})}


class Sinks:
    """Both receivers, started and stopped together."""

    def __init__(self, smtp_port: int | None = None, sms_port: int | None = None) -> None:
        self.mail, self.sms = MailSink(smtp_port), SmsSink(sms_port)

    def start(self) -> Sinks:
        self.sms.start()
        try:
            self.mail.start()
        except ImportError:  # no aiosmtpd: e-mail goes unchecked (reported so)
            self.mail.port = 0
        return self

    def stop(self) -> None:
        self.mail.stop()
        self.sms.stop()

    @property
    def mail_on(self) -> bool:
        return self.mail.port > 0

    def env(self) -> dict[str, str]:
        return {**(self.mail.env() if self.mail_on else {}), **self.sms.env()}

    def received(self) -> list[Delivery]:
        return [*self.mail.received, *self.sms.received]
