"""The accessibility analysis' error: bad input a user can fix (the CLI exits with code 2)."""

from __future__ import annotations

from mobility.errors import RegionError


class AccessError(RegionError):
    """An option or input file of the accessibility analysis is invalid; the message says
    which and how to fix it."""
