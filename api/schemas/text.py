"""What text a client may send: printable characters of any script, without the invisible
ones that let a name pretend to be something else or break what shows or stores it.

Refused, anywhere in request text (names, phone numbers, ids, labels):

- control characters: C0 (U+0000–U+001F, tab and line feed included), DEL (U+007F) and C1
  (U+0080–U+009F) — no database stores a NUL, and the others corrupt logs, CSV exports and
  terminals;
- bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates
  (U+2066–U+2069) and the direction marks (U+200E, U+200F, U+061C) — an override (U+202E)
  before "gnuM" makes a name show as "Mung" on a driver's manifest;
- every other invisible format character (Unicode category Cf: zero-width space U+200B,
  word joiner U+2060, soft hyphen U+00AD, byte order mark U+FEFF, tag characters…),
  except the zero-width non-joiner and joiner (U+200C, U+200D), which Persian, Indic
  scripts and emoji sequences need to be written correctly;
- line and paragraph separators (U+2028, U+2029) and lone surrogates (U+D800–U+DFFF,
  which JSON can encode but UTF-8 cannot store).
"""

from __future__ import annotations

import unicodedata

#: format characters that scripts need: zero-width non-joiner and joiner
ALLOWED_FORMAT = frozenset("\u200c\u200d")
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def refusal(ch: str) -> str | None:
    """Why the character ``ch`` is refused in request text, or ``None``."""
    if ch in BIDI:
        return "a bidirectional control"
    cat = unicodedata.category(ch)
    if cat == "Cc":
        return "a control character"
    if cat == "Cf" and ch not in ALLOWED_FORMAT:
        return "an invisible format character"
    if cat in ("Zl", "Zp"):
        return "a line separator"
    if cat == "Cs":
        return "a lone surrogate"
    return None


def text_problem(value: str) -> str | None:
    """The first refused character of ``value`` as a message naming it and its position
    (counted from 1), or ``None`` when the text is acceptable."""
    for pos, ch in enumerate(value, 1):
        why = refusal(ch)
        if why is not None:
            name = unicodedata.name(ch, "")
            code = f"U+{ord(ch):04X}" + (f" {name}" if name else "")
            return f"character {pos} is {code}, {why}: not allowed in text"
    return None
