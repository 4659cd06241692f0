"""The real server as a child process (``mobility serve``), for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
#: a server's settings without fair-use caps and rate limits (but sign-ups'), for tests
#: whose one rider key stands for many riders booking at once
NO_LIMITS = {"MOBILITY_MAX_BOOKINGS_PER_DAY": "0", "MOBILITY_MAX_BOOKINGS": "0",
             "MOBILITY_REFUSE_OVERLAPPING": "false", "MOBILITY_RATE_QUOTES": "0",
             "MOBILITY_RATE_BOOKINGS": "0", "MOBILITY_RATE_PLANS": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    """Run ``mobility ARGS`` and return its standard output (fails the test on error)."""
    out = subprocess.run([sys.executable, "-m", "mobility", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


class Server:
    """``mobility serve REGION`` in its own process group, logging to ``log``."""

    def __init__(self, env: dict[str, str], region: str, log: Path, workers: int = 1) -> None:
        self.env, self.region, self.log_path, self.workers = env, region, log, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 240.0) -> Server:
        env = self.env
        if self.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in env:
            # the processes' shared metrics beside the log (not a temporary folder that a
            # killed server leaves behind)
            env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(self.log_path.parent
                                                          / f"metrics-{self.port}")}
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mobility", "serve", self.region, "--port",
                 str(self.port), "--workers", str(self.workers)], env=env, cwd=ROOT,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n"
                                     f"{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.kill()
        raise AssertionError("server did not become healthy:\n"
                             + self.log_path.read_text()[-3000:])

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (uvicorn's workers included) and reap it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")
