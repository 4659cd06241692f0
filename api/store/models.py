"""Table models of the store (SQLAlchemy 2). The API's request/response schemas live apart,
in :mod:`api.schemas`; times of the dispatch engine are seconds after the service day's
midnight (``*_s`` columns, with the ``service_date``), wall-clock moments are UTC."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.store.search import digits, fold


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object
                           ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime written to the store")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: object
                             ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


#: the rider that anonymised rides belong to (no name, no phone, no key: nobody's account;
#: see ``api.service.privacy``)
ANONYMOUS_RIDER = "r_anonymous"
#: the longest note for the driver a booking holds (characters)
NOTE_MAX = 300


class Rider(Base):
    """A person who rides. Name and phone are personal data: never logged."""

    __tablename__ = "riders"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: what a dispatcher's search matches (:mod:`api.store.search`), kept up to date from
    #: the name and phone whenever a rider is written (a folded name may be longer)
    search_name: Mapped[str | None] = mapped_column(Text)
    phone_digits: Mapped[str | None] = mapped_column(String(40))
    #: how the rider is told of their rides (:mod:`api.service.outbox`): an e-mail address
    #: (personal data, like the phone), the language of the messages (``de``/``en``; None:
    #: the region's) and the channels chosen, comma-separated from ``app``, ``email``,
    #: ``sms`` (in-app messages always; e-mail and SMS need an address or a phone)
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(5))
    channels: Mapped[str] = mapped_column(String(40), default="app", server_default="app")


@event.listens_for(Rider, "before_insert")
@event.listens_for(Rider, "before_update")
def _searchable(mapper: object, connection: object, rider: Rider) -> None:
    rider.search_name, rider.phone_digits = fold(rider.name), digits(rider.phone)


class ApiKey(Base):
    """An API key, stored as the SHA-256 of the secret (keys are 256-bit random tokens)."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    rider_id: Mapped[str | None] = mapped_column(ForeignKey("riders.id"))
    vehicle_id: Mapped[str | None] = mapped_column(String(64))
    #: an operator key's company (it manages that company's vehicles only)
    company_id: Mapped[str | None] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Company(Base):
    """A transport company driving under contract (:mod:`api.service.operators`): its
    vehicles, its operator keys and its monthly statement belong to it."""

    __tablename__ = "companies"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class VehicleRow(Base):
    """A vehicle of the fleet: from the region config (``source`` ``config``, synchronised
    at start) or entered by its company's operator (``operator``). It is planned into its
    daily shift, or — ``uses_availability`` — only into the availability its company
    entered (:class:`Availability`; operators' vehicles always)."""

    __tablename__ = "vehicles"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    area: Mapped[str] = mapped_column(String(100))
    seats: Mapped[int] = mapped_column(Integer)
    wheelchair_places: Mapped[int] = mapped_column(Integer)
    depot_lat: Mapped[float] = mapped_column(Float)
    depot_lon: Mapped[float] = mapped_column(Float)
    shift_start_s: Mapped[float] = mapped_column(Float)
    shift_end_s: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(100))  #: e.g. the number plate
    source: Mapped[str] = mapped_column(String(10), default="config", server_default="config")
    uses_availability: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default="0")


class Availability(Base):
    """When a vehicle can be planned, as its company entered it: ``weekly`` (on the ISO
    ``weekdays`` from ``first_date`` to ``last_date`` or open-ended, optionally not on
    public holidays), ``dated`` (every day from ``first_date`` to ``last_date``) or
    ``unavailable`` (an exception taken out of the others on those days). Times are
    seconds after the service day's midnight, ``0 <= start_s < end_s <= 86400``."""

    __tablename__ = "vehicle_availability"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("vehicles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  #: weekly, dated or unavailable
    weekdays: Mapped[str | None] = mapped_column(String(20))  #: "1,2,3,4,5" (weekly)
    first_date: Mapped[dt.date] = mapped_column(Date)
    last_date: Mapped[dt.date | None] = mapped_column(Date)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    skip_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(16))  #: the key's id
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefusedRequest(Base):
    """A ride the service could not offer (no vehicle, a closure, …): counted by the
    monthly report's "rejected by reason". No personal data: no rider, no place."""

    __tablename__ = "refused_requests"
    __table_args__ = (Index("ix_refused_requests_day", "area", "service_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(String(100))
    service_date: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    code: Mapped[str] = mapped_column(String(40))  #: the refusal's problem code
    passengers: Mapped[int] = mapped_column(Integer)
    wheelchairs: Mapped[int] = mapped_column(Integer)
    direct_m: Mapped[float | None] = mapped_column(Float)  #: great-circle, between the ends


class Quote(Base):
    """An offer made to a rider: the request under the service rules and its estimate."""

    __tablename__ = "quotes"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rider_id: Mapped[str] = mapped_column(ForeignKey("riders.id"))
    key_id: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(100))
    service_date: Mapped[dt.date] = mapped_column(Date)
    time_type: Mapped[str] = mapped_column(String(10))
    origin_lat: Mapped[float] = mapped_column(Float)
    origin_lon: Mapped[float] = mapped_column(Float)
    dest_lat: Mapped[float] = mapped_column(Float)
    dest_lon: Mapped[float] = mapped_column(Float)
    passengers: Mapped[int] = mapped_column(Integer)
    wheelchairs: Mapped[int] = mapped_column(Integer)
    pickup_lo_s: Mapped[float] = mapped_column(Float)
    pickup_hi_s: Mapped[float] = mapped_column(Float)
    dropoff_lo_s: Mapped[float] = mapped_column(Float)
    dropoff_hi_s: Mapped[float] = mapped_column(Float)
    max_ride_s: Mapped[float] = mapped_column(Float)
    boarding_s: Mapped[float] = mapped_column(Float)
    alighting_s: Mapped[float] = mapped_column(Float)
    vehicle_id: Mapped[str] = mapped_column(String(64))
    est_pickup_s: Mapped[float] = mapped_column(Float)
    est_dropoff_s: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: indexed: housekeeping deletes expired quotes that were never booked
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    #: the great-circle distance between the exact ends, kept when the ends are coarsened
    #: (a rider forgotten, or the retention period over): statistics stay exact
    direct_m: Mapped[float | None] = mapped_column(Float)
    #: the fare offered (None: the area has no fare rules), in the currency's minor unit,
    #: and how it was made up as JSON (the rule, the lines: base, distance, surcharges,
    #: reductions per passenger)
    fare_cents: Mapped[int | None] = mapped_column(Integer)
    fare_currency: Mapped[str | None] = mapped_column(String(3))
    fare_detail: Mapped[str | None] = mapped_column(Text)


class Booking(Base):
    """A confirmed ride (a promise) and where it stands."""

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("key_id", "idempotency_key"),
                      Index("ix_bookings_day", "area", "service_date", "status"),
                      Index("ix_bookings_rider", "rider_id"))
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id"), unique=True)
    rider_id: Mapped[str] = mapped_column(ForeignKey("riders.id"))
    key_id: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(100))
    service_date: Mapped[dt.date] = mapped_column(Date)
    vehicle_id: Mapped[str] = mapped_column(String(64))
    #: confirmed, on_board, completed, cancelled, no_show
    status: Mapped[str] = mapped_column(String(16))
    picked_up_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a leg of a booked itinerary: the itinerary, and the latest drop-off that still
    #: makes its scheduled connection
    itinerary_id: Mapped[str | None] = mapped_column(String(32), index=True)
    connection_by_s: Mapped[float | None] = mapped_column(Float)
    #: the scheduled trip that connection is and the stop it is boarded at (GTFS ids, as
    #: the plan gave them; None when the client did not say): a missed connection is
    #: offered the next departure of the same line from there
    connection_trip_id: Mapped[str | None] = mapped_column(String(200))
    connection_stop_id: Mapped[str | None] = mapped_column(String(200))
    #: the dispatcher's note for the driver (personal data: removed when the rider is
    #: forgotten or the ride's retention period ends)
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    #: the standing order this ride is an occurrence of (None: booked on its own)
    standing_order_id: Mapped[str | None] = mapped_column(String(32), index=True)
    #: the pickup estimate (seconds after the service day's midnight) the rider was last
    #: told because the vehicle runs late (None: never told of a delay)
    told_pickup_s: Mapped[float | None] = mapped_column(Float)
    #: the fare at the price quoted (its quote's), kept with the booking: what the rider pays
    fare_cents: Mapped[int | None] = mapped_column(Integer)
    fare_currency: Mapped[str | None] = mapped_column(String(3))
    fare_detail: Mapped[str | None] = mapped_column(Text)
    #: the fee charged for a cancellation after the area's deadline (None: none charged)
    cancel_fee_cents: Mapped[int | None] = mapped_column(Integer)


class BookingStatus(Base):
    """The status history of a booking (one row per change)."""

    __tablename__ = "booking_status"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_role: Mapped[str] = mapped_column(String(16))


class PlanVersion(Base):
    """One row per service area and day: the version of its plans, and the row that is
    locked while they change."""

    __tablename__ = "plan_versions"
    area: Mapped[str] = mapped_column(String(100), primary_key=True)
    service_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class PlanStop(Base):
    """A stop of a vehicle's plan for a day, in order (``seq``)."""

    __tablename__ = "plan_stops"
    __table_args__ = (UniqueConstraint("vehicle_id", "service_date", "seq"),
                      Index("ix_plan_stops_day", "area", "service_date"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(String(100))
    service_date: Mapped[dt.date] = mapped_column(Date)
    vehicle_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(100))  #: booking id (or a break's id)
    kind: Mapped[str] = mapped_column(String(10))  #: pickup or dropoff
    planned_s: Mapped[float] = mapped_column(Float)


class VehicleState(Base):
    """Where a vehicle last was on a day, and from when it can go on."""

    __tablename__ = "vehicle_states"
    vehicle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    ready_s: Mapped[float] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the driver last reported where the vehicle is (a position, an arrival, a pickup
    #: or a drop-off; the event's own time): ``updated_at`` also moves when a plan is only
    #: re-timed (a booking, or :mod:`api.service.lateness` re-timing a silent vehicle)
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class VehicleEvent(Base):
    """What a driver's app reported."""

    __tablename__ = "vehicle_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vehicle_id: Mapped[str] = mapped_column(String(64), index=True)
    service_date: Mapped[dt.date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(16))
    booking_id: Mapped[str | None] = mapped_column(String(32))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    time_s: Mapped[float] = mapped_column(Float)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: indexed: housekeeping deletes events by age
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    key_id: Mapped[str] = mapped_column(String(16))
    #: the id the driver's device gave the event (a device queues events while offline
    #: and may send one twice): an event is applied once per vehicle and id
    event_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("vehicle_id", "event_id",
                                       name="uq_vehicle_events_vehicle_id_event_id"),)


class RateCount(Base):
    """Requests counted for a rate limit: one row per limit (``scope``), caller (a key id
    or a client address) and fixed window (the epoch second it ends), shared by every API
    process over the store."""

    __tablename__ = "rate_counts"
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_end: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer)


class SignInCode(Base):
    """A short code that signs a rider in on another device (:mod:`api.service.sign_in`),
    stored as the SHA-256 of its normalised text; deleted when used, replaced or forgotten,
    purged by housekeeping once expired."""

    __tablename__ = "sign_in_codes"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: not unique: two codes of 40 bits may (very rarely) meet; such a code then signs
    #: nobody in
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    rider_id: Mapped[str] = mapped_column(ForeignKey("riders.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: indexed: housekeeping deletes expired codes
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class Notification(Base):
    """A message to a rider in the outbox (:mod:`api.service.outbox`): written in the same
    transaction as what it tells of, sent later by the outbox's worker, once. ``dedupe``
    names the occasion (e.g. ``reminder:<booking>``) and channel: an occasion is told once
    per channel however often it is noticed. Holds no address: the rider's e-mail and
    phone are read when sending (a forgotten rider's messages are deleted with them)."""

    __tablename__ = "notifications"
    #: the outbox's backlog by status and channel (read at every metrics scrape): a range
    #: of the index, not a scan of every message a district ever sent
    __table_args__ = (Index("ix_notifications_backlog", "status", "channel", "next_try_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rider_id: Mapped[str] = mapped_column(ForeignKey("riders.id"), index=True)
    booking_id: Mapped[str | None] = mapped_column(String(32), index=True)
    standing_order_id: Mapped[str | None] = mapped_column(String(32))
    #: confirmed, reminder, on_the_way, late, changed, cancelled, no_show,
    #: standing_not_served, standing_booked …
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))  #: app, email or sms
    dedupe: Mapped[str] = mapped_column(String(160), unique=True)
    #: the template's values as JSON (times as ISO text in the region's zone, place names)
    params: Mapped[str] = mapped_column(Text, default="{}")
    language: Mapped[str] = mapped_column(String(5))
    #: pending, sending, sent, failed (gave up after retries), dropped (no address)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: indexed: the worker takes what is due
    next_try_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    #: a worker holds the message until then (another takes it over after a crash)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  #: in-app: seen
    last_error: Mapped[str | None] = mapped_column(String(200))  #: never personal data


class StandingOrder(Base):
    """The same ride on chosen weekdays over a date range (:mod:`api.service.standing`):
    each occurrence is booked when it enters the booking horizon."""

    __tablename__ = "standing_orders"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rider_id: Mapped[str] = mapped_column(ForeignKey("riders.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(16))  #: who made it (a rider or staff key)
    #: the role that made it: ``rider`` (its rides count under the rider's fair use, as
    #: their own bookings do) or ``dispatcher``/``admin`` (exempt, as staff's bookings are)
    by_role: Mapped[str] = mapped_column(String(16), default="rider")
    area: Mapped[str] = mapped_column(String(100))
    origin_lat: Mapped[float] = mapped_column(Float)
    origin_lon: Mapped[float] = mapped_column(Float)
    dest_lat: Mapped[float] = mapped_column(Float)
    dest_lon: Mapped[float] = mapped_column(Float)
    #: ISO weekdays, 1 = Monday … 7 = Sunday, comma-separated ("1,3,5")
    weekdays: Mapped[str] = mapped_column(String(20))
    time_s: Mapped[float] = mapped_column(Float)  #: seconds after the day's midnight
    time_type: Mapped[str] = mapped_column(String(10))  #: departure or arrival
    first_date: Mapped[dt.date] = mapped_column(Date)
    last_date: Mapped[dt.date] = mapped_column(Date)
    passengers: Mapped[int] = mapped_column(Integer, default=1)
    wheelchairs: Mapped[int] = mapped_column(Integer, default=0)
    skip_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    status: Mapped[str] = mapped_column(String(10), default="active")  #: active, cancelled
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class StandingOccurrence(Base):
    """One date of a standing order: booked (with its booking), not served (with the
    reason the rider was told), skipped (a holiday) or cancelled by the rider — or pending
    while a booker books it (the row is written first: the unique date guards against
    booking it twice)."""

    __tablename__ = "standing_occurrences"
    __table_args__ = (UniqueConstraint("order_id", "service_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("standing_orders.id"), index=True)
    service_date: Mapped[dt.date] = mapped_column(Date, index=True)
    #: pending, booked, not_served, skipped, cancelled
    status: Mapped[str] = mapped_column(String(12))
    booking_id: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(200))  #: in plain words (English)
    #: the reason's short code: the refusal's problem code (``outside-service-hours``,
    #: ``no-vehicle-available`` …) or ``holiday``; apps word it in their own language
    code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the status was last written; a pending occurrence is its booker's until a
    #: lease after this (then another booker takes it over: a crash leaves nothing stuck)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LateAlert(Base):
    """What the dispatcher is shown of a ride running late (:mod:`api.service.lateness`):
    a pickup expected after its promised window (``late``) or a drop-off after the
    scheduled connection it was booked to make (``connection_missed``), with the latest
    estimate and what was done (``moved`` to another vehicle, the rider ``told``, or
    ``none``). One row per booking and kind, kept up to date; no personal data."""

    __tablename__ = "late_alerts"
    __table_args__ = (UniqueConstraint("booking_id", "kind"),
                      Index("ix_late_alerts_day", "service_date", "area"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(String(100))
    service_date: Mapped[dt.date] = mapped_column(Date)
    booking_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))  #: late or connection_missed
    #: the vehicle running late, and where the ride went (action ``moved``)
    vehicle_id: Mapped[str] = mapped_column(String(64))
    to_vehicle: Mapped[str | None] = mapped_column(String(64))
    #: the estimates when last noticed (seconds after the service day's midnight)
    pickup_s: Mapped[float | None] = mapped_column(Float)
    dropoff_s: Mapped[float | None] = mapped_column(Float)
    action: Mapped[str] = mapped_column(String(10))  #: moved, told or none
    #: the next departure offered for a missed connection: when, its route's short name
    #: (else long name), headsign and stop name (from the timetable)
    next_s: Mapped[float | None] = mapped_column(Float)
    next_route: Mapped[str | None] = mapped_column(String(200))
    next_headsign: Mapped[str | None] = mapped_column(String(200))
    next_stop: Mapped[str | None] = mapped_column(String(200))
    noticed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ServiceAlert(Base):
    """A service area closed (``closure``) or served less (``reduced``) for a period, as the
    dispatcher entered it (:mod:`api.service.service_alerts`): published in the GTFS-Realtime
    alerts feed (NO_SERVICE / REDUCED_SERVICE) while it lasts; a closure also refuses rides
    in its area and period. No personal data: ``created_by`` is the staff key's id."""

    __tablename__ = "service_alerts"
    __table_args__ = (Index("ix_service_alerts_area", "area", "ended_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    area: Mapped[str] = mapped_column(String(100))
    effect: Mapped[str] = mapped_column(String(10))  #: closure or reduced
    cause: Mapped[str | None] = mapped_column(String(20))  #: weather, strike … (None: unknown)
    #: the active period (no end: until the dispatcher ends it)
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: the texts as JSON, one entry per language: [{"language", "header", "description"}]
    texts: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(16))  #: the dispatcher's key id
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: when a dispatcher ended it early (None: it lasts its period)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(16))


class FeedSecret(Base):
    """A server secret kept in the store, made once (``name`` ``gtfs-rt-trips``: the key of
    the GTFS-Realtime feeds' opaque trip ids, stable across restarts and processes)."""

    __tablename__ = "feed_secrets"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RideRating(Base):
    """A rider's rating of a ride they took (one per booking; a second rating replaces the
    first): 1–5 stars, reasons from a fixed list (comma-separated codes) and a comment."""

    __tablename__ = "ride_ratings"
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    rider_id: Mapped[str] = mapped_column(String(32))
    stars: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str | None] = mapped_column(String(400))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One staff action (a dispatcher's, operator's or admin's): who (the key's id and role),
    what (``action``, e.g. ``booking.cancel``), on which record (``target_type``,
    ``target_id``), when, and the change as JSON (no rider's contact data)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    key_id: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(Text)
