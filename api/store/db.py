"""The store: an SQLAlchemy engine over SQLite (default) or PostgreSQL, its migrations, and
the per-day lock under which plans change."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.store.models import PlanVersion

MIGRATIONS = Path(__file__).parent / "migrations"


#: this process's day locks: a fixed set, shared by hash (bounded however long it runs)
_DAY_LOCKS = 64


class Store:
    """Sessions on one database. On SQLite every writing transaction begins ``IMMEDIATE``
    (one writer at a time across processes, full fsync on commit) and readers use WAL
    snapshots, which never wait for a writer; on PostgreSQL plan changes lock their day's
    :class:`PlanVersion` row and readers see one REPEATABLE READ snapshot."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # readers: a deferred BEGIN on SQLite (see _engine), read-only on PostgreSQL
        self.readers = sessionmaker(self.engine.execution_options(mobility_read=True),
                                    expire_on_commit=False)
        self._day_locks = [threading.Lock() for _ in range(_DAY_LOCKS)]
        # rate-limit counts: SQLite connections that commit without fsync (see counting)
        self._counts = (sessionmaker(_engine(url, synchronous="NORMAL", pool_size=2))
                        if self.is_sqlite else None)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def migrate(self) -> None:
        """Bring the schema to the newest migration (Alembic), under a lock on PostgreSQL
        so that processes starting together migrate once."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(7102026)"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def hold_startup_lock(self, s: Session) -> None:
        """Serialise ``s``'s transaction with the other processes' start-up writes (the
        migration's lock, held until it ends), so that processes starting together do not
        both insert what neither found. SQLite's writing transactions are one at a time
        already."""
        if not self.is_sqlite:
            s.execute(text("SELECT pg_advisory_xact_lock(7102026)"))

    def is_current(self) -> bool:
        """Whether the database holds the newest schema (read-only: nothing is created)."""
        from alembic.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        try:
            with self.engine.connect() as conn:
                return bool(MigrationContext.configure(conn).get_current_revision() == head)
        except SQLAlchemyError:
            return False

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits when the block ends without error."""
        with self.sessions() as s, s.begin():
            yield s

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only transaction that sees one consistent state of the database and never
        waits for a writer (a WAL snapshot on SQLite, REPEATABLE READ READ ONLY on
        PostgreSQL)."""
        with self.readers() as s, s.begin():
            if not self.is_sqlite:
                s.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                "postgresql_readonly": True})
            yield s

    @contextmanager
    def counting(self) -> Iterator[Session]:
        """A short writing transaction for counters that need not survive a crash (rate
        limits): committed without waiting for the disk — on SQLite over connections with
        ``synchronous=NORMAL`` (a WAL commit without fsync), on PostgreSQL with
        ``synchronous_commit`` off."""
        if self._counts is not None:
            with self._counts() as s, s.begin():
                yield s
            return
        with self.session() as s:
            s.execute(text("SET LOCAL synchronous_commit TO OFF"))
            yield s

    def thread_lock(self, area: str, date: dt.date) -> threading.Lock:
        """This process's lock of one service area's day (days may share one: it only keeps
        this process's threads from queueing at the database one connection each)."""
        return self._day_locks[hash((area, date)) % _DAY_LOCKS]

    def lock_day(self, s: Session, area: str, date: dt.date) -> int:
        ins: Any = sqlite_insert if self.is_sqlite else pg_insert
        s.execute(ins(PlanVersion).values(area=area, service_date=date, version=0)
                  .on_conflict_do_nothing())
        row = s.execute(select(PlanVersion.version).where(
            PlanVersion.area == area, PlanVersion.service_date == date).with_for_update()
        ).scalar_one()
        return int(row)


def _engine(url: str, synchronous: str = "FULL", pool_size: int = 8) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):  # file: URIs as is
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: SQL errors (logged) must not carry riders' names or phones
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60},
                               pool_size=pool_size, max_overflow=8, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # writers take the write lock at once (no deadlock upgrading a read lock);
            # readers start a WAL snapshot that no writer blocks
            read = conn.get_execution_options().get("mobility_read", False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                         hide_parameters=True)
