"""GTFS-Realtime feeds for other apps: trip updates of the booked on-demand rides, vehicle
positions and service alerts. Public (no key; counted per client address like journey
plans), full datasets, protobuf or ``?format=json``, with an ETag (``If-None-Match``: 304
while nothing changed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from google.transit import gtfs_realtime_pb2 as rt

from api.deps import ServiceDep, plan_limited
from api.gtfs_rt import alerts, feed, trip_updates, vehicle_positions
from api.gtfs_rt.ids import TripIds
from api.service import BookingService

router = APIRouter(prefix="/gtfs-rt", tags=["GTFS-Realtime"],
                   dependencies=[Depends(plan_limited)])

Format = Annotated[Literal["pb", "json"], Query(alias="format", description=(
    "pb: protobuf (application/x-protobuf, for apps); json: protobuf's JSON mapping with "
    "the .proto's field names (for people)"))]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=2000)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the feed (a full dataset)",
          "content": {feed.PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
                      feed.JSON: {"schema": {"type": "object"}}}},
    304: {"description": "not modified since the ETag sent in If-None-Match"}}


def _answer(build: Callable[[BookingService, TripIds], rt.FeedMessage], request: Request,
            svc: BookingService, fmt: str, if_none_match: str | None) -> Response:
    body, media = feed.encode(build(svc, request.app.state.trip_ids), fmt)
    tag = feed.etag(body)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if feed.matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


@router.get("/trip-updates", response_class=Response, responses=RESPONSES,
            summary="Trip updates: the booked on-demand rides of today and tomorrow")
def get_trip_updates(request: Request, svc: ServiceDep, fmt: Format = "pb",
                     if_none_match: IfNoneMatch = None) -> Response:
    """Each ride is a ``NEW`` trip of its area's route (ids of the static GTFS-Flex feed,
    ``mobility flex export``) under an opaque trip id, with its pickup (stop_sequence 1)
    and drop-off (2) in the zone: the promised window as ``time ± uncertainty``, or the
    live estimate once the vehicle has reported. Cancelled rides are ``CANCELED`` for the
    rest of their day (``DELETED`` when undone right after booking)."""
    return _answer(trip_updates.build, request, svc, fmt, if_none_match)


@router.get("/vehicle-positions", response_class=Response, responses=RESPONSES,
            summary="Vehicle positions: the vehicles on duty and their current rides")
def get_vehicle_positions(request: Request, svc: ServiceDep, fmt: Format = "pb",
                          if_none_match: IfNoneMatch = None) -> Response:
    """Each vehicle on duty that reported today: its last reported position and when,
    and the trip of its next stop (as in the trip updates)."""
    return _answer(vehicle_positions.build, request, svc, fmt, if_none_match)


@router.get("/alerts", response_class=Response, responses=RESPONSES,
            summary="Service alerts: areas closed or served less, as the dispatcher entered")
def get_alerts(request: Request, svc: ServiceDep, fmt: Format = "pb",
               if_none_match: IfNoneMatch = None) -> Response:
    """Closures (``NO_SERVICE``) and reduced service (``REDUCED_SERVICE``) of an area's
    route, with their active period and texts, until they end."""
    return _answer(lambda s, _: alerts.build(s), request, svc, fmt, if_none_match)
