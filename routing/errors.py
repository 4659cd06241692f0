"""The project's error hierarchy root. Every error a user can cause derives from
:class:`MobilityError` and from the fitting built-in exception, so callers may catch either."""

from __future__ import annotations


class MobilityError(Exception):
    """Base class of all errors raised by mobility on purpose.

    ``field`` names the input at fault (a query parameter or body field) when one is.
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InputError(MobilityError, ValueError):
    """A value a user typed cannot be understood; the message says what to type."""


class OutOfRegionError(MobilityError, ValueError):
    """A coordinate lies too far from the region's usable streets or stops."""


class ServiceDateError(MobilityError, ValueError):
    """A requested date lies outside the timetable's calendar."""
