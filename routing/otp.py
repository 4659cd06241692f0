"""Itineraries in the shape of OpenTripPlanner's plan response (times in epoch ms)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from routing import polyline
from routing.planner import Itinerary, Place, PlanLeg
from routing.timebase import service_day_epoch
from routing.timetable import Timetable


def _place(p: Place, tt: Timetable, arrival: int | None, departure: int | None,
           base: int) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "lat": round(p.lat, 6), "lon": round(p.lon, 6),
                           "vertexType": "TRANSIT" if p.stop is not None else "NORMAL"}
    if p.stop is not None:
        out["stopId"] = str(tt.stop_id[p.stop])
    if arrival is not None:
        out["arrival"] = (base + arrival) * 1000
    if departure is not None:
        out["departure"] = (base + departure) * 1000
    return out


def _leg(leg: PlanLeg, tt: Timetable, base: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "mode": leg.mode,
        "startTime": (base + leg.start) * 1000,
        "endTime": (base + leg.end) * 1000,
        "duration": leg.end - leg.start,
        "distance": round(leg.distance_m, 1),
        "transitLeg": leg.trip is not None,
        "from": _place(leg.origin, tt, None, leg.start, base),
        "to": _place(leg.destination, tt, leg.end, None, base),
        "legGeometry": {"points": polyline.encode(leg.coords.tolist()),
                        "length": int(len(leg.coords))},
    }
    if leg.ride is not None:  # on-demand: bookable, with its promised windows
        r = leg.ride
        out["transitLeg"] = True
        out["bookingInfo"] = {
            **r.booking, "area": r.area,
            "pickupWindow": {"start": (base + int(r.pickup_window[0])) * 1000,
                             "end": (base + int(r.pickup_window[1])) * 1000},
            "dropOffWindow": {"start": (base + int(r.dropoff_window[0])) * 1000,
                              "end": (base + int(r.dropoff_window[1])) * 1000}}
    if leg.trip is not None:
        assert leg.board_index is not None and leg.alight_index is not None
        k = leg.trip
        p = tt.trip_pattern[k]
        r = tt.pattern_route[p]
        a = tt.stop_time_offset[k]
        seq = tt.pattern_stops[tt.pattern_stop_offset[p]:tt.pattern_stop_offset[p + 1]]
        agency = str(tt.route_agency[r])
        names = dict(zip(tt.agency_id.tolist(), tt.agency_name.tolist(), strict=True))
        out.update({
            "routeId": str(tt.route_id[r]),
            "routeShortName": str(tt.route_short_name[r]),
            "routeLongName": str(tt.route_long_name[r]),
            "routeType": int(tt.route_type[r]),
            "agencyName": names.get(agency, str(tt.agency_name[0]) if len(tt.agency_name)
                                    else ""),
            "tripId": str(tt.trip_id[k]),
            "headsign": str(tt.trip_headsign[k]),
            "serviceDate": None,
            "intermediateStops": [
                _place(Place(str(tt.stop_name[s]), float(tt.stop_lat[s]),
                             float(tt.stop_lon[s]), int(s)), tt,
                       int(tt.arrival[a + j]) + leg.day_shift,
                       int(tt.departure[a + j]) + leg.day_shift, base)
                for j, s in enumerate(seq) if leg.board_index < j < leg.alight_index],
        })
        out["from"]["departure"] = (base + leg.start) * 1000
        out["to"]["arrival"] = (base + leg.end) * 1000
        out["from"]["stopIndex"] = leg.board_index  # position within the trip
        out["to"]["stopIndex"] = leg.alight_index
    return out


def itinerary_to_otp(it: Itinerary, tt: Timetable, date: dt.date, timezone: str
                     ) -> dict[str, Any]:
    """One itinerary as OTP's plan response shapes it."""
    base = service_day_epoch(date, ZoneInfo(timezone))
    legs = [_leg(leg, tt, base) for leg in it.legs]
    for raw, leg in zip(it.legs, legs, strict=True):
        if raw.trip is not None:
            day = date + dt.timedelta(seconds=raw.day_shift)
            leg["serviceDate"] = day.strftime("%Y%m%d")
    walk = sum(leg.end - leg.start for leg in it.legs if leg.mode == "WALK")
    transit = sum(leg.end - leg.start for leg in it.legs if leg.mode != "WALK")
    duration = it.end - it.start
    return {
        "duration": duration,
        "startTime": (base + it.start) * 1000,
        "endTime": (base + it.end) * 1000,
        "walkTime": walk,
        "transitTime": transit,
        "waitingTime": duration - walk - transit,
        "walkDistance": round(sum(leg.distance_m for leg in it.legs if leg.mode == "WALK"), 1),
        "transfers": it.transfers,
        "legs": legs,
    }
