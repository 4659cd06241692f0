"""The region, its offline base map (streets and stops as GeoJSON) and place search."""

from __future__ import annotations

import gzip
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.deps import AtlasDep, ServiceDep
from api.problems import Problem
from api.schemas.atlas import PlaceList, PlaceOut, RegionInfo

router = APIRouter(prefix="/api/v1", tags=["map"])
_CACHE = "public, max-age=3600"


@router.get("/region", response_model=RegionInfo, summary="The region served")
def region(atlas: AtlasDep, svc: ServiceDep) -> RegionInfo:
    """Name, bounds, time zone, the interface language for its riders, an optional tile URL
    (for deployments with internet; the base map needs none) and the service's clock now."""
    now = svc.timing.now().astimezone(svc.timing.tz).isoformat(timespec="seconds")
    return RegionInfo(**atlas.info(), open_signup=svc.config.open_signup, now=now)


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


@router.get("/places", response_model=PlaceList,
            summary="Search villages, towns, addresses, points of interest, streets and stops")
def places(atlas: AtlasDep,
           q: Annotated[str, Query(min_length=1, max_length=100, description=(
               "a name or part of one (a village, street and house number, doctor's "
               "practice, stop…); case, accents and one typo ignored"))],
           limit: Annotated[int, Query(ge=1, le=50)] = 10,
           lat: Annotated[float | None, Query(ge=-90, le=90, description=(
               "the map's centre (with lon): nearer places rank first among equals"))] = None,
           lon: Annotated[float | None, Query(ge=-180, le=180, description=(
               "the map's centre (with lat)"))] = None) -> PlaceList:
    """Places whose name matches ``q``: whole names first, then names starting with it,
    with a word starting with it, containing it, within one typo; among those, larger
    places first (city, town, village, hamlet; then stops, streets, addresses, points of
    interest), then nearer to the map's centre (``lat``/``lon``, default the region's),
    then shorter names. A settlement's point is its centre on the street network."""
    if (lat is None) != (lon is None):
        raise Problem(422, "validation", "Invalid request", "give both lat and lon (the "
                      "map's centre) or neither", field="lon" if lon is None else "lat")
    near = (lat, lon) if lat is not None and lon is not None else None
    return PlaceList(places=[PlaceOut(name=p.name, kind=p.kind, lat=p.lat, lon=p.lon,
                                      stop_id=p.stop_id, near=p.near)
                             for p in atlas.search(q, limit, near)])
