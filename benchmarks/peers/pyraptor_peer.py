"""Run the PyPI package ``pyraptor`` (1.3.10) as a peer in the transit benchmark.

This script runs INSIDE pyraptor's own virtual environment (made by
``pyraptor_setup.sh``); it uses the standard library and pyraptor's own
dependencies only and never imports this project's packages.

    python pyraptor_peer.py --gtfs GTFS.zip --date 2016-11-04 \
        --queries QUERIES.json --out RESULT.json [--cache DIR] [--max-seconds 600]

Steps:
  1. rewrite the GTFS feed into the form pyraptor's reader demands (once per
     feed/date/options; kept in the cache dir),
  2. build pyraptor's timetable for the date (once; kept in the cache dir),
  3. load the timetable and answer each query with pyraptor's standard
     earliest-arrival query, ``pyraptor.query_raptor.run_raptor`` (mirrored in
     ``run_raptor_fixed`` with one bug fix, see there).

QUERIES.json: ``[{"from_stop_id": str, "to_stop_id": str, "depart": "HH:MM:SS"}, ...]``

RESULT.json::

    {"build_s": float|null,      # timetable build in THIS run; null if reused
     "load_s": float,            # loading the built timetable from the cache
     "queries": [{"seconds": float|null, "arrival": int|null, "error": str|null,
                  "from_station": str|null, "to_station": str|null}, ...],
     "notes": [str, ...],
     # extras
     "convert_s": float|null, "cached_build_s": float|null,
     "summary": {...}, "params": {...}}

``arrival`` is seconds since midnight of the query date; null with
``error`` null means pyraptor found no journey (within its round limit).
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import io
import json
import math
import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path

REWRITE_VERSION = 1  # bump when the feed rewrite changes (invalidates caches)
DEFAULT_CACHE = Path.home() / ".cache" / "mobility" / "peers" / "pyraptor"


# --------------------------------------------------------------------------
# Feed rewrite (stdlib only)
# --------------------------------------------------------------------------


def _read_table(zf: zipfile.ZipFile, name: str) -> list[dict[str, str]] | None:
    """Rows of one GTFS table (None if absent); header and values stripped."""
    names = {Path(n).name: n for n in zf.namelist()}
    if name not in names:
        return None
    with zf.open(names[name]) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            return []
        rows = []
        for rec in reader:
            if not rec or all(not v.strip() for v in rec):
                continue
            rows.append({h: (rec[i].strip() if i < len(rec) else "") for i, h in enumerate(header)})
        return rows


def _write_table(path: Path, header: list[str], rows) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
            n += 1
    return n


def _time_to_sec(t: str) -> int | None:
    t = t.strip()
    if not t:
        return None
    parts = t.split(":")
    if len(parts) == 2:
        parts.append("0")
    h, m, s = (int(p) for p in parts)
    return h * 3600 + m * 60 + s


def _sec_to_time(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _dist_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    x = (lo2 - lo1) * math.cos((la1 + la2) / 2)
    return 6371000.0 * math.hypot(x, la2 - la1)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _active_services(calendar, calendar_dates, day: date) -> set[str]:
    ymd = day.strftime("%Y%m%d")
    weekday = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][
        day.weekday()
    ]
    active = set()
    for r in calendar or []:
        if r.get("start_date", "") <= ymd <= r.get("end_date", "") and r.get(weekday) == "1":
            active.add(r["service_id"])
    for r in calendar_dates or []:
        if r.get("date") != ymd:
            continue
        if r.get("exception_type") == "1":
            active.add(r["service_id"])
        elif r.get("exception_type") == "2":
            active.discard(r["service_id"])
    return active


def _station_names(stops: list[dict], split_m: float, notes: list[str]) -> dict[str, str]:
    """stop_id -> station name for pyraptor, which merges all stops of one name.

    Stops sharing a name but lying more than ``split_m`` apart (single-link
    clusters) are different places (e.g. a 'Marktplatz' in two towns); the
    farther clusters get a suffix ' [2]', ' [3]', ... so pyraptor does not
    'transfer' between them in 2 minutes.  split_m <= 0 disables this.
    """
    by_name: dict[str, list[dict]] = defaultdict(list)
    for s in stops:
        by_name[s["stop_name"]].append(s)
    out: dict[str, str] = {}
    split = []
    taken: set[str] = set()
    for name, group in by_name.items():
        coords: list[tuple[float, float]] = []
        for s in group:
            try:
                coords.append((float(s["stop_lat"]), float(s["stop_lon"])))
            except (KeyError, ValueError):
                break
        if split_m <= 0 or len(group) == 1 or len(coords) < len(group):
            for s in group:
                out[s["stop_id"]] = name
            continue
        # single-link clustering (union-find; groups are small)
        parent = list(range(len(group)))
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                if _dist_m(coords[i], coords[j]) <= split_m:
                    parent[_find(parent, i)] = _find(parent, j)
        roots: dict[int, list[int]] = defaultdict(list)
        for i in range(len(group)):
            roots[_find(parent, i)].append(i)
        # biggest cluster keeps the plain name; ties by smallest stop_id
        ordered = sorted(
            roots.values(), key=lambda m: (-len(m), min(group[i]["stop_id"] for i in m))
        )
        for k, members in enumerate(ordered):
            label = name
            if k:
                label = f"{name} [{k + 1}]"
                while label in by_name or label in taken:  # never collide with a real name
                    label += "*"
                taken.add(label)
            for i in members:
                out[group[i]["stop_id"]] = label
        if len(ordered) > 1:
            split.append(f"{name} ({len(ordered)} places)")
    if split:
        notes.append(
            f"split {len(split)} stop name(s) whose stops lie > {split_m:.0f} m apart into "
            f"separate pyraptor stations: {', '.join(sorted(split))}"
        )
    return out


def rewrite_feed(gtfs: Path, day: date, out_dir: Path, split_m: float) -> dict:
    """Write a pyraptor-readable copy of the feed to out_dir; return meta."""
    notes: list[str] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(gtfs) as zf:
        agency = _read_table(zf, "agency.txt") or []
        routes = _read_table(zf, "routes.txt") or []
        trips = _read_table(zf, "trips.txt") or []
        stops = _read_table(zf, "stops.txt") or []
        stop_times = _read_table(zf, "stop_times.txt") or []
        calendar = _read_table(zf, "calendar.txt")
        calendar_dates = _read_table(zf, "calendar_dates.txt")

    # agency: pyraptor keeps only agencies named on its command line; we name all.
    if not agency:
        agency = [{"agency_id": "A", "agency_name": "agency"}]
    for i, a in enumerate(agency):
        a["agency_id"] = "a:" + (a.get("agency_id") or str(i))
        a["agency_name"] = a.get("agency_name") or a["agency_id"]
    default_agency = agency[0]["agency_id"]
    _write_table(
        out_dir / "agency.txt",
        ["agency_id", "agency_name", "agency_url", "agency_timezone"],
        agency,
    )

    # ids get a non-numeric prefix: pandas guesses a column's dtype chunk by
    # chunk, so a mix of '73468' and '133162_merged_890836' trip ids can end
    # up as int in one file and str in the other and silently fail to join.
    for r in routes:
        r["route_id"] = "r:" + r["route_id"]
        r["agency_id"] = ("a:" + r["agency_id"]) if r.get("agency_id") else default_agency
    _write_table(
        out_dir / "routes.txt",
        ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
        routes,
    )

    # trips: pyraptor needs trip_short_name (cast to Int64: leave blank) and
    # trip_long_name (a label only: use the headsign).
    for t in trips:
        t["route_id"] = "r:" + t["route_id"]
        t["trip_id"] = "t:" + t["trip_id"]
        t["service_id"] = "s:" + t["service_id"]
        t["trip_long_name"] = t.get("trip_headsign", "")
        t["trip_short_name"] = ""
    _write_table(
        out_dir / "trips.txt",
        ["route_id", "service_id", "trip_id", "trip_short_name", "trip_long_name"],
        trips,
    )

    # calendar: pyraptor reads calendar_dates.txt only; write the services
    # running on the query date explicitly.
    active = _active_services(calendar, calendar_dates, day)
    ymd = day.strftime("%Y%m%d")
    _write_table(
        out_dir / "calendar_dates.txt",
        ["service_id", "date", "exception_type"],
        ({"service_id": "s:" + s, "date": ymd, "exception_type": "1"} for s in sorted(active)),
    )
    active_ids = {"s:" + s for s in active}
    n_active_trips = sum(1 for t in trips if t["service_id"] in active_ids)
    notes.append(
        f"calendar.txt + calendar_dates.txt expanded to {len(active)} services active on "
        f"{day.isoformat()} "
        f"({n_active_trips} of {len(trips)} trips); trips of the previous service day running past "
        f"midnight are not included (pyraptor plans one service day)"
    )

    # stop_times: pyraptor crashes on blank times. Fill a blank arrival or
    # departure from its partner, interpolate interior blank stops linearly
    # by stop index, drop leading/trailing untimed stops.
    by_trip: dict[str, list[dict]] = defaultdict(list)
    for st in stop_times:
        by_trip[st["trip_id"]].append(st)
    out_st = []
    n_interp = n_dropped = 0
    for trip_id, rows in by_trip.items():
        rows.sort(key=lambda r: int(r["stop_sequence"]))
        arr = [_time_to_sec(r.get("arrival_time", "")) for r in rows]
        dep = [_time_to_sec(r.get("departure_time", "")) for r in rows]
        for i in range(len(rows)):
            if arr[i] is None and dep[i] is not None:
                arr[i] = dep[i]
            if dep[i] is None and arr[i] is not None:
                dep[i] = arr[i]
        timed = [i for i in range(len(rows)) if arr[i] is not None]
        for lo, hi in zip(timed, timed[1:], strict=False):
            t_lo, t_hi = dep[lo], arr[hi]
            assert t_lo is not None and t_hi is not None
            for i in range(lo + 1, hi):
                arr[i] = dep[i] = round(t_lo + (t_hi - t_lo) * (i - lo) / (hi - lo))
                n_interp += 1
        for i, r in enumerate(rows):
            t_arr, t_dep = arr[i], dep[i]
            if t_arr is None or t_dep is None:
                n_dropped += 1
                continue
            out_st.append(
                {
                    "trip_id": "t:" + trip_id,
                    "stop_sequence": r["stop_sequence"],
                    "stop_id": r["stop_id"],
                    "arrival_time": _sec_to_time(t_arr),
                    "departure_time": _sec_to_time(t_dep),
                }
            )
    _write_table(
        out_dir / "stop_times.txt",
        ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
        out_st,
    )
    if n_interp or n_dropped:
        notes.append(
            f"stop_times: {n_interp} blank times interpolated, "
            f"{n_dropped} untimed end stops dropped"
        )
    else:
        notes.append("stop_times: no blank times in this feed")

    # stops: pyraptor drops every stop without parent_station, needs
    # platform_code and an upper-caseable (string) stop_code; it then merges
    # all stops sharing a stop_name into one station.
    platforms = [s for s in stops if s.get("location_type", "") in ("", "0")]
    station_of = _station_names(platforms, split_m, notes)
    station_ids: dict[str, str] = {}
    out_stops = []
    for s in platforms:
        name = station_of[s["stop_id"]]
        sid = station_ids.setdefault(name, f"st:{len(station_ids) + 1}")
        out_stops.append(
            {
                "stop_id": s["stop_id"],
                "stop_code": "c:" + s["stop_id"],
                "stop_name": name,
                "stop_lat": s.get("stop_lat", ""),
                "stop_lon": s.get("stop_lon", ""),
                "location_type": "0",
                "parent_station": sid,
                "platform_code": "",
            }
        )
    for name, sid in station_ids.items():
        out_stops.append(
            {
                "stop_id": sid,
                "stop_code": "c:" + sid,
                "stop_name": name,
                "location_type": "1",
                "parent_station": "",
                "platform_code": "",
            }
        )
    _write_table(
        out_dir / "stops.txt",
        [
            "stop_id",
            "stop_code",
            "stop_name",
            "stop_lat",
            "stop_lon",
            "location_type",
            "parent_station",
            "platform_code",
        ],
        out_stops,
    )
    notes.append(
        f"stops: {len(platforms)} stops grouped into {len(station_ids)} pyraptor stations by name "
        f"(synthetic parent_station, stop_code 'c:<stop_id>', blank platform_code)"
    )
    return {
        "agencies": [a["agency_name"] for a in agency],
        "station_of_stop": station_of,
        "rewrite_notes": notes,
    }


# --------------------------------------------------------------------------
# Cache handling
# --------------------------------------------------------------------------


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _cache_key(gtfs: Path, day: date, split_m: float) -> str:
    try:
        from importlib.metadata import version

        pv = version("pyraptor")
    except Exception:  # pragma: no cover
        pv = "unknown"
    return (
        f"{_file_sha256(gtfs)[:16]}-{day:%Y%m%d}-split{split_m:g}-pyraptor{pv}-rw{REWRITE_VERSION}"
    )


def _atomic_dir(final: Path, build) -> None:
    """Run build(tmp_dir) and move tmp_dir into place (no half-written caches)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=final.name + ".tmp-", dir=final.parent))
    try:
        build(tmp)
        if final.exists():  # another run won the race
            shutil.rmtree(tmp)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --------------------------------------------------------------------------
# The query
# --------------------------------------------------------------------------


def run_raptor_fixed(timetable, origin_station: str, dep_secs: int, rounds: int):
    """``pyraptor.query_raptor.run_raptor`` (1.3.10) line for line, with one fix.

    Upstream reads the labels of round ``rounds``; but ``RaptorAlgorithm.run``
    stops early once no stop is marked, leaving the later rounds at their
    initial 'unreached' labels, so a search that settles in fewer rounds than
    asked returns no journey at all (seen on rhein-neckar with --rounds 12).
    We read the last round actually computed instead. Same work, same cost.
    Returns (journeys by station name, last round computed).
    """
    from pyraptor.model.raptor import (
        RaptorAlgorithm,
        best_stop_at_target_station,
        reconstruct_journey,
    )
    from pyraptor.util import LARGE_NUMBER

    from_stops = timetable.stations.get(origin_station).stops
    destination_stops = {
        st.name: timetable.stations.get_stops(st.name) for st in timetable.stations
    }
    destination_stops.pop(origin_station, None)

    raptor = RaptorAlgorithm(timetable)
    bag_round_stop = raptor.run(from_stops, dep_secs, rounds)
    last = max(
        k
        for k in bag_round_stop
        if bag_round_stop[k][from_stops[0]].earliest_arrival_time != LARGE_NUMBER
    )
    best_labels = bag_round_stop[last]

    journey_to_destinations = dict()
    for destination_station_name, to_stops in destination_stops.items():
        dest_stop = best_stop_at_target_station(to_stops, best_labels)
        if dest_stop != 0:
            journey = reconstruct_journey(dest_stop, best_labels)
            journey_to_destinations[destination_station_name] = journey
    return journey_to_destinations, last


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def _parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gtfs", required=True, type=Path, help="GTFS zip (read only)")
    p.add_argument("--date", required=True, help="service date YYYY-MM-DD")
    p.add_argument("--queries", required=True, type=Path, help="queries JSON list")
    p.add_argument("--out", required=True, type=Path, help="result JSON path")
    p.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help=f"cache dir (default {DEFAULT_CACHE})"
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        default=600.0,
        help="total budget for the query loop; later queries are skipped (default 600)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="RAPTOR rounds (max trips = rounds); pyraptor's CLI default is 5",
    )
    p.add_argument(
        "--split-names-m",
        type=float,
        default=1000.0,
        help="split same-named stops lying farther apart than this into separate "
        "stations (0 = pyraptor's plain merge by name; default 1000)",
    )
    p.add_argument("--verbose", action="store_true", help="keep pyraptor's loguru output")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = _parse_args(argv)
    day = date.fromisoformat(args.date)
    gtfs = args.gtfs.resolve()
    queries = json.loads(args.queries.read_text(encoding="utf-8"))
    notes: list[str] = []

    from loguru import logger

    logger.remove()  # pyraptor logs every round at INFO/DEBUG; keep it out of the timings
    logger.add(sys.stderr, level="DEBUG" if args.verbose else "WARNING")

    from pyraptor.dao.timetable import read_timetable, write_timetable
    from pyraptor.gtfs.timetable import gtfs_to_pyraptor_timetable, read_gtfs_timetable
    from pyraptor.util import str2sec

    root = args.cache.expanduser() / _cache_key(gtfs, day, args.split_names_m)
    feed_dir, tt_dir = root / "feed", root / "timetable"

    # (a) rewrite the feed (the dir only appears once complete, meta.json inside)
    convert_s = None
    if not (feed_dir / "meta.json").exists():

        def _rewrite(d: Path):
            t0 = time.perf_counter()
            m = rewrite_feed(gtfs, day, d, args.split_names_m)
            m["convert_s"] = time.perf_counter() - t0
            (d / "meta.json").write_text(json.dumps(m), encoding="utf-8")

        shutil.rmtree(feed_dir, ignore_errors=True)  # leftover without meta.json
        _atomic_dir(feed_dir, _rewrite)
        meta = json.loads((feed_dir / "meta.json").read_text(encoding="utf-8"))
        convert_s = meta["convert_s"]
        notes.append(f"feed rewritten into {feed_dir} in {convert_s:.1f} s")
    else:
        meta = json.loads((feed_dir / "meta.json").read_text(encoding="utf-8"))
        notes.append(f"rewritten feed reused from {feed_dir}")
    notes.extend(meta.get("rewrite_notes", []))
    station_of = meta["station_of_stop"]

    # (b) build pyraptor's timetable (same scheme, build.json inside)
    build_s = None
    if not (tt_dir / "build.json").exists():

        def _build(d: Path):
            t0 = time.perf_counter()
            g = read_gtfs_timetable(str(feed_dir), day.strftime("%Y%m%d"), meta["agencies"])
            tt = gtfs_to_pyraptor_timetable(g, icd_fix=False)
            write_timetable(str(d), tt)
            secs = time.perf_counter() - t0
            (d / "build.json").write_text(
                json.dumps(
                    {
                        "build_s": secs,
                        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                        "counts": {
                            k: len(getattr(tt, k))
                            for k in (
                                "stations",
                                "stops",
                                "routes",
                                "trips",
                                "trip_stop_times",
                                "transfers",
                            )
                        },
                    }
                ),
                encoding="utf-8",
            )

        shutil.rmtree(tt_dir, ignore_errors=True)
        _atomic_dir(tt_dir, _build)
        cached = json.loads((tt_dir / "build.json").read_text(encoding="utf-8"))
        build_s = cached["build_s"]
        notes.append(
            "timetable built (pyraptor reads the rewritten GTFS, converts, joblib-dumps) "
            f"into {tt_dir}"
        )
    else:
        cached = json.loads((tt_dir / "build.json").read_text(encoding="utf-8"))
        notes.append(
            f"timetable reused from {tt_dir} (built {cached.get('built_at')} in "
            f"{cached.get('build_s', float('nan')):.1f} s); build_s is null"
        )

    # load
    t0 = time.perf_counter()
    timetable = read_timetable(str(tt_dir))
    load_s = time.perf_counter() - t0

    # (c) queries
    results = []
    n_err = n_skip = n_none = n_early = 0
    loop_start = time.perf_counter()
    for q in queries:
        if time.perf_counter() - loop_start > args.max_seconds:
            results.append(
                {
                    "seconds": None,
                    "arrival": None,
                    "error": "skipped: --max-seconds budget spent",
                    "from_station": None,
                    "to_station": None,
                }
            )
            n_skip += 1
            continue
        rec = {
            "seconds": None,
            "arrival": None,
            "error": None,
            "from_station": station_of.get(str(q.get("from_stop_id"))),
            "to_station": station_of.get(str(q.get("to_stop_id"))),
        }
        # the previous query's garbage (deep copies of labels) is not charged to this one
        gc.collect()
        t0 = time.perf_counter()
        try:
            origin, dest = rec["from_station"], rec["to_station"]
            if origin is None or dest is None:
                raise KeyError(
                    "stop id not in feed: "
                    f"{q.get('from_stop_id') if origin is None else q.get('to_stop_id')}"
                )
            if origin == dest:
                raise ValueError(f"origin and destination are the same pyraptor station {origin!r}")
            if timetable.stations.get(origin) is None:
                raise KeyError(f"origin station {origin!r} has no service on {day}")
            journeys, last = run_raptor_fixed(timetable, origin, str2sec(q["depart"]), args.rounds)
            n_early += last < args.rounds
            journey = journeys.get(dest)
            rec["arrival"] = int(journey.arr()) if journey is not None and len(journey) else None
        except Exception as e:  # noqa: BLE001 - counted per query, never fatal
            rec["error"] = f"{type(e).__name__}: {e}"
        rec["seconds"] = time.perf_counter() - t0
        if rec["error"]:
            n_err += 1
        elif rec["arrival"] is None:
            n_none += 1
        results.append(rec)

    timed = sorted(r["seconds"] for r in results if r["seconds"] is not None and r["error"] is None)

    def pct(p):
        if not timed:
            return None
        return timed[min(len(timed) - 1, max(0, math.ceil(p / 100 * len(timed)) - 1))]

    notes.append(
        "query = pyraptor.query_raptor.run_raptor (plain RAPTOR, one departure time, by "
        f"station name, {args.rounds} rounds), with its last-round fix (see run_raptor_fixed); "
        "it labels all stops and reconstructs a journey to every station, all of it timed; "
        "gc.collect() runs between queries, untimed; "
        f"{n_early} search(es) settled before the last round"
    )
    notes.append("loguru output lowered to WARNING during the run (pyraptor logs every round)")
    out = {
        "build_s": build_s,
        "load_s": load_s,
        "queries": results,
        "notes": notes,
        "convert_s": convert_s if convert_s is not None else meta.get("convert_s"),
        "cached_build_s": cached.get("build_s"),
        "summary": {
            "n": len(results),
            "errors": n_err,
            "skipped": n_skip,
            "no_journey": n_none,
            "settled_early": n_early,
            "median_s": pct(50),
            "p95_s": pct(95),
            "counts": cached.get("counts"),
        },
        "params": {
            "gtfs": str(gtfs),
            "date": day.isoformat(),
            "rounds": args.rounds,
            "split_names_m": args.split_names_m,
            "cache": str(root),
            "python": sys.version.split()[0],
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(out, indent=1), encoding="utf-8")
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
