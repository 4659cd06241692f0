"""Packaging: a wheel built from a clean checkout carries the web app's map library (Leaflet,
installed from npm by the build step, ``scripts/vendor_web.py`` run from ``setup.py``), and
``mobility serve`` on an installation without it refuses to start, saying what to run.

The slow test builds the sdist and the wheel from it (``python -m build``) out of a copy of the
checkout without ignored files, installs the wheel into a fresh venv and loads the page in
Chromium from a server started outside the checkout."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.conftest import CACHE, DATA, ROOT
from tests.server_process import free_port

CHROMIUM = Path("/usr/bin/chromium")
# as in tests/test_web.py: headless and quiet, no sandbox (root in CI), no calls home
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PACKAGES = ("mobility", "routing", "dispatch", "feeds", "api")
LEAFLET = "api/static/vendor/leaflet"


def _vendor_web() -> ModuleType:
    """``scripts/vendor_web.py`` (no package), loaded by path as setup.py does."""
    spec = importlib.util.spec_from_file_location("vendor_web", ROOT / "scripts"
                                                  / "vendor_web.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _web_project(root: Path) -> None:
    """The project's npm files (``web/``) and the helper, as a checkout or sdist has them."""
    (root / "web").mkdir(parents=True)
    (root / "scripts").mkdir()
    for f in ("web/package.json", "web/package-lock.json", "scripts/vendor_web.py"):
        shutil.copy2(ROOT / f, root / f)


def _one_line_error(stderr: str) -> str:
    lines = [x for x in stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- the copy rule ------------------------------------------------------------------------
def test_copy_rule_takes_leaflets_files_and_notices_a_new_lock(tmp_path: Path) -> None:
    """The files the app loads plus Leaflet's licence, nothing else of the npm package; the
    copy counts as current until the lock file pins another Leaflet or a file goes."""
    vw = _vendor_web()
    _web_project(tmp_path)
    npm = tmp_path / "web" / "node_modules" / "leaflet"
    for f in ("dist/leaflet.js", "dist/leaflet.css", "dist/leaflet-src.js", "dist/leaflet.js.map",
              "dist/images/marker-icon.png", "dist/images/layers.png", "LICENSE", "README.md"):
        (npm / f).parent.mkdir(parents=True, exist_ok=True)
        (npm / f).write_text(f"content of {f}", encoding="utf-8")
    assert not vw.is_current(tmp_path)
    vw.copy_leaflet(tmp_path)
    dst = tmp_path / LEAFLET
    assert sorted(str(p.relative_to(dst)) for p in dst.rglob("*") if p.is_file()) == [
        vw.STAMP, "LICENSE", "images/layers.png", "images/marker-icon.png", "leaflet.css",
        "leaflet.js"]
    assert (dst / "leaflet.js").read_text(encoding="utf-8") == "content of dist/leaflet.js"
    assert vw.is_current(tmp_path)
    assert vw.ensure(tmp_path) is False  # current: no npm run

    lock_path = tmp_path / "web" / "package-lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    lock["packages"]["node_modules/leaflet"]["version"] = "2.0.0"
    lock_path.write_text(json.dumps(lock), encoding="utf-8")
    assert not vw.is_current(tmp_path)
    vw.copy_leaflet(tmp_path)
    assert vw.is_current(tmp_path)
    (dst / "leaflet.css").unlink()
    assert not vw.is_current(tmp_path)


def test_helper_without_npm_says_what_to_install(tmp_path: Path) -> None:
    _web_project(tmp_path)
    res = subprocess.run([sys.executable, str(tmp_path / "scripts" / "vendor_web.py")],
                         env={**os.environ, "PATH": str(tmp_path)}, capture_output=True,
                         text=True, timeout=60, check=False)
    assert res.returncode == 1
    assert "npm is needed" in _one_line_error(res.stderr)
    assert "apt-get install npm" in res.stderr
    assert not (tmp_path / LEAFLET).exists()
    res = subprocess.run([sys.executable, str(tmp_path / "scripts" / "vendor_web.py"),
                          "--check"], capture_output=True, text=True, timeout=60, check=False)
    assert (res.returncode, res.stderr) == (1, "")


# -- the start-up check -------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["checkout", "installed"])
def test_serve_refuses_to_start_without_the_map_library(tmp_path: Path, layout: str) -> None:
    """A copy of the code without ``api/static/vendor`` -- laid out as a source checkout, or
    as an installed package with nothing beside it -- run as a real process: ``serve`` stops
    with one line saying what to run, before it loads any region."""
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg,
                        ignore=shutil.ignore_patterns("__pycache__", "vendor"))
    if layout == "checkout":
        _web_project(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(COLUMNS="1000", MOBILITY_DATA=str(DATA), MOBILITY_CACHE=str(tmp_path / "cache"),
               MOBILITY_DB_URL=f"sqlite:///{tmp_path / 'm.db'}")
    # cwd first on sys.path: the copy shadows the checkout's editable install
    res = subprocess.run([sys.executable, "-m", "mobility", "serve", "addison-vt", "--port",
                          str(free_port())], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert res.returncode == 2, res.stderr
    line = _one_line_error(res.stderr)
    if layout == "checkout":
        assert f"missing from {tmp_path / LEAFLET}: run `python3 " \
               f"{tmp_path / 'scripts' / 'vendor_web.py'}`" in line
    else:
        assert f"this installation of mobility ({tmp_path}) lacks" in line
        assert "-m pip install --force-reinstall --no-deps PATH/TO/mobility" in line
    assert not (tmp_path / "cache").exists() and not (tmp_path / "m.db").exists()


# -- the wheel, end to end ----------------------------------------------------------------
def _clean_copy(dst: Path) -> None:
    """The checkout's files as git sees them (tracked and new ones, nothing ignored: no
    ``api/static/vendor``, no ``node_modules``), so the build must fetch Leaflet itself."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout to copy the project without ignored files")
    names = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], capture_output=True, check=True).stdout
    for name in filter(None, names.decode().split("\0")):
        src = ROOT / name
        if src.is_file() and not src.is_symlink():  # deleted files gone; links stay out
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)
    assert not (dst / "api" / "static" / "vendor").exists()


def _run(*cmd: str | Path, cwd: Path, timeout: float = 300) -> str:
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                         timeout=timeout, check=False)
    assert res.returncode == 0, f"{cmd}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res.stdout


def _fresh_venv(path: Path, wheel: Path) -> Path:
    """A new venv with only the wheel installed (``--no-deps``); its dependencies come from
    the running interpreter's site-packages through a plain path entry in a ``.pth`` file.
    The running venv's own ``.pth`` files (the checkout's editable finder) are not read from
    a path entry, so ``mobility`` can only come from the wheel. Returns its site-packages."""
    _run(sys.executable, "-m", "venv", "--without-pip", path, cwd=path.parent)
    # the running pip installs into it (--python), from the wheel file only
    _run(sys.executable, "-m", "pip", "--python", path / "bin" / "python", "install", "-q",
         "--no-deps", "--no-index", wheel, cwd=path.parent)
    site = Path(_run(path / "bin" / "python", "-c",
                     "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=path.parent).strip())
    deps = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "zz_running_interpreter.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return site


@contextlib.contextmanager
def _serve(venv: Path, cwd: Path) -> Iterator[str]:
    """``<venv>/bin/mobility serve addison-vt`` started in ``cwd``; yields its URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(MOBILITY_DB_URL=f"sqlite:///{cwd / 'm.db'}", MOBILITY_CACHE=str(CACHE),
               MOBILITY_DATA=str(DATA), MOBILITY_SIM_DIR=str(cwd / "sims"),
               MOBILITY_REPLAY_FEED="true")
    log = cwd / "server.log"
    with log.open("ab") as out:
        proc = subprocess.Popen([str(venv / "bin" / "mobility"), "serve", "addison-vt",
                                 "--port", str(port)], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, f"server exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"not healthy:\n{log.read_text()[-3000:]}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist, then the wheel from the sdist (``python -m build``'s default), from a clean
    copy of the checkout; the sdist carries web/'s npm files but no built Leaflet."""
    if shutil.which("npm") is None:
        pytest.skip("the build step needs npm to fetch Leaflet (apt-get install npm)")
    tmp = tmp_path_factory.mktemp("pkg")
    src, dist, tools = tmp / "src", tmp / "dist", tmp / "build-venv"
    _clean_copy(src)
    _run(sys.executable, "-m", "venv", tools, cwd=tmp)
    _run(tools / "bin" / "python", "-m", "pip", "install", "-q", "build>=1,<2", cwd=tmp)
    _run(tools / "bin" / "python", "-m", "build", "--outdir", dist, src, cwd=tmp, timeout=540)
    (sdist,), (whl,) = dist.glob("*.tar.gz"), dist.glob("*.whl")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"setup.py", "scripts/vendor_web.py", "web/package.json",
            "web/package-lock.json"} <= names
    assert not [n for n in names if "vendor/" in n or "node_modules" in n]
    # the wheel was built from the unpacked sdist: Leaflet came from its own npm run
    assert not (src / "api" / "static" / "vendor").exists()
    return whl


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                    "(test.sh installs it: apt-get install chromium)")
def test_wheel_from_clean_checkout_serves_a_working_map(wheel: Path, addison: Any,
                                                        tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with zipfile.ZipFile(wheel) as z:
        packed = z.read(f"{LEAFLET}/leaflet.js")
        assert {f"{LEAFLET}/leaflet.css", f"{LEAFLET}/LICENSE",
                f"{LEAFLET}/images/marker-icon.png"} <= set(z.namelist())
    site = _fresh_venv(tmp_path / "venv", wheel)
    run = tmp_path / "run"  # outside the checkout: it cannot shadow the wheel
    run.mkdir()
    where = json.loads(_run(tmp_path / "venv" / "bin" / "python", "-c", """if 1:
        import importlib, json, sys
        import api.web
        print(json.dumps({"files": [importlib.import_module(p).__file__ for p in sys.argv[1:]],
                          "finders": [type(f).__name__ for f in sys.meta_path],
                          "problem": api.web.missing_map_library()}))""", *PACKAGES, cwd=run))
    assert all(Path(f).is_relative_to(site) for f in where["files"]), where
    assert not [f for f in where["finders"] if "Editable" in f], where
    assert where["problem"] is None
    installed = site / LEAFLET / "leaflet.js"
    assert installed.read_bytes() == packed
    record = next(site.glob("mobility-*.dist-info")) / "RECORD"
    assert f"{LEAFLET}/leaflet.js," in record.read_text(encoding="utf-8")

    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"]["node_modules/leaflet"]["version"]
    with _serve(tmp_path / "venv", run) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page()
        errors: list[str] = []
        responses: list[Any] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("response", lambda r: responses.append(r) if "/vendor/leaflet/" in r.url
              else None)
        pg.goto(url + "/")
        pg.wait_for_selector("body[data-ready=true]", timeout=60_000)
        drawn = pg.evaluate("""() => ({
            L: typeof L, version: typeof L === 'object' ? L.version : null,
            pane: !!document.querySelector('#map .leaflet-map-pane'),
            canvas: !!document.querySelector('#map .leaflet-overlay-pane canvas'),
            streets: window.mobility.map.streets.getLayers().length})""")
        served = {r.url: (r.status, r.body()) for r in responses}
        browser.close()
    assert errors == []
    assert drawn["L"] == "object" and drawn["version"] == version, drawn
    assert drawn["pane"] and drawn["canvas"] and drawn["streets"] > 0, drawn
    assert served[url + "/vendor/leaflet/leaflet.js"] == (200, installed.read_bytes())
    assert served[url + "/vendor/leaflet/leaflet.css"][0] == 200


@pytest.mark.slow
def test_installed_wheel_without_the_map_library_refuses_to_start(wheel: Path,
                                                                 tmp_path: Path) -> None:
    """The wheel installed, then its Leaflet deleted: ``serve`` says to reinstall."""
    site = _fresh_venv(tmp_path / "venv", wheel)
    shutil.rmtree(site / LEAFLET)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(COLUMNS="1000", MOBILITY_DATA=str(DATA), MOBILITY_CACHE=str(tmp_path / "cache"),
               MOBILITY_DB_URL=f"sqlite:///{tmp_path / 'm.db'}")
    res = subprocess.run([str(tmp_path / "venv" / "bin" / "mobility"), "serve", "addison-vt",
                          "--port", str(free_port())], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 2, res.stderr
    line = _one_line_error(res.stderr)
    assert f"this installation of mobility ({site}) lacks the web app's map library" in line
    assert "pip install --force-reinstall --no-deps" in line


@pytest.mark.slow
def test_wheel_build_without_npm_stops_with_what_to_install(tmp_path: Path) -> None:
    """``pip wheel`` (as ``pip install .`` builds) on a clean copy with no npm on PATH."""
    src = tmp_path / "src"
    _clean_copy(src)
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                          str(tmp_path / "dist"), str(src)], env=env, capture_output=True,
                         text=True, timeout=300, check=False)
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert "error: cannot build mobility: npm is needed" in out, out[-3000:]
    assert "apt-get install npm" in out and "Traceback" not in out
    assert not list(tmp_path.glob("dist/*.whl"))


# -- finding a Python ------------------------------------------------------------------------
def _pyenv_shims(folder: Path, missing: list[str]) -> None:
    """Shims as pyenv installs them: one per version, complaining when it is not installed."""
    folder.mkdir()
    for name in missing:
        shim = folder / name
        shim.write_text(f'#!/bin/sh\necho "pyenv: {name}: command not found" >&2\nexit 127\n')
        shim.chmod(0o755)
    (folder / "python3").symlink_to(sys.executable)


def test_venv_helper_probes_pythons_quietly_and_names_the_one_it_uses(tmp_path: Path) -> None:
    """Behind pyenv shims for missing versions, ``ensure_venv`` prints one line, not the
    shims' complaints (an existing, current .venv: nothing is installed)."""
    _pyenv_shims(tmp_path / "shims", ["python3.13", "python3.12", "python3.11"])
    project = tmp_path / "project"
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    (project / ".venv" / "bin" / "python").symlink_to(sys.executable)
    stamp = project / ".venv" / ".installed-__test__"  # ".[test]\n", letters kept
    stamp.touch()
    os.utime(stamp, (time.time() + 60, time.time() + 60))  # newer than pyproject.toml
    script = f'source {ROOT / "scripts" / "venv.sh"} && ensure_venv ".[test]"'
    res = subprocess.run(["bash", "-c", script], cwd=project, capture_output=True, text=True,
                         env={**os.environ, "PATH": f"{tmp_path / 'shims'}:/usr/bin:/bin"},
                         timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    assert "command not found" not in res.stderr
    version = ".".join(map(str, sys.version_info[:3]))
    assert res.stderr.splitlines() == [
        f"mobility: Python {version} ({os.path.realpath(sys.executable)}) in .venv"]


def test_venv_helper_without_a_recent_python_says_what_it_found(tmp_path: Path) -> None:
    shims = tmp_path / "shims"
    _pyenv_shims(shims, ["python3.13", "python3.12", "python3.11"])
    (shims / "python3").unlink()
    old = shims / "python3"
    old.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.8.10" && exit 0\n'
                   'exit 1\n')
    old.chmod(0o755)
    script = f'source {ROOT / "scripts" / "venv.sh"} && ensure_venv .'
    res = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PATH": f"{shims}:/usr/bin:/bin"}, timeout=60,
                         check=False)
    assert res.returncode == 1
    assert res.stderr.splitlines() == [
        "mobility needs Python 3.11 or newer (python3 --version says: Python 3.8.10)"]
    assert not (tmp_path / ".venv").exists()
