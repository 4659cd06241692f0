"""OJP test support: the official schema (compiled once per process), the working group's
example requests, and posting to ``/ojp``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import xmlschema

OJP_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "standards" / "ojp-2.0"
EXAMPLES = OJP_DIR / "examples" / "functions"


@functools.cache
def schema() -> xmlschema.XMLSchema:
    """The OJP 2.0 schema (``OJP.xsd`` with SIRI), about 2 s to compile."""
    return xmlschema.XMLSchema(str(OJP_DIR / "OJP.xsd"))


def validate(doc: bytes | str) -> None:
    """Raise xmlschema's validation error, naming the element, when ``doc`` is not valid."""
    schema().validate(doc.decode() if isinstance(doc, bytes) else doc)


def example(relpath: str, replace: dict[str, str] | None = None) -> bytes:
    """The example message at ``examples/functions/<relpath>`` with each key of
    ``replace`` replaced by its value (the Swiss references by the region's)."""
    text = (EXAMPLES / relpath).read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text, f"{old!r} is not in {relpath}"
        text = text.replace(old, new)
    return text.encode()


def post(client: Any, body: bytes) -> Any:
    """POST ``body`` to /ojp as XML (a TestClient or httpx client)."""
    return client.post("/ojp", content=body, headers={"Content-Type": "application/xml"})
