"""The planner's itineraries as OJP ``TripResult`` elements.

Each leg of an itinerary is one OJP leg, in order:

- a scheduled vehicle: a ``TimedLeg`` (``LegBoard``, ``LegIntermediate`` when asked,
  ``LegAlight`` with the GTFS ``stop_id`` as ``siri:StopPointRef`` and the timetable's
  times; ``Service`` with the GTFS ``trip_id`` as ``JourneyRef``, ``route_id`` as
  ``siri:LineRef``, ``agency_id`` as ``OperatorRef``);
- an on-demand ride: a ``TimedLeg`` whose ``Service`` is ``demandResponsive`` with
  ``PtMode`` bus and ``siri:BusSubmode`` ``demandAndResponseBus``, the ids of the static
  GTFS-Flex feed (:mod:`dispatch.feed_ids`), ``ReservationNeeded`` ``service`` and the area's
  ``BookingArrangements``. The board and alight times are the ride's quote:
  ``TimetabledTime`` the planned pickup (drop-off), ``EstimatedTimeLow``/``High`` the window
  promised for it (a drop-off window without an end has no ``EstimatedTimeHigh``). A pickup
  at a place (not a stop) is boarded at its ``GeoPosition``; ``LegAlight`` must name a stop
  point, so a drop-off at a place refers to the area's zone of the GTFS-Flex feed
  (``locations.geojson``'s ``location_id``) with the place's name, and the ride's
  ``LegTrack`` gives both ends' positions;
- a walk between two vehicles: a ``TransferLeg`` (``walk``); any other walk (to the first
  vehicle, from the last one, or the whole way): a ``ContinuousLeg`` on ``foot``.

Times are UTC; the planner's seconds after the query's service-day midnight are turned into
moments through the region's time zone.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Mapping, Sequence
from xml.etree.ElementTree import Element, SubElement

from api.ojp.place_out import pt_mode
from api.ojp.xml import o, s
from api.place_names import PlaceNamer
from dispatch import feed_ids
from dispatch.service_area import BookingRule
from routing.legs import RideOffer
from routing.planner import Itinerary, Place, PlanLeg
from routing.timebase import bounded, service_day_epoch
from routing.timetable import Timetable

DEMAND_BUS = "demandAndResponseBus"
_WORDS = {
    "en": {"ride": "On-demand bus", "book": "Book online", "area": "On-demand {area}",
           "fare": "On-demand fare {area}, adult"},
    "de": {"ride": "Rufbus", "book": "Online buchen", "area": "Rufbus {area}",
           "fare": "Rufbus-Tarif {area}, Erwachsene"},
}
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def leg_mode(tt: Timetable, leg: PlanLeg) -> tuple[str, str | None, str] | None:
    """(``PtMode``, submode, ``ConventionalModeOfOperation``) of a vehicle leg, None for
    a walk."""
    if leg.ride is not None:
        return "bus", DEMAND_BUS, "demandResponsive"
    if leg.trip is None:
        return None
    rt = int(tt.route_type[tt.pattern_route[tt.trip_pattern[leg.trip]]])
    return pt_mode(rt)[0], DEMAND_BUS if rt == 715 else None, "scheduled"


def duration(seconds: float) -> str:
    """Whole seconds as an xs:duration (``PT1H5M``, ``PT0S``)."""
    secs = max(0, int(round(seconds)))
    h, rest = divmod(secs, 3600)
    m, sec = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + \
        (f"{sec}S" if sec or not (h or m) else "")


def _add(parent: Element, tag: str, text: object) -> Element:
    el = SubElement(parent, tag)
    el.text = str(text)
    return el


class TripWriter:
    """Writes one query's itineraries (its service date's epoch, names and booking rules once).

    Parameters
    ----------
    tt
        The timetable the itineraries' trips and stops index.
    date, tz
        The query's service date and the region's time zone.
    rules
        Each on-demand area's booking rule by the area's name.
    names
        Names points in plain words (else the request's names or the planner's).
    language
        ``de`` or ``en``: the language of the texts written here.
    end_names
        The names the request gave its origin and destination.
    intermediate_stops, projection, track_sections
        What the request asked to include.
    """

    def __init__(self, tt: Timetable, date: dt.date, tz: dt.tzinfo,
                 rules: Mapping[str, BookingRule | None], names: PlaceNamer | None,
                 language: str = "en", end_names: tuple[str | None, str | None] = (None, None),
                 *, intermediate_stops: bool = False, projection: bool = False,
                 track_sections: bool = False, fare: bool = False) -> None:
        self.tt, self.date, self.rules, self.names = tt, date, rules, names
        self.tz = tz
        self.base = service_day_epoch(date, tz)  # type: ignore[arg-type]
        self.lang = language if language in _WORDS else "en"
        self.words = _WORDS[self.lang]
        self.end_names = end_names
        self.intermediate, self.projection = intermediate_stops, projection
        self.sections = track_sections or projection
        self.fare = fare
        self._agency = (str(tt.agency_id[0]) if len(tt.agency_id) else "")

    # -- small parts ----------------------------------------------------------------------
    def ts(self, seconds: float) -> str:
        """Seconds after the service day's midnight as a UTC xs:dateTime."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.base + math.floor(seconds)))

    def text(self, parent: Element, tag: str, value: str) -> Element:
        el = SubElement(parent, tag)
        t = _add(el, o("Text"), value)
        t.set(_LANG, self.lang)
        return el

    def geo(self, parent: Element, tag: str, lat: float, lon: float) -> Element:
        g = SubElement(parent, tag)
        _add(g, s("Longitude"), f"{lon:.6f}")
        _add(g, s("Latitude"), f"{lat:.6f}")
        return g

    def stop_id(self, stop: int) -> str:
        return str(self.tt.stop_id[stop])

    def stop_name(self, stop: int) -> str:
        return str(self.tt.stop_name[stop])

    def point_name(self, p: Place, end: int | None) -> str:
        """A point's name: as the request named its origin (``end`` 0) or destination (1),
        else in plain words (the street), else the planner's."""
        given = self.end_names[end] if end is not None else None
        if given:
            return given
        if self.names is not None:
            return self.names.name(p.lat, p.lon).name
        return p.name

    def place_ref(self, parent: Element, tag: str, p: Place, end: int | None) -> Element:
        """A ``PlaceRef``-shaped element: a stop's reference or a position, and a name."""
        el = SubElement(parent, tag)
        if p.stop is not None:
            _add(el, s("StopPointRef"), self.stop_id(p.stop))
            self.text(el, o("Name"), self.stop_name(p.stop))
        else:
            self.geo(el, o("GeoPosition"), p.lat, p.lon)
            self.text(el, o("Name"), self.point_name(p, end))
        return el

    def track(self, parent: Element, leg: PlanLeg, a_end: int | None, b_end: int | None,
              always: bool = False) -> None:
        """``LegTrack`` (asked for, or ``always``): one section from the leg's start to its
        end, with its duration, length and (``IncludeLegProjection``) its coordinates."""
        if not (self.sections or always):
            return
        sec = SubElement(SubElement(parent, o("LegTrack")), o("TrackSection"))
        self.place_ref(sec, o("TrackSectionStart"), leg.origin, a_end)
        self.place_ref(sec, o("TrackSectionEnd"), leg.destination, b_end)
        if self.projection and len(leg.coords) >= 2:
            proj = SubElement(sec, o("LinkProjection"))
            for lat, lon in leg.coords.tolist():
                self.geo(proj, o("Position"), lat, lon)
        _add(sec, o("Duration"), duration(leg.end - leg.start))
        _add(sec, o("Length"), int(round(leg.distance_m)))

    # -- results --------------------------------------------------------------------------
    def results(self, its: Sequence[Itinerary]) -> list[Element]:
        return [self.result(k, it) for k, it in enumerate(its, 1)]

    def result(self, k: int, it: Itinerary) -> Element:
        r = Element(o("TripResult"))
        _add(r, o("Id"), k)
        trip = SubElement(r, o("Trip"))
        _add(trip, o("Id"), k)
        _add(trip, o("Duration"), duration(it.end - it.start))
        _add(trip, o("StartTime"), self.ts(it.start))
        _add(trip, o("EndTime"), self.ts(it.end))
        _add(trip, o("Transfers"), max(0, sum(leg.mode != "WALK" for leg in it.legs) - 1))
        _add(trip, o("Distance"), int(round(sum(leg.distance_m for leg in it.legs))))
        n = len(it.legs)
        for j, leg in enumerate(it.legs):
            el = SubElement(trip, o("Leg"))
            _add(el, o("Id"), j + 1)
            _add(el, o("Duration"), duration(leg.end - leg.start))
            a_end = 0 if j == 0 else None
            b_end = 1 if j == n - 1 else None
            if leg.ride is not None:
                self.ride_leg(el, leg, leg.ride, a_end, b_end)
            elif leg.trip is not None:
                self.timed_leg(el, leg)
            elif 0 < j < n - 1 and it.legs[j - 1].mode != "WALK" \
                    and it.legs[j + 1].mode != "WALK":
                self.transfer_leg(el, leg)
            else:
                self.continuous_leg(el, leg, a_end, b_end)
        if self.fare:
            for j, leg in enumerate(it.legs):
                if leg.ride is not None and leg.ride.fare_cents is not None:
                    self.trip_fare(r, j + 1, leg.ride)
        return r

    def trip_fare(self, parent: Element, leg_id: int, ride: RideOffer) -> None:
        """An on-demand leg's fare for one adult (the quote prices reductions): the product
        of the GTFS-Flex feed's Fares v2 tables, paid at the ride. Scheduled legs carry
        none: their fares are the timetable operator's (the region's GTFS has none)."""
        assert ride.fare_cents is not None
        tf = SubElement(parent, o("TripFare"))
        _add(tf, o("FromLegIdRef"), leg_id)
        _add(tf, o("ToLegIdRef"), leg_id)
        p = SubElement(tf, o("FareProduct"))
        _add(p, o("FareProductId"), feed_ids.fare_product_id(ride.area))
        _add(p, o("FareProductName"), self.words["fare"].format(area=ride.area))
        _add(p, o("FareAuthorityRef"), feed_ids.AGENCY_ID)
        _add(p, o("FareAuthorityText"), self.words["area"].format(area=ride.area))
        _add(p, o("Price"), feed_ids.amount(ride.fare_cents, ride.fare_currency))
        _add(p, o("Currency"), ride.fare_currency)
        _add(p, o("ValidFor"), "Adult")

    def continuous_leg(self, parent: Element, leg: PlanLeg, a_end: int | None,
                       b_end: int | None) -> None:
        c = SubElement(parent, o("ContinuousLeg"))
        self.place_ref(c, o("LegStart"), leg.origin, a_end)
        self.place_ref(c, o("LegEnd"), leg.destination, b_end)
        _add(SubElement(c, o("Service")), o("PersonalMode"), "foot")
        _add(c, o("TimeWindowStart"), self.ts(leg.start))
        _add(c, o("TimeWindowEnd"), self.ts(leg.end))
        _add(c, o("Duration"), duration(leg.end - leg.start))
        _add(c, o("Length"), int(round(leg.distance_m)))
        self.track(c, leg, a_end, b_end)

    def transfer_leg(self, parent: Element, leg: PlanLeg) -> None:
        t = SubElement(parent, o("TransferLeg"))
        _add(t, o("TransferType"), "walk")
        self.place_ref(t, o("LegStart"), leg.origin, None)
        self.place_ref(t, o("LegEnd"), leg.destination, None)
        _add(t, o("TimeWindowStart"), self.ts(leg.start))
        _add(t, o("TimeWindowEnd"), self.ts(leg.end))
        _add(t, o("Duration"), duration(leg.end - leg.start))
        _add(t, o("WalkDuration"), duration(leg.end - leg.start))
        _add(t, o("Length"), int(round(leg.distance_m)))

    def call(self, parent: Element, tag: str, stop: int, arrival: float | None,
             departure: float | None, order: int) -> Element:
        """A ``LegBoard``/``LegIntermediate``/``LegAlight`` at a stop."""
        c = SubElement(parent, tag)
        _add(c, s("StopPointRef"), self.stop_id(stop))
        self.text(c, o("StopPointName"), self.stop_name(stop))
        if arrival is not None:
            _add(SubElement(c, o("ServiceArrival")), o("TimetabledTime"), self.ts(arrival))
        if departure is not None:
            _add(SubElement(c, o("ServiceDeparture")), o("TimetabledTime"), self.ts(departure))
        _add(c, o("Order"), order)
        return c

    def timed_leg(self, parent: Element, leg: PlanLeg) -> None:
        """A scheduled vehicle's leg: its calls and its ``Service``."""
        assert leg.trip is not None
        assert leg.board_index is not None and leg.alight_index is not None
        tt, k, shift = self.tt, leg.trip, leg.day_shift
        p = tt.trip_pattern[k]
        r = tt.pattern_route[p]
        t = SubElement(parent, o("TimedLeg"))
        self.call(t, o("LegBoard"), leg.origin.stop if leg.origin.stop is not None
                  else int(tt.pattern_stops[tt.pattern_stop_offset[p] + leg.board_index]),
                  None, leg.start, leg.board_index + 1)
        if self.intermediate:
            a = int(tt.stop_time_offset[k])
            first = int(tt.pattern_stop_offset[p])
            for j in range(leg.board_index + 1, leg.alight_index):
                self.call(t, o("LegIntermediate"), int(tt.pattern_stops[first + j]),
                          int(tt.arrival[a + j]) + shift, int(tt.departure[a + j]) + shift,
                          j + 1)
        self.call(t, o("LegAlight"), leg.destination.stop if leg.destination.stop is not None
                  else int(tt.pattern_stops[tt.pattern_stop_offset[p] + leg.alight_index]),
                  leg.end, None, leg.alight_index + 1)
        svc = SubElement(t, o("Service"))
        day = self.date + dt.timedelta(seconds=shift)
        _add(svc, o("OperatingDayRef"), day.isoformat())
        _add(svc, o("JourneyRef"), str(tt.trip_id[k]))
        _add(svc, s("LineRef"), str(tt.route_id[r]))
        rt = int(tt.route_type[r])
        mode = SubElement(svc, o("Mode"))
        _add(mode, o("PtMode"), pt_mode(rt)[0])
        if rt == 715:
            _add(mode, s("BusSubmode"), DEMAND_BUS)
        name = str(tt.route_short_name[r]) or str(tt.route_long_name[r]) or str(tt.route_id[r])
        self.text(svc, o("PublishedServiceName"), name)
        agency = str(tt.route_agency[r]) or self._agency
        if agency:
            _add(SubElement(svc, o("OperatorRefs")), o("OperatorRef"), agency)
        headsign = str(tt.trip_headsign[k])
        if headsign:
            self.text(svc, o("DestinationText"), headsign)
        self.track(t, leg, None, None)

    def ride_leg(self, parent: Element, leg: PlanLeg, ride: RideOffer, a_end: int | None,
                 b_end: int | None) -> None:
        """An on-demand ride: picked up and dropped off at a stop or a place, the quote's
        times and promised windows, the GTFS-Flex feed's ids, how to book."""
        t = SubElement(parent, o("TimedLeg"))
        for tag, p, at, window, end in (
                (o("LegBoard"), leg.origin, leg.start, ride.pickup_window, a_end),
                (o("LegAlight"), leg.destination, leg.end, ride.dropoff_window, b_end)):
            c = SubElement(t, tag)
            board = tag == o("LegBoard")
            if p.stop is not None:
                _add(c, s("StopPointRef"), self.stop_id(p.stop))
                self.text(c, o("StopPointName"), self.stop_name(p.stop))
            elif board:  # a pickup anywhere: its position
                self.geo(c, o("GeoPosition"), p.lat, p.lon)
            else:  # an alighting point must be a stop point: the area's GTFS-Flex zone
                _add(c, s("StopPointRef"), feed_ids.area_id(ride.area))
                self.text(c, o("StopPointName"), self.point_name(p, end))
            when = SubElement(c, o("ServiceDeparture" if board else "ServiceArrival"))
            _add(when, o("TimetabledTime"), self.ts(at))
            _add(when, o("EstimatedTimeLow"), self.ts(window[0]))
            if bounded(window[1]):
                _add(when, o("EstimatedTimeHigh"), self.ts(window[1]))
        svc = SubElement(t, o("Service"))
        _add(svc, o("ConventionalModeOfOperation"), "demandResponsive")
        _add(svc, o("OperatingDayRef"), self.date.isoformat())
        _add(svc, o("JourneyRef"), feed_ids.trip_id(ride.area))
        _add(svc, s("LineRef"), feed_ids.route_id(ride.area))
        mode = SubElement(svc, o("Mode"))
        _add(mode, o("PtMode"), "bus")
        _add(mode, s("BusSubmode"), DEMAND_BUS)
        self.text(mode, o("Name"), self.words["ride"])
        self.text(svc, o("PublishedServiceName"), self.words["area"].format(area=ride.area))
        _add(SubElement(svc, o("OperatorRefs")), o("OperatorRef"), feed_ids.AGENCY_ID)
        self.booking(svc, ride)
        _add(svc, o("ReservationNeeded"), "service")
        # the places themselves (a drop-off point has only its zone's reference above)
        self.track(t, leg, a_end, b_end, always=leg.origin.stop is None
                   or leg.destination.stop is None)

    def booking(self, svc: Element, ride: RideOffer) -> None:
        """``BookingArrangements`` of the ride's area: its booking rule (else the terms the
        quote carries; none: booking in real time, in the app or through the API)."""
        rule = self.rules.get(ride.area)
        if rule is None and ride.terms is not None:
            t = ride.terms
            rule = BookingRule(1 if t.notice_min_s else 0, notice_min_s=t.notice_min_s,
                               message=t.message, phone=t.phone)
            url = t.url
        else:
            rule = rule or BookingRule()
            url = rule.url
        ba = SubElement(SubElement(svc, o("BookingArrangements")), o("BookingArrangement"))
        if rule.phone or url:
            contact = SubElement(ba, o("BookingContact"))
            if rule.phone:
                _add(contact, o("Phone"), rule.phone)
            if url:
                link = SubElement(contact, o("Url"))
                self.text(link, o("Label"), self.words["book"])
                _add(link, o("Url"), url)
        methods = SubElement(ba, o("BookingMethods"))
        _add(methods, o("BookingMethod"), "online")  # the product's app and API
        if rule.phone:
            _add(methods, o("BookingMethod"), "callOffice")
        _add(ba, o("BookingAccess"), "public")
        _add(ba, o("BookWhen"), "untilPreviousDay" if rule.booking_type == 2
             else "advanceAndDayOfTravel")
        latest = self.latest_booking(rule, ride)
        if latest is not None:
            _add(ba, o("LatestBookingTime"), latest)
        if rule.booking_type == 1 and rule.notice_min_s > 0:
            _add(ba, o("MinimumBookingPeriod"), duration(rule.notice_min_s))
        if rule.booking_type == 1 and rule.notice_max_s is not None:
            _add(ba, o("MaximumBookingPeriod"), duration(rule.notice_max_s))
        if url:
            link = SubElement(ba, o("BookingUrl"))
            self.text(link, o("Label"), self.words["book"])
            _add(link, o("Url"), url)
        if rule.message:
            self.text(SubElement(ba, o("BookingNotes")), o("BookingNote"), rule.message)

    def latest_booking(self, rule: BookingRule, ride: RideOffer) -> str | None:
        """The local time of day by which this ride must be booked: the rule's last time
        (prior-day booking), else the pickup window's start less the minimum notice."""
        if rule.booking_type == 2:
            if rule.last_time_s is None:
                return None
            secs = int(rule.last_time_s) % 86400
        else:
            at = dt.datetime.fromtimestamp(
                self.base + math.floor(ride.pickup_window[0] - rule.notice_min_s), self.tz)
            secs = at.hour * 3600 + at.minute * 60 + at.second
        return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
