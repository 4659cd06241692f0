"""The audit log of staff and operators' actions: who (the key's id and role) did what to
which record, when. Each entry is written by :func:`record` on the repository of the change
itself, so the entry and the change commit together or not at all. Staff actions
(dispatchers and admins) and operators' (their company's vehicles and availability) are
recorded; riders' own actions and drivers' reports from the vehicle are not: the bookings'
status history and the vehicle events keep those.

``details`` holds ids and the names of what changed — never a rider's name, phone number
or e-mail address, nor a note's text (it may hold personal data)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from api.auth import Principal
from api.store.db import Store
from api.store.models import AuditEntry
from api.store.repository import Repository, reading

#: the actions recorded, by target type (documented in README "Audit log")
ACTIONS = {
    "booking": ("booking.create", "booking.cancel", "booking.note"),
    "plan": ("plan.replan",),
    "vehicle": ("vehicle.event", "vehicle.create", "vehicle.update"),
    "company": ("company.create",),
    "availability": ("availability.create", "availability.delete"),
    "tour": ("tour.move",),
    "service_alert": ("service_alert.create", "service_alert.end"),
    "standing_order": ("standing_order.create", "standing_order.cancel",
                       "standing_order.cancel_date"),
    "rider": ("rider.create", "rider.forget"),
}
TARGET_TYPES = tuple(ACTIONS)

#: keys ``details`` may never hold (contact data): a programming error, caught in tests
_FORBIDDEN = frozenset({"name", "phone", "email", "e_mail", "note", "comment", "address"})


def record(repo: Repository, who: Principal, action: str, target_type: str, target_id: str,
           details: Mapping[str, Any] | None, at: dt.datetime) -> None:
    """Add an entry in ``repo``'s transaction (staff and operators only: a rider's or a
    driver's action is not recorded). ``details``: ids and changed fields, JSON-serialisable.

    Raises
    ------
    ValueError
        An unknown action or target type, or contact data in ``details``.
    """
    if not (who.staff or who.role == "operator"):
        return
    if target_type not in ACTIONS or action not in ACTIONS[target_type]:
        raise ValueError(f"unknown audit action {action!r} on {target_type!r}")
    bad = _FORBIDDEN & set(details or {})
    if bad:
        raise ValueError(f"no contact data in the audit log: {sorted(bad)}")
    repo.s.add(AuditEntry(at=at, key_id=who.key_id, role=who.role, action=action,
                          target_type=target_type, target_id=str(target_id)[:64],
                          details=None if not details else json.dumps(
                              dict(details), sort_keys=True, default=str)))
    repo.s.flush()


@dataclass(frozen=True)
class EntryView:
    id: int
    at: dt.datetime
    key_id: str
    role: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any] | None


def entries(store: Store, *, target_type: str | None = None, target_id: str | None = None,
            since: dt.datetime | None = None, until: dt.datetime | None = None,
            before_id: int | None = None, limit: int = 100) -> list[EntryView]:
    """Entries newest first (by id: the order they were written), filtered; ``before_id``
    pages on (the last id of the page before)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if target_type is not None:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    with reading(store) as repo:
        rows = list(repo.s.execute(stmt).scalars())
    return [EntryView(r.id, r.at, r.key_id, r.role, r.action, r.target_type, r.target_id,
                      None if r.details is None else json.loads(r.details)) for r in rows]
