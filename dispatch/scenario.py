"""A planner's scenario: where and when the on-demand service runs, with which fleet, under
which rules and at which costs. Plain values; the service edge reads them from TOML/CLI."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dispatch.insertion import DispatchParams
from dispatch.model import DEFAULT_HOURS, DEFAULT_SEATS, DEFAULT_WHEELCHAIR_PLACES, Point, Vehicle
from dispatch.service_area import ServiceArea

#: the default on-demand day and vehicle (the configuration files' defaults too): service
#: 06:00-22:00, a minibus with 7 seats besides the driver's and one wheelchair place


#: the re-planning modes and the optimiser's objective of each: "keep_slack" minimises how
#: late the stops come after each rider's earliest pickup (driving time only breaks ties),
#: "save_km" minimises the distance driven; "off" never re-plans
REPLANNING = {"keep_slack": "lateness", "save_km": "distance", "off": ""}


@dataclass(frozen=True)
class Costs:
    """Operating costs (in ``currency``, an ISO 4217 code) and the CO₂ factor of the
    vehicles."""

    per_vehicle_hour: float = 35.0  #: driver and vehicle, per hour on shift
    per_km: float = 0.45
    co2_kg_per_km: float = 0.2  #: a diesel minibus ~0.2-0.3 kg/km
    currency: str = "EUR"  #: what the money figures are counted in (a label, no conversion)


@dataclass(frozen=True)
class Scenario:
    """One simulated service day.

    ``hours`` (seconds after midnight) bound the requested pickup times; the fleet's shifts
    bound service. ``notice_s``: a pre-booked ride must be booked at least this long ahead;
    ``prebooked_share``: share of synthetic requests booked ahead (the rest ask for a ride
    now). ``no_show``: probability that a rider does not turn up.
    """

    area: ServiceArea
    vehicles: tuple[Vehicle, ...]
    hours: tuple[float, float] = DEFAULT_HOURS
    rules: DispatchParams = field(default_factory=DispatchParams)
    notice_s: float = 0.0
    prebooked_share: float = 0.3
    no_show: float = 0.03
    rate_per_hour: float = 10.0
    costs: Costs = field(default_factory=Costs)
    seed: int = 1
    #: re-plan the booked rides with the optimiser this often (0: never); the search stops
    #: after ``reoptimize_solutions`` solutions (never by the clock), so that a seed gives
    #: one result whatever the machine and its load
    reoptimize_every_s: float = 3600.0
    reoptimize_solutions: int = 50
    #: what the hourly re-plan looks for (see :data:`REPLANNING`): "keep_slack" (every stop
    #: as early as the promises allow, room for requests still to come), "save_km" (the
    #: least driving) or "off"
    replanning: str = "keep_slack"
    #: the requests' spread over the day: 24 hourly weights (None: the built-in
    #: :data:`dispatch.demand.PROFILE`); ``rate_per_hour`` stays their mean over ``hours``
    profile: tuple[float, ...] | None = None
    #: share of synthetic requests that are standing orders (booked before the day)
    standing_share: float = 0.0

    def __post_init__(self) -> None:
        if self.replanning not in REPLANNING:
            raise ValueError(f"replanning must be one of {', '.join(REPLANNING)}, not "
                             f"{self.replanning!r}")
        if self.replans and self.reoptimize_solutions < 1:
            raise ValueError("re-planning needs a budget: reoptimize_solutions >= 1")

    @property
    def replans(self) -> bool:
        """Whether the optimiser re-plans during the day."""
        return self.replanning != "off" and self.reoptimize_every_s > 0

    @property
    def replanning_mode(self) -> str:
        """The re-planning in force: ``replanning``, or "off" without an interval."""
        return self.replanning if self.replans else "off"

    def with_fleet(self, n: int) -> Scenario:
        """The same scenario with ``n`` vehicles (copies of the first, ids ``v1``…)."""
        if n < 1:
            raise ValueError("a fleet needs at least one vehicle")
        base = self.vehicles[0]
        fleet = tuple(replace(self.vehicles[k] if k < len(self.vehicles) else base,
                              id=f"v{k + 1}") for k in range(n))
        return replace(self, vehicles=fleet, area=replace(self.area, vehicles=fleet))


def default_fleet(n: int, depot: Point, hours: tuple[float, float] = DEFAULT_HOURS,
                  seats: int = DEFAULT_SEATS, wheelchair_places: int = DEFAULT_WHEELCHAIR_PLACES
                  ) -> tuple[Vehicle, ...]:
    """``n`` identical vehicles at one depot, on shift for the service hours."""
    return tuple(Vehicle(f"v{k + 1}", depot, depot, hours, seats, wheelchair_places)
                 for k in range(n))
