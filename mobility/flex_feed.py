"""The published GTFS-Flex feed's agency and ``feed_info.txt`` from a region's ``[feed]``
settings, with defaults for what is not set."""

from __future__ import annotations

from dataclasses import dataclass

from feeds.flex import FeedInfo
from mobility.config import RegionConfig

#: the service's dates when ``[feed]`` gives none (YYYYMMDD)
DEFAULT_START, DEFAULT_END = "20250101", "20351231"
#: the feed's language by the region's country (default: English)
_LANG = {"DE": "de", "AT": "de", "CH": "de", "FR": "fr", "IT": "it", "NL": "nl", "DK": "da",
         "PL": "pl", "CZ": "cs", "ES": "es"}


@dataclass(frozen=True)
class Agency:
    """``agency.txt``'s one row."""

    name: str
    url: str
    phone: str


def feed_info(cfg: RegionConfig) -> tuple[FeedInfo, Agency]:
    """The feed's ``feed_info.txt`` row and its agency: ``[feed]`` of the region, else the
    region's name as agency and publisher, its country's language, the service's default
    dates and no version (the exporter then takes a digest of the content)."""
    f = cfg.feed
    agency = Agency(f.agency_name or f"{cfg.name} on-demand", f.agency_url, f.agency_phone)
    info = FeedInfo(
        publisher_name=f.publisher_name or agency.name,
        publisher_url=f.publisher_url or agency.url,
        lang=f.lang or _LANG.get(cfg.country.upper(), "en"),
        start_date=f.start_date.strftime("%Y%m%d") if f.start_date else DEFAULT_START,
        end_date=f.end_date.strftime("%Y%m%d") if f.end_date else DEFAULT_END,
        version=f.version, contact_email=f.contact_email, contact_url=f.contact_url)
    return info, agency
