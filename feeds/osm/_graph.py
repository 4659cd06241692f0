"""osmnx builds one mode's graph from the filtered XML; we compile it into CSR arrays."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import reverse_cuthill_mckee

from routing.streets import HIGHWAY_CLASSES, StreetNetwork

_HW_CODE = {h: i for i, h in enumerate(HIGHWAY_CLASSES)}
_STEPS = _HW_CODE["steps"]


@dataclass(frozen=True)
class BuildStats:
    """What the build kept and dropped (reported to the user)."""

    mode: str
    nodes_before: int
    edges_before: int
    nodes_dropped: int
    edges_dropped: int
    parallel_edges_merged: int  #: parallel edges and self-loops removed


def build_network(xml: Path, mode: str) -> tuple[StreetNetwork, BuildStats]:
    """Build ``mode``'s graph from its filtered XML with osmnx and compile it to CSR."""
    ox.settings.useful_tags_way = ["highway", "oneway", "mob_fwd", "mob_bwd"]
    ox.settings.log_console = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # osmnx warns about XML input being unfiltered
        g = ox.graph_from_xml(xml, bidirectional=(mode == "walk"), simplify=False,
                              retain_all=True)
    for _, _, d in g.edges(data=True):
        kmh = float(d["mob_bwd"] if d.get("reversed") else d["mob_fwd"])
        d["travel_time"] = d["length"] / (kmh / 3.6)
    g = ox.simplify_graph(g)
    n0, m0 = g.number_of_nodes(), g.number_of_edges()
    big = max(nx.strongly_connected_components(g), key=len) if n0 else set()
    g = g.subgraph(big).copy()
    net, merged = _to_csr(g, mode)
    stats = BuildStats(mode, n0, m0, n0 - g.number_of_nodes(), m0 - g.number_of_edges(), merged)
    return net, stats


def class_code(value: object) -> int:
    """An edge's highway class code (-1: none of ``HIGHWAY_CLASSES``). An edge simplified from
    ways of several classes carries them as a list in no stable order (osmnx gathers them in
    a set): it is ``steps`` if any part is (step-free walking must avoid it), else its most
    important class — the same code on every compile, whatever the hash seed."""
    names = value if isinstance(value, list) else [value]
    codes = sorted(_HW_CODE[str(n)] for n in names if str(n) in _HW_CODE)
    if not codes:
        return -1
    return _STEPS if _STEPS in codes else codes[0]


def _to_csr(g: nx.MultiDiGraph, mode: str) -> tuple[StreetNetwork, int]:
    osm_ids = np.fromiter(g.nodes, dtype=np.int64, count=g.number_of_nodes())
    lat = np.array([g.nodes[n]["y"] for n in osm_ids], dtype=np.float64)
    lon = np.array([g.nodes[n]["x"] for n in osm_ids], dtype=np.float64)
    pos = {int(n): i for i, n in enumerate(osm_ids)}
    rows = []
    for u, v, d in g.edges(data=True):
        geom = d.get("geometry")
        if geom is not None:
            xs, ys = geom.xy
            pts = (np.asarray(ys, np.float32), np.asarray(xs, np.float32))
        else:
            pts = (np.array([lat[pos[u]], lat[pos[v]]], np.float32),
                   np.array([lon[pos[u]], lon[pos[v]]], np.float32))
        rows.append((pos[u], pos[v], float(d["travel_time"]), float(d["length"]),
                     class_code(d.get("highway", "")), pts))
    tail = np.array([r[0] for r in rows], dtype=np.int64)
    head = np.array([r[1] for r in rows], dtype=np.int64)
    tt = np.array([r[2] for r in rows], dtype=np.float64)
    # nodes renumbered by reverse Cuthill-McKee: neighbours get near indices (cache-friendly)
    n = len(osm_ids)
    adj = csr_matrix((np.ones(len(tail)), (tail, head)), shape=(n, n))
    perm = reverse_cuthill_mckee((adj + adj.T).tocsr(), symmetric_mode=True)
    rank = np.empty(n, dtype=np.int64)
    rank[perm] = np.arange(n)
    tail, head = rank[tail], rank[head]
    # parallel edges: keep the fastest per (tail, head) pair; self-loops never shorten a path
    order = np.lexsort((tt, head, tail))
    keep = order[np.r_[True, (np.diff(tail[order]) != 0) | (np.diff(head[order]) != 0)]]
    keep = keep[tail[keep] != head[keep]]
    merged = len(rows) - len(keep)
    counts = np.bincount(tail[keep], minlength=n)
    geoms = [rows[e][5] for e in keep]
    glen = np.array([len(p[0]) for p in geoms], dtype=np.int64)
    net = StreetNetwork(
        mode=mode,
        node_osm_id=osm_ids[perm],
        node_lat=lat[perm],
        node_lon=lon[perm],
        indptr=np.r_[0, np.cumsum(counts)].astype(np.int64),
        head=head[keep].astype(np.int32),
        length=np.array([rows[e][3] for e in keep], dtype=np.float32),
        travel_time=tt[keep].astype(np.float32),
        highway=np.array([rows[e][4] for e in keep], dtype=np.int8),
        geom_offset=np.r_[0, np.cumsum(glen)].astype(np.int64),
        geom_lat=np.concatenate([p[0] for p in geoms]) if geoms else np.zeros(0, np.float32),
        geom_lon=np.concatenate([p[1] for p in geoms]) if geoms else np.zeros(0, np.float32),
    )
    return net, merged
