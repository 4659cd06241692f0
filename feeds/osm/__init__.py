"""OpenStreetMap: filter an extract per mode, build graphs with osmnx, compile to CSR arrays."""

from feeds.osm._compile import compile_streets
from feeds.osm._places import home_points, named_places, street_segments
from feeds.osm._rules import DEFAULT_CAR_KMH, parse_speed

__all__ = ["DEFAULT_CAR_KMH", "compile_streets", "home_points", "named_places",
           "parse_speed", "street_segments"]
