"""Reading OJP place references (``PlaceRef``): a stop by its reference, or a position.

Stops are referred to by the region's GTFS ``stop_id`` (the ids the JSON plan takes as
``stop:<stop_id>``), both as ``StopPlaceRef`` and ``siri:StopPointRef``; a position is WGS84
``GeoPosition``; the place's ``Name`` is informative only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from api.ojp.envelope import OjpProblemError
from api.ojp.xml import NS


@dataclass(frozen=True)
class PlaceRef:
    """A stop (``stop_id``) or a position (``point`` = (lat, lon)), and the name the request
    gave it."""

    stop_id: str | None = None
    point: tuple[float, float] | None = None
    name: str | None = None


def read_place_ref(el: Element | None, where: str,
                   error_type: str = "OJPGenericProblemType",
                   code: str = "OJPGENERIC_OTHER") -> PlaceRef:
    """The place of a ``PlaceRef`` element; ``where`` names it in errors (``Origin``).

    Raises
    ------
    OjpProblemError
        (``error_type``/``code``) when it is missing, holds neither a stop reference nor a
        position, or the position is not a WGS84 coordinate.
    """
    if el is None:
        raise OjpProblemError(error_type, code, f"{where}: PlaceRef is missing")
    name = el.findtext("ojp:Name/ojp:Text", None, NS)
    for path in ("ojp:StopPlaceRef", "siri:StopPointRef", "ojp:StopPointRef"):
        ref = el.findtext(path, None, NS)
        if ref is not None and ref.strip():
            return PlaceRef(stop_id=ref.strip(), name=name)
    geo = el.find("ojp:GeoPosition", NS)
    if geo is not None:
        try:
            lon = float(geo.findtext("siri:Longitude", "", NS))
            lat = float(geo.findtext("siri:Latitude", "", NS))
        except ValueError:
            raise OjpProblemError(error_type, code, f"{where}: GeoPosition needs numeric "
                                  "siri:Longitude and siri:Latitude") from None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
                and -180 <= lon <= 180):
            raise OjpProblemError(error_type, code, f"{where}: GeoPosition ({lat}, {lon}) "
                                  "is not a WGS84 coordinate")
        return PlaceRef(point=(lat, lon), name=name)
    raise OjpProblemError(error_type, code, f"{where}: PlaceRef needs a StopPlaceRef, "
                          "siri:StopPointRef or GeoPosition")
