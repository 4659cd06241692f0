"""An app developer's view of the contract: a client generated with openapi-python-client
from the app's ``/openapi.json`` runs the rider's and the dispatcher's flows and books a
planned itinerary's ride as the plan returns it. Errors parse as the ``Problem`` model, and
an undocumented status would raise (``raise_on_unexpected_status``)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api_helpers import ADDISON_TZ, BRISTOL, MIDDLEBURY, NOW, ApiUnderTest, tomorrow

PACKAGE = "mobility_client"
CORNWALL = "43.9600,-73.2100"  # no bus stop within walking distance: rides to the bus
VERGENNES = "44.1670,-73.2540"


class Generated:
    """The generated package: ``op("bookings", "create_booking")`` is an operation's
    module, ``models`` its models, ``client(app, key)`` a client talking to ``app``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.package = importlib.import_module(PACKAGE)
        self._http: list[TestClient] = []

    def op(self, tag: str, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    def client(self, app: FastAPI, key: str | None = None) -> Any:
        # the generated client is httpx-based: FastAPI's TestClient is an httpx.Client
        http = TestClient(app, raise_server_exceptions=False,
                          headers={"Authorization": f"Bearer {key}"} if key else None)
        self._http.append(http)
        c = (self.package.Client(base_url="http://testserver", raise_on_unexpected_status=True)
             if key is None else self.package.AuthenticatedClient(
                 base_url="http://testserver", token=key, raise_on_unexpected_status=True))
        return c.set_httpx_client(http)

    def close(self) -> None:
        for h in self._http:
            h.close()


def generate(http: TestClient, tmp_path: Path) -> Iterator[Generated]:
    """Generate the client from the document ``http``'s app serves, and import it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    spec = tmp_path / "openapi.json"
    doc = http.get("/openapi.json").json()
    # the JSON API's client: operations that take XML only (OJP's POST /ojp, which XML
    # clients call with the standard's own schema) are not for it, and the generator says so
    xml_only = [p for p, ops in doc["paths"].items() for op in ops.values()
                if isinstance(op, dict) and set(op.get("requestBody", {}).get("content", {}))
                == {"application/xml"}]
    assert xml_only == ["/ojp"], xml_only
    for p in xml_only:
        del doc["paths"][p]
    spec.write_text(json.dumps(doc), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\nproject_name_override: "
                      "mobility-client\npost_hooks: []\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path",
                          str(spec), "--output-path", str(tmp_path / PACKAGE), "--meta", "none",
                          "--config", str(config)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    # every schema understood: the generator warns about what it cannot model
    assert "warning" not in (res.stdout + res.stderr).lower(), res.stdout + res.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        gen = Generated(tmp_path / PACKAGE)
        yield gen
        gen.close()
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture()
def gen(api: ApiUnderTest, tmp_path: Path) -> Iterator[Generated]:
    yield from generate(api.client, tmp_path)


def _point(m: Any, p: tuple[float, float]) -> Any:
    return m.LatLon(lat=p[0], lon=p[1])


def _moment(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def test_rider_flow_with_a_generated_client(api: ApiUnderTest, gen: Generated) -> None:
    m = gen.models
    app = api.client.app
    anyone, rider = gen.client(app), gen.client(app, api.keys["rider"])

    # plan (the feed is of 2016): typed itineraries, epoch-ms times
    plan = gen.op("plan", "plan")
    r = plan.sync_detailed(client=anyone, from_="44.0153,-73.1673", to="44.1670,-73.2540",
                           time="2016-03-03T08:00")
    assert r.status_code == 200
    assert isinstance(r.parsed, m.PlanResponse) and r.parsed.itineraries
    it = r.parsed.itineraries[0]
    bus = [leg for leg in it.legs if leg.mode == m.PlanLegMode.BUS]
    assert bus and bus[0].trip_id and bus[0].from_.stop_id
    noon = dt.datetime(2016, 3, 3, 12, tzinfo=ADDISON_TZ).timestamp() * 1000
    assert noon - 6 * 3600_000 <= it.start_time < noon  # epoch ms, that morning
    # a 422 from /plan parses as the Problem model, naming the field
    bad = plan.sync_detailed(client=anyone, from_="Middlebury", to="44.1670,-73.2540")
    assert bad.status_code == 422 and isinstance(bad.parsed, m.Problem)
    assert bad.parsed.field == "from" and bad.parsed.type_ == "/problems/invalid-input"

    # quote and book a ride tomorrow (rides are booked from now on)
    quote = gen.op("quotes", "create_quote").sync_detailed(client=rider, body=m.QuoteRequest(
        origin=_point(m, MIDDLEBURY), destination=_point(m, BRISTOL),
        time=_moment(tomorrow(9))))
    assert quote.status_code == 201 and isinstance(quote.parsed, m.QuoteResponse)
    assert quote.parsed.pickup_window.start >= _moment(tomorrow(9))
    create = gen.op("bookings", "create_booking")
    booked = create.sync_detailed(client=rider, body=m.BookingRequest(
        quote_id=quote.parsed.id), idempotency_key="rider-flow-1")
    assert booked.status_code == 201 and isinstance(booked.parsed, m.BookingResponse)
    b = booked.parsed
    assert b.status == m.BookingResponseStatus.CONFIRMED and b.quote_id == quote.parsed.id
    # the same quote again, without the idempotency key: 409, a Problem
    again = create.sync_detailed(client=rider, body=m.BookingRequest(quote_id=b.quote_id))
    assert again.status_code == 409 and isinstance(again.parsed, m.Problem)
    assert again.parsed.type_ == "/problems/quote-used"
    # a body the schema refuses: 422 with every field under errors
    invalid = create.sync_detailed(client=rider, body=m.BookingRequest())
    assert invalid.status_code == 422 and isinstance(invalid.parsed, m.Problem)
    assert invalid.parsed.errors and invalid.parsed.errors[0].message

    listed = gen.op("bookings", "list_bookings").sync_detailed(client=rider)
    assert listed.status_code == 200 and isinstance(listed.parsed, m.BookingList)
    assert [x.id for x in listed.parsed.bookings] == [b.id]
    missing = gen.op("bookings", "get_booking").sync_detailed("b_nope", client=rider)
    assert missing.status_code == 404 and isinstance(missing.parsed, m.Problem)
    assert missing.parsed.field == "id"
    unauthorised = gen.op("bookings", "list_bookings").sync_detailed(client=anyone)
    assert unauthorised.status_code == 401 and isinstance(unauthorised.parsed, m.Problem)

    cancelled = gen.op("bookings", "cancel_booking").sync_detailed(b.id, client=rider)
    assert cancelled.status_code == 200 and isinstance(cancelled.parsed, m.BookingResponse)
    assert cancelled.parsed.status == m.BookingResponseStatus.CANCELLED


def test_dispatcher_flow_with_a_generated_client(api: ApiUnderTest, gen: Generated) -> None:
    m = gen.models
    staff = gen.client(api.client.app, api.keys["dispatcher"])
    made = gen.op("riders", "create_rider").sync_detailed(
        client=staff, body=m.RiderRequest(name="Anna Anrufer", phone="+1 802 555 0199"))
    assert made.status_code == 201 and isinstance(made.parsed, m.RiderResponse)
    rider_id = made.parsed.id

    quote = gen.op("quotes", "create_quote").sync_detailed(client=staff, body=m.QuoteRequest(
        origin=_point(m, MIDDLEBURY), destination=_point(m, BRISTOL),
        time=_moment(tomorrow(10)), rider_id=rider_id))
    assert quote.status_code == 201 and isinstance(quote.parsed, m.QuoteResponse)
    assert quote.parsed.rider_id == rider_id
    booked = gen.op("bookings", "create_booking").sync_detailed(
        client=staff, body=m.BookingRequest(quote_id=quote.parsed.id))
    assert booked.status_code == 201 and isinstance(booked.parsed, m.BookingResponse)
    b = booked.parsed

    day = _moment(tomorrow(10)).date()
    manifest = gen.op("vehicles", "manifest").sync_detailed(b.vehicle_id, client=staff,
                                                             date=day)
    assert manifest.status_code == 200 and isinstance(manifest.parsed, m.Manifest)
    stops = [s for s in manifest.parsed.stops if s.booking_id == b.id]
    assert [s.kind for s in stops] == [m.ManifestStopKind.PICKUP, m.ManifestStopKind.DROPOFF]
    assert stops[0].rider_name == "Anna Anrufer"
    unknown = gen.op("vehicles", "manifest").sync_detailed("nope", client=staff, date=day)
    assert unknown.status_code == 404 and isinstance(unknown.parsed, m.Problem)

    event = gen.op("vehicles", "vehicle_event").sync_detailed(
        b.vehicle_id, client=staff, body=m.VehicleEventRequest(
            type_=m.VehicleEventRequestType.PICKED_UP, booking_id=b.id))
    assert event.status_code == 201 and isinstance(event.parsed, m.VehicleEventResponse)
    assert event.parsed.booking_status == "on_board"
    # a ride under way cannot be cancelled: 409, a Problem
    late = gen.op("bookings", "cancel_booking").sync_detailed(b.id, client=staff)
    assert late.status_code == 409 and isinstance(late.parsed, m.Problem)
    assert late.parsed.type_ == "/problems/ride-finished"


def test_book_a_planned_ride_as_returned_with_a_generated_client(addison, tmp_path: Path
                                                                 ) -> None:  # type: ignore[no-untyped-def]
    """Plan tomorrow (the expired feed replayed), then book the itinerary's ON_DEMAND leg
    from its bookingInfo as it came: no conversion of times by hand."""
    from mobility.server import build
    from mobility.settings import Settings

    app = build(addison, Settings(db_url=f"sqlite:///{tmp_path / 'm.db'}", replay_feed=True,
                                  clock_start=NOW),
                warm=False)
    with TestClient(app) as c:
        api = ApiUnderTest(c, app.state.store, app.state.service)
        for g in generate(c, tmp_path / "client"):
            m = g.models
            rider = g.client(app, api.keys["rider"])
            r = g.op("plan", "plan").sync_detailed(client=rider, from_=CORNWALL, to=VERGENNES,
                                                   time=tomorrow(7))
            assert r.status_code == 200 and isinstance(r.parsed, m.PlanResponse)
            it = next(i for i in r.parsed.itineraries
                      if len(i.legs) > 1 and i.legs[0].mode == m.PlanLegMode.ON_DEMAND)
            info = it.legs[0].booking_info
            assert isinstance(info, m.BookingInfo) and info.bookable
            fields = ("origin", "destination", "pickupWindow", "dropOffWindow")
            leg = m.RideLeg.from_dict({k: info.to_dict()[k] for k in fields})
            booked = g.op("bookings", "create_booking").sync_detailed(
                client=rider, body=m.BookingRequest(itinerary=[leg]), idempotency_key="trip")
            assert booked.status_code == 201, booked.content
            assert isinstance(booked.parsed, m.ItineraryBooking)
            (b,) = booked.parsed.bookings
            assert b.connection is not None and b.connection.status == m.ConnectionStatus.ON_TIME
            assert b.pickup_window.start.timestamp() * 1000 == info.pickup_window.start
            assert b.connection.drop_off_by.timestamp() * 1000 <= it.legs[1].start_time
