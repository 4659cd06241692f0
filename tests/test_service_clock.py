"""The service's running clock: it starts where it is told and runs at its speed (the
machine's monotonic time is replaced, so the test does not depend on how fast it runs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.service import clock as clock_module
from api.service.clock import RunningClock

START = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


@pytest.mark.parametrize("speed", [1.0, 10.0, 120.0])
def test_a_running_clock_starts_at_its_moment_and_runs_at_its_speed(
        monkeypatch: pytest.MonkeyPatch, speed: float) -> None:
    machine = [1000.0]
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: machine[0])
    c = RunningClock(START, speed)
    assert c.now() == START.astimezone(dt.UTC)
    machine[0] += 30.0  # half a minute of the machine's time
    assert c.now() == START.astimezone(dt.UTC) + dt.timedelta(seconds=30.0 * speed)


@pytest.mark.parametrize("speed", [0.0, -1.0, float("nan")])
def test_a_clock_that_does_not_run_forward_is_refused(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        RunningClock(START, speed)
    with pytest.raises(ValueError, match="offset"):
        RunningClock(START.replace(tzinfo=None))


def test_the_setting_is_checked_and_reaches_the_servers_clock(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    from pydantic import ValidationError

    from mobility.server import clock
    from mobility.settings import Settings

    monkeypatch.setenv("MOBILITY_CLOCK_START", START.isoformat())
    monkeypatch.setenv("MOBILITY_CLOCK_SPEED", "10")
    c = clock(Settings())
    assert isinstance(c, RunningClock) and c.speed == 10.0
    monkeypatch.setenv("MOBILITY_CLOCK_SPEED", "0")
    with pytest.raises(ValidationError, match="clock_speed"):
        Settings()


def test_clocks_given_one_epoch_agree_however_far_apart_they_were_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two API processes over one store start seconds apart: at 10x each second is ten of
    the service's; with the epoch they show the same time (without, the later one is
    behind by the gap times the speed)."""
    machine, wall = [1000.0], [1_700_000_000.0]
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: machine[0])
    monkeypatch.setattr(clock_module.time, "time", lambda: wall[0])
    epoch = wall[0]
    first, alone = RunningClock(START, 10.0, epoch), RunningClock(START, 10.0)
    machine[0] += 7.0
    wall[0] += 7.0
    second = RunningClock(START, 10.0, epoch)
    assert first.now() == second.now() == START + dt.timedelta(seconds=70)
    assert alone.now() == START + dt.timedelta(seconds=70)
    assert RunningClock(START, 10.0).now() == START  # made now, without the epoch


def test_a_clock_held_on_its_epoch_file_stands_until_the_file_holds_the_epoch(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Two processes started 40 s apart on a busy machine both stand at the start until the
    file is written (one holding no number does not start them); then they agree and run
    from the epoch written, not from when each was made. (Whoever writes the file writes
    it whole, by a rename: :func:`mobility.twin.local._start_clocks`.)"""
    machine, wall = [1000.0], [1_700_000_000.0]
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: machine[0])
    monkeypatch.setattr(clock_module.time, "time", lambda: wall[0])
    f = tmp_path / "clock-epoch"

    def tick(s: float) -> None:
        machine[0] += s
        wall[0] += s

    first = RunningClock(START, 10.0, epoch_file=f)
    tick(40.0)
    second = RunningClock(START, 10.0, epoch_file=f)
    assert first.now() == second.now() == START and first.held
    f.write_text("not a number", encoding="ascii")
    tick(1.0)
    assert first.now() == START and second.held
    f.write_text(repr(wall[0]), encoding="ascii")
    tick(3.0)
    assert first.now() == second.now() == START + dt.timedelta(seconds=30)
    assert not first.held
    f.unlink()  # read once: the clock runs on without its file
    tick(1.0)
    assert first.now() == START + dt.timedelta(seconds=40)
    # an epoch given outright wins over the file
    assert (RunningClock(START, 10.0, wall[0] - 2.0, epoch_file=tmp_path / "none").now()
            == START + dt.timedelta(seconds=20))


def test_the_epoch_file_setting_reaches_the_servers_clock(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    from mobility.server import clock
    from mobility.settings import Settings

    f = tmp_path / "clock-epoch"
    monkeypatch.setenv("MOBILITY_CLOCK_START", START.isoformat())
    monkeypatch.setenv("MOBILITY_CLOCK_EPOCH_FILE", str(f))
    monkeypatch.delenv("MOBILITY_CLOCK_EPOCH", raising=False)
    c = clock(Settings())
    assert isinstance(c, RunningClock) and c.held and c.now() == START
