"""The region, its offline base map (streets and stops as GeoJSON) and place search."""

from __future__ import annotations

import gzip
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.deps import AtlasDep, ServiceDep
from api.schemas.atlas import PlaceList, PlaceOut, RegionInfo

router = APIRouter(prefix="/api/v1", tags=["map"])
_CACHE = "public, max-age=3600"


@router.get("/region", response_model=RegionInfo, summary="The region served")
def region(atlas: AtlasDep, svc: ServiceDep) -> RegionInfo:
    """Name, bounds, time zone, the interface language for its riders, and an optional
    tile URL (for deployments with internet; the base map needs none)."""
    return RegionInfo(**atlas.info(), open_signup=svc.config.open_signup)


@router.get("/map/streets", summary="The street network as GeoJSON (major, minor, service)",
            response_class=Response,
            responses={200: {"content": {"application/geo+json": {}}}})
def streets(atlas: AtlasDep, request: Request) -> Response:
    """Three MultiLineString features drawn from the region's own car network: the base
    map, offline. Sent gzip-compressed to clients that accept it."""
    body = atlas.streets_gz()
    headers = {"Cache-Control": _CACHE, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
    else:
        body = gzip.decompress(body)
    return Response(body, media_type="application/geo+json", headers=headers)


@router.get("/map/stops", response_model=dict[str, Any],
            summary="The stops as GeoJSON points (id, name, departures)")
def stops(atlas: AtlasDep, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = _CACHE
    return atlas.stops()


@router.get("/places", response_model=PlaceList, summary="Search stops, streets and places")
def places(atlas: AtlasDep,
           q: Annotated[str, Query(min_length=1, max_length=100,
                                   description="part of a name; case and accents ignored")],
           limit: Annotated[int, Query(ge=1, le=50)] = 10) -> PlaceList:
    return PlaceList(places=[PlaceOut(name=p.name, kind=p.kind, lat=p.lat, lon=p.lon,
                                      stop_id=p.stop_id, near=p.near)
                             for p in atlas.search(q, limit)])
