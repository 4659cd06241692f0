"""The ``mobility`` command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mobility", *args], capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**os.environ, **(env or {})})


def test_info_json_on_tiny_region(tiny_region: Path, tmp_path: Path) -> None:
    env = {"MOBILITY_DATA": str(tiny_region.parent), "MOBILITY_CACHE": str(tmp_path / "c")}
    res = _cli("compile", "tiny", env=env)
    assert res.returncode == 0, res.stderr
    assert "Region tiny" in res.stdout
    res = _cli("info", "tiny", "--json", env=env)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["region"] == "tiny"
    assert doc["service_dates"] == ["2024-01-02", "2024-01-31"]
    assert doc["transit"] == {"agencies": 1, "stops": 4, "routes": 1, "patterns": 3,
                              "trips": 6, "stop_times": 18, "trips_on_default_date": 3}
    assert set(doc["streets"]) == {"walk", "bike", "car"}
    assert all(v["nodes"] > 0 and v["edges"] > 0 for v in doc["streets"].values())
    assert doc["cache"]["hit"] is True
    assert any("strongly connected" in w for w in doc["warnings"])
    # the compile report survives the cache: T1 and T3 have blank times, no stop is stranded
    assert doc["interpolated"] == {"trips": 2, "trips_share": round(2 / 6, 4),
                                   "stop_times": 3, "stop_times_share": round(3 / 18, 4)}
    cov = doc["coverage"]
    assert (cov["served_stops"], cov["unreachable_stops"], cov["routes"]) == (4, 0, [])


def test_info_on_default_region(addison: object, tmp_path: Path) -> None:
    """The default region (addison-vt) from the test cache; --data/--cache options work."""
    from tests.conftest import CACHE, DATA

    res = _cli("info", "--json", "--data", str(DATA), "--cache", str(CACHE))
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["region"] == "addison-vt" and doc["default_date"] == "2016-03-03"
    assert doc["transit"]["stops"] == 114 and doc["transit"]["trips_on_default_date"] == 142


def test_unknown_region_is_a_clear_error(tmp_path: Path) -> None:
    res = _cli("info", "atlantis", "--data", str(tmp_path))
    assert res.returncode == 2
    assert "unknown region 'atlantis'" in res.stderr and "Traceback" not in res.stderr


def test_broken_feed_in_region_is_reported_not_raised(tiny_region: Path, tmp_path: Path
                                                      ) -> None:
    import zipfile

    from tests.conftest import FIXTURES

    with zipfile.ZipFile(tiny_region / "gtfs.zip", "w") as z:
        for f in (FIXTURES / "gtfs_tiny").iterdir():
            z.write(f, f.name) if f.name != "calendar_dates.txt" else z.writestr(
                f.name, "service_id,date,exception_type\nWK,2024-13-01,1\n")
    env = {"MOBILITY_DATA": str(tiny_region.parent), "MOBILITY_CACHE": str(tmp_path / "c")}
    res = _cli("compile", "tiny", env=env)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "calendar_dates.txt:2 [date]" in res.stderr.replace("\n", " ")


@pytest.mark.slow
def test_route_parses_as_the_api_does(addison_planner: object) -> None:
    """``mobility route`` reads its endpoints and time with the HTTP API's rules (one copy,
    api.plan_query): the same query gives the API's answer, and bad input the API's
    message, named after the option."""
    import pytest

    from api.plan_query import parse_plan_input
    from api.routes.plan import plan_answer
    from routing.errors import MobilityError
    from tests.conftest import CACHE, DATA

    where = ("--data", str(DATA), "--cache", str(CACHE))
    query = ("stop:771377", "44.1670,-73.2540", "2016-03-03T17:00-05:00")  # offset: EST
    # the planner here has no on-demand rides (whose offers depend on the service's clock)
    res = _cli("route", "--from", query[0], "--to", query[1], "--at", query[2], "--json",
               "--no-on-demand", *where)
    assert res.returncode == 0, res.stderr
    api_doc = plan_answer(addison_planner, *query)  # type: ignore[arg-type]
    assert json.loads(res.stdout) == api_doc and api_doc["itineraries"]
    for bad in (("stop:nope", query[1], query[2]), (query[0], "44.0,", query[2]),
                (query[0], query[1], "0001-01-01T00:00+14:00")):
        with pytest.raises(MobilityError) as exc:
            parse_plan_input(addison_planner, *bad)  # type: ignore[arg-type]
        res = _cli("route", "--from", bad[0], "--to", bad[1], "--at", bad[2], *where)
        assert res.returncode == 2 and "Traceback" not in res.stderr
        field = exc.value.field
        expected = str(exc.value).replace(f"{field}:", f"--{'at' if field == 'time' else field}:")
        assert " ".join(expected.split()) in " ".join(res.stderr.split())


@pytest.mark.slow
def test_places_finds_the_villages_as_the_api_does(addison_atlas: object) -> None:
    """``mobility places``: Cornwall, Salisbury and Weybridge (no bus stop, no name in the
    extract: the built-in gazetteer's) with the web app's answers; the region is optional,
    a query may be several words, nothing found exits 1."""
    from tests.conftest import CACHE, DATA

    where = ("--data", str(DATA), "--cache", str(CACHE))
    for words in (("Cornwall",), ("addison-vt", "Salisbury"), ("Weybrige",)):
        res = _cli("places", *words, "--json", "--limit", "3", *where)
        assert res.returncode == 0, res.stderr
        found = json.loads(res.stdout)["places"]
        api = addison_atlas.search(words[-1], 3)  # type: ignore[attr-defined]
        assert [(p["name"], p["kind"], p["lat"], p["lon"]) for p in found] == [
            (p.name, p.kind, round(p.lat, 6), round(p.lon, 6)) for p in api]
        assert found[0]["kind"] == "village"
    res = _cli("places", "new", "haven", *where)  # words, no region: one query
    assert res.returncode == 0 and "New Haven" in res.stdout and "village" in res.stdout
    res = _cli("places", "zzqqx", *where)
    assert res.returncode == 1 and "no place in addison-vt matches 'zzqqx'" in res.stdout
    res = _cli("places", "Cornwall", "--near", "44.0", *where)
    assert res.returncode == 2 and "--near must be LAT,LON" in res.stderr


#: runs the command line in this process, then names the web framework's modules imported
_IMPORTS_DRIVER = """
import json, sys
from mobility.cli import app
try:
    code = app(sys.argv[1:], standalone_mode=False)
except SystemExit as exc:
    code = exc.code
web = sorted(m for m in ("fastapi", "starlette", "sqlalchemy", "uvicorn", "alembic")
             if m in sys.modules)
print(json.dumps({"exit": code, "web": web}), file=sys.stderr)
"""


@pytest.mark.slow
def test_simulate_imports_no_web_framework(addison: object, tmp_path: Path) -> None:
    """``mobility simulate`` (here on a two-request demand file, report included) runs
    without FastAPI, Starlette or SQLAlchemy: the simulation does not depend on the API."""
    from tests.conftest import CACHE, DATA

    demand = tmp_path / "d.csv"
    demand.write_text("time,origin_lat,origin_lon,destination_lat,destination_lon\n"
                      "08:00,44.0153,-73.1673,44.1336,-73.079\n"
                      "09:00,44.0098,-73.1801,44.0153,-73.1673\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-c", _IMPORTS_DRIVER, "simulate", "--demand",
                        str(demand), "--vehicles", "1", "--out", str(tmp_path / "rep"),
                        "--json", "--data", str(DATA), "--cache", str(CACHE)],
                       capture_output=True, text=True, timeout=300, check=False)
    status = json.loads(r.stderr.strip().splitlines()[-1])
    assert status["exit"] in (0, None), r.stderr
    assert json.loads(r.stdout)["requests"] == 2
    assert (tmp_path / "rep" / "index.html").is_file()
    assert status["web"] == []
