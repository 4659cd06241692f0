"""GTFS validation and typing: every problem at once, each with file, row and column.

The validator works on the string tables read by :mod:`feeds.gtfs._tables` and adds typed
columns (``*_s`` seconds, ``*_f`` floats, ``*_i`` integers) that the compiler uses. Rows are
reported as line numbers in the file (header = line 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from feeds.report import ValidationReport

#: file -> columns that must be present
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                     "saturday", "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "transfers.txt": ("from_stop_id", "to_stop_id", "transfer_type"),
}
REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: problems of one rule beyond this many are summarised in one line (the count stays exact)
MAX_PER_RULE = 200


def report_rows(report: ValidationReport, severity: str, mask: np.ndarray | pd.Series,
                file: str, column: str | None, message: object) -> int:
    """Report one problem per flagged row (``message`` may be a callable of the row index)."""
    idx = np.flatnonzero(np.asarray(mask))
    add = report.error if severity == "error" else report.warning
    for i in idx[:MAX_PER_RULE]:
        add(message(i) if callable(message) else str(message), file, int(i) + 2, column)
    if len(idx) > MAX_PER_RULE:
        add(f"... and {len(idx) - MAX_PER_RULE} more rows with the same problem", file, None,
            column)
    return len(idx)


def parse_gtfs_time(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``H:MM:SS``/``HH:MM:SS`` (hours may exceed 24) into float seconds.

    Returns (seconds with NaN for blanks, mask of non-blank unparsable values).
    """
    blank = values.str.len().to_numpy() == 0
    parts = values.str.split(":", n=2, expand=True, regex=False)
    if parts.shape[1] < 3:
        parts = parts.reindex(columns=range(3), fill_value="")
    nums = [pd.to_numeric(parts[k].where(parts[k].str.fullmatch(r"\d+"), None),
                          errors="coerce").to_numpy(dtype=float) for k in range(3)]
    h, m, sec = nums
    ok = (~np.isnan(h) & ~np.isnan(m) & ~np.isnan(sec) & (m < 60) & (sec < 60)
          & (parts[1].str.len().to_numpy() == 2) & (parts[2].str.len().to_numpy() == 2))
    out = np.where(ok, h * 3600 + m * 60 + sec, np.nan)
    bad = ~ok & ~blank
    return out, bad


def parse_int(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values as float with NaN for blanks/bad, blank mask, bad mask)."""
    blank = values.str.len().to_numpy() == 0
    num = pd.to_numeric(values.where(values.str.fullmatch(r"[+-]?\d+"), None), errors="coerce")
    arr = num.to_numpy(dtype=float)
    return arr, blank, np.isnan(arr) & ~blank


def parse_float(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    blank = values.str.len().to_numpy() == 0
    arr = pd.to_numeric(values.where(~pd.Series(blank, index=values.index), None),
                        errors="coerce").to_numpy(dtype=float)
    return arr, blank, np.isnan(arr) & ~blank


def parse_date(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """YYYYMMDD -> proleptic ordinal (int64, -1 where bad); returns (ordinals, bad mask)."""
    d = pd.to_datetime(values, format="%Y%m%d", errors="coerce")
    bad = d.isna().to_numpy()
    ords = np.full(len(values), -1, dtype=np.int64)
    if (~bad).any():
        # days since 0001-01-01 (ordinal 1)
        epoch_ord = 719163  # date(1970, 1, 1).toordinal()
        days = (d[~bad].to_numpy().astype("datetime64[D]").astype(np.int64))
        ords[~bad] = days + epoch_ord
    return ords, bad


def check_columns(report: ValidationReport, name: str, df: pd.DataFrame) -> bool:
    missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in df.columns]
    for c in missing:
        report.error(f"required column '{c}' is missing", name, 1, c)
    return not missing


def check_unique(report: ValidationReport, name: str, df: pd.DataFrame, column: str) -> None:
    dup = df[column].duplicated(keep="first").to_numpy()
    report_rows(report, "error", dup, name, column,
                lambda i: f"duplicate {column} '{df[column].iat[i]}'")


def check_required_values(report: ValidationReport, name: str, df: pd.DataFrame,
                          column: str) -> np.ndarray:
    blank = (df[column].str.len() == 0).to_numpy()
    report_rows(report, "error", blank, name, column, f"{column} is empty")
    return blank


def check_refs(report: ValidationReport, name: str, df: pd.DataFrame, column: str,
               target_file: str, known: pd.Index | set[str] | pd.Series,
               severity: str = "error", allow_blank: bool = False) -> np.ndarray:
    """Flag rows whose ``column`` value is not among ``known``; returns the bad-row mask."""
    vals = df[column]
    bad = ~vals.isin(known).to_numpy()
    if allow_blank:
        bad &= (vals.str.len() > 0).to_numpy()
    report_rows(report, severity, bad, name, column,
                lambda i: f"{column} '{vals.iat[i]}' is not defined in {target_file}")
    return bad
