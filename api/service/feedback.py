"""Riders' ratings of their rides: after a ride is completed, the rider who booked it rates
it 1–5 stars with optional reasons from a fixed list and a comment; rating again replaces
the rating (``updated_at``). Staff read the ratings (the dispatch desk, the monthly
report). A comment may hold personal data: it is exported with the rider's data and
dropped when they are forgotten or the ride's retention period ends
(:mod:`api.service.privacy`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from api.auth import Principal
from api.service.context import Context
from api.service.errors import ConflictError, ForbiddenError, InvalidRequestError, not_found
from api.store.db import Store
from api.store.models import ANONYMOUS_RIDER, Booking, RideRating
from api.store.repository import reading, writing

#: what a rider may tick (README "Rider feedback"): ``late``/``early`` the pickup or
#: arrival, ``driver`` the driver's manner or driving, ``vehicle`` its state or
#: accessibility, ``comfort`` the ride itself (detours, crowding), ``booking`` the app or
#: the phone call, ``other`` anything else (say what in the comment)
REASONS = ("late", "early", "driver", "vehicle", "comfort", "booking", "other")
STARS = (1, 2, 3, 4, 5)
COMMENT_MAX = 1000
#: only rides taken are rated (a no-show or cancelled ride was not driven with the rider)
RATEABLE = ("completed",)


@dataclass(frozen=True)
class RatingView:
    booking_id: str
    rider_id: str
    stars: int
    reasons: tuple[str, ...]
    comment: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    #: the ride's service area and day (for staff's lists)
    area: str
    service_date: dt.date


def _view(r: RideRating, b: Booking) -> RatingView:
    return RatingView(r.booking_id, r.rider_id, r.stars,
                      tuple(x for x in (r.reasons or "").split(",") if x), r.comment,
                      r.created_at, r.updated_at, b.area, b.service_date)


def checked(stars: int, reasons: Sequence[str], comment: str | None
            ) -> tuple[int, tuple[str, ...], str | None]:
    """A rating as stored: reasons in the list's order without repeats, the comment
    without surrounding white space (empty: none).

    Raises
    ------
    InvalidRequestError
        Stars outside 1–5, an unknown reason, a comment too long.
    """
    if isinstance(stars, bool) or stars not in STARS:
        raise InvalidRequestError("stars must be a whole number from 1 to 5", field="stars")
    unknown = [x for x in reasons if x not in REASONS]
    if unknown:
        raise InvalidRequestError(f"unknown reason {unknown[0]!r}: one of "
                                  f"{', '.join(REASONS)}", field="reasons")
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_MAX:
        raise InvalidRequestError(f"the comment must be at most {COMMENT_MAX} characters",
                                  field="comment")
    return stars, tuple(x for x in REASONS if x in reasons), text


def rate(svc: Context, who: Principal, booking_id: str, stars: int, reasons: Sequence[str],
         comment: str | None) -> tuple[RatingView, bool]:
    """Rate a ride (or replace its rating): (the rating, whether it is new).

    Raises
    ------
    ForbiddenError
        Not a rider's key (staff and drivers do not rate rides).
    NotFoundError
        No such booking, or another rider's.
    ConflictError
        The ride was not completed (``ride-not-completed``).
    InvalidRequestError
        See :func:`checked`.
    """
    if who.role != "rider":
        raise ForbiddenError(f"only the rider who booked a ride rates it (yours is a "
                             f"{who.role} key)", field="id")
    stars, kept, text = checked(stars, reasons, comment)
    now = svc.timing.now()
    with writing(svc.store) as repo:
        # the booking's row held: two ratings sent at once are stored one after the other
        b = repo.s.get(Booking, booking_id, with_for_update=True)
        if b is None or b.rider_id == ANONYMOUS_RIDER or b.rider_id != who.rider_id:
            raise not_found("booking", booking_id)
        if b.status not in RATEABLE:
            raise ConflictError(f"booking {booking_id} is {b.status.replace('_', ' ')}: only "
                                "a completed ride can be rated", field="id",
                                code="ride-not-completed", title="Ride not completed")
        row = repo.s.get(RideRating, booking_id)
        new = row is None
        if row is None:
            row = RideRating(booking_id=booking_id, rider_id=b.rider_id, created_at=now)
            repo.s.add(row)
        row.stars, row.reasons, row.comment = stars, ",".join(kept) or None, text
        row.updated_at = now
        repo.s.flush()
        return _view(row, b), new


def rating(svc: Context, who: Principal, booking_id: str) -> RatingView:
    """A ride's rating, for its rider and staff.

    Raises
    ------
    NotFoundError
        No such booking (or another rider's), or the ride is not rated.
    """
    with reading(svc.store) as repo:
        b = repo.booking(booking_id)
        if b is None or not svc.may_see(who, b.rider_id):
            raise not_found("booking", booking_id)
        r = repo.s.get(RideRating, booking_id)
        if r is None:
            raise not_found("rating of booking", booking_id)
        return _view(r, b)


def ratings_of(svc: Context, booking_ids: Sequence[str]) -> dict[str, RatingView]:
    """The ratings of these bookings (for staff's views), by booking id."""
    if not booking_ids:
        return {}
    with reading(svc.store) as repo:
        rows = repo.s.execute(select(RideRating, Booking)
                              .join(Booking, Booking.id == RideRating.booking_id)
                              .where(RideRating.booking_id.in_(list(booking_ids)))).all()
        return {r.booking_id: _view(r, b) for r, b in rows}


def ratings(svc: Context, *, since: dt.date | None = None, until: dt.date | None = None,
            area: str | None = None, stars: int | None = None, limit: int = 100
            ) -> list[RatingView]:
    """Ratings of rides from ``since`` to ``until`` (service dates, both included), the
    latest rated first (staff's list).

    Raises
    ------
    InvalidRequestError
        An unknown area, stars outside 1–5, ``until`` before ``since``.
    """
    if area is not None and area not in svc.areas:
        raise InvalidRequestError(f"no service area {area!r}", field="area",
                                  code="unknown-area", title="Unknown service area")
    if stars is not None and stars not in STARS:
        raise InvalidRequestError("stars must be from 1 to 5", field="stars")
    if since is not None and until is not None and until < since:
        raise InvalidRequestError("to lies before from", field="to", code="window-order")
    stmt = (select(RideRating, Booking).join(Booking, Booking.id == RideRating.booking_id)
            .order_by(RideRating.updated_at.desc(), RideRating.booking_id).limit(limit))
    if since is not None:
        stmt = stmt.where(Booking.service_date >= since)
    if until is not None:
        stmt = stmt.where(Booking.service_date <= until)
    if area is not None:
        stmt = stmt.where(Booking.area == area)
    if stars is not None:
        stmt = stmt.where(RideRating.stars == stars)
    with reading(svc.store) as repo:
        return [_view(r, b) for r, b in repo.s.execute(stmt).all()]


@dataclass(frozen=True)
class RatingSummary:
    """Ratings of a period's rides, for the monthly report: how many, the mean stars (None:
    none rated), the count of each star (1–5) and of each reason."""

    count: int
    mean_stars: float | None
    by_stars: dict[int, int]
    by_reason: dict[str, int]


def summary(store: Store, since: dt.date, until: dt.date, area: str | None = None
            ) -> RatingSummary:
    """The ratings of rides on service dates ``since``..``until`` (both included), in
    ``area`` or all areas — one query; reasons are counted per rating that names them."""
    stmt = (select(RideRating.stars, RideRating.reasons)
            .join(Booking, Booking.id == RideRating.booking_id)
            .where(Booking.service_date >= since, Booking.service_date <= until))
    if area is not None:
        stmt = stmt.where(Booking.area == area)
    with reading(store) as repo:
        rows = repo.s.execute(stmt).all()
    by_stars = dict.fromkeys(STARS, 0)
    by_reason = dict.fromkeys(REASONS, 0)
    for stars, reasons in rows:
        by_stars[stars] = by_stars.get(stars, 0) + 1
        for x in (reasons or "").split(","):
            if x in by_reason:
                by_reason[x] += 1
    n = len(rows)
    mean = sum(s * k for s, k in by_stars.items()) / n if n else None
    return RatingSummary(n, mean, by_stars, by_reason)
