"""Shared fixtures: the real data in ../shared/data, compiled once per session, plus tiny
hand-made inputs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mobility.region import Region, load_region
from mobility.settings import default_data_dir
from tests.fixtures.tiny_osm import write_osm

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
DATA = Path(os.environ.get("MOBILITY_DATA", default_data_dir()))
SHARED = DATA.parent  # ../shared/data
FLEX = SHARED / "flex"
# compiled real regions are cached across test runs (compiling takes ~30-50 s each)
CACHE = Path(os.environ.get("MOBILITY_TEST_CACHE", ROOT / ".mobility-cache"))

#: the files that take longest (``--durations`` of a whole run), longest first. The test
#: processes take whole files in collection order (``test.sh``: ``--dist loadfile
#: --no-loadscope-reorder``), so these start first and no long file is left running alone
#: at the end; the other files follow in their own order (servers and browsers mixed with
#: plain computation).
LONGEST_FIRST = (
    "test_twin_processes.py", "test_raptor.py", "test_twin_days.py", "test_api_server.py",
    "test_cli_route.py", "test_availability.py", "test_twin.py", "test_api_schemathesis.py",
    "test_standing_orders.py", "test_api_privacy.py", "test_compile_report.py",
    "test_api_faults.py", "test_web.py", "test_access.py", "test_api_access.py",
    "test_web_access.py", "test_api_store.py", "test_cli.py", "test_packaging.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first (see ``LONGEST_FIRST``); the order inside a file is kept."""
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda it: rank.get(it.path.name, len(rank)))


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"real data missing: {path} (set MOBILITY_DATA to ../shared/data/regions)")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _require(DATA)


@pytest.fixture(scope="session")
def flex_dir() -> Path:
    return _require(FLEX)


@pytest.fixture(scope="session")
def addison(data_dir: Path) -> Region:
    return load_region("addison-vt", data=data_dir, cache_dir=CACHE)


@pytest.fixture(scope="session")
def rhein_neckar(data_dir: Path) -> Region:
    return load_region("rhein-neckar", data=data_dir, cache_dir=CACHE)


@pytest.fixture()
def tiny_gtfs(tmp_path: Path) -> Path:
    """A writable copy of the tiny valid feed (tests break it on purpose)."""
    dst = tmp_path / "gtfs"
    shutil.copytree(FIXTURES / "gtfs_tiny", dst)
    return dst


@pytest.fixture()
def tiny_region(tmp_path: Path) -> Path:
    """A region folder: the tiny feed zipped + the tiny OSM extract + a region.toml."""
    folder = tmp_path / "regions" / "tiny"
    folder.mkdir(parents=True)
    shutil.make_archive(str(folder / "gtfs"), "zip", FIXTURES / "gtfs_tiny")
    write_osm(folder / "streets.osm")
    (folder / "region.toml").write_text(
        'name = "tiny"\ngtfs = ["gtfs.zip"]\nosm = "streets.osm"\ncountry = "US"\n'
        'default_date = "2024-01-08"\nservice_areas = []\n', encoding="utf-8")
    return folder


# -- the HTTP API --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def addison_planner(addison: Region):  # type: ignore[no-untyped-def]
    from mobility.planning import RegionPlanner

    return RegionPlanner(addison)


@pytest.fixture(scope="session")
def addison_travel(addison_planner):  # type: ignore[no-untyped-def]
    from dispatch.travel import StreetTravel

    return StreetTravel(addison_planner.street("car"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An empty, migrated store: an SQLite file, and PostgreSQL when it is reachable."""
    from api.store import Store
    from tests.api_helpers import drop_pg_schema, pg_reachable, pg_schema_url

    if request.param == "sqlite":
        st = Store(f"sqlite:///{tmp_path / 'mobility.db'}")
        st.migrate()
        yield st
        st.engine.dispose()
        return
    if not pg_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    url = pg_schema_url()
    st = Store(url)
    st.migrate()
    yield st
    st.engine.dispose()
    drop_pg_schema(url)


@pytest.fixture(scope="session")
def addison_atlas(addison: Region):  # type: ignore[no-untyped-def]
    from mobility.atlas import Atlas

    return Atlas(addison)


#: the tests' booking service has no fair-use caps, no rate limits but the sign-ups', no
#: purging, no background booking of standing orders (tests run the booker themselves),
#: looks for late rides only after drivers' reports (or when a test calls
#: ``LateWatch.check``) and no notification worker (tests call its rounds themselves),
#: unless a test sets them (many tests fill a day with one rider's key)
UNLIMITED = {"max_bookings_per_day": 0, "max_bookings": 0, "refuse_overlapping": False,
             "rate_quotes": 0, "rate_bookings": 0, "rate_plans": 0, "purge_interval_s": 0,
             "late_interval_s": 0, "standing_interval_s": 0, "notify_interval_s": 0}


@pytest.fixture()
def api(addison: Region, addison_planner, addison_travel, addison_atlas, store):  # type: ignore[no-untyped-def]
    """The app over the real addison-vt region and a fresh store, with a TestClient."""
    from fastapi.testclient import TestClient

    from api import ApiConfig, create_app
    from tests.api_helpers import ApiUnderTest

    svc = booking_service(addison, addison_travel, store,
                          config=ApiConfig(cors_origins=("https://app.example.org",),
                                           **UNLIMITED))  # type: ignore[arg-type]
    app = create_app(addison_planner, svc, region_name=addison.name, atlas=addison_atlas)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield ApiUnderTest(client, store, svc)


def booking_service(region: Region, travel, store, areas=None, **kw):  # type: ignore[no-untyped-def]
    """The booking service of a region over a store, on the tests' fixed clock (``NOW``),
    with the optimiser in this process; its fleet written to the store."""
    from api import ApiConfig, BookingService
    from api.service import FixedClock
    from api.service.replanning import in_process
    from tests.api_helpers import NOW

    kw.setdefault("clock", FixedClock(NOW))
    kw.setdefault("config", ApiConfig(**UNLIMITED))  # type: ignore[arg-type]
    kw.setdefault("optimiser", in_process)
    svc = BookingService(areas if areas is not None else region.service_areas, travel,
                         region.timezone, store, **kw)
    svc.sync_fleet()
    return svc
