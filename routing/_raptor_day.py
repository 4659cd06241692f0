"""Per-date RAPTOR input: the patterns of one service day as flat, time-sorted blocks.

A *day pattern* is a pattern's trips running on the date, or (as a separate day pattern) its
trips of the previous service day that run past midnight, shifted by -24 h. Keeping the two
apart keeps every day pattern FIFO, so "the earliest trip" is found by binary search. Trip
instance ``i`` of day pattern ``d`` has its times at
``time_off[d] + (i - trip_off[d]) * len(stops of d) + position``.

``reverse=True`` builds the time-reversed copy used for arrive-by searches: stop order
reversed, times negated (t -> -t), arrival/departure and pickup/drop-off swapped. A forward
earliest-arrival search on it is a latest-departure search on the real timetable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from routing.timetable import PICKUP_NONE, Timetable

DAY = 86_400


@dataclass(frozen=True, eq=False)
class TransitDay:
    date: dt.date
    reverse: bool
    stop_off: np.ndarray  #: (D+1,) into stops
    stops: np.ndarray  #: int32
    trip_off: np.ndarray  #: (D+1,) instance ranges
    time_off: np.ndarray  #: (D+1,) into the flat time arrays
    arr: np.ndarray  #: int32 flat
    dep: np.ndarray  #: int32 flat
    pick_ok: np.ndarray  #: bool flat
    drop_ok: np.ndarray  #: bool flat
    inst_trip: np.ndarray  #: (I,) int32 trip index in the Timetable
    inst_shift: np.ndarray  #: (I,) int32 seconds added to the Timetable's times (0 or -86400)
    inst_pattern: np.ndarray  #: (I,) int32 day pattern of each instance
    inst_wheelchair: np.ndarray  #: (I,) bool
    sp_off: np.ndarray  #: (S+1,) stop -> (day pattern, position) pairs
    sp_dp: np.ndarray
    sp_pos: np.ndarray


def build_day(tt: Timetable, date: dt.date, reverse: bool = False) -> TransitDay:
    """Day patterns for ``date`` (plus yesterday's trips past midnight)."""
    today = tt.active_trips(date)
    yesterday = tt.active_trips(date - dt.timedelta(days=1))
    last_arr = tt.arrival[tt.stop_time_offset[1:] - 1] if tt.n_trips else np.zeros(0, np.int32)
    yesterday &= last_arr >= DAY  # only those still running after midnight matter
    stop_off, stops, trip_off, time_off = [0], [], [0], [0]
    inst_trip, inst_shift, inst_pat = [], [], []
    blocks_arr, blocks_dep, blocks_pick, blocks_drop = [], [], [], []
    d = 0
    for shift, mask in ((-DAY, yesterday), (0, today)):
        for p in range(tt.n_patterns):
            a, b = tt.pattern_trip_offset[p], tt.pattern_trip_offset[p + 1]
            trips = np.arange(a, b)[mask[a:b]]
            if len(trips) == 0:
                continue
            seq = tt.pattern_stops[tt.pattern_stop_offset[p]:tt.pattern_stop_offset[p + 1]]
            n = len(seq)
            idx = tt.stop_time_offset[trips][:, None] + np.arange(n)[None, :]
            arr = tt.arrival[idx] + shift
            dep = tt.departure[idx] + shift
            pick = tt.pickup_type[idx] != PICKUP_NONE
            drop = tt.drop_off_type[idx] != PICKUP_NONE
            if reverse:
                seq = seq[::-1]
                arr, dep = -dep[::-1, ::-1], -arr[::-1, ::-1]
                pick, drop = drop[::-1, ::-1], pick[::-1, ::-1]
                trips = trips[::-1]
            stops.append(seq)
            stop_off.append(stop_off[-1] + n)
            trip_off.append(trip_off[-1] + len(trips))
            time_off.append(time_off[-1] + arr.size)
            blocks_arr.append(arr.ravel())
            blocks_dep.append(dep.ravel())
            blocks_pick.append(pick.ravel())
            blocks_drop.append(drop.ravel())
            inst_trip.append(trips)
            inst_shift.append(np.full(len(trips), shift))
            inst_pat.append(np.full(len(trips), d))
            d += 1

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    stops_a = cat(stops, np.int32)
    stop_off_a = np.asarray(stop_off, np.int64)
    dp_of = np.repeat(np.arange(d, dtype=np.int32), np.diff(stop_off_a))
    pos_of = (np.arange(len(stops_a)) - stop_off_a[dp_of]).astype(np.int32)
    order = np.argsort(stops_a, kind="stable")
    sp_off = np.r_[0, np.cumsum(np.bincount(stops_a, minlength=tt.n_stops))].astype(np.int64)
    inst = cat(inst_trip, np.int32)
    return TransitDay(
        date=date, reverse=reverse, stop_off=stop_off_a, stops=stops_a,
        trip_off=np.asarray(trip_off, np.int64), time_off=np.asarray(time_off, np.int64),
        arr=cat(blocks_arr, np.int32), dep=cat(blocks_dep, np.int32),
        pick_ok=cat(blocks_pick, np.bool_), drop_ok=cat(blocks_drop, np.bool_),
        inst_trip=inst, inst_shift=cat(inst_shift, np.int32),
        inst_pattern=cat(inst_pat, np.int32),
        inst_wheelchair=(tt.trip_wheelchair[inst] == 1) if len(inst) else np.zeros(0, bool),
        sp_off=sp_off, sp_dp=dp_of[order], sp_pos=pos_of[order],
    )
