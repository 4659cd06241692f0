"""What the web app asks of the API, over the real regions: the region's facts and language,
the offline base map (every street drawn once), place search, riders signing up, the first
dispatcher key, the static app itself, and simulations run in a child process."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import ApiConfig, Store, create_app
from api.auth import first_staff_key
from api.headers import page_policy
from mobility.atlas import Atlas, fold
from mobility.region import Region
from mobility.sim.jobs import Simulations
from routing.geo import local_metres
from tests.api_helpers import BRISTOL, VERGENNES, key, wait_simulation
from tests.conftest import CACHE, DATA, booking_service


def _client(region: Region, planner: Any, travel: Any, tmp: Path, *,
            open_signup: bool = True) -> TestClient:
    store = Store(f"sqlite:///{tmp / 'm.db'}")
    store.migrate()
    svc = booking_service(region, travel, store, config=ApiConfig(open_signup=open_signup))
    app = create_app(planner, svc, region_name=region.name, atlas=Atlas(region),
                     simulator=Simulations(region, tmp / "sims", data=DATA, cache=CACHE))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture()
def web(addison: Region, addison_planner: Any, addison_travel: Any, tmp_path: Path
        ) -> Iterator[TestClient]:
    with _client(addison, addison_planner, addison_travel, tmp_path) as c:
        yield c


def _store(c: TestClient) -> Store:
    return c.app.state.store  # type: ignore[attr-defined, no-any-return]


# -- the region and its language -------------------------------------------------------------
def test_region_info(web: TestClient, addison: Region) -> None:
    r = web.get("/api/v1/region").json()
    net = addison.streets["car"]
    assert r["name"] == "addison-vt" and r["timezone"] == "America/New_York"
    assert r["language"] == "en" and r["tileUrl"] is None and r["openSignup"] is True
    (s, w), (n, e) = r["bounds"]
    assert s == pytest.approx(net.node_lat.min()) and e == pytest.approx(net.node_lon.max())
    assert r["stops"] == addison.timetable.n_stops


def test_german_regions_default_to_german(rhein_neckar: Region, addison: Region) -> None:
    assert Atlas(rhein_neckar).info()["language"] == "de"
    assert Atlas(addison, language="de").info()["language"] == "de"  # the operator's choice


# -- the base map ----------------------------------------------------------------------------
def _lines(doc: dict[str, Any]) -> dict[str, list[list[list[float]]]]:
    return {f["properties"]["class"]: f["geometry"]["coordinates"] for f in doc["features"]}


def test_streets_are_each_drawn_once(web: TestClient, addison: Region) -> None:
    """Checked against the network's own edge geometries: every edge is drawn (in one
    direction or the other), and no street twice."""
    r = web.get("/api/v1/map/streets", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    lines = _lines(r.json())
    assert set(lines) == {"major", "minor", "service"}
    drawn = [tuple((round(x, 5), round(y, 5)) for x, y in ln)
             for ls in lines.values() for ln in ls]
    assert len(drawn) == len(set(drawn))  # no line twice
    net = addison.streets["car"]
    expected = set()
    for e in range(net.n_edges):
        a, b = int(net.geom_offset[e]), int(net.geom_offset[e + 1])
        pts = tuple((round(float(x), 5), round(float(y), 5))
                    for x, y in zip(net.geom_lon[a:b], net.geom_lat[a:b], strict=True))
        expected.add(min(pts, pts[::-1]))  # one key per undirected geometry
    assert {min(p, p[::-1]) for p in drawn} == expected
    # motorways and primaries are "major"; the area's trunk roads are there
    assert len(lines["major"]) > 100 and len(lines["minor"]) > len(lines["major"])


def test_streets_without_gzip(web: TestClient) -> None:
    raw = web.app.state.atlas.streets_gz()  # type: ignore[attr-defined]
    r = web.get("/api/v1/map/streets", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers
    assert r.content == gzip.decompress(raw)


def test_stops_layer(web: TestClient, addison: Region) -> None:
    doc = web.get("/api/v1/map/stops").json()
    tt = addison.timetable
    assert len(doc["features"]) == tt.n_stops
    f = doc["features"][5]
    assert f["properties"]["name"] == tt.stop_name[5]
    assert f["geometry"]["coordinates"] == pytest.approx([tt.stop_lon[5], tt.stop_lat[5]],
                                                         abs=1e-6)


# -- place search ----------------------------------------------------------------------------
def test_fold() -> None:
    assert fold("Hauptstraße") == fold("HAUPTSTRASSE") == fold("Hauptstr.") == "hauptstr"
    assert fold("Bürgerpark, Mannheim") == "burgerpark mannheim"
    assert fold("  Merchant's   Row ") == "merchant s row"


def _how(name: str, q: str) -> int:
    """The documented match classes, from the folded forms of the name (street words long
    and short): 0 the whole name, 1 its start, 2 a word's start, 3 any part."""
    forms = {fold(name), fold(name, abbreviate=False)}
    return min(0 if f == q else 1 if f.startswith(q) else 2 if f" {q}" in f else 3
               for f in forms if q in f)


def test_search_ranks_whole_names_then_starts_then_words(web: TestClient) -> None:
    r = web.get("/api/v1/places", params={"q": "main st", "limit": 20}).json()["places"]
    assert all("main st" in fold(p["name"]) for p in r)
    tier = {"stop": 0, "street": 1}  # stops before streets within a class

    def rank(p: dict[str, Any]) -> tuple[int, int]:
        return _how(p["name"], "main st"), tier.get(p["kind"], 2)

    assert [rank(p) for p in r] == sorted(rank(p) for p in r)
    # the whole name first: "Main Street" of several villages, one entry each, told apart
    # by the nearest stop; then the stops whose names start with it
    mains = [p for p in r if p["name"] == "Main Street"]
    assert r[:len(mains)] == mains and len(mains) >= 2
    assert len({p["near"] for p in mains}) == len(mains)
    assert r[len(mains)]["kind"] == "stop"
    assert len(web.get("/api/v1/places", params={"q": "main", "limit": 3}).json()["places"]) == 3


def test_search_prefers_names_starting_with_the_query(web: TestClient) -> None:
    r = web.get("/api/v1/places", params={"q": "vergennes", "limit": 20}).json()["places"]
    assert r and all(fold(p["name"]).find("vergennes") >= 0 for p in r)
    starts = [fold(p["name"]).startswith("vergennes") for p in r]
    assert starts == sorted(starts, reverse=True)
    assert (r[0]["name"], r[0]["kind"], r[0]["stopId"]) == ("Vergennes", "city", None)
    assert r[1]["stopId"] is not None  # then its stops


@pytest.mark.parametrize(("query", "name"), [
    ("Cornwall", "Cornwall"), ("Salisbury", "Salisbury"), ("Weybridge", "Weybridge"),
    ("cornwal", "Cornwall"), ("Salisbry", "Salisbury"), ("Weybrige", "Weybridge"),
    ("new haven", "New Haven"), ("Bristl", "Bristol"), ("east midd", "East Middlebury")])
def test_villages_of_the_service_area_are_found(addison_atlas: Atlas, addison: Region,
                                                query: str, name: str) -> None:
    """The built-in gazetteer's villages (the extract names none), also with a typo; each at
    its centre on a street both a car and a walker may use."""
    from tests.test_places import _on_street

    p = addison_atlas.search(query)[0]
    assert p.name == name and p.kind in ("village", "town", "city") and p.stop_id is None
    given = next(g for g in addison.config.places if g.name == name)
    assert local_metres(given.lat, given.lon, p.lat, p.lon) < 60  # moved onto the street
    assert _on_street(addison, p, "car") < 0.5 and _on_street(addison, p, "walk") < 0.5


def test_the_map_centre_ranks_nearer_places_first(web: TestClient, addison: Region) -> None:
    def first(lat: float, lon: float) -> dict[str, Any]:
        r = web.get("/api/v1/places", params={"q": "Main Street", "lat": lat, "lon": lon})
        assert r.status_code == 200
        return r.json()["places"][0]  # type: ignore[no-any-return]

    for lat, lon in (BRISTOL, VERGENNES):  # the Main Street of the town in view
        mains = [p for p in web.get("/api/v1/places", params={"q": "Main Street", "limit": 20}
                                    ).json()["places"] if p["name"] == "Main Street"]
        nearest = min(mains, key=lambda p: local_metres(lat, lon, p["lat"], p["lon"]))
        assert first(lat, lon) == nearest


def test_a_village_found_by_name_plans_a_trip(addison: Region, tmp_path: Path) -> None:
    """Cornwall has no bus stop: chosen in the search, its point plans a ride to the bus."""
    from mobility.server import build
    from mobility.settings import Settings
    from tests.api_helpers import NOW, tomorrow

    app = build(addison, Settings(db_url=f"sqlite:///{tmp_path / 'm.db'}", replay_feed=True,
                                  clock_start=NOW), warm=False)
    with TestClient(app) as c:
        hit = c.get("/api/v1/places", params={"q": "Cornwall"}).json()["places"][0]
        assert (hit["name"], hit["kind"]) == ("Cornwall", "village")
        r = c.get("/api/v1/plan", params={"from": f"{hit['lat']},{hit['lon']}",
                                          "to": "44.1670,-73.2540", "time": tomorrow(7)})
        assert r.status_code == 200, r.text
        its = r.json()["itineraries"]
        assert its and its[0]["legs"][0]["mode"] == "ON_DEMAND"


def test_search_in_german(rhein_neckar: Region) -> None:
    atlas = Atlas(rhein_neckar)
    hits = atlas.search("hauptstrasse", 50)
    assert hits and any(h.name == "Hauptstraße" for h in hits)
    assert all("hauptstr" in fold(h.name) for h in hits)
    assert atlas.search("Hauptstras")[0].name == "Hauptstraße"  # while it is typed


def test_search_rejects_bad_queries(web: TestClient) -> None:
    assert web.get("/api/v1/places", params={"q": ""}).status_code == 422
    assert web.get("/api/v1/places", params={"q": "x" * 101}).status_code == 422
    assert web.get("/api/v1/places", params={"q": "main", "limit": 0}).status_code == 422
    assert web.get("/api/v1/places", params={"q": "zzqqxx"}).json() == {"places": []}
    for params, field in (({"lat": 44.0}, "lon"), ({"lon": -73.1}, "lat"),
                          ({"lat": 95, "lon": 0}, "lat"), ({"lat": 0, "lon": 181}, "lon")):
        r = web.get("/api/v1/places", params={"q": "main", **params})
        assert r.status_code == 422, params
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["field"] == field


# -- accounts --------------------------------------------------------------------------------
def test_sign_up_gives_a_rider_key_that_books(web: TestClient) -> None:
    r = web.post("/api/v1/accounts", json={"name": "Ann Example", "phone": "+1 802 555 0100"})
    assert r.status_code == 201
    body = r.json()
    assert body["role"] == "rider" and body["key"].startswith("mob_")
    me = web.get("/api/v1/me", headers={"Authorization": f"Bearer {body['key']}"}).json()
    assert me == {"role": "rider", "riderId": body["riderId"], "vehicleId": None,
                  "name": "Ann Example", "companyId": None}
    assert web.get("/api/v1/bookings", headers={"Authorization": f"Bearer {body['key']}"}
                   ).json()["bookings"] == []


def test_sign_up_checks_its_input(web: TestClient) -> None:
    assert web.post("/api/v1/accounts", json={"name": ""}).status_code == 422
    r = web.post("/api/v1/accounts", json={"name": "A", "phone": "call me"})
    assert r.status_code == 422 and r.json()["field"] == "phone"
    assert web.post("/api/v1/accounts", json={"name": "A", "role": "admin"}).status_code == 422
    assert web.get("/api/v1/me").status_code == 401


def test_sign_ups_are_rate_limited(web: TestClient) -> None:
    codes = [web.post("/api/v1/accounts", json={"name": f"Bot {i}"}).status_code
             for i in range(12)]
    assert codes == [201] * 10 + [429] * 2
    r = web.post("/api/v1/accounts", json={"name": "Bot"})
    assert r.json()["type"].endswith("too-many-signups")
    assert 3500 < int(r.headers["retry-after"]) <= 3600


def test_ipv6_clients_count_by_their_64() -> None:
    from api.limits import client_key

    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("192.0.2.7") == "192.0.2.7"


def test_closed_sign_up(addison: Region, addison_planner: Any, addison_travel: Any,
                        tmp_path: Path) -> None:
    with _client(addison, addison_planner, addison_travel, tmp_path,
                 open_signup=False) as c:
        r = c.post("/api/v1/accounts", json={"name": "Ann"})
        assert r.status_code == 403 and r.json()["type"].endswith("signup-closed")
        assert c.get("/api/v1/region").json()["openSignup"] is False


def test_first_staff_key_is_made_once(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    store.migrate()
    with store.session() as s:
        first = first_staff_key(s)
    with store.session() as s:
        again = first_staff_key(s)
    assert first is not None and again is None
    from api.auth import lookup

    with store.session() as s:
        who = lookup(s, first)
    assert who is not None and who.role == "dispatcher"


# -- the static app --------------------------------------------------------------------------
def test_the_app_is_served_at_the_root(web: TestClient) -> None:
    r = web.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert 'src="vendor/leaflet/leaflet.js"' in r.text and "https://" not in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    js = web.get("/js/main.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert web.get("/vendor/leaflet/leaflet.js").status_code == 200  # installed from npm
    # unknown API paths stay problem details, not the app's pages
    r = web.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


# -- simulations -----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_simulation_runs_in_the_background(web: TestClient, addison: Region) -> None:
    staff = {"Authorization": f"Bearer {key(_store(web), 'dispatcher')}"}
    r = web.post("/api/v1/simulations", headers=staff,
                 json={"vehicles": [1], "ratePerHour": 2, "seed": 7})
    assert r.status_code == 202
    job = r.json()
    assert job["status"] in ("queued", "running") and job["area"] == "middlebury"
    # one at a time
    busy = web.post("/api/v1/simulations", headers=staff, json={"vehicles": [2]})
    assert busy.status_code == 409
    done = wait_simulation(web, job["id"], staff)
    assert done["status"] == "done" and done["progress"] == 1.0, done
    v = done["variants"][0]
    k = v["kpis"]
    assert k["vehicles"] == 1 and k["served"] + k["rejected"] + k["no_shows"] == k["requests"]
    # the same numbers as the report's own kpis.json, and real PNG plots
    kj = web.get(f"/api/v1/simulations/{job['id']}/{v['label']}/kpis.json")
    assert kj.status_code == 200 and json.loads(kj.content) == k
    png = web.get(v["plots"]["map"])
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    page = web.get(v["report"])
    assert page.text.startswith("<!doctype html>")
    # served on the app's origin, but nothing in it may run or load (its style by hash,
    # its plots inline), and sandboxed away from the app's stored keys
    csp = page.headers["content-security-policy"]
    style = re.search(r"<style>(.*?)</style>", page.text, re.S)
    assert style is not None and page_policy(page.content) == csp
    digest = base64.b64encode(hashlib.sha256(style[1].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp and "script-src 'none'" in csp
    assert "sandbox" in csp and page.headers["x-content-type-options"] == "nosniff"
    listed = web.get("/api/v1/simulations", headers=staff).json()["simulations"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_simulation_requests_are_checked(web: TestClient) -> None:
    staff = {"Authorization": f"Bearer {key(_store(web), 'dispatcher')}"}
    rider = {"Authorization": f"Bearer {key(_store(web), 'rider', rider_name='R')}"}
    r = web.post("/api/v1/simulations", headers=staff, json={"area": "atlantis"})
    assert r.status_code == 422 and r.json()["field"] == "area"
    assert "middlebury" in r.json()["detail"]
    r = web.post("/api/v1/simulations", headers=staff, json={"vehicles": [0]})
    assert r.status_code == 422 and r.json()["field"] == "vehicles"
    r = web.post("/api/v1/simulations", headers=staff, json={"vehicles": [1] * 7})
    assert r.status_code == 422
    r = web.post("/api/v1/simulations", headers=staff, json={"area": "/etc/passwd.geojson"})
    assert r.status_code == 422  # names only: no file on the server is read
    assert web.post("/api/v1/simulations", headers=rider, json={}).status_code == 403
    assert web.get("/api/v1/simulations/0123456789abcdef", headers=staff).status_code == 404
    assert web.get("/api/v1/simulations/..%2F..", headers=staff).status_code in (404, 422)
    for bad in ("0123456789abcdef/1veh/job.json", "0123456789abcdef/..%2F/kpis.json",
                "0123456789abcdef/1veh/..%2F..%2Fm.db"):
        assert web.get(f"/api/v1/simulations/{bad}").status_code in (404, 422)


def test_an_interrupted_simulation_is_marked_failed(web: TestClient) -> None:
    """The run's process dies (a server restart kills it): the job says so instead of
    running forever."""
    staff = {"Authorization": f"Bearer {key(_store(web), 'dispatcher')}"}
    job = web.post("/api/v1/simulations", headers=staff,
                   json={"vehicles": [3], "ratePerHour": 30}).json()
    sims = web.app.state.simulator  # type: ignore[attr-defined]
    pid = json.loads((sims.root / job["id"] / "job.json").read_text())["pid"]
    os.kill(pid, signal.SIGKILL)
    done = wait_simulation(web, job["id"], staff)
    assert done["status"] == "failed" and "interrupted" in done["error"]
    assert not math.isnan(done["progress"])


def test_tile_url_setting_is_checked() -> None:
    from pydantic import ValidationError

    from mobility.settings import Settings

    ok = Settings(tile_url="https://tiles.example.org/{z}/{x}/{y}.png")  # type: ignore[call-arg]
    assert ok.tile_url is not None
    for bad in ("tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/{z}.png"):
        with pytest.raises(ValidationError, match="tile_url must be"):
            Settings(tile_url=bad)  # type: ignore[call-arg]


def test_content_policy_admits_the_tile_server() -> None:
    from api.web import content_policy

    assert "img-src 'self' data: blob:;" in content_policy(None)
    p = content_policy("https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://*.tile.example.org;" in p


def test_plot_texts_exist_in_both_languages() -> None:
    from mobility.sim.report import PLOT_TEXT

    assert PLOT_TEXT["de"].keys() == PLOT_TEXT["en"].keys()
    assert all("{area}" in t["map"] for t in PLOT_TEXT.values())


def test_a_recycled_pid_does_not_keep_a_run_alive(addison: Region, tmp_path: Path) -> None:
    """A job whose recorded process id now belongs to another process (here: this test's
    own, with another start time) is over."""
    sims = Simulations(addison, tmp_path / "sims", data=DATA, cache=CACHE)
    folder = sims.root / "0123456789abcdef"
    folder.mkdir(parents=True)
    job = {"id": folder.name, "status": "running", "area": "middlebury", "rate_per_hour": 1,
           "seed": 1, "progress": 0.5, "created_at": "2026-01-01T00:00:00+00:00",
           "variants": [], "error": None, "pid": os.getpid(), "pid_start": 1}
    (folder / "job.json").write_text(json.dumps(job))
    out = sims.get(folder.name)
    assert out is not None and out["status"] == "failed" and "pid" not in out
    assert not sims.busy()
