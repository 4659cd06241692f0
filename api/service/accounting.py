"""Statements: what each company is paid for a month under the service areas' compensation
rules (:mod:`dispatch.compensation`), with the tours it is paid for
(:mod:`api.service.tours`).

A statement covers one company and one calendar month (``YYYY-MM``); the vehicles without a
company make one more statement, the region's own fleet (:data:`OWN_FLEET`). A vehicle's
month goes to the company it belongs to when the statement is made (the store keeps no
history of a vehicle's company). For the month
running by the service's clock it covers the days up to today (it is provisional). It has:

- a line per tour (date, vehicle, tour id, available and duty hours, driven, occupied and
  empty km, passengers, rides, no-shows, fares);
- a line per vehicle and day with available time or a tour: available hours (the
  vehicle's windows that day, driven or not: available time is paid), km and tours, and
  the pay under its area's rule (hours × rate, km × rate, tours × flat amount, the day's
  cap cut); a vehicle no longer in service (inactive) counts only on the days of its tours;
- the vehicles' available hours over the month;
- per service area: the sums, what ``cap_per_month`` takes off, and the area's total;
- the total (:attr:`Statement.total_cents`), in cents of the region's currency.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from api.auth import Principal
from api.service.errors import ForbiddenError, InvalidRequestError, not_found
from api.service.tours import Holiday, availability_rules, opened, tours, vehicle_windows
from api.store import Store
from api.store.models import Company, VehicleRow
from api.store.repository import Repository, reading
from dispatch.compensation import CompensationRule, day_pay, month_cut
from dispatch.service_area import ServiceArea
from dispatch.tours import Tour
from dispatch.travel import TravelTimes

#: the company id of the statement for the vehicles that belong to no company
OWN_FLEET = "_own"
OWN_FLEET_NAME = "own fleet"
if TYPE_CHECKING:
    from api.service.service import BookingService

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class TourLine:
    """One tour as a statement lists it."""

    date: dt.date
    vehicle: str
    tour: str
    area: str
    available_h: float
    duty_h: float
    driven_km: float
    occupied_km: float
    empty_km: float
    passengers: int
    rides: int
    no_shows: int
    fares_cents: int


@dataclass(frozen=True)
class DayLine:
    """One vehicle's day: its available time, tours and pay (cents)."""

    date: dt.date
    vehicle: str
    area: str
    available_h: float
    driven_km: float
    tours: int
    hours_cents: int
    km_cents: int
    tours_cents: int
    day_cap_cents: int  #: taken off by the area's cap per vehicle and day

    @property
    def total_cents(self) -> int:
        return self.hours_cents + self.km_cents + self.tours_cents - self.day_cap_cents


@dataclass(frozen=True)
class VehicleLine:
    """A vehicle's month: available hours, days with available time, km and tours."""

    vehicle: str
    area: str
    available_h: float
    days: int
    driven_km: float
    tours: int


@dataclass(frozen=True)
class AreaLine:
    """A company's month in one service area under the area's rule (None: the area has
    none, nothing is paid)."""

    area: str
    rule: CompensationRule | None
    available_h: float
    driven_km: float
    tours: int
    hours_cents: int
    km_cents: int
    tours_cents: int
    day_cap_cents: int
    month_cap_cents: int  #: taken off by the area's cap per company and month

    @property
    def total_cents(self) -> int:
        return (self.hours_cents + self.km_cents + self.tours_cents - self.day_cap_cents
                - self.month_cap_cents)


@dataclass(frozen=True)
class Statement:
    """A company's month (``company_id`` :data:`OWN_FLEET` for the vehicles of none)."""

    company_id: str
    company_name: str
    month: str  #: ``YYYY-MM``
    since: dt.date
    until: dt.date  #: the last day covered (today's date for the running month)
    currency: str
    tours: tuple[TourLine, ...] = ()
    days: tuple[DayLine, ...] = ()
    vehicles: tuple[VehicleLine, ...] = ()
    areas: tuple[AreaLine, ...] = ()
    provisional: bool = False  #: the month is still running
    notes: tuple[str, ...] = field(default=())

    @property
    def total_cents(self) -> int:
        return sum(a.total_cents for a in self.areas)

    @property
    def available_h(self) -> float:
        return sum(v.available_h for v in self.vehicles)

    @property
    def driven_km(self) -> float:
        return sum(t.driven_km for t in self.tours)

    @property
    def occupied_km(self) -> float:
        return sum(t.occupied_km for t in self.tours)

    @property
    def empty_km(self) -> float:
        return sum(t.empty_km for t in self.tours)

    @property
    def passengers(self) -> int:
        return sum(t.passengers for t in self.tours)

    @property
    def rides(self) -> int:
        return sum(t.rides for t in self.tours)

    @property
    def no_shows(self) -> int:
        return sum(t.no_shows for t in self.tours)

    @property
    def fares_cents(self) -> int:
        return sum(t.fares_cents for t in self.tours)


# -- the month --------------------------------------------------------------------------------
def month_span(month: str, today: dt.date, field: str = "month") -> tuple[dt.date, dt.date]:
    """The first and last day of ``YYYY-MM`` (the last: today, in the running month).

    Raises
    ------
    InvalidRequestError
        Not ``YYYY-MM`` (code ``validation``), or a month after the running one
        (``month-in-future``).
    """
    m = _MONTH.fullmatch(month) if isinstance(month, str) else None
    if m is None or not (1 <= int(m.group(2)) <= 12) or int(m.group(1)) < 1970:
        raise InvalidRequestError(f"month must be YYYY-MM (e.g. {today:%Y-%m}), not "
                                  f"{str(month)[:40]!r}", field=field, code="validation")
    first = dt.date(int(m.group(1)), int(m.group(2)), 1)
    if first > today:
        raise InvalidRequestError(f"month {month} has not begun (today is {today})",
                                  field=field, code="month-in-future",
                                  title="Month in the future")
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, min(today, nxt - dt.timedelta(days=1))


def _days(since: dt.date, until: dt.date) -> list[dt.date]:
    return [since + dt.timedelta(days=k) for k in range((until - since).days + 1)]


def tour_line(t: Tour) -> TourLine:
    return TourLine(t.date, t.vehicle, t.id, t.area, t.available_h, t.duty_h, t.driven_km,
                    t.occupied_km, t.empty_km, t.passengers, len(t.rides), len(t.no_shows),
                    t.fares_cents)


def month_statements(store: Store | Repository, travel: TravelTimes,
                     rules: Mapping[str, CompensationRule | None], month: str,
                     today: dt.date, *, holiday: Holiday | None = None,
                     company_id: str | None = None, currency: str = "") -> list[Statement]:
    """The month's statements: one per company (every company in the store, active or
    with vehicles), plus :data:`OWN_FLEET` when vehicles without a company were available
    or drove; sorted by company id.

    Parameters
    ----------
    store
        The store (read in one snapshot) or a repository of an open transaction.
    travel
        The region's car travel (for the tours' legs).
    rules
        The compensation rule of each service area (:func:`rules_of` for the service's
        areas); an area missing or None pays nothing.
    month
        ``YYYY-MM`` (see :func:`month_span`).
    today
        The service's date (the running month ends there).
    holiday
        The region's public holidays (availability rules may skip them).
    company_id
        Only this company's statement (:data:`OWN_FLEET`: the own fleet's); the list is
        empty when it has none.
    currency
        The amounts' currency when no rule names one.
    """
    since, until = month_span(month, today)
    with opened(store) as repo:
        companies = {c.id: c for c in repo.s.execute(select(Company)).scalars()}
        vehicles = [v for v in repo.all_vehicles()
                    if company_id is None or (v.company_id or OWN_FLEET) == company_id]
        done = tours(repo, travel, since, until, holiday=holiday,
                     vehicles={v.id for v in vehicles})
        avail = availability_rules(repo, [v.id for v in vehicles if v.uses_availability])
    cur = currency or next((r.currency for r in rules.values() if r is not None), "")
    by_company: dict[str, list[VehicleRow]] = defaultdict(list)
    for v in vehicles:
        by_company[v.company_id or OWN_FLEET].append(v)
    wanted = set(by_company)
    if company_id is None:
        wanted |= {c.id for c in companies.values() if c.active}
    elif company_id in companies:
        wanted.add(company_id)
    out = []
    for cid in sorted(wanted):
        fleet = by_company.get(cid, [])
        ids = {v.id for v in fleet}
        mine = [t for t in done if t.vehicle in ids]
        st = _statement(cid, companies[cid].name if cid in companies else OWN_FLEET_NAME,
                        month, since, until, cur, fleet, mine, avail, rules, holiday)
        if cid == OWN_FLEET and not st.tours and st.available_h == 0:
            continue  # no own fleet worked: no statement for it
        out.append(st)
    return out


def _statement(cid: str, name: str, month: str, since: dt.date, until: dt.date, currency: str,
               fleet: Sequence[VehicleRow], done: Sequence[Tour],
               avail: Mapping[str, Sequence[Any]], rules: Mapping[str, CompensationRule | None],
               holiday: Holiday | None) -> Statement:
    km: dict[tuple[str, dt.date], float] = defaultdict(float)
    count: dict[tuple[str, dt.date], int] = defaultdict(int)
    for t in done:
        km[(t.vehicle, t.date)] += t.driven_km
        count[(t.vehicle, t.date)] += 1
    days: list[DayLine] = []
    for v in sorted(fleet, key=lambda v: v.id):
        for d in _days(since, until):
            if not v.active and not count.get((v.id, d)):
                continue  # out of service: only the days it drove
            hours = sum(b - a for a, b in vehicle_windows(v, avail.get(v.id, ()), d, holiday)
                        ) / 3600.0
            n, k = count.get((v.id, d), 0), km.get((v.id, d), 0.0)
            if hours <= 0 and n == 0:
                continue
            rule = rules.get(v.area)
            pay = day_pay(rule, hours, k, n) if rule is not None else None
            days.append(DayLine(d, v.id, v.area, hours, k, n,
                                pay.hours_cents if pay else 0, pay.km_cents if pay else 0,
                                pay.tours_cents if pay else 0, pay.cap_cut_cents if pay else 0))
    vehicles = []
    for v in sorted(fleet, key=lambda v: v.id):
        mine = [x for x in days if x.vehicle == v.id]
        vehicles.append(VehicleLine(v.id, v.area, sum(x.available_h for x in mine),
                                    sum(1 for x in mine if x.available_h > 0),
                                    sum(x.driven_km for x in mine), sum(x.tours for x in mine)))
    areas = []
    notes = []
    for a in sorted({x.area for x in days}):
        mine = [x for x in days if x.area == a]
        rule = rules.get(a)
        if rule is None:
            notes.append(f"service area {a} has no compensation rule: nothing is paid there")
        subtotal = sum(x.total_cents for x in mine)
        areas.append(AreaLine(a, rule, sum(x.available_h for x in mine),
                              sum(x.driven_km for x in mine), sum(x.tours for x in mine),
                              sum(x.hours_cents for x in mine), sum(x.km_cents for x in mine),
                              sum(x.tours_cents for x in mine),
                              sum(x.day_cap_cents for x in mine),
                              month_cut(rule, subtotal) if rule is not None else 0))
    last = dt.date(since.year + since.month // 12, since.month % 12 + 1, 1) - dt.timedelta(1)
    return Statement(cid, name, month, since, until, currency,
                     tuple(tour_line(t) for t in sorted(done, key=lambda t: (t.date, t.vehicle,
                                                                             t.start_s))),
                     tuple(days), tuple(vehicles), tuple(areas), provisional=until < last,
                     notes=tuple(notes))


def rules_of(areas: Mapping[str, ServiceArea]) -> dict[str, CompensationRule | None]:
    """The compensation rule of each service area."""
    return {name: a.compensation for name, a in areas.items()}


# -- CSV --------------------------------------------------------------------------------------
#: the CSV's columns; ``line`` says what a row is: tour, day, vehicle, area or total
CSV_COLUMNS = ("line", "company", "month", "date", "vehicle", "tour", "area", "available_h",
               "duty_h", "driven_km", "occupied_km", "empty_km", "passengers", "rides",
               "no_shows", "tours", "fares", "hours_pay", "km_pay", "tours_pay", "day_cap",
               "month_cap", "total", "currency")


def money(cents: int) -> str:
    """Cents as an amount with two decimals ("-" for negative amounts)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def _num(x: float) -> str:
    return f"{x:.3f}"


def statement_csv(st: Statement) -> str:
    """The statement as one CSV table (header :data:`CSV_COLUMNS`): its tour lines, day
    lines, vehicle lines, area lines and the total line; amounts in the currency with two
    decimals, hours and km with three."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    base = {"company": st.company_id, "month": st.month, "currency": st.currency}
    for t in st.tours:
        w.writerow({**base, "line": "tour", "date": t.date.isoformat(), "vehicle": t.vehicle,
                    "tour": t.tour, "area": t.area, "available_h": _num(t.available_h),
                    "duty_h": _num(t.duty_h), "driven_km": _num(t.driven_km),
                    "occupied_km": _num(t.occupied_km), "empty_km": _num(t.empty_km),
                    "passengers": t.passengers, "rides": t.rides, "no_shows": t.no_shows,
                    "tours": 1, "fares": money(t.fares_cents)})
    for d in st.days:
        w.writerow({**base, "line": "day", "date": d.date.isoformat(), "vehicle": d.vehicle,
                    "area": d.area, "available_h": _num(d.available_h),
                    "driven_km": _num(d.driven_km), "tours": d.tours,
                    "hours_pay": money(d.hours_cents), "km_pay": money(d.km_cents),
                    "tours_pay": money(d.tours_cents), "day_cap": money(d.day_cap_cents),
                    "total": money(d.total_cents)})
    for v in st.vehicles:
        w.writerow({**base, "line": "vehicle", "vehicle": v.vehicle, "area": v.area,
                    "available_h": _num(v.available_h), "driven_km": _num(v.driven_km),
                    "tours": v.tours})
    for a in st.areas:
        w.writerow({**base, "line": "area", "area": a.area, "available_h": _num(a.available_h),
                    "driven_km": _num(a.driven_km), "tours": a.tours,
                    "hours_pay": money(a.hours_cents), "km_pay": money(a.km_cents),
                    "tours_pay": money(a.tours_cents), "day_cap": money(a.day_cap_cents),
                    "month_cap": money(a.month_cap_cents), "total": money(a.total_cents)})
    w.writerow({**base, "line": "total", "available_h": _num(st.available_h),
                "driven_km": _num(st.driven_km), "occupied_km": _num(st.occupied_km),
                "empty_km": _num(st.empty_km), "passengers": st.passengers,
                "rides": st.rides, "no_shows": st.no_shows, "tours": len(st.tours),
                "fares": money(st.fares_cents),
                "hours_pay": money(sum(a.hours_cents for a in st.areas)),
                "km_pay": money(sum(a.km_cents for a in st.areas)),
                "tours_pay": money(sum(a.tours_cents for a in st.areas)),
                "day_cap": money(sum(a.day_cap_cents for a in st.areas)),
                "month_cap": money(sum(a.month_cap_cents for a in st.areas)),
                "total": money(st.total_cents)})
    return buf.getvalue()


# -- for the API ------------------------------------------------------------------------------
def currency_of(areas: Mapping[str, ServiceArea]) -> str:
    """The region's currency as its rules name it (compensation, else fares; "" if none)."""
    rules = [a.compensation for a in areas.values()] + [a.fare for a in areas.values()]
    return next((r.currency for r in rules if r is not None), "")


def company_statement(svc: BookingService, who: Principal, company_id: str, month: str
                      ) -> Statement:
    """A company's statement for the API: staff read any company's, an operator only its
    own company's (another id: not found).

    Raises
    ------
    NotFoundError
        No such company (or not the operator's own).
    ForbiddenError
        Neither staff nor an operator.
    InvalidRequestError
        See :func:`month_span`.
    """
    own = getattr(who, "company_id", None)
    if not who.staff:
        if who.role != "operator":
            raise ForbiddenError(f"statements are for staff and operators (yours is a "
                                 f"{who.role} key)")
        if own is None or company_id != own:
            raise not_found("company", company_id)
    today = svc.timing.today()
    since_until = month_span(month, today)
    with reading(svc.store) as repo:
        known = (company_id == OWN_FLEET
                 or repo.s.get(Company, company_id) is not None)
        if not known:
            raise not_found("company", company_id)
        got = month_statements(repo, svc.travel, rules_of(svc.areas), month, today,
                               holiday=svc.holiday, company_id=company_id,
                               currency=currency_of(svc.areas))
    if got:
        return got[0]
    # the own fleet in a month it did not work: a statement of nothing
    return Statement(company_id, OWN_FLEET_NAME, month, since_until[0], since_until[1],
                     currency_of(svc.areas))


def day_tours(svc: BookingService, date: dt.date, vehicle: str | None = None) -> list[Tour]:
    """The tours of one service day (staff's list), optionally of one vehicle.

    Raises
    ------
    NotFoundError
        An unknown vehicle.
    """
    with reading(svc.store) as repo:
        if vehicle is not None and repo.vehicle(vehicle) is None:
            raise not_found("vehicle", vehicle, field="vehicle")
        return tours(repo, svc.travel, date, date, holiday=svc.holiday, vehicle=vehicle)
