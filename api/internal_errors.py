"""Bugs answered without dropping the connection.

Starlette's outermost middleware answers an unexpected exception with the app's handler for
``Exception`` (a 500 problem) and then raises it again, for servers to log; uvicorn, seeing
an exception after the answer started, closes the connection — a client keeping it alive
for its next request gets a connection reset. This middleware sits inside it: it answers
with the same handler, logs the exception (the handler does) and ends the request there.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class InternalErrors:
    """Answer an exception of the app with its ``Exception`` handler and end the request:
    the server never sees it, and the connection stays open."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            handler = scope["app"].exception_handlers.get(Exception)
            if started or handler is None:  # half an answer sent: nothing to save
                raise
            response = await handler(Request(scope, receive), exc)
            await response(scope, receive, send)
