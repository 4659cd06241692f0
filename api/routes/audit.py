"""GET /api/v1/audit: the audit log of staff actions, for admins."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Principal
from api.deps import ServiceDep, require
from api.problems import Problem
from api.schemas.feedback import AuditEntryResponse, AuditList
from api.service import audit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AdminDep = Annotated[Principal, require("admin")]


def _aware(t: dt.datetime | None, field: str) -> dt.datetime | None:
    if t is not None and t.tzinfo is None:
        raise Problem(422, "validation", "Invalid request",
                      f"{field}: give a time zone offset (e.g. 2026-11-01T00:00Z)",
                      field=field)
    return None if t is None else t.astimezone(dt.UTC)


@router.get("", response_model=AuditList, summary="Staff actions, newest first (admins)")
def audit_log(_: AdminDep, svc: ServiceDep,
              target_type: Annotated[str | None, Query(alias="targetType", description=(
                  "one of " + ", ".join(audit.TARGET_TYPES)))] = None,
              target_id: Annotated[str | None, Query(alias="targetId", min_length=1,
                                                     max_length=64)] = None,
              from_: Annotated[dt.datetime | None, Query(alias="from", description=(
                  "entries at or after this moment (ISO 8601 with offset)"))] = None,
              to: Annotated[dt.datetime | None, Query(description=(
                  "entries before this moment"))] = None,
              before_id: Annotated[int | None, Query(alias="beforeId", ge=1, le=2**62,
                                                     description=(
                  "the page after this entry (the previous page's nextBeforeId)"))] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> AuditList:
    """Who (API key id and role) did what (``action``) to which record, when, with the
    ids and fields changed. Recorded in the same transaction as the change. Admins only
    (dispatchers: 403)."""
    if target_type is not None and target_type not in audit.TARGET_TYPES:
        raise Problem(422, "validation", "Invalid request", "targetType: one of "
                      + ", ".join(audit.TARGET_TYPES), field="targetType")
    found = audit.entries(svc.store, target_type=target_type, target_id=target_id,
                          since=_aware(from_, "from"), until=_aware(to, "to"),
                          before_id=before_id, limit=limit)
    return AuditList(entries=[AuditEntryResponse(
        id=e.id, at=e.at, key_id=e.key_id, role=e.role, action=e.action,
        target_type=e.target_type, target_id=e.target_id, details=e.details) for e in found],
        next_before_id=found[-1].id if len(found) == limit else None)
