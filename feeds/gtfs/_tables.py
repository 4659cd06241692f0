"""Reading raw GTFS tables (zip or folder) into string DataFrames, reporting what is unreadable.

Everything is read as text; typing and checking happen in the validator so that one bad value
becomes one problem with its row, never an exception.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd

from feeds.report import ValidationReport


class TableSource:
    """The ``*.txt`` / ``*.geojson`` members of a GTFS zip or folder, by file name."""

    def __init__(self, path: Path, report: ValidationReport) -> None:
        self.path = path
        self._report = report
        self._members: dict[str, object] = {}
        self._zip: zipfile.ZipFile | None = None
        if not path.exists():
            report.error(f"no such file or folder: {path}")
        elif path.is_dir():
            for p in sorted(path.iterdir()):
                if p.is_file():
                    self._members[p.name] = p
        else:
            try:
                self._zip = zipfile.ZipFile(path)
                names = [n for n in self._zip.namelist() if not n.endswith("/")]
            except (zipfile.BadZipFile, OSError) as exc:
                report.error(f"not a readable zip archive ({exc}); re-download or re-export the "
                             "feed", file=path.name)
                return
            # feeds are sometimes zipped with one enclosing folder: accept it
            for n in names:
                name = PurePosixPath(n).name
                if name and not name.startswith(".") and name not in self._members:
                    self._members[name] = n

    @property
    def names(self) -> list[str]:
        return list(self._members)

    def has(self, name: str) -> bool:
        return name in self._members

    def read_bytes(self, name: str) -> bytes | None:
        member = self._members.get(name)
        if member is None:
            return None
        try:
            if isinstance(member, Path):
                return member.read_bytes()
            assert self._zip is not None
            return self._zip.read(str(member))
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
            self._report.error(f"cannot be read from the archive ({exc})", file=name)
            return None

    def read_text(self, name: str) -> str | None:
        """Decode a member: UTF-8 (with or without BOM), else Latin-1 with a warning."""
        data = self.read_bytes(name)
        if data is None:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self._report.warning(
                f"not valid UTF-8 (first bad byte on line {line}); read as Latin-1 — "
                "re-save the file as UTF-8", file=name, row=line)
            return data.decode("latin-1")

    def read_table(self, name: str) -> pd.DataFrame | None:
        """Parse a CSV member into a DataFrame of stripped strings (``None`` if absent/broken)."""
        text = self.read_text(name)
        if text is None:
            return None
        if not text.strip():
            self._report.error("file is empty (no header line)", file=name)
            return None
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                             na_filter=False, skipinitialspace=True, engine="c")
        except (pd.errors.ParserError, ValueError) as exc:
            self._report.error(f"is not valid CSV: {exc}", file=name)
            return None
        df.columns = [str(c).strip() for c in df.columns]
        dup = df.columns[df.columns.duplicated()].tolist()
        if dup:
            self._report.error(f"duplicate column(s) {dup}", file=name, row=1)
            df = df.loc[:, ~df.columns.duplicated()]
        for c in df.columns:
            if df[c].dtype == object or str(df[c].dtype).startswith("str"):
                df[c] = df[c].str.strip()
        return df

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
