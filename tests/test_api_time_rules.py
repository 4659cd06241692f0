"""Every time rule on every path (issue 17): each leg of an itinerary booking passes the
checks a quote passes — not in the past (neither end of its pickup window), within the
booking horizon, the area's service hours and booking notice, its windows on one service
date, its pickup window as wide as the dispatch rules promise — and a refusal names the
field at fault and writes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import create_app
from api.store.models import Booking, PlanStop, Quote
from dispatch.service_area import BookingRule
from tests.api_helpers import (
    ADDISON_TZ,
    BRISTOL,
    MIDDLEBURY,
    NOW,
    ApiUnderTest,
    ride,
    tomorrow,
)
from tests.conftest import booking_service

TODAY = NOW.date()


def _at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), ADDISON_TZ).isoformat()


def _leg(start: str, end: str, drop: tuple[str | None, str | None] = (None, None),
         origin: tuple[float, float] = MIDDLEBURY, destination: tuple[float, float] = BRISTOL
         ) -> dict[str, Any]:
    """An itinerary leg as a plan's bookingInfo has it (ISO times instead of epoch ms)."""
    return {"origin": {"lat": origin[0], "lon": origin[1]},
            "destination": {"lat": destination[0], "lon": destination[1]},
            "pickupWindow": {"start": start, "end": end},
            "dropOffWindow": {"start": drop[0] or start, "end": drop[1]}}


def _counts(api: ApiUnderTest) -> tuple[int, int, int]:
    with api.store.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (Booking, Quote, PlanStop))


def _refused(api: ApiUnderTest, legs: list[dict[str, Any]], field: str, slug: str) -> str:
    """Book ``legs``: a 422 naming ``field`` with problem type ``slug``, and no booking,
    quote or planned stop written; returns the problem's detail."""
    before = _counts(api)
    r = api.post("/api/v1/bookings", "rider", {"itinerary": legs})
    assert r.status_code == 422, r.text
    p = r.json()
    assert (p["field"], p["type"]) == (field, f"/problems/{slug}"), p
    assert r.headers["content-type"] == "application/problem+json" and p["detail"]
    assert _counts(api) == before
    return str(p["detail"])


TOMORROW = TODAY + dt.timedelta(days=1)
PICKUP = "itinerary.0.pickupWindow"


@pytest.mark.parametrize(("leg", "field", "slug"), [
    # a ride dated 2020, its window ending tomorrow: the start is in the past
    (_leg("2020-01-01T09:00", tomorrow(9, 15)), f"{PICKUP}.start", "time-in-past"),
    # ... also as the epoch milliseconds a plan sends
    (_leg(1577887200000, tomorrow(9, 15)), f"{PICKUP}.start", "time-in-past"),  # type: ignore[arg-type]
    # a window of zero width (quotes give 15 minutes), and one of twelve hours
    (_leg(tomorrow(11), tomorrow(11)), PICKUP, "window-width"),
    (_leg(tomorrow(7), tomorrow(19)), PICKUP, "window-width"),
    (_leg(tomorrow(11), tomorrow(11, 4)), PICKUP, "window-width"),  # under a third of 15 min
    (_leg(tomorrow(9, 15), tomorrow(9)), f"{PICKUP}.end", "window-order"),
    # across midnight, and a drop-off on the next day
    (_leg(_at(TOMORROW, 23, 55), _at(TOMORROW + dt.timedelta(days=1), 0, 10)),
     f"{PICKUP}.end", "window-spans-days"),
    (_leg(tomorrow(9), tomorrow(9, 15), (None, _at(TOMORROW + dt.timedelta(days=1), 9))),
     "itinerary.0.dropOffWindow.end", "window-spans-days"),
    (_leg(tomorrow(9), tomorrow(9, 15), (_at(TODAY, 23), None)),
     "itinerary.0.dropOffWindow.start", "window-spans-days"),
    (_leg(tomorrow(9), tomorrow(9, 15), (tomorrow(9), tomorrow(8, 30))),
     "itinerary.0.dropOffWindow.end", "window-order"),
    # outside the service hours (06:00-20:00), and beyond the 14-day horizon
    (_leg(tomorrow(21), tomorrow(21, 15)), PICKUP, "outside-service-hours"),
    (_leg(tomorrow(3), tomorrow(3, 15)), PICKUP, "outside-service-hours"),
    (_leg(_at(TODAY + dt.timedelta(days=20), 9), _at(TODAY + dt.timedelta(days=20), 9, 15)),
     f"{PICKUP}.start", "time-too-far"),
])
def test_itinerary_legs_pass_the_quote_rules(api, leg, field, slug) -> None:  # type: ignore[no-untyped-def]
    _refused(api, [leg], field, slug)


def test_a_ride_90_minutes_ago_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    """At noon, a pickup window of 10:30-10:45 today (inside the service hours) is in the
    past: refused, and not put on a driver's manifest."""
    api.clock.set(dt.datetime.combine(TODAY, dt.time(12), ADDISON_TZ))
    detail = _refused(api, [_leg(_at(TODAY, 10, 30), _at(TODAY, 10, 45))],
                      f"{PICKUP}.start", "time-in-past")
    # in plain words: the time asked for, and now (not "time … is in the past (now: …)")
    assert "12:00 on" in detail and "has already passed" in detail and "(now:" not in detail
    m = api.get("/api/v1/vehicles/mid-1/manifest", "dispatcher").json()
    assert m["stops"] == []


def test_one_bad_leg_books_none(api) -> None:  # type: ignore[no-untyped-def]
    good = _leg(tomorrow(9), tomorrow(9, 15))
    _refused(api, [good, _leg(tomorrow(11), tomorrow(11), origin=BRISTOL,
                              destination=MIDDLEBURY)], "itinerary.1.pickupWindow",
             "window-width")


def test_well_formed_legs_are_booked(api) -> None:  # type: ignore[no-untyped-def]
    """What a plan gives passes: a 15-minute window with an open drop-off end, and an
    arrival's wider window before a connection."""
    r = api.post("/api/v1/bookings", "rider", {"itinerary": [_leg(tomorrow(9), tomorrow(9, 15))]})
    assert r.status_code == 201, r.text
    arrive = _leg(tomorrow(13, 20), tomorrow(14), (tomorrow(13, 40), tomorrow(14, 20)))
    r = api.post("/api/v1/bookings", "rider", {"itinerary": [arrive]})
    assert r.status_code == 201, r.text
    (b,) = r.json()["bookings"]
    assert b["connection"]["dropOffBy"] == tomorrow(14, 20)


def test_legs_keep_the_booking_notice(addison, addison_travel, addison_planner,  # type: ignore[no-untyped-def]
                                      store) -> None:
    """An area asking for 60 minutes' notice: a leg picked up from 30 minutes from now is
    refused naming the earliest time, as a quote is; a plan's ride booked two minutes after
    it was offered (from 58 minutes on) still passes, as a quote would."""
    (area,) = addison.service_areas
    area = replace(area, booking=BookingRule(1, notice_min_s=3600))
    svc = booking_service(addison, addison_travel, store, [area])
    with TestClient(create_app(addison_planner, svc, region_name=addison.name)) as c:
        a = ApiUnderTest(c, store, svc)
        api_clock = a.clock
        api_clock.set(dt.datetime.combine(TODAY, dt.time(9), ADDISON_TZ))
        soon = _leg(_at(TODAY, 9, 30), _at(TODAY, 9, 45))
        detail = _refused(a, [soon], f"{PICKUP}.start", "booking-notice")
        assert "T10:00" in detail
        quote = a.post("/api/v1/quotes", "rider", ride(MIDDLEBURY, BRISTOL, _at(TODAY, 9, 30)))
        assert quote.status_code == 422 and quote.json()["type"] == "/problems/booking-notice"
        late = _leg(_at(TODAY, 9, 58), _at(TODAY, 10, 13))
        r = a.post("/api/v1/bookings", "rider", {"itinerary": [late]})
        assert r.status_code == 201, r.text
