"""Simulations started from the web app: each run is a child process that simulates and
reports its variants one after another (the same path as ``mobility simulate``) and writes
its state to ``job.json`` in its own folder, so every API process can answer for it and a
server restart loses no finished report. No web framework here: the API holds an instance
behind its ``Simulator`` protocol."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import json
import multiprocessing
import os
import secrets
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from dispatch.scenario import REPLANNING, Scenario
from mobility.errors import RegionError
from mobility.region import Region
from mobility.sim.scenario import Overrides, load_scenario
from mobility.sim.texts import language_of
from mobility.sim.variant import RegionRef, simulate_and_report
from routing.timebase import clock_text

#: what a job folder may serve (the report's own files)
_FILES = {"index.html", "kpis.json", "trips.csv", "map.png", "waits.png", "occupancy.png",
          "by_hour.png"}
_PLOTS = ("map.png", "occupancy.png", "by_hour.png", "waits.png")
_API = "/api/v1/simulations"


class Simulations:
    """Start, follow and read planners' simulation runs of one region."""

    def __init__(self, region: Region, root: Path, *, data: Path, cache: Path,
                 language: str = "en", currency: str | None = None) -> None:
        self.region, self.root, self.data, self.cache = region, root, data, cache
        self.language = language  #: of the reports unless a run asks for another
        self.currency = currency  #: of the costs (``MOBILITY_CURRENCY``; none: the region's)
        self._ctx = multiprocessing.get_context("spawn")  # a fresh interpreter per run

    def start(self, area: str | None, vehicles: list[int], rate_per_hour: float,
              seed: int, language: str | None = None,
              replanning: list[str] | None = None) -> dict[str, Any]:
        """Start a run: one variant per fleet size and re-planning mode (``replanning``:
        keys of ``dispatch.scenario.REPLANNING``; none: the default); its report and plots
        in ``language`` (the planner's interface language; none: the region's)."""
        names = [a.name for a in self.region.service_areas]
        if not names:
            raise RegionError(f"region {self.region.name} has no on-demand service area to "
                              "simulate")
        if area is not None and area not in names:
            raise RegionError(f"area {area!r} is not a service area of {self.region.name} "
                              f"(known: {', '.join(names)})", field="area")
        if not vehicles or any(not 1 <= n <= 50 for n in vehicles):
            raise RegionError("vehicles must be fleet sizes from 1 to 50", field="vehicles")
        modes = replanning or [Scenario.replanning]
        if any(m not in REPLANNING for m in modes):
            raise RegionError(f"replanning must be among {', '.join(REPLANNING)}",
                              field="replanning")
        job_id = secrets.token_hex(8)
        folder = self.root / job_id
        folder.mkdir(parents=True, exist_ok=False)
        job = {"id": job_id, "status": "queued", "area": area or names[0],
               "rate_per_hour": rate_per_hour, "seed": seed, "progress": 0.0,
               "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "variants": [{"label": f"{n}veh" if len(modes) == 1 else f"{n}veh-{m}",
                             "vehicles": n, "replanning": m, "status": "queued"}
                            for n in vehicles for m in modes], "error": None, "error_code": None,
               "pid": None, "language": language_of(language or self.language),
               "currency": self.currency, "shift": None, "hours": None}
        _write(folder, job)
        ref = RegionRef.of(self.region, self.data, self.cache)
        p = self._ctx.Process(target=_run, args=(ref, folder), daemon=True)
        p.start()
        job["pid"], job["pid_start"] = p.pid, _start_time(p.pid)
        _merge(folder, pid=p.pid, pid_start=job["pid_start"])
        return _public(job)

    def busy(self) -> bool:
        return any(j["status"] in ("queued", "running") for j in self.list(5))

    def get(self, job_id: str) -> dict[str, Any] | None:
        folder = self.root / job_id
        job = _read(folder)
        return None if job is None else _public(_checked(folder, job))

    def list(self, limit: int = 20) -> list[dict[str, Any]]:
        if not self.root.is_dir():
            return []
        folders = sorted((f for f in self.root.iterdir() if (f / "job.json").is_file()),
                         key=lambda f: f.stat().st_mtime, reverse=True)[:limit]
        out = []
        for f in folders:
            job = _read(f)
            if job is not None:
                out.append(_public(_checked(f, job)))
        return out

    def file(self, job_id: str, variant: str, name: str) -> Path | None:
        if name not in _FILES or "/" in variant or variant.startswith("."):
            return None
        path = self.root / job_id / variant / name
        return path if path.is_file() else None


def _run(ref: RegionRef, folder: Path) -> None:
    """The child process: simulate and report each variant, record progress."""
    job = _read(folder) or {}
    try:
        region = ref.load()
        todo = job["variants"]
        base = load_scenario(region, None, Overrides(
            rate_per_hour=job["rate_per_hour"], seed=job["seed"], area=job["area"],
            currency=job.get("currency")))
        _merge(folder, currency=base.costs.currency,
               shift=[clock_text(t) for t in base.vehicles[0].shift],
               hours=[clock_text(t) for t in base.hours])
        scenarios = [replace(base.with_fleet(v["vehicles"]),
                             replanning=v.get("replanning", base.replanning)) for v in todo]
        last = [0.0]

        def progress(i: int, k: int, n: int) -> None:
            now = time.monotonic()  # (how often the file is written, nothing simulated)
            if now - last[0] > 0.5 or k == n:
                last[0] = now
                _merge(folder, progress=round((i + (k / n if n else 1)) / len(todo), 3))

        _merge(folder, status="running")
        for i, (v, sc) in enumerate(zip(todo, scenarios, strict=True)):
            v["status"] = "running"
            _merge(folder, variants=todo)
            r = simulate_and_report(region, sc, folder / v["label"],
                                    language=job.get("language", "en"),
                                    progress=functools.partial(progress, i))
            v.update(status="done", kpis=r.kpis, notes=[n.as_json() for n in r.notes])
            _merge(folder, variants=todo, progress=round((i + 1) / len(todo), 3))
        _merge(folder, status="done", progress=1.0)
    except Exception as exc:  # recorded for the planner, who sees it in the app
        msg = str(exc) if isinstance(exc, RegionError) else f"{type(exc).__name__}: {exc}"
        _merge(folder, status="failed", error=msg,
               error_code="invalid" if isinstance(exc, RegionError) else "crashed")
        raise


def _checked(folder: Path, job: dict[str, Any]) -> dict[str, Any]:
    """A queued or running job whose process is gone failed (e.g. the server restarted)."""
    # (a fresh job's process id may not be recorded yet)
    if (job["status"] in ("queued", "running")
            and not _alive(job.get("pid"), job.get("pid_start"))
            and (job.get("pid") is not None or time.time() - folder.stat().st_mtime > 30)):
        job = _merge(folder, status="failed", error="the run was interrupted (the "
                     "server stopped); start it again", error_code="interrupted")
    return job


def _start_time(pid: int | None) -> int | None:
    """When the process started (clock ticks since boot; Linux): with the pid, it names one
    process, even after the pid is used again."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int | None, started: int | None) -> bool:
    """The run's process is still working: it exists, is the same process (not a new one
    with its pid) and is not a finished zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if started is not None and _start_time(pid) not in (None, started):
        return False  # the pid belongs to another process now
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][:1]
        if state == "Z":  # a zombie child of ours: finished
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return False
    return True


def _public(job: dict[str, Any]) -> dict[str, Any]:
    """The job as the API shows it: plot and report URLs instead of the process id."""
    out = {k: v for k, v in job.items() if k not in ("pid", "pid_start")}
    variants = []
    for v in job["variants"]:
        v = dict(v)
        if v["status"] == "done":
            base = f"{_API}/{job['id']}/{v['label']}"
            v["plots"] = {p.removesuffix(".png"): f"{base}/{p}" for p in _PLOTS}
            v["report"] = f"{base}/index.html"
        variants.append(v)
    out["variants"] = variants
    return out


def _read(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "job.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None


def _write(folder: Path, job: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".job.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(job, f)
    os.replace(tmp, folder / "job.json")  # atomic: readers never see half a file


def _merge(folder: Path, **changes: Any) -> dict[str, Any]:
    """Read, change and write ``job.json`` under the folder's lock: the run's process and
    the API processes change it concurrently."""
    with (folder / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        job = _read(folder) or {}
        job.update(changes)
        _write(folder, job)
        return job
