"""The journey planner's answer in the shape of OpenTripPlanner's plan response: a mapper at
the edge over routing's plain :class:`~routing.planner.PlanResult`.

Times in this shape are epoch milliseconds (OTP's convention); the rest of the API speaks
ISO 8601 with an offset. ``api.schemas.plan`` documents every field.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

from api.place_names import PlaceNamer
from routing import polyline
from routing.legs import Note, RideOffer
from routing.planner import Itinerary, Place, PlanLeg, PlanResult
from routing.timebase import bounded, moment_at, service_day_epoch
from routing.timetable import Timetable

#: how an app books a planned ride (the bookingInfo's windows are accepted as they are)
HOW_TO_BOOK = ("POST /api/v1/bookings with {\"itinerary\": [...]}: for each ON_DEMAND leg "
               "its bookingInfo's origin, destination, pickupWindow and dropOffWindow")


def plan_to_otp(result: PlanResult, tt: Timetable, date: dt.date, tz: ZoneInfo, *,
                time_s: int | None = None, names: PlaceNamer | None = None
                ) -> dict[str, Any]:
    """The whole answer: ``date`` and ``requested`` (the moment asked for), ``itineraries``
    (each with its ``kind``), ``messages``, ``explanations`` and ``next``.

    Parameters
    ----------
    result
        The planner's itineraries, their times in seconds after ``date``'s service-day
        midnight.
    tt
        The timetable the itineraries' trips and stops index.
    date
        The service date of the query.
    tz
        The region's time zone (the service day's midnight is local).
    time_s
        The time asked for (seconds after ``date``'s midnight), if known.
    names
        Names on-demand legs' ends in plain words (else they keep the planner's names).
    """
    mapper = _Mapper(tt, date, tz, names)
    nxt = result.next
    return {"date": date.isoformat(),
            "requested": mapper.iso(time_s) if time_s is not None else None,
            "itineraries": [mapper.itinerary(it) for it in result.itineraries],
            "messages": list(result.messages),
            "explanations": [mapper.note(n) for n in result.notes],
            "next": ({"time": mapper.iso(nxt[0]), "code": nxt[1]} if nxt is not None
                     else None)}


class _Mapper:
    """Maps one query's itineraries (the service day's epoch and the agencies once)."""

    def __init__(self, tt: Timetable, date: dt.date, tz: ZoneInfo,
                 names: PlaceNamer | None = None) -> None:
        self.tt, self.date, self.tz, self.names = tt, date, tz, names
        self.base = service_day_epoch(date, tz)
        self.agencies = dict(zip(tt.agency_id.tolist(), tt.agency_name.tolist(), strict=True))

    def ms(self, seconds: int) -> int:
        return (self.base + seconds) * 1000

    def iso(self, seconds: float) -> str:
        """Seconds after the query's service-day midnight (days later too) as a local
        ISO date-time with its offset, to the minute."""
        days, rest = divmod(float(seconds), 86400.0)
        at = moment_at(self.date + dt.timedelta(days=int(days)), rest, self.tz)
        return at.isoformat(timespec="minutes")

    def note(self, n: Note) -> dict[str, Any]:
        return {"code": n.code, "message": n.message,
                "params": {**n.params, **{k: self.iso(v) for k, v in n.at.items()}}}

    def itinerary(self, it: Itinerary) -> dict[str, Any]:
        walk = sum(leg.end - leg.start for leg in it.legs if leg.mode == "WALK")
        transit = sum(leg.end - leg.start for leg in it.legs if leg.mode != "WALK")
        duration = it.end - it.start
        return {
            "kind": it.kind,
            "duration": duration,
            "startTime": self.ms(it.start),
            "endTime": self.ms(it.end),
            "walkTime": walk,
            "transitTime": transit,
            "waitingTime": duration - walk - transit,
            "walkDistance": round(sum(leg.distance_m for leg in it.legs
                                      if leg.mode == "WALK"), 1),
            "transfers": it.transfers,
            "legs": [self.leg(leg) for leg in it.legs],
        }

    def place(self, p: Place, arrival: int | None, departure: int | None) -> dict[str, Any]:
        name = p.name
        if p.stop is None and self.names is not None:  # a point: named by its street
            name = self.names.name(p.lat, p.lon).name
        out: dict[str, Any] = {"name": name, "lat": round(p.lat, 6), "lon": round(p.lon, 6),
                               "vertexType": "TRANSIT" if p.stop is not None else "NORMAL"}
        if p.stop is not None:
            out["stopId"] = str(self.tt.stop_id[p.stop])
        if arrival is not None:
            out["arrival"] = self.ms(arrival)
        if departure is not None:
            out["departure"] = self.ms(departure)
        return out

    def leg(self, leg: PlanLeg) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": leg.mode,
            "startTime": self.ms(leg.start),
            "endTime": self.ms(leg.end),
            "duration": leg.end - leg.start,
            "distance": round(leg.distance_m, 1),
            "transitLeg": leg.trip is not None or leg.ride is not None,
            "from": self.place(leg.origin, None, leg.start),
            "to": self.place(leg.destination, leg.end, None),
            "legGeometry": {"points": polyline.encode(leg.coords.tolist()),
                            "length": int(len(leg.coords))},
        }
        if leg.ride is not None:  # on-demand: bookable, with its promised windows
            out["bookingInfo"] = self.booking_info(leg, leg.ride)
            if self.names is not None:  # where exactly to wait
                out["pickupPlace"] = self.named(leg.origin).to_json()
        if leg.trip is not None:
            out.update(self.trip(leg))
        return out

    def named(self, p: Place) -> Any:
        assert self.names is not None
        stop = str(self.tt.stop_name[p.stop]) if p.stop is not None else None
        return self.names.name(p.lat, p.lon, stop)

    def window_ms(self, lo: float, hi: float) -> dict[str, int | None]:
        """A promised window in epoch ms, in whole seconds as the legs' times are; an
        unbounded end is null."""
        return {"start": self.ms(math.floor(lo)),
                "end": self.ms(math.floor(hi)) if bounded(hi) else None}

    def booking_info(self, leg: PlanLeg, r: RideOffer) -> dict[str, Any]:
        """What a rider needs to book the ride: the body of ``POST /api/v1/bookings``'s
        itinerary leg (origin, destination, windows), the area's booking terms and one
        adult's fare."""
        out: dict[str, Any] = {
            "bookable": True, "area": r.area, "vehicle": r.vehicle,
            "origin": {"lat": leg.origin.lat, "lon": leg.origin.lon},
            "destination": {"lat": leg.destination.lat, "lon": leg.destination.lon},
            "pickupWindow": self.window_ms(*r.pickup_window),
            "dropOffWindow": self.window_ms(*r.dropoff_window),
            "howToBook": HOW_TO_BOOK,
        }
        if r.terms is not None:
            out.update(message=r.terms.message, phone=r.terms.phone,
                       noticeMin=r.terms.notice_min_s / 60)
        if r.fare_cents is not None:  # one adult's; a quote prices reduced fares
            out["fare"] = {"amount": r.fare_cents / 100, "currency": r.fare_currency}
        return out

    def trip(self, leg: PlanLeg) -> dict[str, Any]:
        """A scheduled leg's route, trip and the stops passed on the way."""
        assert leg.trip is not None
        assert leg.board_index is not None and leg.alight_index is not None
        tt, k = self.tt, leg.trip
        p = tt.trip_pattern[k]
        r = tt.pattern_route[p]
        a = tt.stop_time_offset[k]
        seq = tt.pattern_stops[tt.pattern_stop_offset[p]:tt.pattern_stop_offset[p + 1]]
        agency = str(tt.route_agency[r])
        stops = []
        for j, s in enumerate(seq):
            if leg.board_index < j < leg.alight_index:
                stop = Place(str(tt.stop_name[s]), float(tt.stop_lat[s]), float(tt.stop_lon[s]),
                             int(s))
                stops.append(self.place(stop, int(tt.arrival[a + j]) + leg.day_shift,
                                        int(tt.departure[a + j]) + leg.day_shift))
        day = self.date + dt.timedelta(seconds=leg.day_shift)
        return {
            "routeId": str(tt.route_id[r]),
            "routeShortName": str(tt.route_short_name[r]),
            "routeLongName": str(tt.route_long_name[r]),
            "routeType": int(tt.route_type[r]),
            "agencyName": self.agencies.get(agency, str(tt.agency_name[0])
                                            if len(tt.agency_name) else ""),
            "tripId": str(tt.trip_id[k]),
            "headsign": str(tt.trip_headsign[k]),
            "serviceDate": day.strftime("%Y%m%d"),
            "intermediateStops": stops,
            "from": {**self.place(leg.origin, None, leg.start), "stopIndex": leg.board_index},
            "to": {**self.place(leg.destination, leg.end, None), "stopIndex": leg.alight_index},
        }
