"""On-disk cache of compiled regions: one uncompressed ``.npz`` per region and input hash.

Written atomically (temp file + rename); a file that fails to load or whose stored key does not
match is reported and rebuilt, never trusted.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from mobility.errors import CacheError

#: bump when the compiled layout or any compile rule changes: old caches are then ignored
COMPILER_VERSION = "2"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, or of every file of a folder (names and bytes)."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        h.update(p.name.encode())
        with p.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def compiler_digest() -> str:
    """The compiler version plus a hash of the compiling code (``feeds/``, the core's data
    types and the compile report), so that a changed compile rule never reuses an old
    cache."""
    h = hashlib.sha256(COMPILER_VERSION.encode())
    h.update((Path(__file__).parent / "compile_report.py").read_bytes())
    for pkg in ("feeds", "routing"):
        spec = importlib.util.find_spec(pkg)  # located, not imported (feeds is heavy)
        assert spec is not None and spec.submodule_search_locations is not None
        root = Path(next(iter(spec.submodule_search_locations)))
        for p in sorted(root.rglob("*.py")):
            if pkg == "feeds" or p.name in ("timetable.py", "streets.py", "_arrays.py",
                                            "transfers.py", "street_router.py", "_snap.py",
                                            "_dijkstra.py"):
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cache_key(inputs: list[Path], fields: dict[str, Any]) -> str:
    h = hashlib.sha256(f"mobility-compiler-{compiler_digest()}".encode())
    h.update(json.dumps(fields, sort_keys=True).encode())
    for p in inputs:
        h.update(file_digest(p).encode())
    return h.hexdigest()


def cache_path(cache_dir: Path, region: str, key: str) -> Path:
    return cache_dir / f"{region}-{key[:20]}.npz"


def save(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write arrays + JSON metadata atomically; remove older caches of the same region."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(arrays)
    payload["__meta__"] = np.array(json.dumps(meta))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    prefix = path.name.rsplit("-", 1)[0] + "-"
    for old in path.parent.glob(prefix + "*.npz"):
        if old != path and len(old.name) == len(path.name):
            old.unlink(missing_ok=True)


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s build while the block runs.

    Processes that need the same missing cache file at once (a server's workers, parallel
    test processes) then build it once: the others wait here and load what the first one
    wrote. The lock is the kernel's (``flock``): a builder that dies releases it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.stem}.lock").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def load(path: Path, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load a cache file; raise :class:`CacheError` if it is missing, corrupt or stale."""
    try:
        # open the file ourselves: np.load leaks its handle when the archive is corrupt
        with path.open("rb") as f, np.load(f, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(str(arrays.pop("__meta__")))
    except FileNotFoundError as exc:
        raise CacheError(f"no cache at {path}") from exc
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
            json.JSONDecodeError) as exc:
        raise CacheError(f"cache {path} is corrupt ({type(exc).__name__}: {exc})") from exc
    if meta.get("key") != key:
        raise CacheError(f"cache {path} was built from other inputs")
    return arrays, meta
