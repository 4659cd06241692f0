"""The trip updates feed: every booked on-demand ride of today and tomorrow (service days in
the region's zone, by the service's clock) as a trip of its own.

A ride is a ``NEW`` trip (GTFS-Realtime: an extra trip unrelated to any scheduled one) of
its area's route (the static feed's ``route_id``), with an opaque trip id
(:mod:`api.gtfs_rt.ids`), ``start_date`` its service date and ``start_time`` the start of
its promised pickup window. It has two stop time updates, as the static trip has two stop
times in the zone: the pickup (``stop_sequence`` 1, a departure) and the drop-off (2, an
arrival), both at the zone's ``location_id`` as ``stop_id``. Each time is one of

- the promise, before the vehicle has reported that day: ``time`` the middle of the
  promised window, ``uncertainty`` half its width (``time ± uncertainty`` is the window, to
  the second) and ``scheduled_time`` = ``time``;
- the live estimate once it has: ``time`` the estimate from the vehicle's last report (the
  trip update's ``timestamp``), no ``uncertainty`` (unknown), ``scheduled_time`` still the
  middle of the promised window;
- what happened, once the stop is done (picked up, dropped off): ``time`` the driver's
  report, ``uncertainty`` 0.

The pickup window is the one the rider was promised; the drop-off window runs from the
pickup window's start (or the requested earliest arrival) to the latest drop-off promised,
as the driver's manifest shows it.

A ride cancelled (by the rider or the operator) or not taken (no-show) is ``CANCELED`` for
the rest of its service day; one cancelled within :data:`UNDO_S` of being booked (booked in
error, undone at once) is ``DELETED``: consumers remove it without showing a cancellation.
A ride cancelled before its day entered the feed (the day before, at midnight) was never
published and is left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from google.transit import gtfs_realtime_pb2 as rt
from sqlalchemy import select

from api.gtfs_rt import feed
from api.gtfs_rt.ids import TripIds
from api.service.context import Context
from api.service.stored_plans import promised
from api.service.timing import Timing
from api.service.views import booking_view
from api.store.models import Booking, VehicleEvent
from api.store.repository import BookingRecord, reading
from dispatch.feed_ids import area_id, route_id
from routing.timebase import clock_text

#: a cancellation this soon after booking undoes a booking made in error: DELETED
UNDO_S = 600.0
#: the statuses a ride is gone in
GONE = ("cancelled", "no_show")

Event = rt.TripUpdate.StopTimeEvent
Relationship = rt.TripDescriptor.ScheduleRelationship


@dataclass(frozen=True)
class Window:
    """A promised window as whole POSIX seconds."""

    lo: int
    hi: int

    @property
    def middle(self) -> int:
        return (self.lo + self.hi) // 2


def build(svc: Context, ids: TripIds) -> rt.FeedMessage:
    """The feed as the store holds the rides now."""
    t = svc.timing
    today = t.today()
    days = (today, today + dt.timedelta(days=1))
    with reading(svc.store) as repo:
        rows = list(repo.s.execute(select(Booking).where(Booking.service_date.in_(days))
                                   .order_by(Booking.service_date, Booking.id)).scalars())
        records = repo.records(rows)
        done = [b.id for b in rows if b.status == "completed"]
        dropped = {str(bid): s for bid, s in repo.s.execute(
            select(VehicleEvent.booking_id, VehicleEvent.time_s).where(
                VehicleEvent.booking_id.in_(done), VehicleEvent.type == "dropped_off")
        ).all()} if done else {}
    moments: list[dt.datetime | None] = []
    entities = []
    for r in records:
        e = _entity(svc, ids, t, r, dropped, moments)
        if e is not None:
            entities.append(e)
    entities.sort(key=lambda x: (x[0], x[1].id))
    msg = feed.message(feed.as_of(t, moments))
    for _, e in entities:
        msg.entity.append(e)
    return msg


def _entity(svc: Context, ids: TripIds, t: Timing, r: BookingRecord,
            dropped: dict[str, float], moments: list[dt.datetime | None]
            ) -> tuple[int, rt.FeedEntity] | None:
    """A ride's entity and its sort key (its pickup window's start), or None when it was
    never published; ``moments`` gets what changed it."""
    b, q = r.booking, r.quote
    day = b.service_date
    pickup = _window(t, day, q.pickup_lo_s, q.pickup_hi_s)
    gone = _gone_at(r) if b.status in GONE else None
    published = t.moment(day - dt.timedelta(days=1), 0.0).astimezone(dt.UTC)
    if gone is not None and gone < published:
        return None  # cancelled before the feed ever showed it
    moments += [b.created_at, b.updated_at]
    tid = ids.trip_id(b.id)
    e = rt.FeedEntity(id=tid)
    tu = e.trip_update
    trip = tu.trip
    describe(trip, tid, b.area, day, q.pickup_lo_s)
    if gone is not None:
        undone = (b.status == "cancelled"
                  and (gone - b.created_at).total_seconds() <= UNDO_S)
        trip.schedule_relationship = (Relationship.DELETED if undone
                                      else Relationship.CANCELED)
        return pickup.lo, e
    tu.trip_properties.trip_headsign = b.area  # the static trip's headsign
    tu.vehicle.id = tu.vehicle.label = b.vehicle_id
    drop = _window(t, day, max(q.dropoff_lo_s, q.pickup_lo_s),
                   promised(q, b.id).latest_dropoff)
    live = booking_view(t, r).live if r.state is not None else None
    if live is not None:
        tu.timestamp = feed.seconds(live.reported_at)
        moments += [r.state.updated_at, r.state.reported_at]  # type: ignore[union-attr]
        now_s = t.seconds_on(day, t.now())
        overdue = [s for k, s in r.planned.items()
                   if k == "dropoff" or b.status == "confirmed"]
        if any(now_s > s for s in overdue):
            moments.append(t.now())  # an overdue stop is expected from now: moves with it
    zone = area_id(b.area)
    first = tu.stop_time_update.add(stop_sequence=1, stop_id=zone)
    first.stop_time_properties.drop_off_type = (
        rt.TripUpdate.StopTimeUpdate.StopTimeProperties.NONE)
    if b.picked_up_s is not None and b.status in ("on_board", "completed"):
        _done(first.departure, t.moment(day, b.picked_up_s), pickup)
    elif live is not None and live.estimated_pickup is not None:
        _estimate(first.departure, live.estimated_pickup, pickup)
    else:
        _promise(first.departure, pickup)
    last = tu.stop_time_update.add(stop_sequence=2, stop_id=zone)
    last.stop_time_properties.pickup_type = (
        rt.TripUpdate.StopTimeUpdate.StopTimeProperties.NONE)
    if b.status == "completed" and b.id in dropped:
        _done(last.arrival, t.moment(day, dropped[b.id]), drop)
    elif live is not None and live.estimated_dropoff is not None:
        _estimate(last.arrival, live.estimated_dropoff, drop)
    else:
        _promise(last.arrival, drop)
    return pickup.lo, e


def describe(trip: rt.TripDescriptor, tid: str, area: str, day: dt.date,
             pickup_lo_s: float) -> None:
    """A ride's trip descriptor (as ``NEW``): the same in trip updates and vehicle
    positions."""
    trip.trip_id, trip.route_id = tid, route_id(area)
    trip.start_date = f"{day:%Y%m%d}"
    trip.start_time = clock_text(pickup_lo_s, with_seconds=True)
    trip.schedule_relationship = Relationship.NEW


def _window(t: Timing, day: dt.date, lo_s: float, hi_s: float) -> Window:
    return Window(feed.seconds(t.moment(day, lo_s)), feed.seconds(t.moment(day, hi_s)))


def _promise(ev: Event, w: Window) -> None:
    ev.time = ev.scheduled_time = w.middle
    ev.uncertainty = w.hi - w.middle


def _estimate(ev: Event, at: dt.datetime, w: Window) -> None:
    ev.time = feed.seconds(at)
    ev.scheduled_time = w.middle


def _done(ev: Event, at: dt.datetime, w: Window) -> None:
    ev.time = feed.seconds(at)
    ev.uncertainty = 0
    ev.scheduled_time = w.middle


def _gone_at(r: BookingRecord) -> dt.datetime:
    """When the ride was cancelled or reported not taken (the last such change)."""
    at = [h.at for h in r.history if h.status in GONE]
    return max(at) if at else r.booking.updated_at
