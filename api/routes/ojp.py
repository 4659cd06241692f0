"""POST /ojp: OJP 2.0 requests (XML in, XML out) — places, trips and stop events of the
region for other journey planners."""

from __future__ import annotations

import time
from collections.abc import Sequence
from xml.etree.ElementTree import Element

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import AtlasDep, PlannerDep, ServiceDep, plan_limited
from api.ojp.context import OjpContext
from api.ojp.envelope import OjpMalformedError, OjpProblemError, answer, document, parse
from api.ojp.services import SERVICES, Service

router = APIRouter(tags=["ojp"])
MEDIA_TYPE = "application/xml"


@router.post("/ojp", summary="OJP 2.0: location information, trips, stop events",
             dependencies=[Depends(plan_limited)], response_class=Response,
             openapi_extra={"requestBody": {"required": True, "content": {
                 MEDIA_TYPE: {"schema": {"type": "string"}}}}})
async def ojp(request: Request, planner: PlannerDep, atlas: AtlasDep,
              svc: ServiceDep) -> Response:
    """An ``OJP`` request document with one or more service requests
    (``OJPLocationInformationRequest``, ``OJPTripRequest``, ``OJPStopEventRequest``); the
    answer holds one delivery per request, in order. Problems are OJP error conditions in
    the delivery (status false), never an HTML page."""
    body = await request.body()
    now = svc.timing.now()
    try:
        _, requests = parse(body)
    except OjpMalformedError as e:
        raise NotImplementedError(str(e)) from None  # the OJP helper answers it as OJP
    ctx = OjpContext(planner=planner, atlas=atlas, now=now, tz=svc.timing.tz,
                     language=svc.config.language,
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
                                          f"{name} is not a service this server answers")
                return service(el, ctx)
            deliveries.append(answer(req, build, now, time.perf_counter))
        return document(deliveries, now, "mobility")

    return Response(await run_in_threadpool(respond), media_type=MEDIA_TYPE)
