"""The project's error hierarchy root. Every error a user can cause derives from
:class:`MobilityError` and from the fitting built-in exception, so callers may catch either."""

from __future__ import annotations


class MobilityError(Exception):
    """Base class of all errors raised by mobility on purpose."""


class OutOfRegionError(MobilityError, ValueError):
    """A coordinate lies too far from the region's usable streets or stops."""


class ServiceDateError(MobilityError, ValueError):
    """A requested date lies outside the timetable's calendar."""
