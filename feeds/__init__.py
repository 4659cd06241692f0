"""The edge: readers and validators that turn public files into the core's data types.

gtfs-kit, osmnx, pandas and pyosmium are used here and stop here.
"""

from feeds.gtfs import GtfsFeed, compile_timetable, read_gtfs, validate_gtfs
from feeds.osm import compile_streets
from feeds.places import NamedPlace
from feeds.report import FeedError, Problem, ValidationReport

__all__ = ["FeedError", "GtfsFeed", "NamedPlace", "Problem", "ValidationReport",
           "compile_streets", "compile_timetable", "read_gtfs", "validate_gtfs"]
