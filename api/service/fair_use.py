"""Fair use of the fleet: one rider may not book it out. A rider holds at most
``max_bookings_per_day`` journeys in a plan on one service day and ``max_bookings`` in all
(a journey: a single booking, or an itinerary's rides booked together), and no two of their
rides may have overlapping pickup windows — one person is picked up once at a time.

Bookings are checked under the day's lock, in the transaction that writes them (a quote,
which takes up nothing, is not: the booking's refusal says why). The legs of one itinerary
are sequential (each ride's pickup window ends before the next one's starts: a transit leg
lies between them), so they never overlap one another; a request whose legs do is refused
like any other overlap. Dispatchers and admins booking for a rider are exempt (a school's or
care home's account, a group booked by phone); their bookings still count when the rider
books for themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from api.auth import Principal
from api.config import ApiConfig
from api.service.errors import ConflictError
from api.service.timing import Timing
from api.store.repository import Repository


@dataclass(frozen=True)
class Ride:
    """A ride asked for: its service date and pickup window (seconds of that day), and the
    request's field it came from."""

    date: dt.date
    pickup: tuple[float, float]
    field: str = "quoteId"


def check(repo: Repository, timing: Timing, config: ApiConfig, who: Principal, rider: str,
          rides: Sequence[Ride], *, lock: bool = False) -> None:
    """Refuse ``rides`` (one journey: one ride, or an itinerary's legs) for ``rider`` when
    they would break the caps or overlap the rider's rides in a plan. With ``lock`` the
    rider's row is held first, so that the rider's concurrent bookings (other days, other
    areas, other processes) are checked one after the other.

    Raises
    ------
    ConflictError
        ``too-many-bookings`` or ``overlapping-booking``, naming the limit or the booking.
    """
    if who.staff or not rides or not (config.max_bookings or config.max_bookings_per_day
                                      or config.refuse_overlapping):
        return
    if lock:
        repo.lock_rider(rider)  # PostgreSQL; SQLite's writers are one at a time anyway
    held = repo.active_rides(rider, timing.today())
    journeys = {itin or bid for bid, itin, _, _, _ in held}
    if config.max_bookings and len(journeys) + 1 > config.max_bookings:
        raise ConflictError(
            f"you have {len(journeys)} rides booked (at most {config.max_bookings} at a time "
            "may be); cancel one, or book again after a ride is over", field=rides[0].field,
            code="too-many-bookings", title="Too many bookings", limit=config.max_bookings)
    day = rides[0].date
    per_day = {itin or bid for bid, itin, date, _, _ in held if date == day}
    if config.max_bookings_per_day and len(per_day) + 1 > config.max_bookings_per_day:
        raise ConflictError(
            f"you have {len(per_day)} rides booked on {day.isoformat()} (at most "
            f"{config.max_bookings_per_day} a day may be); cancel one or choose another day",
            field=rides[0].field, code="too-many-bookings", title="Too many bookings",
            limit=config.max_bookings_per_day)
    if not config.refuse_overlapping:
        return
    taken = [(bid, date, lo, hi) for bid, _, date, lo, hi in held]
    for k, r in enumerate(rides):
        lo, hi = r.pickup
        for bid, date, olo, ohi in taken:
            if date == r.date and lo < ohi and olo < hi:
                raise ConflictError(
                    "its pickup window overlaps your booking "
                    f"{bid} ({_clock(timing, date, olo)}–{_clock(timing, date, ohi)}); "
                    "cancel that one first, or ask the dispatcher to book both",
                    field=r.field, code="overlapping-booking", title="Overlapping booking",
                    bookingId=bid)
        for prev in rides[:k]:  # an itinerary's legs follow one another
            if prev.date == r.date and lo < prev.pickup[1] and prev.pickup[0] < hi:
                raise ConflictError(
                    f"its pickup window overlaps that of {prev.field}: an itinerary's rides "
                    "follow one another", field=r.field, code="overlapping-booking",
                    title="Overlapping booking")


def _clock(timing: Timing, date: dt.date, secs: float) -> str:
    return timing.moment(date, secs).strftime("%H:%M")
