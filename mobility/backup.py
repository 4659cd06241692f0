"""Backups of the store and restoring them: SQLite through its online backup API (one
consistent snapshot while servers keep writing), PostgreSQL through its own tools
(``pg_dump -Fc`` of the store's schema; ``pg_restore`` turns the archive into SQL that
``psql`` applies in one transaction). A restored store is migrated to the newest schema."""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from api.store.db import MIGRATIONS, Store
from routing.errors import MobilityError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
#: how long the PostgreSQL tools may take (a district's store dumps in seconds)
TOOL_TIMEOUT_S = 3600


class BackupError(MobilityError):
    """A backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds: its file, kind, schema revision and number of bookings."""

    path: Path
    kind: str  #: sqlite or postgresql
    revision: str
    bookings: int


@dataclass(frozen=True)
class RestoreInfo:
    """A restore: the backup's revision, the store's after migrating, its bookings, and
    where the replaced store was kept (an SQLite file; None when there was none)."""

    revision: str
    migrated_to: str
    bookings: int
    kept: Path | None


def _known_revisions() -> dict[str, int]:
    """The migrations this version of mobility knows, oldest first (name → position)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    revs = [r.revision for r in script.walk_revisions()]  # newest first
    return {rev: i for i, rev in enumerate(reversed(revs))}


def _check_revision(revision: str | None, what: str, kind: str = "backup") -> str:
    """``revision`` if this mobility knows it; ``what`` names the file or store, ``kind``
    what it should be (a backup, a store)."""
    if revision is None:
        raise BackupError(f"{what} is not a mobility {kind} (it has no schema version)")
    if revision not in _known_revisions():
        then = "restore" if kind == "backup" else "back it up"
        raise BackupError(f"{what} is from a newer version of mobility (schema {revision!r}, "
                          f"unknown here): upgrade mobility, then {then}")
    return revision


def _url(db_url: str) -> URL:
    try:
        return make_url(db_url)
    except ArgumentError as exc:
        raise BackupError(f"MOBILITY_DB_URL is not a database URL: {exc}") from None


def _where(url: URL) -> str:
    """The store's address without its password, for messages."""
    return url.render_as_string(hide_password=True)


def _stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")


def default_name(db_url: str, now: dt.datetime | None = None) -> Path:
    """``mobility-YYYYmmddTHHMMSSZ.db`` (SQLite) or ``.dump`` (PostgreSQL), here."""
    kind = "db" if _url(db_url).get_backend_name() == "sqlite" else "dump"
    return Path(f"mobility-{_stamp(now)}.{kind}")


def backup(db_url: str, out: Path, pg_bin: Path | None = None) -> BackupInfo:
    """Write a consistent backup of the store at ``db_url`` to ``out`` (replaced
    atomically: a backup file is always whole); ``pg_bin``: where the PostgreSQL tools
    are (default: on PATH)."""
    url = _url(db_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_backup(_sqlite_path(url), out)
    if backend == "postgresql":
        return _pg_backup(url, out, pg_bin)
    raise BackupError(f"cannot back up a {backend} store (SQLite and PostgreSQL only)")


def restore(db_url: str, file: Path, now: dt.datetime | None = None,
            pg_bin: Path | None = None) -> RestoreInfo:
    """Replace the store at ``db_url`` with the backup ``file`` and migrate it to the
    newest schema. Nothing changes unless all of it succeeds; ``now`` names the SQLite
    store kept aside (default: the wall clock), ``pg_bin`` as for :func:`backup`."""
    url = _url(db_url)
    kind = backup_kind(file)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot restore into a {backend} store (SQLite and PostgreSQL only)")
    if kind != backend:
        raise BackupError(f"{file} is a {kind} backup but the store is {backend}: restore "
                          f"it into a {kind} store (MOBILITY_DB_URL)")
    if backend == "sqlite":
        return _sqlite_restore(_sqlite_path(url), file, now)
    return _pg_restore(url, file, pg_bin)


def backup_kind(file: Path) -> str:
    """``sqlite`` or ``postgresql`` from the file's first bytes."""
    try:
        with file.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"no backup file {file}") from None
    except IsADirectoryError:
        raise BackupError(f"{file} is a folder, not a backup file") from None
    except OSError as exc:
        raise BackupError(f"cannot read {file}: {exc.strerror or exc}") from None
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{file} is not a mobility backup (neither an SQLite database nor a "
                      "pg_dump archive)")


# -- SQLite ------------------------------------------------------------------------------
def _sqlite_path(url: URL) -> Path:
    path = url.database or ""
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError(f"the store {_where(url)} is not an SQLite file")
    return Path(path)


def _revision_and_bookings(conn: sqlite3.Connection, what: str, kind: str = "backup"
                           ) -> tuple[str, int]:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        row = None
    revision = _check_revision(row[0] if row else None, what, kind)
    try:
        n = int(conn.execute("SELECT count(*) FROM bookings").fetchone()[0])
    except sqlite3.DatabaseError:
        raise BackupError(f"{what} is not a mobility {kind} (it has no bookings)") from None
    return revision, n


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sqlite_backup(path: Path, out: Path) -> BackupInfo:
    if not path.is_file():
        raise BackupError(f"no store at {path} (MOBILITY_DB_URL)")
    if out.resolve() == path.resolve():
        raise BackupError("--out is the store itself: choose another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)[1])
    try:
        # mode=rw: never create a store that is not there
        src = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=60)
        try:
            _revision_and_bookings(src, f"the store {path}", "store")
            dst = sqlite3.connect(tmp)
            try:
                # one step (pages=-1): the copy is one read transaction, a WAL snapshot that
                # writers do not wait for and that none of their commits changes
                src.backup(dst)
                # a file on its own: no -wal beside it is needed to read it
                dst.execute("PRAGMA journal_mode=DELETE")
                revision, n = _revision_and_bookings(dst, "the backup")
            finally:
                dst.close()
        finally:
            src.close()
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
        _fsync_dir(out.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {path}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return BackupInfo(out, "sqlite", revision, n)


def _sqlite_restore(path: Path, file: Path, now: dt.datetime | None) -> RestoreInfo:
    if file.resolve() == path.resolve():
        raise BackupError(f"{file} is the store itself")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkstemp(prefix=f".{path.name}.restore.", dir=path.parent)[1])
    try:
        shutil.copyfile(file, tmp)  # the backup itself stays as it is
        conn = sqlite3.connect(tmp)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise BackupError(f"{file} is damaged: {ok}")
            revision, _ = _revision_and_bookings(conn, str(file))
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{file} is not a usable SQLite backup: {exc}") from None
        finally:
            conn.close()
        migrated, n = _migrate(f"sqlite:///{tmp}")
        conn = sqlite3.connect(tmp)
        try:  # no -wal of the migration's left beside the file that is renamed
            conn.execute("PRAGMA journal_mode=DELETE")
        finally:
            conn.close()
        kept = _sqlite_set_aside(path, now)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        for left in (tmp, *(tmp.with_name(tmp.name + end)
                            for end in ("-wal", "-shm", "-journal"))):
            left.unlink(missing_ok=True)
    return RestoreInfo(revision, migrated, n, kept)


def _sqlite_set_aside(path: Path, now: dt.datetime | None) -> Path | None:
    """Keep the store that is about to be replaced (a hard link: the store's own path is
    replaced in one rename, never missing) — refused while another connection has it open,
    as a running server does."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=0)
        try:
            # leaving WAL mode needs the only connection: checkpoints the -wal into the file
            conn.execute("PRAGMA journal_mode=DELETE")
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(f"the store {path} is in use (a running server?): stop it, "
                              "then restore") from None
        raise BackupError(f"cannot use the store {path}: {exc}") from None
    except sqlite3.DatabaseError:
        pass  # not a database (damaged?): kept aside as it is
    kept = path.with_name(f"{path.name}.before-restore-{_stamp(now)}")
    try:
        os.link(path, kept)
    except OSError:
        shutil.copy2(path, kept)
    return kept


def _migrate(db_url: str) -> tuple[str, int]:
    """Bring a restored store to the newest schema; its revision and bookings then."""
    store = Store(db_url)
    try:
        store.migrate()
        with store.engine.connect() as conn:
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            n = conn.execute(text("SELECT count(*) FROM bookings")).scalar_one()
        return str(rev), int(n)
    except SQLAlchemyError as exc:
        raise BackupError(f"the restored store cannot be migrated: "
                          f"{str(exc).splitlines()[0]}") from None
    finally:
        store.engine.dispose()


# -- PostgreSQL ----------------------------------------------------------------------------
def pg_tool(name: str, folder: Path | None = None) -> str:
    """The path of a PostgreSQL client tool: in ``folder`` if given, else on PATH, else in
    Debian's newest server folder."""
    places = ([str(folder / name)] if folder is not None else
              [shutil.which(name), *sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                           reverse=True)])
    for found in places:
        if found and os.path.isfile(found) and os.access(found, os.X_OK):
            return found
    where = f" in {folder} (MOBILITY_PG_BIN)" if folder is not None else ""
    raise BackupError(f"{name} is not installed{where}: install the PostgreSQL client tools "
                      "of the server's version or newer (Debian: apt-get install "
                      "postgresql-client)")


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL for libpq tools (no driver name) and an environment holding the password
    (not on the command line, where other users could read it)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    try:
        out = subprocess.run(args, env=env, capture_output=True, text=True,
                             timeout=TOOL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what}: {Path(args[0]).name} took over {TOOL_TIMEOUT_S} s") from None
    if out.returncode != 0:
        msg = " ".join(line for line in out.stderr.strip().splitlines()[-3:])
        raise BackupError(f"{what}: {Path(args[0]).name} failed: {msg}")
    return out.stdout


def _pg_schema(url: URL) -> tuple[str, bool]:
    """The store's schema (its search path's first) and whether it exists."""
    store = Store(url.render_as_string(hide_password=False))
    try:
        with store.engine.connect() as conn:
            schema = conn.execute(text("SELECT (current_schemas(false))[1]")).scalar()
            if schema is None:  # the search path names no existing schema
                path = conn.execute(text("SHOW search_path")).scalar()
                return str(path).split(",")[0].strip().strip('"'), False
            return str(schema), True
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot reach the store {_where(url)}: "
                          f"{str(exc).splitlines()[0]}") from None
    finally:
        store.engine.dispose()


def _copy_rows(script: str, schema: str, table: str) -> list[str] | None:
    """The data lines of one table's ``COPY`` in a pg_restore script (None: no such table)."""
    name = re.escape(f"{_ident(schema)}.{_ident(table)}")
    m = re.search(rf"^COPY {name} \([^\n]*\) FROM stdin;\n(.*?)^\\\.$", script,
                  flags=re.M | re.S)
    if m is None:
        return None
    return m.group(1).splitlines()


def _ident(name: str) -> str:
    """A name as pg_dump writes it (quoted unless a plain lower-case identifier)."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _archive_schema(listing: str) -> str | None:
    """The schema a ``pg_restore -l`` listing's tables are in."""
    m = re.search(r"^\d+; \d+ \d+ TABLE (\S+) alembic_version(?:\s|$)", listing, flags=re.M)
    return m.group(1) if m else None


def _pg_backup(url: URL, out: Path, pg_bin: Path | None) -> BackupInfo:
    schema, exists = _pg_schema(url)
    if not exists:
        raise BackupError(f"the store {_where(url)} has no schema {schema!r}: nothing to back up")
    dump, restore_tool = pg_tool("pg_dump", pg_bin), pg_tool("pg_restore", pg_bin)
    conn_url, env = _libpq(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)[1])
    try:
        # pg_dump reads in one REPEATABLE READ transaction: one consistent state
        _run([dump, "--format=custom", f"--schema={_ident(schema)}", "--no-owner",
              "--no-privileges", f"--file={tmp}", f"--dbname={conn_url}"], env,
             f"cannot back up {_where(url)}")
        script = _run([restore_tool, "--file=-", str(tmp)], env, "the backup is unreadable")
        rev = _copy_rows(script, schema, "alembic_version")
        revision = _check_revision(rev[0] if rev else None, f"the store {_where(url)}",
                                   "store")
        bookings = _copy_rows(script, schema, "bookings") or []
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
        _fsync_dir(out.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupInfo(out, "postgresql", revision, len(bookings))


def _pg_restore(url: URL, file: Path, pg_bin: Path | None) -> RestoreInfo:
    target, _ = _pg_schema(url)  # reachable? and where the store lives
    restore_tool, psql = pg_tool("pg_restore", pg_bin), pg_tool("psql", pg_bin)
    conn_url, env = _libpq(url)
    listing = _run([restore_tool, "--list", str(file)], env, f"{file} is unreadable")
    source = _archive_schema(listing)
    if source is None:
        raise BackupError(f"{file} is not a mobility backup (no alembic_version table)")
    with tempfile.TemporaryDirectory(prefix="mobility-restore-") as work:
        # everything but the schema itself, which is made below under the backup's name
        keep = [line for line in listing.splitlines()
                if not re.match(rf"^\d+; \d+ \d+ SCHEMA - {re.escape(source)}(?:\s|$)", line)]
        (Path(work) / "list").write_text("\n".join(keep) + "\n", encoding="utf-8")
        sql = Path(work) / "restore.sql"
        _run([restore_tool, "--no-owner", "--no-privileges", f"--use-list={Path(work) / 'list'}",
              f"--file={sql}", str(file)], env, f"{file} is unreadable")
        script = sql.read_text(encoding="utf-8")
        rev = _copy_rows(script, source, "alembic_version")
        _check_revision(rev[0] if rev else None, str(file))
        src, dst = _quote(source), _quote(target)
        before = f"DROP SCHEMA IF EXISTS {dst} CASCADE; CREATE SCHEMA {src};"
        after = f"ALTER SCHEMA {src} RENAME TO {dst};" if source != target else "SELECT 1;"
        if source != target and _schema_exists(url, source):
            raise BackupError(
                f"{file} holds schema {source!r}, which exists in this database beside the "
                f"store's {target!r}: restore into another database, or into a store whose "
                f"search_path is {source!r}")
        # one transaction: the old store stays whole unless all of the backup is in
        _run([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
              f"--command={before}", f"--file={sql}", f"--command={after}",
              f"--dbname={conn_url}"], env, f"cannot restore into {_where(url)}")
    migrated, n = _migrate(url.render_as_string(hide_password=False))
    return RestoreInfo(rev[0] if rev else "", migrated, n, None)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema_exists(url: URL, name: str) -> bool:
    store = Store(url.render_as_string(hide_password=False))
    try:
        with store.engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :n"),
                                     {"n": name}).scalar())
    finally:
        store.engine.dispose()

