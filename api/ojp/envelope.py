"""The OJP envelope: reading a request document, writing the response document around each
service's delivery, and errors as OJP error conditions.

A service module answers one request element with the elements that follow ``CalcTime`` in
its delivery (its results), or raises :class:`OjpProblemError`; this module adds the SIRI parts
every delivery starts with (response timestamp, the request's message reference, status) and
the calculation time.

A document that is not an OJP request at all (not XML, a DTD, another root, no service
request) is answered by :func:`error_document`: an ``OJPStatusDelivery`` (every SIRI
``ServiceDelivery`` needs one functional delivery, and this is the one whose results are all
optional) with status false and the generic problem ``OJPGENERIC_OTHER``."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from api.ojp.xml import NS, OJP_NS, SIRI_NS, add, o, s, timestamp

log = logging.getLogger("mobility.ojp")

#: the most service requests one document may hold (each may be a search of its own)
MAX_REQUESTS = 20
#: the delivery carrying a problem with the document itself, or with a request the schema
#: does not know (its results are all optional)
ERROR_DELIVERY = "OJPStatusDelivery"
#: the schema's deliveries that can carry an error condition: a request the schema knows
#: is answered by its own delivery (OJPLineInformationDelivery has no error condition of
#: its own: a line information request is answered by ERROR_DELIVERY)
DELIVERIES = frozenset(f"OJP{n}Delivery" for n in (
    "Fare", "LocationInformation", "ExchangePoints", "StopEvent", "TripInfo", "Trip",
    "MultiPointTrip", "Status", "TripRefine", "Availability", "TripChange"))


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
    request, too many); the message says what is wrong."""


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
    if not body.strip():
        raise OjpMalformedError("the body is empty: send an OJP request document")
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise OjpMalformedError("DTDs, entities and external references are refused: send "
                                "a plain OJP request document") from None
    except (ParseError, ValueError, LookupError) as e:
        raise OjpMalformedError(f"the body is not well-formed XML: {e}") from None
    if root.tag != o("OJP"):
        raise OjpMalformedError(f"the root element must be {{{OJP_NS}}}OJP, not "
                                f"{root.tag[:200]}")
    version = root.get("version")
    if version != "2.0":
        raise OjpMalformedError(f"this server answers OJP 2.0 (version=\"2.0\"), not "
                                f"version={(version or '')[:20]!r}")
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
    if len(out) > MAX_REQUESTS:
        raise OjpMalformedError(f"siri:ServiceRequest holds {len(out)} requests; at most "
                                f"{MAX_REQUESTS} per document")
    return requestor, out


def delivery_name(request_name: str) -> str:
    """``OJPTripRequest`` → ``OJPTripDelivery``; a request the schema does not know is
    answered by :data:`ERROR_DELIVERY`."""
    name = request_name.removesuffix("Request") + "Delivery"
    return name if name in DELIVERIES else ERROR_DELIVERY


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
    except Exception as e:  # a bug of ours: still an OJP answer, the rest of the document too
        _log_bug(req.name, e)
        results, problem = (), OjpProblemError(
            "OJPGenericProblemType", "OJPGENERIC_OTHER",
            "an internal error occurred while answering this request; it has been logged")
    return _delivery(delivery_name(req.name), req.message_id, problem, results, now,
                     max(0, round((clock() - t0) * 1000)))


def _log_bug(request_name: str, e: BaseException) -> None:
    """Log an unexpected exception by its type and where it was raised: not its message
    nor the request, which may hold what a rider typed (an address, a name)."""
    where = "".join(traceback.format_tb(e.__traceback__))
    log.error("internal error answering %s: %s\n%s", request_name, type(e).__name__, where)


def _delivery(name: str, message_id: str | None, problem: OjpProblemError | None,
              results: Sequence[Element], now: dt.datetime, calc_ms: int) -> Element:
    d = Element(o(name))
    add(d, s("ResponseTimestamp"), timestamp(now))
    if message_id is not None:
        add(d, s("RequestMessageRef"), message_id)
    add(d, s("Status"), "false" if problem else "true")
    if problem:
        add(add(add(d, s("ErrorCondition")), s("OtherError")), s("ErrorText"),
            f"{problem.code}: {problem.details}")
    add(d, o("CalcTime"), calc_ms)
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


def error_document(details: str, now: dt.datetime, producer: str,
                   code: str = "OJPGENERIC_OTHER") -> bytes:
    """The response to a document that could not be read as OJP requests: one
    :data:`ERROR_DELIVERY` with status false and the generic problem ``code``."""
    problem = OjpProblemError("OJPGenericProblemType", code, details)
    return document([_delivery(ERROR_DELIVERY, None, problem, (), now, 0)], now, producer)


def register_namespaces() -> None:
    """Write ``siri:`` and the OJP default namespace as the examples do."""
    from xml.etree.ElementTree import register_namespace

    register_namespace("", OJP_NS)
    register_namespace("siri", SIRI_NS)


register_namespaces()
