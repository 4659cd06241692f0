"""What the twin reads from the server during and after the day — its alerts while they
last, then the day's bookings, the outbox (or the riders' in-app messages) and the standing
orders' occurrences — and the figures the checks make of it."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from typing import Any

from mobility.twin import checks
from mobility.twin.api import when
from mobility.twin.checks import Broken, Delivery, Ride, Stored, Told
from mobility.twin.context import Context
from mobility.twin.sinks import Sinks

#: the alerts are read this often (server seconds)
ALERTS_EVERY_S = 120.0
#: bookings read per page at the end of the day (the API's largest page)
PAGE = 1000


class Watch:
    """Reads the dispatcher's alerts through the day: each (kind, booking) seen, with the
    action taken (moved, told, none)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.alerts: dict[tuple[str, str], str] = {}

    async def run(self) -> None:
        if "alerts" in self.ctx.missing:
            return
        while True:
            await self.read()
            await self.ctx.clock.sleep(ALERTS_EVERY_S)

    async def read(self) -> None:
        r = await self.ctx.api.get("/api/v1/alerts", self.ctx.staff_key,
                                   date=self.ctx.date.isoformat())
        if not r.ok:
            return
        for a in r.body.get("alerts", []):
            k = (str(a.get("kind")), str(a.get("bookingId")))
            # an action once taken stays the alert's action
            if self.alerts.get(k, "none") == "none":
                self.alerts[k] = str(a.get("action") or "none")


def _rows(body: Any, *names: str) -> list[dict[str, Any]]:
    """The list of rows in an answer (``{"notifications": [...]}`` and the like)."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for n in names:
            if isinstance(body.get(n), list):
                return list(body[n])
    return []


def told_of(row: dict[str, Any], channel: str | None = None) -> Told | None:
    """A message as the outbox (or a rider's in-app list) shows it."""
    at = when(row.get("createdAt") or row.get("created") or row.get("at"))
    if at is None or not row.get("kind"):
        return None
    return Told(str(row.get("id")), str(row["kind"]), row.get("bookingId"),
                str(channel or row.get("channel") or "app"), at,
                row.get("dedupe") or row.get("occasion"), row.get("status"))


async def _outbox(ctx: Context, status: str | None = None
                  ) -> tuple[dict[str, int], list[dict[str, Any]]] | None:
    """The outbox's counts by status and its newest rows (at most 500)."""
    if "outbox" in ctx.missing:
        return None
    params: dict[str, Any] = {"limit": 500, **({"status": status} if status else {})}
    r = await ctx.api.get("/api/v1/notifications/outbox", ctx.staff_key, **params)
    if not r.ok:
        return None
    return dict(r.get("counts") or {}), _rows(r.body, "notifications")


async def settle(ctx: Context, wall_s: float) -> None:
    """Wait until the outbox holds nothing to send (or ``wall_s``)."""
    deadline = time.monotonic() + wall_s
    while time.monotonic() < deadline:
        box = await _outbox(ctx)
        if box is None:
            await asyncio.sleep(min(3.0, wall_s))
            return
        if not box[0].get("pending") and not box[0].get("sending"):
            return
        await asyncio.sleep(0.5)


async def inbox(ctx: Context) -> dict[str, list[Told]]:
    """Every rider's in-app messages (which every occasion reaches), by rider: read with
    their own key, or by the dispatcher for riders it created."""
    if "inbox" in ctx.missing:
        return {}
    out: dict[str, list[Told]] = {}
    for rider_id, key in ctx.rider_keys.items():
        r = await (ctx.api.get("/api/v1/notifications", key, limit=200) if key else
                   ctx.api.get("/api/v1/notifications", ctx.staff_key, riderId=rider_id,
                               limit=200))
        rows = _rows(r.body, "notifications") if r.ok else []
        out[rider_id] = [t for t in (told_of(row, "app") for row in rows) if t is not None]
    return out


async def _standing(ctx: Context) -> tuple[int, int, set[str]]:
    """The standing orders' occurrences on the twin's day: booked, not served, and the
    bookings made for them."""
    booked = not_served = 0
    ids: set[str] = set()
    for oid in ctx.orders:
        r = await ctx.api.get(f"/api/v1/standing-orders/{oid}", ctx.staff_key)
        for occ in _rows(r.body, "occurrences") if r.ok else []:
            if str(occ.get("date")) != ctx.date.isoformat():
                continue
            if occ.get("bookingId"):
                booked += 1
                ids.add(str(occ["bookingId"]))
            elif occ.get("status") == "not_served":
                not_served += 1
    return booked, not_served, ids


def missing_deliveries(ctx: Context, told: dict[str, list[Told]],
                       received: list[Delivery]) -> int:
    """Messages a rider should have got by e-mail or SMS (one per in-app message, every
    occasion going to each channel they chose) but did not."""
    got = Counter((d.channel, d.to) for d in set(received))
    short = 0
    for rider_id, (email, phone) in ctx.contacts.items():
        n = len(told.get(rider_id, []))
        for channel, to in (("email", email), ("sms", phone)):
            if to is not None:
                short += max(0, n - got[(channel, to.lower())])
    return short


async def day_bookings(ctx: Context) -> list[dict[str, Any]] | None:
    """Every booking of the twin's day, page by page (None: the server refused)."""
    rows: list[dict[str, Any]] = []
    while True:
        r = await ctx.api.get("/api/v1/bookings", ctx.staff_key, date=ctx.date.isoformat(),
                              limit=PAGE, offset=len(rows))
        if not r.ok:
            return rows or None
        page = _rows(r.body, "bookings")
        rows += page
        if len(page) < PAGE:
            return rows


def stored(rows: list[dict[str, Any]]) -> list[Stored]:
    """The bookings' rows as the store checks read them."""
    out = []
    for b in rows:
        w = b.get("pickupWindow") or {}
        start, end = when(w.get("start")), when(w.get("end"))
        o, d = b.get("origin") or {}, b.get("destination") or {}
        if start is None or end is None:
            continue
        out.append(Stored(
            str(b["id"]), b.get("riderId"), str(b.get("status")), start, end,
            b.get("vehicleId"), int(b.get("passengers") or 1), bool(b.get("wheelchair")),
            (float(o.get("lat", 0)), float(o.get("lon", 0)), float(d.get("lat", 0)),
             float(d.get("lon", 0))),
            tuple((h["status"], dt.datetime.fromisoformat(h["at"]))
                  for h in b.get("history", [])),
            when(b.get("estimatedPickup"))))
    return out


def _rides(ctx: Context, rows: list[dict[str, Any]]) -> list[Ride]:
    out = []
    for b in rows:
        w = b.get("pickupWindow") or {}
        start, end = when(w.get("start")), when(w.get("end"))
        if start is None or end is None:
            continue
        history = tuple((h["status"], dt.datetime.fromisoformat(h["at"]))
                        for h in b.get("history", []))
        picked = None
        if b.get("status") in ("on_board", "completed"):
            # the driver's own time of the pickup; else when the server heard of it
            picked = ctx.drivers.pickups.get(b["id"]) or next(
                (at for s, at in history if s == "on_board"), None)
        out.append(Ride(b["id"], b["status"], start, end, picked, history))
    return out


async def collect(ctx: Context, watch: Watch, *, trips: int, sinks: Sinks | None,
                  wall_s: float, end: dt.datetime,
                  capacity: dict[str, tuple[int, int]] | None = None,
                  rss: tuple[dict[int, int], dict[int, int]] | None = None
                  ) -> tuple[dict[str, Any], list[Broken]]:
    """The day's figures (the final JSON line's fields) and its broken promises (a ride
    never picked up counts when its window ended before the drivers' hard ``end``);
    ``capacity``: each vehicle's seats and wheelchair places; ``rss``: the API processes'
    resident memory (bytes by process id) an hour after the start and at the end."""
    api, o = ctx.api, ctx.opts
    await watch.read()
    await settle(ctx, o.settle_wall_s)
    await asyncio.sleep(0.5)  # the last messages reach the receivers
    day_over = min(ctx.clock.now(), end)
    listed = await day_bookings(ctx)
    rows = listed or []
    rides = _rides(ctx, rows)
    held = stored(rows)
    gone = (checks.lost(list(ctx.bookings), held, day_over=day_over) if listed is not None
            else None)
    coming = checks.late_at_end(held, day_over=day_over)
    twice = checks.doubled(held)
    over = checks.overbooked(held, capacity) if capacity is not None else None
    quotes = [w for _, w in ctx.quote_times]
    by_hour = checks.hourly(ctx.quote_times)
    told = await inbox(ctx)
    every = [t for ts in told.values() for t in ts]
    box = await _outbox(ctx)
    broken = checks.broken_promises(rides, every, tolerance_s=o.tolerance_s, day_over=day_over)
    received: list[Delivery] = sinks.received() if sinks is not None else []
    notifying = "inbox" not in ctx.missing
    standing_booked, standing_not_served, standing_ids = await _standing(ctx)
    status = Counter(b["status"] for b in rows)
    counts = box[0] if box is not None else {}
    # the outbox's e-mail and SMS rows (its app rows are the in-app messages)
    outside = [t for t in (told_of(r) for r in box[1]) if t is not None and t.channel != "app"
               ] if box is not None else []
    missing = sorted((ctx.missing - {"estimate"})
                     | ({"email"} if sinks is not None and not sinks.mail_on else set()))
    alerts = "alerts" not in ctx.missing
    eta = ctx.eta_s
    f: dict[str, Any] = {
        "store": o.store, "speed": ctx.clock.speed, "date": ctx.date.isoformat(),
        "hours": f"{_hhmm(o.hours[0])}-{_hhmm(o.hours[1])}", "wall_s": round(wall_s, 1),
        "began": (_hhmm((ctx.began - ctx.moment(0)).total_seconds())
                  if ctx.began is not None else None),
        "requests": trips, "asked": ctx.riders.asked, "too_late_to_ask": ctx.riders.too_late,
        "refused": sum(ctx.riders.refused.values()),
        "refused_by": dict(ctx.riders.refused.most_common()),
        "bookings": len(rows),
        "booked_single": sum(b.source == "quote" for b in ctx.bookings.values()),
        "booked_itinerary_legs": sum(b.source == "itinerary" for b in ctx.bookings.values()),
        "itineraries": ctx.riders.itineraries, "standing_orders": ctx.riders.standing_orders,
        "standing_booked": standing_booked, "standing_not_served": standing_not_served,
        "standing_in_bookings": len(standing_ids & {b["id"] for b in rows}),
        "cancelled": status["cancelled"], "no_shows": status["no_show"],
        "completed": status["completed"],
        "picked_up": sum(r.picked_up_at is not None for r in rides),
        "still_confirmed": status["confirmed"],
        "late_pickups": sum(b.late_s is not None for b in broken),
        "never_picked_up": sum(b.late_s is None for b in broken),
        "late_told": sum(b.told for b in broken),
        "broken_promises_unreported": sum(not b.told for b in broken),
        # which (booking, seconds after the window's end; None: never picked up)
        "unreported": [[b.booking_id, b.late_s] for b in broken if not b.told],
        "notifications_sent": (counts.get("sent", 0) if box is not None else
                               len(every) + len(received)) if notifying else None,
        "notifications_by_status": counts or None,
        "notifications_by_kind": dict(Counter(t.kind for t in every)) if notifying else None,
        "in_app": len(every) if notifying else None,
        "emails_received": sum(d.channel == "email" for d in received),
        "sms_received": sum(d.channel == "sms" for d in received),
        "duplicate_notifications": (checks.duplicate_outbox(every)
                                    + checks.duplicate_outbox(outside)
                                    + checks.duplicate_deliveries(received)
                                    if notifying else None),
        # which: [where, key…, times] (the in-app list, the outbox, the receivers)
        "duplicates": ([["in_app", *k, n] for k, n in checks.outbox_repeats(every).items()]
                       + [["outbox", *k, n] for k, n in checks.outbox_repeats(outside).items()]
                       + [["received", k[0], k[2][:60], n]
                          for k, n in checks.delivery_repeats(received).items()]
                       if notifying else None),
        "deliveries_missing": (missing_deliveries(ctx, told, received)
                               if notifying and sinks is not None else None),
        "riders": ctx.riders.riders, "riders_with_email": ctx.riders.with_email,
        "riders_with_sms": ctx.riders.with_sms,
        "events_sent": ctx.devices.sent, "events_dropped": ctx.devices.dropped,
        "events_lost_after_server": ctx.devices.lost_after_server,
        "events_resent": ctx.devices.resent, "events_sent_twice": ctx.devices.twice,
        "events_applied_twice": (checks.applied_twice(ctx.devices.answers)
                                 + len(checks.history_repeats(rides))),
        "events_refused": len(ctx.devices.refused),
        "events_refused_by": dict(Counter(ctx.devices.refused).most_common()),
        "positions": ctx.drivers.positions, "legs": ctx.drivers.legs,
        "late_legs": ctx.drivers.late_legs,
        # the next stop left the manifest on the way there, or while its driver waited
        "moved_away": ctx.drivers.moved_away,
        "gone_while_waiting": ctx.drivers.gone_while_waiting,
        "eta_update_p95_s": _round(checks.percentile(eta, 95)),
        "eta_update_p50_s": _round(checks.percentile(eta, 50)),
        "eta_samples": len(eta), "eta_timeouts": ctx.eta_timeouts,
        "eta_from": "estimatedPickup" if "estimate" in ctx.missing else "live.reportedAt",
        "late_alerts": sum(k == "late" for k, _ in watch.alerts) if alerts else None,
        "connection_alerts": (sum(k == "connection_missed" for k, _ in watch.alerts)
                              if alerts else None),
        "moved_rides": sum(a == "moved" for a in watch.alerts.values()) if alerts else None,
        "twin_lag_p95_s": _round(checks.percentile(ctx.clock.lags, 95)),
        # the store at district size (None: it could not be read)
        "lost": None if gone is None else len(gone), "lost_ids": (gone or [])[:20],
        # confirmed, window over, its vehicle (running late) still on its way at the end
        "late_at_end": len(coming), "late_at_end_ids": coming[:20],
        "doubled": sum(len(g) - 1 for g in twice), "doubled_ids": twice[:20],
        "overbooked": None if over is None else len(over),
        "overbooked_at": [[x.vehicle_id, x.at.isoformat(), x.seats, x.wheelchairs]
                          for x in (over or [])][:20],
        "quotes": len(quotes),
        "quote_p50_ms": _ms(checks.percentile(quotes, 50)),
        "quote_p95_ms": _ms(checks.percentile(quotes, 95)),
        "quote_p95_ms_worst_hour": max((h["p95_ms"] for h in by_hour.values()),
                                       default=None),
        "quote_by_hour": by_hour,
        "processes": len(api.urls),
        "calls_by_process": [api.tally.by_process[k] for k in range(len(api.urls))],
        "rss_hour_mb": _mb(rss[0]) if rss else None,
        "rss_end_mb": _mb(rss[1]) if rss else None,
        "rss_growth_pct": checks.rss_growth_pct(*rss) if rss else None,
        "server_errors": len(api.tally.server_errors),
        "not_available": missing,
    }
    return f, broken


def _hhmm(s: float) -> str:
    return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}"


def _ms(x: float | None) -> float | None:
    return None if x is None else round(x * 1000.0, 1)


def _mb(by_pid: dict[int, int]) -> list[float]:
    return [round(v / 2**20, 1) for _, v in sorted(by_pid.items())]


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)
