"""The journey planner's response in OpenTripPlanner's plan shape, typed.

Times in this shape are epoch milliseconds (OTP's convention; everywhere else the API speaks
ISO 8601 with an offset) and durations seconds. ``api.otp`` writes the answer as plain JSON
for speed; these models document it, and the tests validate real answers against them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from api.schemas.common import LatLon, Schema

EpochMs = Annotated[int, Field(description="epoch milliseconds (UTC)")]

#: leg modes: WALK, ON_DEMAND and the transit modes of GTFS's basic and extended route types
Mode = Literal["WALK", "ON_DEMAND", "BUS", "COACH", "TRAM", "SUBWAY", "RAIL", "FERRY",
               "CABLE_CAR", "GONDOLA", "FUNICULAR", "TROLLEYBUS", "MONORAIL"]


class PlanPlace(Schema):
    """Where a leg starts or ends, or a stop passed on the way."""

    name: str
    lat: float
    lon: float
    vertex_type: Literal["TRANSIT", "NORMAL"] = Field(
        description="TRANSIT: a stop (``stopId`` given); NORMAL: a coordinate")
    stop_id: str | None = Field(None, description="GTFS stop_id (stops only)")
    stop_index: int | None = Field(None, description="position of the stop within the "
                                                     "trip (where a transit leg boards or "
                                                     "alights)")
    arrival: EpochMs | None = None
    departure: EpochMs | None = None


class LegGeometry(Schema):
    points: str = Field(description="the leg's path as an encoded polyline (precision 5)")
    length: int = Field(description="number of points")


class EpochWindow(Schema):
    """A promised time window, in epoch milliseconds."""

    start: EpochMs
    end: EpochMs


class OpenEpochWindow(Schema):
    """A promised time window in epoch milliseconds whose end may be open."""

    start: EpochMs
    end: EpochMs | None = Field(description="epoch milliseconds (UTC); null: no bound")


class RideFare(Schema):
    amount: float = Field(description="in the currency, e.g. 2.5")
    currency: str = Field(description="ISO 4217, e.g. USD")


class BookingInfo(Schema):
    """How to book an ON_DEMAND leg. ``origin``, ``destination``, ``pickupWindow`` and
    ``dropOffWindow`` are an itinerary leg of ``POST /api/v1/bookings`` as they are (its
    windows accept these epoch milliseconds as well as ISO 8601)."""

    bookable: bool = Field(description="a vehicle can take the ride as the plan stands")
    area: str = Field(description="the on-demand service area")
    vehicle: str = Field(description="the vehicle the ride was quoted on (a booking may get "
                                     "another)")
    origin: LatLon
    destination: LatLon
    pickup_window: EpochWindow = Field(description="the promised pickup window")
    drop_off_window: OpenEpochWindow = Field(
        description="the promised drop-off window; its end is the connection to make (open "
                    "for a ride with no connection after it); it never starts before the "
                    "pickup window")
    how_to_book: str
    message: str | None = Field(None, description="the area's booking message")
    phone: str | None = Field(None, description="the area's booking phone number")
    notice_min: float | None = Field(None, description="minutes of notice the area asks for")
    fare: RideFare | None = Field(None, description=(
        "one adult's fare (the planner's rides are for one passenger; a quote prices reduced "
        "fares); null: the area has no fares"))


class PickupPlace(Schema):
    """Where exactly to wait for an on-demand ride, in plain words from the region's streets,
    addresses and stops."""

    name: str = Field(description="the place as a rider reads it: a stop's name, an address "
                                  "(\"12 Main Street\") or a street and its village "
                                  "(\"Wooster Road, Cornwall\")")
    street: str | None = Field(description="the named street the place lies on")
    house_number: str | None = Field(description="the house number of an address there")
    near: str | None = Field(description="a stop or named place within about 150 m")
    distance_m: float = Field(alias="distance_m", description=(
        "metres from the point to what names it (the street or address; 0 for a stop)"))


class PlanLeg(Schema):
    """One leg: a walk, a scheduled trip or an on-demand ride."""

    mode: Mode
    start_time: EpochMs
    end_time: EpochMs
    duration: int = Field(description="seconds")
    distance: float = Field(description="metres")
    transit_leg: bool = Field(description="a scheduled trip or an on-demand ride")
    from_: PlanPlace = Field(alias="from")
    to: PlanPlace
    leg_geometry: LegGeometry
    booking_info: BookingInfo | None = Field(None, description="ON_DEMAND legs only")
    pickup_place: PickupPlace | None = Field(
        None, description="ON_DEMAND legs only: where exactly to wait (``from.name`` and "
                          "``to.name`` name the ride's ends the same way)")
    route_id: str | None = Field(None, description="scheduled legs only (as the rest below)")
    route_short_name: str | None = None
    route_long_name: str | None = None
    route_type: int | None = Field(None, description="GTFS route_type (basic or extended)")
    agency_name: str | None = None
    trip_id: str | None = None
    headsign: str | None = None
    service_date: str | None = Field(None, description="the trip's service date, YYYYMMDD",
                                     pattern=r"^\d{8}$")
    intermediate_stops: list[PlanPlace] | None = Field(
        None, description="stops passed between boarding and alighting")


#: what an itinerary is made of
Kind = Literal["walk", "transit", "on_demand", "on_demand_transit"]


class PlanItinerary(Schema):
    """One way to make the journey."""

    kind: Kind = Field(description="walk: walking only; transit: scheduled vehicles with "
                                   "walks at the ends; on_demand: one door-to-door "
                                   "on-demand ride; on_demand_transit: an on-demand ride and "
                                   "scheduled vehicles")
    duration: int = Field(description="seconds from the first leg's start to the last's end")
    start_time: EpochMs
    end_time: EpochMs
    walk_time: int = Field(description="seconds walked")
    transit_time: int = Field(description="seconds on scheduled trips and on-demand rides")
    waiting_time: int = Field(description="seconds waited")
    walk_distance: float = Field(description="metres walked")
    transfers: int
    legs: list[PlanLeg]


#: why an answer has no, few or only distant itineraries (``Explanation.code``)
ExplanationCode = Literal["outside_hours", "before_notice", "past", "beyond_horizon",
                          "no_stepfree", "outside_area", "no_stop_nearby", "vehicles_busy",
                          "no_service", "later_than_asked"]


class Explanation(Schema):
    """Why there is no (or only a distant) result, for an app to word in its language.

    ``params`` by ``code``: ``outside_hours`` {area, start, end: "HH:MM"}; ``before_notice``
    {area, earliest: local date-time}; ``past`` {now}; ``beyond_horizon`` {last:
    YYYY-MM-DD}; ``no_stepfree`` {}; ``outside_area`` {end: origin|destination};
    ``no_stop_nearby`` {end, minutes}; ``vehicles_busy`` {tried}; ``no_service`` {};
    ``later_than_asked`` {first: local date-time}."""

    code: ExplanationCode
    message: str = Field(description="the same in English")
    params: dict[str, str | int | float] = Field(description="the facts behind it (see above)")


class NextSearch(Schema):
    """The next moment worth searching (e.g. tomorrow's service start)."""

    time: str = Field(description="local ISO date-time with its offset")
    code: ExplanationCode = Field(description="the explanation it answers")


class PlanResponse(Schema):
    """``itineraries`` in OTP's shape, ``explanations`` (and English ``messages``) saying
    why there are few or none, and the ``next`` moment worth searching."""

    date: str | None = Field(None, description="the service date asked for, YYYY-MM-DD",
                             pattern=r"^\d{4}-\d{2}-\d{2}$")
    requested: str | None = Field(None, description="the moment asked for: local ISO "
                                                    "date-time with its offset")
    itineraries: list[PlanItinerary]
    messages: list[str] = []
    explanations: list[Explanation] = []
    next: NextSearch | None = None
