"""Demand for a simulated day: read from a CSV file, or drawn for a rural area — trips from
homes towards hubs (busy transit stops, the town centre) in the morning and back later."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dispatch.model import Point
from routing.errors import MobilityError
from routing.timebase import parse_clock

#: relative request rate by hour of day (0-23): morning and afternoon peaks, a quiet evening
PROFILE = np.array([0, 0, 0, 0, 0, 0.3, 0.8, 1.6, 1.5, 1.0, 0.9, 1.0, 1.1, 1.0, 1.0, 1.3,
                    1.6, 1.5, 1.1, 0.8, 0.6, 0.4, 0.2, 0], dtype=np.float64)
COLUMNS = ("time", "origin_lat", "origin_lon", "destination_lat", "destination_lon")


@dataclass(frozen=True)
class DemandProfile:
    """A district's expected demand: requests per day in each service area, spread over the
    day by ``hourly`` (24 relative weights, local hours 0-23). ``standing_share`` of them are
    standing orders (regular rides booked once for every service day, so known before the
    day starts); ``prebooked_share`` of the rest are booked ahead, the others asked for on
    the spot."""

    hourly: tuple[float, ...]
    requests_per_day: tuple[tuple[str, float], ...]
    standing_share: float = 0.0
    prebooked_share: float = 0.3

    def per_day(self, area: str) -> float:
        """The requests a day expected in ``area`` (0 for an area without demand)."""
        return dict(self.requests_per_day).get(area, 0.0)

    @property
    def total(self) -> float:
        """The requests a day in every area together."""
        return float(sum(n for _, n in self.requests_per_day))

    def per_hour(self, area: str) -> np.ndarray:
        """Expected requests in each hour 0-23 of a day in ``area``."""
        w = np.asarray(self.hourly, np.float64)
        return self.per_day(area) * w / w.sum()


@dataclass(frozen=True)
class Trip:
    """A wish for a ride: picked up from ``time`` (s after midnight) at ``origin``,
    asked for at ``booked_at``."""

    id: str
    time: float
    origin: Point
    destination: Point
    booked_at: float
    passengers: int = 1
    wheelchair: bool = False


class DemandError(MobilityError, ValueError):
    """A demand file has bad rows; ``problems`` lists every one (line, column, message)."""

    def __init__(self, path: Path, problems: list[tuple[int, str, str]]) -> None:
        lines = "; ".join(f"line {n}, {c}: {m}" for n, c, m in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{path}: {len(problems)} bad rows — {lines}{more}; fix them or "
                         "pass --skip-bad-rows")
        self.path, self.problems = path, problems

    def __reduce__(self) -> tuple[type[DemandError], tuple[Path, list[tuple[int, str, str]]]]:
        # rebuilt from its fields when a sweep's worker process sends it back
        return DemandError, (self.path, self.problems)


def _clock(text: str) -> float:
    """``HH:MM[:SS]`` (hours may pass 24) or an ISO date-time, as seconds after midnight."""
    text = text.strip()
    if "T" in text:
        t = dt.datetime.fromisoformat(text)
        return t.hour * 3600.0 + t.minute * 60 + t.second
    return float(parse_clock(text))


def read_demand(path: Path, *, skip_bad: bool = False) -> tuple[list[Trip], list[str]]:
    """Trips of a CSV file with columns ``time, origin_lat, origin_lon, destination_lat,
    destination_lon`` and optional ``passengers, wheelchair, booked_at`` (times ``HH:MM``
    or ISO; ``booked_at`` empty: asked for at ``time``).

    Returns the trips and a warning per skipped row.

    Raises
    ------
    DemandError
        Listing every bad row (line numbers count the header as line 1), unless
        ``skip_bad``.
    """
    trips, problems = read_demand_rows(path)
    if problems and not skip_bad:
        raise DemandError(path, problems)
    return trips, [f"{path.name} line {n}, {c}: {m} (row skipped)" for n, c, m in problems]


def read_demand_rows(path: Path) -> tuple[list[Trip], list[tuple[int, str, str]]]:
    """The good rows of a demand file (see :func:`read_demand`) as trips, and every bad row
    as (line, column, problem)."""
    try:
        f = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise MobilityError(f"cannot read demand file {path}: {exc.strerror}") from None
    problems: list[tuple[int, str, str]] = []
    trips: list[Trip] = []
    with f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DemandError(path, [(1, c, "column missing") for c in missing])
        for line, row in enumerate(reader, 2):
            bad = len(problems)
            vals: dict[str, float] = {}
            for col in COLUMNS[1:]:
                try:
                    vals[col] = float(row[col])
                except (TypeError, ValueError):
                    problems.append((line, col, f"not a number: {row[col]!r}"))
            for col, lim in (("origin_lat", 90), ("destination_lat", 90),
                             ("origin_lon", 180), ("destination_lon", 180)):
                if col in vals and not -lim <= vals[col] <= lim:
                    problems.append((line, col, f"{vals[col]} is out of range"))
            times = {}
            for col in ("time", "booked_at"):
                raw = (row.get(col) or "").strip()
                if col == "booked_at" and not raw:
                    continue
                try:
                    times[col] = _clock(raw)
                except ValueError as exc:
                    problems.append((line, col, str(exc)))
            pax_raw = (row.get("passengers") or "1").strip()
            if not pax_raw.isdigit() or not 1 <= int(pax_raw) <= 20:
                problems.append((line, "passengers", f"must be 1-20, not {pax_raw!r}"))
            wc_raw = (row.get("wheelchair") or "0").strip().lower()
            if wc_raw not in ("0", "1", "true", "false", "yes", "no", ""):
                problems.append((line, "wheelchair", f"must be 0/1, not {wc_raw!r}"))
            if "time" in times and times.get("booked_at", 0.0) > times["time"]:
                problems.append((line, "booked_at", "is after the requested time"))
            if len(problems) > bad:
                continue
            trips.append(Trip(f"d{line}", times["time"],
                              (vals["origin_lat"], vals["origin_lon"]),
                              (vals["destination_lat"], vals["destination_lon"]),
                              times.get("booked_at", times["time"]), int(pax_raw),
                              wc_raw in ("1", "true", "yes")))
    return trips, problems


def synthetic_demand(homes: np.ndarray, home_weights: np.ndarray, hubs: np.ndarray,
                     hub_weights: np.ndarray, hours: tuple[float, float], rate_per_hour: float,
                     prebooked_share: float, notice_s: float, rng: np.random.Generator,
                     wheelchair_share: float = 0.03, profile: tuple[float, ...] | None = None,
                     standing_share: float = 0.0) -> list[Trip]:
    """A day of rural demand: requests arrive as a Poisson process following ``PROFILE``
    within ``hours`` (mean ``rate_per_hour`` over them); each goes between a home (drawn by
    ``home_weights``) and a hub (by ``hub_weights``) — towards the hub before 13:00 with
    probability 0.75, back home after it — and one in six from home to home. A
    ``prebooked_share`` is booked ahead (at least ``notice_s``, up to a day), the rest asked
    for on the spot. ``profile``: 24 hourly weights instead of ``PROFILE``;
    ``standing_share``: the share that are standing orders, booked before the day (ids
    ``o…``: a regular ride booked once for every service day)."""
    if len(homes) == 0 or len(hubs) == 0:
        raise MobilityError("the service area holds no homes or no hubs to draw trips from")
    start, end = hours
    hw = home_weights / home_weights.sum()
    bw = hub_weights / hub_weights.sum()
    hrs = np.arange(int(start // 3600), int(np.ceil(end / 3600)))
    prof = (PROFILE if profile is None else np.asarray(profile, np.float64))[hrs % 24]
    prof = prof / prof.mean() if prof.sum() > 0 else np.ones(len(hrs))
    trips: list[Trip] = []
    for h, f in zip(hrs, prof, strict=True):
        n = rng.poisson(rate_per_hour * f)
        for t in np.sort(rng.uniform(max(start, h * 3600.0), min(end, (h + 1) * 3600.0), n)):
            home = homes[rng.choice(len(homes), p=hw)]
            u = rng.random()
            if u < 1 / 6:
                other = homes[rng.choice(len(homes), p=hw)]
                o, d = home, other
            else:
                hub = hubs[rng.choice(len(hubs), p=bw)]
                outbound = rng.random() < (0.75 if t < 13 * 3600 else 0.25)
                o, d = (home, hub) if outbound else (hub, home)
            standing = rng.random() < standing_share
            pre = rng.random() < prebooked_share
            booked = t - notice_s - rng.uniform(0, 24 * 3600 - notice_s) if pre else t
            if standing:  # booked when the order was placed, days before
                booked = t - 86400
            pax = 1 + int(rng.random() < 0.15)
            trips.append(Trip(f"{'o' if standing else 's'}{len(trips) + 1}", float(t),
                              (float(o[0]), float(o[1])), (float(d[0]), float(d[1])),
                              float(max(booked, t - 86400)), pax,
                              bool(rng.random() < wheelchair_share)))
    return trips
