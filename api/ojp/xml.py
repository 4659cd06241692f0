"""Namespaces and small element builders for OJP documents (ElementTree)."""

from __future__ import annotations

import datetime as dt
from xml.etree.ElementTree import Element, SubElement

OJP_NS = "http://www.vdv.de/ojp"
SIRI_NS = "http://www.siri.org.uk/siri"
#: prefixes for ``find``/``findall`` paths on requests
NS = {"ojp": OJP_NS, "siri": SIRI_NS}


def o(tag: str) -> str:
    """``tag`` in the OJP namespace."""
    return f"{{{OJP_NS}}}{tag}"


def s(tag: str) -> str:
    """``tag`` in the SIRI namespace."""
    return f"{{{SIRI_NS}}}{tag}"


def add(parent: Element, tag: str, text: object = None) -> Element:
    """A child ``tag`` (already namespaced with :func:`o`/:func:`s`) of ``parent``, with
    ``text`` when given."""
    el = SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def add_text(parent: Element, tag: str, text: str, lang: str | None = None) -> Element:
    """An OJP international text: ``<tag><Text xml:lang=…>text</Text></tag>``."""
    el = SubElement(parent, tag)
    t = add(el, o("Text"), text)
    if lang:
        t.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    return el


def timestamp(moment: dt.datetime) -> str:
    """An xs:dateTime in UTC to the second (``2026-11-28T07:30:00Z``)."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
