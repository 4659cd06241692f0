"""Service alerts: a service area closed (``closure``) or served less (``reduced``) for a
period, entered by a dispatcher. Each is published in the GTFS-Realtime alerts feed
(:mod:`api.gtfs_rt.alerts`) until its period ends or a dispatcher ends it; a closure also
refuses new rides in its area whose time meets its period (quotes, bookings, itineraries'
rides and standing orders' dates), with the code ``service-closed``. Rides booked before
the closure was entered stay booked: the dispatcher decides about them (and cancels them
through the bookings, which tells their riders)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select

from api.auth import Principal, new_id
from api.service.context import Context
from api.service.errors import InvalidRequestError, not_found
from api.store.models import ServiceAlert
from api.store.repository import Repository, reading, writing

EFFECTS = ("closure", "reduced")
#: what caused it (GTFS-Realtime ``Alert.Cause``, lower case); None: unknown
CAUSES = ("other", "technical_problem", "strike", "demonstration", "accident", "holiday",
          "weather", "maintenance", "construction", "police_activity", "medical_emergency",
          "special_event")
#: an alert starts at most this far ahead and lasts at most this long (a year)
MAX_AHEAD = dt.timedelta(days=366)
MAX_SPAN = dt.timedelta(days=366)
HEADER_MAX = 200
DESCRIPTION_MAX = 2000
MAX_LANGUAGES = 5
#: a BCP 47 language tag as GTFS-Realtime's translations carry it ("de", "en-US", "sr-Latn")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")


@dataclass(frozen=True)
class AlertText:
    """An alert's texts in one language."""

    language: str
    header: str
    description: str | None = None


@dataclass(frozen=True)
class AlertRequest:
    """A service alert as a dispatcher enters it (``start`` None: now; ``end`` None: until
    ended)."""

    area: str
    effect: str
    texts: tuple[AlertText, ...]
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    cause: str | None = None


@dataclass(frozen=True)
class AlertView:
    """A service alert; ``status`` is ``scheduled`` (its period is still to come),
    ``active`` or ``over`` (its period ended, or a dispatcher ended it)."""

    id: str
    area: str
    effect: str
    cause: str | None
    start: dt.datetime
    end: dt.datetime | None
    texts: tuple[AlertText, ...]
    status: str
    created_by: str
    created_at: dt.datetime
    ended_at: dt.datetime | None


def texts_of(row: ServiceAlert) -> tuple[AlertText, ...]:
    return tuple(AlertText(t["language"], t["header"], t.get("description"))
                 for t in json.loads(row.texts))


def effective_end(row: ServiceAlert) -> dt.datetime | None:
    """When the alert stops applying: its period's end, or when a dispatcher ended it."""
    ends = [t for t in (row.end_at, row.ended_at) if t is not None]
    return min(ends) if ends else None


def view(svc: Context, row: ServiceAlert) -> AlertView:
    now = svc.timing.now()
    end = effective_end(row)
    status = ("over" if end is not None and end <= now else
              "scheduled" if row.start_at > now else "active")
    tz = svc.tz
    return AlertView(row.id, row.area, row.effect, row.cause, row.start_at.astimezone(tz),
                     row.end_at.astimezone(tz) if row.end_at else None, texts_of(row), status,
                     row.created_by, row.created_at.astimezone(tz),
                     row.ended_at.astimezone(tz) if row.ended_at else None)


def _checked_texts(texts: Sequence[AlertText]) -> tuple[AlertText, ...]:
    if not 1 <= len(texts) <= MAX_LANGUAGES:
        raise InvalidRequestError(f"an alert needs its text in 1 to {MAX_LANGUAGES} languages",
                                  field="texts", code="validation")
    seen: set[str] = set()
    out = []
    for k, t in enumerate(texts):
        field = f"texts.{k}"
        if not LANGUAGE.match(t.language):
            raise InvalidRequestError(f"{t.language!r} is no language tag (such as de, en or "
                                      "en-US)", field=f"{field}.language", code="validation")
        lang = t.language.lower()
        if lang in seen:
            raise InvalidRequestError(f"the language {t.language} is given twice",
                                      field=f"{field}.language", code="validation")
        seen.add(lang)
        header = t.header.strip()
        if not header or len(header) > HEADER_MAX:
            raise InvalidRequestError(f"the header must be 1 to {HEADER_MAX} characters",
                                      field=f"{field}.header", code="validation")
        desc = (t.description or "").strip() or None
        if desc is not None and len(desc) > DESCRIPTION_MAX:
            raise InvalidRequestError(f"the description must be at most {DESCRIPTION_MAX} "
                                      "characters", field=f"{field}.description",
                                      code="validation")
        out.append(AlertText(t.language, header, desc))
    return tuple(out)


def create(svc: Context, who: Principal, req: AlertRequest) -> AlertView:
    """Enter a service alert (staff only: the route admits dispatchers and admins).

    Raises
    ------
    InvalidRequestError
        An unknown area or cause, a period that ends before it starts, lies in the past or
        too far ahead, or texts that are missing, too long or in one language twice.
    """
    if req.area not in svc.areas:
        raise InvalidRequestError(f"no service area {req.area!r} (GET /api/v1/service-areas: "
                                  f"{', '.join(svc.areas)})", field="area",
                                  code="unknown-area", title="Unknown service area")
    if req.effect not in EFFECTS:
        raise InvalidRequestError(f"effect must be one of {', '.join(EFFECTS)}",
                                  field="effect", code="validation")
    if req.cause is not None and req.cause not in CAUSES:
        raise InvalidRequestError(f"cause must be one of {', '.join(CAUSES)}", field="cause",
                                  code="validation")
    texts = _checked_texts(req.texts)
    now = svc.timing.now()
    start = (svc.timing.local(req.start, "start") if req.start is not None
             else now).astimezone(dt.UTC)
    grace = dt.timedelta(seconds=svc.config.past_grace_s)
    if start < now - grace:
        raise InvalidRequestError("start lies in the past: leave it out to start now",
                                  field="start", code="time-in-past", title="Time in the past")
    if start > now + MAX_AHEAD:
        raise InvalidRequestError("an alert starts at most a year ahead", field="start",
                                  code="time-too-far", title="Time too far ahead")
    start = max(start, now)  # a moment ago is now
    end = None
    if req.end is not None:
        end = svc.timing.local(req.end, "end").astimezone(dt.UTC)
        if end <= start:
            raise InvalidRequestError("end must lie after start (and after now)", field="end",
                                      code="window-order", title="Ends before it starts")
        if end - start > MAX_SPAN:
            raise InvalidRequestError("an alert lasts at most a year", field="end",
                                      code="time-too-far", title="Time too far ahead")
    row = ServiceAlert(
        id=new_id("sa_"), area=req.area, effect=req.effect, cause=req.cause, start_at=start,
        end_at=end, texts=json.dumps([{"language": t.language, "header": t.header,
                                       "description": t.description} for t in texts],
                                     ensure_ascii=False),
        created_by=who.key_id, created_at=now, ended_at=None, ended_by=None)
    with writing(svc.store) as repo:
        repo.s.add(row)
    return view(svc, row)


def list_alerts(svc: Context, *, include_over: bool = False, limit: int = 100
                ) -> list[AlertView]:
    """The alerts still to come or lasting (with ``include_over`` also those over), the
    latest start first."""
    now = svc.timing.now()
    stmt = select(ServiceAlert).order_by(ServiceAlert.start_at.desc(), ServiceAlert.id)
    if not include_over:
        stmt = stmt.where(ServiceAlert.ended_at.is_(None),
                          or_(ServiceAlert.end_at.is_(None), ServiceAlert.end_at > now))
    with reading(svc.store) as repo:
        return [view(svc, r) for r in repo.s.execute(stmt.limit(limit)).scalars()]


def get(svc: Context, alert_id: str) -> AlertView:
    with reading(svc.store) as repo:
        row = repo.s.get(ServiceAlert, alert_id)
        if row is None:
            raise not_found("service alert", alert_id)
        return view(svc, row)


def end(svc: Context, who: Principal, alert_id: str) -> AlertView:
    """End an alert now (ending it again, or one whose period is over, changes nothing)."""
    now = svc.timing.now()
    with writing(svc.store) as repo:
        row = repo.s.get(ServiceAlert, alert_id)
        if row is None:
            raise not_found("service alert", alert_id)
        over = effective_end(row)
        if over is None or over > now:
            row.ended_at, row.ended_by = now, who.key_id
        return view(svc, row)


def lasting(repo: Repository, now: dt.datetime, area: str | None = None,
            effect: str | None = None) -> list[ServiceAlert]:
    """The alerts not over at ``now`` (of one area, of one effect), by start."""
    stmt = select(ServiceAlert).where(
        ServiceAlert.ended_at.is_(None),
        or_(ServiceAlert.end_at.is_(None), ServiceAlert.end_at > now))
    if area is not None:
        stmt = stmt.where(ServiceAlert.area == area)
    if effect is not None:
        stmt = stmt.where(ServiceAlert.effect == effect)
    return list(repo.s.execute(stmt.order_by(ServiceAlert.start_at, ServiceAlert.id)
                               ).scalars())


def closures(svc: Context, area: str, repo: Repository | None = None
             ) -> list[ServiceAlert]:
    """The area's closures not over now (one small query; none is usual)."""
    if repo is not None:
        return lasting(repo, svc.timing.now(), area, "closure")
    with reading(svc.store) as r:
        return lasting(r, svc.timing.now(), area, "closure")


def refuse_closed(svc: Context, found: Sequence[ServiceAlert],
                  span: tuple[dt.datetime, dt.datetime], field: str) -> None:
    """Refuse a ride whose time (``span``: from the pickup window's start to the drop-off)
    meets the period of one of the closures ``found`` (:func:`closures`).

    Raises
    ------
    InvalidRequestError
        ``service-closed``, naming the closure's period and header (in the service's
        language when it has one), with ``alertId``, ``closedFrom`` and ``closedUntil``.
    """
    lo, hi = span
    for c in found:
        end = effective_end(c)
        if c.start_at <= hi and (end is None or end > lo):
            raise closed(svc, c, field)


def closure_between(svc: Context, area: str, date: dt.date, lo_s: float, hi_s: float
                    ) -> str | None:
    """The headline of a closure of ``area`` meeting ``lo_s``–``hi_s`` (seconds after
    ``date``'s midnight), in the service's language; None when the area is open then (what
    the journey planner asks before it offers a ride)."""
    lo, hi = svc.timing.moment(date, lo_s), svc.timing.moment(date, hi_s)
    for c in closures(svc, area):
        end = effective_end(c)
        if c.start_at <= hi and (end is None or end > lo):
            texts = texts_of(c)
            lang = svc.config.language.lower()
            return next((t for t in texts if t.language.lower().split("-")[0] == lang),
                        texts[0]).header
    return None


def closed(svc: Context, c: ServiceAlert, field: str) -> InvalidRequestError:
    texts = texts_of(c)
    lang = svc.config.language.lower()
    text = next((t for t in texts if t.language.lower().split("-")[0] == lang), texts[0])
    start = c.start_at.astimezone(svc.tz)
    end = effective_end(c)
    until = (f" until {end.astimezone(svc.tz):%H:%M on %A %d %B %Y}" if end is not None
             else " until further notice")
    return InvalidRequestError(
        f"{c.area} is closed from {start:%H:%M on %A %d %B %Y}{until}: {text.header}",
        field=field, code="service-closed", title="Service closed", alertId=c.id,
        closedFrom=start.isoformat(),
        closedUntil=end.astimezone(svc.tz).isoformat() if end is not None else None)
