"""The OJP envelope: reading a request document, writing the response document around each
service's delivery, and errors as OJP error conditions.

A service module answers one request element with the elements that follow ``CalcTime`` in
its delivery (its results), or raises :class:`OjpProblemError`; this module adds the SIRI parts
every delivery starts with (response timestamp, the request's message reference, status) and
the calculation time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from api.ojp.xml import NS, OJP_NS, SIRI_NS, add, o, s, timestamp


class OjpProblemError(Exception):
    """A request that cannot be answered as asked: ``error_type`` is the schema's error
    element for the service (``TripProblemType``, ``LocationProblemType``,
    ``StopEventProblemType``, ``OJPGenericProblemType`` …), ``code`` one of its enumeration
    values (``TRIP_NOTRIPFOUND`` …), ``details`` says what to fix."""

    def __init__(self, error_type: str, code: str, details: str) -> None:
        super().__init__(details)
        self.error_type, self.code, self.details = error_type, code, details


class OjpMalformedError(Exception):
    """A body that is not an OJP request document (not XML, another root, no service
    request); the message says what is wrong."""


@dataclass(frozen=True)
class Incoming:
    """One service request of a document: its element (``OJPTripRequest`` …), its local name
    and the message identifier the answer refers to."""

    element: Element
    name: str
    message_id: str | None


def parse(body: bytes) -> tuple[str | None, list[Incoming]]:
    """The requestor and the service requests of an OJP request document.

    Raises
    ------
    OjpMalformedError
        when the body is not well-formed XML, uses entities or DTDs, or is not an ``OJP``
        document holding ``OJPRequest/siri:ServiceRequest`` with at least one request.
    """
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as e:
        raise OjpMalformedError(f"the body is not well-formed XML without a DTD: {e}") from None
    if root.tag != o("OJP"):
        raise OjpMalformedError(f"the root element must be {{{OJP_NS}}}OJP, not {root.tag}")
    sr = root.find("ojp:OJPRequest/siri:ServiceRequest", NS)
    if sr is None:
        raise OjpMalformedError("OJP/OJPRequest/siri:ServiceRequest is missing")
    requestor = sr.findtext("siri:RequestorRef", None, NS)
    out = []
    for el in sr:
        if not el.tag.startswith(f"{{{OJP_NS}}}"):
            continue  # SIRI context: timestamp, requestor, message identifier
        out.append(Incoming(el, el.tag.split("}", 1)[1],
                            el.findtext("siri:MessageIdentifier", None, NS)))
    if not out:
        raise OjpMalformedError("siri:ServiceRequest holds no OJP request (OJPTripRequest, "
                           "OJPLocationInformationRequest, OJPStopEventRequest)")
    return requestor, out


def delivery_name(request_name: str) -> str:
    """``OJPTripRequest`` → ``OJPTripDelivery``."""
    return request_name.removesuffix("Request") + "Delivery"


def answer(req: Incoming, build: Callable[[Element], Sequence[Element]],
           now: dt.datetime, clock: Callable[[], float]) -> Element:
    """The delivery for ``req``: ``build(request element)`` gives its results; an
    :class:`OjpProblemError` becomes the delivery's error condition (status false).
    ``clock`` is a monotonic seconds counter for the calculation time."""
    t0 = clock()
    try:
        results: Sequence[Element] = build(req.element)
        problem = None
    except OjpProblemError as p:
        results, problem = (), p
    d = Element(o(delivery_name(req.name)))
    add(d, s("ResponseTimestamp"), timestamp(now))
    if req.message_id is not None:
        add(d, s("RequestMessageRef"), req.message_id)
    add(d, s("Status"), "false" if problem else "true")
    if problem:
        add(add(add(d, s("ErrorCondition")), s("OtherError")), s("ErrorText"),
            f"{problem.code}: {problem.details}")
    add(d, o("CalcTime"), max(0, round((clock() - t0) * 1000)))
    if problem:
        err = add(d, o("ErrorCondition"))
        add(err, o(problem.error_type), problem.code)
        details = add(err, o("Details"))
        add(details, o("Text"), problem.details)
    d.extend(results)
    return d


def document(deliveries: Sequence[Element], now: dt.datetime, producer: str) -> bytes:
    """The response document holding ``deliveries``."""
    root = Element(o("OJP"), {"version": "2.0"})
    sd = add(add(root, o("OJPResponse")), s("ServiceDelivery"))
    add(sd, s("ResponseTimestamp"), timestamp(now))
    add(sd, s("ProducerRef"), producer)
    add(sd, s("Status"), "true" if all(
        d.findtext("siri:Status", "true", NS) == "true" for d in deliveries) else "false")
    sd.extend(deliveries)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode",
                                                                 default_namespace=None,
                                                                 ).encode()


def register_namespaces() -> None:
    """Write ``siri:`` and the OJP default namespace as the examples do."""
    from xml.etree.ElementTree import register_namespace

    register_namespace("", OJP_NS)
    register_namespace("siri", SIRI_NS)


register_namespaces()
