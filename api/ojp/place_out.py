"""Writing OJP places: a stop of the timetable, a place of the search, and the transport modes
serving a stop, as the schema's ``Place`` (``StopPlace`` / ``Address`` / ``PointOfInterest``
/ ``TopographicPlace``, then ``Name``, ``GeoPosition``, ``Mode``…) and ``Mode`` elements.

Stops are referred to by their GTFS ``stop_id`` (``StopPlaceRef``), as the JSON plan's
``stop:<stop_id>``; a GTFS ``route_type`` becomes a ``PtMode`` (and a submode where the
extended route types say one)."""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree.ElementTree import Element

from api.ojp.xml import add, add_text, o, s

#: GTFS basic route types → (siri PtMode, submode element, submode); ``None``: no submode
_BASIC: dict[int, tuple[str, str | None, str | None]] = {
    0: ("tram", None, None), 1: ("metro", None, None), 2: ("rail", None, None),
    3: ("bus", None, None), 4: ("water", None, None), 5: ("tram", None, None),
    6: ("cableway", None, None), 7: ("funicular", None, None),
    11: ("trolleyBus", None, None), 12: ("rail", None, None),
}
#: extended (HVT) route types, by hundreds → PtMode
_EXTENDED: dict[int, str] = {1: "rail", 2: "coach", 3: "rail", 4: "metro", 5: "metro",
                             6: "metro", 7: "bus", 8: "trolleyBus", 9: "tram", 10: "water",
                             11: "air", 12: "water", 13: "cableway", 14: "funicular",
                             15: "other", 17: "other"}
#: the demand-responsive bus (GTFS extended route type 715 "Demand and Response Bus")
DEMAND_RESPONSIVE: tuple[str, str, str] = ("bus", "BusSubmode", "demandAndResponseBus")
#: how the schema writes a mode without a better name
_MODE_NAMES = {"en": {"bus": "Bus", "rail": "Train", "tram": "Tram", "metro": "Metro",
                      "coach": "Coach", "water": "Ferry", "cableway": "Cable car",
                      "funicular": "Funicular", "trolleyBus": "Trolleybus", "air": "Plane",
                      "other": "Other", "demandAndResponseBus": "On-demand bus"},
               "de": {"bus": "Bus", "rail": "Zug", "tram": "Straßenbahn", "metro": "U-Bahn",
                      "coach": "Fernbus", "water": "Fähre", "cableway": "Seilbahn",
                      "funicular": "Standseilbahn", "trolleyBus": "Oberleitungsbus",
                      "air": "Flugzeug", "other": "Sonstiges",
                      "demandAndResponseBus": "Rufbus"}}


def pt_mode(route_type: int) -> tuple[str, str | None, str | None]:
    """(PtMode, submode element name, submode) of a GTFS ``route_type`` (basic or
    extended); an unknown type is ``("other", None, None)``."""
    if route_type in _BASIC:
        return _BASIC[route_type]
    if route_type == 715:
        return DEMAND_RESPONSIVE
    return (_EXTENDED.get(route_type // 100, "other"), None, None)


def add_mode(parent: Element, mode: tuple[str, str | None, str | None],
             language: str | None = None, tag: str = "Mode") -> Element:
    """A ``Mode`` element (``PtMode``, its ``siri:…Submode`` when known, and, with
    ``language``, a ``Name`` in it) appended to ``parent``."""
    pt, sub_el, sub = mode
    m = add(parent, o(tag))
    add(m, o("PtMode"), pt)
    if sub_el and sub:
        add(m, s(sub_el), sub)
    if language:
        names = _MODE_NAMES.get(language, _MODE_NAMES["en"])
        add_text(m, o("Name"), names.get(sub or "", names.get(pt, pt)), language)
    return m


def add_geo(parent: Element, lat: float, lon: float, tag: str = "GeoPosition") -> Element:
    """A WGS84 ``GeoPosition`` (siri ``Longitude`` then ``Latitude``, to ~1 cm)."""
    g = add(parent, o(tag))
    add(g, s("Longitude"), f"{lon:.7f}")
    add(g, s("Latitude"), f"{lat:.7f}")
    return g


def stop_place(parent: Element, stop_id: str, name: str, lat: float, lon: float,
               language: str | None = None,
               modes: Iterable[tuple[str, str | None, str | None]] = (),
               wheelchair: bool | None = None) -> Element:
    """A ``Place`` holding a ``StopPlace`` (``StopPlaceRef`` = the GTFS ``stop_id``, its
    name), then ``Name``, ``GeoPosition`` and one ``Mode`` per mode serving it, appended to
    ``parent``. ``wheelchair``: GTFS ``wheelchair_boarding`` when known (1 yes, 2 no)."""
    place = add(parent, o("Place"))
    sp = add(place, o("StopPlace"))
    add(sp, o("StopPlaceRef"), stop_id)
    add_text(sp, o("StopPlaceName"), name, language)
    if wheelchair is not None:
        add(sp, o("WheelchairAccessible"), "true" if wheelchair else "false")
    add_text(place, o("Name"), name, language)
    add_geo(place, lat, lon)
    for m in modes:
        add_mode(place, m)
    return place


#: a search hit's kind → how OJP models it (settlements and areas are topographic places)
_TOPOGRAPHIC = {"city", "town", "village", "hamlet", "suburb", "borough", "quarter",
                "district", "neighbourhood", "isolated_dwelling", "farm", "locality",
                "municipality", "county", "state"}


def place_type(kind: str) -> str:
    """The ``Restrictions/Type`` value (``PlaceTypeEnumeration``) of a search hit's kind:
    ``stop``, ``address`` (addresses and streets), ``topographicPlace`` (settlements and
    areas) or ``poi``."""
    if kind == "stop":
        return "stop"
    if kind in ("address", "street"):
        return "address"
    if kind in _TOPOGRAPHIC:
        return "topographicPlace"
    return "poi"


def search_place(parent: Element, name: str, kind: str, lat: float, lon: float, code: str,
                 language: str | None = None, near: str | None = None) -> Element:
    """A ``Place`` for a search hit that is not a stop: an ``Address`` (streets and
    addresses), a ``TopographicPlace`` (settlements, areas) or a ``PointOfInterest`` (its
    OSM kind as the category), identified by ``code``; ``near`` (the nearest stop's name,
    telling equal names apart) becomes its name suffix."""
    place = add(parent, o("Place"))
    t = place_type(kind)
    if t == "address":
        a = add(place, o("Address"))
        add(a, o("PublicCode"), code)
        add_text(a, o("Name"), name, language)
        if near:
            add_text(a, o("NameSuffix"), near, language)
        if kind == "street":
            add(a, o("Street"), name)
    elif t == "topographicPlace":
        tp = add(place, o("TopographicPlace"))
        add(tp, o("TopographicPlaceCode"), code)
        add_text(tp, o("TopographicPlaceName"), name, language)
    else:
        poi = add(place, o("PointOfInterest"))
        add(poi, o("PublicCode"), code)
        add_text(poi, o("Name"), name, language)
        if near:
            add_text(poi, o("NameSuffix"), near, language)
        add(add(poi, o("PointOfInterestCategory")), o("PointOfInterestClassification"), kind)
    add_text(place, o("Name"), f"{name} ({near})" if near else name, language)
    add_geo(place, lat, lon)
    return place
