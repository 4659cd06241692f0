"""Contracted operators: companies, their vehicles and the vehicles' availability.

Admins create companies; an operator key belongs to one company and manages that company's
vehicles and their availability only — another company's vehicle is "not found" to it
(404, so that its existence does not leak). Dispatchers and admins see every company.

A change of a vehicle or of its availability is checked against the rides booked on it
(confirmed or on board, today and later): one that would leave such a ride outside the
vehicle's new windows, or its day's plan unschedulable, is refused (409
``vehicle-has-rides``, naming the bookings: a dispatcher moves them first, see
:mod:`api.service.tours`). Every accepted change counts as a change of the plans of the
vehicle's area on each day up to the booking horizon (their stored versions go up), so
every process rebuilds those days with the new availability; it is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from api.auth import Principal, new_id
from api.service import audit
from api.service.availability import day_windows, rule_of, rules_of, windows_of
from api.service.errors import ConflictError, ForbiddenError, InvalidRequestError, not_found
from api.service.service import BookingService
from api.store.models import Availability, Booking, Company, VehicleRow
from api.store.repository import ACTIVE, Repository, reading, writing
from dispatch.availability import DAY_S, KINDS, AvailabilityRule, Window
from dispatch.model import BREAK_PREFIX, Point

__all__ = ["CompanyView", "RuleInput", "RuleView", "VehicleInput", "VehiclePatch",
           "day_windows"]

#: a company's or an operator's vehicle's id as entered
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
#: a rule spans at most a year, and starts at most a year ahead
MAX_SPAN = dt.timedelta(days=366)
MAX_AHEAD = dt.timedelta(days=366)
#: resolved windows are listed for at most this many days at once
MAX_DAYS = 62
MAX_SEATS = 60
MAX_WHEELCHAIRS = 10


@dataclass(frozen=True)
class CompanyView:
    id: str
    name: str
    active: bool
    created_at: dt.datetime
    vehicles: int


@dataclass(frozen=True)
class VehicleInput:
    """A vehicle an operator (or an admin) enters for a company."""

    id: str
    area: str
    seats: int
    wheelchair_places: int
    depot: Point
    label: str | None = None


@dataclass(frozen=True)
class VehiclePatch:
    """A change of a vehicle (None: unchanged): the first four by its operator or an
    admin, the company and ``uses_availability`` by an admin only."""

    label: str | None = None
    seats: int | None = None
    wheelchair_places: int | None = None
    depot: Point | None = None
    company_id: str | None = None
    uses_availability: bool | None = None


@dataclass(frozen=True)
class RuleInput:
    """An availability rule as entered (times in seconds after midnight)."""

    kind: str
    weekdays: tuple[int, ...]
    first_date: dt.date
    last_date: dt.date | None
    start_s: float
    end_s: float
    skip_holidays: bool = False
    note: str | None = None


@dataclass(frozen=True)
class RuleView:
    id: str
    vehicle_id: str
    rule: AvailabilityRule
    note: str | None
    created_at: dt.datetime


# -- who may see what ---------------------------------------------------------------------
def _may_manage(who: Principal, company_id: str | None) -> bool:
    """Whether ``who`` may change a company's vehicles (its operator, or an admin)."""
    return who.role == "admin" or (who.role == "operator" and company_id is not None
                                   and who.company_id == company_id)


def _visible_company(repo: Repository, who: Principal, company_id: str) -> Company:
    c = repo.s.get(Company, company_id)
    if c is None or (who.role == "operator" and who.company_id != company_id):
        raise not_found("company", company_id)
    if who.role not in ("operator", "dispatcher", "admin"):
        raise ForbiddenError(f"a {who.role} key cannot see companies")
    return c


def visible_vehicle(repo: Repository, who: Principal, vehicle_id: str) -> VehicleRow:
    """A vehicle the caller may see: staff every one, an operator its company's."""
    v = repo.vehicle(vehicle_id)
    if v is None or (who.role == "operator" and (v.company_id is None
                                                 or v.company_id != who.company_id)):
        raise not_found("vehicle", vehicle_id)
    if who.role not in ("operator", "dispatcher", "admin"):
        raise ForbiddenError(f"a {who.role} key cannot manage vehicles")
    return v


# -- companies --------------------------------------------------------------------------------
def _company_view(repo: Repository, c: Company) -> CompanyView:
    n = len(list(repo.s.execute(select(VehicleRow.id).where(VehicleRow.company_id == c.id))))
    return CompanyView(c.id, c.name, c.active, c.created_at, n)


def _name(name: str, field: str, max_len: int) -> str:
    out = name.strip()
    if not out or len(out) > max_len:
        raise InvalidRequestError(f"{field} must be 1 to {max_len} characters", field=field,
                                  code="validation")
    return out


def create_company(svc: BookingService, who: Principal, name: str,
                   company_id: str | None = None) -> CompanyView:
    """A new company (admins only)."""
    if who.role != "admin":
        raise ForbiddenError("only admins create companies")
    name = _name(name, "name", 200)
    if company_id is not None and not ID_PATTERN.match(company_id):
        raise InvalidRequestError("id: letters, digits, '.', '_' or '-' (at most 32), "
                                  "starting with a letter or digit", field="id",
                                  code="validation")
    cid = company_id or new_id("c_")
    with writing(svc.store) as repo:
        if repo.s.get(Company, cid) is not None:
            raise ConflictError(f"a company {cid!r} exists already", field="id",
                                code="company-exists", title="Company exists")
        c = Company(id=cid, name=name, active=True, created_at=svc.timing.now())
        repo.s.add(c)
        repo.s.flush()
        audit.record(repo, who, "company.create", "company", cid, {"id": cid},
                     svc.timing.now())
        return _company_view(repo, c)


def list_companies(svc: BookingService, who: Principal) -> list[CompanyView]:
    """Every company (staff), or the operator's own."""
    with reading(svc.store) as repo:
        stmt = select(Company).order_by(Company.id)
        if who.role == "operator":
            stmt = stmt.where(Company.id == (who.company_id or ""))
        elif not who.staff:
            raise ForbiddenError(f"a {who.role} key cannot see companies")
        return [_company_view(repo, c) for c in repo.s.execute(stmt).scalars()]


def company(svc: BookingService, who: Principal, company_id: str) -> CompanyView:
    with reading(svc.store) as repo:
        return _company_view(repo, _visible_company(repo, who, company_id))


def company_vehicles(svc: BookingService, who: Principal, company_id: str
                     ) -> list[VehicleRow]:
    """The company's vehicles (active or not), by id."""
    with reading(svc.store) as repo:
        _visible_company(repo, who, company_id)
        rows = list(repo.s.execute(select(VehicleRow).where(
            VehicleRow.company_id == company_id).order_by(VehicleRow.id)).scalars())
        for r in rows:
            repo.s.expunge(r)
        return rows


# -- vehicles ---------------------------------------------------------------------------------
def _check_vehicle_numbers(seats: int | None, wheelchairs: int | None,
                           errors: list[dict[str, str]]) -> None:
    if seats is not None and not 1 <= seats <= MAX_SEATS:
        errors.append({"field": "seats", "message": f"1 to {MAX_SEATS} seats"})
    if wheelchairs is not None and not 0 <= wheelchairs <= MAX_WHEELCHAIRS:
        errors.append({"field": "wheelchairPlaces",
                       "message": f"0 to {MAX_WHEELCHAIRS} wheelchair places"})


def _refuse(errors: list[dict[str, str]]) -> None:
    """Refuse with every problem found at once (422 ``validation``)."""
    if errors:
        raise InvalidRequestError("; ".join(f"{e['field']}: {e['message']}" for e in errors),
                                  field=errors[0]["field"], code="validation",
                                  title="Invalid request", errors=errors)


def create_vehicle(svc: BookingService, who: Principal, company_id: str, v: VehicleInput
                   ) -> VehicleRow:
    """A new vehicle of a company (its operator or an admin): planned only into the
    availability entered for it (none yet: it takes no ride until some is)."""
    errors: list[dict[str, str]] = []
    if not ID_PATTERN.match(v.id):
        errors.append({"field": "id", "message": "letters, digits, '.', '_' or '-' (at most "
                                                 "32), starting with a letter or digit"})
    if v.area not in svc.areas:
        errors.append({"field": "area", "message": f"no service area {v.area!r}"})
    _check_vehicle_numbers(v.seats, v.wheelchair_places, errors)
    label = v.label.strip() or None if v.label is not None else None
    if label is not None and len(label) > 100:
        errors.append({"field": "label", "message": "at most 100 characters"})
    _refuse(errors)
    svc.on_roads(v.depot, "depot")
    with writing(svc.store) as repo:
        _visible_company(repo, who, company_id)
        if not _may_manage(who, company_id):
            raise ForbiddenError("only the company's operators and admins enter its vehicles")
        if repo.vehicle(v.id) is not None:
            raise ConflictError(f"a vehicle {v.id!r} exists already", field="id",
                                code="vehicle-exists", title="Vehicle exists")
        row = VehicleRow(id=v.id, area=v.area, seats=v.seats,
                         wheelchair_places=v.wheelchair_places, depot_lat=v.depot[0],
                         depot_lon=v.depot[1], shift_start_s=0.0, shift_end_s=DAY_S,
                         active=True, company_id=company_id, label=label, source="operator",
                         uses_availability=True)
        repo.s.add(row)
        repo.s.flush()
        audit.record(repo, who, "vehicle.create", "vehicle", v.id,
                     {"company": company_id, "area": v.area, "seats": v.seats,
                      "wheelchairPlaces": v.wheelchair_places}, svc.timing.now())
        _bump_days(svc, repo, v.area)
        repo.s.expunge(row)
        return row


def update_vehicle(svc: BookingService, who: Principal, vehicle_id: str, p: VehiclePatch
                   ) -> VehicleRow:
    """Change a vehicle (see :class:`VehiclePatch`); a change of its seats, depot or use
    of availability keeps every ride booked on it (else 409 ``vehicle-has-rides``)."""
    errors: list[dict[str, str]] = []
    _check_vehicle_numbers(p.seats, p.wheelchair_places, errors)
    label = p.label.strip() if p.label is not None else None
    if label is not None and len(label) > 100:
        errors.append({"field": "label", "message": "at most 100 characters"})
    _refuse(errors)
    if p.depot is not None:
        svc.on_roads(p.depot, "depot")
    with writing(svc.store) as repo:
        row = visible_vehicle(repo, who, vehicle_id)
        if (p.company_id is not None or p.uses_availability is not None) and who.role != "admin":
            raise ForbiddenError("only admins change a vehicle's company or its use of "
                                 "availability", field="companyId" if p.company_id is not None
                                 else "usesAvailability")
        if not _may_manage(who, row.company_id):
            raise ForbiddenError("only the vehicle's operators and admins change it")
        if p.company_id is not None and repo.s.get(Company, p.company_id) is None:
            raise not_found("company", p.company_id, "companyId")
        changed: dict[str, object] = {}
        if p.label is not None and row.label != (label or None):
            row.label = label or None
            changed["label"] = row.label
        for name, value in (("seats", p.seats), ("wheelchair_places", p.wheelchair_places),
                            ("company_id", p.company_id),
                            ("uses_availability", p.uses_availability)):
            if value is not None and getattr(row, name) != value:
                setattr(row, name, value)
                changed[name] = value
        if p.depot is not None and (row.depot_lat, row.depot_lon) != p.depot:
            row.depot_lat, row.depot_lon = p.depot
            changed["depot"] = list(p.depot)
        if not changed:
            repo.s.expunge(row)
            return row
        repo.s.flush()
        if set(changed) - {"label", "company_id"}:
            _bump_days(svc, repo, row.area)
            _check_rides(svc, repo, row, None)
        audit.record(repo, who, "vehicle.update", "vehicle", vehicle_id,
                     {"changed": sorted(changed), **{k: v for k, v in changed.items()
                                                     if k != "label"}}, svc.timing.now())
        repo.s.expunge(row)
        return row


# -- availability -----------------------------------------------------------------------------
def _view(row: Availability) -> RuleView:
    return RuleView(row.id, row.vehicle_id, rule_of(row), row.note, row.created_at)


def list_rules(svc: BookingService, who: Principal, vehicle_id: str) -> list[RuleView]:
    """A vehicle's rules: weekly, dated, then exceptions, each by first date and start."""
    with reading(svc.store) as repo:
        visible_vehicle(repo, who, vehicle_id)
        rows = list(repo.s.execute(select(Availability).where(
            Availability.vehicle_id == vehicle_id)).scalars())
        rows.sort(key=lambda r: (KINDS.index(r.kind), r.first_date, r.start_s, r.id))
        return [_view(r) for r in rows]


def check_rule(r: RuleInput, today: dt.date) -> None:
    """Refuse a rule with every problem it has at once (422 ``validation``)."""
    errors: list[dict[str, str]] = []
    if r.kind not in KINDS:
        errors.append({"field": "kind", "message": f"one of {', '.join(KINDS)}"})
    if r.kind == "weekly":
        if not r.weekdays:
            errors.append({"field": "weekdays", "message": "a weekly rule needs its weekdays "
                                                           "(1 = Monday … 7 = Sunday)"})
        elif any(not 1 <= d <= 7 for d in r.weekdays) or len(set(r.weekdays)) != len(
                r.weekdays):
            errors.append({"field": "weekdays", "message": "weekdays are 1 (Monday) to 7 "
                                                           "(Sunday), each once"})
    elif r.weekdays:
        errors.append({"field": "weekdays", "message": "only weekly rules have weekdays"})
    if not 0 <= r.start_s < DAY_S:
        errors.append({"field": "start", "message": "from 00:00 to 23:59"})
    if not 0 < r.end_s <= DAY_S:
        errors.append({"field": "end", "message": "from 00:01 to 24:00"})
    elif r.end_s <= r.start_s:
        errors.append({"field": "end", "message": "the end must come after the start"})
    if r.first_date < today:
        errors.append({"field": "firstDate", "message": f"lies in the past (today is "
                                                        f"{today.isoformat()})"})
    if r.first_date > today + MAX_AHEAD:
        errors.append({"field": "firstDate", "message": "at most a year ahead"})
    if r.last_date is None:
        if r.kind != "weekly":
            errors.append({"field": "lastDate", "message": f"a {r.kind} rule needs its last "
                                                           "date"})
    elif r.last_date < r.first_date:
        errors.append({"field": "lastDate", "message": "comes before the first date"})
    elif r.last_date - r.first_date > MAX_SPAN:
        errors.append({"field": "lastDate", "message": "a rule spans at most a year"})
    if r.note is not None and len(r.note) > 200:
        errors.append({"field": "note", "message": "at most 200 characters"})
    _refuse(errors)


def add_rule(svc: BookingService, who: Principal, vehicle_id: str, r: RuleInput) -> RuleView:
    """Add a rule to a vehicle's availability (its operator or an admin)."""
    check_rule(r, svc.timing.today())
    with writing(svc.store) as repo:
        row = visible_vehicle(repo, who, vehicle_id)
        if not _may_manage(who, row.company_id):
            raise ForbiddenError("only the vehicle's operators and admins enter its "
                                 "availability")
        a = Availability(id=new_id("av_"), vehicle_id=vehicle_id, kind=r.kind,
                         weekdays=",".join(str(d) for d in sorted(r.weekdays)) or None,
                         first_date=r.first_date, last_date=r.last_date,
                         start_s=float(r.start_s), end_s=float(r.end_s),
                         skip_holidays=r.skip_holidays, note=(r.note or "").strip() or None,
                         created_by=who.key_id, created_at=svc.timing.now())
        repo.s.add(a)
        repo.s.flush()
        _bump_days(svc, repo, row.area)
        _check_rides(svc, repo, row, None)
        audit.record(repo, who, "availability.create", "availability", a.id,
                     {"vehicle": vehicle_id, "kind": r.kind}, svc.timing.now())
        return _view(a)


def delete_rule(svc: BookingService, who: Principal, vehicle_id: str, rule_id: str) -> None:
    """Delete one of a vehicle's rules (its operator or an admin)."""
    with writing(svc.store) as repo:
        row = visible_vehicle(repo, who, vehicle_id)
        a = repo.s.get(Availability, rule_id)
        if a is None or a.vehicle_id != vehicle_id:
            raise not_found("availability rule", rule_id)
        if not _may_manage(who, row.company_id):
            raise ForbiddenError("only the vehicle's operators and admins change its "
                                 "availability")
        kind = a.kind
        repo.s.delete(a)
        repo.s.flush()
        _bump_days(svc, repo, row.area)
        _check_rides(svc, repo, row, None)
        audit.record(repo, who, "availability.delete", "availability", rule_id,
                     {"vehicle": vehicle_id, "kind": kind}, svc.timing.now())


def days(svc: BookingService, who: Principal, vehicle_id: str, first: dt.date,
         last: dt.date) -> list[tuple[dt.date, list[Window]]]:
    """The vehicle's windows on each date from ``first`` to ``last`` (at most
    :data:`MAX_DAYS`)."""
    if last < first:
        raise InvalidRequestError("to comes before from", field="to", code="validation")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequestError(f"at most {MAX_DAYS} days at once", field="to",
                                  code="validation")
    with reading(svc.store) as repo:
        v = visible_vehicle(repo, who, vehicle_id)
        rules = rules_of(repo, [v.id])[v.id]
        return [(d, windows_of(v, rules, d, svc.holiday))
                for d in (first + dt.timedelta(days=k) for k in range((last - first).days + 1))]


# -- keeping booked rides ---------------------------------------------------------------------
def _bump_days(svc: BookingService, repo: Repository, area: str) -> None:
    """Count the change as a change of the area's plans on every day from today to the
    booking horizon: every process rebuilds those days (with the new fleet)."""
    day = svc.timing.today()
    while day <= svc.last_date():
        svc.store.lock_day(repo.s, area, day)
        repo.bump_version(area, day)
        day += dt.timedelta(days=1)


def _check_rides(svc: BookingService, repo: Repository, row: VehicleRow,
                 rules: Sequence[AvailabilityRule] | None) -> None:
    """Refuse (409 ``vehicle-has-rides``) when the plan of a day with rides booked on the
    vehicle (confirmed or on board, today or later), rebuilt as the vehicle and its windows
    are now in ``repo``'s transaction, cannot keep them all (outside the new windows, too
    few seats, a depot too far)."""
    today = svc.timing.today()
    rides = [(b.id, b.service_date) for b in repo.s.execute(select(Booking).where(
        Booking.vehicle_id == row.id, Booking.status.in_(ACTIVE),
        Booking.service_date >= today)).scalars()]
    if not rides:
        return
    rules = rules if rules is not None else rules_of(repo, [row.id])[row.id]
    bad: set[str] = set()
    for date in sorted({d for _, d in rides}):
        mine = {bid for bid, d in rides if d == date}
        if not _unschedulable(svc, repo, row, date, mine):
            continue  # the day's plan keeps every ride inside the new windows
        # name the rides whose stops, as planned now, lie outside the new windows (all of
        # the day's when none does: the day's plan as a whole cannot keep them)
        ws = windows_of(row, rules, date, svc.holiday)
        out = {s.request for s in repo.plan_stops(date, vehicle=row.id)
               if s.request in mine and not any(lo <= s.planned_s <= hi for lo, hi in ws)}
        bad |= out or mine
    if bad:
        raise ConflictError(
            f"vehicle {row.id} has booked rides the change would leave outside its "
            f"available time: {', '.join(sorted(bad))} (move them first)",
            field="vehicleId", code="vehicle-has-rides", title="Vehicle has rides",
            bookings=sorted(bad))


def _unschedulable(svc: BookingService, repo: Repository, row: VehicleRow, date: dt.date,
                   mine: set[str]) -> bool:
    """Whether the vehicle's plan of ``date``, rebuilt from the store as changed, cannot
    keep its rides ``mine`` with the day's breaks: the schedule of a rebuilt plan keeps
    every stop inside the windows, so one that holds every ride and every break, on time,
    keeps the promises inside the new availability."""
    repo.s.flush()
    try:
        d = svc.days.build(repo, row.area, date)
    except Exception:  # noqa: BLE001 - any failure to rebuild means the rides are at risk
        return True
    plan = d.plans.get(row.id)
    if plan is None:
        return True
    held = {rid for rid, _ in plan.stops} | set(plan.onboard)
    breaks = {rid for rid in held if rid.startswith(BREAK_PREFIX)}
    ahead = plan.origin is None or date > svc.timing.today()  # not under way yet
    return bool(mine - held or plan.vehicle.closed or (plan.late and ahead)
                or (plan.origin is None and len(breaks) < len(plan.vehicle.breaks)))
