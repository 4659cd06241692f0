"""GTFS: read and validate feeds, compile them into the core's :class:`routing.Timetable`."""

from feeds.gtfs._compile import compile_timetable
from feeds.gtfs._read import GtfsFeed, read_gtfs, validate_gtfs

__all__ = ["GtfsFeed", "compile_timetable", "read_gtfs", "validate_gtfs"]
