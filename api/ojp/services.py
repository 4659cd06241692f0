"""Which module answers which OJP service request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.etree.ElementTree import Element

from api.ojp import location, stop_event, trip
from api.ojp.context import OjpContext

Service = Callable[[Element, OjpContext], Sequence[Element]]

#: request element's local name → the function building its delivery's results
SERVICES: dict[str, Service] = {
    "OJPLocationInformationRequest": location.answer,
    "OJPTripRequest": trip.answer,
    "OJPStopEventRequest": stop_event.answer,
}
