"""What the web app's map and search box need of a region: its street network and stops as
GeoJSON (an offline base map) and a search over stop, street and place names."""

from __future__ import annotations

import gzip
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from mobility.region import Region
from routing import HIGHWAY_CLASSES
from routing.geo import local_metres

#: base-map layers: which highway classes each draws (the rest of the car network is "minor")
_MAJOR = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
          "secondary", "secondary_link"}
_SERVICE = {"service", "track"}
#: German regions get a German interface by default
_GERMAN = {"DE", "AT", "LI"}


def fold(text: str) -> str:
    """A name as the search compares it: no accents or case, ß as ss, "straße" and
    "strasse" as "str", punctuation as spaces."""
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"stra(ss|ß)e\b", "str", t)
    t = re.sub(r"\bstr\.", "str", t)
    return " ".join(re.sub(r"[^\w]+", " ", t).split())


@dataclass(frozen=True)
class Place:
    """One search hit: a stop, a street or a named point."""

    name: str
    kind: str  #: "stop", "street" or the OSM value of a point (e.g. "pharmacy")
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
        self.language = language or ("de" if region.config.country in _GERMAN else "en")
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
    def search(self, query: str, limit: int = 10) -> list[Place]:
        """Places whose name matches ``query`` (see :func:`fold`): names starting with it
        first, then names with a word starting with it, then names containing it; stops
        before streets before other points; shorter names first; hits a rider could not
        tell apart (see :func:`_same`) only once."""
        q = fold(query)
        if not q:
            return []
        with self._lock:
            places, folded = self._index
        ranked: list[tuple[int, int, int, int]] = []
        for i, f in enumerate(folded):
            at = f.find(q)
            if at < 0:
                continue
            how = 0 if at == 0 else 1 if f[at - 1] == " " else 2
            kind = places[i].kind
            ranked.append((how, 0 if kind == "stop" else 1 if kind == "street" else 2,
                           len(f), i))
        ranked.sort()
        out: list[Place] = []
        for *_, i in ranked:
            p = places[i]
            if any(_same(p, q) for q in out):
                continue
            out.append(p)
            if len(out) == limit:
                break
        return out

    @cached_property
    def _index(self) -> tuple[list[Place], list[str]]:
        from feeds.osm import named_places

        tt = self.region.timetable
        names, counts = np.unique(tt.stop_name, return_counts=True)
        shared = set(names[counts > 1].tolist())  # only these may need telling apart
        places = [Place(str(tt.stop_name[i]), "stop", float(tt.stop_lat[i]),
                        float(tt.stop_lon[i]), stop_id=str(tt.stop_id[i]),
                        near=(_other_stop(tt.stop_name, tt.stop_lat, tt.stop_lon, i)
                              if tt.stop_name[i] in shared else None))
                  for i in range(tt.n_stops)]
        found = named_places(self.region.config.osm) if self.region.config.osm else []
        if found and tt.n_stops:
            pts = np.array([(p[2], p[3]) for p in found])
            near = _nearest(pts, np.c_[tt.stop_lat, tt.stop_lon])
            places += [Place(n, k, la, lo, near=str(tt.stop_name[j]))
                       for (n, k, la, lo, *_), j in zip(found, near.tolist(), strict=True)]
        return places, [fold(p.name) for p in places]


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

