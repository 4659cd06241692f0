"""Real local servers for the notification tests: an SMTP server (aiosmtpd) that keeps what
it receives, and an SMS gateway (http.server) that keeps each POST and answers as told."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.server_process import free_port


class MailSink:
    """An SMTP server on 127.0.0.1 keeping every message (``refuse``: recipients it
    answers 550)."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refuse = refuse
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class Gateway:
    """An HTTP server on 127.0.0.1 standing for an SMS provider: keeps each request
    (path, headers, body) and answers the statuses in ``answers`` in turn, then 200;
    ``delay_s``: how long each answer takes."""

    def __init__(self, answers: tuple[int, ...] = (), delay_s: float = 0.0) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.answers = list(answers)
        self.delay_s = delay_s
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with gateway._lock:
                    gateway.requests.append((self.path, dict(self.headers), body))
                    status = gateway.answers.pop(0) if gateway.answers else 200
                time.sleep(gateway.delay_s)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "x"}')

            def log_message(self, *args: object) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/send"

    def __enter__(self) -> Gateway:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
