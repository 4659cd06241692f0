"""OJPTripRequest: trips by the product's own journey planner (the one behind
``GET /api/v1/plan``), written the OJP way (:mod:`api.ojp.trip_out`).

The request is read by :mod:`api.ojp.trip_query`; the planner answers it as it answers the
JSON plan (same endpoints, moment, transfers and wheelchair flag, and by default the same
number of options), so both interfaces offer the same itineraries. Mode filters then drop
the itineraries using an excluded mode (or a mode not among those kept); the planner is not
asked again for others.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree.ElementTree import Element

from api.deps import Planner
from api.ojp.context import OjpContext
from api.ojp.envelope import OjpProblemError
from api.ojp.trip_out import TripWriter, leg_mode
from api.ojp.trip_query import BEFORE_WINDOW_S, TRIP, ModeFilter, TripQuery, read_trip_request
from routing.errors import MobilityError, OutOfRegionError, ServiceDateError
from routing.planner import Itinerary, PlanResult
from routing.timetable import Timetable


def answer(request: Element, ctx: OjpContext) -> Sequence[Element]:
    """The ``TripResult`` elements of the delivery for ``request``.

    Raises
    ------
    OjpProblemError
        For a request the planner cannot serve (``TripProblemType`` codes), and
        ``TRIP_NOTRIPFOUND`` (saying why, as the JSON plan's messages do) when no
        itinerary is left.
    """
    planner = ctx.planner
    q = read_trip_request(request, planner, ctx.now)
    result = plan(planner, q)
    tt = planner.timetable
    its = [it for it in result.itineraries if allowed(tt, it, q.filters)]
    if not its:
        why = "; ".join(result.messages[:3] + [n.message for n in result.notes[:3]])
        filtered = " (all itineraries found use a mode the request excludes)" \
            if result.itineraries else ""
        raise OjpProblemError(TRIP, "TRIP_NOTRIPFOUND",
                              f"no trip found{filtered}" + (f": {why}" if why else ""))
    writer = TripWriter(tt, q.date, planner.tz, ctx.booking_rules, planner.names, ctx.language,
                        q.names, intermediate_stops=q.intermediate_stops,
                        projection=q.projection, track_sections=q.track_sections,
                        fare=q.fare)
    return writer.results(its)


def plan(planner: Planner, q: TripQuery) -> PlanResult:
    """The planner's answer to ``q``: its itineraries on the asked time's side, then (when
    asked) those on the other side, or the two parts of a trip through a via stop."""
    try:
        if q.via is not None:
            return _via(planner, q, q.via)
        main = _plan(planner, q, q.origin, q.destination, q.time_s, q.results, q.window_s) \
            if q.results else PlanResult([])
        if not q.other_side:
            return main
        other = _other_side(planner, q)
        seen = {(it.key(), it.start) for it in main.itineraries}
        extra = [it for it in other if (it.key(), it.start) not in seen]
        its = extra + main.itineraries if not q.arrive_by else main.itineraries + extra
        return PlanResult(its, main.messages, main.notes, main.next)
    except ServiceDateError as e:
        raise OjpProblemError(TRIP, "TRIP_DATEOUTOFRANGE", str(e)) from None
    except OutOfRegionError as e:
        raise OjpProblemError(TRIP, "TRIP_OTHER", str(e)) from None
    except MobilityError as e:
        raise OjpProblemError(TRIP, "TRIP_OTHER", str(e)) from None


def _plan(planner: Planner, q: TripQuery, a: object, b: object, time_s: int, n: int,
          window_s: int | None, arrive_by: bool | None = None) -> PlanResult:
    return planner.plan(a, b, q.date, time_s,  # type: ignore[arg-type]
                        arrive_by=q.arrive_by if arrive_by is None else arrive_by,
                        wheelchair=q.wheelchair, max_transfers=q.max_transfers,
                        num_itineraries=max(1, n), window_s=window_s)


def _other_side(planner: Planner, q: TripQuery) -> list[Itinerary]:
    """``NumberOfResultsBefore`` a departure time (``After`` an arrival time): a range
    query over the window before it (after it), the ones nearest the time."""
    w = q.window_s or BEFORE_WINDOW_S
    if not q.arrive_by:
        start = max(0, q.time_s - w)
        res = _plan(planner, q, q.origin, q.destination, start, q.other_side, q.time_s - start)
        near = sorted((it for it in res.itineraries if it.start < q.time_s),
                      key=lambda it: it.start)
        return near[-q.other_side:] if near else []
    res = _plan(planner, q, q.origin, q.destination, q.time_s + w, q.other_side, w)
    near = sorted((it for it in res.itineraries if it.end > q.time_s), key=lambda it: it.end)
    return near[:q.other_side]


def _via(planner: Planner, q: TripQuery, via: int) -> PlanResult:
    """Through a via stop: the first parts to it, each continued by the best second part
    from it (arrive-by: the second parts from it, each reached by the best first part)."""
    if q.arrive_by:
        from_via = _plan(planner, q, via, q.destination, q.time_s, q.results, None)
        its = []
        for it in from_via.itineraries:
            first = _plan(planner, q, q.origin, via, it.start, 1, None).itineraries
            if first:
                its.append(Itinerary(first[0].legs + it.legs))
        return PlanResult(its, from_via.messages, from_via.notes)
    to_via = _plan(planner, q, q.origin, via, q.time_s, q.results, None)
    its = []
    for it in to_via.itineraries:
        onward = _plan(planner, q, via, q.destination, it.end, 1, None).itineraries
        if onward:
            its.append(Itinerary(it.legs + onward[0].legs))
    return PlanResult(its, to_via.messages, to_via.notes)


def allowed(tt: Timetable, it: Itinerary, filters: Sequence[ModeFilter]) -> bool:
    """Whether an itinerary passes the request's mode filters: no vehicle leg of an
    excluded mode, every vehicle leg of a kept mode (when filters name modes to keep), and
    no walk-only trip when ``foot`` is excluded (walks to and from vehicles always stay)."""
    if not filters:
        return True
    modes = [m for m in (leg_mode(tt, leg) for leg in it.legs) if m is not None]
    if not modes:
        return not any(f.exclude and "foot" in f.personal for f in filters)
    keep = [f for f in filters if not f.exclude and f.about_pt]
    for m in modes:
        if any(f.exclude and f.matches(m) for f in filters):
            return False
        if keep and not any(f.matches(m) for f in keep):
            return False
    return True

