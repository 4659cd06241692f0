"""The dispatch desk's live endpoints: GET /api/v1/vehicles/live (staff see every vehicle, a
driver only their own) and GET /api/v1/alerts (staff), who may call them, and what bad
input gets; the booking's live estimate is the rider's own."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api_helpers import MIDDLEBURY, NOW, VERGENNES, WEYBRIDGE, ride, tomorrow

DAY = (NOW + dt.timedelta(days=1)).date().isoformat()


def _live(api, role: str = "dispatcher", **params):  # type: ignore[no-untyped-def]
    return api.get("/api/v1/vehicles/live", role, params={"date": DAY, **params})


def test_live_fleet_shows_reports_and_the_stops_ahead(api) -> None:  # type: ignore[no-untyped-def]
    """Before any report every vehicle is listed without a position; after mid-1 reports
    from Weybridge at 08:50 it shows there, with the report's time and its stops ahead
    (the pickup first, planned as the booking's estimate); the service's clock is
    ``now``."""
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    assert b["vehicleId"] == "mid-1"
    before = _live(api).json()
    assert [(v["id"], v["position"], v["reportedAt"]) for v in before["vehicles"]] == [
        ("mid-1", None, None), ("mid-2", None, None), ("verg-1", None, None)]
    assert [s["bookingId"] for s in before["vehicles"][0]["next"]] == [b["id"], b["id"]]
    when = dt.datetime.fromisoformat(tomorrow(8, 50))
    api.clock.set(when)
    r = api.post("/api/v1/vehicles/mid-1/events", "driver",
                 {"type": "position", "lat": WEYBRIDGE[0], "lon": WEYBRIDGE[1]})
    assert r.status_code == 201, r.text
    got = _live(api).json()
    assert got["now"] == when.isoformat()
    mid1 = got["vehicles"][0]
    assert (mid1["position"]["lat"], mid1["position"]["lon"]) == WEYBRIDGE
    assert mid1["reportedAt"] == when.isoformat() and mid1["late"] is False
    pick, drop = mid1["next"]
    booked = api.get(f"/api/v1/bookings/{b['id']}", "rider").json()
    assert (pick["kind"], pick["plannedTime"]) == ("pickup", booked["estimatedPickup"])
    assert (pick["location"]["lat"], pick["location"]["lon"]) == MIDDLEBURY
    assert (drop["kind"], drop["plannedTime"]) == ("dropoff", booked["estimatedDropoff"])
    assert booked["live"]["estimatedPickup"] == booked["estimatedPickup"]
    # the driver of mid-1 sees mid-1 only
    own = _live(api, "driver").json()["vehicles"]
    assert [v["id"] for v in own] == ["mid-1"] and own[0] == mid1


def test_who_may_see_the_live_fleet_and_alerts(api) -> None:  # type: ignore[no-untyped-def]
    """Riders may see neither (403), drivers not the alerts; without a key 401; another
    rider's booking (with its live estimate) is not found."""
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    for role in ("rider", "rider2"):
        assert _live(api, role).status_code == 403
        assert api.get("/api/v1/alerts", role).status_code == 403
    assert api.get("/api/v1/alerts", "driver").status_code == 403
    for url in ("/api/v1/vehicles/live", "/api/v1/alerts"):
        r = api.get(url)
        assert r.status_code == 401 and r.headers["content-type"].startswith(
            "application/problem+json")
        bad = api.client.get(url, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
    for role in ("dispatcher", "admin"):
        assert api.get("/api/v1/alerts", role).json()["alerts"] == []
    assert api.get(f"/api/v1/bookings/{b['id']}", "rider2").status_code == 404


@pytest.mark.parametrize("date", ["2026-13-01", "tomorrow", "", "2026-11-25T09:00",
                                  "٢٠٢٦-١١-٢٥", "2026-11-25\u202e", "9" * 40])
def test_bad_dates_are_422(api, date: str) -> None:  # type: ignore[no-untyped-def]
    for url in ("/api/v1/vehicles/live", "/api/v1/alerts"):
        r = api.get(url, "dispatcher", params={"date": date})
        assert r.status_code == 422, (url, date, r.text)
        assert r.json()["field"] == "date"


def test_far_dates_are_quiet_days(api) -> None:  # type: ignore[no-untyped-def]
    """A date long past or far ahead has nothing to show: no positions, no stops, no
    alerts (never a 500)."""
    for date in ("0001-01-01", "1970-01-01", "9999-12-31"):
        fleet = _live(api, date=date)
        assert fleet.status_code == 200, fleet.text
        assert all(v["position"] is None and v["next"] == [] for v in fleet.json()["vehicles"])
        alerts = api.get("/api/v1/alerts", "dispatcher", params={"date": date})
        assert alerts.status_code == 200 and alerts.json()["alerts"] == []


def test_a_report_for_another_day_tells_nobody(api) -> None:  # type: ignore[no-untyped-def]
    """The clock says Tuesday; a position for Wednesday's ride far from its pickup re-times
    that day's plan (late, honestly estimated) but moves and tells nothing: running late is
    about today."""
    _, b = api.book("rider", ride(MIDDLEBURY, WEYBRIDGE, tomorrow(9)))
    r = api.post("/api/v1/vehicles/mid-1/events", "dispatcher",
                 {"type": "position", "lat": VERGENNES[0], "lon": VERGENNES[1],
                  "time": tomorrow(9, 5)})
    assert r.status_code == 201 and r.json()["late"] is True
    got = api.get(f"/api/v1/bookings/{b['id']}", "rider").json()
    assert got["vehicleId"] == "mid-1" and got["live"]["late"] is True
    assert api.get("/api/v1/alerts", "dispatcher", params={"date": DAY}).json()["alerts"] == []
