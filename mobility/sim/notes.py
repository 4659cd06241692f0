"""Notes on a simulated day's demand (where its homes came from, which rows of a demand file
were skipped) as a code and its figures: worded in the report's language by
:data:`mobility.sim.texts.NOTES`, and by the web app under ``sim.note.<code>``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mobility.sim.texts import NOTES, language_of, number


@dataclass(frozen=True)
class Note:
    """One note: ``code`` (a key of :data:`NOTES`) and the ``params`` its words take."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        """The note in plain words; whole numbers as the language writes them (1.234)."""
        lang = language_of(language)
        vals = {k: number(v, 0, lang) if isinstance(v, int) and k != "line" else v
                for k, v in self.params.items()}
        return NOTES[lang][self.code].format(**vals)

    def __str__(self) -> str:
        return self.text("en")

    def as_json(self) -> dict[str, Any]:
        """``code``, ``params`` and the English ``text`` (for clients without the code)."""
        return {"code": self.code, "params": dict(self.params), "text": self.text("en")}
