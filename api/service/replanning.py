"""Re-planning a day with the optimiser, without stalling the server or holding up bookings.

OR-Tools holds Python's global interpreter lock for long stretches of a search (a plain
search held it for all of its 3 seconds here), so a search in the API process could stop
every other request of that process (``/health`` included) for up to its time limit. The
search therefore runs in a child process, on a snapshot of the day's plans and a travel-time
matrix computed here; bookings go on meanwhile. Its result is taken under
the day's lock only if the plans did not change in the meantime (else the dispatcher is
asked to try again).
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from api.auth import Principal
from api.service import audit, occasions
from api.service.context import Context
from api.service.errors import ConflictError
from dispatch.insertion import Replanning
from dispatch.model import Solution
from dispatch.offload import matrix_for, solve_on_matrix
from dispatch.solver import solve
from dispatch.travel import TravelTimes

log = logging.getLogger("mobility.api")


class ChildProcessOptimiser:
    """Runs re-planning tasks in one child process (started on first use, restarted if it
    dies); one task at a time."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, job: Replanning, travel: TravelTimes) -> Solution:
        points, durations, distances = matrix_for(job, travel)
        with self._lock:
            if self._pool is None:
                # a fresh interpreter: no forked threads, locks or numba state
                self._pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"))
            pool = self._pool
        try:
            return pool.submit(solve_on_matrix, job, points, durations, distances).result()
        except BrokenProcessPool:
            with self._lock:
                self._pool = None
            raise

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def in_process(job: Replanning, travel: TravelTimes) -> Solution:
    """The optimiser in this process (tests and tools that mind no stall)."""
    return solve(job.problem, travel, job.params, warm_start=job.warm)


def replan(svc: Context, area: str, date: dt.date, time_limit_s: float,
           solution_limit: int = 0, *, who: Principal | None = None
           ) -> tuple[float, list[str]]:
    """Let the optimiser improve a day's plans: every promise kept, rides not yet picked up
    may change vehicle. Returns (vehicle time saved in s, bookings now on another vehicle).
    ``solution_limit`` > 0 stops the search by a count (the same plans on any machine).
    A change made for ``who`` (staff) is audited as ``plan.replan`` (nothing is recorded
    when the plans stay as they were).

    Raises
    ------
    NotFoundError
        An unknown service area.
    ConflictError
        The plans changed while the optimiser worked (try again).
    """
    svc.area(area)
    start = time.perf_counter()
    outcome = "failed"
    try:
        saved, moved, outcome = _replan(svc, area, date, time_limit_s, solution_limit, who)
    except ConflictError:
        outcome = "conflict"
        raise
    finally:
        if outcome != "skipped":  # no ride to re-plan: nothing was searched
            svc.metrics.replanned(area, outcome, time.perf_counter() - start, time_limit_s)
    return saved, moved


def _replan(svc: Context, area: str, date: dt.date, time_limit_s: float, solution_limit: int,
            who: Principal | None) -> tuple[float, list[str], str]:
    """:func:`replan`, with its outcome: skipped (no ride), failed (the optimiser),
    unchanged (no saving) or adopted."""
    d, version = svc.days.current(area, date)
    job = d.replanning(time_limit_s=time_limit_s, solution_limit=solution_limit)
    if job is None:
        return 0.0, [], "skipped"
    try:
        sol = svc.optimiser(job, svc.travel)
    except Exception as exc:  # OR-Tools refused the model, or its process died
        log.warning("re-planning skipped: the optimiser failed (%s)", exc)
        return 0.0, [], "failed"
    with svc.days.change(area, date) as ch:
        if ch.version != version:
            raise ConflictError("the plans changed while the optimiser worked (a booking or a "
                           "driver's report); re-plan again", field="date",
                           code="plans-changed", title="Plans changed meanwhile")
        before = {rid: vid for vid, p in ch.dispatcher.plans.items() for rid, _ in p.stops}
        etas = occasions.pickups(ch)
        saved = ch.dispatcher.adopt(job, sol)
        if saved <= 0:
            return 0.0, [], "unchanged"
        occasions.changed(svc, ch, date, etas)
        after = {rid: vid for vid, p in ch.dispatcher.plans.items() for rid, _ in p.stops}
        moved = sorted(rid for rid, vid in after.items() if before.get(rid) != vid)
        now = svc.timing.now()
        for rid in moved:
            b = ch.repo.booking(rid)
            if b is not None:
                b.vehicle_id, b.updated_at = after[rid], now
        if who is not None:
            audit.record(ch.repo, who, "plan.replan", "plan", f"{area}/{date.isoformat()}",
                         {"area": area, "date": date.isoformat(), "savedS": round(saved, 1),
                          "moved": {rid: after[rid] for rid in moved[:200]}}, now)
        ch.changed.update(ch.dispatcher.plans)
    return saved, moved, "adopted"
