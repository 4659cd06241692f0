"""``mobility route`` plans like ``GET /api/v1/plan``: the same itineraries, on-demand rides
included, quoted against the day's plans in the same store (or an empty fleet, said so)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mobility.cli import app as cli
from mobility.region import Region
from tests.api_helpers import (
    BRISTOL,
    EAST_MIDDLEBURY,
    MIDDLEBURY,
    NOW,
    VERGENNES,
    WEYBRIDGE,
    ApiUnderTest,
    drop_pg_schema,
    pg_reachable,
    pg_schema_url,
    ride,
    tomorrow,
)
from tests.conftest import CACHE, DATA, UNLIMITED

CORNWALL = (43.9590, -73.2110)  # a village without a bus stop within 15 minutes' walk


def _env(db: Path) -> dict[str, str]:
    """The server's settings, for the command line as environment variables."""
    return {"MOBILITY_DB_URL": f"sqlite:///{db}", "MOBILITY_REPLAY_FEED": "true",
            "MOBILITY_CLOCK_START": NOW.isoformat(), "MOBILITY_DATA": str(DATA),
            "MOBILITY_CACHE": str(CACHE)}


@pytest.fixture(scope="module")
def served(addison: Region, tmp_path_factory: pytest.TempPathFactory
           ) -> Any:
    """The API over a store holding tomorrow's bookings (six rides across the service
    area), with the settings the command line is given too."""
    from mobility.server import build
    from mobility.settings import Settings

    db = tmp_path_factory.mktemp("route") / "m.db"
    # one rider books all six: without the fair-use caps (tests of their own)
    app = build(addison, Settings(db_url=f"sqlite:///{db}", replay_feed=True,
                                  clock_start=NOW, **UNLIMITED), warm=False)
    with TestClient(app, raise_server_exceptions=True) as c:
        api = ApiUnderTest(c, app.state.store, app.state.service)
        places = [MIDDLEBURY, BRISTOL, VERGENNES, WEYBRIDGE, EAST_MIDDLEBURY, CORNWALL]
        for k in range(6):
            api.book("rider", ride(places[k], places[(k + 2) % 6], tomorrow(8 + k, 10)))
        yield api, db


def _pairs(addison: Region, n: int, seed: int = 15) -> list[tuple[str, str, str]]:
    """``n`` origin/destination pairs at street junctions inside the service area (seeded),
    each with a time tomorrow between 07:00 and 17:59."""
    (area,) = addison.service_areas
    net = addison.streets["car"]
    inside = np.flatnonzero([area.contains((float(a), float(b)))
                             for a, b in zip(net.node_lat, net.node_lon, strict=True)])
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        i, j = rng.choice(inside, 2, replace=False)
        at = tomorrow(int(rng.integers(7, 18)), int(rng.integers(0, 60)))
        out.append((f"{net.node_lat[i]:.6f},{net.node_lon[i]:.6f}",
                    f"{net.node_lat[j]:.6f},{net.node_lon[j]:.6f}", at))
    return out


@pytest.mark.slow
def test_cli_and_api_agree_on_twenty_trips_in_the_service_area(served: Any, addison: Region
                                                               ) -> None:
    api, db = served
    runner = CliRunner()
    modes = set()
    for origin, destination, at in _pairs(addison, 20):
        web = api.get("/api/v1/plan", params={"from": origin, "to": destination, "time": at})
        assert web.status_code == 200, web.text
        res = runner.invoke(cli, ["route", "--from", origin, "--to", destination, "--at", at,
                                  "--json"], env=_env(db))
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout)
        assert doc["itineraries"] == web.json()["itineraries"], (origin, destination, at)
        assert doc["messages"] == web.json()["messages"]
        assert "quoted against the plans in" in res.stderr and "6 rides booked" in res.stderr
        modes |= {leg["mode"] for it in doc["itineraries"] for leg in it["legs"]}
    assert "ON_DEMAND" in modes  # the comparison covered rides, not only walks and buses


@pytest.mark.slow
def test_village_without_a_stop_gets_a_ride_on_the_command_line(served: Any) -> None:
    """The issue's trip, as a real process: Cornwall to Burlington offers a ride to the bus;
    ``--no-on-demand`` leaves it out and says so."""
    _, db = served
    args = [sys.executable, "-m", "mobility", "route", "--from", "43.9590,-73.2110",
            "--to", "44.4760,-73.2120", "--at", tomorrow(7)[:16]]
    env = {**_env(db), "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    res = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env,
                         check=False)
    assert res.returncode == 0, res.stderr
    assert f"on-demand: quoted against the plans in sqlite:///{db} (6 rides booked" in res.stdout
    # the pickup named by its street and village, not "Origin/destination"
    assert "on-demand ride: " in res.stdout and "Origin/destination" not in res.stdout
    assert ", Cornwall → " in res.stdout
    res = subprocess.run([*args, "--no-on-demand"], capture_output=True, text=True,
                         timeout=300, env=env, check=False)
    assert res.returncode == 0, res.stderr
    assert "on-demand: left out (--no-on-demand)" in res.stdout
    assert "no itinerary found" in res.stdout and "on-demand ride" not in res.stdout


def test_without_a_store_rides_are_quoted_against_an_empty_fleet(addison: Region,
                                                                  tmp_path: Path) -> None:
    """No store at MOBILITY_DB_URL: rides are still offered (the configured fleet, nothing
    booked), the command says so, and no database file is created."""
    db = tmp_path / "none.db"
    res = CliRunner().invoke(cli, ["route", "--from", "43.9590,-73.2110", "--to",
                                   f"{VERGENNES[0]},{VERGENNES[1]}", "--at",
                                   tomorrow(7)[:16], "--json"], env=_env(db))
    assert res.exit_code == 0, res.output
    assert res.stderr == f"on-demand: quoted against an empty fleet (no store at {db})\n"
    its = json.loads(res.stdout)["itineraries"]
    assert any([leg["mode"] for leg in it["legs"]][:2] == ["ON_DEMAND", "BUS"] for it in its)
    assert not db.exists()


def test_an_unmigrated_store_is_read_as_no_store(addison: Region, tmp_path: Path) -> None:
    """A database that is not the service's (no schema): said so, nothing written to it."""
    import sqlite3

    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    res = CliRunner().invoke(cli, ["route", "--from", "43.9590,-73.2110", "--to",
                                   "stop:771306", "--at", "2016-03-03T07:00", "--json"],
                             env=_env(db))
    assert res.exit_code == 0, res.output
    assert "empty fleet (the store at sqlite:///" in res.stderr and "not migrated" in res.stderr
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"notes"}


@pytest.mark.skipif(not pg_reachable(), reason="no PostgreSQL at 127.0.0.1:5432")
def test_rides_are_quoted_against_a_postgresql_store(addison: Region) -> None:
    """The store may be PostgreSQL: its day's plans are read (one ride booked there)."""
    from mobility.server import build
    from mobility.settings import Settings

    url = pg_schema_url()
    try:
        app = build(addison, Settings(db_url=url, replay_feed=True, clock_start=NOW),
                    warm=False)
        with TestClient(app, raise_server_exceptions=True) as c:
            api = ApiUnderTest(c, app.state.store, app.state.service)
            api.book("rider", ride(CORNWALL, MIDDLEBURY, tomorrow(9)))
        app.state.store.engine.dispose()
        env = {**_env(Path("unused.db")), "MOBILITY_DB_URL": url}
        res = CliRunner().invoke(cli, ["route", "--from", "43.9590,-73.2110", "--to",
                                       f"{VERGENNES[0]},{VERGENNES[1]}", "--at",
                                       tomorrow(7)[:16], "--json"], env=env)
        assert res.exit_code == 0, res.output
        assert res.stderr.startswith("on-demand: quoted against the plans in postgresql://")
        assert res.stderr.endswith(f"(1 ride booked on {tomorrow(7)[:10]})\n")
        assert json.loads(res.stdout)["itineraries"][0]["legs"][0]["mode"] == "ON_DEMAND"
    finally:
        drop_pg_schema(url)
