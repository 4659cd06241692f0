"""Stored vehicles' availability resolved to a day's windows (the rules themselves are
:mod:`dispatch.availability`): what planning, the fleet list and the vehicle positions feed
use for a vehicle of ``uses_availability``; any other vehicle has its daily shift."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from api.store.models import Availability, VehicleRow
from api.store.repository import Repository
from dispatch.availability import AvailabilityRule, IsHoliday, Window, windows_on


def rule_of(row: Availability) -> AvailabilityRule:
    """A stored rule as the dispatch core reads it."""
    days = tuple(int(x) for x in (row.weekdays or "").split(",") if x.strip())
    return AvailabilityRule(row.kind, days, row.first_date, row.last_date, float(row.start_s),
                            float(row.end_s), bool(row.skip_holidays))


def rules_of(repo: Repository, vehicle_ids: Iterable[str]) -> dict[str, list[AvailabilityRule]]:
    """The stored rules of some vehicles (every one of them a key, maybe with no rule)."""
    ids = list(dict.fromkeys(vehicle_ids))
    out: dict[str, list[AvailabilityRule]] = {v: [] for v in ids}
    if not ids:
        return out
    for row in repo.s.execute(select(Availability).where(Availability.vehicle_id.in_(ids))
                              ).scalars():
        out[row.vehicle_id].append(rule_of(row))
    return out


def windows_of(v: VehicleRow, rules: Iterable[AvailabilityRule], date: dt.date,
               holiday: IsHoliday | None) -> list[Window]:
    """A vehicle's windows on ``date``: its availability, or its daily shift."""
    if not v.uses_availability:
        return [(float(v.shift_start_s), float(v.shift_end_s))]
    return windows_on(rules, date, holiday)


def day_windows(repo: Repository, v: VehicleRow, date: dt.date,
                holiday: IsHoliday | None = None) -> list[Window]:
    """A stored vehicle's windows on ``date`` (see :func:`windows_of`)."""
    rules = rules_of(repo, [v.id])[v.id] if v.uses_availability else []
    return windows_of(v, rules, date, holiday)


def fleet_windows(repo: Repository, vehicles: list[VehicleRow], date: dt.date,
                  holiday: IsHoliday | None = None) -> dict[str, list[Window]]:
    """Every vehicle's windows on ``date`` (one read of the rules)."""
    rules = rules_of(repo, [v.id for v in vehicles if v.uses_availability])
    return {v.id: windows_of(v, rules.get(v.id, []), date, holiday) for v in vehicles}
