"""Re-planning a day with the optimiser, without stalling the server or holding up bookings.

OR-Tools holds Python's global interpreter lock for long stretches of a search (a plain
search held it for all of its 3 seconds here), so a search in the API process could stop
every other request of that process (``/health`` included) for up to its time limit. The
search therefore runs in a child process, on a snapshot of the day's plans and a travel-time
matrix computed here; bookings go on meanwhile. Its result is taken under the day's lock:
as it is when the plans did not change in the meantime, else merged with what changed
(bookings made meanwhile inserted again, cancelled ones left out), else searched again.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from api.auth import Principal
from api.service import audit, occasions
from api.service.background import Loop
from api.service.context import Context
from api.service.errors import ConflictError
from api.store.repository import writing
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


#: the clock only guards a background re-plan against a runaway search (its budget is
#: ``ApiConfig.replan_solutions``)
REPLAN_SAFETY_NET_S = 120.0
#: how often :func:`replan` searches again when what changed meanwhile cannot be merged
RETRIES = 3


def replan(svc: Context, area: str, date: dt.date, time_limit_s: float,
           solution_limit: int = 0, *, who: Principal | None = None, retries: int = RETRIES
           ) -> tuple[float, list[str]]:
    """Let the optimiser improve a day's plans: every promise kept, rides not yet picked up
    may change vehicle. Returns (vehicle time saved in s, bookings now on another vehicle).
    ``solution_limit`` > 0 stops the search by a count (the same plans on any machine).
    A change made for ``who`` (staff) is audited as ``plan.replan`` (nothing is recorded
    when the plans stay as they were).

    Bookings go on while the optimiser works on a snapshot; what changed meanwhile is merged
    into its plans (new bookings inserted, cancelled ones left out: see
    :meth:`Dispatcher.merge`); a merge that fails searches again from the current plans, up
    to ``retries`` times.

    Raises
    ------
    NotFoundError
        An unknown service area.
    ConflictError
        The plans kept changing in ways the optimiser's plans could not take in.
    """
    svc.area(area)
    start = time.perf_counter()
    outcome = "failed"
    try:
        saved, moved, outcome = _replan(svc, area, date, time_limit_s, solution_limit, who,
                                        retries)
    except ConflictError:
        outcome = "conflict"
        raise
    finally:
        if outcome != "skipped":  # no ride to re-plan: nothing was searched
            svc.metrics.replanned(area, outcome, time.perf_counter() - start, time_limit_s)
    return saved, moved


def _replan(svc: Context, area: str, date: dt.date, time_limit_s: float, solution_limit: int,
            who: Principal | None, retries: int) -> tuple[float, list[str], str]:
    """:func:`replan`, with its outcome: skipped (no ride), failed (the optimiser),
    unchanged (no saving) or adopted."""
    for _ in range(retries + 1):
        d, version = svc.days.current(area, date)
        job = d.replanning(time_limit_s=time_limit_s, solution_limit=solution_limit,
                           now_s=svc.timing.seconds_on(date, svc.timing.now()))
        if job is None:
            return 0.0, [], "skipped"
        try:
            sol = svc.optimiser(job, svc.travel)
        except Exception as exc:  # OR-Tools refused the model, or its process died
            log.warning("re-planning skipped: the optimiser failed (%s)", exc)
            return 0.0, [], "failed"
        done = _take(svc, area, date, version, job, sol, who)
        if done is not None:
            return done
        log.info("re-planning %s %s: the plans changed meanwhile and could not be merged; "
                 "searching again", area, date)
    raise ConflictError("the plans kept changing while the optimiser worked (bookings or "
                        "drivers' reports); re-plan again", field="date",
                        code="plans-changed", title="Plans changed meanwhile")


def _take(svc: Context, area: str, date: dt.date, version: int, job: Replanning,
          sol: Solution, who: Principal | None) -> tuple[float, list[str], str] | None:
    """Take the optimiser's plans under the day's lock — as they are when nothing changed
    since the snapshot (stored ``version``), else merged with what changed; None when the
    merge failed."""
    with svc.days.change(area, date) as ch:
        before = {rid: vid for vid, p in ch.dispatcher.plans.items() for rid, _ in p.stops}
        etas = occasions.pickups(ch)
        plans = {vid: p.version for vid, p in ch.dispatcher.plans.items()}
        # a driver who set off for a pickup while the optimiser worked keeps it
        now_s = svc.timing.seconds_on(date, svc.timing.now())
        if ch.version == version and plans == job.versions:
            saved: float | None = ch.dispatcher.adopt(job, sol, now_s)
        else:  # changed meanwhile (or rebuilt from the store by another process)
            saved = ch.dispatcher.merge(job, sol, now_s)
        if saved is None:
            return None
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


class Replanner(Loop):
    """Re-plans today's plans of every service area every ``config.replan_interval_s``
    seconds of the service's clock (the first one interval after the start), from a daemon
    thread of a server process; each search stops after ``config.replan_solutions``
    solutions and runs in the optimiser's child process, so bookings go on meanwhile (what
    they change is merged in: :func:`replan`). An area whose re-plan fails (its plans kept
    changing, the store away) is tried again at the next turn; the others go on."""

    failure = "re-planning failed; trying again at the next turn"

    def __init__(self, svc: Context, poll_s: float = 5.0) -> None:
        self.svc = svc
        self._last: dt.datetime | None = None
        #: (area, saved s, bookings moved) of the last turn
        self.last_turn: list[tuple[str, float, int]] = []
        super().__init__("replanner", poll_s, svc.config.replan_interval_s > 0, log)

    def start(self) -> None:
        if self._thread is None:
            self._last = self.svc.timing.now()
        super().start()

    def turn(self, now: dt.datetime | None = None) -> list[tuple[str, float, int]]:
        """Re-plan every area's plans of today (``now``: the service's clock) — each area
        whose re-plan for this interval no other process claimed first."""
        now = now or self.svc.timing.now()
        date = self.svc.timing.day_seconds(now)[0]
        out = []
        for area in self.svc.areas:
            if not self._claim(area, now):
                continue  # another process re-plans it in this interval
            try:
                saved, moved = replan(self.svc, area, date, REPLAN_SAFETY_NET_S,
                                      self.svc.config.replan_solutions)
            except ConflictError:
                log.info("re-planning %s: the plans kept changing; next turn", area)
                continue
            out.append((area, saved, len(moved)))
        self.last_turn = out
        return out

    def _claim(self, area: str, now: dt.datetime) -> bool:
        """Claim the area's re-plan for the interval of the clock ``now`` falls in (a fixed
        window, as the standing orders' booker claims its turns): with several server
        processes over one store, one of them searches each area each interval, not every
        one (a search is seconds of a core; the merge made several safe, not cheaper)."""
        every = self.svc.config.replan_interval_s
        if every <= 0:
            return True
        end = (math.floor(now.timestamp() / every) + 1) * every
        with writing(self.svc.store) as repo:
            return repo.add_count("replan", area, int(end), 1) == 1

    def step(self) -> list[tuple[str, float, int]] | None:
        now = self.svc.timing.now()
        every = dt.timedelta(seconds=self.svc.config.replan_interval_s)
        if self._last is not None and now - self._last < every:
            return None
        self._last = now
        return self.turn(now)
