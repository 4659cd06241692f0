"""Region compile + on-disk cache: hits, corrupt files rebuilt, changed inputs recompiled."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility import RegionError, load_region


def test_compile_then_cache_hit(tiny_region: Path, tmp_path: Path) -> None:
    data, cache = tiny_region.parent, tmp_path / "cache"
    steps: list[str] = []
    first = load_region("tiny", data=data, cache_dir=cache, workers=1, on_step=steps.append)
    assert not first.from_cache and first.cache_path is not None and first.cache_path.exists()
    assert steps[0] == "hash inputs" and steps[-1] == "write cache" and len(steps) == 9
    second = load_region("tiny", data=data, cache_dir=cache)
    assert second.from_cache
    assert second.summary()["transit"] == first.summary()["transit"]
    assert second.summary()["streets"] == first.summary()["streets"]


def test_corrupt_cache_is_rebuilt(tiny_region: Path, tmp_path: Path) -> None:
    data, cache = tiny_region.parent, tmp_path / "cache"
    region = load_region("tiny", data=data, cache_dir=cache, workers=1)
    path = region.cache_path
    assert path is not None
    path.write_bytes(path.read_bytes()[:1000])  # truncated, as after a crash or full disk
    warnings: list[str] = []
    again = load_region("tiny", data=data, cache_dir=cache, workers=1,
                        on_warning=warnings.append)
    assert not again.from_cache
    assert len(warnings) == 1 and "corrupt" in warnings[0]
    assert load_region("tiny", data=data, cache_dir=cache).from_cache  # rewritten whole


def test_changed_input_recompiles(tiny_region: Path, tmp_path: Path) -> None:
    data, cache = tiny_region.parent, tmp_path / "cache"
    before = load_region("tiny", data=data, cache_dir=cache, workers=1)
    osm = tiny_region / "streets.osm"
    osm.write_text(osm.read_text().replace('maxspeed" v="25 mph', 'maxspeed" v="30 mph'))
    after = load_region("tiny", data=data, cache_dir=cache, workers=1)
    assert not after.from_cache and after.cache_path != before.cache_path
    assert before.cache_path is not None and not before.cache_path.exists()  # old one removed


def test_unknown_region_names_known_ones(tiny_region: Path, tmp_path: Path) -> None:
    with pytest.raises(RegionError, match=r"unknown region 'nowhere'.*known in .*: tiny"):
        load_region("nowhere", data=tiny_region.parent, cache_dir=tmp_path)


def test_bad_region_toml(tiny_region: Path, tmp_path: Path) -> None:
    toml = tiny_region / "region.toml"
    toml.write_text(toml.read_text().replace('default_date = "2024-01-08"',
                                             'default_date = "January"'))
    with pytest.raises(RegionError, match="'default_date' is not a YYYY-MM-DD date"):
        load_region("tiny", data=tiny_region.parent, cache_dir=tmp_path)


def test_processes_that_need_the_same_region_compile_it_once(tiny_region: Path,
                                                            tmp_path: Path) -> None:
    """Three processes start on an empty cache while its build lock is held (as when another
    process is compiling): once it is free, one of them compiles and the others load its
    file."""
    import subprocess
    import sys
    import time

    from mobility import _cache
    from mobility.config import resolve_region

    data, cache = tiny_region.parent, tmp_path / "cache"
    cfg = resolve_region("tiny", data)
    path = _cache.cache_path(cache, "tiny", _cache.cache_key(cfg.inputs(), cfg.key_fields()))
    code = ("import sys; from pathlib import Path; from mobility import load_region; "
            "r = load_region('tiny', data=Path(sys.argv[1]), cache_dir=Path(sys.argv[2]), "
            "workers=1); print('hit' if r.from_cache else 'built')")
    with _cache.build_lock(path):
        procs = [subprocess.Popen([sys.executable, "-c", code, str(data), str(cache)],
                                  stdout=subprocess.PIPE, text=True) for _ in range(3)]
        time.sleep(3)  # they start and wait for the lock (or, without one, compile)
    outs = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert outs == ["built", "hit", "hit"]
