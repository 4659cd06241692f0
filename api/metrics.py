"""The server's metrics, in Prometheus' text format at ``GET /metrics``.

What is counted carries no rider data: counts and durations by service area, route
template (``/api/v1/bookings/{booking_id}``, never the raw path), reason code, channel and
message kind — label values from small fixed sets, so that no request can grow the series.

One process, one registry: ``mobility serve`` with one process exposes what it counted.
``mobility serve --workers N`` runs N processes on one port (the kernel spreads connections
over them), so a scrape reaches any one of them: there the processes share
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, set up by
:func:`mobility.server.metrics_dir`) and every process answers with the sum over all of them
(gauges as documented per metric). Separate ``mobility serve`` commands (say two hosts) are
scraped each on its own address.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import psutil
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

#: the exposition's media type (text format 0.0.4)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: the environment variable of prometheus_client's multiprocess mode
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: request latency buckets (s): quotes answer in tens of ms, plans and re-plans in seconds
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0, 30.0)
#: re-planning buckets (s): searches have a budget of seconds to minutes
REPLAN_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: the route label of a request no route matched (its path is the caller's to choose)
UNMATCHED = "unmatched"
#: how often (s) a process refreshes its resident memory gauge between scrapes
RSS_EVERY_S = 10.0

# the ``_created`` series double the output and no alert uses them
disable_created_metrics()


def multiprocess_mode() -> bool:
    """Whether this process shares its metrics with sibling processes."""
    return bool(os.environ.get(MULTIPROC_ENV))


def status_class(status: int) -> str:
    """``2xx`` … ``5xx``: the status label (a class keeps the series few)."""
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


def route_label(route: Any) -> str:
    """A matched route's template (a mount's prefix with ``/*``), or :data:`UNMATCHED`."""
    if route is None:
        return UNMATCHED
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    if hasattr(route, "app") and not hasattr(route, "endpoint"):  # a mount (the web app)
        return f"{path.rstrip('/')}/*"
    return path or "/"


class Metrics:
    """The counters, histograms and gauges of one API process.

    Parameters
    ----------
    registry
        Where they are registered (default: a registry of their own, so that apps built
        side by side in one process, as tests do, count apart).
    wall
        The machine's clock (epoch seconds), for the background loops' last success.
    """

    def __init__(self, registry: CollectorRegistry | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        self.registry = r = registry if registry is not None else CollectorRegistry()
        self.wall = wall
        self._collectors: list[Collector] = []
        self._rss_at = float("-inf")
        self.requests = Histogram(
            "mobility_http_request_duration_seconds", "Requests answered: time from the "
            "request to the end of the answer, by method, route template and status class",
            ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=r)
        self.in_progress = Gauge(
            "mobility_http_requests_in_progress", "Requests being answered now",
            multiprocess_mode="livesum", registry=r)
        self.quotes = Counter(
            "mobility_quotes", "Ride quotes by service area and outcome: offered, or refused "
            "(no vehicle, closure …; the reasons in mobility_refusals_total)",
            ["area", "outcome"], registry=r)
        self.bookings = Counter(
            "mobility_bookings", "Bookings by service area and event: confirmed, cancelled",
            ["area", "event"], registry=r)
        self.refusals = Counter(
            "mobility_refusals", "Requests the service refused, by service area, stage "
            "(quote, booking) and reason (the problem code, e.g. no-vehicle-available)",
            ["area", "stage", "reason"], registry=r)
        self.notifications = Counter(
            "mobility_notifications", "Messages to riders handled by this process's "
            "outbox worker, by channel, kind and outcome (sent, dropped, failed: given up, "
            "retry: to be tried again)", ["channel", "kind", "outcome"], registry=r)
        self.replans = Counter(
            "mobility_replans", "Re-optimisations of a day's plans by service area and "
            "outcome (adopted, unchanged, conflict: plans changed meanwhile, failed)",
            ["area", "outcome"], registry=r)
        self.replan_seconds = Histogram(
            "mobility_replan_duration_seconds", "Re-optimisations' duration (search and "
            "merge) by service area", ["area"], buckets=REPLAN_BUCKETS, registry=r)
        self.replan_budget = Gauge(
            "mobility_replan_budget_seconds", "The last re-optimisation's time limit by "
            "service area (largest over processes)", ["area"], multiprocess_mode="max",
            registry=r)
        self.background = Counter(
            "mobility_background_runs", "Turns of the background loops (notify, housekeeping, "
            "lateness, standing orders) by outcome (ok, failed)", ["loop", "outcome"],
            registry=r)
        self.background_ok = Gauge(
            "mobility_background_last_success_timestamp_seconds", "When a background loop "
            "last finished a turn without failing (epoch seconds; latest over processes)",
            ["loop"], multiprocess_mode="max", registry=r)
        self.rss = Gauge(
            "mobility_process_resident_memory_bytes", "Resident memory of each API process "
            "(label pid with several processes)", multiprocess_mode="liveall", registry=r)
        if not multiprocess_mode():  # cpu, open files, start time of this process
            ProcessCollector(registry=r)

    # -- what the service counts ---------------------------------------------------------
    def quoted(self, area: str) -> None:
        self.quotes.labels(area, "offered").inc()

    def refused(self, area: str, stage: str, reason: str) -> None:
        """A refusal (``stage`` quote: also a quote refused)."""
        if stage == "quote":
            self.quotes.labels(area, "refused").inc()
        self.refusals.labels(area, stage, reason).inc()

    def booked(self, area: str, n: int = 1) -> None:
        self.bookings.labels(area, "confirmed").inc(n)

    def cancelled(self, area: str) -> None:
        self.bookings.labels(area, "cancelled").inc()

    def notified(self, channel: str, kind: str, outcome: str, n: int = 1) -> None:
        self.notifications.labels(channel, kind, outcome).inc(n)

    def replanned(self, area: str, outcome: str, seconds: float, budget_s: float) -> None:
        self.replans.labels(area, outcome).inc()
        self.replan_seconds.labels(area).observe(seconds)
        self.replan_budget.labels(area).set(budget_s)

    def background_turn(self, loop: str, ok: bool) -> None:
        self.background.labels(loop, "ok" if ok else "failed").inc()
        if ok:
            self.background_ok.labels(loop).set(self.wall())

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.requests.labels(method, route, status_class(status)).observe(seconds)

    def refresh_rss(self, now: float, every_s: float = RSS_EVERY_S) -> None:
        """Read this process's resident memory at most every ``every_s`` seconds of ``now``
        (the caller's monotonic clock): a process updates its own gauge, and with several
        processes a scrape reaches one of them only."""
        if now - self._rss_at >= every_s:
            self._rss_at = now
            self._read_rss()

    def _read_rss(self) -> None:
        self.rss.set(psutil.Process().memory_info().rss)

    # -- the exposition --------------------------------------------------------------------
    def read_on_scrape(self, *collectors: Collector) -> None:
        """Collectors read at each scrape (queue lengths from the store and the job
        folders: any process answers for all), in place of those set before (an app built
        again over the same service)."""
        if not multiprocess_mode():
            for old in self._collectors:
                self.registry.unregister(old)
            for c in collectors:
                self.registry.register(c)
        self._collectors = list(collectors)

    def exposition(self) -> bytes:
        """The text format of everything counted (all processes' in multiprocess mode)."""
        self._read_rss()  # this process's, now
        if not multiprocess_mode():
            return generate_latest(self.registry)
        scrape = CollectorRegistry()
        multiprocess.MultiProcessCollector(scrape)
        for c in self._collectors:
            scrape.register(c)
        return generate_latest(scrape)


def process_exited(pid: int) -> None:
    """Forget a dead process's live gauges (in-progress requests, memory); its counts
    stay in the sums (counters never go back)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(pid)


class QueueCollector(Collector):
    """Queue lengths read at each scrape: the outbox's messages waiting (``pending``) or
    being sent (``sending``) by channel, and how long the oldest due message has waited —
    one grouped count over the outbox's status (the store's, so any process answers for
    all)."""

    def __init__(self, rows: Callable[[], Iterable[tuple[str, str, int, dt.datetime | None]]],
                 now: Callable[[], dt.datetime]) -> None:
        self.rows, self.now = rows, now

    def describe(self) -> list[Metric]:
        return []  # read on scrape only (it queries the store)

    def collect(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily("mobility_outbox_messages", "Messages to riders in the "
                                    "outbox not yet sent, by channel and status (pending, "
                                    "sending)", labels=["channel", "status"])
        oldest = GaugeMetricFamily("mobility_outbox_oldest_due_age_seconds", "How long the "
                                   "oldest message due has waited past its time (service "
                                   "clock), by channel; 0 when none is due",
                                   labels=["channel"])
        now = self.now()
        ages: dict[str, float] = {}
        for channel, status, n, first_due in self.rows():
            waiting.add_metric([channel, status], n)
            if first_due is not None:
                age = max(0.0, (now - first_due).total_seconds())
                ages[channel] = max(ages.get(channel, 0.0), age)
        for channel, age in sorted(ages.items()):
            oldest.add_metric([channel], age)
        yield waiting
        yield oldest


class JobsCollector(Collector):
    """Background jobs started from the web app — planners' simulations and accessibility
    analyses, one at a time each — queued or running, read at each scrape from their
    runners' recent jobs (``kind``: a runner's ``list(limit)``)."""

    def __init__(self, runners: Mapping[str, Callable[[int], list[dict[str, Any]]]]
                 ) -> None:
        self.runners = runners

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily("mobility_jobs", "Background jobs (simulation, access) by "
                                 "status: queued, running", labels=["kind", "status"])
        for kind, recent in sorted(self.runners.items()):
            statuses = [j.get("status") for j in recent(5)]
            for status in ("queued", "running"):
                jobs.add_metric([kind, status], statuses.count(status))
        yield jobs
