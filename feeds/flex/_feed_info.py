"""``feed_info.txt``: who publishes the feed, its language, validity and version."""

from __future__ import annotations

from dataclasses import dataclass

#: the columns, in the GTFS reference's order
COLUMNS = ("feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date",
           "feed_end_date", "feed_version", "feed_contact_email", "feed_contact_url")


@dataclass(frozen=True)
class FeedInfo:
    """One row of ``feed_info.txt``; dates as ``YYYYMMDD``, empty strings for "not given".
    An empty ``version`` is filled by the exporter with a digest of the feed's content."""

    publisher_name: str
    publisher_url: str
    lang: str
    start_date: str = ""
    end_date: str = ""
    version: str = ""
    contact_email: str = ""
    contact_url: str = ""

    def row(self) -> list[str]:
        return [self.publisher_name, self.publisher_url, self.lang, self.start_date,
                self.end_date, self.version, self.contact_email, self.contact_url]

    @classmethod
    def from_row(cls, row: dict[str, str]) -> FeedInfo:
        return cls(*(str(row.get(c) or "").strip() for c in COLUMNS))
