"""The client's address behind reverse proxies (issue 17's finding: "the sign-up limit
trusts X-Forwarded-For from any local client: forged addresses got five more accounts past
the limit"): the header counts only from ``MOBILITY_TRUSTED_PROXIES``, and then its
right-most untrusted address is the client. The real server processes' side is in
``test_api_shared_limits.py``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import ApiConfig, create_app
from api.proxies import TrustedProxies
from mobility.settings import Settings
from tests.conftest import UNLIMITED, booking_service


def test_the_right_most_untrusted_address_is_the_client() -> None:
    t = TrustedProxies(["127.0.0.1", "10.0.0.0/8", "::1"])
    # an untrusted peer: its header is ignored, whatever it says
    assert t.client("192.0.2.1", ["203.0.113.9"]) == "192.0.2.1"
    # a trusted proxy: the address it appended (the right-most), not what the client wrote
    assert t.client("127.0.0.1", ["203.0.113.9, 198.51.100.7"]) == "198.51.100.7"
    # a chain of trusted proxies is skipped; several headers are one list
    assert t.client("10.1.2.3", ["6.6.6.6, 198.51.100.7", "10.0.0.5"]) == "198.51.100.7"
    assert t.client("::1", ["[2001:db8::1]:4711"]) == "2001:db8::1"
    assert t.client("127.0.0.1", ["198.51.100.7:8080"]) == "198.51.100.7"
    # every hop trusted: the left-most; no header: the peer
    assert t.client("127.0.0.1", ["10.0.0.1, 10.0.0.2"]) == "10.0.0.1"
    assert t.client("127.0.0.1", []) == "127.0.0.1"
    # an IPv4 peer of a dual-stack socket
    assert t.trusts("::ffff:127.0.0.1")
    # garbage where the client should be: that is the client (it never becomes a proxy's)
    assert t.client("127.0.0.1", ["not-an-ip"]) == "not-an-ip"
    # no trusted proxies (the default): never
    assert TrustedProxies().client("127.0.0.1", ["203.0.113.9"]) == "127.0.0.1"


def test_the_setting_takes_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOBILITY_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")
    assert Settings().trusted_proxies == ["127.0.0.1", "10.0.0.0/8", "::1"]  # type: ignore[call-arg]
    monkeypatch.setenv("MOBILITY_TRUSTED_PROXIES", "")
    assert Settings().trusted_proxies == []  # type: ignore[call-arg]
    monkeypatch.setenv("MOBILITY_TRUSTED_PROXIES", "127.0.0.1,proxy.example.org")
    with pytest.raises(ValueError, match="proxy.example.org"):
        Settings()  # type: ignore[call-arg]


def test_uvicorn_never_rewrites_the_client_itself() -> None:
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 by default: the server turns that
    off, the app decides."""
    from fastapi import FastAPI

    from mobility.server import uvicorn_config

    cfg = uvicorn_config(FastAPI(), access_log=False)
    assert cfg.proxy_headers is False


@pytest.fixture()
def clients(addison, addison_planner, addison_travel, store) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    opened: list[TestClient] = []

    def build(trusted: tuple[str, ...] = (), peer: str = "127.0.0.1") -> TestClient:
        cfg = ApiConfig(**UNLIMITED, rate_signups=3, trusted_proxies=trusted)  # type: ignore[arg-type]
        svc = booking_service(addison, addison_travel, store, config=cfg)
        c = TestClient(create_app(addison_planner, svc, region_name=addison.name),
                       raise_server_exceptions=False, client=(peer, 40000))
        c.__enter__()
        opened.append(c)
        return c

    yield build
    for c in opened:
        c.__exit__(None, None, None)


def _sign_ups(c: TestClient, forwarded: list[str]) -> list[int]:
    return [c.post("/api/v1/accounts", json={"name": f"Bot {k}"},
                   headers={"X-Forwarded-For": f}).status_code
            for k, f in enumerate(forwarded)]


def test_forged_addresses_do_not_pass_the_sign_up_limit(clients: Any) -> None:
    """A local client (not a trusted proxy) forging a new address each time: counted as
    itself."""
    c = clients()
    assert _sign_ups(c, [f"203.0.113.{k}" for k in range(5)]) == [201] * 3 + [429] * 2


def test_a_trusted_proxys_addresses_count_apart(clients: Any) -> None:
    """Behind a trusted proxy each client counts by its own address — and what a client
    writes into the header before the proxy's entry changes nothing."""
    c = clients(trusted=("127.0.0.1",))
    assert _sign_ups(c, [f"198.51.100.{k}" for k in range(4)]) == [201] * 4
    forged = [f"203.0.113.{k}, 192.0.2.77" for k in range(4)]
    assert _sign_ups(c, forged) == [201] * 3 + [429]
    # another peer is no proxy: its header is ignored, it counts as itself
    other = clients(trusted=("127.0.0.1",), peer="192.0.2.200")
    assert _sign_ups(other, [f"198.51.100.{k}" for k in range(10, 14)]) == [201] * 3 + [429]
