"""What the web app's map and search box need of a region: its street network and stops as
GeoJSON (an offline base map) and a search over the places riders look for: villages and
towns, addresses, doctors and shops, streets and stops."""

from __future__ import annotations

import gzip
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from mobility.place_index import PlaceIndex, fold
from mobility.region import Region
from routing import HIGHWAY_CLASSES, OutOfRegionError, StreetRouter
from routing.geo import local_metres

if TYPE_CHECKING:
    from feeds.places import NamedPlace

log = logging.getLogger(__name__)

#: base-map layers: which highway classes each draws (the rest of the car network is "minor")
_MAJOR = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
          "secondary", "secondary_link"}
_SERVICE = {"service", "track"}
#: German regions get a German interface by default
_GERMAN = {"DE", "AT", "LI"}
#: countries that write the house number before the street ("12 Main Street")
_NUMBER_FIRST = {"US", "CA", "GB", "IE", "AU", "NZ", "FR", "BE", "LU"}
#: size classes, largest first: what "larger places first" ranks by (a settlement's known
#: population decides its class instead: 100,000 a city, 10,000 a town, 1,000 a village)
TIERS = {"city": 0, "town": 1, "municipality": 1, "county": 1, "state": 1,
         "village": 2, "suburb": 2, "borough": 2, "quarter": 2, "district": 2,
         "hamlet": 3, "neighbourhood": 3, "isolated_dwelling": 3, "farm": 3, "locality": 3,
         "stop": 4, "street": 5, "address": 6}
POI_TIER = 7  #: any other kind: a point of interest (doctors, pharmacy, school, ...)
#: settlements and areas of one name closer than this are one place (a village's node and
#: its boundary, a gazetteer's village and the extract's)
_SAME_AREA_M = 5000.0
#: where a village's centre goes: the nearest street a car and a walker may use
_NOT_CENTRES = ("motorway", "motorway_link", "service", "track")


def region_language(region: Region, language: str | None = None) -> str:
    """The language of a region's web app and riders' messages: ``language`` if set, else
    German for regions in DE/AT/LI, English elsewhere."""
    return language or ("de" if region.config.country in _GERMAN else "en")


@dataclass(frozen=True)
class Place:
    """One search hit: a settlement or area, a stop, a street, an address or a named
    point. A settlement's point is its centre snapped to the street network."""

    name: str
    #: "city", "town", "village", "hamlet", "suburb", ... (settlements, as OSM's ``place``),
    #: "municipality", "county", "district", "state" (administrative areas), "stop",
    #: "street", "address", or the OSM value of a point of interest (e.g. "pharmacy")
    kind: str
    lat: float
    lon: float
    stop_id: str | None = None
    near: str | None = None  #: the nearest stop's name, to tell equal names apart


class Atlas:
    """Map data and place search of a loaded region (built lazily, once per process)."""

    def __init__(self, region: Region, tile_url: str | None = None,
                 language: str | None = None) -> None:
        self.region = region
        self.tile_url = tile_url
        self.language = region_language(region, language)
        self._lock = threading.Lock()

    def info(self) -> dict[str, Any]:
        """Name, bounds, time zone, default date and interface language of the region."""
        tt = self.region.timetable
        net = self.region.streets["car"]
        lat, lon = net.node_lat, net.node_lon
        return {"name": self.region.name, "timezone": self.region.timezone,
                "country": self.region.config.country,
                "defaultDate": self.region.default_date.isoformat(),
                "language": self.language, "tileUrl": self.tile_url,
                "bounds": [[float(lat.min()), float(lon.min())],
                           [float(lat.max()), float(lon.max())]],
                "stops": tt.n_stops}

    def warm(self) -> None:
        """Build the base map and the place index now (a second or two), not on the first
        request that needs them."""
        self.streets_gz()
        self.search("warm")

    # -- base map --------------------------------------------------------------------------
    def streets_gz(self) -> bytes:
        """The car network as gzip-compressed GeoJSON: three MultiLineStrings (major, minor,
        service) with each street drawn once, coordinates to ~1 m."""
        with self._lock:
            return self._streets_gz

    @cached_property
    def _streets_gz(self) -> bytes:
        net = self.region.streets["car"]
        tail = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
        head = net.head.astype(np.int64)
        # a two-way street is two edges: keep one of each pair (same ends, same length, same
        # bounding box — parallel roads between two junctions stay apart)
        off = net.geom_offset
        box = [np.round(f(g.astype(np.float64), off[:-1]) * 1e5).astype(np.int64)
               for g in (net.geom_lat, net.geom_lon) for f in (np.minimum.reduceat,
                                                                np.maximum.reduceat)]
        key = np.c_[np.minimum(tail, head), np.maximum(tail, head),
                    np.round(net.length).astype(np.int64), *box]
        _, first = np.unique(key, axis=0, return_index=True)
        names = np.array([*HIGHWAY_CLASSES, ""])
        hw = names[net.highway[first]]  # -1 picks ""
        layer = np.where(np.isin(hw, list(_MAJOR)), 0, np.where(np.isin(hw, list(_SERVICE)),
                                                                 2, 1))
        lat = np.round(net.geom_lat.astype(np.float64), 5)
        lon = np.round(net.geom_lon.astype(np.float64), 5)
        lines: list[list[str]] = [[], [], []]
        for e, k in zip(first.tolist(), layer.tolist(), strict=True):
            a, b = int(off[e]), int(off[e + 1])
            pts = ",".join(f"[{x:.5f},{y:.5f}]" for x, y in zip(lon[a:b], lat[a:b],
                                                                   strict=True))
            lines[k].append(f"[{pts}]")
        feats = [f'{{"type":"Feature","properties":{{"class":"{c}"}},"geometry":'
                 f'{{"type":"MultiLineString","coordinates":[{",".join(ls)}]}}}}'
                 for c, ls in zip(("major", "minor", "service"), lines, strict=True)]
        doc = '{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}"
        return gzip.compress(doc.encode(), compresslevel=6, mtime=0)

    def stops(self) -> dict[str, Any]:
        """The stops as a GeoJSON FeatureCollection (id, name, departures on the default
        date)."""
        with self._lock:
            return self._stops

    @cached_property
    def _stops(self) -> dict[str, Any]:
        from mobility.planning import stop_departures

        tt = self.region.timetable
        deps = stop_departures(self.region)
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": str(tt.stop_id[i]),
             "properties": {"id": str(tt.stop_id[i]), "name": str(tt.stop_name[i]),
                            "departures": int(deps[i])},
             "geometry": {"type": "Point", "coordinates": [round(float(tt.stop_lon[i]), 6),
                                                           round(float(tt.stop_lat[i]), 6)]}}
            for i in range(tt.n_stops)]}

    # -- search ----------------------------------------------------------------------------
    def search(self, query: str, limit: int = 10,
               near: tuple[float, float] | None = None) -> list[Place]:
        """Places whose name (or another name of theirs) matches ``query``, best first:

        1. how: the whole name, then names starting with the query, with a word starting
           with it, containing it (from 3 letters on), within one typo (from 4 letters:
           a letter wrong, missing, added or two swapped);
        2. size: settlements by size (city, town and municipality, village and district,
           hamlet; a known population decides), then stops, streets, addresses and other
           points;
        3. nearness to ``near`` (the map's centre; default the region's), in doubling
           distance bands (0-1 km, 1-3, 3-7, ...);
        4. shorter names first.

        Case, accents and punctuation are ignored, "ä" is found as "a" and "ae", "ß" as
        "ss", "Straße"/"Str.", "Street"/"St", "Road"/"Rd", "Avenue"/"Ave" alike (see
        :func:`mobility.place_index.fold`). Hits a rider could not tell apart (see
        :func:`_same`) appear once."""
        with self._lock:
            places, index, centre = self._index
        out: list[Place] = []
        for i, _how in index.ranked(query, near or centre):
            p = places[i]
            if any(_same(p, q) for q in out):
                continue
            out.append(p)
            if len(out) == limit:
                break
        return out

    @cached_property
    def _index(self) -> tuple[list[Place], PlaceIndex, tuple[float, float]]:
        from feeds import FeedError
        from feeds.osm import named_places
        from feeds.places import NamedPlace

        cfg = self.region.config
        tt = self.region.timetable
        names, counts = np.unique(tt.stop_name, return_counts=True)
        shared = set(names[counts > 1].tolist())  # only these may need telling apart
        places = [Place(str(tt.stop_name[i]), "stop", float(tt.stop_lat[i]),
                        float(tt.stop_lon[i]), stop_id=str(tt.stop_id[i]),
                        near=(_other_stop(tt.stop_name, tt.stop_lat, tt.stop_lon, i)
                              if tt.stop_name[i] in shared else None))
                  for i in range(tt.n_stops)]
        also: list[tuple[str, ...]] = [() for _ in places]
        tiers = [TIERS["stop"]] * len(places)
        try:  # the extract's places; an extract the router read but this pass cannot
            # (pyosmium's areas need sorted ids) still leaves stops and the gazetteer
            osm = named_places(cfg.osm, number_first=cfg.country in _NUMBER_FIRST)
        except FeedError as exc:
            log.warning("place search without the extract's places: %s", exc)
            osm = []
        found = [*(NamedPlace(*g) for g in cfg.places), *osm]
        found = self._settle(found)
        if found:
            pts = np.array([(p.lat, p.lon) for p in found])
            near = (_nearest(pts, np.c_[tt.stop_lat, tt.stop_lon]).tolist() if tt.n_stops
                    else [None] * len(found))
            settled = [f for f in found if _tier(f.kind) <= TIERS["hamlet"]]
            repeated = {n for n, c in zip(*np.unique([fold(f.name) for f in settled],
                                                     return_counts=True), strict=True)
                        if c > 1} if settled else set()
            for f, j in zip(found, near, strict=True):
                area = _tier(f.kind) <= TIERS["hamlet"]
                tell = j is not None and (not area or fold(f.name) in repeated)
                places.append(Place(f.name, f.kind, f.lat, f.lon,
                                    near=str(tt.stop_name[j]) if tell else None))
                also.append(tuple(f.also))
                tiers.append(_tier(f.kind, f.population))
        index = PlaceIndex([(p.name, *a) for p, a in zip(places, also, strict=True)],
                           np.array(tiers), np.array([p.lat for p in places]),
                           np.array([p.lon for p in places]))
        net = self.region.streets["car"]
        centre = ((float(net.node_lat.min()) + float(net.node_lat.max())) / 2,
                  (float(net.node_lon.min()) + float(net.node_lon.max())) / 2)
        return places, index, centre

    def _settle(self, found: Sequence[NamedPlace]) -> list[NamedPlace]:
        """The named places with settlements and areas once per name and place (the
        gazetteer's first, then the extract's nodes, then its areas), each at its centre
        snapped to the nearest street a car and a walker may use, so that a trip from a
        village starts on its main street (areas far from every street keep their point)."""
        snap = StreetRouter(self.region.streets["car"].without(_NOT_CENTRES),
                            max_snap_m=_SAME_AREA_M)
        kept: list[NamedPlace] = []
        seen: dict[str, list[tuple[float, float]]] = {}
        for f in found:
            if _tier(f.kind) > TIERS["hamlet"]:
                kept.append(f)
                continue
            key = fold(f.name)
            if any(local_metres(la, lo, f.lat, f.lon) < _SAME_AREA_M
                   for la, lo in seen.get(key, [])):
                continue
            seen.setdefault(key, []).append((f.lat, f.lon))
            try:
                s = snap.snap(f.lat, f.lon)
                f = f._replace(lat=s.lat, lon=s.lon)
            except OutOfRegionError:
                pass
            kept.append(f)
        return kept


def _tier(kind: str, population: int = 0) -> int:
    """A place's size class (see :data:`TIERS`)."""
    tier = TIERS.get(kind, POI_TIER)
    if tier <= TIERS["hamlet"] and population > 0:
        tier = (0 if population >= 100_000 else 1 if population >= 10_000 else
                2 if population >= 1_000 else 3)
    return tier


#: hits of one name closer than this are one place
_SAME_M = 300.0


def _same(a: Place, b: Place) -> bool:
    """Two hits a rider could not tell apart: one name, and close together (two platforms
    of a stop, a street beside its stop) or, for streets and points, by the same stop."""
    return a.name == b.name and (_metres(a, b) < _SAME_M or (
        a.kind == b.kind != "stop" and a.near == b.near))


def _metres(a: Place, b: Place) -> float:
    return float(local_metres(a.lat, a.lon, b.lat, b.lon))


def _other_stop(names: np.ndarray, lat: np.ndarray, lon: np.ndarray, i: int) -> str | None:
    """For a stop whose name is also used far away (a "Marktplatz" in several towns): the
    nearest stop of another name, to tell them apart; ``None`` for a unique name."""
    same = names == names[i]
    d = np.asarray(local_metres(float(lat[i]), float(lon[i]), lat, lon))
    if same.sum() < 2 or d[same].max() < _SAME_M:
        return None
    d[same] = np.inf
    return str(names[int(np.argmin(d))]) if np.isfinite(d).any() else None


def _nearest(pts: np.ndarray, to: np.ndarray, block: int = 2048) -> np.ndarray:
    """Index into ``to`` of the nearest point to each of ``pts`` (equirectangular)."""
    k = np.cos(np.radians(float(to[:, 0].mean())))
    out = np.empty(len(pts), dtype=np.int64)
    for s in range(0, len(pts), block):
        p = pts[s:s + block]
        d = (p[:, None, 0] - to[None, :, 0]) ** 2 + ((p[:, None, 1] - to[None, :, 1]) * k) ** 2
        out[s:s + block] = d.argmin(axis=1)
    return out

