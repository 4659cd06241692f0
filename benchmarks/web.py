"""Web app figures per region: the offline base map (build time, size), the place index
(build time) and place search latency, side by side with a pandas peer doing the same search
(``Series.str.contains`` and a sort), whose answers must equal ours; then, in Debian's
Chromium against the real server, the time until the app is ready (map drawn).

Usage: python benchmarks/web.py [--regions addison-vt,rhein-neckar] [--queries N]
       [--loads N] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # see intermodal.py
from mobility.atlas import Atlas, fold  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402

sys.path.append(str(HERE))
from _common import emit, stats_ms  # noqa: E402, I001

ROOT = HERE.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class PandasPeer:
    """The same search written the obvious way with pandas (one vectorised pass per query)."""

    def __init__(self, atlas: Atlas) -> None:
        places, folded = atlas._index
        self.df = pd.DataFrame({"name": [p.name for p in places], "near": [p.near for p in places],
                                "lat": [p.lat for p in places], "lon": [p.lon for p in places],
                                "okind": [p.kind for p in places],
                                "folded": folded,
                                "kind": [0 if p.kind == "stop" else 1 if p.kind == "street"
                                         else 2 for p in places]})

    def search(self, query: str, limit: int = 10) -> list[tuple[str, str | None]]:
        q = fold(query)
        hit = self.df[self.df.folded.str.contains(q, regex=False)].copy()
        pos = hit.folded.str.find(q)
        before = [f[i - 1] if i > 0 else "" for f, i in zip(hit.folded, pos, strict=True)]
        hit["how"] = np.where(pos == 0, 0, np.where(np.array(before) == " ", 1, 2))
        hit["len"] = hit.folded.str.len()
        hit["order"] = np.arange(len(hit))
        hit = hit.sort_values(["how", "kind", "len", "order"])
        out: list[tuple[str, str | None, str, float, float]] = []
        for row in hit.itertuples():  # the same rule: hits a rider could not tell apart once
            near = None if isinstance(row.near, float) else row.near  # NaN: none
            k = np.cos(np.radians(row.lat))
            if any(n == row.name and (np.hypot(row.lat - la, (row.lon - lo) * k) * 111_200.0
                                      < 300.0 or (kd == row.okind != "stop" and nr == near))
                   for n, nr, kd, la, lo in out):
                continue
            out.append((row.name, near, row.okind, row.lat, row.lon))
            if len(out) == limit:
                break
        return [(n, nr) for n, nr, *_ in out]


def queries(atlas: Atlas, n: int, seed: int) -> list[str]:
    """Prefixes (3-8 letters) of random names, as people type them."""
    places, _ = atlas._index
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.integers(0, len(places), n):
        name = places[int(i)].name
        out.append(name[: int(rng.integers(3, 9))])
    return out


def search_figures(region_name: str, n: int, seed: int) -> dict[str, object]:
    s = Settings()
    region = load_region(region_name, data=s.data, cache_dir=s.cache)
    atlas = Atlas(region)
    t = time.perf_counter()
    gz = atlas.streets_gz()
    map_s = time.perf_counter() - t
    t = time.perf_counter()
    atlas.search("warm")  # builds the index
    index_s = time.perf_counter() - t
    peer = PandasPeer(atlas)
    qs = queries(atlas, n, seed)
    ours, theirs = [], []
    for q in qs:
        t = time.perf_counter()
        a = atlas.search(q)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        b = peer.search(q)
        theirs.append(time.perf_counter() - t)
        assert [(p.name, p.near) for p in a] == b, (q, a, b)
    med, p95 = stats_ms(ours)
    pmed, pp95 = stats_ms(theirs)
    import gzip

    print(f"{region_name}: base map {len(gz) / 1e6:.2f} MB gzip "
          f"({len(gzip.decompress(gz)) / 1e6:.1f} MB GeoJSON) built in {map_s:.2f} s; "
          f"place index {len(peer.df):,} names in {index_s:.2f} s")
    print(f"  place search ({n} typed prefixes): median {med:.2f} ms, p95 {p95:.2f} ms; "
          f"pandas peer median {pmed:.2f} ms, p95 {pp95:.2f} ms "
          f"({pmed / med:.1f}x slower); answers equal on all {n}")
    return {"map_gz_mb": round(len(gz) / 1e6, 2), "map_build_s": round(map_s, 2),
            "index_names": len(peer.df), "index_build_s": round(index_s, 2),
            "search_median_ms": round(med, 3), "search_p95_ms": round(p95, 3),
            "peer_median_ms": round(pmed, 3), "peer_p95_ms": round(pp95, 3)}


def page_figures(region_name: str, loads: int) -> dict[str, object]:
    """Start ``mobility serve`` and load the app ``loads`` times in fresh browser contexts."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp}/m.db",
               "MOBILITY_SIM_DIR": f"{tmp}/sims"}
        with open(f"{tmp}/log", "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "mobility", "serve", region_name,
                                     "--port", str(port), "--no-access-log"], cwd=ROOT,
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            import httpx

            for _ in range(600):
                try:
                    if httpx.get(url + "health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            times = []
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                for k in range(loads + 1):
                    ctx = b.new_context(viewport={"width": 1400, "height": 900})
                    page = ctx.new_page()
                    t = time.perf_counter()
                    page.goto(url)
                    page.wait_for_selector("body[data-ready=true]", timeout=120_000)
                    if k:  # the first load also builds the server's map data
                        times.append(time.perf_counter() - t)
                    ctx.close()
                b.close()
        finally:
            proc.terminate()
            proc.wait(30)
    med, p95 = stats_ms(times)
    print(f"  app ready in Chromium (map drawn, {loads} loads after a first): median "
          f"{med:.0f} ms, p95 {p95:.0f} ms")
    return {"page_ready_median_ms": round(med), "page_ready_p95_ms": round(p95)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--regions", default="addison-vt,rhein-neckar")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    out: dict[str, object] = {}
    for name in args.regions.split(","):
        fig = search_figures(name, args.queries, args.seed)
        if not args.no_browser and CHROMIUM.exists():
            fig.update(page_figures(name, args.loads))
        out[name] = fig
    emit(out)


if __name__ == "__main__":
    main()
