"""Both real regions' feeds compile, and their counts agree with an independent count made
here with plain zipfile/csv/datetime."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from feeds import compile_timetable, read_gtfs
from mobility.region import Region


def _rows(zip_path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(zip_path) as z:
        if name not in z.namelist():
            return []
        text = z.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _independent_counts(zip_path: Path, date: dt.date) -> dict[str, int]:
    stops = _rows(zip_path, "stops.txt")
    routes = _rows(zip_path, "routes.txt")
    trips = _rows(zip_path, "trips.txt")
    stop_times = _rows(zip_path, "stop_times.txt")
    freqs = _rows(zip_path, "frequencies.txt")
    per_trip: dict[str, int] = defaultdict(int)
    for r in stop_times:
        per_trip[r["trip_id"]] += 1
    expanded = 0
    freq_trips = set()
    for f in freqs:
        freq_trips.add(f["trip_id"])
        h, m, s = map(int, f["start_time"].split(":"))
        start = h * 3600 + m * 60 + s
        h, m, s = map(int, f["end_time"].split(":"))
        expanded += len(range(start, h * 3600 + m * 60 + s, int(f["headway_secs"])))
    kept = [t for t in trips if per_trip[t["trip_id"]] >= 2 and t["trip_id"] not in freq_trips]
    # service on `date`: calendar weekday flags in range, then calendar_dates exceptions
    active: set[str] = set()
    day = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
           "sunday"][date.weekday()]
    ymd = date.strftime("%Y%m%d")
    for c in _rows(zip_path, "calendar.txt"):
        if c["start_date"] <= ymd <= c["end_date"] and c[day] == "1":
            active.add(c["service_id"])
    for c in _rows(zip_path, "calendar_dates.txt"):
        if c["date"] == ymd:
            (active.add if c["exception_type"] == "1" else active.discard)(c["service_id"])
    return {
        "stops": len(stops), "routes": len(routes), "trips": len(kept) + expanded,
        "stop_times": sum(per_trip[t["trip_id"]] for t in kept),
        "active": sum(1 for t in kept if t["service_id"] in active),
    }


@pytest.mark.parametrize("name,date", [("addison", dt.date(2016, 3, 3)),
                                       ("rhein_neckar", dt.date(2016, 11, 4))])
def test_counts_match_independent_count(name: str, date: dt.date,
                                        request: pytest.FixtureRequest) -> None:
    region: Region = request.getfixturevalue(name)
    tt = region.timetable
    expected = _independent_counts(region.config.gtfs[0], date)
    assert tt.n_stops == expected["stops"]
    assert tt.n_routes == expected["routes"]
    assert tt.n_trips == expected["trips"]
    assert tt.n_stop_times == expected["stop_times"]
    assert int(tt.active_trips(date).sum()) == expected["active"]
    assert region.default_date == date  # the busiest day of each feed


def test_data_notes_figures(addison: Region, rhein_neckar: Region) -> None:
    """The figures in DATA-NOTES: 142 trips on 2016-03-03, 7,489 on 2016-11-04."""
    assert addison.timetable.active_trips(dt.date(2016, 3, 3)).sum() == 142
    assert rhein_neckar.timetable.active_trips(dt.date(2016, 11, 4)).sum() == 7489
    assert addison.timetable.time_interpolated.sum() == 3215


@pytest.mark.parametrize("name", ["addison", "rhein_neckar"])
def test_patterns_are_fifo_and_consistent(name: str, request: pytest.FixtureRequest) -> None:
    tt = request.getfixturevalue(name).timetable
    for p in range(tt.n_patterns):
        trips = np.arange(tt.pattern_trip_offset[p], tt.pattern_trip_offset[p + 1])
        stops = tt.pattern_stops[tt.pattern_stop_offset[p]:tt.pattern_stop_offset[p + 1]]
        assert (tt.trip_pattern[trips] == p).all()
        n = len(stops)
        lens = tt.stop_time_offset[trips + 1] - tt.stop_time_offset[trips]
        assert (lens == n).all()
        idx = tt.stop_time_offset[trips][:, None] + np.arange(n)
        arr, dep = tt.arrival[idx], tt.departure[idx]
        assert (dep >= arr).all() and (np.diff(dep, axis=1) >= 0).all()
        # no trip overtakes an earlier one anywhere along the pattern
        assert (np.diff(dep, axis=0) >= 0).all() and (np.diff(arr, axis=0) >= 0).all()


def test_interpolated_times_follow_shape_distance(addison: Region) -> None:
    """addison-vt has shape_dist_traveled on every row: a blank time must sit where the
    distance says, between the known times around it (checked against the raw file)."""
    rows = _rows(addison.config.gtfs[0], "stop_times.txt")
    by_trip: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_trip[r["trip_id"]].append(r)
    tt = addison.timetable
    index = {t: k for k, t in enumerate(tt.trip_id)}
    checked = 0
    for trip_id, rs in by_trip.items():
        rs.sort(key=lambda r: int(r["stop_sequence"]))
        k = index[trip_id]
        got = tt.arrival[tt.stop_time_offset[k]:tt.stop_time_offset[k + 1]]
        known = [i for i, r in enumerate(rs) if r["arrival_time"]]
        for a, b in zip(known[:-1], known[1:], strict=True):
            ta = _secs(rs[a]["departure_time"])
            tb = _secs(rs[b]["arrival_time"])
            da, db = float(rs[a]["shape_dist_traveled"]), float(rs[b]["shape_dist_traveled"])
            for i in range(a + 1, b):
                d = float(rs[i]["shape_dist_traveled"])
                want = ta + (tb - ta) * ((d - da) / (db - da) if db > da else (i - a) / (b - a))
                assert abs(got[i] - want) <= 0.5 + 1e-9, (trip_id, i)
                checked += 1
    assert checked == 3215


def _secs(s: str) -> int:
    h, m, x = map(int, s.split(":"))
    return h * 3600 + m * 60 + x


@pytest.mark.parametrize("feed", ["uckermark-rufbus.zip", "lincoln-county.zip",
                                  "cobblinc-deviated.zip", "brockton-various.zip",
                                  "aspen-on-demand.zip"])
def test_flex_feeds_load_as_gtfs(feed: str, flex_dir: Path) -> None:
    """Zones referenced through stop_id are recognised (not 'unknown stop'); their on-demand
    trips are set aside with a warning; the fixed part compiles."""
    f = read_gtfs(flex_dir / feed)
    assert f.report.valid
    assert any("GTFS-Flex" in p.message for p in f.report.warnings)
    tt = compile_timetable(f)
    raw_stops = _rows(flex_dir / feed, "stops.txt")
    assert tt.n_stops == len(raw_stops)
    if feed == "brockton-various.zip":  # a full fixed-route feed with flex parts
        assert tt.n_trips > 1000 and tt.service_dates() is not None
