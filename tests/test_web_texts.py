"""The web app's interface texts (api/static/js/i18n.js) against their uses in the scripts and
the pages (api/static/js, api/static/index.html and driver.html): every key used exists in
English and German, both languages have the same keys, and no key is left unused. No browser
needed: the texts are read by ``node`` (the object literal printed as JSON), the uses by
regular expressions.

A use is static (``t("key")``, ``has``/``tOwn``, a ternary inside ``t(…)``, ``data-i18n``,
``data-i18n-attr``, or a key's literal in a list of keys the code passes to ``t``) or dynamic:
a template literal such as ``t(`why.${code}`)`` uses every key ``why.<word>`` whose last part
has no further dot (``leg.${mode}`` covers ``leg.BUS``, not ``leg.walk.detail``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache

import pytest

from tests.conftest import ROOT

JS = ROOT / "api" / "static" / "js"
HTML = ROOT / "api" / "static" / "index.html"
PAGES = (HTML, ROOT / "api" / "static" / "driver.html")  # the app's and the driver's
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

#: string literals in t(…)/has(…)/tOwn(…) (several for a ternary such as t(a ? "x" : "y"))
CALL = re.compile(r"""\b(?:t|has|tOwn)\(([^()]*?)[,)]""")
# a literal that is the whole argument or a branch of a ternary (not a compared value)
LITERAL = re.compile(r"""(?:^|[?:])\s*(["'])([^"'`\n]+?)\1""")
ATTR = re.compile(r"""data-i18n["']?\s*[:=]\s*["']([^"']+)["']""")
ATTRS = re.compile(r"""data-i18n-attr["']?\s*[:=]\s*["']([^"']+)["']""")
DYNAMIC = re.compile(r"""\b(?:t|has|tOwn)\(\s*`([a-z_.]+\.)\$\{""")


@cache
def texts() -> dict[str, dict[str, str]]:
    """``TEXTS`` of i18n.js, by language, as node reads the object literal."""
    src = (JS / "i18n.js").read_text(encoding="utf-8")
    start = src.index("const TEXTS = ") + len("const TEXTS = ")
    literal = src[start:src.index("\nlet lang", start)].strip().rstrip(";")
    out = subprocess.run([str(NODE), "-e", f"process.stdout.write(JSON.stringify({literal}))"],
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def sources() -> dict[str, str]:
    files = sorted(p for p in JS.glob("*.js") if p.name != "i18n.js") + list(PAGES)
    return {p.name: p.read_text(encoding="utf-8") for p in files}


def call_literals(src: str) -> list[str]:
    """Keys named by literals in the calls of ``src`` (template literals are dynamic)."""
    return [m.group(2) for c in CALL.finditer(src) if "`" not in c.group(1)
            for m in LITERAL.finditer(c.group(1).strip())]


@cache
def static_uses() -> dict[str, set[str]]:
    """Keys named literally where a text is asked for, with the files naming them."""
    found: dict[str, set[str]] = {}
    for name, src in sources().items():
        keys = call_literals(src) + ATTR.findall(src)
        keys = keys + [pair.split(":", 1)[1] for v in ATTRS.findall(src) for pair in v.split(",")]
        for k in keys:
            found.setdefault(k, set()).add(name)
    return found


def dynamic_prefixes() -> set[str]:
    return {p for src in sources().values() for p in DYNAMIC.findall(src)}


def used(key: str, prefixes: set[str], literals: str) -> bool:
    if key in static_uses() or any(key.startswith(p) and "." not in key[len(p):] for p in prefixes):
        return True
    # any literal of the key: data-label="from", ["col.time", …].map((k) => t(k)), …
    return re.search(r"""["'`]""" + re.escape(key) + r"""["'`]""", literals) is not None


def test_both_languages_have_the_same_keys() -> None:
    en, de = texts()["en"], texts()["de"]
    assert len(en) > 200
    assert sorted(set(en) - set(de)) == [] and sorted(set(de) - set(en)) == []
    assert [k for k in en if not en[k].strip() or not de[k].strip()] == []


def test_every_key_used_exists_in_both_languages() -> None:
    uses = static_uses()
    assert {"plan.submit", "error.network", "busy.plan", "views", "search.placeholder"} <= \
        set(uses)  # the reader finds calls, data-i18n and data-i18n-attr
    for lang, words in texts().items():
        missing = {k: sorted(f) for k, f in uses.items() if k not in words}
        assert missing == {}, lang
    # each dynamic use has texts to pick from, in both languages
    for p in dynamic_prefixes():
        assert [k for k in texts()["en"] if k.startswith(p)], p
        assert [k for k in texts()["de"] if k.startswith(p)], p


def test_no_key_is_unused() -> None:
    prefixes = dynamic_prefixes()
    assert {"why.", "leg.", "kind.", "problem.", "status.", "sim.reason."} <= prefixes
    literals = "\n".join(sources().values())
    unused = [k for k in texts()["en"] if not used(k, prefixes, literals)]
    assert unused == []


def test_the_checks_would_see_an_unused_or_a_missing_key() -> None:
    """The reader itself: a key no code names is unused, a key under a dynamic prefix with a
    further dot is not covered by it, a call to an unknown key is found."""
    prefixes = dynamic_prefixes()
    literals = "\n".join(sources().values())
    assert not used("itin.summary.never", prefixes, literals)
    assert not used("leg.walk.never", prefixes, literals)
    assert used("leg.BUS", prefixes, literals) and used("plan.submit", prefixes, literals)
    src = 'x = t(a ? "one.key" : "two.key", { n }); el("p", {"data-i18n": "three"});'
    assert call_literals(src) + ATTR.findall(src) == ["one.key", "two.key", "three"]
    assert call_literals('t(s === "queued" ? "sim.queued" : "sim.running")') == [
        "sim.queued", "sim.running"]


def test_the_driver_page_is_read() -> None:
    """driver.html's texts count as uses (its sign-in heading is named there only), and
    the driver's scripts' dynamic keys have texts (stop kinds, reports done)."""
    uses = static_uses()
    assert uses["driver.signin.title"] == {"driver.html"}
    assert {"driver.kind.", "driver.done.", "driver.position."} <= dynamic_prefixes()
    for kind in ("pickup", "dropoff", "break"):
        assert f"driver.kind.{kind}" in texts()["de"]
    for report in ("arrived", "picked_up", "no_show", "dropped_off"):
        assert f"driver.done.{report}" in texts()["de"]
