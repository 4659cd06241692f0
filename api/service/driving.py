"""What drivers report — arrived, picked up, dropped off, no-show, a position — applied to
the day's plans and stored with the event."""

from __future__ import annotations

import datetime as dt

from api.auth import Principal
from api.service import audit, lateness, occasions
from api.service.context import Context
from api.service.days import DayChange
from api.service.errors import ConflictError, InvalidRequestError, NotFoundError, not_found
from api.service.views import BookingView
from api.store.models import Booking
from api.store.repository import reading
from dispatch.model import Point

#: the statuses each event may follow
NEEDS = {"arrived": ("confirmed", "on_board"), "picked_up": ("confirmed",),
         "no_show": ("confirmed",), "dropped_off": ("on_board",)}
#: how far an event's own time may lie from now (a driver's app offline for a while)
MAX_SKEW = dt.timedelta(days=2)
#: the events that tell where the vehicle is
MOVES = ("position", "arrived", "picked_up", "dropped_off")


def event(svc: Context, who: Principal, vehicle_id: str, kind: str,
          booking_id: str | None, when: dt.datetime | None, position: Point | None,
          event_id: str | None = None) -> tuple[BookingView | None, bool, bool]:
    """Apply a driver's report; returns (the booking concerned, whether the vehicle now
    runs late, whether it was applied now). An ``event_id`` the vehicle sent before (a
    device re-sending its offline queue) is not applied again: the answer then says how
    things stand, with ``applied`` false.

    Raises
    ------
    NotFoundError
        An unknown vehicle (or another driver's), or a booking not on this vehicle.
    InvalidRequestError
        A time far from now, or an event that does not fit its fields.
    ConflictError
        An event that does not fit the booking's status (e.g. a drop-off before pickup), or
        a no-show before the pickup window has started.
    """
    svc.own_vehicle(who, vehicle_id)
    now = svc.timing.now()
    moment = svc.timing.local(when) if when is not None else now.astimezone(svc.tz)
    if abs(moment - now) > MAX_SKEW:
        raise InvalidRequestError("an event's time must be within two days of now", field="time",
                             code="implausible-time", title="Implausible time")
    if kind == "position":
        if position is None:
            raise InvalidRequestError("a position event needs lat and lon", field="lat",
                                 code="validation")
        if booking_id is not None:
            raise InvalidRequestError("a position event concerns the vehicle, not a booking: "
                                 "leave out bookingId", field="bookingId", code="validation")
    elif kind not in NEEDS or booking_id is None:
        raise InvalidRequestError(f"a {kind} event needs bookingId", field="bookingId",
                             code="validation")
    with reading(svc.store) as repo:
        v = repo.vehicle(vehicle_id)
        if v is None:
            raise not_found("vehicle", vehicle_id)
        # ``is None``, not falsiness: an empty id is an id no booking has (not "none given")
        b = repo.booking(booking_id) if booking_id is not None else None
        if booking_id is not None and (b is None or b.vehicle_id != vehicle_id):
            raise NotFoundError(f"no booking {booking_id!r} on vehicle {vehicle_id}",
                           field="bookingId", title="booking not found")
    date = b.service_date if b is not None else svc.timing.day_seconds(moment)[0]
    secs = svc.timing.seconds_on(date, moment)
    with svc.days.change(v.area, date) as ch:
        repo = ch.repo
        if event_id is not None and repo.has_event(vehicle_id, event_id):
            replayed = True
        else:
            replayed = False
            _apply(svc, who, ch, v.id, kind, b, position, secs, moment, now)
            if kind != "position":  # the vehicle is at a stop: its next may be a pickup
                occasions.on_the_way(svc, ch, v.id, secs)
            repo.add_event(vehicle_id=vehicle_id, service_date=date, type=kind,
                           booking_id=booking_id, lat=position[0] if position else None,
                           lon=position[1] if position else None, time_s=secs,
                           at=moment.astimezone(dt.UTC), received_at=now, key_id=who.key_id,
                           event_id=event_id)
            # a dispatcher entering what a driver phoned in: staff's action, audited
            audit.record(repo, who, "vehicle.event", "vehicle", vehicle_id,
                         {"kind": kind, "bookingId": booking_id, "date": date.isoformat(),
                          "eventId": event_id}, now)
            if kind in MOVES:
                ch.reported[vehicle_id] = moment.astimezone(dt.UTC)
                # running late is about today: a report for another day tells nobody
                if date == svc.timing.day_seconds(now)[0]:
                    lateness.review(svc, ch, v.area, date, now, (vehicle_id,))
        late = ch.dispatcher.is_late(vehicle_id)
    if b is None:
        return None, late, not replayed
    with reading(svc.store) as repo:
        return svc.views(repo, [repo.booking(b.id)])[0], late, not replayed


def _apply(svc: Context, who: Principal, ch: DayChange, vehicle_id: str, kind: str,
           b: Booking | None, position: Point | None, secs: float, moment: dt.datetime,
           now: dt.datetime) -> None:
    """Change the day's plans (and the booking's status) as an event tells."""
    d, repo = ch.dispatcher, ch.repo
    if b is not None:
        b = repo.booking(b.id)
        assert b is not None
        if b.status not in NEEDS[kind]:
            raise ConflictError(f"{kind} for booking {b.id}, which is "
                           f"{b.status.replace('_', ' ')} (expected "
                           f"{' or '.join(NEEDS[kind])})", field="type",
                           code="wrong-status", title="Event does not fit the booking")
        q = repo.quote(b.quote_id)
        assert q is not None
        if kind == "arrived":
            at = ((q.origin_lat, q.origin_lon) if b.status == "confirmed"
                  else (q.dest_lat, q.dest_lon))
            d.locate(b.vehicle_id, at, secs)
        elif kind == "picked_up":
            d.picked_up(b.id, secs)
            b.picked_up_s = secs
            repo.set_status(b, "on_board", who.role, now)
        elif kind == "dropped_off":
            d.dropped_off(b.id, secs)
            repo.set_status(b, "completed", who.role, now)
        else:  # no_show: the seats are freed; where the vehicle is, only a position
            # report tells (a dispatcher may record a no-show from the desk)
            _no_show_due(svc, b.id, b.service_date, q.pickup_lo_s, min(moment, now))
            d.remove(b.id)
            repo.set_status(b, "no_show", who.role, now)
            occasions.tell(svc, repo, "no_show", b, q)
    else:
        assert position is not None
        d.locate(vehicle_id, position, secs)
    ch.changed.add(vehicle_id)


def _no_show_due(svc: Context, booking_id: str, date: dt.date, window_start_s: float,
                 moment: dt.datetime) -> None:
    """Refuse a no-show before the pickup window starts (by the service's clock, and by
    the event's own time): until then the rider is not late.

    Raises
    ------
    ConflictError
        Saying from when a no-show may be reported.
    """
    start = svc.timing.moment(date, window_start_s)
    if moment < start:
        local = start.astimezone(svc.tz)
        raise ConflictError(
            f"too early for a no-show: the pickup window of booking {booking_id} starts at "
            f"{local:%H:%M} on {local:%A %d %B %Y}; a rider can be reported as not shown up "
            "only from then on", field="type", code="no-show-too-early",
            title="Too early for a no-show", noShowFrom=local.isoformat())
