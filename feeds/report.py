"""Validation reports: every problem of an input at once, each naming what to fix."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal

from routing.errors import MobilityError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding. ``row`` is the line number in the file (the header is line 1)."""

    severity: Severity
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        """``file:row [column]: message`` (without the severity)."""
        where = ":".join(str(p) for p in (self.file, self.row) if p is not None)
        col = f" [{self.column}]" if self.column else ""
        prefix = f"{where}{col}: " if where or col else ""
        return f"{prefix}{self.message}"

    def __str__(self) -> str:
        return f"{self.severity}: {self.describe()}"

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("severity")
        return d


@dataclass
class ValidationReport:
    """All problems found in one input, in the order found."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def error(self, message: str, file: str | None = None, row: int | None = None,
              column: str | None = None) -> None:
        self.problems.append(Problem("error", message, file, row, column))

    def warning(self, message: str, file: str | None = None, row: int | None = None,
                column: str | None = None) -> None:
        self.problems.append(Problem("warning", message, file, row, column))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
        }

    def summary(self, limit: int = 20) -> str:
        lines = [str(p) for p in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"... and {len(self.errors) - limit} more errors")
        return "\n".join(lines)


class FeedError(MobilityError, ValueError):
    """An input feed or extract cannot be used; ``report`` lists every problem found."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        n = len(report.errors)
        super().__init__(f"{report.source}: {n} error{'s' if n != 1 else ''}\n{report.summary()}")
