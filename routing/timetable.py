"""The compiled transit timetable: flat numpy arrays that RAPTOR-family searches scan.

Layout (as in R5/nigiri): trips that share a route and an identical stop sequence form a
*pattern*; within a pattern trips are sorted by departure and never overtake each other, so the
earliest trip at any stop of the pattern can be found by binary search. Stop times are stored
trip by trip; trip ``t`` occupies ``stop_time_offset[t] : stop_time_offset[t + 1]``, and its
``j``-th entry belongs to stop ``pattern_stops[pattern_stop_offset[trip_pattern[t]] + j]``.

Times are integer seconds since the service day's noon-minus-12h ("midnight"), and may exceed
86 400 for trips running past midnight. Service activity is a bitset per service over the
days ``first_date_ordinal + k``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from routing._arrays import from_arrays, to_arrays

#: pickup/drop-off types (GTFS): 0 regular, 1 none, 2 phone agency, 3 coordinate with driver
PICKUP_NONE = 1


@dataclass(frozen=True, eq=False)
class Timetable:
    """A compiled GTFS timetable (one or more feeds) as flat arrays.

    Attributes are numpy arrays; string columns are fixed-width unicode arrays so the whole
    structure loads from an uncompressed ``.npz`` without pickling.
    """

    # stops
    stop_id: np.ndarray  #: (S,) str
    stop_name: np.ndarray  #: (S,) str
    stop_lat: np.ndarray  #: (S,) float64
    stop_lon: np.ndarray  #: (S,) float64
    stop_parent: np.ndarray  #: (S,) int32, index of the parent station or -1
    stop_location_type: np.ndarray  #: (S,) int8
    stop_wheelchair: np.ndarray  #: (S,) int8, wheelchair_boarding 0 unknown / 1 yes / 2 no
    # routes
    route_id: np.ndarray  #: (R,) str
    route_short_name: np.ndarray  #: (R,) str
    route_long_name: np.ndarray  #: (R,) str
    route_type: np.ndarray  #: (R,) int16
    route_agency: np.ndarray  #: (R,) str
    # patterns
    pattern_route: np.ndarray  #: (P,) int32
    pattern_stop_offset: np.ndarray  #: (P+1,) int64 into pattern_stops
    pattern_stops: np.ndarray  #: (sum of pattern lengths,) int32 stop indices
    pattern_trip_offset: np.ndarray  #: (P+1,) int64; pattern p owns trips [off[p], off[p+1])
    # trips (sorted by pattern, then by first departure)
    trip_id: np.ndarray  #: (T,) str
    trip_pattern: np.ndarray  #: (T,) int32
    trip_service: np.ndarray  #: (T,) int32
    trip_headsign: np.ndarray  #: (T,) str
    trip_wheelchair: np.ndarray  #: (T,) int8, wheelchair_accessible 0/1/2
    stop_time_offset: np.ndarray  #: (T+1,) int64 into the stop-time arrays
    # stop times (trip-major)
    arrival: np.ndarray  #: (N,) int32 seconds since service-day midnight
    departure: np.ndarray  #: (N,) int32
    pickup_type: np.ndarray  #: (N,) int8
    drop_off_type: np.ndarray  #: (N,) int8
    time_interpolated: np.ndarray  #: (N,) bool, True where the feed left the time blank
    # service calendar
    service_id: np.ndarray  #: (V,) str
    first_date_ordinal: int  #: proleptic Gregorian ordinal of bit 0
    n_days: int
    service_days: np.ndarray  #: (V, ceil(n_days/8)) uint8, np.packbits(bitorder="little")
    # transfers.txt
    transfer_from: np.ndarray  #: (X,) int32 stop index
    transfer_to: np.ndarray  #: (X,) int32 stop index
    transfer_type: np.ndarray  #: (X,) int8
    transfer_min_time: np.ndarray  #: (X,) int32 seconds, -1 where not given
    # agencies
    agency_id: np.ndarray  #: (A,) str
    agency_name: np.ndarray  #: (A,) str
    agency_timezone: np.ndarray  #: (A,) str

    # -- sizes ---------------------------------------------------------------------------
    @property
    def n_stops(self) -> int:
        return len(self.stop_id)

    @property
    def n_routes(self) -> int:
        return len(self.route_id)

    @property
    def n_patterns(self) -> int:
        return len(self.pattern_route)

    @property
    def n_trips(self) -> int:
        return len(self.trip_id)

    @property
    def n_stop_times(self) -> int:
        return len(self.arrival)

    # -- calendar ------------------------------------------------------------------------
    @property
    def first_date(self) -> dt.date:
        return dt.date.fromordinal(self.first_date_ordinal)

    @property
    def last_date(self) -> dt.date:
        return dt.date.fromordinal(self.first_date_ordinal + self.n_days - 1)

    def service_dates(self) -> tuple[dt.date, dt.date] | None:
        """First and last date on which at least one trip runs, or None if none does."""
        used = np.unique(self.trip_service)
        if len(used) == 0 or self.n_days == 0:
            return None
        bits = np.unpackbits(self.service_days[used], axis=1, count=self.n_days,
                             bitorder="little").any(axis=0)
        days = np.flatnonzero(bits)
        if len(days) == 0:
            return None
        return (dt.date.fromordinal(self.first_date_ordinal + int(days[0])),
                dt.date.fromordinal(self.first_date_ordinal + int(days[-1])))

    def active_services(self, date: dt.date) -> np.ndarray:
        """Boolean mask over services running on ``date`` (all False outside the calendar)."""
        k = date.toordinal() - self.first_date_ordinal
        if not 0 <= k < self.n_days:
            return np.zeros(len(self.service_id), dtype=bool)
        return ((self.service_days[:, k >> 3] >> (k & 7)) & 1).astype(bool)

    def active_trips(self, date: dt.date) -> np.ndarray:
        """Boolean mask over trips running on ``date``."""
        return self.active_services(date)[self.trip_service]

    # -- serialisation -------------------------------------------------------------------
    def to_arrays(self, prefix: str = "tt.") -> dict[str, np.ndarray]:
        return to_arrays(self, prefix)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "tt.") -> Timetable:
        return from_arrays(cls, arrays, prefix)
