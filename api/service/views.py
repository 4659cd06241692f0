"""What the booking service answers: plain, immutable views of quotes, bookings and
manifests, with moments in the region's time zone (the HTTP layer only renames fields)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from api.place_names import PlaceNamer
from api.service.stored_plans import promised
from api.service.timing import Timing
from api.store.models import Quote
from api.store.repository import BookingRecord
from dispatch.model import Point
from routing.timebase import bounded

Window = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class FareLineView:
    kind: str
    count: int
    cents: int
    note: str


@dataclass(frozen=True)
class FareView:
    """A ride's fare as stored: total and lines in cents, and the currency."""

    cents: int
    currency: str
    lines: tuple[FareLineView, ...]


def fare_view(cents: int | None, currency: str | None, detail: str | None) -> FareView | None:
    """The stored fare (a quote's or a booking's), None when there is none."""
    if cents is None or currency is None:
        return None
    lines = json.loads(detail).get("lines", []) if detail else []
    return FareView(cents, currency, tuple(FareLineView(ln["kind"], ln["count"], ln["cents"],
                                                        ln.get("note", "")) for ln in lines))


@dataclass(frozen=True)
class QuoteView:
    """An offer for a ride: the promised pickup window and the estimates behind it."""

    id: str
    area: str
    rider_id: str
    pickup_window: Window
    estimated_pickup: dt.datetime
    estimated_dropoff: dt.datetime
    latest_dropoff: dt.datetime
    passengers: int
    wheelchair: bool
    expires_at: dt.datetime
    fare: FareView | None = None  #: None: the area has no fares


@dataclass(frozen=True)
class ConnectionView:
    """A ride to a scheduled departure: whether the vehicle's plan still makes it."""

    drop_off_by: dt.datetime
    estimated_dropoff: dt.datetime | None
    status: str  #: on_time or missed


@dataclass(frozen=True)
class LiveView:
    """Where a ride stands by its vehicle's last report: the current estimates (never
    before now while the stop is still to come), when the vehicle reported, and whether
    the estimate breaks the promise (a pickup after its window, a drop-off after the latest
    promised)."""

    estimated_pickup: dt.datetime | None  #: None once on board
    estimated_dropoff: dt.datetime | None
    reported_at: dt.datetime
    late: bool


@dataclass(frozen=True)
class BookingView:
    """A booking: the promise, where the vehicle's plan stands, and its history."""

    id: str
    quote_id: str
    rider_id: str
    status: str
    area: str
    vehicle_id: str
    origin: Point
    destination: Point
    passengers: int
    wheelchair: bool
    pickup_window: Window
    latest_dropoff: dt.datetime
    estimated_pickup: dt.datetime | None
    estimated_dropoff: dt.datetime | None
    created_at: dt.datetime
    history: tuple[tuple[str, dt.datetime], ...]
    itinerary_id: str | None
    connection: ConnectionView | None
    rider_name: str | None = None  #: None once the rider is forgotten (or the ride anonymised)
    rider_phone: str | None = None
    note: str | None = None  #: the dispatcher's note for the driver
    #: from when a no-show may be reported (the pickup window's start; None unless confirmed)
    no_show_from: dt.datetime | None = None
    #: the ends in plain words (from the coordinates, when the service has a namer)
    origin_name: str | None = None
    destination_name: str | None = None
    #: the estimates from the vehicle's last report (None: it has not reported that day)
    live: LiveView | None = None
    #: the price quoted (None: the area has no fares) and a late cancellation's fee (cents)
    fare: FareView | None = None
    cancel_fee_cents: int | None = None


@dataclass(frozen=True)
class ManifestStopView:
    """A stop of a vehicle's plan: a pickup, a drop-off or a break."""

    seq: int
    kind: str
    booking_id: str | None
    rider_name: str | None
    rider_phone: str | None
    passengers: int
    wheelchair: bool
    location: Point
    planned_time: dt.datetime
    window: Window | None
    note: str | None = None
    #: the stop in plain words (from its coordinates, when the service has a namer)
    place_name: str | None = None


@dataclass(frozen=True)
class ManifestView:
    """A vehicle's day: its stops in order, who is on board, where it is, whether late."""

    vehicle_id: str
    service_date: dt.date
    late: bool
    position: Point | None
    on_board: tuple[str, ...]
    stops: tuple[ManifestStopView, ...]


def quote_view(t: Timing, q: Quote) -> QuoteView:
    at = t.moment
    return QuoteView(
        q.id, q.area, q.rider_id, (at(q.service_date, q.pickup_lo_s),
                                   at(q.service_date, q.pickup_hi_s)),
        at(q.service_date, q.est_pickup_s), at(q.service_date, q.est_dropoff_s),
        at(q.service_date, promised(q, q.id).latest_dropoff), q.passengers,
        bool(q.wheelchairs), q.expires_at, fare_view(q.fare_cents, q.fare_currency,
                                                     q.fare_detail))


def booking_view(t: Timing, r: BookingRecord, names: PlaceNamer | None = None
                 ) -> BookingView:
    """A booking as the service answers it; ``names`` names its ends (at view time: the
    store keeps coordinates only)."""
    b, q, day = r.booking, r.quote, r.booking.service_date
    at = t.moment
    dropoff = r.planned.get("dropoff")
    pickup = at(day, q.pickup_lo_s)
    return BookingView(
        b.id, b.quote_id, b.rider_id, b.status, b.area, b.vehicle_id,
        (q.origin_lat, q.origin_lon), (q.dest_lat, q.dest_lon), q.passengers,
        bool(q.wheelchairs), (pickup, at(day, q.pickup_hi_s)),
        at(day, promised(q, b.id).latest_dropoff),
        at(day, r.planned["pickup"]) if "pickup" in r.planned else None,
        at(day, dropoff) if dropoff is not None else None, b.created_at,
        tuple((h.status, h.at) for h in r.history), b.itinerary_id,
        _connection(t, r, dropoff), r.rider.name if r.rider else None,
        r.rider.phone if r.rider else None, b.note,
        pickup if b.status == "confirmed" else None,
        names.name(q.origin_lat, q.origin_lon).name if names is not None else None,
        names.name(q.dest_lat, q.dest_lon).name if names is not None else None,
        _live(t, r), fare_view(b.fare_cents, b.fare_currency, b.fare_detail),
        b.cancel_fee_cents)


def _live(t: Timing, r: BookingRecord) -> LiveView | None:
    """The ride's estimates from the stored plan, which its vehicle's last report timed.
    A stop still to come is not in the past: when the plan's time for it has passed
    without the driver reporting it, it is expected now at the earliest, and the drop-off
    as much later as the pickup (between two looks of :mod:`api.service.lateness`, which
    then re-times the whole plan from now)."""
    b, q, st = r.booking, r.quote, r.state
    if st is None or b.status not in ("confirmed", "on_board"):
        return None
    now_s = t.seconds_on(b.service_date, t.now())
    pick = r.planned.get("pickup") if b.status == "confirmed" else None
    drop = r.planned.get("dropoff")
    delay = max(0.0, now_s - pick) if pick is not None else 0.0
    pick = pick + delay if pick is not None else None
    drop = max(drop + delay, now_s) if drop is not None else None
    late = (pick > q.pickup_hi_s + 1e-6 if pick is not None else
            drop is not None and drop > promised(q, b.id).latest_dropoff + 1e-6)
    at = t.moment
    return LiveView(at(b.service_date, pick) if pick is not None else None,
                    at(b.service_date, drop) if drop is not None else None,
                    (st.reported_at or st.updated_at).astimezone(t.tz), late)


def _connection(t: Timing, r: BookingRecord, dropoff: float | None) -> ConnectionView | None:
    """A ride to a scheduled departure: missed once the plan drops off after the deadline
    (the vehicle runs late)."""
    b = r.booking
    if b.connection_by_s is None or not bounded(b.connection_by_s) or b.status in (
            "cancelled", "no_show"):
        return None
    missed = dropoff is not None and dropoff > b.connection_by_s + 1e-6
    return ConnectionView(t.moment(b.service_date, b.connection_by_s),
                          t.moment(b.service_date, dropoff) if dropoff is not None else None,
                          "missed" if missed else "on_time")
