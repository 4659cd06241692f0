"""POST /ojp: OJP 2.0 requests (XML in, XML out) — places, trips and stop events of the
region for other journey planners.

Every answer is an OJP response document, also for a body that is not one (see the README's
"For integrators: OJP 2.0"): 200 with one delivery per service request (a request that
cannot be answered has status false and its error condition); 400 for a body that is not
an OJP 2.0 request document (not XML, a DTD or entity, another root, no service request,
more than :data:`api.ojp.envelope.MAX_REQUESTS`); 413 for a body over the API's body limit;
415 for a content type other than XML; 429 beyond the plan rate limit."""

from __future__ import annotations

import time
from collections.abc import Sequence
from xml.etree.ElementTree import Element

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.deps import AtlasDep, PlannerDep, ServiceDep, plan_limited
from api.ojp.context import OjpContext
from api.ojp.envelope import (
    OjpMalformedError,
    OjpProblemError,
    answer,
    document,
    error_document,
    parse,
)
from api.ojp.services import SERVICES, Service
from api.problems import Problem

router = APIRouter(tags=["ojp"])
MEDIA_TYPE = "application/xml"
PRODUCER = "mobility"
#: content types read as an OJP document (none at all is taken as XML too)
XML_TYPES = ("application/xml", "text/xml")


def is_xml(content_type: str) -> bool:
    """Whether a ``Content-Type`` header names XML (``application/xml``, ``text/xml``,
    ``application/…+xml``, any parameters) or is absent."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return not kind or kind in XML_TYPES or (kind.startswith("application/")
                                             and kind.endswith("+xml"))


def too_large(path: str, max_bytes: int, now_s: float) -> tuple[bytes, bytes] | None:
    """The body limit's answer for ``/ojp`` (content type, body): an OJP error document,
    not the API's JSON problem; None for other paths. ``now_s``: the service clock's
    epoch seconds."""
    if path.rstrip("/") != "/ojp":
        return None
    import datetime as dt

    now = dt.datetime.fromtimestamp(now_s, dt.UTC)
    return MEDIA_TYPE.encode(), error_document(
        f"request bodies are limited to {max_bytes} bytes", now, PRODUCER)


@router.post("/ojp", summary="OJP 2.0: location information, trips, stop events",
             response_class=Response,
             responses={200: {"content": {MEDIA_TYPE: {}},
                              "description": "an OJP response document: one delivery per "
                                             "service request, in order"},
                        400: {"content": {MEDIA_TYPE: {}}, "description": (
                            "not an OJP 2.0 request document: an OJP response whose "
                            "OJPStatusDelivery holds the problem (OJPGENERIC_OTHER)")},
                        413: {"content": {MEDIA_TYPE: {}},
                              "description": "the body is over the API's body limit"},
                        415: {"content": {MEDIA_TYPE: {}},
                              "description": "the content type is not XML"},
                        429: {"content": {MEDIA_TYPE: {}},
                              "description": "over the plan rate limit (see Retry-After)"}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 MEDIA_TYPE: {"schema": {"type": "string"}}}}})
async def ojp(request: Request, planner: PlannerDep, atlas: AtlasDep,
              svc: ServiceDep) -> Response:
    """An ``OJP`` request document with one or more service requests
    (``OJPLocationInformationRequest``, ``OJPTripRequest``, ``OJPStopEventRequest``); the
    answer holds one delivery per request, in order. Problems are OJP error conditions in
    the delivery (status false), never an HTML page."""
    now = svc.timing.now()

    def fail(status: int, details: str, headers: dict[str, str] | None = None,
             code: str = "OJPGENERIC_OTHER") -> Response:
        return Response(error_document(details, now, PRODUCER, code), status,
                        media_type=MEDIA_TYPE, headers=headers)

    try:  # counted as a plan (per key, else per address); here to answer 429 as OJP
        await plan_limited(request)
    except Problem as p:
        return fail(p.status, p.detail, p.headers)
    if not is_xml(request.headers.get("content-type", "")):
        return fail(415, "send the OJP request document as application/xml (or text/xml), "
                    f"not {request.headers.get('content-type', '')[:100]}")
    try:
        body = await request.body()
    except HTTPException as e:  # the body limit, found while reading a chunked body
        return fail(e.status_code, str(e.detail))
    try:
        _, requests = parse(body)
    except OjpMalformedError as e:
        return fail(400, str(e))
    ctx = OjpContext(planner=planner, atlas=atlas, now=now, tz=svc.timing.tz,
                     language=svc.config.language, areas=tuple(svc.areas.values()),
                     table_date=getattr(planner, "timetable_date", None),
                     booking_rules={a.name: a.booking for a in svc.areas.values()})

    def respond() -> bytes:  # searches: off the event loop
        deliveries = []
        for req in requests:
            service = SERVICES.get(req.name)

            def build(el: Element, service: Service | None = service,
                      name: str = req.name) -> Sequence[Element]:
                if service is None:
                    raise OjpProblemError("OJPGenericProblemType",
                                          "OJPGENERIC_REQUESTNOTSUPPORTED",
                                          f"{name[:100]} is not a service this server "
                                          "answers (OJPLocationInformationRequest, "
                                          "OJPTripRequest, OJPStopEventRequest)")
                return service(el, ctx)
            deliveries.append(answer(req, build, now, time.perf_counter))
        return document(deliveries, now, PRODUCER)

    return Response(await run_in_threadpool(respond), media_type=MEDIA_TYPE)
