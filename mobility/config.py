"""Region configuration: a folder with a ``region.toml`` (or the built-in one, or defaults)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch.model import Vehicle
from mobility.errors import RegionError
from mobility.fleet import read_fleet

BUILTIN = Path(__file__).parent / "regions"
OSM_SUFFIXES = (".osm.pbf", ".osm", ".osm.gz", ".osm.bz2")
#: default speed tables by country; the country follows from the time zone unless given
_TZ_COUNTRY = {"Europe/Berlin": "DE", "Europe/Busingen": "DE"}


def country_of(timezone: str | None) -> str:
    if not timezone:
        return ""
    if timezone.startswith("America/") and timezone not in ("America/Toronto",
                                                            "America/Vancouver"):
        return "US"
    return _TZ_COUNTRY.get(timezone, "")


@dataclass(frozen=True)
class ServiceAreaSpec:
    """An on-demand service area as given: a name and a GeoJSON (Multi)Polygon geometry."""

    name: str
    geometry: dict[str, Any]
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionConfig:
    """Where a region's inputs are and how to read them."""

    name: str
    folder: Path
    gtfs: tuple[Path, ...]
    osm: Path
    timezone: str | None = None
    country: str = ""
    default_date: dt.date | None = None
    service_area_files: tuple[Path, ...] = ()
    walk_speed: float = 1.33  #: m/s, for transfers and access/egress
    max_transfer_s: int = 600  #: longest walking transfer between stops
    #: the on-demand fleet: (service area name, vehicle with its daily shift)
    fleet: tuple[tuple[str, Vehicle], ...] = ()

    def inputs(self) -> list[Path]:
        """The files whose content decides the compiled arrays."""
        return [*self.gtfs, self.osm]

    def key_fields(self) -> dict[str, Any]:
        """Configuration values that change the compiled arrays (part of the cache key)."""
        return {"country": self.country, "gtfs": [p.name for p in self.gtfs],
                "osm": self.osm.name, "walk_speed": self.walk_speed,
                "max_transfer_s": self.max_transfer_s}

    def service_areas(self) -> list[ServiceAreaSpec]:
        return [a for p in self.service_area_files for a in read_service_areas(p)]


def known_regions(data: Path) -> list[str]:
    found = {p.name for p in data.iterdir() if p.is_dir()} if data.is_dir() else set()
    return sorted(found)


def resolve_region(region: str | Path, data: Path) -> RegionConfig:
    """Find a region by name (a sub-folder of ``data``) or by folder path and read its config.

    Raises
    ------
    RegionError
        If the region or one of its input files does not exist, or its TOML is invalid.
    """
    folder = Path(region)
    if not folder.is_dir():
        folder = data / str(region)
    if not folder.is_dir():
        names = ", ".join(known_regions(data)) or "none"
        raise RegionError(f"unknown region '{region}': no folder {folder} (known in {data}: "
                          f"{names}; set MOBILITY_DATA or --data to another data folder)")
    toml_path = folder / "region.toml"
    if not toml_path.is_file():
        toml_path = BUILTIN / f"{folder.name}.toml"
    raw: dict[str, Any] = {}
    if toml_path.is_file():
        try:
            raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RegionError(f"{toml_path}: invalid TOML ({exc})") from exc
    return _config(folder, raw, toml_path)


def _config(folder: Path, raw: dict[str, Any], toml_path: Path) -> RegionConfig:
    def bad(key: str, why: str) -> RegionError:
        return RegionError(f"{toml_path}: '{key}' {why}")

    known = {"name", "gtfs", "osm", "timezone", "country", "default_date", "service_areas",
             "walk_speed", "max_transfer_s", "vehicles"}
    unknown = set(raw) - known
    if unknown:
        raise bad(sorted(unknown)[0], f"is not a known setting (known: {', '.join(sorted(known))})")
    walk_speed = raw.get("walk_speed", 1.33)
    if not isinstance(walk_speed, (int, float)) or not 0.3 <= walk_speed <= 3.0:
        raise bad("walk_speed", f"must be a speed in m/s between 0.3 and 3.0, not {walk_speed!r}")
    max_transfer = raw.get("max_transfer_s", 600)
    if not isinstance(max_transfer, int) or not 0 <= max_transfer <= 3600:
        raise bad("max_transfer_s", f"must be whole seconds between 0 and 3600, not "
                  f"{max_transfer!r}")
    gtfs_raw = raw.get("gtfs")
    if gtfs_raw is None:
        gtfs = sorted(p for p in folder.iterdir() if "gtfs" in p.name.lower()
                      and (p.suffix == ".zip" or p.is_dir()))
    elif isinstance(gtfs_raw, (str, list)):
        gtfs = [folder / g for g in ([gtfs_raw] if isinstance(gtfs_raw, str) else gtfs_raw)]
    else:
        raise bad("gtfs", "must be a file name or a list of file names")
    if not gtfs:
        raise RegionError(f"region folder {folder} has no GTFS feed (a gtfs*.zip or gtfs/ "
                          "folder, or 'gtfs' in region.toml)")
    osm_raw = raw.get("osm")
    if osm_raw is None:
        cands = sorted(p for p in folder.iterdir() if p.name.lower().endswith(OSM_SUFFIXES))
        if not cands:
            raise RegionError(f"region folder {folder} has no OSM extract (*.osm.pbf, *.osm, "
                              "*.osm.gz, *.osm.bz2, or 'osm' in region.toml)")
        osm = cands[0]
    elif isinstance(osm_raw, str):
        osm = folder / osm_raw
    else:
        raise bad("osm", "must be a file name")
    for p in [*gtfs, osm]:
        if not p.exists():
            raise RegionError(f"region '{folder.name}': input {p} does not exist")
    tz = raw.get("timezone")
    if tz is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise bad("timezone", f"is not an IANA time zone ({tz!r})") from exc
    default_date = raw.get("default_date")
    if isinstance(default_date, str):
        try:
            default_date = dt.date.fromisoformat(default_date)
        except ValueError as exc:
            raise bad("default_date", f"is not a YYYY-MM-DD date ({default_date!r})") from exc
    elif default_date is not None and not isinstance(default_date, dt.date):
        raise bad("default_date", "must be a date")
    areas_raw = raw.get("service_areas")
    if areas_raw is None:
        areas = sorted(folder.glob("*.geojson"))
    elif isinstance(areas_raw, list):
        # relative to the TOML file (built-in configs ship their areas beside them)
        areas = [(toml_path.parent / a) for a in areas_raw]
    else:
        raise bad("service_areas", "must be a list of GeoJSON file names")
    area_names = [a.name for p in areas if p.exists() for a in read_service_areas(p)]
    fleet = read_fleet(raw.get("vehicles"), area_names, toml_path)
    return RegionConfig(
        name=str(raw.get("name", folder.name)),
        folder=folder,
        gtfs=tuple(gtfs),
        osm=osm,
        timezone=tz,
        country=str(raw.get("country", country_of(tz))),
        default_date=default_date,
        service_area_files=tuple(areas),
        walk_speed=float(walk_speed),
        max_transfer_s=max_transfer,
        fleet=fleet,
    )


def read_service_areas(path: Path) -> list[ServiceAreaSpec]:
    """Polygons of a GeoJSON file (FeatureCollection, Feature or bare geometry).

    Raises
    ------
    RegionError
        If the file is missing, not JSON, or holds no Polygon/MultiPolygon.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegionError(f"service area file {path} does not exist") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RegionError(f"{path}: not valid GeoJSON ({exc})") from exc
    features = (doc.get("features", []) if doc.get("type") == "FeatureCollection"
                else [doc if doc.get("type") == "Feature" else {"type": "Feature",
                                                                "geometry": doc}])
    out = []
    for i, feat in enumerate(features):
        geom = (feat or {}).get("geometry") or {}
        if geom.get("type") not in ("Polygon", "MultiPolygon"):
            raise RegionError(f"{path}: feature {i} is a {geom.get('type')!r}, not a Polygon "
                              "or MultiPolygon")
        props = feat.get("properties") or {}
        out.append(ServiceAreaSpec(str(props.get("name", f"{path.stem}-{i}")), geom, props))
    return out
