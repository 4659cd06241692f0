"""What the operations of the booking service (quoting, booking, driving, re-planning) need
of it: its parts and shared checks. They depend on this protocol, the service implements it
(so the modules import each other in one direction only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from api.auth import Principal
from api.config import ApiConfig
from api.metrics import Metrics
from api.place_names import PlaceNamer
from api.service.connections import Connections
from api.service.days import DayPlans
from api.service.timing import Timing
from api.service.views import BookingView
from api.store import Store
from api.store.repository import Repository
from dispatch.insertion import DispatchParams
from dispatch.model import Point
from dispatch.service_area import ServiceArea
from dispatch.travel import TravelTimes


class Context(Protocol):
    """The booking service as its operations see it."""

    @property
    def areas(self) -> dict[str, ServiceArea]: ...
    @property
    def travel(self) -> TravelTimes: ...
    @property
    def store(self) -> Store: ...
    @property
    def params(self) -> DispatchParams: ...
    @property
    def config(self) -> ApiConfig: ...
    @property
    def timing(self) -> Timing: ...
    @property
    def days(self) -> DayPlans: ...
    @property
    def optimiser(self) -> Callable[..., Any]: ...
    @property
    def tz(self) -> Any: ...
    @property
    def names(self) -> PlaceNamer | None: ...
    @property
    def connections(self) -> Connections | None: ...
    @property
    def metrics(self) -> Metrics: ...
    @property
    def holiday(self) -> Callable[[dt.date], str | None] | None: ...

    def rider_for(self, repo: Repository | None, who: Principal, rider_id: str | None,
                  field: str = "riderId") -> str: ...

    def on_roads(self, point: Point, field: str) -> None: ...

    def area(self, name: str, field: str = "area") -> ServiceArea: ...

    def may_see(self, who: Principal, rider_id: str) -> bool: ...

    def views(self, repo: Repository, bookings: Sequence[Any]) -> list[BookingView]: ...

    def own_vehicle(self, who: Principal, vehicle_id: str) -> None: ...
