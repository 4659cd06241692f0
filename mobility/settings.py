"""The one settings object of the service edge (``MOBILITY_*`` environment variables).

Library code takes explicit arguments; only the CLI and the API read these settings.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_REPO = Path(__file__).resolve().parent.parent
#: the SMS gateway's default body (as ``api.config.SMS_BODY``: the CLI imports no API)
SMS_BODY = '{"to": "{to}", "text": "{text}"}'


def default_data_dir() -> Path:
    """``../shared/data/regions`` beside the project checkout (or beside the working dir)."""
    for base in (_REPO, Path.cwd()):
        candidate = (base / ".." / "shared" / "data" / "regions").resolve()
        if candidate.is_dir():
            return candidate
    return (_REPO / ".." / "shared" / "data" / "regions").resolve()


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "mobility"


def default_home() -> Path:
    """Where the service keeps its data: the SQLite store, simulation reports."""
    return Path.home() / ".local" / "share" / "mobility"


def default_db_url() -> str:
    return f"sqlite:///{default_home() / 'mobility.db'}"


class Settings(BaseSettings):
    """Settings read from the environment (prefix ``MOBILITY_``)."""

    model_config = SettingsConfigDict(env_prefix="MOBILITY_", extra="ignore")

    data: Path = Field(default_factory=default_data_dir,
                       description="folder holding one sub-folder per region")
    cache: Path = Field(default_factory=default_cache_dir,
                        description="where compiled regions are cached")
    region: str = Field("addison-vt", description="the default region")
    workers: int = Field(2, ge=1, le=64, description="processes used to compile streets")
    db_url: str = Field(default_factory=default_db_url,
                        description="the store: sqlite:///FILE or postgresql://…")
    pg_bin: Path | None = Field(None, description="the folder of the PostgreSQL client "
                                "tools `mobility backup`/`restore` run (pg_dump, "
                                "pg_restore, psql; default: on PATH)")
    cors_origins: list[str] = Field(default_factory=list,
                                    description="origins allowed to call the API from a "
                                                "browser (JSON list)")
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    quote_ttl_s: int = Field(300, ge=10, le=86400)
    horizon_days: int = Field(14, ge=1, le=365)
    threads: int = Field(2, ge=1, le=256, description="requests an API process answers at "
                                                       "once (the rest queue)")
    tile_url: str | None = Field(None, description="a raster tile URL template "
                                 "({z}/{x}/{y}) drawn under the region's own streets; "
                                 "none needed offline")
    language: str | None = Field(None, pattern="^(de|en)$", description="the web app's "
                                 "default language (default: German for German regions)")
    open_signup: bool = Field(True, description="riders may create their own account in "
                                                "the web app")
    currency: str | None = Field(None, pattern="^[A-Z]{3}$", description="the currency of "
                                 "simulations' costs, an ISO 4217 code (default: the "
                                 "region's `currency`, else its country's: EUR, USD for the "
                                 "US …)")
    sim_dir: Path = Field(default_factory=lambda: default_home() / "simulations",
                          description="where simulations started from the API "
                                             "keep their reports")
    access_dir: Path | None = Field(None, description="where accessibility analyses "
                                    "started from the API keep their files (default: "
                                    "`access` beside `sim_dir`)")
    replay_feed: bool = Field(False, description="plan dates after an expired feed with its "
                                                 "timetable of the same weekday")
    retention_days: int = Field(90, ge=1, le=3650, description="rides lose their personal "
                                "fields (rider, exact addresses) this many days after their "
                                "service day")
    clock_start: dt.datetime | None = Field(
        None, description="start the service's clock at this moment (ISO 8601 with offset) "
                          "instead of the machine's time; it then runs at the real pace (for "
                          "tests, demonstrations and training on a fixed day)")
    clock_speed: float = Field(1.0, gt=0, le=1000, description="how many times faster than "
                               "real time the clock started at `clock_start` runs (a service "
                               "day's digital twin: 10)")
    clock_epoch: float | None = Field(None, ge=0, description="the machine's moment (Unix "
                                      "seconds) at which the clock shows `clock_start` "
                                      "(default: when the process starts); API processes "
                                      "sharing a store share it, so that their clocks agree")
    clock_epoch_file: Path | None = Field(None, description="with `clock_start` and no "
                                          "`clock_epoch`: the clock stands at `clock_start` "
                                          "until this file holds the epoch (Unix seconds); "
                                          "whoever starts several API processes writes it "
                                          "once they all answer")

    # -- fair use, rate limits, proxies (api.service.fair_use, api.ratelimit, api.proxies) --
    max_bookings_per_day: int = Field(4, ge=0, le=1000, description="journeys a rider may "
                                      "hold on one service day (0: no cap; staff are exempt)")
    max_bookings: int = Field(20, ge=0, le=10_000, description="journeys a rider may hold "
                              "in all (0: no cap)")
    refuse_overlapping: bool = Field(True, description="refuse a rider's booking whose "
                                     "pickup window overlaps another of theirs")
    rate_window_s: int = Field(60, ge=1, le=86_400, description="the rate limits' window")
    rate_quotes: int = Field(60, ge=0, description="quotes per key and window (0: none)")
    rate_bookings: int = Field(20, ge=0, description="bookings per key and window")
    rate_plans: int = Field(120, ge=0, description="journey plans per key, or per client "
                            "address without one, and window")
    rate_signups: int = Field(10, ge=0, description="sign-ups per client address and hour")
    rate_signins: int = Field(20, ge=0, description="attempts to sign in with a code per "
                              "client address and hour")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="reverse proxies (addresses or networks, comma-"
        "separated) whose X-Forwarded-For is honoured; default none")
    # -- housekeeping (api.service.housekeeping) ---------------------------------------------
    keep_quotes_days: float = Field(1, ge=0, le=3650, description="expired quotes never "
                                    "booked are deleted this long after their expiry")
    keep_idempotency_days: float = Field(7, ge=0, le=3650, description="bookings' "
                                         "Idempotency-Keys are forgotten after this")
    keep_positions_days: float = Field(30, ge=0, le=3650, description="drivers' position "
                                       "reports are deleted after this")
    keep_events_days: float = Field(90, ge=0, le=3650, description="drivers' other reports "
                                    "are deleted after this")
    purge_interval_s: int = Field(3600, ge=0, le=7 * 86_400, description="how often a "
                                  "server purges the store (0: only `mobility purge`)")
    # -- notifications (api.service.notify) ---------------------------------------------------
    smtp_host: str | None = Field(None, description="the SMTP server e-mails to riders go "
                                  "through (none: no e-mail is sent)")
    smtp_port: int = Field(587, ge=1, le=65535, description="its port (465: TLS from the "
                           "start; else plain, with STARTTLS unless switched off)")
    smtp_user: str | None = Field(None, description="user name to log in (none: no login)")
    smtp_password: SecretStr | None = Field(None, description="password to log in")
    smtp_from: str | None = Field(None, max_length=254, description="the sender's address "
                                  "(needed with `smtp_host`)")
    smtp_starttls: bool = Field(True, description="switch to TLS with STARTTLS before "
                                "logging in and sending")
    sms_url: str | None = Field(None, description="the SMS gateway's URL: each text message "
                                "is one POST to it (none: no SMS is sent)")
    sms_body: str = Field(SMS_BODY, min_length=1, max_length=4000, description="the POST's "
                          "body: `{to}` and `{text}` are replaced by the number and the "
                          "message, JSON-escaped")
    sms_headers: dict[str, str] = Field(default_factory=dict, repr=False,
                                        description="extra headers of "
                                        "the POST as a JSON object, e.g. "
                                        '{"Authorization": "Bearer …"}')
    reminder_minutes: int = Field(30, ge=0, le=24 * 60, description="riders are reminded "
                                  "this many minutes before their pickup window (0: never)")
    notify_interval_s: float = Field(5.0, ge=0, le=3600, description="how often a server "
                                     "sends what the outbox holds (0: never)")
    notify_max_attempts: int = Field(6, ge=1, le=50, description="attempts to send a "
                                     "message before it is given up")
    keep_notifications_days: float = Field(90, ge=0, le=3650, description="messages to "
                                           "riders are deleted this long after they were "
                                           "queued")

    # -- running late (api.service.lateness) ------------------------------------------------
    late_tolerance_s: float = Field(120, ge=0, le=3600, description="a pickup estimated "
                                    "later than its promised window's end by more than this "
                                    "many seconds is late: the ride is moved to another "
                                    "vehicle, or the rider told the new estimate")
    late_interval_s: float = Field(30, ge=0, le=3600, description="how often (seconds of "
                                   "the service's clock) a server looks for rides running "
                                   "late besides after each driver's report (0: only then)")
    # -- re-planning (api.service.replanning) -------------------------------------------------
    replan_interval_s: float = Field(3600, ge=0, le=86_400, description="how often (seconds "
                                     "of the service's clock) a server re-plans every area's "
                                     "plans of today with the optimiser (0: only on request)")
    replan_solutions: int = Field(50, ge=1, le=100_000, description="a background re-plan's "
                                  "search stops after this many solutions")
    # -- standing orders (api.service.standing) ---------------------------------------------
    standing_interval_s: int = Field(300, ge=0, le=86_400, description="how often a server "
                                     "books the standing orders' dates that enter the "
                                     "booking horizon (0: never)")
    holidays: str | None = Field(None, pattern=r"^([A-Za-z]{2}(-[A-Za-z0-9]{1,3})?|none)$",
                                 description="the public holidays standing orders skip: a "
                                 "country with an optional subdivision (US-VT, DE-BW) or none; "
                                 "default: the region's `holidays`, else its country's")
    # -- observability (api.metrics, mobility.json_log) -------------------------------------
    metrics: bool = Field(True, description="`GET /metrics` answers with the server's metrics "
                          "for Prometheus (false: 404)")
    metrics_token: SecretStr | None = Field(None, min_length=16, description="a bearer token "
                                            "a scraper shows to read `/metrics`; without one "
                                            "only clients on this machine may read them")
    log_format: Literal["text", "json"] = Field("text", description="the server's log lines: "
                                                "text, or json (one JSON object per line)")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [x.strip() for x in v.split(",") if x.strip()]
        for x in v if isinstance(v, list) else ():
            try:
                ipaddress.ip_network(str(x).strip(), strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies: {x!r} is not an IP address or network "
                                 "(e.g. 127.0.0.1,10.0.0.0/8)") from None
        return v

    @field_validator("sms_url")
    @classmethod
    def _sms_url(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError(f"sms_url must be an http(s) URL, not {v!r}")
        return v

    @field_validator("sms_body")
    @classmethod
    def _sms_body(cls, v: str) -> str:
        if "{text}" not in v or "{to}" not in v:
            raise ValueError("sms_body must hold {to} and {text} (where the number and the "
                             "message go)")
        return v

    @model_validator(mode="after")
    def _sender(self) -> Settings:
        if self.smtp_host and not self.smtp_from:
            raise ValueError("smtp_from (MOBILITY_SMTP_FROM) is needed with smtp_host: the "
                             "address e-mails to riders come from")
        return self

    @field_validator("db_url")
    @classmethod
    def _known_db(cls, v: str) -> str:
        if not v.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("db_url must start with sqlite:/// or postgresql://")
        return v

    @field_validator("tile_url")
    @classmethod
    def _tile_template(cls, v: str | None) -> str | None:
        if v is not None and (not v.startswith(("http://", "https://"))
                              or not all(k in v for k in ("{z}", "{x}", "{y}"))):
            raise ValueError("tile_url must be an http(s) URL template with {z}, {x} and {y}, "
                             f"not {v!r}")
        return v

    @field_validator("clock_start")
    @classmethod
    def _aware(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("clock_start needs a UTC offset, e.g. 2026-11-24T06:00-05:00")
        return v

    @field_validator("region")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        if not v or "/" in v and not Path(v).is_dir():
            raise ValueError(f"region must be a name or an existing folder, not {v!r}")
        return v
