"""Standing orders in the booking service (issue 18): the same ride on chosen weekdays, each
date booked when it enters the booking horizon — exactly on those weekdays, once however
often (and by however many processes at once) the booker runs, skipping public holidays,
telling the rider once of a date that cannot be served — and cancelling one date or the
series through the normal cancellation (plans updated). On SQLite and PostgreSQL (the
``store`` fixture), on the tests' fixed clock (Tuesday 24 November 2026, 06:00 in Addison
County)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from api import ApiConfig
from api.auth import Principal, lookup
from api.service import ConflictError, FixedClock, InvalidRequestError, NotFoundError, quoting
from api.service import booking as booking_ops
from api.service.standing import OrderRequest
from api.service.standing_booker import LEASE_S, idempotency_key
from api.store.models import (
    Booking,
    Notification,
    PlanStop,
    StandingOccurrence,
    StandingOrder,
)
from mobility.public_holidays import calendar
from tests.api_helpers import ADDISON_TZ, EAST_MIDDLEBURY, MIDDLEBURY, NOW, key
from tests.conftest import UNLIMITED, booking_service

MWF = (1, 3, 5)
#: three weeks from Wednesday 25 November (mid-week) to Tuesday 15 December 2026
FIRST, LAST = dt.date(2026, 11, 25), dt.date(2026, 12, 15)
STAFF = Principal("staffkey0001", "dispatcher")


@pytest.fixture()
def svc(addison, addison_travel, store):  # type: ignore[no-untyped-def]
    s = booking_service(addison, addison_travel, store)
    s.holiday = calendar("US-VT")
    return s


def _rider(store: Any) -> Principal:
    with store.session() as s:
        who = lookup(s, key(store, "rider", rider_name="Dora Dialyse"))
    assert who is not None
    return who


def _order(**kw: Any) -> OrderRequest:
    values: dict[str, Any] = dict(origin=MIDDLEBURY, destination=EAST_MIDDLEBURY,
                                  weekdays=MWF, time="07:30", time_type="departure",
                                  first_date=FIRST, last_date=LAST)
    values.update(kw)
    return OrderRequest(**values)


def _expected(days: tuple[int, ...], first: dt.date, last: dt.date, now: dt.datetime,
              at: dt.time = dt.time(7, 30), horizon_days: int = 14) -> list[dt.date]:
    """The dates a booker should have booked by ``now``, counted independently: every day
    of the range on the weekdays whose ride lies after now and within the horizon."""
    out, d = [], first
    while d <= last:
        ride = dt.datetime.combine(d, at, ADDISON_TZ)
        if d.isoweekday() in days and now < ride <= now + dt.timedelta(days=horizon_days):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _rows(store: Any, order_id: str) -> dict[dt.date, StandingOccurrence]:
    with store.snapshot() as s:
        return {r.service_date: r for r in s.scalars(select(StandingOccurrence).where(
            StandingOccurrence.order_id == order_id))}


def _bookings(store: Any, order_id: str) -> list[Booking]:
    with store.snapshot() as s:
        return list(s.scalars(select(Booking).where(Booking.standing_order_id == order_id)))


def _told(store: Any, order_id: str) -> list[Notification]:
    with store.snapshot() as s:
        return list(s.scalars(select(Notification).where(
            Notification.standing_order_id == order_id)))


def _clock(svc: Any) -> FixedClock:
    clock = svc.timing.clock
    assert isinstance(clock, FixedClock)
    return clock


def test_dates_are_booked_on_the_weekdays_as_the_horizon_moves(svc: Any, store: Any) -> None:
    rider = _rider(store)
    o = svc.create_standing_order(rider, _order())
    first = _expected(MWF, FIRST, LAST, NOW)
    assert first == [dt.date(2026, 11, 25), dt.date(2026, 11, 27), dt.date(2026, 11, 30),
                     dt.date(2026, 12, 2), dt.date(2026, 12, 4), dt.date(2026, 12, 7)]
    booked = [x for x in o.occurrences if x.status == "booked"]
    assert [x.date for x in booked] == first  # booked before the answer
    # the rest are shown as still to come, nothing else
    assert [x.date for x in o.occurrences if x.status == "scheduled"] == [
        dt.date(2026, 12, 9), dt.date(2026, 12, 11), dt.date(2026, 12, 14)]
    for x in booked:  # a departure at 07:30 local time: picked up from 07:30 on that day
        assert x.pickup_window is not None
        start = x.pickup_window[0].astimezone(ADDISON_TZ)
        assert (start.date(), start.time()) == (x.date, dt.time(7, 30))
    rides = _bookings(store, o.id)
    assert sorted(b.service_date for b in rides) == first
    assert {b.rider_id for b in rides} == {rider.rider_id}
    assert {b.status for b in rides} == {"confirmed"}
    assert svc.book_standing_orders().total == 0  # nothing more is due: nothing happens

    # across the week boundary: Monday 30 November, 06:00 — three more dates are due
    _clock(svc).set(dt.datetime(2026, 11, 30, 6, 0, tzinfo=ADDISON_TZ))
    report = svc.book_standing_orders()
    later = _expected(MWF, FIRST, LAST, svc.timing.now())
    assert report.booked == len(set(later) - set(first)) == 2  # 9 and 11 December
    assert svc.book_standing_orders().total == 0
    rides = _bookings(store, o.id)
    per_date = Counter(b.service_date for b in rides)
    assert set(per_date.values()) == {1}, per_date  # no date twice
    assert sorted(per_date) == sorted(set(first) | set(later))
    assert all(d.isoweekday() in MWF for d in per_date)
    rows = _rows(store, o.id)
    assert {d: r.status for d, r in rows.items()} == {d: "booked" for d in per_date}
    assert {r.booking_id for r in rows.values()} == {b.id for b in rides}


def test_a_public_holiday_is_skipped_and_the_rider_told_once(svc: Any, store: Any) -> None:
    rider = _rider(store)
    # Tuesdays and Thursdays: Thursday 26 November 2026 is Thanksgiving
    o = svc.create_standing_order(rider, _order(weekdays=(2, 4), first_date=FIRST,
                                                last_date=dt.date(2026, 12, 3)))
    status = {x.date: (x.status, x.code) for x in o.occurrences}
    assert status == {dt.date(2026, 11, 26): ("skipped", "holiday"),
                      dt.date(2026, 12, 1): ("booked", None),
                      dt.date(2026, 12, 3): ("booked", None)}
    reason = next(x.reason for x in o.occurrences if x.status == "skipped")
    assert reason is not None and "Thanksgiving" in reason
    svc.book_standing_orders()
    told = _told(store, o.id)
    assert [(n.kind, n.channel) for n in told] == [("standing_not_served", "app")]
    assert '"code": "holiday"' in told[0].params and "2026-11-26" in told[0].params
    assert not any(b.service_date == dt.date(2026, 11, 26) for b in _bookings(store, o.id))
    # the same order without skipping holidays rides on Thanksgiving
    plain = svc.create_standing_order(rider, _order(weekdays=(4,), first_date=FIRST,
                                                    last_date=dt.date(2026, 11, 26),
                                                    skip_holidays=False))
    assert [(x.date, x.status) for x in plain.occurrences] == [(dt.date(2026, 11, 26),
                                                                "booked")]


def test_christmas_is_skipped_when_it_enters_the_horizon(svc: Any, store: Any) -> None:
    o = svc.create_standing_order(_rider(store), _order(
        first_date=dt.date(2026, 12, 21), last_date=dt.date(2026, 12, 28)))
    # Christmas Day (a Friday) is shown as skipped before it is reached
    shown = {x.date: x.status for x in o.occurrences}
    assert shown[dt.date(2026, 12, 25)] == "skipped"
    assert not _rows(store, o.id)  # nothing due yet: 21 December is beyond the horizon
    _clock(svc).set(dt.datetime(2026, 12, 14, 8, 0, tzinfo=ADDISON_TZ))
    svc.book_standing_orders()
    rows = _rows(store, o.id)
    assert {d: r.status for d, r in rows.items()} == {
        dt.date(2026, 12, 21): "booked", dt.date(2026, 12, 23): "booked",
        dt.date(2026, 12, 25): "skipped", dt.date(2026, 12, 28): "booked"}


def test_a_date_that_cannot_be_served_is_written_down_and_told_once(svc: Any,
                                                                   store: Any) -> None:
    rider = _rider(store)
    (area,) = svc.areas.values()
    assert area.hours is not None and area.hours[1] < 23.5 * 3600  # served until 20:00
    o = svc.create_standing_order(rider, _order(time="23:30", last_date=dt.date(2026, 11, 27)))
    assert [(x.date, x.status, x.code) for x in o.occurrences] == [
        (dt.date(2026, 11, 25), "not_served", "outside-service-hours"),
        (dt.date(2026, 11, 27), "not_served", "outside-service-hours")]
    for x in o.occurrences:
        assert x.reason is not None and "served 06:00–20:00" in x.reason
    assert not _bookings(store, o.id)
    svc.book_standing_orders()
    _clock(svc).advance(3600)
    svc.book_standing_orders()
    told = _told(store, o.id)  # one message per date (the rider chose the app only)
    assert sorted(n.dedupe for n in told) == [
        f"standing_not_served:{o.id}:2026-11-25:app",
        f"standing_not_served:{o.id}:2026-11-27:app"]
    assert all('"code": "outside-service-hours"' in n.params for n in told)


def test_cancelling_one_date_cancels_its_booking_and_keeps_the_others(svc: Any,
                                                                     store: Any) -> None:
    rider = _rider(store)
    o = svc.create_standing_order(rider, _order())
    day = dt.date(2026, 11, 30)
    bid = _rows(store, o.id)[day].booking_id
    with store.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(PlanStop).where(
            PlanStop.request_id == bid)) == 2
    after = svc.cancel_standing_date(rider, o.id, day)
    assert {x.date: x.status for x in after.occurrences}[day] == "cancelled"
    rides = {b.service_date: b.status for b in _bookings(store, o.id)}
    assert rides.pop(day) == "cancelled"
    assert set(rides.values()) == {"confirmed"} and len(rides) == 5
    with store.snapshot() as s:  # out of the vehicle's plan
        assert s.scalar(select(func.count()).select_from(PlanStop).where(
            PlanStop.request_id == bid)) == 0
    # a date not yet booked, cancelled ahead: never booked
    ahead = dt.date(2026, 12, 11)
    svc.cancel_standing_date(rider, o.id, ahead)
    svc.cancel_standing_date(rider, o.id, ahead)  # twice: harmless
    _clock(svc).set(dt.datetime(2026, 12, 1, 6, 0, tzinfo=ADDISON_TZ))
    svc.book_standing_orders()
    rows = _rows(store, o.id)
    assert rows[ahead].status == "cancelled" and rows[ahead].booking_id is None
    assert rows[dt.date(2026, 12, 9)].status == "booked"
    assert rows[day].status == "cancelled"  # not booked again
    # not one of its dates (a Tuesday), or a date that has passed
    with pytest.raises(NotFoundError):
        svc.cancel_standing_date(rider, o.id, dt.date(2026, 12, 8))
    with pytest.raises(ConflictError):
        svc.cancel_standing_date(rider, o.id, dt.date(2026, 11, 27))


def test_cancelling_the_series_cancels_its_bookings_to_come(svc: Any, store: Any) -> None:
    rider = _rider(store)
    o = svc.create_standing_order(rider, _order())
    done = svc.cancel_standing_order(rider, o.id)
    assert done.status == "cancelled" and done.cancelled_at == svc.timing.now()
    assert {b.status for b in _bookings(store, o.id)} == {"cancelled"}
    assert {x.status for x in done.occurrences} == {"cancelled"}  # nothing scheduled
    with store.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(PlanStop).where(
            PlanStop.request_id.in_([b.id for b in _bookings(store, o.id)]))) == 0
    assert svc.cancel_standing_order(rider, o.id).status == "cancelled"  # again: harmless
    _clock(svc).set(dt.datetime(2026, 12, 1, 6, 0, tzinfo=ADDISON_TZ))
    assert svc.book_standing_orders().total == 0
    assert len(_bookings(store, o.id)) == 6


def test_two_bookers_at_once_book_each_date_once(addison: Any, addison_travel: Any,
                                                 store: Any) -> None:
    """Two server processes (two services over one store, each with its own plans) run
    their bookers at the same moment: every date is booked once."""
    a = booking_service(addison, addison_travel, store)
    b = booking_service(addison, addison_travel, store)
    rider = _rider(store)
    o = a.create_standing_order(rider, _order(weekdays=(1, 2, 3, 4, 5, 6, 7),
                                              last_date=dt.date(2026, 12, 20)))
    every = (1, 2, 3, 4, 5, 6, 7)
    assert len(_bookings(store, o.id)) == len(_expected(every, FIRST, LAST, NOW)) == 13
    later = dt.datetime(2026, 12, 1, 6, 0, tzinfo=ADDISON_TZ)
    for s in (a, b):
        _clock(s).set(later)
    start = threading.Barrier(2)
    reports: list[Any] = []
    errors: list[BaseException] = []

    def go(s: Any) -> None:
        try:
            start.wait()
            reports.append(s.book_standing_orders())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(s,)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sum(r.booked for r in reports) == 7  # 8 to 14 December, each by one of them
    per_date = Counter(x.service_date for x in _bookings(store, o.id))
    assert sorted(per_date) == _expected(every, FIRST, LAST, NOW) + _expected(
        every, FIRST, LAST, later)[-7:]
    assert len(per_date) == 20 and set(per_date.values()) == {1}
    assert {r.status for r in _rows(store, o.id).values()} == {"booked"}


def test_a_booker_that_stopped_is_taken_over_after_the_lease(svc: Any, store: Any) -> None:
    """A booker stopped between booking a date and writing it down: the next one finds the
    booking by its idempotency key, books nothing twice; a date left pending without a
    booking is booked — after the lease, not before."""
    rider = _rider(store)
    o = svc.create_standing_order(rider, _order(first_date=dt.date(2026, 12, 9)))
    assert not _rows(store, o.id)  # 9 December lies beyond the horizon now
    when = dt.datetime(2026, 11, 30, 6, 0, tzinfo=ADDISON_TZ)
    _clock(svc).set(when)
    d1, d2 = dt.date(2026, 12, 9), dt.date(2026, 12, 11)
    # what a booker did before it stopped: both dates pending, the first one booked
    q = quoting.quote(svc, rider, MIDDLEBURY, EAST_MIDDLEBURY,
                      dt.datetime.combine(d1, dt.time(7, 30), ADDISON_TZ), "departure", 1,
                      False, rider.rider_id)
    made, _ = booking_ops.book(svc, rider, q.id, idempotency_key(o.id, d1))
    with store.session() as s:
        for d in (d1, d2):
            s.add(StandingOccurrence(order_id=o.id, service_date=d, status="pending",
                                     created_at=when, updated_at=when))
    assert svc.book_standing_orders().total == 0  # within the lease: its booker's still
    _clock(svc).advance(LEASE_S + 1)
    report = svc.book_standing_orders()
    assert report.booked == 2
    rows = _rows(store, o.id)
    assert rows[d1].booking_id == made.id and rows[d1].status == "booked"
    assert rows[d2].status == "booked"
    assert Counter(b.service_date for b in _bookings(store, o.id)) == {d1: 1, d2: 1}


def test_a_date_cancelled_while_being_booked_is_not_kept(svc: Any, store: Any,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """The rider cancels a date between its booker's claim and its booking: the booking
    made is cancelled again, the date stays cancelled."""
    rider = _rider(store)
    o = svc.create_standing_order(rider, _order(first_date=dt.date(2026, 12, 9)))
    _clock(svc).set(dt.datetime(2026, 11, 30, 6, 0, tzinfo=ADDISON_TZ))
    d = dt.date(2026, 12, 9)
    real = quoting.quote

    def cancel_meanwhile(*args: Any, **kw: Any) -> Any:  # the rider cancels the date
        svc.cancel_standing_date(rider, o.id, d)
        return real(*args, **kw)

    monkeypatch.setattr(quoting, "quote", cancel_meanwhile)
    report = svc.book_standing_orders()
    assert report.undone == 1
    assert _rows(store, o.id)[d].status == "cancelled"
    assert [b.status for b in _bookings(store, o.id) if b.service_date == d] in ([], [
        "cancelled"])
    with store.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(Booking).where(
            Booking.service_date == d, Booking.status == "confirmed")) == 0


def test_fair_use_counts_a_riders_own_order_not_a_dispatchers(addison: Any,
                                                            addison_travel: Any,
                                                            store: Any) -> None:
    svc = booking_service(addison, addison_travel, store,
                          config=ApiConfig(**{**UNLIMITED, "max_bookings": 3}))  # type: ignore[arg-type]
    rider = _rider(store)
    own = svc.create_standing_order(rider, _order())
    status = [(x.status, x.code) for x in own.occurrences if x.status != "scheduled"]
    assert status == [("booked", None)] * 3 + [("not_served", "too-many-bookings")] * 3
    assert all("at most 3" in (x.reason or "") for x in own.occurrences
               if x.status == "not_served")
    staff = svc.create_standing_order(STAFF, _order(
        rider_id=rider.rider_id, time="13:00", note="rings twice"))
    assert [x.status for x in staff.occurrences if x.status != "scheduled"] == ["booked"] * 6
    assert {b.note for b in _bookings(store, staff.id)} == {"rings twice"}
    with store.snapshot() as s:
        assert s.get(StandingOrder, staff.id).by_role == "dispatcher"  # type: ignore[union-attr]


@pytest.mark.parametrize(("change", "code"), [
    ({"weekdays": ()}, "validation"), ({"weekdays": (0, 1)}, "validation"),
    ({"weekdays": (8,)}, "validation"), ({"time": "24:00"}, "validation"),
    ({"time_type": "whenever"}, "validation"),
    ({"last_date": dt.date(2026, 11, 24), "first_date": dt.date(2026, 11, 25)}, "date-order"),
    ({"first_date": dt.date(2026, 11, 23)}, "date-in-past"),
    ({"last_date": dt.date(2027, 11, 26)}, "range-too-long"),
    ({"first_date": dt.date(2027, 12, 1), "last_date": dt.date(2027, 12, 2)}, "date-too-far"),
    ({"weekdays": (6,), "last_date": dt.date(2026, 11, 27)}, "no-dates"),
    ({"origin": (44.5, -72.5)}, "outside-service-area"),
])
def test_bad_orders_are_refused_and_nothing_is_written(svc: Any, store: Any,
                                                      change: dict[str, Any],
                                                      code: str) -> None:
    with pytest.raises(InvalidRequestError) as err:
        svc.create_standing_order(_rider(store), _order(**change))
    assert err.value.code == code
    with store.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(StandingOrder)) == 0


def test_privacy_export_and_forget(svc: Any, store: Any) -> None:
    rider = _rider(store)
    o = svc.create_standing_order(rider, _order())
    assert rider.rider_id is not None
    doc = svc.export_rider(rider, rider.rider_id)
    assert [r["id"] for r in doc["tables"]["standing_orders"]] == [o.id]
    assert len(doc["tables"]["standing_occurrences"]) == 6
    with pytest.raises(ConflictError):  # its rides to come must be cancelled first
        svc.forget_rider(rider, rider.rider_id)
    svc.cancel_standing_order(rider, o.id)
    done = svc.forget_rider(rider, rider.rider_id)
    assert done.bookings == 6
    with store.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(StandingOrder)) == 0
        assert s.scalar(select(func.count()).select_from(StandingOccurrence)) == 0
        assert s.scalar(select(func.count()).select_from(Booking).where(
            Booking.standing_order_id.is_not(None))) == 0


def test_holiday_calendars_by_setting_and_region(addison: Any) -> None:
    from pydantic import ValidationError

    from mobility.errors import RegionError
    from mobility.public_holidays import code_for
    from mobility.settings import Settings

    cfg = addison.config
    assert cfg.holidays == "US-VT" and code_for(None, cfg) == "US-VT"
    vt = calendar(code_for(None, cfg))
    assert vt is not None
    assert vt(dt.date(2026, 3, 3)) == "Town Meeting Day"  # Vermont's own
    assert vt(dt.date(2026, 11, 26)) == "Thanksgiving Day"
    assert vt(dt.date(2026, 11, 24)) is None
    us = calendar(code_for("us", cfg))  # the setting wins; the country's holidays only
    assert us is not None and us(dt.date(2026, 3, 3)) is None
    assert us(dt.date(2026, 12, 25)) == "Christmas Day"
    assert code_for("none", cfg) is None and calendar(None) is None
    de = calendar("DE-BW")
    assert de is not None and de(dt.date(2026, 1, 6)) == "Epiphany"  # English names
    assert code_for(None, dataclasses.replace(cfg, holidays=None, country="DE")) == "DE"
    for bad in ("XX", "US-ZZ"):
        with pytest.raises(RegionError, match="MOBILITY_HOLIDAYS"):
            calendar(bad)
    with pytest.raises(ValidationError):
        Settings(holidays="US_VT")  # type: ignore[call-arg]


def test_the_booker_runs_once_per_interval_across_processes(addison: Any,
                                                            addison_travel: Any,
                                                            store: Any) -> None:
    """Each interval of the service's clock is booked by one server process: the first to
    claim it; the next interval by whoever comes first again."""
    from api.service.standing import StandingBooker

    a = booking_service(addison, addison_travel, store)
    b = booking_service(addison, addison_travel, store)
    o = a.create_standing_order(_rider(store), _order(first_date=dt.date(2026, 12, 9)))
    first, second = StandingBooker(a, 300), StandingBooker(b, 300)
    assert first.tick() is not None and second.tick() is None  # one window, one booker
    for s in (a, b):
        _clock(s).set(dt.datetime(2026, 11, 30, 6, 0, tzinfo=ADDISON_TZ))
    done = second.tick()
    assert done is not None and done.booked == 2 and first.tick() is None
    assert StandingBooker(a, 0).tick() is None  # switched off
    assert sorted(_rows(store, o.id)) == [dt.date(2026, 12, 9), dt.date(2026, 12, 11)]


def test_retention_deletes_orders_that_are_over(svc: Any, store: Any) -> None:
    from api.service.privacy import apply_retention

    rider = _rider(store)
    ended = svc.create_standing_order(rider, _order(last_date=dt.date(2026, 11, 27)))
    cancelled = svc.create_standing_order(rider, _order(time="12:00"))
    svc.cancel_standing_order(rider, cancelled.id)
    running = svc.create_standing_order(rider, _order(time="15:00",
                                                      last_date=dt.date(2027, 6, 30)))
    # 24 February 2027: rides before 26 November are anonymised, the series cancelled on
    # 24 November goes, the one whose last ride is on 27 November stays
    _clock(svc).set(dt.datetime(2027, 2, 24, 12, 0, tzinfo=ADDISON_TZ))
    early = apply_retention(store, svc.timing, 90, dry_run=True)
    assert early.cutoff == dt.date(2026, 11, 26) and early.orders == 1
    _clock(svc).set(dt.datetime(2027, 3, 1, 12, 0, tzinfo=ADDISON_TZ))
    dry = apply_retention(store, svc.timing, 90, dry_run=True)
    assert dry.cutoff == dt.date(2026, 12, 1) and dry.orders == 2
    assert apply_retention(store, svc.timing, 90).orders == 2
    with store.snapshot() as s:
        assert list(s.scalars(select(StandingOrder.id))) == [running.id]
        left = set(s.scalars(select(StandingOccurrence.order_id)))
        assert left == {running.id}
        assert s.scalar(select(func.count()).select_from(Booking).where(
            Booking.standing_order_id.in_([ended.id, cancelled.id]))) == 0
    assert apply_retention(store, svc.timing, 90).orders == 0


@pytest.mark.slow
def test_the_command_line_adds_lists_and_cancels(tmp_path: Any) -> None:
    """``mobility standing add|list|cancel`` as real processes over an SQLite store, on
    the tests' clock: what it books, lists and cancels; clear errors, exit code 2."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import CACHE, DATA

    env = {**os.environ, "MOBILITY_DB_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MOBILITY_CLOCK_START": NOW.isoformat(), "MOBILITY_DATA": str(DATA),
           "MOBILITY_CACHE": str(CACHE)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mobility", *args], capture_output=True,
                              text=True, timeout=300, check=False, env=env)

    made = cli("keys", "create", "--role", "rider", "--name", "Dora Dialyse", "--json")
    rider = json.loads(made.stdout)["riderId"]
    ride = ["--rider", rider, "--from", f"{MIDDLEBURY[0]},{MIDDLEBURY[1]}", "--to",
            f"{EAST_MIDDLEBURY[0]},{EAST_MIDDLEBURY[1]}", "--time", "07:30"]
    add = cli("standing", "add", *ride, "--days", "mon,wed,fri", "--first", "2026-11-25",
              "--last", "2026-12-15", "--note", "rings twice", "--json")
    assert add.returncode == 0, add.stderr
    o = json.loads(add.stdout)
    booked = [x["date"] for x in o["occurrences"] if x["status"] == "booked"]
    assert booked == [d.isoformat() for d in _expected(MWF, FIRST, LAST, NOW)]
    listed = json.loads(cli("standing", "list", "--json").stdout)["standingOrders"]
    assert [(x["id"], x["booked"], x["nextBooked"]) for x in listed] == [
        (o["id"], 6, "2026-11-25")]
    one = cli("standing", "cancel", o["id"], "--date", "2026-11-30", "--json")
    assert one.returncode == 0, one.stderr
    assert {x["date"]: x["status"] for x in json.loads(one.stdout)["occurrences"]}[
        "2026-11-30"] == "cancelled"
    every = cli("standing", "cancel", o["id"], "--json")
    assert json.loads(every.stdout)["status"] == "cancelled"
    assert json.loads(cli("standing", "list", "--json").stdout)["standingOrders"] == []
    gone = json.loads(cli("standing", "list", "--all", "--json").stdout)["standingOrders"]
    assert [(x["status"], x["booked"], x["cancelled"]) for x in gone] == [
        ("cancelled", 0, 6)]
    for args, says in [
        (("standing", "add", *ride, "--days", "mon,xyz", "--first", "2026-11-25",
          "--last", "2026-12-15"), "'xyz' is not a weekday"),
        (("standing", "add", *ride, "--days", "mon", "--first", "2026-12-15", "--last",
          "2026-11-25"), "is before firstDate"),
        (("standing", "add", *ride, "--days", "mon", "--first", "someday", "--last",
          "2026-11-25"), "'someday' is not a date"),
        (("standing", "add", *ride[2:], "--rider", "r_nobody", "--days", "mon", "--first",
          "2026-11-25", "--last", "2026-12-15"), "no rider 'r_nobody'"),
        (("standing", "cancel", "so_nothing"), "no standing order with id 'so_nothing'"),
    ]:
        res = cli(*args)
        assert res.returncode == 2, res.stdout
        assert says in res.stderr and "Traceback" not in res.stderr
