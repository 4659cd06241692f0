"""Web app figures per region: the offline base map (build time, size), the place index
(entries by kind, size, build time) and place search latency, side by side with a pandas
peer doing the same search (the same index entries and folded forms; matching, one-typo
tolerance, ranking and the rule for look-alike hits written the obvious way with
``Series.str`` and a sort), whose answers must equal ours; then, in Debian's Chromium
against the real server, the time until the app is ready (map drawn).

Usage: python benchmarks/web.py [--regions addison-vt,rhein-neckar] [--queries N]
       [--loads N] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import re
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
from mobility.atlas import TIERS, Atlas  # noqa: E402
from mobility.place_index import CONTAINS_MIN, TYPO_MIN, query_keys  # noqa: E402
from mobility.region import load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402

sys.path.append(str(HERE))
from _common import emit, stats_ms  # noqa: E402, I001

ROOT = HERE.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class PandasPeer:
    """The same search written the obvious way with pandas: a vectorised pass per query
    form over all search keys, a group-by for each entry's best match, a sort; one typo
    tested word by word (``Series.apply``) when fewer than ``limit`` places were found."""

    def __init__(self, atlas: Atlas) -> None:
        places, index, self.centre = atlas._index
        self.keys = pd.DataFrame({"key": index.keys, "entry": index.key_entry})
        self.df = pd.DataFrame({"name": [p.name for p in places], "near": [p.near for p in places],
                                "lat": [p.lat for p in places], "lon": [p.lon for p in places],
                                "okind": [p.kind for p in places], "tier": index.tier,
                                "len": index.length})
        rows = [(k[m.end():m.end() + 24], e) for k, e in zip(index.keys, index.key_entry.tolist(),
                                                              strict=True)
                for m in re.finditer(r"(?:^| )(?=\w)", k)]
        self.windows = pd.DataFrame(rows, columns=["window", "entry"]).drop_duplicates()

    def search(self, query: str, limit: int = 10) -> tuple[list[tuple[str, str | None]], bool]:
        """The answer and whether one typo was looked for."""
        forms = query_keys(query)
        found = []
        for f in forms:
            k = self.keys[self.keys.key.str.contains(f, regex=False)]
            how = np.select([k.key == f, k.key.str.startswith(f),
                             k.key.str.contains(" " + f, regex=False)], [0, 1, 2], 3)
            hit = pd.DataFrame({"entry": k.entry, "how": how})
            found.append(hit[hit.how < 3] if len(f) < CONTAINS_MIN else hit)
        best = pd.concat(found).groupby("entry").how.min() if found else pd.Series()
        out: list[tuple[str, str | None, str, float, float]] = []
        self._take(best, out, limit)
        typo = [f for f in forms if TYPO_MIN <= len(f) < 24]
        looked = len(out) < limit and bool(typo)
        if looked:
            ok = np.zeros(len(self.windows), bool)
            for f in typo:
                ok |= self.windows.window.apply(lambda w, f=f: _one_edit(f, w)).to_numpy()
            more = np.setdiff1d(self.windows.entry[ok].unique(), best.index.to_numpy())
            self._take(pd.Series(4, index=more), out, limit)
        return [(n, nr) for n, nr, *_ in out], looked

    def _take(self, hows: pd.Series, out: list, limit: int) -> None:  # type: ignore[type-arg]
        if len(out) == limit or not len(hows):
            return
        hit = self.df.loc[hows.index].copy()
        hit["how"] = hows.to_numpy()
        k = np.cos(np.radians(self.centre[0]))
        d_km = np.hypot(hit.lat - self.centre[0], (hit.lon - self.centre[1]) * k) * 111.2
        hit["band"] = np.floor(np.log2(1.0 + d_km)).astype(int).clip(0, 31)
        hit["order"] = hit.index
        hit = hit.sort_values(["how", "tier", "band", "len", "order"])
        for row in hit.itertuples():  # the same rule: hits a rider could not tell apart once
            near = None if isinstance(row.near, float) else row.near  # NaN: none
            kc = np.cos(np.radians(row.lat))
            if any(n == row.name and (np.hypot(row.lat - la, (row.lon - lo) * kc) * 111_200.0
                                      < 300.0 or (kd == row.okind != "stop" and nr == near))
                   for n, nr, kd, la, lo in out):
                continue
            out.append((row.name, near, row.okind, row.lat, row.lon))
            if len(out) == limit:
                return


def _one_edit(q: str, w: str) -> bool:
    """Whether ``w`` starts with ``q`` changed by one edit (a letter wrong, added or
    missing, two neighbours swapped), as a plain loop."""
    m = len(q)
    if sum(a != b for a, b in zip(q, w[:m].ljust(m, "\0"), strict=True)) <= 1:
        return True
    i = 0
    while i < min(m, len(w)) and q[i] == w[i]:
        i += 1
    if any(w[j + 1:m + 1] == q[j:] for j in range(i + 1)):  # the word has a letter more
        return True
    if any(w[j:m - 1] == q[j + 1:] for j in range(min(i, m - 1) + 1)):  # the query has
        return True
    return (i <= m - 2 and len(w) >= m and w[i] == q[i + 1] and w[i + 1] == q[i]
            and w[i + 2:m] == q[i + 2:])


def queries(atlas: Atlas, n: int, seed: int) -> list[str]:
    """Prefixes (3-8 letters) of random names, as people type them."""
    places, *_ = atlas._index
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
    places, index, _ = atlas._index
    kinds = {"settlements": 0, "stops": 0, "streets": 0, "addresses": 0, "points": 0}
    for p in places:
        tier = TIERS.get(p.kind, 99)
        kinds["settlements" if tier <= TIERS["hamlet"] else "stops" if p.kind == "stop" else
              "streets" if p.kind == "street" else "addresses" if p.kind == "address" else
              "points"] += 1
    peer = PandasPeer(atlas)
    qs = queries(atlas, n, seed)
    ours, theirs, typo = [], [], []
    for q in qs:
        t = time.perf_counter()
        a = atlas.search(q)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        b, looked = peer.search(q)
        theirs.append(time.perf_counter() - t)
        typo.append(looked)
        assert [(p.name, p.near) for p in a] == b, (q, a, b)
    med, p95 = stats_ms(ours)
    pmed, pp95 = stats_ms(theirs)
    typos = sum(typo)
    plain = [i for i, looked in enumerate(typo) if not looked]  # without the peer's slow loop
    smed = stats_ms([ours[i] for i in plain])[0] if plain else float("nan")
    spmed = stats_ms([theirs[i] for i in plain])[0] if plain else float("nan")
    import gzip

    by_kind = ", ".join(f"{v:,} {k}" for k, v in kinds.items())
    print(f"{region_name}: base map {len(gz) / 1e6:.2f} MB gzip "
          f"({len(gzip.decompress(gz)) / 1e6:.1f} MB GeoJSON) built in {map_s:.2f} s; "
          f"place index {len(places):,} places ({by_kind}), {len(index.keys):,} search "
          f"forms, {index.nbytes / 1e6:.1f} MB, built in {index_s:.2f} s")
    print(f"  place search ({n} typed prefixes, {typos} also looked for a typo): median "
          f"{med:.2f} ms, p95 {p95:.2f} ms; pandas peer median {pmed:.2f} ms, p95 {pp95:.2f} ms "
          f"({pmed / med:.1f}x slower); answers equal on all {n}")
    print(f"  the {len(plain)} without a typo pass: median {smed:.2f} ms, pandas peer "
          f"{spmed:.2f} ms ({spmed / smed:.1f}x slower)")
    return {"map_gz_mb": round(len(gz) / 1e6, 2), "map_build_s": round(map_s, 2),
            "index_places": len(places), "index_by_kind": kinds,
            "index_forms": len(index.keys), "index_mb": round(index.nbytes / 1e6, 2),
            "index_build_s": round(index_s, 2), "queries_with_typo_pass": typos,
            "search_median_ms": round(med, 3), "search_p95_ms": round(p95, 3),
            "peer_median_ms": round(pmed, 3), "peer_p95_ms": round(pp95, 3),
            "no_typo_median_ms": round(smed, 3), "no_typo_peer_median_ms": round(spmed, 3)}


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
