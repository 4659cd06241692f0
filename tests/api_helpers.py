"""Helpers of the API tests: the stores to run against, keys, and times riders would ask for."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any
from zoneinfo import ZoneInfo

from api.auth import create_key
from api.store import Store

PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"
ADDISON_TZ = ZoneInfo("America/New_York")
#: the moment the service's clock shows in the tests (a Tuesday morning in Addison County):
#: every test books "tomorrow" = Wednesday, whatever day the tests run
NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=ADDISON_TZ)
MIDDLEBURY = (44.0153, -73.1673)  # town centre, inside the demo service area
EAST_MIDDLEBURY = (43.9740, -73.1020)
BRISTOL = (44.1336, -73.0790)
VERGENNES = (44.1670, -73.2540)
WEYBRIDGE = (44.0450, -73.2050)


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_BASE, connect_timeout=2):
            return True
    except Exception:
        return False


def pg_schema_url() -> str:
    """A fresh, empty schema in the ``test`` database (tests never share tables)."""
    import psycopg

    name = "t_" + secrets.token_hex(6)
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return f"{PG_BASE}?options=-csearch_path%3D{name}"


def drop_pg_schema(url: str) -> None:
    import psycopg

    name = url.rsplit("%3D", 1)[1]
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def key(store: Store, role: str, **kw: object) -> str:
    with store.session() as s:
        return create_key(s, role, **kw)  # type: ignore[arg-type]


def tomorrow(hour: int, minute: int = 0) -> str:
    """The day after the tests' :data:`NOW` at a local wall-clock time in Addison County,
    as ISO with offset."""
    d = NOW.date() + dt.timedelta(days=1)
    return dt.datetime.combine(d, dt.time(hour, minute), ADDISON_TZ).isoformat()


def ride(origin: tuple[float, float], destination: tuple[float, float], time: str,
         **extra: object) -> dict[str, object]:
    return {"origin": {"lat": origin[0], "lon": origin[1]},
            "destination": {"lat": destination[0], "lon": destination[1]}, "time": time,
            **extra}


class ApiUnderTest:
    """A TestClient with keys for each role (one rider, a second rider, a dispatcher, an
    admin and the driver of ``mid-1``), its booking service and the service's clock."""

    def __init__(self, client, store: Store, service) -> None:  # type: ignore[no-untyped-def]
        self.client, self.store, self.service = client, store, service
        self.clock = service.timing.clock
        self.keys = {"rider": key(store, "rider", rider_name="Erika Muster",
                                  rider_phone="+49 170 1234567"),
                     "rider2": key(store, "rider", rider_name="Max Mustermann"),
                     "dispatcher": key(store, "dispatcher"), "admin": key(store, "admin"),
                     "driver": key(store, "driver", vehicle_id="mid-1")}

    def h(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}", **extra}

    def get(self, url: str, role: str | None = None, **kw):  # type: ignore[no-untyped-def]
        return self.client.get(url, headers=self.h(role) if role else {}, **kw)

    def post(self, url: str, role: str, json: object = None,  # type: ignore[no-untyped-def]
             headers: dict[str, str] | None = None, **kw):
        return self.client.post(url, json=json, headers={**self.h(role), **(headers or {})},
                                **kw)

    def delete(self, url: str, role: str):  # type: ignore[no-untyped-def]
        return self.client.delete(url, headers=self.h(role))

    def rider_id(self, role: str = "rider") -> str:
        from api.auth import lookup

        with self.store.session() as s:
            who = lookup(s, self.keys[role])
        assert who is not None and who.rider_id is not None
        return who.rider_id

    def book(self, role: str, body: dict[str, object], idem: str | None = None
             ) -> tuple[dict, dict]:  # type: ignore[type-arg]
        """Quote and book; returns (quote, booking) and fails the test on any refusal."""
        q = self.post("/api/v1/quotes", role, body)
        assert q.status_code == 201, q.text
        b = self.post("/api/v1/bookings", role, {"quoteId": q.json()["id"]},
                      headers={"Idempotency-Key": idem} if idem else None)
        assert b.status_code == 201, b.text
        return q.json(), b.json()


def wait_simulation(client: Any, sim_id: str, headers: dict[str, str],
                    timeout: float = 240) -> dict[str, Any]:
    """Poll a simulation (``client``: a TestClient or httpx client) until it is done or
    failed; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/simulations/{sim_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"simulation {sim_id} did not finish: {job}")
