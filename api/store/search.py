"""How riders are found again: their name folded (no case, no accents, one space between
words) and their phone number's digits, stored beside the name and phone so that a
dispatcher's search is one portable ``LIKE`` on SQLite and PostgreSQL alike."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str | None:
    """``text`` as searched: compatibility-decomposed, without combining marks, case-folded
    (``ß`` → ``ss``) and with runs of white space made one space — "Jürgen  MÜLLER" and
    "jurgen muller" fold alike. ``None`` stays ``None``."""
    if text is None:
        return None
    plain = "".join(c for c in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def digits(text: str | None) -> str | None:
    """The ASCII digits of a phone number ("+1 802 555-0177" → "18025550177"; full-width
    digits count too), or ``None`` when it has none."""
    if text is None:
        return None
    found = "".join(c for c in unicodedata.normalize("NFKC", text) if "0" <= c <= "9")
    return found or None


def like_pattern(text: str) -> str:
    """A ``LIKE`` pattern finding ``text`` anywhere (its ``%``, ``_`` and ``\\`` escaped
    with ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
