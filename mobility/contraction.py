"""Contraction hierarchies of a region's street networks, cached next to the compiled region.

One ``.npz`` per region and mode, keyed by a digest of the network's arrays and of the
hierarchy's code: built on first need (seconds), loaded afterwards (milliseconds). A stale or
corrupt file is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mobility import _cache
from mobility.errors import CacheError
from routing.ch import CH_VERSION, Contraction
from routing.streets import StreetNetwork


def network_digest(net: StreetNetwork) -> str:
    """What a hierarchy depends on: the graph's arrays, the version and the code."""
    h = hashlib.sha256(f"ch-{CH_VERSION}".encode())
    for a in (net.indptr, net.head, net.travel_time, net.length):
        h.update(str(a.dtype).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    spec = importlib.util.find_spec("routing")
    assert spec is not None and spec.submodule_search_locations is not None
    root = Path(next(iter(spec.submodule_search_locations)))
    for name in ("ch.py", "_ch.py"):
        h.update((root / name).read_bytes())
    return h.hexdigest()


def contraction_path(cache_dir: Path, region: str, mode: str, digest: str) -> Path:
    """``<region>.ch-<mode>-<digest>.npz``: saving one removes the older ones of the same
    region and mode (and the region's own cache files, ``<region>-<key>.npz``, are left
    alone)."""
    return cache_dir / f"{region}.ch-{mode}-{digest[:20]}.npz"


def load_or_build(net: StreetNetwork, region: str, cache_dir: Path | None,
                  on_warning: Callable[[str], None] | None = None) -> Contraction:
    """The hierarchy of ``net`` (region ``region``) from ``cache_dir``, or built (and written
    there when a folder is given: atomically, and once: concurrent processes wait for the
    first one's file)."""
    key = network_digest(net)
    if cache_dir is None:
        return Contraction.build(net.indptr, net.head, net.travel_time, net.length)
    path = contraction_path(cache_dir, region, net.mode, key)
    if path.exists():
        try:
            return _load(path, key, net)
        except (CacheError, KeyError, TypeError) as exc:
            if on_warning:
                on_warning(f"{exc}; rebuilding it")
    with _cache.build_lock(path):
        if path.exists():  # built by another process while this one waited
            try:
                return _load(path, key, net)
            except (CacheError, KeyError, TypeError):
                pass
        ch = Contraction.build(net.indptr, net.head, net.travel_time, net.length)
        _cache.save(path, ch.to_arrays(), {"key": key, "mode": net.mode,
                                           "build_s": ch.build_s,
                                           "shortcuts": ch.n_shortcuts})
    return ch


def _load(path: Path, key: str, net: StreetNetwork) -> Contraction:
    arrays, _ = _cache.load(path, key)
    ch = Contraction.from_arrays(arrays)
    if ch.n_nodes != net.n_nodes:
        raise CacheError(f"cache {path} holds a hierarchy of another network")
    return ch
