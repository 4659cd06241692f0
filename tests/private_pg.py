"""A private PostgreSQL server for fault tests: ``initdb`` into a temporary folder with the
installed server binaries, its own port and socket folder, so that stopping and restarting it
disturbs nothing else. Run as the ``postgres`` user when the tests run as root (``initdb``
refuses root)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.server_process import free_port


def _binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (the newest installed version)."""
    for found in (shutil.which("initdb"), "/usr/local/bin/initdb",
                  *sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)):
        if found and Path(found).is_file():
            folder = Path(found).resolve().parent
            if (folder / "pg_ctl").is_file():
                return folder
    return None


def unavailable() -> str | None:
    """Why no private server can run here (None: it can)."""
    if _binaries() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) are installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root (initdb refuses) and there is no postgres user"
        if shutil.which("runuser") is None:
            return "running as root (initdb refuses) and runuser is missing"
    return None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1:``port``; ``url`` is its ``postgres``
    database. ``stop(mode)``/``start()`` take it away and back; ``close()`` removes it."""

    def __init__(self) -> None:
        folder = _binaries()
        assert folder is not None, unavailable()
        self.bin = folder
        self.root = Path(tempfile.mkdtemp(prefix="mobility-pg-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        out = subprocess.run([*self.as_user, str(self.bin / tool), *args],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"{tool} failed:\n{out.stdout}\n{out.stderr}"

    def start(self) -> PrivatePostgres:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                        "-c max_connections=100", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """``immediate``: as a crash (the clients' connections break, recovery on start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
