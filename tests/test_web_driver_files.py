"""The driver's view as files (no browser): served at ``/driver`` in the region's language,
its manifest and service worker with the right types, the worker's cache named after the
app's version (any change of the app's files makes a new one), the worker's shell holding
every module the page loads, and every file of the web app in the wheel's package data."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import tomllib
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web import STATIC, app_version, mount_web
from tests.conftest import ROOT

IMPORT = re.compile(r"""^import\s[^;]*?from\s+["']\./([\w.-]+)["'];""", re.M)


def _client(language: str = "en") -> TestClient:
    app = FastAPI()
    mount_web(app, language=language)
    return TestClient(app)


def shell() -> list[str]:
    """The files sw.js keeps (paths relative to the static folder)."""
    src = (STATIC / "sw.js").read_text(encoding="utf-8")
    block = src[src.index("const SHELL = ["):src.index("].map(")]
    return re.findall(r'"([^"]+)"', block)


def modules(entry: str) -> set[str]:
    """``entry`` and every module it imports, by import statements (transitively)."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += IMPORT.findall((STATIC / "js" / name).read_text(encoding="utf-8"))
    return seen


def test_the_driver_page_is_served_in_the_regions_language() -> None:
    c = _client("de")
    r = c.get("/driver")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in r.text and r.headers["cache-control"] == "no-cache"
    assert 'rel="manifest" href="driver.webmanifest"' in r.text
    csp = r.headers["content-security-policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    # its links are relative: /driver/ would break them, so it goes to /driver
    r = c.get("/driver/", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "../driver"
    assert c.get("/driver/").url.path == "/driver"
    assert c.get("/").text.startswith("<!doctype html>")  # the app stays at the root


def test_manifest_and_worker_types() -> None:
    c = _client()
    m = c.get("/driver.webmanifest")
    assert m.status_code == 200 and m.headers["content-type"] == "application/manifest+json"
    doc = m.json()
    assert doc["start_url"] == "driver" and doc["display"] == "standalone"
    assert doc["theme_color"] and doc["name"] and doc["short_name"]
    for icon in doc["icons"]:
        r = c.get("/" + icon["src"])
        assert r.status_code == 200 and r.headers["content-type"] == icon["type"], icon
        if icon["type"] == "image/png":  # the size it claims is the size it has (PNG IHDR)
            w, h = int.from_bytes(r.content[16:20], "big"), int.from_bytes(r.content[20:24], "big")
            assert icon["sizes"] == f"{w}x{h}"
    assert {i["sizes"] for i in doc["icons"]} >= {"192x192", "512x512"}
    w = c.get("/sw.js")
    assert w.status_code == 200 and "javascript" in w.headers["content-type"]
    assert w.headers["cache-control"] == "no-cache"
    assert f'const CACHE = "mobility-driver-{app_version(STATIC, "en")}";' in w.text
    assert "__VERSION__" not in w.text


def test_the_workers_cache_changes_with_the_app(tmp_path: Path) -> None:
    """Any change of the app's own files (or of its language) names a new cache, so that
    installed phones fetch the new shell; the vendored map library does not count."""
    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy, ignore=shutil.ignore_patterns("vendor"))
    first = app_version(copy)
    assert app_version(copy) == first and len(first) == 16
    assert app_version(copy, "de") != first
    js = copy / "js" / "driverqueue.js"
    js.write_text(js.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
    second = app_version(copy)
    assert second != first
    (copy / "vendor").mkdir()
    (copy / "vendor" / "x.js").write_text("new", encoding="utf-8")
    assert app_version(copy) == second


def test_the_shell_holds_what_the_page_loads() -> None:
    kept = shell()
    for name in kept:
        assert (STATIC / ("driver.html" if name == "driver" else name)).is_file(), name
    html = (STATIC / "driver.html").read_text(encoding="utf-8")
    loaded = set(re.findall(r'(?:href|src)="([^":]+)"', html)) - {"./"}
    assert loaded <= set(kept), loaded - set(kept)
    scripts = {f"js/{m}" for m in modules("driver.js")}
    assert {"js/driverqueue.js", "js/i18n.js", "js/api.js"} <= scripts  # the reader works
    assert scripts <= set(kept), scripts - set(kept)
    manifest = json.loads((STATIC / "driver.webmanifest").read_text(encoding="utf-8"))
    assert {i["src"] for i in manifest["icons"]} <= set(kept)
    assert not [k for k in kept if k.startswith("api/")]  # never an API answer


def test_every_file_of_the_app_is_package_data() -> None:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["api"]
    files = [p.relative_to(STATIC.parent).as_posix() for p in STATIC.rglob("*")
             if p.is_file() and p.relative_to(STATIC).parts[0] != "vendor"]
    # (fnmatch's * crosses "/", setuptools' does not: compare folder by folder)
    missing = [f for f in files if not any(
        fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs)]
    assert missing == []
    assert {"static/driver.webmanifest", "static/sw.js", "static/driver-icon-512.png"} <= set(
        files)
