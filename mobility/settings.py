"""The one settings object of the service edge (``MOBILITY_*`` environment variables).

Library code takes explicit arguments; only the CLI and the API read these settings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO = Path(__file__).resolve().parent.parent


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
    sim_dir: Path = Field(default_factory=lambda: default_home() / "simulations",
                          description="where simulations started from the API "
                                             "keep their reports")
    replay_feed: bool = Field(False, description="plan dates after an expired feed with its "
                                                 "timetable of the same weekday")
    retention_days: int = Field(90, ge=1, le=3650, description="rides lose their personal "
                                "fields (rider, exact addresses) this many days after their "
                                "service day")
    clock_start: dt.datetime | None = Field(
        None, description="start the service's clock at this moment (ISO 8601 with offset) "
                          "instead of the machine's time; it then runs at the real pace (for "
                          "tests, demonstrations and training on a fixed day)")

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
