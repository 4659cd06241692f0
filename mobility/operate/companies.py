"""The contracted companies of a simulated operation, read from a TOML file
(``[[companies]]`` with their vehicles and ``[[companies.availability]]`` rules) and written to
the store as an admin would enter them: the companies, their vehicles planned only into
their availability, and the availability rules."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from api.store import Store
from api.store.models import Availability, Company, VehicleRow
from api.store.repository import writing
from mobility.errors import RegionError
from routing.timebase import parse_clock

KINDS = ("weekly", "dated", "unavailable")
#: who entered the rules, as the store records it (a key id's width)
ENTERED_BY = "operate"


@dataclass(frozen=True)
class RuleSetup:
    """One availability rule of a vehicle (see :class:`api.store.models.Availability`)."""

    vehicle: str
    kind: str
    weekdays: tuple[int, ...]
    first_date: dt.date | None
    last_date: dt.date | None
    start_s: float
    end_s: float
    skip_holidays: bool = False
    note: str | None = None


@dataclass(frozen=True)
class CompanySetup:
    id: str
    name: str
    vehicles: tuple[str, ...]
    rules: tuple[RuleSetup, ...]


def read_setup(path: Path) -> list[CompanySetup]:
    """The companies of ``path``.

    Raises
    ------
    RegionError
        Naming every problem of the file at once (``companies[1].availability[0].hours`` …).
    """
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegionError(f"{path}: {exc}") from None
    problems: list[str] = []
    out: list[CompanySetup] = []
    companies = doc.get("companies")
    if not isinstance(companies, list) or not companies:
        raise RegionError(f"{path}: no [[companies]] table")
    seen: set[str] = set()
    for i, c in enumerate(companies):
        where = f"companies[{i}]"
        cid, name, vehicles = c.get("id"), c.get("name"), c.get("vehicles", [])
        if not isinstance(cid, str) or not cid or len(cid) > 32:
            problems.append(f"{where}.id: a text of 1 to 32 characters")
            cid = f"?{i}"
        if cid in seen:
            problems.append(f"{where}.id: {cid!r} twice")
        seen.add(cid)
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}.name: the company's name")
            name = cid
        if not isinstance(vehicles, list) or not all(isinstance(v, str) for v in vehicles):
            problems.append(f"{where}.vehicles: a list of vehicle ids")
            vehicles = []
        rules = [_rule(r, f"{where}.availability[{k}]", vehicles, problems)
                 for k, r in enumerate(c.get("availability", []))]
        out.append(CompanySetup(cid, name, tuple(vehicles),
                                tuple(r for r in rules if r is not None)))
    if problems:
        raise RegionError(f"{path}: " + "; ".join(problems))
    return out


def _rule(r: Any, where: str, vehicles: list[str], problems: list[str]) -> RuleSetup | None:
    n = len(problems)
    vehicle, kind = r.get("vehicle"), r.get("kind", "weekly")
    if vehicle not in vehicles:
        problems.append(f"{where}.vehicle: one of the company's vehicles ({', '.join(vehicles)})")
    if kind not in KINDS:
        problems.append(f"{where}.kind: one of {', '.join(KINDS)}")
    weekdays = r.get("weekdays", [])
    if kind == "weekly" and (not weekdays or not all(
            isinstance(d, int) and 1 <= d <= 7 for d in weekdays)):
        problems.append(f"{where}.weekdays: ISO weekdays, 1 = Monday … 7 = Sunday")
    dates: list[dt.date | None] = [None, None]
    given = r.get("dates")
    if given is not None:
        try:
            a, b = (dt.date.fromisoformat(x) for x in given)
            dates = [a, b]
            if b < a:
                problems.append(f"{where}.dates: the last date before the first")
        except (TypeError, ValueError):
            problems.append(f"{where}.dates: [first, last] as YYYY-MM-DD")
    elif kind != "weekly":
        problems.append(f"{where}.dates: [first, last] as YYYY-MM-DD")
    try:
        start, end = (float(parse_clock(x, allow_seconds=False)) for x in r.get("hours", []))
        if not 0 <= start < end <= 86400:
            problems.append(f"{where}.hours: from before until, within the day (00:00–24:00)")
    except (TypeError, ValueError):
        problems.append(f"{where}.hours: [from, until] as HH:MM")
        start = end = 0.0
    if len(problems) > n:
        return None
    return RuleSetup(vehicle, kind, tuple(weekdays) if kind == "weekly" else (), dates[0],
                     dates[1], start, end, bool(r.get("skip_holidays", False)), r.get("note"))


def apply_setup(store: Store, companies: list[CompanySetup], since: dt.date,
                at: dt.datetime) -> None:
    """Write the companies, give them their vehicles (planned into availability from now
    on) and replace those vehicles' availability rules; weekly rules without dates run
    from ``since``.

    Raises
    ------
    RegionError
        A vehicle the store does not hold (not in the region's fleet).
    """
    with writing(store) as repo:
        for c in companies:
            row = repo.s.get(Company, c.id) or Company(id=c.id, created_at=at)
            row.name, row.active = c.name, True
            repo.s.add(row)
            repo.s.flush()
            for vid in c.vehicles:
                v = repo.s.get(VehicleRow, vid)
                if v is None:
                    raise RegionError(f"company {c.id}: no vehicle {vid!r} in the region's "
                                      "fleet")
                v.company_id, v.uses_availability = c.id, True
            repo.s.execute(delete(Availability).where(Availability.vehicle_id.in_(c.vehicles)))
            for k, r in enumerate(c.rules):
                repo.s.add(Availability(
                    id=f"av_{c.id[:20]}_{k}", vehicle_id=r.vehicle, kind=r.kind,
                    weekdays=",".join(map(str, r.weekdays)) or None,
                    first_date=r.first_date or since, last_date=r.last_date,
                    start_s=r.start_s, end_s=r.end_s, skip_holidays=r.skip_holidays,
                    note=r.note, created_by=ENTERED_BY, created_at=at))
