"""A vehicle's manifest names its stops in plain words (``placeName``), as bookings' ends
are named: the driver reads "Wooster Road, Cornwall", not coordinates. Checked against the
region's namer built anew (``mobility.place_names``) for each stop's coordinates, and
against the booking's own ``originName``/``destinationName``."""

from __future__ import annotations

from typing import Any

import pytest

from mobility.place_names import PlaceNames
from mobility.region import Region
from tests.api_helpers import MIDDLEBURY, ride, tomorrow

WOOSTER = (43.920543, -73.251581)  # Wooster Road, Cornwall: no stop within walking distance


@pytest.fixture(scope="module")
def namer(addison: Region) -> PlaceNames:
    """The region's namer, built here: not the one the service was handed."""
    return PlaceNames.of_region(addison)


def _manifest(api: Any, vid: str, role: str, day: str) -> dict[str, Any]:
    r = api.get(f"/api/v1/vehicles/{vid}/manifest", role, params={"date": day})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_stops_are_named_as_the_booking_ends(api: Any, addison_planner: Any,
                                             namer: PlaceNames) -> None:
    api.service.names = addison_planner.names  # as `mobility serve` wires it
    _, b = api.book("rider", ride(WOOSTER, MIDDLEBURY, tomorrow(9)))
    day = b["pickupWindow"]["start"][:10]
    assert b["vehicleId"] == "mid-1"  # the day's first ride: the driver key's vehicle
    for role in ("dispatcher", "driver"):
        m = _manifest(api, b["vehicleId"], role, day)
        pick, drop = (s for s in m["stops"] if s["bookingId"] == b["id"])
        assert pick["placeName"] == "Wooster Road, Cornwall"
        for s in (pick, drop):
            at = s["location"]
            assert s["placeName"] == namer.name(at["lat"], at["lon"]).name
        assert (pick["placeName"], drop["placeName"]) == (b["originName"], b["destinationName"])
    # every stop of the day has a name (breaks at the depot too)
    for vid in ("mid-1", "mid-2", "verg-1"):
        for s in _manifest(api, vid, "dispatcher", day)["stops"]:
            assert s["placeName"], s
            assert s["placeName"] == namer.name(s["location"]["lat"], s["location"]["lon"]).name


def test_without_a_namer_the_stops_have_coordinates_only(api: Any) -> None:
    """A service built without place names (tests, tools) still answers the manifest."""
    assert api.service.names is None
    _, b = api.book("rider", ride(MIDDLEBURY, WOOSTER, tomorrow(10)))
    m = _manifest(api, b["vehicleId"], "dispatcher", b["pickupWindow"]["start"][:10])
    mine = [s for s in m["stops"] if s["bookingId"] == b["id"]]
    assert len(mine) == 2 and all(s["placeName"] is None for s in mine)


def test_the_names_are_for_the_vehicles_own_people_only(api: Any,
                                                        addison_planner: Any) -> None:
    """placeName adds nothing a caller could not see before: riders, other drivers and
    callers without a key get no manifest."""
    api.service.names = addison_planner.names
    _, b = api.book("rider", ride(WOOSTER, MIDDLEBURY, tomorrow(9)))
    path = f"/api/v1/vehicles/{b['vehicleId']}/manifest"
    assert api.get(path).status_code == 401
    assert api.get(path, "rider").status_code == 403
    assert b["vehicleId"] == "mid-1"  # the driver key's vehicle; mid-2 is another's
    assert api.get(path, "driver").status_code == 200
    assert api.get("/api/v1/vehicles/mid-2/manifest", "driver").status_code == 404
    bad = api.get(path, "dispatcher", params={"date": "2026-13-40"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
