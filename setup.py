"""Build hook (the metadata lives in pyproject.toml): every wheel carries the web app's map
library, Leaflet, so that ``pip install .`` or an installed wheel serves a working app.

Building a wheel (directly, through ``pip install .`` or from the sdist) runs
``scripts/vendor_web.py`` -- the same copy rule as ``scripts/web.sh`` -- which installs Leaflet
from npm into ``api/static/vendor/leaflet`` when it is missing or out of date; the package
data then picks it up. Without npm the build stops with a message saying what to install.
Editable installs (``pip install -e``, as run.sh and test.sh do) serve ``api/static`` from the
checkout, so they skip this: scripts/web.sh fills it there.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent


def _vendor_web() -> ModuleType:
    """``scripts/vendor_web.py``, loaded by path: ``scripts`` is no package, and the build's
    isolated environment does not put the project on ``sys.path``."""
    spec = importlib.util.spec_from_file_location("vendor_web", ROOT / "scripts"
                                                  / "vendor_web.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithWeb(build_py):
    """``build_py`` that first puts Leaflet into ``api/static/vendor/leaflet``."""

    def run(self) -> None:
        if not self.editable_mode:
            vendor_web = _vendor_web()
            try:
                if vendor_web.ensure(ROOT):
                    version = " ".join(vendor_web.locked_leaflet(ROOT).split()[:2])
                    self.announce(f"installed {version} into {vendor_web.vendor_dir(ROOT)}",
                                  level=2)
            except vendor_web.WebBuildError as exc:
                # setuptools prints a SetupError as one "error: ..." line, no traceback
                raise SetupError(f"cannot build mobility: {exc}") from None
            # the package data was listed when the command was set up, maybe before Leaflet
            # was there: list it again (setuptools computes it lazily from this attribute)
            self.__dict__.pop("data_files", None)
        super().run()


setup(cmdclass={"build_py": BuildPyWithWeb})
