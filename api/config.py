"""What the API needs to know besides its planner, dispatcher and store (the service edge
fills it from its settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiConfig:
    """Service rules and limits of the HTTP API."""

    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024  #: larger request bodies get 413
    quote_ttl_s: int = 300  #: a quote can be booked this long
    horizon_days: int = 14  #: rides can be booked this far ahead
    past_grace_s: int = 300  #: "now" requests may lag the server clock this much
    open_signup: bool = True  #: riders may create their own account (``POST /accounts``)
    #: threads answering requests at once; the rest queue (CPU-bound work in more threads
    #: than cores only takes turns at Python's lock, and the tail latency grows)
    threads: int = 2
    #: finished rides lose their personal fields this many days after their service day
    #: (``api.service.privacy.apply_retention``, hourly); None: not on a schedule here
    retention_days: int | None = None
