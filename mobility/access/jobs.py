"""Accessibility analyses started from the web app's planner view: each is a child process
that runs :func:`~mobility.access.run.run_access` (in that one process: the server keeps its
other core) and writes its state to ``job.json`` in its own folder, then the cells
(``cells.geojson``, ``cells.gpkg``), ``summary.json`` and the HTML report with its plots —
the same files as ``mobility access --out``. One analysis runs at a time (it takes a core for
seconds to a minute, and simulates each fleet size); the API says 409 meanwhile. Job state
is kept as :mod:`mobility.sim.jobs` keeps simulations' (shared helpers), so every API process
can answer for it and a server restart loses no finished analysis."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import re
import secrets
import time
from pathlib import Path
from typing import Any

from mobility.access.errors import AccessError
from mobility.access.opportunities import CATEGORIES
from mobility.access.run import AccessOptions, parse_window
from mobility.errors import MobilityError, RegionError
from mobility.region import Region
from mobility.sim.jobs import _checked, _merge, _read, _start_time, _write
from mobility.sim.texts import language_of
from mobility.sim.variant import RegionRef

#: what a job folder serves to whoever holds the id (nothing else, ``job.json`` included)
FILES = ("index.html", "summary.json", "cells.gpkg", "map.png", "distribution.png")
CELLS = "cells.geojson"  #: served to staff only (``/cells``)
_API = "/api/v1/access"
#: where the progress bar stands when each stage of the analysis starts and ends
_STAGES = {"origins": (0.0, 0.05), "walks": (0.05, 0.1), "tasks": (0.1, 0.9),
           "combine": (0.9, 0.92), "files": (0.92, 1.0)}
_STOPS = re.compile(r"stops:[^,\s/\\]{1,40}(,[^,\s/\\]{1,40}){0,49}")
MAX_SIZES = 4


def check_to(to: str) -> str:
    """``stops:ID,…`` (up to 50 GTFS stop ids) or an OSM category's name: never a file
    (a planner names no file on the server)."""
    t = to.strip()
    if t in CATEGORIES or _STOPS.fullmatch(t):
        return t
    raise RegionError(f"to must be stops:ID,ID (GTFS stop ids, at most 50) or one of "
                      f"{', '.join(CATEGORIES)}", field="to")


class AccessJobs:
    """Start, follow and read planners' accessibility analyses of one region.

    ``cell_m`` and ``cell_subset`` set the origin grid of every analysis (tests use a coarse
    grid or a few cells so that an analysis takes seconds)."""

    def __init__(self, region: Region, root: Path, *, data: Path, cache: Path,
                 language: str = "en", currency: str | None = None, cell_m: float = 250.0,
                 cell_subset: tuple[int, ...] | None = None) -> None:
        self.region, self.root, self.data, self.cache = region, root, data, cache
        self.language = language  #: of the reports unless an analysis asks for another
        self.currency = currency
        self.cell_m, self.cell_subset = cell_m, cell_subset
        self._ctx = multiprocessing.get_context("spawn")  # a fresh interpreter per job

    def options(self, to: str, window: str, max_min: int, vehicles: list[int],
                area: str | None) -> AccessOptions:
        """The analysis' options as the job runs them (one process, this grid)."""
        return AccessOptions(to=to, data=self.data, cache=self.cache, window=window,
                             max_min=max_min, area=area, vehicles=vehicles,
                             currency=self.currency, cell_m=self.cell_m,
                             cell_subset=self.cell_subset, workers=1)

    def start(self, to: str, window: str, max_min: int, vehicles: list[int],
              area: str | None = None, language: str | None = None) -> dict[str, Any]:
        """Check the input (``MobilityError`` with ``field``), then start the analysis in
        the background; its report in ``language`` (none: the region's)."""
        to = check_to(to)
        try:
            parse_window(window)
        except AccessError as e:
            raise RegionError(str(e).replace("--window", "window"), field="window") from e
        if not 1 <= max_min <= 240:
            raise RegionError("maxMin must be 1 to 240 minutes", field="maxMin")
        sizes = sorted(set(vehicles))
        if not sizes or len(sizes) > MAX_SIZES or any(not 1 <= n <= 50 for n in sizes):
            raise RegionError(f"vehicles must be 1 to {MAX_SIZES} fleet sizes from 1 to 50",
                              field="vehicles")
        names = [a.name for a in self.region.service_areas]
        if not names:
            raise RegionError(f"region {self.region.name} has no on-demand service area",
                              field="area")
        if area is not None and area not in names:
            raise RegionError(f"area {area!r} is not a service area of {self.region.name} "
                              f"(known: {', '.join(names)})", field="area")
        if to.startswith("stops:"):  # unknown stop ids now, not after a minute of work
            from mobility.access.opportunities import opportunities

            try:
                opportunities(self.region, to)
            except AccessError as e:
                raise RegionError(str(e).replace("--to", "to"), field="to") from e
        job_id = secrets.token_hex(8)
        folder = self.root / job_id
        folder.mkdir(parents=True, exist_ok=False)
        job = {"id": job_id, "status": "queued", "to": to, "window": window.strip(),
               "max_min": max_min, "vehicles": sizes, "area": area or names[0],
               "language": language_of(language or self.language), "stage": None,
               "progress": 0.0, "summary": None, "error": None, "error_code": None,
               "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "pid": None}
        _write(folder, job)
        opts = self.options(to, window.strip(), max_min, sizes, area or names[0])
        ref = RegionRef.of(self.region, self.data, self.cache)
        p = self._ctx.Process(target=_run, args=(ref, opts, folder), daemon=True)
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

    def file(self, job_id: str, name: str) -> Path | None:
        """A report file of a finished analysis (only the names of :data:`FILES`)."""
        return self._path(job_id, name) if name in FILES else None

    def cells(self, job_id: str) -> Path | None:
        """``cells.geojson`` of a finished analysis."""
        return self._path(job_id, CELLS)

    def _path(self, job_id: str, name: str) -> Path | None:
        if not re.fullmatch(r"[0-9a-f]{16}", job_id):
            return None
        path = self.root / job_id / name
        return path if path.is_file() else None


def _run(ref: RegionRef, options: AccessOptions, folder: Path) -> None:
    """The child process: the analysis, its progress, then its files."""
    from mobility.access.outputs import clean, write_cells, write_summary
    from mobility.access.report import TEXT, distributions, gain_map, write_report
    from mobility.access.run import run_access

    job = _read(folder) or {}
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        a, b = _STAGES.get(stage, (0.0, 1.0))
        share = a + (b - a) * (done / total if total else 1.0)
        now = time.monotonic()  # (how often the file is written, nothing measured)
        if now - last[0] > 0.5 or done == total:
            last[0] = now
            _merge(folder, stage=stage, progress=round(share, 3))

    try:
        _merge(folder, status="running", stage="origins")
        region = ref.load()
        result = run_access(region, options, progress)
        progress("files", 0, 1)
        language = job.get("language", "en")
        (folder / CELLS).write_text(json.dumps(result.cells_geojson()),
                                              encoding="utf-8")
        write_summary(result, folder / "summary.json")
        write_cells(result, folder / "cells.gpkg")
        write_report(result, folder, language)
        tx = TEXT.get(language, TEXT["en"])
        if result.result.after:
            gain_map(result, max(result.result.after), tx).savefig(folder / "map.png", dpi=100)
        distributions(result, tx).savefig(folder / "distribution.png", dpi=100)
        _merge(folder, status="done", stage="files", progress=1.0,
               summary=clean(result.to_json()))
    except Exception as exc:  # recorded for the planner, who sees it in the app
        user = isinstance(exc, MobilityError)
        msg = str(exc) if user else f"{type(exc).__name__}: {exc}"
        _merge(folder, status="failed", error=msg, error_code="invalid" if user else "crashed")
        raise


def _public(job: dict[str, Any]) -> dict[str, Any]:
    """The job as the API shows it: the files' URLs instead of the process id."""
    out = {k: v for k, v in job.items() if k not in ("pid", "pid_start")}
    if job["status"] == "done":
        base = f"{_API}/{job['id']}"
        out["files"] = {name: f"{base}/{name}" for name in FILES}
        out["cells"] = f"{base}/cells"
        out["report"] = f"{base}/index.html"
    return out
