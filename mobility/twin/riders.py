"""Simulated riders: each wish of the day's demand becomes a rider who signs up (or whom the
dispatcher creates when sign-up is closed), chooses how to be told (in the app, by e-mail,
by SMS), and at the wish's moment of asking quotes and books a ride — or plans a journey
onwards by bus through ``/plan`` and books its on-demand legs — and sometimes cancels it
later. Standing orders are made at the start by the dispatcher for riders who phone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from dispatch.demand import Trip
from mobility.twin.api import Reply
from mobility.twin.context import Booked, Context
from mobility.twin.demand import Places

#: a rider asks this long (server minutes, uniform) before the pickup they wish for
LEAD_MIN = (15.0, 45.0)
#: the earliest pickup worth asking for, after the moment of asking (server seconds)
MIN_NOTICE_S = 600.0
DAY_S = 24 * 3600.0


@dataclass(frozen=True)
class Rider:
    """A rider of the twin: their id and key (None: the dispatcher books for them)."""

    id: str
    key: str | None

    @property
    def booker(self) -> dict[str, str]:
        """What a quote or booking adds for a rider booked by the dispatcher."""
        return {} if self.key else {"riderId": self.id}


async def new_rider(ctx: Context, rng: np.random.Generator) -> Rider | None:
    """A rider signing up (or created by the dispatcher when sign-up is closed), with the
    channels they chose; None when neither works."""
    n = ctx.next_rider()
    person = {"name": f"Twin Rider {n}", "phone": f"+1 802 555 {n % 10_000:04d}"}
    r = await ctx.api.post("/api/v1/accounts", None, person)
    if r.ok:
        rider = Rider(r.body["riderId"], r.body["key"])
    elif ctx.staff_key:
        s = await ctx.api.post("/api/v1/riders", ctx.staff_key, person)
        if not s.ok:
            return None
        rider = Rider(s.body["id"], None)
    else:
        return None
    ctx.riders.riders += 1
    ctx.rider_keys[rider.id] = rider.key
    await _choose_channels(ctx, rider, n, person["phone"], rng)
    return rider


async def _choose_channels(ctx: Context, rider: Rider, n: int, phone: str,
                           rng: np.random.Generator) -> None:
    """Some riders want e-mail, some SMS, some both (the app always)."""
    if "channels" in ctx.missing or rng.random() >= ctx.opts.channel_share:
        return
    u = rng.random()
    channels = ["app", *(["email"] if u < 2 / 3 else []), *(["sms"] if u >= 1 / 3 else [])]
    email = f"rider{n}@twin.mobility.test"
    body = {"email": email, "language": "de" if n % 5 == 0 else "en", "channels": channels}
    r = await (ctx.api.put("/api/v1/accounts/me/notifications", rider.key, body) if rider.key
               else ctx.api.put(f"/api/v1/riders/{rider.id}/notifications", ctx.staff_key,
                                body))
    if r.ok:
        ctx.riders.with_email += "email" in channels
        ctx.riders.with_sms += "sms" in channels
        ctx.contacts[rider.id] = (email if "email" in channels else None,
                                  "".join(c for c in phone if c.isdigit())
                                  if "sms" in channels else None)


def asking_time(booked_at: float, time: float, start_s: float, first_s: float) -> float:
    """When a rider who books ahead asks, in seconds of the twin's day (``start_s``: when
    the twin started, ``first_s``: its first hour).

    Those who booked before the twin started (up to a day ahead) ask between its start and
    its first hour, in the order and at the pace of their day of booking compressed into
    that time: a service sees such bookings spread over the day before, never all in one
    moment. Each still asks at least the notice (and a minute) before its pickup.
    """
    if booked_at >= start_s:
        return booked_at
    span = max(0.0, first_s - start_s)
    frac = min(1.0, max(0.0, (booked_at - (start_s - DAY_S)) / DAY_S))
    return max(start_s, min(start_s + frac * span, time - MIN_NOTICE_S - 60.0))


async def ride(ctx: Context, trip: Trip, places: Places) -> None:
    """One wish: wait for its moment of asking, then book it (quote, or a planned
    journey's legs), perhaps cancel it later."""
    rng = ctx.rng()
    start = ctx.clock.now()
    wish = ctx.moment(trip.time)
    if trip.booked_at < trip.time:
        start_s = (start - ctx.moment(0.0)).total_seconds()
        ask = ctx.moment(asking_time(trip.booked_at, trip.time, start_s, ctx.opts.hours[0]))
    else:
        ask = wish - dt.timedelta(minutes=float(rng.uniform(*LEAD_MIN)))
    ask = max(ask, start)
    if wish < ask + dt.timedelta(seconds=MIN_NOTICE_S):
        ctx.riders.too_late += 1
        return
    await ctx.clock.sleep_until(ask)
    rider = await new_rider(ctx, rng)
    if rider is None:
        ctx.riders.refused["no-rider"] += 1
        return
    ctx.riders.asked += 1
    wish = max(wish, ctx.clock.now() + dt.timedelta(seconds=MIN_NOTICE_S))
    ids: list[str] = []
    if len(places.beyond) and rng.random() < ctx.opts.plan_share:
        ids = await _journey(ctx, rider, trip, wish, places, rng)
    if not ids:
        ids = await _quote_and_book(ctx, rider, trip, wish)
    if ids and rng.random() < ctx.opts.cancel_share:
        await _cancel_later(ctx, rider, ids, rng)


async def _quote_and_book(ctx: Context, rider: Rider, trip: Trip, wish: dt.datetime
                          ) -> list[str]:
    key = rider.key or ctx.staff_key
    q = await ctx.api.post("/api/v1/quotes", key, {
        "origin": _ll(trip.origin), "destination": _ll(trip.destination),
        "time": wish.isoformat(timespec="seconds"), "timeType": "departure",
        "passengers": trip.passengers, "wheelchair": trip.wheelchair, **rider.booker})
    ctx.riders.quotes += 1
    ctx.quote_times.append((ctx.clock.now(), q.wall_s))
    if not q.ok:
        ctx.riders.refused[_code(q)] += 1
        return []
    # as a rider's app would: a retry after a lost answer (on whichever process) must not
    # book the ride twice
    b = await ctx.api.post("/api/v1/bookings", key, {"quoteId": q.body["id"]},
                           idempotency_key=f"twin:{rider.id}:quote")
    if not b.ok:
        ctx.riders.refused[_code(b)] += 1
        return []
    ctx.bookings[b.body["id"]] = Booked(rider.id, rider.key, "quote")
    return [b.body["id"]]


async def _journey(ctx: Context, rider: Rider, trip: Trip, wish: dt.datetime, places: Places,
                   rng: np.random.Generator) -> list[str]:
    """Plan from the trip's start to a stop beyond the area; book the first itinerary
    whose on-demand legs are all bookable, as the plan gives them, and whose ride starts
    within the twin's hours (rural buses are few: the ride may be hours after the wish)."""
    to = places.beyond[rng.integers(len(places.beyond))]
    p = await ctx.api.get("/api/v1/plan", rider.key or ctx.staff_key,
                          **{"from": f"{trip.origin[0]:.6f},{trip.origin[1]:.6f}",
                             "to": f"{to[0]:.6f},{to[1]:.6f}",
                             "time": wish.isoformat(timespec="seconds")})
    ctx.riders.planned += 1
    if not p.ok:
        return []
    latest_ms = ctx.moment(ctx.opts.hours[1]).timestamp() * 1000
    for it in p.body.get("itineraries", []):
        rides = [leg for leg in it.get("legs", []) if leg.get("mode") == "ON_DEMAND"]
        if not rides or not all((leg.get("bookingInfo") or {}).get("bookable")
                                for leg in rides):
            continue
        if rides[0]["bookingInfo"]["pickupWindow"]["start"] > latest_ms:
            continue  # after the twin's day
        legs = [{k: leg["bookingInfo"][k] for k in ("origin", "destination", "pickupWindow",
                                                   "dropOffWindow")} for leg in rides]
        b = await ctx.api.post("/api/v1/bookings", rider.key or ctx.staff_key,
                               {"itinerary": legs, **rider.booker},
                               idempotency_key=f"twin:{rider.id}:journey")
        if not b.ok:
            ctx.riders.refused[_code(b)] += 1
            return []
        ctx.riders.itineraries += 1
        ids = [x["id"] for x in b.body["bookings"]]
        for i in ids:
            ctx.bookings[i] = Booked(rider.id, rider.key, "itinerary")
        return ids
    return []


async def _cancel_later(ctx: Context, rider: Rider, ids: list[str],
                        rng: np.random.Generator) -> None:
    """Cancel between now and ten minutes before the pickup window."""
    r = await ctx.api.get(f"/api/v1/bookings/{ids[0]}", rider.key or ctx.staff_key)
    if not r.ok:
        return
    start = dt.datetime.fromisoformat(r.body["pickupWindow"]["start"])
    latest = start - dt.timedelta(minutes=10)
    now = ctx.clock.now()
    if latest <= now:
        return
    await ctx.clock.sleep_until(now + (latest - now) * float(rng.uniform(0.2, 1.0)))
    for i in ids:
        c = await ctx.api.delete(f"/api/v1/bookings/{i}", rider.key or ctx.staff_key)
        ctx.riders.cancelled += c.ok


async def standing_orders(ctx: Context, places: Places, n: int, hours: tuple[float, float]
                          ) -> None:
    """``n`` standing orders made by the dispatcher for riders who phoned: on the twin's
    weekday, from its date for two weeks, at times spread over the day's hours (from an hour
    after now), between a home and a hub."""
    if n <= 0 or not ctx.staff_key or "standing" in ctx.missing:
        return
    rng = ctx.rng()
    now_s = (ctx.clock.now() - ctx.moment(0)).total_seconds()
    lo = max(hours[0], now_s + 3600.0)
    if lo >= hours[1]:
        return
    for k in range(n):
        rider = await new_rider(ctx, rng)
        if rider is None:
            continue
        home = places.homes[rng.choice(len(places.homes),
                                       p=places.home_weights / places.home_weights.sum())]
        hub = places.hubs[rng.choice(len(places.hubs),
                                     p=places.hub_weights / places.hub_weights.sum())]
        at = lo + (hours[1] - lo) * (k + float(rng.random())) / n
        out = bool(at < 13 * 3600)
        o, d = (home, hub) if out else (hub, home)
        hhmm = f"{int(at // 3600):02d}:{int(at % 3600 // 60):02d}"
        r = await ctx.api.post("/api/v1/standing-orders", ctx.staff_key, {
            "riderId": rider.id, "origin": _ll(o), "destination": _ll(d),
            "weekdays": [ctx.date.isoweekday()], "time": hhmm, "timeType": "departure",
            "firstDate": ctx.date.isoformat(),
            "lastDate": (ctx.date + dt.timedelta(days=13)).isoformat(),
            "passengers": 1, "wheelchair": False})
        if not r.ok:
            ctx.riders.refused[f"standing:{_code(r)}"] += 1
            continue
        ctx.orders.append(r.body["id"])
        ctx.riders.standing_orders += 1


def _ll(p: Any) -> dict[str, float]:
    return {"lat": round(float(p[0]), 6), "lon": round(float(p[1]), 6)}


def _code(r: Reply) -> str:
    """A refusal's problem code (its type's last part), else the status."""
    t = r.get("type") or ""
    return t.rsplit("/", 1)[-1] if t else str(r.status)
