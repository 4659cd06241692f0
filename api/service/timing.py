"""The region's time zone and the service's clock: moments as (service date, seconds after
its midnight) for the dispatcher, and back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from api.service.clock import Clock
from api.service.errors import InvalidRequestError
from routing.timebase import day_seconds, moment_at, service_day_midnight


class Timing:
    """Conversions between aware moments and service-day seconds in the region's zone, and
    the current moment from the service's clock."""

    def __init__(self, timezone: str, clock: Clock) -> None:
        self.tz = ZoneInfo(timezone)
        self.clock = clock

    def now(self) -> dt.datetime:
        """The current moment (UTC)."""
        return self.clock.now()

    def today(self) -> dt.date:
        """Today's date in the region."""
        return self.clock.now().astimezone(self.tz).date()

    def local(self, moment: dt.datetime, field: str = "time") -> dt.datetime:
        """A moment in the region's zone (a moment without offset is local time already).

        Raises
        ------
        InvalidRequestError
            For a moment the calendar cannot hold here (e.g. 0001-01-01T00:00+01:00).
        """
        try:
            return (moment.replace(tzinfo=self.tz) if moment.tzinfo is None
                    else moment.astimezone(self.tz))
        except OverflowError:
            raise InvalidRequestError(f"{moment.isoformat()} is not a time this service can "
                                 "handle", field=field, code="implausible-time",
                                 title="Implausible time") from None

    def day_seconds(self, moment: dt.datetime, field: str = "time") -> tuple[dt.date, float]:
        """(service date, seconds after its midnight) of a moment, in the region's zone."""
        return day_seconds(self.local(moment, field), self.tz)

    def seconds_on(self, date: dt.date, moment: dt.datetime, field: str = "time") -> float:
        """A moment as seconds after ``date``'s midnight (negative before, past 24 h after)."""
        return (self.local(moment, field) - service_day_midnight(date, self.tz)
                ).total_seconds()

    def moment(self, date: dt.date, seconds: float) -> dt.datetime:
        """Seconds after a service day's midnight as local time (whole seconds)."""
        return moment_at(date, seconds, self.tz)
