"""GTFS-Flex v2: on-demand services (zones, location groups, booking rules, windows)."""

from feeds.flex._feed_info import FeedInfo
from feeds.flex._read import FlexFeed, FlexService, read_flex
from feeds.flex._write import REAL_TIME, write_flex

__all__ = ["REAL_TIME", "FeedInfo", "FlexFeed", "FlexService", "read_flex", "write_flex"]
