"""The region's on-demand rides for planning outside the server (``mobility route``): quoted
against the day's plans in the service's store when there is one, else against an empty
fleet, so that the command line offers the itineraries the web app offers."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from api import BookingService, Store
from api.service.replanning import in_process
from dispatch.travel import StreetTravel
from mobility.planning import RegionPlanner
from mobility.server import api_config, clock, ride_legs
from mobility.settings import Settings


@dataclass(frozen=True)
class RideSource:
    """Where the planner's ride offers come from, in words for the user."""

    stored: bool  #: quoted against the store's plans (else an empty fleet)
    description: str


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for another database."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


@contextmanager
def ride_offers(planner: RegionPlanner, settings: Settings, date: dt.date
                ) -> Iterator[RideSource]:
    """Give ``planner`` the region's on-demand rides for the block, as the server does.

    The store at ``settings.db_url`` is only read, never created or migrated: when it does
    not exist or holds an older schema, the rides are quoted against the configured fleet
    with nothing booked (a temporary store), and the description says so."""
    region = planner.region
    if not any(a.vehicles for a in region.service_areas):
        yield RideSource(False, "no on-demand service configured in this region")
        return
    url = settings.db_url
    path = sqlite_path(url)
    why = None
    if path is not None and not path.exists():
        why = f"no store at {path}"
    else:
        store = Store(url)
        if not store.is_current():
            why = f"the store at {_shown(url)} is unreachable or not migrated (serve once)"
            store.engine.dispose()
    with tempfile.TemporaryDirectory(prefix="mobility-rides-") as tmp:
        if why is not None:
            store = Store(f"sqlite:///{Path(tmp) / 'empty.db'}")
            store.migrate()
        service = BookingService(region.service_areas, StreetTravel(planner.street("car")),
                                 region.timezone, store, config=api_config(settings),
                                 clock=clock(settings), optimiser=in_process)
        try:
            if why is not None:
                service.sync_fleet()
                desc = f"quoted against an empty fleet ({why})"
            else:
                booked = sum(len(_requests(service, a, date)) for a in service.areas)
                desc = (f"quoted against the plans in {_shown(url)} ({booked} ride"
                        f"{'s' if booked != 1 else ''} booked on {date})")
            planner.on_demand = ride_legs(planner, service)
            yield RideSource(why is None, desc)
        finally:
            planner.on_demand = None
            service.close()
            store.engine.dispose()


def _requests(service: BookingService, area: str, date: dt.date) -> dict[str, object]:
    with service.view(area, date) as d:
        return dict(d.requests)


def _shown(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
