"""The vehicle positions feed: each vehicle on duty now (inside one of today's windows:
its shift, or the availability its company entered) that has reported where it is today,
at its last reported position and the time of that report, with its current trip — the
ride of the next stop in its plan (the ride on board it drops off next, or the next
pickup) — under the same trip id as in the trip updates feed, and that stop as
``stop_id`` (the zone) and ``current_stop_sequence`` (1: the pickup, 2: the drop-off). No
bearing or speed: drivers' apps do not report them, and the GTFS-Realtime reference asks
not to derive a bearing from earlier positions."""

from __future__ import annotations

import datetime as dt

from google.transit import gtfs_realtime_pb2 as rt

from api.gtfs_rt import feed
from api.gtfs_rt.ids import TripIds
from api.gtfs_rt.trip_updates import describe
from api.service.availability import fleet_windows
from api.service.context import Context
from api.store.repository import ACTIVE, reading
from dispatch.feed_ids import area_id


def build(svc: Context, ids: TripIds) -> rt.FeedMessage:
    t = svc.timing
    now = t.now()
    today = t.today()
    now_s = t.seconds_on(today, now)
    with reading(svc.store) as repo:
        vehicles = repo.vehicles()
        wins = fleet_windows(repo, vehicles, today, svc.holiday)
        states = repo.vehicle_states(today)
        stops = repo.plan_stops(today)
        rides = {b.id: (b, q) for b, q in repo.rides({s.request for s in stops})
                 if b.status in ACTIVE}
    nxt: dict[str, tuple[str, str]] = {}  # vehicle -> (booking, kind) of its next stop
    for s in stops:  # in order of each vehicle's plan
        if s.vehicle not in nxt and s.request in rides:
            nxt[s.vehicle] = (s.request, s.kind)
    moments: list[dt.datetime | None] = []
    out = []
    for v in vehicles:
        st = states.get(v.id)
        if st is None or st.reported_at is None:
            continue  # not seen today
        for edge in (e for w in wins[v.id] for e in w):  # going on or off duty changes it
            moments.append(t.moment(today, edge).astimezone(dt.UTC))
        if not any(lo <= now_s < hi for lo, hi in wins[v.id]):
            continue
        moments += [st.reported_at, st.updated_at]
        e = rt.FeedEntity(id=f"vehicle-{v.id}")
        vp = e.vehicle
        vp.vehicle.id = vp.vehicle.label = v.id
        vp.position.latitude, vp.position.longitude = st.lat, st.lon
        vp.timestamp = feed.seconds(st.reported_at)
        if v.id in nxt:
            bid, kind = nxt[v.id]
            b, q = rides[bid]
            describe(vp.trip, ids.trip_id(b.id), b.area, b.service_date, q.pickup_lo_s)
            vp.stop_id = area_id(b.area)
            vp.current_stop_sequence = 1 if kind == "pickup" else 2
            vp.current_status = rt.VehiclePosition.IN_TRANSIT_TO
            moments.append(b.updated_at)
        out.append(e)
    msg = feed.message(feed.as_of(t, moments))
    msg.entity.extend(out)
    return msg
