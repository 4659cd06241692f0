"""The configuration files' one schema: ``region.toml`` with its ``[[vehicles]]`` tables, and
a planner's scenario TOML with its ``[fleet]``, ``[rules]`` and ``[costs]`` tables, as
pydantic models. Their defaults are the library's own (:mod:`dispatch.scenario`,
:class:`dispatch.insertion.DispatchParams`): one set for every file.

Every problem of a file is reported at once, each naming the file, the table and the field:
a key as ``'fleet.seats'``, an entry of an array of tables as ``vehicles[1].shift``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import types
import typing
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo

from dispatch.compensation import CompensationRule
from dispatch.demand import DemandProfile
from dispatch.fares import ChildBand, FareRule
from dispatch.insertion import DispatchParams
from dispatch.model import DEFAULT_HOURS, DEFAULT_SEATS, DEFAULT_WHEELCHAIR_PLACES, Vehicle
from dispatch.scenario import Costs, Scenario
from dispatch.service_area import BookingRule
from mobility.errors import RegionError
from routing.timebase import parse_clock

__all__ = ["AreaTable", "BookingTable", "ChildBandTable", "CompensationTable", "CostsTable",
           "DemandTable", "FareTable", "FeedTable", "FleetTable", "RegionFile", "RulesTable",
           "ScenarioFile", "VehicleTable", "area_settings", "compensation", "fares", "fleet",
           "read_toml", "report", "validate"]

_RULES = DispatchParams()
_COSTS = Costs()


# -- values TOML has no type for ------------------------------------------------------------
def _clock_pair(v: Any) -> tuple[float, float]:
    """``["HH:MM", "HH:MM"]`` as seconds after midnight (hours up to 47), ending later."""
    try:
        a, b = (float(parse_clock(x, allow_seconds=False)) for x in v)
    except (TypeError, ValueError):
        raise ValueError(f'must be ["HH:MM", "HH:MM"], not {v!r}') from None
    if b <= a:
        raise ValueError("must end after it starts")
    return a, b


def _clock(v: Any) -> float:
    """``"HH:MM"`` or ``"HH:MM:SS"`` (hours up to 47) as seconds after midnight."""
    try:
        return float(parse_clock(v))
    except (TypeError, ValueError):
        raise ValueError(f'must be a time "HH:MM" or "HH:MM:SS", not {v!r}') from None


def _lat_lon(v: Any) -> tuple[float, float]:
    ok = (isinstance(v, list | tuple) and len(v) == 2
          and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
          and -90 <= v[0] <= 90 and -180 <= v[1] <= 180)
    if not ok:
        raise ValueError(f"must be [latitude, longitude], not {v!r}")
    return float(v[0]), float(v[1])


def _date(v: Any) -> dt.date:
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"is not a YYYY-MM-DD date ({v!r})") from None
    raise ValueError(f"must be a date (YYYY-MM-DD), not {v!r}")


def _zone(v: Any) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"is not an IANA time zone ({v!r})") from None
    return str(v)


def _file_names(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return v
    raise ValueError(f"must be a file name or a list of file names, not {v!r}")


ClockPair = Annotated[tuple[float, float], BeforeValidator(_clock_pair)]
Clock = Annotated[float, BeforeValidator(_clock)]
#: an ISO 4217 currency code such as "EUR" or "USD"
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$",
                                description='an ISO 4217 currency code such as "EUR"')]
LatLon = Annotated[tuple[float, float], BeforeValidator(_lat_lon)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Zone = Annotated[str, BeforeValidator(_zone)]
FileNames = Annotated[list[str], BeforeValidator(_file_names)]


def _text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _range(default: float | None, lo: float, hi: float, kind: str = "a number", unit: str = ""
           ) -> Any:
    """A number field from ``lo`` to ``hi``; its description is what errors ask for."""
    what = f"{kind} from {_text(lo)} to {_text(hi)}" + (f" {unit}" if unit else "")
    return Field(default, ge=lo, le=hi, description=what)


# -- the tables -----------------------------------------------------------------------------
class _Table(BaseModel):
    """A TOML table: known keys only, each of TOML's own type (no numbers in strings)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _VehicleKind(_Table):
    """What a vehicle offers, in every fleet table."""

    seats: int = _range(DEFAULT_SEATS, 1, 100, "a whole number")
    wheelchair_places: int = _range(DEFAULT_WHEELCHAIR_PLACES, 0, 100, "a whole number")

    @field_validator("wheelchair_places")
    @classmethod
    def _within_seats(cls, v: int, info: ValidationInfo) -> int:
        seats = info.data.get("seats")
        if seats is not None and v > seats:
            raise ValueError(f"must be a whole number from 0 to {seats} (the seats), not {v}")
        return v


class VehicleTable(_VehicleKind):
    """One ``[[vehicles]]`` table of ``region.toml``: a vehicle of the on-demand fleet, its
    service area (default: the only one), depot and daily shift (local time)."""

    id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$",
                    description="1-64 letters, digits, '.', '_' or '-'")
    area: str | None = Field(default=None, description="the name of a service area of the region")
    depot: LatLon = Field(description="[latitude, longitude]")
    shift: ClockPair = DEFAULT_HOURS

    def vehicle(self) -> Vehicle:
        """The vehicle, starting and ending its shift at the depot."""
        return Vehicle(self.id, self.depot, self.depot, self.shift, self.seats,
                       self.wheelchair_places)


class BookingTable(_Table):
    """An area's ``[areas.booking]``: how its rides are booked, with the GTFS-Flex
    ``booking_rules.txt`` field names (notices in minutes, times as "HH:MM"). What the GTFS
    reference requires or forbids for each ``booking_type`` is checked (:func:`area_settings`).
    ``url`` is the older name of ``booking_url``."""

    booking_type: int = Field(description="0 (real time), 1 (same day) or 2 (prior day)")
    prior_notice_duration_min: int | None = _range(None, 0, 525600, "whole minutes")
    prior_notice_duration_max: int | None = _range(None, 0, 525600, "whole minutes")
    prior_notice_last_day: int | None = _range(None, 0, 366, "whole days")
    prior_notice_last_time: Clock | None = None
    prior_notice_start_day: int | None = _range(None, 0, 366, "whole days")
    prior_notice_start_time: Clock | None = None
    message: str = ""
    pickup_message: str = ""
    drop_off_message: str = ""
    phone_number: str = ""
    info_url: str = ""
    booking_url: str = ""
    url: str | None = Field(default=None, description="a URL (the older name of booking_url)")

    def rule(self) -> BookingRule:
        def s(minutes: int | None) -> float | None:
            return None if minutes is None else 60.0 * minutes

        return BookingRule(
            self.booking_type, s(self.prior_notice_duration_min) or 0.0,
            s(self.prior_notice_duration_max), self.prior_notice_last_day,
            self.prior_notice_last_time, self.message, self.phone_number,
            self.booking_url or self.url or "", self.info_url, self.prior_notice_start_day,
            self.prior_notice_start_time, self.pickup_message, self.drop_off_message)


class AreaTable(_Table):
    """One ``[[areas]]`` table of ``region.toml``: settings of a service area (named as in
    its GeoJSON): its booking rule and, for a service at stops only, the stops (``stop_id``
    of the region's GTFS) where its rides start and end."""

    name: str = Field(description="the name of a service area of the region")
    stops: list[str] = Field(default_factory=list, description="a list of GTFS stop_ids")
    booking: BookingTable | None = None


class FeedTable(_Table):
    """``[feed]`` of ``region.toml``: the published GTFS-Flex feed's agency and
    ``feed_info.txt`` (defaults: the region's name, the language of its country, the
    export's dates and a digest of the content as the version)."""

    agency_name: str | None = Field(default=None, description="a name")
    agency_url: str = Field(default="https://example.org/on-demand", pattern=r"^https?://",
                            description="an http(s) URL")
    agency_phone: str = ""
    publisher_name: str | None = Field(default=None, description="a name")
    publisher_url: str | None = Field(default=None, pattern=r"^https?://",
                                      description="an http(s) URL")
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
                             description='a language code such as "en" or "de"')
    contact_email: str = Field(default="", pattern=r"^([^@\s]+@[^@\s]+)?$",
                               description="an e-mail address")
    contact_url: str = Field(default="", pattern=r"^(https?://.*)?$",
                             description="an http(s) URL")
    version: str = ""
    start_date: Date | None = None
    end_date: Date | None = None

    @field_validator("end_date")
    @classmethod
    def _after_start(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start_date")
        if v is not None and start is not None and v < start:
            raise ValueError(f"must not precede start_date ({start})")
        return v


class ChildBandTable(_Table):
    """A child fare band of a ``[[fares]]`` table: children up to ``max_age`` pay ``share``."""

    max_age: int = _range(5, 0, 30, "a whole number", "years")
    share: float = _range(0.0, 0, 1)


def _money(default: float | None = 0.0) -> Any:
    return Field(default, ge=0, le=10_000, description="an amount from 0 to 10000 (e.g. 2.50)")


class FareTable(_Table):
    """One ``[[fares]]`` table of ``region.toml``: a service area's fare rule (amounts in the
    region's currency, e.g. ``2.50``; see :mod:`dispatch.fares`). Without ``area`` it is the
    rule of every area that has none of its own."""

    area: str | None = Field(default=None, description="the name of a service area of the region")
    rule: typing.Literal["flat", "distance", "zone"] = Field(
        description='"flat", "distance" or "zone"')
    price: float | None = _money(None)
    base: float = _money()
    per_km: float = _money()
    zones: str | None = Field(default=None, description="a GeoJSON file name (the zones)")
    zone_prices: list[typing.Annotated[float, Field(ge=0, le=10_000)]] | None = Field(
        default=None, description="a list of amounts: 1 zone, 2 zones, …")
    surcharge: float = _money()
    children: list[ChildBandTable] = Field(default_factory=list,
                                           description="an array of tables ({max_age, share})")
    concession: float = _range(1.0, 0, 1)
    cancel_fee: float = _money()
    cancel_deadline_min: float | None = Field(default=None, ge=0, le=7 * 1440,
                                              description="minutes from 0 to 10080")


class CompensationTable(_Table):
    """One ``[[compensation]]`` table of ``region.toml``: what the companies driving in a
    service area are paid (amounts in the region's currency; see
    :mod:`dispatch.compensation`)."""

    area: str = Field(description="the name of a service area of the region")
    per_vehicle_hour: float = Field(0.0, ge=0, le=10_000,
                                    description="an amount from 0 to 10000 (e.g. 32.00)")
    per_km: float = Field(0.0, ge=0, le=1_000, description="an amount from 0 to 1000 (e.g. 0.55)")
    per_tour: float = Field(0.0, ge=0, le=10_000,
                            description="an amount from 0 to 10000 (e.g. 5.00)")
    cap_per_day: float | None = Field(None, ge=0, le=1_000_000,
                                      description="an amount from 0 to 1000000")
    cap_per_month: float | None = Field(None, ge=0, le=100_000_000,
                                        description="an amount from 0 to 100000000")


class DemandTable(_Table):
    """``[demand]`` of ``region.toml``: the demand a district plans for — requests a day per
    service area, their spread over the hours of the day (24 weights, hours 0-23), the share
    of standing orders and the share of the other rides booked ahead."""

    requests_per_day: dict[str, typing.Annotated[float, Field(ge=0, le=1_000_000)]] = Field(
        description="a table of service area name = requests a day")
    hourly: list[typing.Annotated[float, Field(ge=0, le=1_000)]] = Field(
        min_length=24, max_length=24, description="24 relative weights (hours 0-23)")
    standing_share: float = _range(0.0, 0, 1)
    prebooked_share: float = _range(Scenario.prebooked_share, 0, 1)

    @field_validator("hourly")
    @classmethod
    def _some_hour(cls, v: list[float]) -> list[float]:
        if not sum(v) > 0:
            raise ValueError("must give at least one hour a weight above 0")
        return v

    def profile(self, areas: list[str], where: str) -> DemandProfile:
        """The profile, each area one of the region's ``areas``.

        Raises
        ------
        RegionError
            Naming every unknown area.
        """
        bad = [a for a in self.requests_per_day if a not in areas]
        if bad:
            raise RegionError(report(where, [
                f"demand.requests_per_day.{a} must name one of the region's service areas "
                f"({', '.join(areas) or 'none configured'})" for a in bad]))
        return DemandProfile(tuple(self.hourly), tuple(self.requests_per_day.items()),
                             self.standing_share, self.prebooked_share)


class RegionFile(_Table):
    """``region.toml``: where a region's inputs are, how to read them, its on-demand fleet.
    Unset file names are found in the region's folder."""

    name: str | None = Field(default=None, description="a name")
    gtfs: FileNames | None = None
    osm: str | None = Field(default=None, description="a file name")
    timezone: Zone | None = None
    country: str | None = Field(default=None, description="a country code such as \"US\"")
    #: public holidays standing orders skip: a country with an optional subdivision
    #: (default: the country's nationwide holidays)
    holidays: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$",
                                 description='a country and subdivision such as "US-VT"')
    #: the money figures' currency (default: the country's, else EUR)
    currency: Currency | None = None
    default_date: Date | None = None
    service_areas: list[str] | None = Field(default=None,
                                            description="a list of GeoJSON file names")
    places: str | None = Field(default=None, description="a GeoJSON file name (the gazetteer)")
    walk_speed: float = _range(1.33, 0.3, 3.0, "a speed", "m/s")
    max_transfer_s: int = _range(600, 0, 3600, "whole seconds")
    vehicles: list[VehicleTable] = Field(default_factory=list,
                                         description="an array of tables ([[vehicles]])")
    areas: list[AreaTable] = Field(default_factory=list,
                                   description="an array of tables ([[areas]])")
    feed: FeedTable = FeedTable()
    fares: list[FareTable] = Field(default_factory=list,
                                   description="an array of tables ([[fares]])")
    compensation: list[CompensationTable] = Field(
        default_factory=list, description="an array of tables ([[compensation]])")
    demand: DemandTable | None = None


class FleetTable(_VehicleKind):
    """A scenario's ``[fleet]``: identical vehicles at one depot (default: the region's
    depot in the area), on shift for the scenario's hours unless ``shift`` says otherwise."""

    vehicles: int = _range(3, 1, 500, "a whole number")
    depot: LatLon | None = Field(default=None, description="[latitude, longitude]")
    shift: ClockPair | None = None


class RulesTable(_Table):
    """A scenario's ``[rules]``: the promised pickup window, the ride-time limit
    ``alpha`` × direct + ``beta_min``, boarding and alighting times."""

    window_min: float = _range(_RULES.window_s / 60, 1, 240)
    alpha: float = _range(_RULES.alpha, 1, 10)
    beta_min: float = _range(_RULES.beta / 60, 0, 240)
    boarding_s: float = _range(_RULES.boarding_s, 0, 1800)
    alighting_s: float = _range(_RULES.alighting_s, 0, 1800)

    def params(self) -> DispatchParams:
        return DispatchParams(window_s=60 * self.window_min, alpha=self.alpha,
                              beta=60 * self.beta_min, boarding_s=self.boarding_s,
                              alighting_s=self.alighting_s)


class CostsTable(_Table):
    """A scenario's ``[costs]``: per vehicle-hour on shift, per km, CO₂ per km, and the
    currency they are in (default: the region's)."""

    per_vehicle_hour: float = _range(_COSTS.per_vehicle_hour, 0, 1e6)
    per_km: float = _range(_COSTS.per_km, 0, 1e4)
    co2_kg_per_km: float = _range(_COSTS.co2_kg_per_km, 0, 10)
    currency: Currency | None = None

    def costs(self, currency: str = _COSTS.currency) -> Costs:
        return Costs(self.per_vehicle_hour, self.per_km, self.co2_kg_per_km,
                     self.currency or currency)


class ScenarioFile(_Table):
    """A planner's scenario: service area, requested hours, synthetic demand, fleet, rules
    and costs. Every key is optional."""

    area: str | None = Field(default=None, description="a service area's name or a GeoJSON file")
    hours: ClockPair = Scenario.hours
    rate_per_hour: float = _range(Scenario.rate_per_hour, 0, 10_000)
    prebooked_share: float = _range(Scenario.prebooked_share, 0, 1)
    notice_min: float = _range(Scenario.notice_s / 60, 0, 7 * 1440)
    no_show: float = _range(Scenario.no_show, 0, 1)
    seed: int = _range(Scenario.seed, 0, 2**31, "a whole number")
    fleet: FleetTable = FleetTable()
    rules: RulesTable = RulesTable()
    costs: CostsTable = CostsTable()


# -- reading and reporting ------------------------------------------------------------------
M = TypeVar("M", bound=BaseModel)


def read_toml(path: Path, error: type[RegionError] = RegionError) -> dict[str, Any]:
    """The tables of a TOML file.

    Raises
    ------
    RegionError
        (or ``error``) if the file is missing or not TOML.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: invalid TOML ({exc})") from None


def validate(model: type[M], raw: Any, where: str, error: type[RegionError] = RegionError
             ) -> M:
    """``raw`` (a file's tables) as ``model``.

    Raises
    ------
    RegionError
        (or ``error``) listing every problem, each with its table and field.
    """
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(report(where, [_problem(model, e) for e in exc.errors()])) from None


def report(where: str, problems: list[str]) -> str:
    """One message for the problems of a file (``where``)."""
    return f"{where}: " + "; ".join(problems)


def fleet(tables: list[VehicleTable], areas: list[str], where: str
          ) -> tuple[tuple[str, Vehicle], ...]:
    """The ``[[vehicles]]`` as (service area name, vehicle): each in one of the region's
    ``areas`` (by default the only one), no id twice.

    Raises
    ------
    RegionError
        Listing every vehicle entry at fault.
    """
    problems: list[str] = []
    out: list[tuple[str, Vehicle]] = []
    seen: set[str] = set()
    for k, t in enumerate(tables):
        if t.id in seen:
            problems.append(f"vehicles[{k}].id '{t.id}' is used twice")
        seen.add(t.id)
        area = t.area if t.area is not None else (areas[0] if len(areas) == 1 else None)
        if area not in areas:
            problems.append(f"vehicles[{k}].area must name one of the region's service areas"
                            f" ({', '.join(areas) or 'none configured'}), not {area!r}")
            continue
        out.append((area, t.vehicle()))
    if problems:
        raise RegionError(report(where, problems))
    return tuple(out)


def _cents(x: float) -> int:
    """An amount of the currency in whole cents (halves rounded up)."""
    return int(x * 100 + 0.5)


def fares(tables: list[FareTable], areas: list[str], currency: str, where: str,
          zone_reader: typing.Callable[[str], tuple[tuple[str, dict[str, Any]], ...]]
          ) -> tuple[tuple[str | None, FareRule], ...]:
    """The ``[[fares]]`` as (service area name or None for every other area, rule): each
    rule's keys complete for its kind, one rule per area.

    Raises
    ------
    RegionError
        Listing every fare entry at fault.
    """
    problems: list[str] = []
    out: list[tuple[str | None, FareRule]] = []
    seen: set[str | None] = set()
    for k, t in enumerate(tables):
        at = f"fares[{k}]"
        if t.area in seen:
            problems.append(f"{at}.area {t.area or 'unset (every area)'!s} has a rule already")
        seen.add(t.area)
        if t.area is not None and t.area not in areas:
            problems.append(f"{at}.area must name one of the region's service areas"
                            f" ({', '.join(areas) or 'none configured'}), not {t.area!r}")
        if t.rule == "flat" and t.price is None:
            problems.append(f"{at}.price is missing (a flat rule's price per ride)")
        zones: tuple[tuple[str, dict[str, Any]], ...] = ()
        if t.rule == "zone":
            if not t.zone_prices:
                problems.append(f"{at}.zone_prices is missing (the price for 1 zone, 2 zones,"
                                " …)")
            if t.zones is None:
                problems.append(f"{at}.zones is missing (a GeoJSON file of the zones)")
            else:
                try:
                    zones = zone_reader(t.zones)
                except RegionError as exc:
                    problems.append(f"{at}.zones: {exc}")
        if t.cancel_fee > 0 and t.cancel_deadline_min is None:
            problems.append(f"{at}.cancel_deadline_min is missing (the fee needs a deadline)")
        ages = [c.max_age for c in t.children]
        if ages != sorted(set(ages)):
            problems.append(f"{at}.children must list bands by ascending max_age, each once")
        out.append((t.area, FareRule(
            kind=t.rule, currency=currency, price=_cents(t.price or 0), base=_cents(t.base),
            per_km=_cents(t.per_km), zone_prices=tuple(_cents(x) for x in t.zone_prices or ()),
            surcharge=_cents(t.surcharge),
            children=tuple(ChildBand(c.max_age, c.share) for c in t.children),
            concession=t.concession, zones=zones, cancel_fee=_cents(t.cancel_fee),
            cancel_deadline_min=t.cancel_deadline_min)))
    if problems:
        raise RegionError(report(where, problems))
    return tuple(out)


def compensation(tables: list[CompensationTable], areas: list[str], currency: str, where: str
                 ) -> tuple[tuple[str, CompensationRule], ...]:
    """The ``[[compensation]]`` as (service area name, rule): one rule per area, each naming
    one of the region's ``areas``.

    Raises
    ------
    RegionError
        Listing every compensation entry at fault.
    """
    problems: list[str] = []
    out: list[tuple[str, CompensationRule]] = []
    seen: set[str] = set()
    for k, t in enumerate(tables):
        at = f"compensation[{k}]"
        if t.area not in areas:
            problems.append(f"{at}.area must name one of the region's service areas"
                            f" ({', '.join(areas) or 'none configured'}), not {t.area!r}")
        elif t.area in seen:
            problems.append(f"{at}.area {t.area!r} has a rule already")
        seen.add(t.area)
        if not (t.per_vehicle_hour or t.per_km or t.per_tour):
            problems.append(f"{at}: per_vehicle_hour, per_km and per_tour are all 0 (the rule "
                            "pays nothing)")
        out.append((t.area, CompensationRule(
            currency=currency, per_vehicle_hour=_cents(t.per_vehicle_hour),
            per_km=_cents(t.per_km), per_tour=_cents(t.per_tour),
            cap_per_day=None if t.cap_per_day is None else _cents(t.cap_per_day),
            cap_per_month=None if t.cap_per_month is None else _cents(t.cap_per_month))))
    if problems:
        raise RegionError(report(where, problems))
    return tuple(out)


def area_settings(tables: list[AreaTable], areas: list[str], where: str
                  ) -> tuple[tuple[str, BookingRule | None, tuple[str, ...]], ...]:
    """The ``[[areas]]`` as (service area name, booking rule, stop ids): each naming one of
    the region's ``areas`` once, its rule as the GTFS reference wants it for its type.

    Raises
    ------
    RegionError
        Listing every problem of every entry at once, each with its key.
    """
    problems: list[str] = []
    out = []
    seen: set[str] = set()
    for k, t in enumerate(tables):
        if t.name not in areas:
            problems.append(f"areas[{k}].name must name one of the region's service areas "
                            f"({', '.join(areas) or 'none configured'}), not {t.name!r}")
        elif t.name in seen:
            problems.append(f"areas[{k}].name {t.name!r} has settings twice")
        seen.add(t.name)
        if len(set(t.stops)) != len(t.stops):
            problems.append(f"areas[{k}].stops lists a stop twice")
        rule = None
        if t.booking is not None:
            b = t.booking
            if b.url is not None and b.booking_url:
                problems.append(f"areas[{k}].booking.url is the older name of booking_url: "
                                "give one of them")
            rule = b.rule()
            for column, why in rule.problems():
                key = "url" if column == "booking_url" and b.url and not b.booking_url \
                    else column
                problems.append(f"areas[{k}].booking.{key} {why}")
        out.append((t.name, rule, tuple(t.stops)))
    if problems:
        raise RegionError(report(where, problems))
    return tuple(out)


def _tables(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """The table model a field holds, and whether it holds an array of them."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]  # an optional table
    many = typing.get_origin(annotation) is list
    inner = typing.get_args(annotation)[0] if many else annotation
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner, many
    return None


def _problem(model: type[BaseModel], err: Any) -> str:
    """One pydantic error in the files' words: where (table, index, field) and what to fix."""
    loc = list(err["loc"])
    parts: list[str] = []
    table: type[BaseModel] = model
    info: FieldInfo | None = None
    indexed = False
    i = 0
    while i < len(loc) and isinstance(loc[i], str):
        key = loc[i]
        parts.append(key)
        if key not in table.model_fields:
            break  # an unknown key
        info = table.model_fields[key]
        sub = _tables(info.annotation)
        if sub is None:
            break
        if sub[1]:  # an array of tables: the entry's index
            if i + 1 >= len(loc) or not isinstance(loc[i + 1], int):
                break
            parts[-1] += f"[{loc[i + 1]}]"
            indexed = True
            i += 1
        table, info = sub[0], None
        i += 1
    path = ".".join(parts)
    where = path if indexed else f"'{path}'"
    kind = err["type"]
    if kind == "extra_forbidden":
        why = f"is not a known key (known: {', '.join(sorted(table.model_fields))})"
    elif kind == "missing":
        why = "is missing" + (f" ({info.description})" if info and info.description else "")
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        why = "must be a table"
    elif kind == "value_error":
        why = str(err["ctx"]["error"])
    elif info is not None and info.description:
        why = f"must be {info.description}, not {err['input']!r}"
    else:
        why = str(err["msg"])
    return f"{where} {why}"
