"""The outbox's worker: sends what :mod:`api.service.outbox` holds, outside any request,
and queues riders' reminders.

Each round (:meth:`Notifier.run_once`, every ``notify_interval_s`` seconds in a server):

1. **Reminders**: confirmed rides whose pickup window starts within ``reminder_minutes``
   and has not started get a ``reminder`` (once: the outbox's dedupe key). A ride booked
   that close to its pickup has its confirmation for a reminder.
2. **In-app messages** are delivered by being stored: they are marked sent at once.
3. **E-mail and SMS**: each message due (``pending`` and ``next_try_at`` reached, or
   ``sending`` whose lease ran out: its worker died) is *claimed* with one conditional
   UPDATE — status ``sending``, a lease (``claimed_until``), one more attempt — that only
   one process can win (the row's conditions are checked again under its lock: PostgreSQL
   re-reads a row changed meanwhile, SQLite's writers go one at a time). The winner sends
   it, then marks it ``sent`` (or ``dropped`` without an address or channel set up,
   ``failed`` when refused for good or after ``notify_max_attempts``, else ``pending``
   again after a back-off of 30 s, 2 min, 8 min, 32 min … ) — the mark only if it still
   holds the lease.

**Each message is sent once**, with one window: a worker that dies between a successful
send and its mark leaves the message ``sending``; when the lease has run out (5 minutes of
the service's clock) another worker sends it again. The resent e-mail has the same
Message-ID (``<notification id@sender's domain>``), so mail systems that remember ids drop
it; an SMS gateway gets the same text once more.

Logs name ids, kinds, channels and statuses only — never a name, address, number or text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from typing import Any

from sqlalchemy import and_, exists, or_, select, update

from api.config import ApiConfig
from api.service import channels, occasions
from api.service.background import Loop
from api.service.channels import TryLater, Undeliverable
from api.service.context import Context
from api.service.outbox import channels_of
from api.service.templates import render
from api.store.models import Booking, Notification, Quote
from api.store.repository import reading, writing

log = logging.getLogger("mobility.notify")

#: how long a worker holds a message it sends (on the service's clock)
LEASE = dt.timedelta(minutes=5)
#: the first retry's wait; each further one waits 4 times longer
FIRST_RETRY_S = 30.0
#: messages claimed per round (a round goes on while each batch is full)
BATCH = 50
_MAX_BATCHES = 20


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 2 min, 8 min, 32 min …"""
    return dt.timedelta(seconds=FIRST_RETRY_S * 4 ** max(0, attempts - 1))


def _due(now: dt.datetime) -> Any:
    """Messages a worker may take now."""
    return or_(and_(Notification.status == "pending", Notification.next_try_at <= now),
               and_(Notification.status == "sending", Notification.claimed_until < now))


class Notifier(Loop):
    """Sends the outbox's messages and queues reminders, every ``notify_interval_s``
    seconds from a daemon thread of a server process (0: never; tests call
    :meth:`run_once`). Any number of processes may run one over the same store."""

    def __init__(self, svc: Context, config: ApiConfig | None = None) -> None:
        self.svc, self.store = svc, svc.store
        self.config = config or svc.config
        super().__init__("notify", self.config.notify_interval_s,
                         self.config.notify_interval_s > 0, log, join_s=60.0)

    failure = "sending notifications failed; trying again later"

    def step(self) -> object:
        return self.run_once()

    # -- one round ------------------------------------------------------------------------
    def run_once(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Queue reminders due and send what is due at ``now`` (default: the service's
        clock): how many messages ended how (``sent``, ``dropped``, ``failed``, ``retry``)
        and ``reminders`` queued."""
        now = now or self.svc.timing.now()
        counts: Counter[str] = Counter()
        counts["reminders"] = self.remind(now)
        counts["sent"] += self._deliver_in_app(now)
        for _ in range(_MAX_BATCHES):
            with reading(self.store) as repo:
                ids = list(repo.s.scalars(
                    select(Notification.id).where(_due(now), Notification.channel != "app")
                    .order_by(Notification.next_try_at, Notification.id).limit(BATCH)))
            for nid in ids:
                lease = self._claim(nid, now)
                if lease is not None:
                    counts[self._send(nid, now, lease)] += 1
            if len(ids) < BATCH:
                break
        return {k: v for k, v in counts.items() if v or k == "reminders"}

    def remind(self, now: dt.datetime) -> int:
        """Queue a reminder for each confirmed ride whose pickup window starts within
        ``reminder_minutes`` of ``now`` and has not started (none for a ride booked within
        that time before its window: its confirmation says the same)."""
        ahead = dt.timedelta(minutes=self.config.reminder_minutes)
        if ahead <= dt.timedelta(0):
            return 0
        today = self.svc.timing.local(now).date()
        days = [today + dt.timedelta(days=k) for k in (-1, 0, 1)]
        told = exists().where(Notification.booking_id == Booking.id,
                              Notification.kind == "reminder")
        with reading(self.store) as repo:
            rows = repo.s.execute(
                select(Booking.id, Booking.service_date, Booking.created_at, Quote.pickup_lo_s)
                .join(Quote, Booking.quote_id == Quote.id)
                .where(Booking.status == "confirmed", Booking.service_date.in_(days), ~told)
            ).all()
        added = 0
        for bid, date, created, lo in rows:
            start = self.svc.timing.moment(date, lo)
            if not (now < start <= now + ahead) or created >= start - ahead:
                continue
            with writing(self.store) as repo:
                b = repo.booking(bid)
                q = repo.quote(b.quote_id) if b is not None else None
                if b is None or q is None or b.status != "confirmed":
                    continue  # cancelled meanwhile
                if occasions.tell(self.svc, repo, "reminder", b, q, at=now):
                    added += 1
                    log.info("reminder queued for booking %s", bid)
        return added

    def _deliver_in_app(self, now: dt.datetime) -> int:
        """In-app messages are there once stored: mark those due sent."""
        with writing(self.store) as repo:
            kinds = Counter(repo.s.scalars(
                update(Notification).where(Notification.channel == "app", _due(now))
                .values(status="sent", sent_at=now, claimed_until=None,
                        attempts=Notification.attempts + 1)
                .returning(Notification.kind)
                .execution_options(synchronize_session=False)))
        for kind, k in kinds.items():
            self.svc.metrics.notified("app", kind, "sent", k)
        n = kinds.total()
        if n:
            log.info("%d in-app message(s) delivered", n)
        return n

    def _claim(self, nid: str, now: dt.datetime) -> dt.datetime | None:
        """Take a message for sending: the lease, or None when another worker has it (or
        it is no longer due)."""
        # from the moment of the claim, not the round's start (a long round would hand out
        # leases already over); long enough for a send's timeouts on the service's clock,
        # which a training server or twin runs faster than real time
        speed = float(getattr(self.svc.timing.clock, "speed", 1.0))
        hold = max(LEASE, dt.timedelta(seconds=3 * channels.TIMEOUT_S * speed))
        lease = max(now, self.svc.timing.now()) + hold
        with writing(self.store) as repo:
            won = repo.s.execute(
                update(Notification).where(Notification.id == nid, _due(now))
                .values(status="sending", claimed_until=lease,
                        attempts=Notification.attempts + 1)
                .execution_options(synchronize_session=False))
            return lease if won.rowcount == 1 else None  # type: ignore[attr-defined]

    def _finish(self, nid: str, lease: dt.datetime, **values: Any) -> bool:
        """Record a message's outcome if this worker still holds it."""
        with writing(self.store) as repo:
            done = repo.s.execute(
                update(Notification).where(Notification.id == nid,
                                           Notification.status == "sending",
                                           Notification.claimed_until == lease)
                .values(claimed_until=None, **values)
                .execution_options(synchronize_session=False))
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def _send(self, nid: str, now: dt.datetime, lease: dt.datetime) -> str:
        """Send a claimed message; its outcome: sent, dropped, failed or retry."""
        with reading(self.store) as repo:
            n = repo.s.get(Notification, nid)
            if n is None:  # deleted meanwhile (its rider forgotten): nothing to send
                return "dropped"
            rider = repo.rider(n.rider_id)
            kind, channel, attempts = n.kind, n.channel, n.attempts
            language = (rider.language if rider else None) or n.language
            params = json.loads(n.params or "{}")
            queued = n.created_at
            email = rider.email if rider else None
            phone = rider.phone if rider else None
            chosen = channels_of(rider.channels) if rider else ()
        outcome: dict[str, Any]
        try:
            if channel not in chosen:
                raise Undeliverable("the rider no longer chose this channel", "dropped")
            subject, text = render(kind, language, params)
            if channel == "email":
                if not email:
                    raise Undeliverable("the rider has no e-mail address", "dropped")
                if not self.config.smtp_host:
                    raise Undeliverable("no SMTP server configured", "dropped")
                channels.send_email(self.config, channels.email_message(
                    self.config, to=email, subject=subject, text=text, notification_id=nid,
                    queued_at=queued))
            elif channel == "sms":
                number = channels.sms_number(phone)
                if number is None:
                    raise Undeliverable("the rider has no phone number", "dropped")
                channels.send_sms(self.config, number, text, nid)
            else:
                raise Undeliverable(f"unknown channel {channel!r}", "dropped")
            outcome = {"status": "sent", "sent_at": now, "last_error": None}
        except Undeliverable as exc:
            outcome = {"status": exc.status, "last_error": exc.reason[:200]}
        except TryLater as exc:
            outcome = self._later(attempts, now, exc.reason)
        except Exception as exc:  # a bug: kept for a later attempt, its traceback logged
            log.error("notification %s (%s, %s): sending failed", nid, kind, channel,
                      exc_info=exc)
            outcome = self._later(attempts, now, f"internal error ({type(exc).__name__})")
        status = outcome["status"]
        result = "retry" if status == "pending" else status
        if not self._finish(nid, lease, **outcome):  # the worker that took it over counts it
            log.warning("notification %s (%s, %s): %s, but another worker took it over "
                        "meanwhile", nid, kind, channel, status)
            return result
        self.svc.metrics.notified(channel, kind, result)
        if status == "pending":
            log.info("notification %s (%s, %s): attempt %d failed, next at %s: %s", nid,
                     kind, channel, attempts, outcome["next_try_at"].isoformat(),
                     outcome["last_error"])
        else:
            why = f": {outcome['last_error']}" if outcome.get("last_error") else ""
            log.info("notification %s (%s, %s) %s%s", nid, kind, channel, status, why)
        return result

    def _later(self, attempts: int, now: dt.datetime, reason: str) -> dict[str, Any]:
        if attempts >= self.config.notify_max_attempts:
            return {"status": "failed",
                    "last_error": f"gave up after {attempts} attempts: {reason}"[:200]}
        return {"status": "pending", "next_try_at": now + backoff(attempts),
                "last_error": reason[:200]}
