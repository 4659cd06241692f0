"""OJPLocationInformationRequest: places by name, by position and by reference.

- ``InitialInput/Name``: the product's place search (:meth:`api.deps.Atlas.search`, as
  ``GET /api/v1/places``): villages and towns, streets, addresses, points of interest and
  stops, in its order (nearer ``Restrictions/GeoPosition`` or ``InitialInput/GeoPosition``
  first among equals); a ``GeoRestriction`` keeps the hits inside it.
- ``InitialInput/GeoPosition`` and/or ``GeoRestriction`` without a name: the stops nearest
  the position (or the restriction's centre) by great-circle distance, inside the
  restriction (circle, rectangle or polygon) when one is given.
- ``PlaceRef``: a stop by its GTFS ``stop_id``, or the stops nearest a ``GeoPosition``.

``Restrictions``: ``Type`` (stop, address — streets and addresses —, poi, topographicPlace —
villages, towns, areas —; ``coord``/``location``: any), ``NumberOfResults`` (default 10, at
most 50), ``IncludePtModes`` (the modes serving each stop, from its routes' GTFS types, and
the demand-responsive bus in an on-demand service area), ``Modes`` (stops served by, or
not only by, these ``PtMode``\\ s). Each result is ``Complete``; its ``Probability`` is 1 for
a whole-name match (case and accents ignored) or the stop asked for, and falls with the
rank (name search) or the distance (positions)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from xml.etree.ElementTree import Element

import numpy as np

from api.ojp.context import OjpContext
from api.ojp.envelope import OjpProblemError
from api.ojp.place_out import add_mode, place_type, pt_mode, search_place
from api.ojp.places import read_place_ref
from api.ojp.stops import haversine_m, modes_at, nearest, route_types, stop_place_of
from api.ojp.xml import NS, add, o
from routing.errors import OutOfRegionError

LOCATION = "LocationProblemType"
#: results per request: by default, and at most
DEFAULT_RESULTS, MAX_RESULTS = 10, 50
#: the longest name searched (as the place search of the API)
MAX_NAME = 100
#: ``Type`` values meaning any kind of place
_ANY = {"coord", "location"}
_TYPES = {"stop", "address", "poi", "topographicPlace", *_ANY}
#: positions: the probability halves every this many metres from the position
_HALF_M = 1000.0


def answer(request: Element, ctx: OjpContext) -> Sequence[Element]:
    """The ``PlaceResult``\\ s for ``request`` (the elements after ``CalcTime``).

    Raises
    ------
    OjpProblemError
        ``LOCATION_NORESULTS`` when nothing matches, ``LOCATION_UNSUPPORTEDTYPE`` for
        ``Type``\\ s that cannot be searched by position (only stops can), ``LOCATION_OTHER``
        for input out of range (a name over 100 characters, a coordinate that is none).
    """
    opts = _Options.read(request.find("ojp:Restrictions", NS))
    ref = request.find("ojp:PlaceRef", NS)
    initial = request.find("ojp:InitialInput", NS)
    if ref is not None:
        place = read_place_ref(ref, "PlaceRef", LOCATION, "LOCATION_OTHER")
        if place.stop_id is not None:
            return _by_stop_id(place.stop_id, opts, ctx)
        assert place.point is not None
        return _by_position(place.point, None, opts, ctx)
    if initial is None:
        raise OjpProblemError(LOCATION, "LOCATION_OTHER",
                              "give InitialInput (a Name or a GeoPosition) or a PlaceRef")
    name = (initial.findtext("ojp:Name", "", NS) or "").strip()
    pos_el = initial.find("ojp:GeoPosition", NS)
    pos = _position(pos_el, "InitialInput/GeoPosition") if pos_el is not None else None
    area = _Restriction.read(initial.find("ojp:GeoRestriction", NS))
    if name:
        return _by_name(name, pos or opts.sort_near, area, opts, ctx)
    if pos is None and area is None:
        raise OjpProblemError(LOCATION, "LOCATION_OTHER", "InitialInput needs a Name, a "
                              "GeoPosition or a GeoRestriction")
    centre = pos or (area.centre if area is not None else None)
    assert centre is not None
    return _by_position(centre, area, opts, ctx)


class _Options:
    """``Restrictions``, read."""

    def __init__(self, types: set[str], limit: int, modes: bool,
                 mode_filter: tuple[bool, set[str]] | None,
                 sort_near: tuple[float, float] | None) -> None:
        self.types, self.limit, self.modes = types, limit, modes
        self.mode_filter, self.sort_near = mode_filter, sort_near

    @classmethod
    def read(cls, el: Element | None) -> _Options:
        if el is None:
            return cls(set(), DEFAULT_RESULTS, False, None, None)
        types = {(t.text or "").strip() for t in el.findall("ojp:Type", NS)}
        unknown = types - _TYPES
        if unknown:
            raise OjpProblemError(LOCATION, "LOCATION_UNSUPPORTEDTYPE",
                                  f"Restrictions/Type {sorted(unknown)[0][:40]!r} is none of "
                                  f"{', '.join(sorted(_TYPES))}")
        if types & _ANY:
            types = set()
        limit = _count(el.findtext("ojp:NumberOfResults", None, NS))
        modes = _flag(el.findtext("ojp:IncludePtModes", None, NS))
        mf = el.find("ojp:Modes", NS)
        mode_filter = None
        if mf is not None:
            pt = {(m.text or "").strip() for m in mf.findall("ojp:PtMode", NS)}
            if pt:
                exclude = _flag(mf.findtext("ojp:Exclude", None, NS), default=True)
                mode_filter = (exclude, pt)
        sort_el = el.find("ojp:GeoPosition", NS)
        sort_near = None
        if sort_el is not None:
            p = _position(sort_el, "Restrictions/GeoPosition")
            sort_near = p if p != (0.0, 0.0) else None  # the examples' placeholder
        return cls(types, limit, modes, mode_filter, sort_near)

    def wants(self, t: str) -> bool:
        return not self.types or t in self.types

    def modes_ok(self, modes: Sequence[tuple[str, str | None, str | None]]) -> bool:
        """Whether a stop served by ``modes`` passes ``Modes`` (exclude: it is served by
        another mode too; include: by one of them)."""
        if self.mode_filter is None:
            return True
        exclude, pt = self.mode_filter
        served = {m[0] for m in modes}
        return bool(served - pt) if exclude else bool(served & pt)


class _Restriction:
    """A ``GeoRestriction``: a circle, a rectangle or a polygon."""

    def __init__(self, kind: str, pts: list[tuple[float, float]],
                 radius_m: float = 0.0) -> None:
        self.kind, self.pts, self.radius_m = kind, pts, radius_m

    @classmethod
    def read(cls, el: Element | None) -> _Restriction | None:
        if el is None:
            return None
        c = el.find("ojp:Circle", NS)
        if c is not None:
            centre = _position(c.find("ojp:Center", NS), "GeoRestriction/Circle/Center")
            try:
                r = float(c.findtext("ojp:Radius", "", NS))
            except ValueError:
                r = math.nan
            if not (math.isfinite(r) and r > 0):
                raise OjpProblemError(LOCATION, "LOCATION_OTHER", "GeoRestriction/Circle/"
                                      "Radius must be a positive number of metres")
            return cls("circle", [centre], r)
        rect = el.find("ojp:Rectangle", NS)
        if rect is not None:
            ul = _position(rect.find("ojp:UpperLeft", NS), "GeoRestriction/Rectangle/UpperLeft")
            lr = _position(rect.find("ojp:LowerRight", NS),
                           "GeoRestriction/Rectangle/LowerRight")
            return cls("rectangle", [ul, lr])
        area = el.find("ojp:Area", NS)
        pts = [_position(p, "GeoRestriction/Area/PolylinePoint")
               for p in (area.findall("ojp:PolylinePoint", NS) if area is not None else [])]
        if len(pts) < 3:
            raise OjpProblemError(LOCATION, "LOCATION_OTHER", "GeoRestriction needs a Circle, "
                                  "a Rectangle or an Area of at least 3 PolylinePoints")
        return cls("area", pts)

    @property
    def centre(self) -> tuple[float, float]:
        if self.kind == "circle":
            return self.pts[0]
        lats, lons = [p[0] for p in self.pts], [p[1] for p in self.pts]
        return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Boolean mask of the points ``(lat, lon)`` inside (or on the border)."""
        lat, lon = np.asarray(lat, float), np.asarray(lon, float)
        if self.kind == "circle":
            c = self.pts[0]
            return np.asarray(haversine_m(c[0], c[1], lat, lon) <= self.radius_m)
        if self.kind == "rectangle":
            (top, left), (bottom, right) = self.pts
            lo_lat, hi_lat = min(top, bottom), max(top, bottom)
            return np.asarray((lat >= lo_lat) & (lat <= hi_lat) & (lon >= left)
                              & (lon <= right))
        inside = np.zeros(lat.shape, bool)  # even-odd rule over the polygon's edges
        pts = self.pts
        for (y1, x1), (y2, x2) in zip(pts, pts[1:] + pts[:1], strict=True):
            crosses = (y1 > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (lon < x_at)
        return inside


def _by_stop_id(stop_id: str, opts: _Options, ctx: OjpContext) -> list[Element]:
    stop = ctx.planner.stop_index(stop_id)
    if stop is None:
        raise OjpProblemError(LOCATION, "LOCATION_NORESULTS",
                              f"no stop with id {stop_id[:100]!r} (stops are referred to by "
                              "their GTFS stop_id)")
    if not opts.wants("stop"):
        raise OjpProblemError(LOCATION, "LOCATION_NORESULTS", f"{stop_id[:100]!r} is a "
                              "stop; Restrictions/Type excludes stops")
    return [_stop_result(stop, 1.0, opts, ctx)]


def _by_position(point: tuple[float, float], area: _Restriction | None, opts: _Options,
                 ctx: OjpContext) -> list[Element]:
    if not opts.wants("stop"):
        raise OjpProblemError(LOCATION, "LOCATION_UNSUPPORTEDTYPE", "places are found by "
                              "position as stops only: add Type stop, or search by Name")
    try:
        ctx.planner.check_point(point)
    except OutOfRegionError as e:
        if area is None:  # a restriction reaching into the region still finds its stops
            raise OjpProblemError(LOCATION, "LOCATION_NORESULTS", str(e)) from None
    tt = ctx.planner.timetable
    mask = area.contains(tt.stop_lat, tt.stop_lon) if area is not None else None
    if opts.mode_filter is not None:
        ok = np.array([opts.modes_ok(modes_at(tt, s, (0.0, 0.0), ()))
                       for s in range(tt.n_stops)], bool)
        mask = ok if mask is None else mask & ok
    found = nearest(tt, point[0], point[1], opts.limit, mask)
    if not found:
        raise OjpProblemError(LOCATION, "LOCATION_NORESULTS", "no stop inside the "
                              "GeoRestriction" if area is not None else "no stop")
    return [_stop_result(s, round(0.5 ** (d / _HALF_M), 4), opts, ctx) for s, d in found]


def _by_name(name: str, near: tuple[float, float] | None, area: _Restriction | None,
             opts: _Options, ctx: OjpContext) -> list[Element]:
    if len(name) > MAX_NAME:
        raise OjpProblemError(LOCATION, "LOCATION_OTHER",
                              f"InitialInput/Name: at most {MAX_NAME} characters")
    filtered = bool(opts.types) or area is not None or opts.mode_filter is not None
    hits = ctx.atlas.search(name, MAX_RESULTS if filtered else opts.limit, near)
    tt = ctx.planner.timetable
    out: list[Element] = []
    key = _fold(name)
    for rank, h in enumerate(hits):
        if not opts.wants(place_type(h.kind)):
            continue
        if area is not None and not bool(area.contains(np.array([h.lat]),
                                                       np.array([h.lon]))[0]):
            continue
        stop = ctx.planner.stop_index(h.stop_id) if h.stop_id is not None else None
        if opts.mode_filter is not None and stop is not None and not opts.modes_ok(
                [pt_mode(t) for t in route_types(tt, stop)]):
            continue
        p = 1.0 if _fold(h.name) == key else round(max(0.05, 0.9 - 0.05 * rank), 4)
        if stop is not None:
            out.append(_stop_result(stop, p, opts, ctx))
        else:
            r = Element(o("PlaceResult"))
            place = search_place(r, h.name, h.kind, h.lat, h.lon, place_code(h.kind, h.lat,
                                                                             h.lon),
                                 ctx.language, h.near)
            for m in modes_at(tt, None, (h.lat, h.lon), ctx.areas) if opts.modes else ():
                add_mode(place, m)
            _finish(r, p)
            out.append(r)
        if len(out) == opts.limit:
            break
    if not out:
        raise OjpProblemError(LOCATION, "LOCATION_NORESULTS",
                              f"no place matches {name[:MAX_NAME]!r}"
                              + (" of the types asked for" if opts.types else ""))
    return out


def place_code(kind: str, lat: float, lon: float) -> str:
    """The public code of a place that is no stop: its kind and position
    (``village:44.015300,-73.167400``), to be sent back as a ``GeoPosition``."""
    return f"{kind}:{lat:.6f},{lon:.6f}"


def _stop_result(stop: int, probability: float, opts: _Options, ctx: OjpContext) -> Element:
    tt = ctx.planner.timetable
    r = Element(o("PlaceResult"))
    point = (float(tt.stop_lat[stop]), float(tt.stop_lon[stop]))
    modes = modes_at(tt, stop, point, ctx.areas) if opts.modes else ()
    stop_place_of(r, tt, stop, ctx.language, modes)
    _finish(r, probability)
    return r


def _finish(result: Element, probability: float) -> None:
    add(result, o("Complete"), "true")
    add(result, o("Probability"), probability)


def _position(el: Element | None, where: str) -> tuple[float, float]:
    """(lat, lon) of a siri location element."""
    try:
        if el is None:
            raise ValueError
        lon = float(el.findtext("siri:Longitude", "", NS))
        lat = float(el.findtext("siri:Latitude", "", NS))
    except ValueError:
        raise OjpProblemError(LOCATION, "LOCATION_OTHER", f"{where} needs numeric "
                              "siri:Longitude and siri:Latitude") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180):
        raise OjpProblemError(LOCATION, "LOCATION_OTHER",
                              f"{where} ({lat}, {lon}) is not a WGS84 coordinate")
    return lat, lon


def _count(text: str | None) -> int:
    if text is None:
        return DEFAULT_RESULTS
    try:
        n = int(text.strip())
    except ValueError:
        raise OjpProblemError(LOCATION, "LOCATION_OTHER", "Restrictions/NumberOfResults "
                              "must be a positive integer") from None
    if n < 1:
        raise OjpProblemError(LOCATION, "LOCATION_OTHER", "Restrictions/NumberOfResults "
                              "must be a positive integer")
    return min(n, MAX_RESULTS)


def _flag(text: str | None, default: bool = False) -> bool:
    if text is None:
        return default
    return text.strip() in ("true", "1")


def _fold(text: str) -> str:
    """Case and accents ignored."""
    d = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in d if not unicodedata.combining(c)).strip()
