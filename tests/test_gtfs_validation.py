"""Broken feeds: each gives its precise error (file, row, column) and never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from feeds import FeedError, read_gtfs, validate_gtfs
from feeds.report import Problem


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _only_error(feed: Path) -> Problem:
    report = validate_gtfs(feed)
    assert not report.valid
    assert len(report.errors) == 1, [str(p) for p in report.errors]
    return report.errors[0]


def test_tiny_feed_is_valid(tiny_gtfs: Path) -> None:
    report = validate_gtfs(tiny_gtfs)
    assert report.valid and not report.problems


def test_missing_stops_file(tiny_gtfs: Path) -> None:
    (tiny_gtfs / "stops.txt").unlink()
    report = validate_gtfs(tiny_gtfs)
    assert [(p.file, p.message) for p in report.errors] == [
        ("stops.txt", "required file is missing")]


def test_invalid_time_names_row_and_column(tiny_gtfs: Path) -> None:
    _replace(tiny_gtfs / "stop_times.txt", "T2,08:50:00,08:50:00", "T2,25:61:00,08:50:00")
    p = _only_error(tiny_gtfs)
    assert (p.file, p.row, p.column) == ("stop_times.txt", 7, "arrival_time")
    assert "'25:61:00'" in p.message


def test_times_past_midnight_are_valid(tiny_gtfs: Path) -> None:
    # T3 already ends at 25:00:00; push another trip past 48 h as well
    _replace(tiny_gtfs / "stop_times.txt", "T2,09:10:00,09:10:00", "T2,49:10:00,49:10:00")
    assert validate_gtfs(tiny_gtfs).valid


def test_stop_times_naming_unknown_trip(tiny_gtfs: Path) -> None:
    with (tiny_gtfs / "stop_times.txt").open("a", encoding="utf-8") as f:
        f.write("GHOST,10:00:00,10:00:00,S1,1,,0,0\n")
    p = _only_error(tiny_gtfs)
    assert (p.file, p.row, p.column) == ("stop_times.txt", 16, "trip_id")
    assert "'GHOST' is not defined in trips.txt" in p.message


def test_empty_trips_file(tiny_gtfs: Path) -> None:
    (tiny_gtfs / "trips.txt").write_text(
        "route_id,service_id,trip_id,trip_headsign,wheelchair_accessible\n", encoding="utf-8")
    report = validate_gtfs(tiny_gtfs)
    assert ("trips.txt", "file has a header but no rows") in [
        (p.file, p.message) for p in report.errors]
    # the stop_times now name trips that do not exist: every one is reported, not just one
    unknown = [p.file for p in report.errors if p.column == "trip_id"]
    assert unknown.count("stop_times.txt") == 14 and unknown.count("frequencies.txt") == 1


def test_zero_byte_file(tiny_gtfs: Path) -> None:
    (tiny_gtfs / "routes.txt").write_bytes(b"")
    errors = validate_gtfs(tiny_gtfs).errors
    assert ("routes.txt", "file is empty (no header line)") in [(p.file, p.message)
                                                                for p in errors]


def test_latin1_stops_is_read_with_a_warning(tiny_gtfs: Path) -> None:
    text = (tiny_gtfs / "stops.txt").read_text(encoding="utf-8").replace("Mill Road",
                                                                         "Mühlweg")
    (tiny_gtfs / "stops.txt").write_bytes(text.encode("latin-1"))
    feed = read_gtfs(tiny_gtfs)  # a warning, not a failure
    [w] = feed.report.warnings
    assert (w.file, w.row) == ("stops.txt", 3) and "Latin-1" in w.message
    assert "Mühlweg" in set(feed.tables.stops["stop_name"])


def test_utf8_bom_is_accepted(tiny_gtfs: Path) -> None:
    data = (tiny_gtfs / "stops.txt").read_bytes()
    (tiny_gtfs / "stops.txt").write_bytes(b"\xef\xbb\xbf" + data)
    feed = read_gtfs(tiny_gtfs)
    assert not feed.report.problems
    assert "stop_id" in feed.tables.stops.columns


def test_truncated_zip(tiny_gtfs: Path, tmp_path: Path) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "feed"), "zip", tiny_gtfs))
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    p = _only_error(archive)
    assert p.file == "feed.zip" and "not a readable zip archive" in p.message


def test_bad_coordinates_and_unknown_route(tiny_gtfs: Path) -> None:
    _replace(tiny_gtfs / "stops.txt", "S3,Green,44.0000,", "S3,Green,94.0000,")
    _replace(tiny_gtfs / "trips.txt", "R1,WK,T2", "R9,WK,T2")
    report = validate_gtfs(tiny_gtfs)
    got = {(p.file, p.row, p.column) for p in report.errors}
    assert got == {("stops.txt", 4, "stop_lat"), ("trips.txt", 3, "route_id")}


def test_missing_required_column(tiny_gtfs: Path) -> None:
    _replace(tiny_gtfs / "routes.txt", "route_type", "kind")
    p = _only_error(tiny_gtfs)
    assert (p.file, p.row, p.column) == ("routes.txt", 1, "route_type")


def test_time_going_backwards(tiny_gtfs: Path) -> None:
    _replace(tiny_gtfs / "stop_times.txt", "T2,09:00:00,09:00:00", "T2,08:40:00,08:40:00")
    p = _only_error(tiny_gtfs)
    assert (p.file, p.row) == ("stop_times.txt", 8) and "back in time" in p.message


def test_read_gtfs_raises_feed_error_with_report(tiny_gtfs: Path) -> None:
    (tiny_gtfs / "stops.txt").unlink()
    with pytest.raises(FeedError) as info:
        read_gtfs(tiny_gtfs)
    assert isinstance(info.value, ValueError)
    assert "stops.txt" in str(info.value)
    assert info.value.report.errors[0].file == "stops.txt"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mobility", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_cli_validate_reports_every_error_as_json(tiny_gtfs: Path) -> None:
    _replace(tiny_gtfs / "stop_times.txt", "T2,08:50:00,08:50:00", "T2,25:61:00,08:50:00")
    _replace(tiny_gtfs / "stops.txt", "S3,Green,44.0000,", "S3,Green,north,")
    res = _cli("validate", str(tiny_gtfs), "--json")
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    doc = json.loads(res.stdout)
    assert doc["valid"] is False
    assert {(e["file"], e["row"], e["column"]) for e in doc["errors"]} == {
        ("stop_times.txt", 7, "arrival_time"), ("stops.txt", 4, "stop_lat")}


def test_cli_validate_valid_feed_exits_zero(tiny_gtfs: Path) -> None:
    res = _cli("validate", str(tiny_gtfs))
    assert res.returncode == 0 and "valid" in res.stdout


def test_cli_validate_truncated_zip_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "broken.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("stops.txt", "stop_id\n" * 1000)
    bad.write_bytes(bad.read_bytes()[:200])
    res = _cli("validate", str(bad), "--json")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "not a readable zip archive" in json.loads(res.stdout)["errors"][0]["message"]
