"""What the three feeds share: the header (GTFS-Realtime 2.0, a full dataset, stamped with
the moment its data describes), the encodings (protobuf, or JSON for people) and the ETag.

The header's timestamp is the latest moment at or before now that changed what the feed
says: a booking or alert written, a vehicle's report, a day beginning (the feed's days move
at the region's midnight), a shift starting or ending — or now itself when an estimate is
moved by the clock (a stop overdue is expected now at the earliest). So the same data gives
the same bytes, and a client polling with ``If-None-Match`` gets 304 until something
changed; and the timestamp never lies ahead of the data nor claims a freshness it lacks."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from google.protobuf import json_format
from google.transit import gtfs_realtime_pb2 as rt

from api.service.timing import Timing

VERSION = "2.0"
PROTOBUF = "application/x-protobuf"
JSON = "application/json"


def as_of(timing: Timing, moments: Iterable[dt.datetime | None]) -> dt.datetime:
    """The latest of ``moments`` not after now, and not before today's midnight in the
    region (the feeds' days changed then)."""
    now = timing.now()
    midnight = timing.moment(timing.today(), 0.0).astimezone(dt.UTC)
    latest = max((m for m in moments if m is not None and m <= now), default=midnight)
    return max(latest, midnight) if midnight <= now else latest


def message(stamp: dt.datetime) -> rt.FeedMessage:
    """An empty full-dataset feed stamped ``stamp``."""
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = VERSION
    msg.header.incrementality = rt.FeedHeader.FULL_DATASET
    msg.header.timestamp = seconds(stamp)
    return msg


def seconds(moment: dt.datetime) -> int:
    """A moment as POSIX seconds (whole: the moments of the service are)."""
    return int(moment.timestamp() // 1)


def encode(msg: rt.FeedMessage, fmt: str) -> tuple[bytes, str]:
    """The feed's bytes and media type: protobuf, or ``json`` (protobuf's JSON mapping
    with the field names of the .proto, as GTFS-Realtime's documentation spells them)."""
    if fmt == "json":
        text = json_format.MessageToJson(msg, preserving_proto_field_name=True, indent=2,
                                         sort_keys=True)
        return text.encode() + b"\n", JSON
    return msg.SerializeToString(deterministic=True), PROTOBUF


def etag(body: bytes) -> str:
    """A strong ETag of the bytes (the same ETag means the same bytes)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (or is ``*``); weak forms match
    too (RFC 9110: If-None-Match compares weakly)."""
    if not if_none_match:
        return False
    for item in if_none_match.split(","):
        item = item.strip()
        if item == "*" or item.removeprefix("W/") == tag:
            return True
    return False
