"""The month's figures for the funding authority, from the store, under the KPI definitions
the simulation uses (:mod:`dispatch.kpi_table`, computed by :func:`dispatch.kpis.figures`):
a planner's forecast and the month's actuals compare line by line.

What each figure is read from (README "Monthly report"):

- rides: the bookings for service dates in the month (with their quotes: passengers, the
  promised pickup window, the fare) — completed ones are served, ``no_show`` no-shows,
  ``cancelled`` cancellations (by the rider when a rider's key cancelled it, else by the
  operator), the rest still booked — and the requests the service refused
  (``refused_requests``, by problem code); trips requested = bookings + refused requests;
- pickups: the bookings' ``picked_up_s`` against their quotes' pickup windows;
- vehicles: the tours as driven (:mod:`api.service.tours`; km, passengers and rides on
  board per leg); vehicle-hours are the vehicles' available hours, as the companies'
  statements count them;
- cost: the month's statements' totals for the area (:mod:`api.service.accounting`);
- ratings: :func:`api.service.feedback.summary`.

A month without data gives zeros (counts, km, hours) and None (ratios without a base, money
without a rule): never an error.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from api.auth import Principal
from api.service import feedback
from api.service.accounting import OWN_FLEET, month_span, month_statements, rules_of
from api.service.errors import ForbiddenError, InvalidRequestError
from api.service.tours import Holiday, tours
from api.store import Store
from api.store.models import Booking, BookingStatus, Quote, RefusedRequest, VehicleEvent
from api.store.repository import Repository, reading
from dispatch.kpi_table import MONTH, KpiDefinition
from dispatch.kpis import Figures, RideRecord, VehicleLegs, figures
from dispatch.service_area import ServiceArea
from dispatch.tours import Tour
from dispatch.travel import TravelTimes

#: booking status → the ride record's status
_STATUS = {"completed": "served", "no_show": "no_show", "cancelled": "cancelled"}


def _r(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def _money(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def ride_records(repo: Repository, since: dt.date, until: dt.date, area: str | None
                 ) -> list[RideRecord]:
    """The month's bookings and refused requests as ride records (money in the currency's
    units: the fare for a ride taken or missed, the cancellation fee for a cancelled one)."""
    stmt = (select(Booking, Quote).join(Quote, Quote.id == Booking.quote_id)
            .where(Booking.service_date >= since, Booking.service_date <= until))
    if area is not None:
        stmt = stmt.where(Booking.area == area)
    rows = repo.s.execute(stmt.order_by(Booking.service_date, Booking.id)).all()

    def of_month(stmt: Any) -> Any:  # the month's bookings, joined (no list of ids)
        stmt = stmt.join(Booking, Booking.id == stmt.selected_columns[0]).where(
            Booking.service_date >= since, Booking.service_date <= until)
        return stmt if area is None else stmt.where(Booking.area == area)

    cancelled_by: dict[str, str] = {}
    for cbid, role in repo.s.execute(of_month(
            select(BookingStatus.booking_id, BookingStatus.by_role)
            .where(BookingStatus.status == "cancelled"))):
        cancelled_by[cbid] = "rider" if role == "rider" else "operator"
    dropped: dict[str, float] = {}
    for dbid, t in repo.s.execute(of_month(
            select(VehicleEvent.booking_id, VehicleEvent.time_s)
            .where(VehicleEvent.type == "dropped_off"))):
        if dbid is not None:
            dropped[dbid] = t
    out: list[RideRecord] = []
    for b, q in rows:
        status = _STATUS.get(b.status, "booked")
        fare = (b.cancel_fee_cents or 0) if status == "cancelled" else (
            b.fare_cents or 0) if status in ("served", "no_show") else 0
        out.append(RideRecord(
            id=b.id, status=status, passengers=q.passengers,
            reason=cancelled_by.get(b.id, "operator") if status == "cancelled" else "",
            window=(q.pickup_lo_s, q.pickup_hi_s), pickup=b.picked_up_s,
            dropoff=dropped.get(b.id) if status == "served" else None,
            boarding_s=q.boarding_s, fare=fare / 100.0, day=b.service_date))
    refused = select(RefusedRequest).where(RefusedRequest.service_date >= since,
                                           RefusedRequest.service_date <= until)
    if area is not None:
        refused = refused.where(RefusedRequest.area == area)
    for x in repo.s.execute(refused.order_by(RefusedRequest.id)).scalars():
        out.append(RideRecord(id=f"refused-{x.id}", status="rejected",
                              passengers=x.passengers, reason=x.code, day=x.service_date))
    return out


def _fleet(repo: Repository, done: Sequence[Tour]) -> list[VehicleLegs]:
    seats = {v.id: v.seats for v in repo.all_vehicles()}
    return [VehicleLegs(seats.get(t.vehicle, 0), t.legs) for t in done]


def kpi_values(f: Figures) -> dict[str, Any]:
    """The month's KPI values of a set of figures (rounded as the simulation rounds)."""
    return {
        "trips_requested": f.requests,
        "trips_served": f.served,
        "rejected": f.rejected,
        "rejected_by_reason": f.rejected_by_reason,
        "cancelled": f.cancelled,
        "cancelled_by": {"rider": f.cancelled_by.get("rider", 0),
                         "operator": f.cancelled_by.get("operator", 0)},
        "no_shows": f.no_shows,
        "passengers": f.passengers,
        "passengers_per_vehicle_hour": round(f.passengers_per_vehicle_hour, 3),
        "pooling_rate": round(f.pooling_rate, 4),
        "mean_occupancy": round(f.mean_occupancy, 4),
        "seat_occupancy": round(f.seat_occupancy, 4),
        "pickups": f.pickups,
        "pickups_outside_window": f.pickups_outside_window,
        "on_time_pickups": _r(f.on_time_pickups, 4),
        "vehicle_km": round(f.vehicle_km, 2),
        "empty_km": round(f.empty_km, 2),
        "passenger_km": round(f.passenger_km, 2),
        "vehicle_hours": round(f.vehicle_hours, 2),
        "driving_hours": round(f.driving_hours, 2),
        "cost": _money(f.cost),
        "cost_per_trip": _money(f.cost_per_trip),
        "cost_per_passenger_km": _r(f.cost_per_passenger_km, 4),
        "fares_collected": round(f.fares, 2),
    }


def month_report(store: Store, travel: TravelTimes,
                 areas: Mapping[str, ServiceArea], area: str | None, month: str,
                 today: dt.date, *, holiday: Holiday | None = None,
                 currency: str = "") -> dict[str, Any]:
    """The month's figures (JSON-ready) for ``area`` (None: all areas together).

    Parameters
    ----------
    store
        The store (bookings, refusals, tours and statements read in one snapshot).
    travel
        The region's car travel (the tours' legs).
    areas
        The service areas (their compensation rules price the month).
    area
        The service area reported on, or None for all.
    month
        ``YYYY-MM``; the running month covers the days up to ``today``.
    today
        The service's date.
    holiday
        The region's public holidays (availability rules may skip them).
    currency
        The money's currency when no compensation or fare names one.

    Raises
    ------
    InvalidRequestError
        A malformed month or one not begun (field ``month``), an unknown area (``area``).
    """
    if area is not None and area not in areas:
        raise InvalidRequestError(f"no service area {str(area)[:100]!r}", field="area",
                                  code="unknown-area", title="Unknown service area")
    since, until = month_span(month, today)
    with reading(store) as repo:
        rides = ride_records(repo, since, until, area)
        done = tours(repo, travel, since, until, area, holiday=holiday)
        fleet = _fleet(repo, done)
        statements = month_statements(repo, travel, rules_of(areas), month, today,
                                      holiday=holiday, currency=currency)
        fare_cur = repo.s.execute(select(Booking.fare_currency).where(
            Booking.fare_currency.is_not(None), Booking.service_date >= since,
            Booking.service_date <= until).limit(1)).scalar()
    lines = [a for st in statements for a in st.areas if area is None or a.area == area]
    priced = any(a.rule is not None for a in lines)
    cost_cents = sum(a.total_cents for a in lines)
    hours = sum(a.available_h for a in lines)
    cur = next((st.currency for st in statements if st.currency), "") or fare_cur or currency
    f = figures(rides, fleet, hours, cost_cents / 100.0 if priced else None)
    ratings = feedback.summary(store, since, until, area)
    last = dt.date(since.year + since.month // 12, since.month % 12 + 1, 1) - dt.timedelta(1)
    out: dict[str, Any] = {
        "area": area, "month": month, "since": since.isoformat(), "until": until.isoformat(),
        "provisional": until < last, "currency": cur,
        **kpi_values(f),
        "tours": len(done),
        "companies": sorted({st.company_id for st in statements
                             if any(area is None or a.area == area for a in st.areas)}
                            - {OWN_FLEET}),
        "ratings": {"count": ratings.count,
                    "mean": _r(ratings.mean_stars, 2),
                    "by_stars": {str(k): v for k, v in ratings.by_stars.items()},
                    "by_reason": ratings.by_reason},
        "daily": _daily(rides, done, fleet, statements, area, since, until),
    }
    return out


def _daily(rides: Sequence[RideRecord], done: Sequence[Tour], fleet: Sequence[VehicleLegs],
           statements: Sequence[Any], area: str | None, since: dt.date, until: dt.date
           ) -> list[dict[str, Any]]:
    """Each day's figures under the same definitions (the plots' series)."""
    by_day: dict[dt.date, list[RideRecord]] = defaultdict(list)
    for r in rides:
        if r.day is not None:
            by_day[r.day].append(r)
    legs_by_day: dict[dt.date, list[VehicleLegs]] = defaultdict(list)
    for t, vl in zip(done, fleet, strict=True):
        legs_by_day[t.date].append(vl)
    hours: dict[dt.date, float] = defaultdict(float)
    for st in statements:
        for d in st.days:
            if area is None or d.area == area:
                hours[d.date] += d.available_h
    out = []
    day = since
    while day <= until:
        f = figures(by_day.get(day, []), legs_by_day.get(day, []), hours.get(day, 0.0))
        v = kpi_values(f)
        out.append({"date": day.isoformat(),
                    **{k: v[k] for k in ("trips_requested", "trips_served", "rejected",
                                         "cancelled", "no_shows", "passengers",
                                         "vehicle_hours", "vehicle_km", "empty_km",
                                         "passenger_km", "mean_occupancy", "pooling_rate",
                                         "fares_collected")}})
        day += dt.timedelta(days=1)
    return out


def definitions(language: str = "en", currency: str = "EUR") -> list[dict[str, str]]:
    """The month's KPI table: key, unit, name and definition in ``language``."""
    return [_definition(k, language, currency) for k in MONTH]


def _definition(k: KpiDefinition, language: str, currency: str) -> dict[str, str]:
    name, text = k.words(language, currency)
    return {"key": k.key, "unit": k.unit_text(currency, language), "name": name,
            "definition": text}


def kpi_value(report: dict[str, Any], key: str) -> Any:
    """A KPI's single value in a report (the ratings: their count and mean stars)."""
    if key == "ratings":
        return report["ratings"]["count"]
    if key == "rating_mean":
        return report["ratings"]["mean"]
    return report[key]


# -- for the API ------------------------------------------------------------------------------
def for_staff(svc: Any, who: Principal, area: str | None, month: str) -> dict[str, Any]:
    """The month's report for staff (dispatchers and admins), with its KPI definitions in
    English and German.

    Raises
    ------
    ForbiddenError
        Not a staff key.
    InvalidRequestError
        See :func:`month_report`.
    """
    if not who.staff:
        raise ForbiddenError(f"the monthly report is for dispatchers and admins (yours is a "
                             f"{who.role} key)")
    report = month_report(svc.store, svc.travel, svc.areas, area, month, svc.timing.today(),
                          holiday=getattr(svc, "holiday", None))
    cur = report["currency"]
    report["definitions"] = {lang: definitions(lang, cur) for lang in ("en", "de")}
    return report
