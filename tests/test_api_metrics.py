"""GET /metrics: a quote, a booking, a refusal and a cancellation on the real app show as
exactly those increments; who may read the metrics; request ids and JSON log lines."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api import ApiConfig, create_app
from api.metrics import JobsCollector, Metrics, QueueCollector, route_label
from api.observe import Observe
from mobility.access_log import PrivateQuery
from mobility.json_log import JsonFormatter
from tests.api_helpers import BRISTOL, MIDDLEBURY, ApiUnderTest, ride, tomorrow
from tests.conftest import UNLIMITED, booking_service

TOKEN = "s3cret-scraper-token-0123"
AREA = "middlebury"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    """Every sample of an exposition, by name and sorted labels."""
    out: Samples = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def ours(s: Samples) -> Samples:
    """The service's own counts (not the process' cpu, memory or the latency histogram)."""
    return {k: v for k, v in s.items() if k[0].startswith(
        ("mobility_quotes", "mobility_bookings", "mobility_refusals", "mobility_notif",
         "mobility_replan"))}


def value(s: Samples, name: str, **labels: str) -> float:
    return s.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture()
def metered(addison, addison_planner, addison_travel, addison_atlas, store):  # type: ignore[no-untyped-def]
    """The app over addison-vt with a scraper's token set."""
    svc = booking_service(addison, addison_travel, store,
                          config=ApiConfig(metrics_token=TOKEN, **UNLIMITED))  # type: ignore[arg-type]
    app = create_app(addison_planner, svc, region_name=addison.name, atlas=addison_atlas)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield ApiUnderTest(client, store, svc)


def scrape(api: ApiUnderTest) -> tuple[str, Samples]:
    r = api.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return r.text, samples(r.text)


def test_a_day_of_requests_shows_as_exactly_its_increments(metered: ApiUnderTest) -> None:
    """Quote and book a ride, have a quote refused (8 passengers: no-capacity), re-plan the
    day (nothing to gain), cancel the booking, send its confirmation: the counters move by
    exactly that, the latency histogram counts each request under its route template and
    status class, and the outbox gauge shows the message waiting, then gone."""
    api = metered
    _, before = scrape(api)
    assert ours(before) == {}  # nothing counted yet: no series at all
    q, b = api.book("rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9)))
    refused = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, tomorrow(9),
                                                          passengers=8))
    assert refused.status_code == 409 and refused.json()["type"].endswith("no-capacity")
    invalid = api.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, "T2"))
    assert invalid.status_code == 422  # the caller's mistake: no quote, no refusal
    # the confirmation waits in the outbox (the rider's in-app channel), 90 s past due
    api.clock.advance(90)
    text, mid = scrape(api)
    assert value(mid, "mobility_outbox_messages", channel="app", status="pending") == 1
    assert value(mid, "mobility_outbox_oldest_due_age_seconds", channel="app") == 90
    day = tomorrow(9)[:10]  # one ride: the optimiser keeps the plan as it is
    r = api.post("/api/v1/plans/replan", "dispatcher", {"area": AREA, "date": day,
                                                        "timeLimitS": 2, "solutionLimit": 1})
    assert r.status_code == 200 and r.json()["savedS"] == 0, r.text
    assert api.delete(f"/api/v1/bookings/{b['id']}", "rider").status_code == 200
    assert api.client.app.state.notifier.run_once()["sent"] == 1  # type: ignore[attr-defined]
    text, after = scrape(api)
    assert ours(after) == {
        ("mobility_quotes_total", (("area", AREA), ("outcome", "offered"))): 1.0,
        ("mobility_quotes_total", (("area", AREA), ("outcome", "refused"))): 1.0,
        ("mobility_refusals_total", (("area", AREA), ("reason", "no-capacity"),
                                     ("stage", "quote"))): 1.0,
        ("mobility_bookings_total", (("area", AREA), ("event", "confirmed"))): 1.0,
        ("mobility_bookings_total", (("area", AREA), ("event", "cancelled"))): 1.0,
        ("mobility_notifications_total", (("channel", "app"), ("kind", "confirmed"),
                                          ("outcome", "sent"))): 1.0,
        ("mobility_replans_total", (("area", AREA), ("outcome", "unchanged"))): 1.0,
        ("mobility_replan_budget_seconds", (("area", AREA),)): 2.0,
        ("mobility_replan_duration_seconds_count", (("area", AREA),)): 1.0,
        ("mobility_replan_duration_seconds_sum", (("area", AREA),)):
            value(after, "mobility_replan_duration_seconds_sum", area=AREA),
        **{k: v for k, v in ours(after).items()
           if k[0] == "mobility_replan_duration_seconds_bucket"},
    }
    assert value(after, "mobility_replan_duration_seconds_bucket", area=AREA, le="+Inf") == 1
    assert value(after, "mobility_outbox_messages", channel="app", status="pending") == 0
    hist = "mobility_http_request_duration_seconds"
    quotes = {"method": "POST", "route": "/api/v1/quotes"}
    assert value(after, hist + "_count", **quotes, status="2xx") == 1
    assert value(after, hist + "_count", **quotes, status="4xx") == 2  # 409 and 422
    assert value(after, hist + "_bucket", **quotes, status="4xx", le="+Inf") == 2
    one = {"route": "/api/v1/bookings/{booking_id}", "status": "2xx"}
    assert value(after, hist + "_count", method="DELETE", **one) == 1
    assert value(after, hist + "_count", method="GET", route="/metrics", status="2xx") == 2
    # buckets are cumulative and end at the count
    les = sorted((float(dict(k[1])["le"]), v) for k, v in after.items()
                 if k[0] == hist + "_bucket" and dict(k[1])["route"] == "/api/v1/quotes"
                 and dict(k[1])["status"] == "4xx")
    assert [v for _, v in les] == sorted(v for _, v in les) and les[-1] == (float("inf"), 2)
    # no rider data, no raw path: ids, names and phone numbers stay out
    for secret in (b["id"], q["id"], "Erika", "1234567", api.rider_id()):
        assert secret not in text
    assert value(after, "mobility_process_resident_memory_bytes") > 10e6


def test_who_may_read_the_metrics(addison, addison_planner, addison_travel, addison_atlas,
                                  tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Without a token: this machine's clients only (403 for others); with one: its bearer
    only (401 otherwise, whatever the address); switched off: 404. /metrics is no part of
    the API's OpenAPI document."""
    from api.store import Store

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()

    def app(**config: object) -> object:
        svc = booking_service(addison, addison_travel, store,
                              config=ApiConfig(**{**UNLIMITED, **config}))  # type: ignore[arg-type]
        return create_app(addison_planner, svc, region_name=addison.name, atlas=addison_atlas)

    open_ = app()
    for host, status in (("127.0.0.1", 200), ("::1", 200), ("192.0.2.7", 403),
                         ("testclient", 403)):
        r = TestClient(open_, client=(host, 5000)).get("/metrics")  # type: ignore[arg-type]
        assert r.status_code == status, (host, r.text)
    assert "MOBILITY_METRICS_TOKEN" in r.json()["detail"]
    guarded = app(metrics_token=TOKEN)
    local = TestClient(guarded, client=("127.0.0.1", 5000))  # type: ignore[arg-type]
    for auth in (None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"):
        r = local.get("/metrics", headers={"Authorization": auth} if auth else {})
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
        assert r.headers["content-type"] == "application/problem+json"
    far = TestClient(guarded, client=("192.0.2.7", 5000))  # type: ignore[arg-type]
    assert far.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    off = TestClient(app(metrics=False), client=("127.0.0.1", 5000))  # type: ignore[arg-type]
    assert off.get("/metrics").status_code == 404
    assert "/metrics" not in local.get("/openapi.json").json()["paths"]
    store.engine.dispose()


def test_routes_are_labelled_by_template_never_by_path() -> None:
    """A matched route by its template, the web app's mount by its prefix, anything else
    as unmatched: no caller can add series by inventing paths."""
    from fastapi.routing import APIRoute
    from starlette.routing import Mount

    assert route_label(APIRoute("/api/v1/bookings/{booking_id}", lambda: None)) \
        == "/api/v1/bookings/{booking_id}"
    assert route_label(Mount("", app=lambda s, r, x: None)) == "/*"
    assert route_label(None) == "unmatched"


def test_queue_gauges_read_the_outbox_and_the_jobs() -> None:
    """The outbox by channel and status; the oldest due message's age, never negative (a
    retry waiting for its time is not late); the web app's jobs queued and running. Set
    again, the collectors replace the earlier ones (no series twice)."""
    import datetime as dt

    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    rows = [("email", "pending", 3, now - dt.timedelta(seconds=40)),
            ("email", "sending", 1, None), ("sms", "pending", 2, now + dt.timedelta(minutes=2))]
    m = Metrics()
    jobs = {"simulation": lambda n: [{"status": "running"}, {"status": "done"}][:n],
            "access": lambda n: [{"status": "queued"}, {"status": "failed"}][:n]}
    m.read_on_scrape(QueueCollector(lambda: [], lambda: now))
    m.read_on_scrape(QueueCollector(lambda: rows, lambda: now), JobsCollector(jobs))
    text = m.exposition().decode()
    assert text.count("# TYPE mobility_outbox_messages gauge") == 1
    s = samples(text)
    assert value(s, "mobility_jobs", kind="simulation", status="running") == 1
    assert value(s, "mobility_jobs", kind="simulation", status="queued") == 0
    assert value(s, "mobility_jobs", kind="access", status="queued") == 1
    assert value(s, "mobility_outbox_messages", channel="email", status="pending") == 3
    assert value(s, "mobility_outbox_messages", channel="email", status="sending") == 1
    assert value(s, "mobility_outbox_oldest_due_age_seconds", channel="email") == 40
    assert value(s, "mobility_outbox_oldest_due_age_seconds", channel="sms") == 0


def test_json_log_lines_carry_the_request(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An access line written while a request is answered (as uvicorn writes it, once the
    answer starts) is one JSON object with the request's id, route template, status and
    duration; its query's private values masked; the answer carries the same id."""
    from fastapi import FastAPI

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("test.metrics.access")
    access.addFilter(PrivateQuery())
    access.addHandler(handler)
    access.propagate = False
    access.setLevel(logging.INFO)

    inner = FastAPI()

    @inner.get("/api/v1/places/{kind}")
    def places(kind: str) -> dict[str, str]:
        logging.getLogger("test.metrics.app").warning("looking up %s", kind)
        return {"kind": kind}

    ticks = iter(range(100))
    app = Observe(inner, Metrics(), clock=lambda: next(ticks) * 0.25)

    async def send(message: dict) -> None:  # type: ignore[type-arg]
        if message["type"] == "http.response.start":  # uvicorn's access log, at this point
            record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0,
                                       '%s - "%s %s HTTP/%s" %d',
                                       ("127.0.0.1:5000", "GET",
                                        "/api/v1/places/stop?q=Main+Street&lang=de", "1.1",
                                        message["status"]), None)
            record.name = "uvicorn.access"
            access.handle(record)
            sent.append(dict(message["headers"]))

    async def receive() -> dict:  # type: ignore[type-arg]
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[dict[bytes, bytes]] = []
    scope = {"type": "http", "method": "GET", "path": "/api/v1/places/stop",
             "raw_path": b"/api/v1/places/stop", "query_string": b"q=Main+Street&lang=de",
             "headers": [(b"x-request-id", b"proxy-42")], "scheme": "http",
             "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000), "root_path": "",
             "http_version": "1.1", "app": inner}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    line = json.loads(stream.getvalue().strip())
    assert line["request_id"] == "proxy-42" and sent[0][b"x-request-id"] == b"proxy-42"
    assert line["route"] == "/api/v1/places/{kind}" and line["status"] == 200
    assert line["duration_ms"] == 250.0 and line["method"] == "GET"
    assert line["path"] == "/api/v1/places/stop?q=***&lang=de"
    assert "Main" not in stream.getvalue()
    assert line["level"] == "INFO" and line["logger"] == "uvicorn.access"
    assert line["time"].endswith("Z")
    # outside a request: no request fields; a traceback in one field of one line
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        rec = logging.LogRecord("mobility.api", logging.ERROR, __file__, 0, "failed", (),
                                __import__("sys").exc_info())
    out = JsonFormatter().format(rec)
    assert "\n" not in out
    parsed = json.loads(out)
    assert "request_id" not in parsed and "ValueError: boom" in parsed["exc"]
    access.removeHandler(handler)


def test_the_processes_metrics_folder(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``mobility serve``: one process without PROMETHEUS_MULTIPROC_DIR counts in memory;
    several get a new folder in the environment they inherit; a folder given is emptied
    of an earlier run's counts (they would add up with the new ones)."""
    from api.metrics import MULTIPROC_ENV
    from mobility.server import metrics_dir

    monkeypatch.setenv(MULTIPROC_ENV, "")  # restored at the end, whatever metrics_dir sets
    monkeypatch.delenv(MULTIPROC_ENV)
    assert metrics_dir(1) is None and MULTIPROC_ENV not in os.environ
    made = metrics_dir(2)
    assert made is not None and made.is_dir() and not any(made.iterdir())
    assert os.environ[MULTIPROC_ENV] == str(made)
    made.rmdir()
    given = tmp_path / "shared"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"old counts")
    (given / "notes.txt").write_text("kept")
    monkeypatch.setenv(MULTIPROC_ENV, str(given))
    assert metrics_dir(1) == given
    assert sorted(p.name for p in given.iterdir()) == ["notes.txt"]
