"""What the API needs to know besides its planner, dispatcher and store (the service edge
fills it from its settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: the SMS gateway's default request body: ``{to}`` and ``{text}`` are replaced by the
#: rider's number and the message, JSON-escaped
SMS_BODY = '{"to": "{to}", "text": "{text}"}'


@dataclass(frozen=True)
class ApiConfig:
    """Service rules and limits of the HTTP API. A limit of 0 is no limit."""

    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024  #: larger request bodies get 413
    quote_ttl_s: int = 300  #: a quote can be booked this long
    horizon_days: int = 14  #: rides can be booked this far ahead
    past_grace_s: int = 300  #: "now" requests may lag the server clock this much
    open_signup: bool = True  #: riders may create their own account (``POST /accounts``)
    language: str = "en"  #: riders' messages when they chose none (the region's language)
    #: threads answering requests at once; the rest queue (CPU-bound work in more threads
    #: than cores only takes turns at Python's lock, and the tail latency grows)
    threads: int = 2
    #: finished rides lose their personal fields this many days after their service day
    #: (``api.service.privacy.apply_retention``, hourly); None: not on a schedule here
    retention_days: int | None = None
    # -- fair use (api.service.fair_use): riders booking for themselves -------------------
    max_bookings_per_day: int = 4  #: journeys a rider holds in a plan on one service day
    max_bookings: int = 20  #: journeys a rider holds in a plan in all
    refuse_overlapping: bool = True  #: a rider's rides may not share pickup time
    # -- rate limits (api.ratelimit): requests per key (or client address) and window ------
    rate_window_s: int = 60
    rate_quotes: int = 60
    rate_bookings: int = 20
    rate_plans: int = 120  #: per key, or per client address without one
    rate_signups: int = 10  #: per client address and hour
    rate_signins: int = 20  #: sign-in code attempts per client address and hour
    #: addresses and networks of reverse proxies whose ``X-Forwarded-For`` is honoured
    trusted_proxies: tuple[str, ...] = ()
    # -- housekeeping (api.service.housekeeping): what is kept how long -------------------
    keep_quotes_days: float = 1  #: expired quotes never booked, after their expiry
    keep_idempotency_days: float = 7  #: bookings' Idempotency-Keys (retries come in minutes)
    keep_positions_days: float = 30  #: drivers' position reports
    keep_events_days: float = 90  #: drivers' other reports (arrived, picked up, …)
    purge_interval_s: int = 3600  #: how often a server purges (0: only ``mobility purge``)
    # -- running late (api.service.lateness) --------------------------------------------
    #: a pickup estimated later than its promised window's end by more than this is late
    late_tolerance_s: float = 120
    #: how often a server looks for rides running late (0: only after drivers' reports)
    late_interval_s: float = 30
    # -- re-planning (api.service.replanning) ----------------------------------------------
    #: how often a server re-plans every area's plans of today (0: only on request)
    replan_interval_s: float = 3600
    #: a background re-plan's search stops after this many solutions
    replan_solutions: int = 50
    # -- standing orders (api.service.standing) ------------------------------------------
    #: how often a server books standing orders' dates entering the horizon (0: never)
    standing_interval_s: int = 300
    # -- notifications (api.service.notify): the outbox's worker and its channels ---------
    notify_interval_s: float = 5.0  #: how often a server's worker looks (0: no worker)
    notify_max_attempts: int = 6  #: sending attempts before a message is given up
    reminder_minutes: int = 30  #: riders are reminded this long before their pickup window
    keep_notifications_days: float = 90  #: messages are deleted this long after queued
    smtp_host: str | None = None  #: None: no e-mail is sent (e-mails are dropped)
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None  #: the sender's address
    smtp_starttls: bool = True
    sms_url: str | None = None  #: the SMS gateway (POST); None: no SMS is sent
    sms_body: str = SMS_BODY
    #: extra request headers for the gateway (e.g. its ``Authorization``)
    sms_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # -- observability (api.metrics, api.routes.metrics) ----------------------------------
    metrics: bool = True  #: ``GET /metrics`` answers (else 404)
    #: a scraper shows it as a bearer token; None: only this machine's clients may read
    metrics_token: str | None = field(default=None, repr=False)
