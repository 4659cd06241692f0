"""The Cordeau instance reader: the published forms (header with n or 2n, with or without the
closing depot line, tabs or spaces, CRLF) read to the same instance, and what it cannot read
is an InstanceError naming the file, the line and the fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch import CordeauInstance, InstanceError, read_cordeau
from routing.errors import MobilityError
from tests.conftest import SHARED

CORDEAU = SHARED / "darp" / "cordeau"
A_SERIES = sorted(CORDEAU.glob("a*.txt"))


def _before(path: Path) -> CordeauInstance:
    """The reader as it was before it accepted other forms (header n, closing depot line)."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    k, n, t, q, ride = (float(x) for x in lines[0][:5])
    nodes = [(int(a[0]), float(a[1]), float(a[2]), float(a[3]), int(a[4]), float(a[5]),
              float(a[6])) for a in lines[1:]]
    return CordeauInstance(path.stem, int(k), int(n), t, int(q), ride, nodes)


def _variant(src: Path, dst: Path, *, header_2n: bool, closing: bool, sep: str = "\t",
             eol: str = "\n") -> Path:
    """``src`` rewritten in another published form."""
    rows = [ln.split() for ln in src.read_text().splitlines() if ln.strip()]
    head, nodes = rows[0], rows[1:]
    if header_2n:
        head = [head[0], str(2 * int(head[1])), *head[2:]]
    if not closing:
        nodes = nodes[:-1]
    dst.write_bytes((eol.join(sep.join(r) for r in [head, *nodes]) + eol + eol).encode())
    return dst


def test_the_data_is_there() -> None:
    assert len(A_SERIES) == 24, f"real data missing in {CORDEAU}"


@pytest.mark.parametrize("path", A_SERIES, ids=lambda p: p.stem)
def test_a_series_reads_as_before(path: Path) -> None:
    inst = read_cordeau(path)
    assert inst == _before(path)
    assert len(inst.nodes) == 2 * inst.n + 2 and inst.nodes[-1][0] == 2 * inst.n + 1


@pytest.mark.parametrize("path", A_SERIES, ids=lambda p: p.stem)
def test_b_series_form_reads_to_the_same_instance(path: Path, tmp_path: Path) -> None:
    """Header ``K 2n T Q L``, no closing depot line (in the a-series it repeats the starting
    depot), tabs, CRLF and a trailing blank line."""
    b = _variant(path, tmp_path / path.name, header_2n=True, closing=False, eol="\r\n")
    assert b.read_text().splitlines()[0].split("\t")[1] == str(2 * _before(path).n)
    assert read_cordeau(b) == _before(path)
    assert read_cordeau(b).problem() == _before(path).problem()


@pytest.mark.parametrize(("header_2n", "closing"), [(False, False), (True, True)])
def test_other_forms_read_to_the_same_instance(header_2n: bool, closing: bool,
                                               tmp_path: Path) -> None:
    src = CORDEAU / "a3-24.txt"
    v = _variant(src, tmp_path / src.name, header_2n=header_2n, closing=closing, sep=" \t ")
    assert read_cordeau(v) == _before(src)


def test_b_series_shape(tmp_path: Path) -> None:
    """A file shaped like the published b-series: loads 1-6 with as many minutes of service,
    capacity 6, depot open all day; no closing depot line."""
    path = tmp_path / "b1-3.txt"
    path.write_text("1 6 480 6 45\n"
                    "  0   0.000   0.000   0   0    0 1440\n"
                    "  1   5.525   6.750   6   6    0 1440\n"
                    "  2   0.366   6.249   1   1    0 1440\n"
                    "  3  -3.611  -2.115   5   5   24   39\n"
                    "  4   8.740  -2.490   6  -6  196  211\n"
                    "  5  -5.203   8.897   1  -1    0 1440\n"
                    "  6   5.734  -4.899   5  -5    0 1440\n")
    inst = read_cordeau(path)
    assert (inst.name, inst.K, inst.n, inst.T, inst.Q, inst.L) == ("b1-3", 1, 3, 480, 6, 45)
    assert inst.nodes[7] == (7, 0.0, 0.0, 0.0, 0, 0.0, 1440.0)
    problem = inst.problem()
    (v,) = problem.vehicles
    assert v.start == v.end == (0.0, 0.0) and v.shift == (0.0, 1440.0) and v.seats == 6
    assert [(r.passengers, r.pickup_service, r.dropoff_service) for r in problem.requests] \
        == [(6, 6, 6), (1, 1, 1), (5, 5, 5)]
    assert problem.requests[2].pickup_window == (24, 39)


GOOD = ["1 2 100 3 30", "0 0 0 0 0 0 100", "1 1 0 1 1 0 100", "2 2 0 1 1 0 100",
        "3 3 0 1 -1 0 100", "4 4 0 1 -1 0 100", "5 0 0 0 0 0 100"]


def _with(line: int, text: str | None) -> list[str]:
    """GOOD with line ``line`` (1-based) replaced, or removed if ``text`` is None."""
    out = list(GOOD)
    if text is None:
        del out[line - 1]
    else:
        out[line - 1] = text
    return out


@pytest.mark.parametrize(("lines", "line", "message"), [
    ([], None, "the file is empty"),
    (_with(1, "1 2 100 3"), 1, r"too few fields: 4 instead of 5 \('K n T Q L'\)"),
    (_with(3, "1 1 0 1 1 0"), 3, r"too few fields: 6 instead of 7 \('id x y d q e l'\)"),
    (_with(3, "1 1 0 1 1 0 100 7"), 3, "too many fields: 8 instead of 7"),
    (_with(4, "2 two 0 1 1 0 100"), 4, "x is not a number: 'two'"),
    (_with(4, "2 2 0 1 1.5 0 100"), 4, r"q is not an integer: '1.5'"),
    (_with(1, "1 2 nan 3 30"), 1, "T is not a finite number: 'nan'"),
    (_with(1, "0 2 100 3 30"), 1, "K, n and Q must be positive, not 0, 2, 3"),
    (_with(1, "1 3 100 3 30"), 1, r"6 node lines .* n = 3: expected 7 or 8 lines \(2n\+1, "
                                  r"or 2n\+2 with the closing depot\)$"),
    (_with(1, "1 6 100 3 30")[:-1], 1,
     r"5 node lines .* n = 6: expected 13 or 14 lines .*, or 7 or 8 if 6 is 2n$"),
    (_with(4, "3 2 0 1 1 0 100"), 4, "node id 3 out of order: expected 2"),
    (_with(6, "4 4 0 1 -2 0 100"), 6, "drop-off 4 has load -2, not the negative of its "
                                      "pickup 2's load 1"),
], ids=["empty", "header-short", "node-short", "node-long", "not-a-number", "not-an-integer",
        "nan", "no-vehicles", "count-n", "count-2n", "id-order", "load"])
def test_what_cannot_be_read_is_said(lines: list[str], line: int | None, message: str,
                                     tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines) + "\n" if lines else "")
    with pytest.raises(InstanceError, match=message) as info:
        read_cordeau(path)
    err = info.value
    assert isinstance(err, MobilityError) and isinstance(err, ValueError)
    assert (err.path, err.line) == (path, line)
    assert str(err).startswith(f"{path}:{line}: " if line else f"{path}: ")


def test_good_lines_read(tmp_path: Path) -> None:
    path = tmp_path / "good.txt"
    path.write_text("\n".join(GOOD) + "\n")
    inst = read_cordeau(path)
    assert inst.n == 2 and [r.passengers for r in inst.problem().requests] == [1, 1]


def test_missing_or_binary_file(tmp_path: Path) -> None:
    with pytest.raises(InstanceError, match="cannot read the file"):
        read_cordeau(tmp_path / "nope.txt")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(InstanceError, match="not a text file"):
        read_cordeau(tmp_path / "bin.txt")
