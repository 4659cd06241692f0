"""Region configuration: a folder with a ``region.toml`` (or the built-in one, or defaults)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch.compensation import CompensationRule
from dispatch.demand import DemandProfile
from dispatch.fares import FareRule
from dispatch.model import Vehicle
from dispatch.service_area import BookingRule
from mobility.errors import RegionError
from mobility.gazetteer import GazetteerPlace, read_gazetteer
from mobility.schema import (
    FeedTable,
    RegionFile,
    area_settings,
    compensation,
    fares,
    fleet,
    read_toml,
    validate,
)

BUILTIN = Path(__file__).parent / "regions"
OSM_SUFFIXES = (".osm.pbf", ".osm", ".osm.gz", ".osm.bz2")
#: a region folder's gazetteer when ``region.toml`` names none
PLACES_FILE = "places.geojson"
#: default speed tables by country; the country follows from the time zone unless given
_TZ_COUNTRY = {"Europe/Berlin": "DE", "Europe/Busingen": "DE"}


#: a country's currency (ISO 3166 → ISO 4217) where it is not the euro
_CURRENCY = {"US": "USD", "CA": "CAD", "GB": "GBP", "CH": "CHF", "LI": "CHF", "DK": "DKK",
             "SE": "SEK", "NO": "NOK", "PL": "PLN", "CZ": "CZK", "HU": "HUF", "AU": "AUD",
             "NZ": "NZD", "JP": "JPY"}
DEFAULT_CURRENCY = "EUR"


def currency_of(country: str) -> str:
    """The currency of a country code (the euro for the euro area and unknown countries)."""
    return _CURRENCY.get(country.upper(), DEFAULT_CURRENCY)


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
    """Where a region's inputs are and how to read them (defaults: :class:`RegionFile`)."""

    name: str
    folder: Path
    gtfs: tuple[Path, ...]
    osm: Path
    timezone: str | None
    country: str
    default_date: dt.date | None
    service_area_files: tuple[Path, ...]
    walk_speed: float  #: m/s, for transfers and access/egress
    max_transfer_s: int  #: longest walking transfer between stops
    #: the on-demand fleet: (service area name, vehicle with its daily shift)
    fleet: tuple[tuple[str, Vehicle], ...]
    #: the gazetteer file and its named places (villages, towns, ...) for place search
    places_file: Path | None = None
    places: tuple[GazetteerPlace, ...] = ()
    #: the currency of the simulations' money figures (``currency`` in region.toml, else
    #: the country's); a label, not part of the cache key
    currency: str = DEFAULT_CURRENCY
    #: public holidays standing orders skip (``holidays`` in region.toml, e.g. "US-VT";
    #: None: the country's nationwide ones)
    holidays: str | None = None
    #: ``[[areas]]``: (service area name, booking rule or None, stop ids; none: door to door)
    area_settings: tuple[tuple[str, BookingRule | None, tuple[str, ...]], ...] = ()
    #: ``[feed]``: the published GTFS-Flex feed's agency and feed_info
    feed: FeedTable = FeedTable()
    #: the configuration file the settings came from (for error messages)
    source: str = ""

    def booking(self, area: str) -> BookingRule | None:
        """The booking rule configured for ``area`` (None: none configured)."""
        return next((r for name, r, _ in self.area_settings if name == area), None)

    def stop_ids(self, area: str) -> tuple[str, ...]:
        """The stops a stop-based ``area`` is served at (empty: door to door)."""
        return next((s for name, _, s in self.area_settings if name == area), ())
    #: the fare rules (``[[fares]]``): (service area name, or None for every area without
    #: its own, rule)
    fares: tuple[tuple[str | None, FareRule], ...] = ()

    def fare_rule(self, area: str) -> FareRule | None:
        """The fare rule of a service area (its own, else the region's default, else None)."""
        rules = dict(self.fares)
        return rules.get(area, rules.get(None))

    #: the compensation rules (``[[compensation]]``): (service area name, rule)
    compensation: tuple[tuple[str, CompensationRule], ...] = ()

    def compensation_rule(self, area: str) -> CompensationRule | None:
        """What the companies driving in a service area are paid (None: no rule)."""
        return dict(self.compensation).get(area)

    #: ``[demand]``: the requests a day expected per area and their spread over the day
    demand: DemandProfile | None = None

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
        If the region or one of its input files does not exist, or its TOML or gazetteer
        is invalid.
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
    raw = read_toml(toml_path) if toml_path.is_file() else {}
    return _config(folder, raw, toml_path)


def _config(folder: Path, raw: dict[str, Any], toml_path: Path) -> RegionConfig:
    f = validate(RegionFile, raw, str(toml_path))
    if f.gtfs is None:
        gtfs = sorted(p for p in folder.iterdir() if "gtfs" in p.name.lower()
                      and (p.suffix == ".zip" or p.is_dir()))
    else:
        gtfs = [folder / g for g in f.gtfs]
    if not gtfs:
        raise RegionError(f"region folder {folder} has no GTFS feed (a gtfs*.zip or gtfs/ "
                          "folder, or 'gtfs' in region.toml)")
    if f.osm is None:
        cands = sorted(p for p in folder.iterdir() if p.name.lower().endswith(OSM_SUFFIXES))
        if not cands:
            raise RegionError(f"region folder {folder} has no OSM extract (*.osm.pbf, *.osm, "
                              "*.osm.gz, *.osm.bz2, or 'osm' in region.toml)")
        osm = cands[0]
    else:
        osm = folder / f.osm
    for p in [*gtfs, osm]:
        if not p.exists():
            raise RegionError(f"region '{folder.name}': input {p} does not exist")
    # relative to the TOML file (built-in configs ship their areas and places beside them)
    places = (toml_path.parent / f.places if f.places is not None
              else folder / PLACES_FILE if (folder / PLACES_FILE).is_file() else None)
    areas = (sorted(p for p in folder.glob("*.geojson") if p != places)
             if f.service_areas is None else [toml_path.parent / a for a in f.service_areas])
    area_names = [a.name for p in areas if p.exists() for a in read_service_areas(p)]
    country = f.country if f.country is not None else country_of(f.timezone)
    currency = f.currency or currency_of(country)

    def zones(name: str) -> tuple[tuple[str, dict[str, Any]], ...]:
        return tuple((z.name, z.geometry) for z in read_service_areas(toml_path.parent / name))

    return RegionConfig(
        name=f.name or folder.name,
        folder=folder,
        gtfs=tuple(gtfs),
        osm=osm,
        timezone=f.timezone,
        country=country,
        default_date=f.default_date,
        service_area_files=tuple(areas),
        walk_speed=f.walk_speed,
        max_transfer_s=f.max_transfer_s,
        fleet=fleet(f.vehicles, area_names, str(toml_path)),
        places_file=places,
        places=read_gazetteer(places) if places is not None else (),
        currency=currency,
        holidays=f.holidays,
        area_settings=area_settings(f.areas, area_names, str(toml_path)),
        feed=f.feed,
        source=str(toml_path),
        fares=fares(f.fares, area_names, currency, str(toml_path), zones),
        compensation=compensation(f.compensation, area_names, currency, str(toml_path)),
        demand=f.demand.profile(area_names, str(toml_path)) if f.demand is not None else None,
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
