"""OJPStopEventRequest: departures and arrivals at a stop from the region's timetable.

The stop is ``Location/PlaceRef`` (a GTFS ``stop_id``, or a ``GeoPosition``: the nearest
stop within :data:`NEAREST_MAX_M`); with a station, its platforms too (unless
``IncludeStopHierarchy`` is ``no``). The events start at ``Location/DepArrTime`` (default:
now; without a time zone the region's), on the service days that run then (yesterday's
trips past midnight included), and reach ``Params/TimeWindow`` ahead (at most a day; default
a day) with at most ``NumberOfResults`` (default 10, at most 100). ``StopEventType``:
``departure`` (default; where one may board, not at a trip's last stop), ``arrival`` (where
one may alight, not at its first) or ``both`` (every call, by its departure, else its
arrival). ``ModeFilter`` and ``LineFilter`` (GTFS ``route_id`` as ``siri:LineRef``) keep or
drop services. ``IncludePreviousCalls``/``IncludeOnwardCalls`` add the trip's other calls.
Times are the timetable's (``TimetabledTime``, UTC; interpolated at stops that are no
timepoints); there are no realtime data for the timetable.

Everything is computed from the compiled timetable's arrays (the stop's pattern positions
are indexed once per timetable)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import numpy as np

from api.ojp.context import OjpContext
from api.ojp.envelope import OjpProblemError
from api.ojp.place_out import add_mode, pt_mode
from api.ojp.places import read_place_ref
from api.ojp.stops import nearest
from api.ojp.xml import NS, add, add_text, o, s, timestamp
from routing.timetable import PICKUP_NONE, Timetable

STOP_EVENT = "StopEventProblemType"
#: results per request: by default, and at most
DEFAULT_RESULTS, MAX_RESULTS = 10, 100
#: the longest time window (and the window without one)
MAX_WINDOW = dt.timedelta(days=1)
#: a position finds the nearest stop up to this far
NEAREST_MAX_M = 2000.0
#: pickup/drop-off types a rider arranges (phone the agency, tell the driver): request stops
_ON_REQUEST = (2, 3)
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def answer(request: Element, ctx: OjpContext) -> Sequence[Element]:
    """The ``StopEventResult``\\ s for ``request`` (the elements after ``CalcTime``).

    Raises
    ------
    OjpProblemError
        ``STOPEVENT_LOCATIONUNKNOWN`` (no such stop, no place given),
        ``STOPEVENT_LOCATIONUNSERVED`` (no stop near the position),
        ``STOPEVENT_DATEOUTOFRANGE`` (a day outside the feed's calendar),
        ``STOPEVENT_NOEVENTFOUND`` (nothing in the window), ``STOPEVENT_OTHER`` (input out of
        range: a time, a duration, a count).
    """
    tt = ctx.planner.timetable
    loc = request.find("ojp:Location", NS)
    if loc is None:
        raise OjpProblemError(STOP_EVENT, "STOPEVENT_LOCATIONUNKNOWN", "Location is missing")
    params = _Params.read(request.find("ojp:Params", NS))
    place = read_place_ref(loc.find("ojp:PlaceRef", NS), "Location/PlaceRef", STOP_EVENT,
                           "STOPEVENT_LOCATIONUNKNOWN")
    if place.stop_id is not None:
        stop = ctx.planner.stop_index(place.stop_id)
        if stop is None:
            raise OjpProblemError(STOP_EVENT, "STOPEVENT_LOCATIONUNKNOWN",
                                  f"no stop with id {place.stop_id[:100]!r} (stops are "
                                  "referred to by their GTFS stop_id)")
    else:
        assert place.point is not None
        found = nearest(tt, place.point[0], place.point[1], 1)
        if not found or found[0][1] > NEAREST_MAX_M:
            raise OjpProblemError(STOP_EVENT, "STOPEVENT_LOCATIONUNSERVED",
                                  f"no stop within {NEAREST_MAX_M:.0f} m of the position")
        stop = found[0][0]
    start = _moment(loc.findtext("ojp:DepArrTime", None, NS), ctx)
    stops = [stop]
    if params.hierarchy != "no":
        stops += np.flatnonzero(tt.stop_parent == stop).tolist()
    events = find_events(tt, stops, start, start + params.window, params, ctx)
    if not events:
        raise OjpProblemError(STOP_EVENT, "STOPEVENT_NOEVENTFOUND", "no "
                              f"{'departure or arrival' if params.kind == 'both' else params.kind}"
                              f" at {tt.stop_name[stop]} from {start.isoformat()} within "
                              f"{params.window}")
    return [_result(k, e, tt, params, ctx) for k, e in enumerate(events[:params.limit], 1)]


@dataclass(frozen=True)
class Event:
    """A trip's call at a stop on a service day: ``at`` is the time it is listed by."""

    at: dt.datetime
    trip: int
    pos: int  #: index of the call in the trip (0: its first stop)
    service_date: dt.date  #: the operating day (the feed's replayed day may differ)
    base: dt.datetime  #: the service day's midnight (noon minus 12 h), aware


@dataclass(frozen=True)
class _Params:
    kind: str = "departure"
    limit: int = DEFAULT_RESULTS
    window: dt.timedelta = MAX_WINDOW
    previous: bool = False
    onward: bool = False
    hierarchy: str = "local"
    modes: tuple[bool, frozenset[str]] | None = None  #: (exclude, PtModes)
    lines: tuple[bool, frozenset[str]] | None = None  #: (exclude, route_ids)

    @classmethod
    def read(cls, el: Element | None) -> _Params:
        if el is None:
            return cls()
        kind = (el.findtext("ojp:StopEventType", "departure", NS) or "").strip()
        if kind not in ("departure", "arrival", "both"):
            raise OjpProblemError(STOP_EVENT, "STOPEVENT_OTHER", "Params/StopEventType must "
                                  "be departure, arrival or both")
        limit = DEFAULT_RESULTS
        n = el.findtext("ojp:NumberOfResults", None, NS)
        if n is not None:
            try:
                limit = int(n.strip())
            except ValueError:
                limit = 0
            if limit < 1:
                raise OjpProblemError(STOP_EVENT, "STOPEVENT_OTHER", "Params/NumberOfResults "
                                      "must be a positive integer")
        window = MAX_WINDOW
        w = el.findtext("ojp:TimeWindow", None, NS)
        if w is not None:
            window = min(_duration(w.strip(), "Params/TimeWindow"), MAX_WINDOW)
        return cls(kind, min(limit, MAX_RESULTS), window,
                   _flag(el.findtext("ojp:IncludePreviousCalls", None, NS)),
                   _flag(el.findtext("ojp:IncludeOnwardCalls", None, NS)),
                   (el.findtext("ojp:IncludeStopHierarchy", "local", NS) or "").strip(),
                   _filter(el.find("ojp:ModeFilter", NS), "ojp:PtMode"),
                   _filter(el.find("ojp:LineFilter", NS), "ojp:Line/siri:LineRef"))


def find_events(tt: Timetable, stops: Sequence[int], start: dt.datetime, end: dt.datetime,
                params: _Params, ctx: OjpContext) -> list[Event]:
    """The calls at ``stops`` listed from ``start`` (inclusive) to ``end`` (exclusive), by
    time then trip id, of the trips running on the service days around them.

    Raises
    ------
    OjpProblemError
        ``STOPEVENT_DATEOUTOFRANGE`` when the start's day is outside the feed's calendar
        (and the feed is not replayed).
    """
    first_day = start.astimezone(ctx.tz).date()
    last_day = end.astimezone(ctx.tz).date()
    span = tt.service_dates()
    table = ctx.table_date or (lambda d: d)
    if span is None or (table(first_day) == first_day
                        and not span[0] <= first_day <= span[1]):
        first, last = span if span else ("-", "-")
        raise OjpProblemError(STOP_EVENT, "STOPEVENT_DATEOUTOFRANGE",
                              f"{first_day} is outside the timetable's service dates "
                              f"({first} … {last})")
    route_ok = _route_mask(tt, params)
    kind = params.kind
    t0, t1 = start.timestamp(), end.timestamp()
    out: list[Event] = []
    day = first_day - dt.timedelta(days=1)  # yesterday's trips running past midnight
    while day <= last_day:
        base = service_midnight(day, ctx.tz)
        b = base.timestamp()
        active = tt.active_trips(table(day))
        for st in stops:
            for pattern, j, n in _positions(tt, st):
                if not route_ok[tt.pattern_route[pattern]]:
                    continue
                trips = np.arange(tt.pattern_trip_offset[pattern],
                                  tt.pattern_trip_offset[pattern + 1])
                trips = trips[active[trips]]
                if not len(trips):
                    continue
                idx = tt.stop_time_offset[trips] + j
                board = (tt.pickup_type[idx] != PICKUP_NONE) & (j < n - 1)
                alight = (tt.drop_off_type[idx] != PICKUP_NONE) & (j > 0)
                if kind == "departure":
                    ok, at = board, tt.departure[idx]
                elif kind == "arrival":
                    ok, at = alight, tt.arrival[idx]
                else:
                    ok = board | alight
                    at = np.where(board, tt.departure[idx], tt.arrival[idx])
                when = b + at.astype(np.float64)
                keep = ok & (when >= t0) & (when < t1)
                for trip, w in zip(trips[keep].tolist(), when[keep].tolist(), strict=True):
                    out.append(Event(dt.datetime.fromtimestamp(w, dt.UTC), int(trip), j,
                                     day, base))
        day += dt.timedelta(days=1)
    out.sort(key=lambda e: (e.at, str(tt.trip_id[e.trip]), e.service_date))
    return out


def service_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The moment GTFS times of ``day`` count from: noon minus 12 hours (midnight, but for
    the days the clocks change)."""
    noon = dt.datetime.combine(day, dt.time(12), tz)
    return (noon.astimezone(dt.UTC) - dt.timedelta(hours=12))


# -- the stop's pattern positions, indexed once per timetable ----------------------------
_lock = threading.Lock()
_index: weakref.WeakKeyDictionary[Timetable, tuple[np.ndarray, np.ndarray]] = (
    weakref.WeakKeyDictionary())


def _positions(tt: Timetable, stop: int) -> list[tuple[int, int, int]]:
    """(pattern, index in the pattern, pattern length) of each call of a pattern at
    ``stop``."""
    with _lock:
        ix = _index.get(tt)
        if ix is None:
            order = np.argsort(tt.pattern_stops, kind="stable")
            starts = np.searchsorted(tt.pattern_stops[order], np.arange(tt.n_stops + 1))
            ix = _index[tt] = (order, starts)
    order, starts = ix
    pos = order[starts[stop]:starts[stop + 1]]
    pattern = np.searchsorted(tt.pattern_stop_offset, pos, side="right") - 1
    j = pos - tt.pattern_stop_offset[pattern]
    n = np.diff(tt.pattern_stop_offset)[pattern]
    return list(zip(pattern.tolist(), j.tolist(), n.tolist(), strict=True))


def _route_mask(tt: Timetable, params: _Params) -> np.ndarray:
    ok = np.ones(tt.n_routes, bool)
    if params.modes is not None:
        exclude, modes = params.modes
        hit = np.array([pt_mode(int(t))[0] in modes for t in tt.route_type.tolist()], bool)
        ok &= ~hit if exclude else hit
    if params.lines is not None:
        exclude, lines = params.lines
        hit = np.isin(tt.route_id.astype(str), list(lines))
        ok &= ~hit if exclude else hit
    return ok


# -- writing -------------------------------------------------------------------------------
def _result(k: int, e: Event, tt: Timetable, params: _Params, ctx: OjpContext) -> Element:
    r = Element(o("StopEventResult"))
    add(r, o("Id"), f"{k}")
    ev = add(r, o("StopEvent"))
    a, b = int(tt.stop_time_offset[e.trip]), int(tt.stop_time_offset[e.trip + 1])
    pattern = int(tt.trip_pattern[e.trip])
    stops = tt.pattern_stops[tt.pattern_stop_offset[pattern]:
                             tt.pattern_stop_offset[pattern + 1]]
    calls = range(b - a)
    if params.previous:
        for c in calls[:e.pos]:
            _call(add(ev, o("PreviousCall")), tt, a, c, int(stops[c]), e, ctx)
    _call(add(ev, o("ThisCall")), tt, a, e.pos, int(stops[e.pos]), e, ctx)
    if params.onward:
        for c in calls[e.pos + 1:]:
            _call(add(ev, o("OnwardCall")), tt, a, c, int(stops[c]), e, ctx)
    _service(add(ev, o("Service")), tt, e, int(stops[0]), int(stops[-1]), ctx)
    return r


def _call(parent: Element, tt: Timetable, first: int, c: int, stop: int, e: Event,
          ctx: OjpContext) -> None:
    """``CallAtStop`` of the trip's ``c``-th call (at ``stop``)."""
    i = first + c
    n = int(tt.stop_time_offset[e.trip + 1]) - first
    at = add(parent, o("CallAtStop"))
    add(at, s("StopPointRef"), str(tt.stop_id[stop]))
    add_text(at, o("StopPointName"), str(tt.stop_name[stop]), ctx.language)
    if c > 0:
        add(add(at, o("ServiceArrival")), o("TimetabledTime"),
            timestamp(e.base + dt.timedelta(seconds=int(tt.arrival[i]))))
    if c < n - 1:
        add(add(at, o("ServiceDeparture")), o("TimetabledTime"),
            timestamp(e.base + dt.timedelta(seconds=int(tt.departure[i]))))
    add(at, o("Order"), c + 1)
    pick, drop = int(tt.pickup_type[i]), int(tt.drop_off_type[i])
    if pick in _ON_REQUEST or drop in _ON_REQUEST:
        add(at, o("RequestStop"), "true")
    if pick == PICKUP_NONE:
        add(at, o("NoBoardingAtStop"), "true")
    if drop == PICKUP_NONE:
        add(at, o("NoAlightingAtStop"), "true")


def _service(sv: Element, tt: Timetable, e: Event, origin: int, destination: int,
             ctx: OjpContext) -> None:
    """The ``Service`` (a dated journey) of the event's trip."""
    route = int(tt.pattern_route[tt.trip_pattern[e.trip]])
    short, long = str(tt.route_short_name[route]), str(tt.route_long_name[route])
    add(sv, o("OperatingDayRef"), e.service_date.isoformat())
    add(sv, o("JourneyRef"), str(tt.trip_id[e.trip]))
    if short:
        add(sv, o("PublicCode"), short)
    add(sv, s("LineRef"), str(tt.route_id[route]))
    add_mode(sv, pt_mode(int(tt.route_type[route])), ctx.language)
    add_text(sv, o("PublishedServiceName"), short or long or str(tt.route_id[route]),
             ctx.language)
    agency = str(tt.route_agency[route])
    if agency:
        add(add(sv, o("OperatorRefs")), o("OperatorRef"), agency)
    if short and long:
        add_text(sv, o("RouteDescription"), long, ctx.language)
    add(sv, o("OriginStopPointRef"), str(tt.stop_id[origin]))
    add_text(sv, o("OriginText"), str(tt.stop_name[origin]), ctx.language)
    add(sv, o("DestinationStopPointRef"), str(tt.stop_id[destination]))
    headsign = str(tt.trip_headsign[e.trip])
    add_text(sv, o("DestinationText"), headsign or str(tt.stop_name[destination]),
             ctx.language)


# -- reading -------------------------------------------------------------------------------
def _moment(text: str | None, ctx: OjpContext) -> dt.datetime:
    """``DepArrTime`` as an aware moment (no zone: the region's); absent: now."""
    if text is None or not text.strip():
        return ctx.now
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise OjpProblemError(STOP_EVENT, "STOPEVENT_OTHER", "Location/DepArrTime must be an "
                              "xs:dateTime (2016-03-03T07:30:00Z)") from None
    return t if t.tzinfo is not None else t.replace(tzinfo=ctx.tz)


def _duration(text: str, where: str) -> dt.timedelta:
    """An xs:duration of days, hours, minutes and seconds (``PT2H``, ``P1DT30M``)."""
    m = _DURATION.fullmatch(text)
    if not text or text == "P" or m is None:
        raise OjpProblemError(STOP_EVENT, "STOPEVENT_OTHER", f"{where} must be an xs:duration "
                              "in days, hours, minutes or seconds (PT2H)")
    d, h, mi, sec = (float(x) if x else 0.0 for x in m.groups())
    try:
        out = dt.timedelta(days=d, hours=h, minutes=mi, seconds=sec)
    except OverflowError:
        return MAX_WINDOW
    if out <= dt.timedelta(0):
        raise OjpProblemError(STOP_EVENT, "STOPEVENT_OTHER", f"{where} must be positive")
    return out


def _flag(text: str | None, default: bool = False) -> bool:
    return default if text is None else text.strip() in ("true", "1")


def _filter(el: Element | None, path: str) -> tuple[bool, frozenset[str]] | None:
    """(exclude, values) of a ``ModeFilter``/``LineFilter``; None without values."""
    if el is None:
        return None
    values = frozenset((x.text or "").strip() for x in el.findall(path, NS))
    if not values:
        return None
    return _flag(el.findtext("ojp:Exclude", None, NS), default=True), values
