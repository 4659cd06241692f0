"""The client's address behind reverse proxies: ``X-Forwarded-For`` is honoured only when the
direct peer is a trusted proxy (``MOBILITY_TRUSTED_PROXIES``), and then the right-most
address in the chain that is not itself a trusted proxy is the client — anything to its
left was written by the client and may be forged. Without trusted proxies the header is
ignored. The rate limits and the access log see the address found here."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(specs: Iterable[str]) -> tuple[Network, ...]:
    """Parse addresses and networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``).

    Raises
    ------
    ValueError
        For an entry that is neither.
    """
    out = []
    for spec in specs:
        spec = spec.strip()
        if spec:
            try:
                out.append(ipaddress.ip_network(spec, strict=False))
            except ValueError:
                raise ValueError(f"{spec!r} is not an IP address or network") from None
    return tuple(out)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it: bare, ``v4:port`` or ``[v6]:port``."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    with contextlib.suppress(ValueError):
        addr = ipaddress.ip_address(text)
        # an IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d
        return getattr(addr, "ipv4_mapped", None) or addr
    return None


class TrustedProxies:
    """Which peers may say who the client is."""

    def __init__(self, specs: Iterable[str] = ()) -> None:
        self.nets = networks(specs)

    def __bool__(self) -> bool:
        return bool(self.nets)

    def trusts(self, host: str) -> bool:
        addr = _address(host)
        return addr is not None and any(addr in n for n in self.nets)

    def client(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client's address: ``peer`` unless it is a trusted proxy; then the right-most
        entry of the ``X-Forwarded-For`` chain (headers in order) that is not a trusted
        proxy (a malformed entry ends the search there: it is the client as far as we can
        tell), or the left-most if every one is."""
        if not self.nets or not self.trusts(peer):
            return peer
        chain = [h.strip() for v in forwarded_for for h in v.split(",") if h.strip()]
        for hop in reversed(chain):
            addr = _address(hop)
            if addr is None:
                return hop[:64]
            if not any(addr in n for n in self.nets):
                return str(addr)
        return str(_address(chain[0])) if chain else peer


class ForwardedFor:
    """ASGI middleware: ``scope["client"]`` (and the scheme, from ``X-Forwarded-Proto``)
    rewritten from a trusted proxy's headers, before anything reads them (the access log
    included: it reads the same scope)."""

    def __init__(self, app: ASGIApp, trusted: TrustedProxies) -> None:
        self.app, self.trusted = app, trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted:
            peer = (scope.get("client") or ("", 0))[0]
            if self.trusted.trusts(peer):
                headers = scope.get("headers") or []
                hops = [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"]
                if hops:
                    scope["client"] = (self.trusted.client(peer, hops), 0)
                proto = [v.decode("latin-1").strip() for k, v in headers
                         if k == b"x-forwarded-proto"]
                if proto and proto[-1] in ("http", "https"):
                    scope["scheme"] = proto[-1]
        await self.app(scope, receive, send)
