"""``mobility simulate --live URL``: the twin from the command line — its options read,
a server started for ``--live local``, a progress bar in server time, the table and the
JSON line."""

from __future__ import annotations

import json
import re
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mobility.twin.options import TwinOptions
from mobility.twin.report import json_line, table
from mobility.twin.run import Progress as DayProgress
from mobility.twin.run import TwinResult, run_twin
from mobility.twin.sinks import Sinks

#: ``--live local``: start a server here
LOCAL = "local"


class UsageError(ValueError):
    """An option the twin cannot use (the message says which and why)."""


def parse_hours(text: str) -> tuple[float, float]:
    """``HH:MM-HH:MM`` as seconds after midnight."""
    m = re.fullmatch(r"\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*", text)
    if not m:
        raise UsageError(f"--hours must look like 07:00-19:00, not {text!r}")
    h0, m0, h1, m1 = map(int, m.groups())
    if h0 > 23 or h1 > 24 or m0 > 59 or m1 > 59 or (h1 == 24 and m1):
        raise UsageError(f"--hours: {text!r} is not a time of day")
    a, b = h0 * 3600.0 + m0 * 60, h1 * 3600.0 + m1 * 60
    if b <= a:
        raise UsageError(f"--hours must end after they start, not {text!r}")
    return a, b


def read_keys(path: Path) -> tuple[str, dict[str, str]]:
    """A keys file: ``{"dispatcher": KEY, "drivers": {VEHICLE: KEY, ...}}``."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--keys {path}: {exc}") from None
    staff = doc.get("dispatcher") if isinstance(doc, dict) else None
    drivers = doc.get("drivers", {}) if isinstance(doc, dict) else {}
    if not isinstance(staff, str) or not isinstance(drivers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in drivers.items()):
        raise UsageError(f"--keys {path}: expected {{\"dispatcher\": KEY, \"drivers\": "
                         "{VEHICLE: KEY}}")
    return staff, drivers


def run(*, live: str, region: str, keys: Path | None, staff_key: str | None, hours: str,
        rate: float | None, standing: int, seed: int, drop: float, speed: float | None,
        store: str, as_json: bool, out: Console, err: Console, data: Path | None = None,
        cache: Path | None = None, processes: int = 1) -> int:
    """Run the twin; returns the exit code (1: a check found something wrong). Without
    ``rate``, a server started here on a region with a ``[demand]`` profile has riders as
    it says (standing orders included), else 10 an hour."""
    span = parse_hours(hours)
    if not 0 <= drop < 1:
        raise UsageError(f"--drop must be at least 0 and below 1, not {drop}")
    if rate is not None and not 0 < rate <= 1000:
        raise UsageError(f"--rate must be above 0 and at most 1000, not {rate}")
    if not 0 <= standing <= 100:
        raise UsageError(f"--standing must be 0-100, not {standing}")
    if speed is not None and not 0 < speed <= 1000:
        raise UsageError(f"--speed must be above 0 and at most 1000, not {speed}")
    if not 1 <= processes <= 8:
        raise UsageError(f"--processes must be 1-8, not {processes}")
    if processes > 1 and (live != LOCAL or store == "sqlite"):
        raise UsageError("--processes applies to --live local over --store postgresql")
    opts: dict[str, Any] = {"hours": span, "rate": rate or 10.0, "standing": standing,
                            "seed": seed, "drop": drop}
    with ExitStack() as stack:
        if live == LOCAL:
            from mobility.twin.local import local_server

            sinks = Sinks().start()
            stack.callback(sinks.stop)
            fast = speed or 120.0
            if not as_json:
                err.print(f"starting a server on {region} at {fast:g}x …", highlight=False)
            srv = stack.enter_context(local_server(region, speed=fast, first_hour_s=span[0],
                                                   store=store, sinks=sinks, data=data,
                                                   cache=cache, processes=processes))
            o = TwinOptions(srv.url, srv.staff_key, srv.driver_keys, speed=fast,
                            sinks=sinks, store=srv.store, urls=srv.urls, pids=srv.pids,
                            profile=srv.demand if rate is None else None, **opts)
        else:
            if not re.match(r"^https?://", live):
                raise UsageError(f"--live must be the server's URL (http://…) or "
                                 f"{LOCAL!r}, not {live!r}")
            if keys is not None:
                staff, drivers = read_keys(keys)
            elif staff_key:
                staff, drivers = staff_key, {}
            else:
                raise UsageError("--live URL needs --keys FILE or --staff-key KEY (a "
                                 "dispatcher's key)")
            o = TwinOptions(live, staff, drivers, speed=speed, **opts)
        result = _run(o, as_json, err)
    if not as_json:
        out.print(table(result.figures))
    sys.stdout.write(json_line(result.figures) + "\n")
    return 0 if result.passed else 1


def _run(o: TwinOptions, quiet: bool, err: Console) -> TwinResult:
    with Progress(TextColumn("service day"), BarColumn(), TextColumn("{task.fields[clock]}"),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=err,
                  transient=True, disable=quiet) as prog:
        task = prog.add_task("twin", total=1.0, clock="", counts="")

        def show(p: DayProgress) -> None:
            span = max(1.0, (p.end - p.start).total_seconds())
            done = min(1.0, max(0.0, (p.now - p.start).total_seconds() / span))
            prog.update(task, completed=done, clock=f"{p.now:%H:%M}",
                        counts=", ".join(f"{k} {v}" for k, v in p.counts.items()))

        return run_twin(o, show)
