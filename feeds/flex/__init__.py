"""GTFS-Flex v2: on-demand services (zones, location groups, booking rules, windows)."""

from feeds.flex._read import FlexFeed, FlexService, read_flex

__all__ = ["FlexFeed", "FlexService", "read_flex"]
