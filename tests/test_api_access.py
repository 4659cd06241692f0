"""Planners' accessibility analyses through the API (``/api/v1/access``): a small analysis
runs in a child process and its cells and summary equal an independent ``run_access`` in the
test process; its report files are served from a fixed list; keys, roles, ids, file names
and bodies are checked (4xx, nothing started, nothing written)."""

from __future__ import annotations

import json
import math
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import Store, create_app
from mobility.access import run_access
from mobility.access.jobs import AccessJobs
from mobility.region import Region
from tests.api_helpers import key
from tests.conftest import CACHE, DATA, booking_service

#: the town centres of the README's default analysis (Middlebury, Vergennes, Bristol)
CENTRES = "stops:771333,771400,771306"
#: a coarse grid (1 km cells) and a short window: an analysis takes seconds
CELL_M = 1000.0


@pytest.fixture()
def web(addison: Region, addison_planner: Any, addison_travel: Any, tmp_path: Path
        ) -> Iterator[TestClient]:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    svc = booking_service(addison, addison_travel, store)
    jobs = AccessJobs(addison, tmp_path / "access", data=DATA, cache=CACHE, cell_m=CELL_M)
    app = create_app(addison_planner, svc, region_name=addison.name, access=jobs)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _jobs(c: TestClient) -> AccessJobs:
    return c.app.state.access  # type: ignore[attr-defined, no-any-return]


def _headers(c: TestClient, role: str) -> dict[str, str]:
    kw: dict[str, Any] = {"rider_name": "R"} if role == "rider" else {}
    return {"Authorization": f"Bearer {key(c.app.state.store, role, **kw)}"}  # type: ignore[attr-defined]


def wait_access(client: Any, job_id: str, headers: dict[str, str],
                timeout: float = 300) -> dict[str, Any]:
    """Poll an analysis until it is done or failed; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    seen: list[float] = []
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/access/{job_id}", headers=headers).json()
        seen.append(job["progress"])
        if job["status"] in ("done", "failed"):
            job["_seen"] = seen
            return job
        time.sleep(0.3)
    raise AssertionError(f"analysis {job_id} did not finish: {job}")


@pytest.mark.slow
def test_an_analysis_runs_in_the_background_and_equals_run_access(
        web: TestClient, addison: Region) -> None:
    staff = _headers(web, "dispatcher")
    body = {"to": CENTRES, "window": "07:00-07:04", "maxMin": 45, "vehicles": [3, 1],
            "language": "de"}
    r = web.post("/api/v1/access", headers=staff, json=body)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running") and job["area"] == "middlebury"
    assert job["vehicles"] == [1, 3] and job["maxMin"] == 45 and job["summary"] is None
    busy = web.post("/api/v1/access", headers=staff, json=body)  # one at a time
    assert busy.status_code == 409 and busy.json()["type"].endswith("access-running")
    done = wait_access(web, job["id"], staff)
    assert done["status"] == "done" and done["progress"] == 1.0, done
    assert done["_seen"] == sorted(done["_seen"])  # the bar only moves forward
    # an independent run in this process, with the options the job ran
    res = run_access(addison, _jobs(web).options(CENTRES, "07:00-07:04", 45, [1, 3],
                                                 "middlebury"))
    cells = web.get(f"/api/v1/access/{job['id']}/cells", headers=staff)
    assert cells.status_code == 200
    assert cells.headers["content-type"].startswith("application/geo+json")
    geo = cells.json()
    assert geo == json.loads(json.dumps(res.cells_geojson()))
    assert len(geo["features"]) == len(res.cells) > 50
    want = res.to_json()
    s = done["summary"]
    for k in ("cells", "residents", "residents_within_before", "opportunities", "minutes",
              "max_min", "area", "to", "window"):
        assert s[k] == want[k], k
    assert [f["vehicles"] for f in s["fleets"]] == [1, 3]
    for got, exp in zip(s["fleets"], want["fleets"], strict=True):
        for k in ("residents_gaining", "residents_within_after", "served_share"):
            assert got[k] == exp[k], k
    # the gain counted from the cells themselves: weights of cells flagged gain3
    feats = [f["properties"] for f in geo["features"]]
    gained = sum(p["weight"] for p in feats if p["gain3"])
    assert math.isclose(gained, s["fleets"][1]["residents_gaining"], abs_tol=0.5 + 1e-3 * gained)
    for p in feats:  # gaining: beyond T before (or unreachable), within T with 3 vehicles
        if p["gain3"]:
            assert (p["before_p50"] is None or p["before_p50"] > 45) and p["after3_p50"] <= 45
    # the report's files: the same summary, the page in German, real plots
    assert set(done["files"]) == {"index.html", "summary.json", "cells.gpkg", "map.png",
                                  "distribution.png"}
    sj = web.get(done["files"]["summary.json"])
    assert sj.status_code == 200 and json.loads(sj.content) == s
    page = web.get(done["report"])
    assert page.status_code == 200 and '<html lang="de">' in page.text
    assert "sandbox" in page.headers["content-security-policy"]
    for name in ("map.png", "distribution.png"):
        png = web.get(done["files"][name])
        assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    gpkg = web.get(done["files"]["cells.gpkg"])
    assert gpkg.status_code == 200 and gpkg.content[:16] == b"SQLite format 3\x00"
    # listed, newest first
    listed = web.get("/api/v1/access", headers=staff).json()["analyses"]
    assert [j["id"] for j in listed] == [job["id"]]
    # what the job folder holds beyond the list is not served
    for name in ("job.json", "cells.geojson", ".lock"):
        assert web.get(f"/api/v1/access/{job['id']}/{name}").status_code in (404, 422)


@pytest.mark.slow
def test_an_analysis_error_becomes_the_jobs_error(web: TestClient) -> None:
    """An OSM category the extract does not map: the analysis' own message, code invalid."""
    staff = _headers(web, "dispatcher")
    r = web.post("/api/v1/access", headers=staff,
                 json={"to": "supermarkets", "window": "07:00-07:02", "vehicles": [1]})
    assert r.status_code == 202, r.text
    done = wait_access(web, r.json()["id"], staff)
    assert done["status"] == "failed" and done["errorCode"] == "invalid", done
    assert "supermarkets" in done["error"] and "file" in done["error"]
    assert done["report"] is None and done["files"] == {}
    assert web.get(f"/api/v1/access/{done['id']}/cells", headers=staff).status_code == 404


def test_an_interrupted_analysis_is_marked_failed(web: TestClient) -> None:
    """The analysis' process dies (a server restart kills it): the job says so instead of
    running forever, and serves no files."""
    staff = _headers(web, "dispatcher")
    job = web.post("/api/v1/access", headers=staff, json={"to": CENTRES}).json()
    pid = json.loads((_jobs(web).root / job["id"] / "job.json").read_text())["pid"]
    os.kill(pid, signal.SIGKILL)
    done = wait_access(web, job["id"], staff, timeout=60)
    assert done["status"] == "failed" and done["errorCode"] == "interrupted", done
    assert web.get(f"/api/v1/access/{job['id']}/index.html").status_code == 404
    # the next analysis may start
    assert not _jobs(web).busy()


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"to": "/etc/passwd"}, "to"),
    ({"to": "clinics.csv"}, "to"),
    ({"to": "../../m.db"}, "to"),
    ({"to": "stops:"}, "to"),
    ({"to": "stops:nope,771333"}, "to"),
    ({"to": "stops:" + ",".join(["771333"] * 51)}, "to"),
    ({"to": "stops:771333\u202e"}, "to"),
    ({"to": "x" * 3000}, "to"),
    ({"to": 771333}, "to"),
    ({"to": CENTRES, "window": "7-9"}, "window"),
    ({"to": CENTRES, "window": "09:00-07:00"}, "window"),
    ({"to": CENTRES, "window": "07:00-15:00"}, "window"),
    ({"to": CENTRES, "window": "07:99-08:00"}, "window"),
    ({"to": CENTRES, "maxMin": 0}, "maxMin"),
    ({"to": CENTRES, "maxMin": 241}, "maxMin"),
    ({"to": CENTRES, "maxMin": "45"}, "maxMin"),
    ({"to": CENTRES, "maxMin": 10**30}, "maxMin"),
    ({"to": CENTRES, "maxMin": 45.5}, "maxMin"),
    ({"to": CENTRES, "vehicles": []}, "vehicles"),
    ({"to": CENTRES, "vehicles": [0]}, "vehicles"),
    ({"to": CENTRES, "vehicles": [51]}, "vehicles"),
    ({"to": CENTRES, "vehicles": [1, 2, 3, 4, 5]}, "vehicles"),
    ({"to": CENTRES, "vehicles": 3}, "vehicles"),
    ({"to": CENTRES, "area": "atlantis"}, "area"),
    ({"to": CENTRES, "area": "/etc/passwd.geojson"}, "area"),
    ({"to": CENTRES, "language": "fr"}, "language"),
    ({"to": CENTRES, "cellSubset": [1]}, "cellSubset"),
    ({}, "to"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_bodies_are_422_with_the_field_and_start_nothing(
        web: TestClient, body: dict[str, Any], field: str) -> None:
    staff = _headers(web, "dispatcher")
    r = web.post("/api/v1/access", headers=staff, json=body)
    assert r.status_code == 422, (body, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem.get("field", "").split(".")[0] == field or field in r.text, problem
    root = _jobs(web).root
    assert not root.exists() or not any(root.iterdir())  # nothing half-written


def test_keys_roles_ids_and_file_names_are_checked(web: TestClient) -> None:
    staff = _headers(web, "dispatcher")
    body = {"to": CENTRES}
    for who in ({}, {"Authorization": "Bearer nope"}):
        assert web.post("/api/v1/access", headers=who, json=body).status_code == 401
        assert web.get("/api/v1/access", headers=who).status_code == 401
        assert web.get("/api/v1/access/0123456789abcdef", headers=who).status_code == 401
        assert web.get("/api/v1/access/0123456789abcdef/cells",
                       headers=who).status_code == 401
    rider = _headers(web, "rider")
    for h in (rider,):
        assert web.post("/api/v1/access", headers=h, json=body).status_code == 403
        assert web.get("/api/v1/access", headers=h).status_code == 403
        assert web.get("/api/v1/access/0123456789abcdef/cells", headers=h).status_code == 403
    assert web.get("/api/v1/access", headers=staff).json() == {"analyses": []}
    assert web.get("/api/v1/access/0123456789abcdef", headers=staff).status_code == 404
    assert web.get("/api/v1/access/0123456789abcdef/cells", headers=staff).status_code == 404
    for bad in ("..%2F..", "0123456789ABCDEF", "0123456789abcdef0", "%00", "ü" * 16):
        assert web.get(f"/api/v1/access/{bad}", headers=staff).status_code in (404, 422), bad
    for bad in ("0123456789abcdef/job.json", "0123456789abcdef/..%2F..%2Fm.db",
                "0123456789abcdef/index.html", "..%2F..%2Fm.db/index.html",
                "0123456789abcdef/%2E%2E", "0123456789abcdef/cells.geojson",
                "0123456789abcdef/" + "a" * 300):
        assert web.get(f"/api/v1/access/{bad}").status_code in (404, 422), bad
    assert web.get("/api/v1/access?limit=0", headers=staff).status_code == 422
    assert web.get("/api/v1/access?limit=99999999999999999999",
                   headers=staff).status_code == 422
    r = web.post("/api/v1/access", headers={**staff, "Content-Type": "application/json"},
                 content=b"{not json")
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert not _jobs(web).root.exists() or not any(_jobs(web).root.iterdir())


def test_a_server_without_analyses_says_so(addison: Region, addison_planner: Any,
                                           addison_travel: Any, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.migrate()
    app = create_app(addison_planner, booking_service(addison, addison_travel, store),
                     region_name=addison.name)
    with TestClient(app, raise_server_exceptions=False) as c:
        staff = {"Authorization": f"Bearer {key(store, 'dispatcher')}"}
        r = c.post("/api/v1/access", headers=staff, json={"to": CENTRES})
        assert r.status_code == 404 and r.json()["type"].endswith("no-access")
