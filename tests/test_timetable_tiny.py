"""Compiled timetable of the tiny feed: every value here was worked out by hand."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from feeds import compile_timetable, read_gtfs
from routing import Timetable


@pytest.fixture()
def tt(tiny_gtfs: Path) -> Timetable:
    return compile_timetable(read_gtfs(tiny_gtfs))


def _times(tt: Timetable, trip: str) -> tuple[list[int], list[int]]:
    k = list(tt.trip_id).index(trip)
    a, b = tt.stop_time_offset[k], tt.stop_time_offset[k + 1]
    return tt.arrival[a:b].tolist(), tt.departure[a:b].tolist()


def test_blank_times_interpolated_in_shape_distance(tt: Timetable) -> None:
    # T1: 08:00 at 0 m, 08:10 at 500 m; S2 at 100 m -> 08:02, S3 at 400 m -> 08:08
    arr, _ = _times(tt, "T1")
    assert arr == [28800, 28800 + 120, 28800 + 480, 29400]


def test_blank_times_interpolated_in_straight_line_distance(tt: Timetable) -> None:
    # T3 has no shape_dist_traveled: S3 lies between S2 (08:45) and S4 (25:00) in proportion
    # to the great-circle distances S2-S3 and S3-S4
    def dist(a: tuple[float, float], b: tuple[float, float]) -> float:
        p1, p2 = math.radians(a[0]), math.radians(b[0])
        dl = math.radians(b[1] - a[1])
        h = (math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2)
        return 2 * 6_371_008.8 * math.asin(math.sqrt(h))

    s2, s3, s4 = (44.0, -72.999), (44.0, -72.998), (44.001, -72.998)
    frac = dist(s2, s3) / (dist(s2, s3) + dist(s3, s4))
    arr, _ = _times(tt, "T3")
    assert arr[0] == 31200 and arr[3] == 90000  # 25:00:00 stays past midnight
    assert arr[2] == round(31500 + frac * (90000 - 31500))


def test_frequencies_expanded_into_trips(tt: Timetable) -> None:
    # F1 every 20 min from 09:00 until (excluding) 10:00; template offsets kept (4 min, dwell 1)
    assert [t for t in tt.trip_id if t.startswith("F1")] == [
        "F1@09:00:00", "F1@09:20:00", "F1@09:40:00"]
    assert _times(tt, "F1@09:20:00") == ([33600, 33840], [33600, 33900])
    assert "F1" not in set(tt.trip_id)


def test_overtaking_trips_split_into_fifo_patterns(tt: Timetable) -> None:
    # T3 leaves after T2 but passes it at S2: they cannot share a pattern; T1 and T2 can
    pat = dict(zip(tt.trip_id, tt.trip_pattern, strict=True))
    assert pat["T1"] == pat["T2"] != pat["T3"]
    assert tt.n_patterns == 3
    p = pat["T1"]
    members = tt.trip_id[tt.pattern_trip_offset[p]:tt.pattern_trip_offset[p + 1]].tolist()
    assert members == ["T1", "T2"]  # sorted by departure
    stops = tt.pattern_stops[tt.pattern_stop_offset[p]:tt.pattern_stop_offset[p + 1]]
    assert tt.stop_id[stops].tolist() == ["S1", "S2", "S3", "S4"]


def test_calendar_and_exceptions(tt: Timetable) -> None:
    def running(day: int) -> set[str]:
        return set(tt.trip_id[tt.active_trips(dt.date(2024, 1, day))])

    weekday = {"T1", "T2", "T3"}
    freq = {"F1@09:00:00", "F1@09:20:00", "F1@09:40:00"}
    assert running(1) == set()  # Monday, removed by calendar_dates
    assert running(2) == weekday
    assert running(6) == weekday | freq  # Saturday, weekday service added by exception
    assert running(13) == freq
    assert not tt.active_trips(dt.date(2024, 2, 1)).any()  # after end_date
    assert tt.service_dates() == (dt.date(2024, 1, 2), dt.date(2024, 1, 31))


def test_stop_attributes_pickup_types_and_transfers(tt: Timetable) -> None:
    assert tt.stop_wheelchair.tolist() == [1, 0, 1, 2]
    wc = dict(zip(tt.trip_id, tt.trip_wheelchair, strict=True))
    assert (wc["T1"], wc["T2"], wc["T3"]) == (1, 2, 0)
    k = list(tt.trip_id).index("T1")
    a, b = tt.stop_time_offset[k], tt.stop_time_offset[k + 1]
    assert tt.pickup_type[a:b].tolist() == [0, 0, 0, 1]
    assert tt.drop_off_type[a:b].tolist() == [1, 0, 0, 0]
    assert tt.time_interpolated[a:b].tolist() == [False, True, True, False]
    assert tt.stop_id[tt.transfer_from].tolist() == ["S3"]
    assert tt.stop_id[tt.transfer_to].tolist() == ["S4"]
    assert tt.transfer_min_time.tolist() == [120]


def test_round_trip_through_arrays(tt: Timetable) -> None:
    back = Timetable.from_arrays(tt.to_arrays())
    for name, value in vars(tt).items():
        np.testing.assert_array_equal(getattr(back, name), value)
