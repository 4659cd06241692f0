"""Errors of the product shell (all derive from :class:`routing.errors.MobilityError`)."""

from __future__ import annotations

from routing.errors import MobilityError


class RegionError(MobilityError, ValueError):
    """A region cannot be found or its configuration is invalid; the message says what to fix."""


class CacheError(MobilityError, OSError):
    """A compiled-region cache file cannot be used (it is then rebuilt)."""
