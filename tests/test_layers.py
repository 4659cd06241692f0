"""The layers of the architecture, read from the source: every module of ``mobility/``,
``api/``, ``dispatch/``, ``routing/`` and ``feeds/`` is parsed with ``ast`` (imports at
module level, inside functions and under ``TYPE_CHECKING`` alike) and

- each package imports only the packages below it: ``routing`` nothing of ours,
  ``dispatch`` only ``routing``, ``feeds`` only the data types of ``routing`` and
  ``dispatch``, ``api`` only ``routing`` and ``dispatch``; ``mobility`` wires everything and
  nothing imports it;
- the readers' libraries (gtfs-kit, osmnx, pandas, geopandas, networkx) stay in ``feeds``;
- no module imports itself through others: the module graph has no cycle.

An import of a module is an edge to that module (``from a.b import c`` to ``a.b.c`` when
``c`` is a module, else to the package ``a.b``); a package's ``__init__`` is the package.
The rules, not today's modules, are written down here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mobility", "api", "dispatch", "routing", "feeds")
#: the packages each package may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "routing": set(),
    "dispatch": {"routing"},
    "feeds": {"routing", "dispatch"},
    "api": {"routing", "dispatch"},
    "mobility": {"routing", "dispatch", "feeds", "api"},
}
#: what ``feeds`` may use of the core: its data types and the shared rules of time and
#: geography (a new data-type module joins this list), never a search or the dispatcher
DATA_TYPES = {"routing", "routing.errors", "routing.timetable", "routing.streets",
              "routing.transfers", "routing._arrays", "routing.timebase", "routing.geo",
              "dispatch.model", "dispatch.service_area",
              # the fare rules the GTFS-Flex feed writes and reads as GTFS Fares v2
              "dispatch.fares",
              # the ids the static and realtime feeds share
              "dispatch.feed_ids"}
#: third-party readers that live in feeds and stop there
READERS = {"gtfs_kit", "osmnx", "pandas", "geopandas", "networkx"}


@dataclass(frozen=True)
class Import:
    """One import statement's target as found in a module."""

    module: str  #: the importing module
    target: str  #: a module of ours, or a third-party top-level name
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool, known: set[str]) -> list[Import]:
    """Every import in ``source`` (any depth), resolved against the ``known`` modules."""
    out: list[Import] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [Import(module, _ours(a.name, known), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                up = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, *([base] if base else [])])
            for a in node.names:
                full = f"{base}.{a.name}"
                target = full if full in known else _ours(base, known)
                out.append(Import(module, target, node.lineno))
    return out


def _ours(name: str, known: set[str]) -> str:
    """The module of ours that ``name`` names (the longest known prefix), else the
    third-party top-level name."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        if ".".join(parts[:k]) in known:
            return ".".join(parts[:k])
    return parts[0]


@cache
def graph() -> tuple[Import, ...]:
    files = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    known = {module_name(p) for p in files}
    out: list[Import] = []
    for p in files:
        out += imports_of(p.read_text(encoding="utf-8"), module_name(p), p.name ==
                          "__init__.py", known)
    return tuple(out)


def _package(module: str) -> str:
    return module.split(".")[0]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (or a module importing
    itself), each sorted (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                group = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    group.append(w)
                    if w == v:
                        break
                if len(group) > 1 or v in edges.get(v, ()):
                    found.append(sorted(group))
    return found


# -- the parser and the cycle finder themselves ----------------------------------------------
def test_imports_are_found_at_every_depth_and_resolved() -> None:
    known = {"a", "a.b", "a.b.c", "a.d"}
    source = ("import numpy as np\nfrom a.b import c, x\n"
              "def f():\n    from a.d import y\n    if True:\n        import a.b.c.z\n"
              "from . import d\nfrom .b import c\n")
    got = [(i.target, i.line) for i in imports_of(source, "a.e", False, known)]
    assert got == [("numpy", 1), ("a.b.c", 2), ("a.b", 2), ("a.d", 7), ("a.b.c", 8),
                   ("a.d", 4), ("a.b.c", 6)]


def test_cycle_finder() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}, "f": {"d"}}
    assert cycles(edges) == [["a", "b", "c"], ["e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# -- the rules -------------------------------------------------------------------------------
@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_only_the_layers_below(package: str) -> None:
    bad = [str(i) for i in graph() if _package(i.module) == package
           and _package(i.target) in PACKAGES and _package(i.target) != package
           and _package(i.target) not in ALLOWED[package]]
    assert not bad, f"{package} may import only {sorted(ALLOWED[package]) or 'nothing of ours'}"


def test_nothing_imports_mobility() -> None:
    assert not [str(i) for i in graph() if _package(i.target) == "mobility"
                and _package(i.module) != "mobility"]


def test_feeds_use_only_the_core_data_types() -> None:
    bad = [str(i) for i in graph() if _package(i.module) == "feeds"
           and _package(i.target) in ("routing", "dispatch") and i.target not in DATA_TYPES]
    assert not bad


def test_readers_stay_in_feeds() -> None:
    bad = [str(i) for i in graph() if i.target in READERS and _package(i.module) != "feeds"]
    assert not bad


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package: str) -> None:
    """No module imports itself through others (a cycle is listed under the package of its
    first module)."""
    edges: dict[str, set[str]] = {}
    for i in graph():
        if _package(i.target) in PACKAGES:
            edges.setdefault(i.module, set()).add(i.target)
    found = [c for c in cycles(edges) if _package(c[0]) == package]
    assert not found, found
