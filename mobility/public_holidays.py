"""Public holidays, which standing orders skip: a region's calendar from the ``holidays``
package, by country and optional subdivision (``US-VT``: the US federal holidays and
Vermont's, such as Town Meeting Day; ``DE-BW``: Germany's and Baden-Württemberg's, such as
Epiphany). The API receives only the resulting function (it imports nothing of ours)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import holidays as calendars

from mobility.config import RegionConfig
from mobility.errors import RegionError

#: the setting that switches holidays off
NONE = "none"


def code_for(setting: str | None, region: RegionConfig) -> str | None:
    """The calendar to use: ``MOBILITY_HOLIDAYS`` when set (``none``: no holidays), else the
    region's ``holidays`` key, else its country (nationwide holidays only)."""
    code = setting or region.holidays or region.country or None
    if code is None or code.strip().lower() == NONE:
        return None
    return code.strip().upper()


def calendar(code: str | None) -> Callable[[dt.date], str | None] | None:
    """The public holiday on a date (its English name, or None) for ``code`` ("US-VT",
    "DE", …); None for no calendar.

    Raises
    ------
    RegionError
        For a country or subdivision the ``holidays`` package does not know.
    """
    if code is None:
        return None
    country, _, subdiv = code.partition("-")
    try:
        known = calendars.country_holidays(country, subdiv=subdiv or None, language="en_US")
    except NotImplementedError as exc:
        raise RegionError(f"holidays: no public holidays are known for {code!r} ({exc}); set "
                          "MOBILITY_HOLIDAYS to a country and subdivision such as US-VT or "
                          "DE-BW, or to none") from None
    lock = threading.Lock()  # the calendar fills in each year when first asked

    def holiday(date: dt.date) -> str | None:
        with lock:
            name = known.get(date)
        return str(name) if name else None

    return holiday
