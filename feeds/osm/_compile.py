"""``compile_streets``: an OSM extract -> one :class:`routing.StreetNetwork` per mode."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from feeds.osm._extract import extract_ways, has_path_ways, write_xml
from feeds.osm._graph import BuildStats, build_network
from feeds.report import FeedError, ValidationReport
from routing.streets import MODES, StreetNetwork

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".xml")


def _build(args: tuple[Path, str]) -> tuple[StreetNetwork, BuildStats]:
    return build_network(*args)


def compile_streets(
    path: str | Path,
    *,
    country: str = "",
    modes: tuple[str, ...] = MODES,
    workers: int = 2,
    on_step: Callable[[str], None] | None = None,
) -> tuple[dict[str, StreetNetwork], ValidationReport]:
    """Compile an OSM extract into per-mode street networks.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2``.
    country
        ISO code choosing the default speed table (``US``, ``DE``; other values use the
        metric European table).
    workers
        Modes are built in this many processes at once.
    on_step
        Called with a short label as each step finishes (for progress displays).

    Returns
    -------
    The networks by mode, and a report whose warnings say what each mode dropped.

    Raises
    ------
    FeedError
        If the file is missing, unreadable or yields no usable street for a mode.
    """
    path = Path(path)
    report = ValidationReport(str(path))
    if not path.is_file():
        report.error(f"no such OSM extract: {path}")
        raise FeedError(report)
    if not path.name.lower().endswith(SUFFIXES):
        report.error(f"unknown OSM file type; expected one of {', '.join(SUFFIXES)}",
                     path.name)
        raise FeedError(report)
    try:
        sidepaths = not has_path_ways(path)
        if sidepaths:
            report.warning("the extract holds no footways, paths or cycleways: walking and "
                           "cycling use the roads, including those tagged foot=no/bicycle=no "
                           "for a separate side path (motorways and motorroads excepted)",
                           path.name)
        ways, coords = extract_ways(path, modes, country, sidepaths)
    except RuntimeError as exc:  # pyosmium reports unreadable/truncated input this way
        report.error(f"cannot read the OSM extract ({exc})", path.name)
        raise FeedError(report) from exc
    for mode in modes:
        if not ways[mode].ways:
            report.error(f"no way usable by {mode} in the extract", path.name)
    if not report.valid:
        raise FeedError(report)
    if on_step:
        on_step("read OSM ways")
    nets: dict[str, StreetNetwork] = {}
    with tempfile.TemporaryDirectory(prefix="mobility-osm-") as tmp:
        jobs = []
        for mode in modes:
            xml = Path(tmp) / f"{mode}.osm"
            write_xml(ways[mode], coords, xml)
            jobs.append((xml, mode))
        del coords
        # the largest graph first so the pool finishes together
        jobs.sort(key=lambda j: -j[0].stat().st_size)
        if workers > 1 and len(jobs) > 1:
            with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
                results = list(pool.map(_build, jobs))
        else:
            results = [_build(j) for j in jobs]
    for net, stats in results:
        nets[net.mode] = net
        if stats.nodes_dropped:
            report.warning(
                f"{stats.mode}: kept the largest strongly connected component "
                f"({net.n_nodes} nodes, {net.n_edges} edges); dropped {stats.nodes_dropped} "
                f"nodes and {stats.edges_dropped} edges unreachable in both directions",
                path.name)
        if on_step:
            on_step(f"built {stats.mode} network")
    return {m: nets[m] for m in modes}, report
