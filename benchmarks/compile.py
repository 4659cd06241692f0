"""Cold compile and warm load of both real regions, with peak memory.

Usage: python benchmarks/compile.py [--repeat N]

Cold: a fresh cache folder, so GTFS + OSM are read, built and written. Warm: loading the
cached arrays (median of N loads in this process, and one fresh ``mobility info`` process,
imports included). Peer, side by side: gtfs-kit's own ``read_feed`` of the same feed (which
only parses the tables) against our warm load of timetable + three street networks.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, peak_rss_mb  # noqa: E402

from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5, help="warm loads per region")
    args = ap.parse_args()
    settings = Settings()
    figures: dict[str, object] = {}
    print(f"{'region':14} {'cold s':>8} {'warm s':>8} {'process s':>10} "
          f"{'gtfs-kit s':>10} {'ratio':>6}")
    for name, key in (("addison-vt", "addison"), ("rhein-neckar", "rhein_neckar")):
        with tempfile.TemporaryDirectory(prefix="mobility-bench-") as cache:
            t0 = time.perf_counter()
            load_region(name, data=settings.data, cache_dir=Path(cache),
                        workers=settings.workers, force=True)
            cold = time.perf_counter() - t0
            warm = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                region = load_region(name, data=settings.data, cache_dir=Path(cache))
                warm.append(time.perf_counter() - t0)
                assert region.from_cache
            env = {**os.environ, "MOBILITY_CACHE": cache, "MOBILITY_DATA": str(settings.data)}
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "mobility", "info", name, "--json"],
                           check=True, capture_output=True, env=env)
            process = time.perf_counter() - t0
        import gtfs_kit

        t0 = time.perf_counter()
        gtfs_kit.read_feed(region.config.gtfs[0], dist_units="km")
        peer = time.perf_counter() - t0
        warm_med = sorted(warm)[len(warm) // 2]
        print(f"{name:14} {cold:8.1f} {warm_med:8.3f} {process:10.2f} {peer:10.2f} "
              f"{peer / warm_med:6.1f}")
        figures[f"{key}_cold_s"] = round(cold, 2)
        figures[f"{key}_warm_s"] = round(warm_med, 4)
        figures[f"{key}_warm_process_s"] = round(process, 2)
        figures[f"{key}_gtfs_kit_read_s"] = round(peer, 3)
        figures[f"{key}_warm_vs_gtfs_kit_ratio"] = round(peer / warm_med, 1)
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(f"peak RSS (this process and its workers): {figures['peak_rss_mb']:.0f} MiB")
    emit(figures)


if __name__ == "__main__":
    main()
