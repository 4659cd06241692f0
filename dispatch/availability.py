"""When a vehicle can be planned: its company's availability rules resolved to a day's
windows, and those windows as a shift with breaks so that no one is planned into a gap.

A vehicle's availability on date D is the union of its weekly rules (D's ISO weekday among
``weekdays``, ``first_date <= D <= last_date`` or open-ended, and not a public holiday when
``skip_holidays``) and its dated rules covering D, minus its ``unavailable`` rules covering
D — merged into sorted, disjoint windows (seconds after D's midnight).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from dispatch.model import Break, Point

Window = tuple[float, float]
#: a public-holiday test: truthy (e.g. the holiday's name) on a holiday
IsHoliday = Callable[[dt.date], object]
KINDS = ("weekly", "dated", "unavailable")
DAY_S = 86400.0


@dataclass(frozen=True)
class AvailabilityRule:
    """One rule as its company entered it (see the module): ``weekdays`` are ISO weekdays
    (1 = Monday) and matter for ``weekly`` rules only; ``last_date`` None is open-ended;
    ``0 <= start_s < end_s <= 86400``."""

    kind: str
    weekdays: tuple[int, ...]
    first_date: dt.date
    last_date: dt.date | None
    start_s: float
    end_s: float
    skip_holidays: bool = False

    def covers(self, date: dt.date, is_holiday: IsHoliday | None = None) -> bool:
        """Whether the rule applies on ``date``."""
        if date < self.first_date or (self.last_date is not None and date > self.last_date):
            return False
        if self.kind != "weekly":
            return True
        if date.isoweekday() not in self.weekdays:
            return False
        return not (self.skip_holidays and is_holiday is not None and is_holiday(date))


def merge(windows: Iterable[Window]) -> list[Window]:
    """Sorted, disjoint windows covering the same time (touching windows join)."""
    out: list[Window] = []
    for lo, hi in sorted(w for w in windows if w[1] > w[0]):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def subtract(windows: Sequence[Window], holes: Iterable[Window]) -> list[Window]:
    """``windows`` (sorted, disjoint) less every hole."""
    out = list(windows)
    for hlo, hhi in merge(holes):
        nxt: list[Window] = []
        for lo, hi in out:
            if hhi <= lo or hlo >= hi:
                nxt.append((lo, hi))
                continue
            if lo < hlo:
                nxt.append((lo, hlo))
            if hhi < hi:
                nxt.append((hhi, hi))
        out = nxt
    return out


def windows_on(rules: Iterable[AvailabilityRule], date: dt.date,
               is_holiday: IsHoliday | None = None) -> list[Window]:
    """The vehicle's available windows on ``date`` (see the module): sorted, disjoint,
    empty when it is not available that day."""
    on: list[Window] = []
    off: list[Window] = []
    for r in rules:
        if not r.covers(date, is_holiday):
            continue
        (off if r.kind == "unavailable" else on).append((float(r.start_s), float(r.end_s)))
    return subtract(merge(on), off)


def shift_and_breaks(windows: Sequence[Window], depot: Point | None = None
                     ) -> tuple[Window, tuple[Break, ...]]:
    """A day's windows (sorted, disjoint, at least one) as a shift from the first start to
    the last end, and each gap between two windows as a break pinned at the gap's start
    that lasts the whole gap (at ``depot``; None: the vehicle's end depot) — so the
    vehicle is back at the depot when a gap begins and leaves it only when it ends, and
    no stop is planned into a gap."""
    if not windows:
        raise ValueError("no window: the vehicle is not available that day")
    ws = merge(windows)
    breaks = tuple(Break(a_end, a_end, b_start - a_end, depot)
                   for (_, a_end), (b_start, _) in zip(ws[:-1], ws[1:], strict=True))
    return (ws[0][0], ws[-1][1]), breaks
