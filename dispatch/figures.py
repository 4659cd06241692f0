"""Plan figures — the bundling rural service lives on: driven and empty kilometres, hours,
passenger-kilometres, the pooling rate and mean occupancy, per vehicle and in total."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from dispatch.model import Request, Route, Vehicle
from dispatch.travel import TravelTimes


@dataclass(frozen=True)
class PlanFigures:
    """Distances in km (the travel provider's distance unit / 1000 for streets), times in h."""

    vehicles: int
    driven_km: float
    empty_km: float
    passenger_km: float
    shared_passenger_km: float  #: passenger-km travelled while another booking is aboard
    driving_h: float  #: time moving between stops
    duty_h: float  #: departure to return, waiting included
    pooling_rate: float  #: shared / all passenger-km (0 when nobody rode)
    mean_occupancy: float  #: passenger-km per driven km

    def to_dict(self) -> dict[str, float]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def route_figures(route: Route, vehicle: Vehicle, requests: dict[str, Request],
                  travel: TravelTimes, km_per_unit: float = 0.001,
                  h_per_unit: float = 1 / 3600) -> PlanFigures:
    """Figures of one vehicle's route (depot to depot)."""
    pts = [vehicle.start]
    for s in route.stops:
        r = requests[s.request]
        pts.append(r.pickup if s.kind in ("pickup", "break") else r.dropoff)
    pts.append(vehicle.end)
    dur, dist = travel.matrix(pts[:-1], pts[1:])
    aboard: dict[str, int] = {}
    driven = empty = pkm = shared = driving = 0.0
    for k in range(len(pts) - 1):
        km = float(dist[k, k]) * km_per_unit
        load = sum(aboard.values())
        driven += km
        driving += float(dur[k, k]) * h_per_unit
        if load == 0:
            empty += km
        pkm += km * load
        if len(aboard) >= 2:
            shared += km * load
        if k < len(route.stops):  # the stop at the end of leg k
            s = route.stops[k]
            if s.kind == "pickup":
                aboard[s.request] = requests[s.request].passengers
            elif s.kind == "dropoff":
                aboard.pop(s.request, None)
    duty = (route.arrive - route.depart) * h_per_unit if route.stops else 0.0
    return PlanFigures(1, driven, empty, pkm, shared, driving, duty,
                       shared / pkm if pkm else 0.0, pkm / driven if driven else 0.0)


def plan_figures(routes: list[Route], vehicles: dict[str, Vehicle],
                 requests: dict[str, Request], travel: TravelTimes,
                 km_per_unit: float = 0.001, h_per_unit: float = 1 / 3600
                 ) -> tuple[PlanFigures, dict[str, PlanFigures]]:
    """Totals over all routes, and the figures of each vehicle."""
    per = {r.vehicle: route_figures(r, vehicles[r.vehicle], requests, travel, km_per_unit,
                                    h_per_unit) for r in routes}
    f = list(per.values())
    pkm = sum(x.passenger_km for x in f)
    driven = sum(x.driven_km for x in f)
    shared = sum(x.shared_passenger_km for x in f)
    total = PlanFigures(len(f), driven, sum(x.empty_km for x in f), pkm, shared,
                        sum(x.driving_h for x in f), sum(x.duty_h for x in f),
                        shared / pkm if pkm else 0.0, pkm / driven if driven else 0.0)
    return total, per
