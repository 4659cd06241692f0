"""Places named in plain words from their coordinates: what a rider reads for a pickup or
drop-off ("12 Main Street", "Wooster Road, Cornwall"). ``mobility`` builds the namer from the
region's streets, addresses and stops and hands it in; the API only calls it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class PlaceName:
    """A place's name and what it is made of: the street (and house number) it lies on, a
    named place or stop beside it, and how far the point is from what names it."""

    name: str
    street: str | None = None
    house_number: str | None = None
    near: str | None = None
    distance_m: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """As the plan answer's ``pickupPlace``."""
        return {"name": self.name, "street": self.street, "houseNumber": self.house_number,
                "near": self.near, "distance_m": round(self.distance_m, 1)}


class PlaceNamer(Protocol):
    """Names places of one region (``mobility.place_names.PlaceNames`` is one)."""

    def name(self, lat: float, lon: float, stop: str | None = None) -> PlaceName:
        """The place at (``lat``, ``lon``) in plain words; ``stop``: the name of the stop
        the place is (a pickup at a stop is named after it)."""
        ...
