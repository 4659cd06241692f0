"""A short twin run against the real server on SQLite: every promise kept or told, every
notification once, every driver's event applied once, no ride lost or doubled, no vehicle
overbooked. (A file of its own, as the run on two processes in
``test_twin_processes.py``: each day takes minutes, and the test processes take whole
files.)"""

from __future__ import annotations

import pytest

from tests.conftest import CACHE, DATA


def _twin_day(store: str, processes: int = 1) -> dict[str, object]:
    """An hour and a half of a service day at 120x against a real server (``processes`` API
    processes over its store): few riders, two standing orders, one driver's request in
    six losing its connection. (At 240x a second of a loaded machine's scheduling delay is
    four minutes of the service's clock: enough for a vehicle to pass a promise before the
    server could look.)"""
    from mobility.twin.local import local_server
    from mobility.twin.options import TwinOptions
    from mobility.twin.run import run_twin
    from mobility.twin.sinks import Sinks

    speed, hours = 120.0, (7 * 3600.0, 8.5 * 3600.0)
    sinks = Sinks().start()
    try:
        with local_server(speed=speed, first_hour_s=hours[0], store=store, sinks=sinks,
                          data=DATA, cache=CACHE, processes=processes) as srv:
            r = run_twin(TwinOptions(srv.url, srv.staff_key, srv.driver_keys, hours=hours,
                                     rate=8, standing=2, seed=7, drop=1 / 6, speed=speed,
                                     drain_s=1.25 * 3600, sinks=sinks, store=srv.store,
                                     urls=srv.urls, pids=srv.pids))
    finally:
        sinks.stop()
    return r.figures


def _assert_day(f: dict[str, object]) -> None:
    # the server's clock stood while it started, however long that took: the twin began
    # about an hour before its first one (at 120x a second of its own setup is 2 minutes)
    assert isinstance(f["began"], str) and "06:00" <= f["began"] <= "06:45", _brief(f)
    assert f["server_errors"] == 0, f
    assert isinstance(f["bookings"], int) and f["bookings"] >= 3, f
    assert isinstance(f["picked_up"], int) and f["picked_up"] >= 1, f
    unavailable = f["not_available"]
    assert isinstance(unavailable, list)
    if not {"inbox", "alerts"} & set(unavailable):
        assert f["broken_promises_unreported"] == 0, f["unreported"]
    # (a server that cannot tell riders of a delay leaves every late pickup unreported)
    # the devices lost connections, re-sent, sometimes twice: each event applied once
    assert isinstance(f["events_dropped"], int) and f["events_dropped"] > 0, f
    assert isinstance(f["events_resent"], int) and f["events_resent"] > 0, f
    assert f["events_applied_twice"] == 0, f
    if "inbox" not in unavailable:
        assert f["duplicate_notifications"] == 0, f["duplicates"]
        assert isinstance(f["notifications_sent"], int) and f["notifications_sent"] > 0, f
        assert f["deliveries_missing"] == 0, f
    else:  # a server without notifications: the checks say so
        assert f["duplicate_notifications"] is None and f["notifications_sent"] is None
    if "standing" not in unavailable:
        assert f["standing_orders"] == 2 and f["standing_booked"] == 2, _brief(f)
    assert isinstance(f["eta_samples"], int) and f["eta_samples"] > 0, f
    # every confirmed ride in the store and served or called off, none twice, no seat
    # sold twice (the load from the bookings' own events against the vehicles' seats)
    assert f["lost"] == 0 and f["doubled"] == 0 and f["overbooked"] == 0, _brief(f)
    assert isinstance(f["quote_p95_ms"], float) and f["quote_by_hour"], f


def _brief(f: dict[str, object]) -> str:
    """The figures a failure is read from (pytest cuts a long dict's repr short)."""
    return ", ".join(f"{k}={f.get(k)!r}" for k in (
        "began", "hours", "wall_s", "requests", "bookings", "refused_by", "standing_orders",
        "standing_booked", "standing_not_served", "lost", "lost_ids", "doubled_ids",
        "overbooked_at", "moved_rides", "events_refused_by", "never_picked_up"))


@pytest.mark.slow
def test_a_twin_day_on_sqlite(addison: object) -> None:
    _assert_day(_twin_day("sqlite"))
