"""Reading an ``OJPTripRequest``: its origin and destination, the moment (departure at the
origin or arrival at the destination) and the parameters the planner serves, each problem
as the schema's ``TripProblemType`` code naming the element to fix.

What is read: ``Origin``/``Destination`` (a stop by its GTFS ``stop_id`` or a WGS84
position; the first of several), ``DepArrTime`` (ISO date-time; without an offset it is
the region's local time, as for ``GET /api/v1/plan``; none: the service clock's now), one
stop ``Via``; ``Params``: ``NumberOfResults`` (or ``NumberOfResultsBefore``/``After``),
``TimeWindow``, ``TransferLimit``, ``ModeAndModeOfOperationFilter``, the step-free
parameters (``NoSingleStep``, ``NoStairs``, ``LevelEntrance``,
``LevelEntranceOrBoardingAid``: a wheelchair plan), ``IncludeIntermediateStops``,
``IncludeLegProjection``, ``IncludeTrackSections``, ``IncludeFare`` (on-demand legs). Other
parameters are accepted and have
no effect (``UseRealtimeData``: the planner's times are the timetable's, a ride's times its
quote on the live plans).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from api.deps import Planner
from api.ojp.envelope import OjpProblemError
from api.ojp.places import read_place_ref
from api.ojp.xml import NS
from api.plan_query import parse_time
from routing.errors import InputError, OutOfRegionError
from routing.planner import MAX_RANGE_ITINERARIES, Endpoint
from routing.timebase import day_seconds

TRIP = "TripProblemType"
#: the planner's default number of scheduled options (``GET /api/v1/plan`` asks for as many)
DEFAULT_RESULTS = 3
#: the most results a request gets (the planner's range queries stop there too)
MAX_RESULTS = MAX_RANGE_ITINERARIES
#: the longest TimeWindow (the planner's range query)
MAX_WINDOW_S = 6 * 3600
#: the planner's most transfers; a larger TransferLimit asks for no limit
MAX_TRANSFERS = 10
#: the window searched for NumberOfResultsBefore (and arrive-by After) without a TimeWindow
BEFORE_WINDOW_S = 2 * 3600
_STEP_FREE = ("NoSingleStep", "NoStairs", "LevelEntrance", "LevelEntranceOrBoardingAid")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


@dataclass(frozen=True)
class ModeFilter:
    """One ``ModeAndModeOfOperationFilter``: public transport modes, submodes (any
    ``siri:*Submode``), conventional modes of operation and personal modes, to exclude
    (``exclude``, the schema's default) or to keep only."""

    exclude: bool
    pt_modes: frozenset[str]
    submodes: frozenset[str]
    operations: frozenset[str]
    personal: frozenset[str]

    @property
    def about_pt(self) -> bool:
        return bool(self.pt_modes or self.submodes or self.operations)

    def matches(self, mode: tuple[str, str | None, str]) -> bool:
        """Whether a public-transport leg of ``(PtMode, submode, mode of operation)`` is
        one this filter names (every list it gives holds the leg's value)."""
        pt, sub, op = mode
        return self.about_pt and (not self.pt_modes or pt in self.pt_modes) and \
            (not self.submodes or sub in self.submodes) and \
            (not self.operations or op in self.operations)


@dataclass(frozen=True)
class TripQuery:
    """A trip request as the planner takes it (endpoints as for ``GET /api/v1/plan``: a
    stop index or a (lat, lon) point) and what the answer should hold."""

    origin: Endpoint
    destination: Endpoint
    date: dt.date
    time_s: int
    arrive_by: bool = False
    results: int = DEFAULT_RESULTS  #: on the asked time's side (after a departure time)
    other_side: int = 0  #: before a departure time (after an arrival time)
    window_s: int | None = None
    max_transfers: int = 8
    wheelchair: bool = False
    filters: tuple[ModeFilter, ...] = ()
    via: int | None = None
    names: tuple[str | None, str | None] = (None, None)
    intermediate_stops: bool = False
    projection: bool = False
    track_sections: bool = False
    #: ``IncludeFare``: each on-demand leg's fare as a ``TripFare``
    fare: bool = False


def read_trip_request(el: Element, planner: Planner, now: dt.datetime) -> TripQuery:
    """The query of an ``OJPTripRequest`` element.

    Raises
    ------
    OjpProblemError
        (``TripProblemType``) naming the element at fault: an unknown or outside place
        (``TRIP_ORIGINUNKNOWN``, ``TRIP_DESTINATIONUNKNOWN``, ``TRIP_VIAUNKNOWN``), a time
        that is not one (``TRIP_DATETIMEERROR``), departure after arrival, a time window
        too large, equal ends, or a parameter out of its range (``TRIP_OTHER``).
    """
    o_el = el.find("ojp:Origin", NS)
    d_el = el.find("ojp:Destination", NS)
    if o_el is None:
        raise OjpProblemError(TRIP, "TRIP_NOORIGIN", "the request has no Origin")
    if d_el is None:
        raise OjpProblemError(TRIP, "TRIP_NODESTINATION", "the request has no Destination")
    origin, o_name = _endpoint(o_el.find("ojp:PlaceRef", NS), planner, "Origin",
                               "TRIP_ORIGINUNKNOWN")
    destination, d_name = _endpoint(d_el.find("ojp:PlaceRef", NS), planner, "Destination",
                                    "TRIP_DESTINATIONUNKNOWN")
    if origin == destination:
        raise OjpProblemError(TRIP, "TRIP_ORIGINDESTINATIONIDENTICAL",
                              "Origin and Destination are the same place")
    dep = _moment(o_el, planner, "Origin")
    arr = _moment(d_el, planner, "Destination")
    if dep is not None and arr is not None and arr < dep:
        raise OjpProblemError(TRIP, "TRIP_DEPARTUREAFTERARRIVAL",
                              "Origin/DepArrTime is after Destination/DepArrTime")
    arrive_by = dep is None and arr is not None
    moment = dep or arr
    if moment is None:  # no time given: now, by the service's clock
        date, secs = day_seconds(now, planner.tz)
        moment = (date, int(secs))
    via = None
    v_el = el.find("ojp:Via/ojp:ViaPoint", NS)
    if v_el is not None:
        via_end, _ = _endpoint(v_el, planner, "Via/ViaPoint", "TRIP_VIAUNKNOWN")
        if not isinstance(via_end, int):
            raise OjpProblemError("OJPGenericProblemType", "OJPGENERIC_FEATURENOTSUPPORTED",
                                  "Via/ViaPoint: only a stop can be a via point here")
        via = via_end
    p = el.find("ojp:Params", NS)
    q = TripQuery(origin, destination, moment[0], moment[1], arrive_by, via=via,
                  names=(o_name, d_name))
    return q if p is None else _params(p, q)


def _endpoint(el: Element | None, planner: Planner, where: str, code: str
              ) -> tuple[Endpoint, str | None]:
    """A place reference as the planner's endpoint, and the name the request gave it."""
    ref = read_place_ref(el, where, TRIP, code)
    if ref.stop_id is not None:
        sid = ref.stop_id.removeprefix("stop:")  # also as GET /api/v1/plan writes it
        stop = planner.stop_index(sid)
        if stop is None:
            raise OjpProblemError(TRIP, code, f"{where}: no stop with the reference "
                                  f"{sid[:80]!r} in region {planner.region_name}")
        return stop, ref.name
    assert ref.point is not None
    try:
        planner.check_point(ref.point)
    except OutOfRegionError as e:
        raise OjpProblemError(TRIP, code, f"{where}: {e}") from None
    return ref.point, ref.name


def _moment(el: Element, planner: Planner, where: str) -> tuple[dt.date, int] | None:
    text = el.findtext("ojp:DepArrTime", None, NS)
    if text is None:
        return None
    if len(text) > 64:
        raise OjpProblemError(TRIP, "TRIP_DATETIMEERROR", f"{where}/DepArrTime: not a date "
                              "and time (longer than 64 characters)")
    try:
        return parse_time(planner, text, f"{where}/DepArrTime")
    except InputError as e:
        raise OjpProblemError(TRIP, "TRIP_DATETIMEERROR", str(e)) from None


def _params(p: Element, q: TripQuery) -> TripQuery:
    results = _int(p, "NumberOfResults", 1)
    before = _int(p, "NumberOfResultsBefore", 0)
    after = _int(p, "NumberOfResultsAfter", 0)
    window = _duration(p, "TimeWindow")
    if window is not None and window > MAX_WINDOW_S:
        raise OjpProblemError(TRIP, "TRIP_TIMEWINDOWTOOLARGE", f"Params/TimeWindow: at most "
                              f"{MAX_WINDOW_S // 3600} hours, not {window / 3600:g}")
    limit = _int(p, "TransferLimit", 0)
    filters = tuple(_mode_filter(f) for f in p.findall("ojp:ModeAndModeOfOperationFilter", NS))
    main, other = DEFAULT_RESULTS if results is None else results, 0
    if before is not None or after is not None:  # the asked time's side first
        b, a = before or 0, after or 0
        main, other = (a, b) if not q.arrive_by else (b, a)
        if not main and not other:
            raise OjpProblemError(TRIP, "TRIP_OTHER", "Params: NumberOfResultsBefore and "
                                  "NumberOfResultsAfter ask for no result")
    if q.via is not None and (other or window is not None):
        raise OjpProblemError("OJPGenericProblemType", "OJPGENERIC_FEATURENOTSUPPORTED",
                              "a Via point is planned for one departure or arrival time: "
                              "without TimeWindow and NumberOfResultsBefore/After")
    return TripQuery(
        q.origin, q.destination, q.date, q.time_s, q.arrive_by,
        results=min(main, MAX_RESULTS), other_side=min(other, MAX_RESULTS), window_s=window,
        max_transfers=8 if limit is None else min(limit, MAX_TRANSFERS),
        wheelchair=any(_bool(p, name) for name in _STEP_FREE),
        filters=filters, via=q.via, names=q.names,
        intermediate_stops=bool(_bool(p, "IncludeIntermediateStops")),
        projection=bool(_bool(p, "IncludeLegProjection")),
        track_sections=bool(_bool(p, "IncludeTrackSections")),
        fare=bool(_bool(p, "IncludeFare")))


def _bad(name: str, what: str, text: str) -> OjpProblemError:
    return OjpProblemError(TRIP, "TRIP_OTHER", f"Params/{name}: {what}, not {text[:40]!r}")


def _int(p: Element, name: str, least: int) -> int | None:
    text = p.findtext(f"ojp:{name}", None, NS)
    if text is None:
        return None
    t = text.strip()
    value = (int(t) if len(t) <= 12 else 10**12) if t.isascii() and t.isdigit() else -1
    if value < least:  # more than 12 digits: more than any limit anyway
        raise _bad(name, f"expected a whole number from {least}", text)
    return value


def _bool(p: Element, name: str) -> bool | None:
    text = p.findtext(f"ojp:{name}", None, NS)
    if text is None:
        return None
    t = text.strip()
    if t not in ("true", "false", "1", "0"):
        raise _bad(name, "expected true or false", text)
    return t in ("true", "1")


def _duration(p: Element, name: str) -> int | None:
    """An xs:duration in whole seconds (years and months are too long for any window)."""
    text = p.findtext(f"ojp:{name}", None, NS)
    if text is None:
        return None
    m = _DURATION.match(text.strip())
    if m is None or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise _bad(name, "expected an xs:duration such as PT60M", text)
    years, months, days, hours, minutes = (int(g or 0) for g in m.groups()[:5])
    if years or months or days > 366:
        return MAX_WINDOW_S + 1
    secs = days * 86400 + hours * 3600 + minutes * 60 + float(m.group(6) or 0)
    if secs < 60:
        raise _bad(name, "expected at least one minute", text)
    return int(secs)


def _mode_filter(f: Element) -> ModeFilter:
    exclude = _bool(f, "Exclude")
    subs = frozenset((e.text or "").strip() for e in f
                     if isinstance(e.tag, str) and e.tag.endswith("Submode"))

    def values(tag: str) -> frozenset[str]:
        return frozenset((e.text or "").strip() for e in f.findall(f"ojp:{tag}", NS))

    return ModeFilter(exclude is not False, values("PtMode"), subs,
                      values("ConventionalModeOfOperation"), values("PersonalMode"))
