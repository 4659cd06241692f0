"""Street routing figures: car point-to-point on both regions against networkx (and scipy) on
the same compiled graph; 200x200 car matrices on both regions (contraction hierarchy with
bucket queries, against one Dijkstra per origin and scipy from 200 sources); build times and
memory.

Usage: python benchmarks/street.py [--queries N] [--seed S] [--matrix-only]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, stats_ms  # noqa: E402

from mobility.contraction import load_or_build  # noqa: E402
from mobility.region import Region, load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from routing import StreetRouter  # noqa: E402
from routing.ch import Contraction  # noqa: E402


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def matrix_figures(name: str, key: str, region: Region, plain: StreetRouter,
                   g: nx.DiGraph | None, adj: csr_matrix, seed: int) -> dict[str, object]:
    """200x200 car matrices between random nodes' coordinates: contraction hierarchy
    (bucket queries) vs one Dijkstra per origin vs scipy from the 200 sources (and networkx
    on addison); the hierarchy's build time, cache load time and size."""
    net = region.streets["car"]
    build, ch = timed(Contraction.build, net.indptr, net.head, net.travel_time, net.length)
    region.contraction("car")  # built and written to the cache if missing
    folder = region.cache_path.parent if region.cache_path is not None else None
    load, _ = timed(load_or_build, net, region.name, folder)
    router = StreetRouter(net, contraction=ch)
    idx = np.random.default_rng(seed).integers(0, net.n_nodes, 200)
    pts = [(float(net.node_lat[i]), float(net.node_lon[i])) for i in idx]
    router.matrix(pts[:2], pts[:2])
    plain.matrix(pts[:2], pts[:2])
    cpu0 = time.process_time()
    runs = [timed(router.matrix, pts, pts)[0] for _ in range(20)]
    cpu = (time.process_time() - cpu0) / len(runs)  # (less sensitive to a busy machine)
    dij = [timed(plain.matrix, pts, pts) for _ in range(3)]
    t_dij = float(np.median([t for t, _ in dij]))
    sp = [timed(scipy_dijkstra, adj, True, idx) for _ in range(3)]
    t_sp = float(np.median([t for t, _ in sp]))
    # the same answers: coordinates as the Dijkstra matrix gives them (durations; distances
    # may differ only between equally fast paths), node to node as scipy
    dur, met = router.matrix(pts, pts)
    mismatches = int(np.sum(~np.isclose(dur, dij[0][1][0], rtol=1e-9, atol=1e-6)))
    metres = int(np.sum(~np.isclose(met, dij[0][1][1], rtol=1e-9, atol=1e-6)))
    on_nodes, _ = router.matrix(idx, idx)
    mismatches += int(np.sum(~np.isclose(on_nodes, sp[0][1][:, idx], rtol=1e-9, atol=1e-6)))
    med = float(np.median(runs))
    out: dict[str, object] = {}
    nx_txt = ""
    if g is not None:
        t_nx, _ = timed(lambda: [nx.single_source_dijkstra_path_length(g, int(i))
                                 for i in idx])
        nx_txt = f", networkx {t_nx:.2f} s"
        out[f"{key}_matrix_200_networkx_s"] = round(t_nx, 3)
    print(f"{name:13} 200x200 car matrix: {med * 1e3:.1f} ms ({cpu * 1e3:.1f} ms CPU) with the "
          "contraction hierarchy "
          f"(one Dijkstra per origin {t_dij:.3f} s, scipy {t_sp:.3f} s{nx_txt}): "
          f"{t_sp / med:.0f}x scipy; {mismatches} duration mismatches (with the Dijkstra "
          f"matrix and, node to node, scipy), {metres} distance mismatches")
    print(f"{name:13} hierarchy: built in {build:.1f} s, {ch.n_shortcuts:,} shortcuts on "
          f"{ch.n_original:,} edges, {ch.nbytes / 2**20:.1f} MB, loaded from the cache in "
          f"{load * 1e3:.0f} ms")
    out.update({
        f"{key}_matrix_200_ms": round(med * 1e3, 2),
        f"{key}_matrix_200_cpu_ms": round(cpu * 1e3, 2),
        f"{key}_matrix_200_s": round(t_dij, 4),  # the Dijkstra kernel (before hierarchies)
        f"{key}_matrix_200_scipy_s": round(t_sp, 4),
        f"{key}_matrix_speedup_vs_scipy": round(t_sp / med, 1),
        f"{key}_matrix_mismatches": mismatches, f"{key}_matrix_metre_mismatches": metres,
        f"{key}_ch_build_s": round(build, 2), f"{key}_ch_load_ms": round(load * 1e3, 1),
        f"{key}_ch_mb": round(ch.nbytes / 2**20, 2), f"{key}_ch_shortcuts": ch.n_shortcuts,
    })
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--matrix-only", action="store_true",
                    help="only the matrices (no point-to-point comparison with networkx)")
    args = ap.parse_args()
    s = Settings()
    figures: dict[str, object] = {}
    print(f"{'region':13} {'router':>10} {'median ms':>10} {'p95 ms':>8}")
    for name, key in (("rhein-neckar", "rhein_neckar"), ("addison-vt", "addison")):
        region = load_region(name, data=s.data, cache_dir=s.cache)
        net = region.streets["car"]
        # build: snap index, reverse graph and 16 landmarks (numba code is cached on disk)
        build, router = timed(lambda n=net: StreetRouter(n).prepare())
        router.route(0, 1)
        adj = csr_matrix((net.travel_time.astype(float), net.head, net.indptr),
                         shape=(net.n_nodes, net.n_nodes))
        if args.matrix_only:
            figures.update(matrix_figures(name, key, region, router, None, adj, args.seed))
            continue
        rng = np.random.default_rng(args.seed)
        pairs = rng.integers(0, net.n_nodes, (args.queries, 2))
        ours, ref, sp = [], [], []
        g = nx.DiGraph()
        g.add_weighted_edges_from(zip(net.tail().tolist(), net.head.tolist(),
                                      net.travel_time.astype(float).tolist(), strict=True))
        # each router in its own loop over the same pairs (interleaving them lets networkx's
        # allocations evict our arrays from the cache between queries)
        mine = []
        for a, b in pairs:
            dt, path = timed(router.route, int(a), int(b))
            ours.append(dt)
            mine.append(np.inf if path is None else path.duration_s)
        theirs = []
        for a, b in pairs:
            dt, length = timed(nx.dijkstra_path_length, g, int(a), int(b))
            ref.append(dt)
            theirs.append(length)
        mismatches = int(np.sum(np.abs(np.array(mine) - np.array(theirs)) > 1e-6))
        for a, _ in pairs[: min(200, len(pairs))]:
            dt, _ = timed(scipy_dijkstra, adj, True, int(a))
            sp.append(dt)
        # coordinate to coordinate (snapping both ends), on the same pairs shifted off-node
        jitter = rng.normal(0, 2e-4, (len(pairs), 4))
        coord = []
        for (a, b), j in zip(pairs, jitter, strict=True):
            pa = (float(net.node_lat[a]) + j[0], float(net.node_lon[a]) + j[1])
            pb = (float(net.node_lat[b]) + j[2], float(net.node_lon[b]) + j[3])
            dt, _ = timed(router.route, pa, pb)
            coord.append(dt)
        om, op = stats_ms(ours)
        nm, np95 = stats_ms(ref)
        sm, _ = stats_ms(sp)
        cm, cp = stats_ms(coord)
        for label, (m, p) in (("mobility", (om, op)), ("coords", (cm, cp)),
                              ("networkx", (nm, np95)), ("scipy 1:all", (sm, 0.0))):
            print(f"{name:13} {label:>10} {m:10.3f} {p:8.3f}")
        print(f"{name:13} speed-up vs networkx {nm / om:.0f}x, vs scipy one-to-all "
              f"{sm / om:.1f}x; {mismatches} duration mismatches; build {build:.2f} s; "
              f"graph {net.n_nodes:,} nodes / {net.n_edges:,} edges")
        figures.update({
            f"{key}_car_p2p_median_ms": round(om, 4), f"{key}_car_p2p_p95_ms": round(op, 4),
            f"{key}_car_coord_median_ms": round(cm, 4), f"{key}_car_coord_p95_ms": round(cp, 4),
            f"{key}_networkx_median_ms": round(nm, 3), f"{key}_networkx_p95_ms": round(np95, 3),
            f"{key}_scipy_one_to_all_median_ms": round(sm, 3),
            f"{key}_speedup_vs_networkx": round(nm / om, 1),
            f"{key}_build_s": round(build, 3), f"{key}_mismatches": int(mismatches),
            f"{key}_graph_mb": round(sum(a.nbytes for a in vars(net).values()
                                         if isinstance(a, np.ndarray)) / 2**20, 1),
        })
        figures.update(matrix_figures(name, key, region, router,
                                      g if key == "addison" else None, adj, args.seed))
    if not args.matrix_only:
        figures["speedup_vs_networkx"] = figures["rhein_neckar_speedup_vs_networkx"]
    emit(figures)


if __name__ == "__main__":
    main()
