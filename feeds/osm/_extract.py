"""One pass over an OSM extract (PBF/XML/gz/bz2, via pyosmium): the ways each mode may use,
written as small per-mode OSM XML files that osmnx builds graphs from.

osmnx reads only XML and applies no mode filter to it, so the filter, the direction and the
speed of every way are decided here (``_rules``) and written as plain tags:
``oneway`` (``yes``/``no``, node order already reversed for backward-only ways) and
``mob_fwd``/``mob_bwd`` (km/h along / against the written node order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium

from feeds.osm import _rules


@dataclass
class ModeWays:
    """The ways of one mode, ready to write."""

    mode: str
    ways: list[tuple[int, list[int], str, str, float, float]] = field(default_factory=list)
    # (way id, node refs, highway, oneway, fwd km/h, bwd km/h)


def has_path_ways(path: Path) -> bool:
    """Whether the extract holds any footway/path/cycleway (a quick pass over ways only)."""
    for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if way.tags.get("highway") in _rules.PATH_CLASSES:
            return True
    return False


def extract_ways(path: Path, modes: tuple[str, ...], country: str, assume_sidepaths: bool
                 ) -> tuple[dict[str, ModeWays], dict[int, tuple[float, float]]]:
    """Read ``path`` once; return the usable ways per mode and the coordinates of their nodes."""
    per_mode = {m: ModeWays(m) for m in modes}
    coords: dict[int, tuple[float, float]] = {}
    fp = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for way in fp:
        if not isinstance(way, osmium.osm.Way) or "highway" not in way.tags:
            continue
        tags = {t.k: t.v for t in way.tags}
        refs: list[int] = []
        for n in way.nodes:
            loc = n.location
            if not loc.valid():
                continue  # node outside the extract: the way is clipped there
            refs.append(n.ref)
            coords[n.ref] = (loc.lat, loc.lon)
        if len(refs) < 2:
            continue
        for mode in modes:
            if not _rules.usable(tags, mode, assume_sidepaths):
                continue
            d = _rules.direction(tags, mode)
            fwd, bwd = _rules.speeds(tags, mode, country)
            nodes = refs
            if d == -1:
                nodes, fwd, bwd = refs[::-1], bwd, fwd
            per_mode[mode].ways.append(
                (way.id, nodes, tags["highway"], "yes" if d else "no", fwd, bwd))
    return per_mode, coords


def write_xml(ways: ModeWays, coords: dict[int, tuple[float, float]], out: Path) -> None:
    """Write one mode's ways (and only their nodes) as OSM XML."""
    used = sorted({r for w in ways.ways for r in w[1]})
    with out.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for r in used:
            lat, lon = coords[r]
            f.write(f'<node id="{r}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for wid, nodes, hw, oneway, fwd, bwd in ways.ways:
            nds = "".join(f'<nd ref="{r}"/>' for r in nodes)
            f.write(f'<way id="{wid}">{nds}<tag k="highway" v={quoteattr(hw)}/>'
                    f'<tag k="oneway" v="{oneway}"/><tag k="mob_fwd" v="{fwd:.3f}"/>'
                    f'<tag k="mob_bwd" v="{bwd:.3f}"/></way>\n')
        f.write("</osm>\n")
