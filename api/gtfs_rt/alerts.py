"""The alerts feed: the dispatcher's service alerts (:mod:`api.service.service_alerts`) not
over yet — those still to come too, with their active period — each informing its area's
route (``route_id`` and ``agency_id`` of the static feed): a closure as ``NO_SERVICE``
(severity ``SEVERE``), reduced service as ``REDUCED_SERVICE`` (``WARNING``), the header
and description in every language the dispatcher gave. An alert leaves the feed when its
period ends or a dispatcher ends it."""

from __future__ import annotations

import datetime as dt

from google.transit import gtfs_realtime_pb2 as rt
from sqlalchemy import or_, select

from api.gtfs_rt import feed
from api.service.context import Context
from api.service.service_alerts import CAUSES, effective_end, lasting, texts_of
from api.store.models import ServiceAlert
from api.store.repository import reading
from dispatch.feed_ids import AGENCY_ID, route_id

EFFECT = {"closure": rt.Alert.NO_SERVICE, "reduced": rt.Alert.REDUCED_SERVICE}
SEVERITY = {"closure": rt.Alert.SEVERE, "reduced": rt.Alert.WARNING}
CAUSE = {c: rt.Alert.Cause.Value("OTHER_CAUSE" if c == "other" else c.upper())
         for c in CAUSES}


def build(svc: Context) -> rt.FeedMessage:
    t = svc.timing
    now = t.now()
    midnight = t.moment(t.today(), 0.0).astimezone(dt.UTC)
    with reading(svc.store) as repo:
        rows = lasting(repo, now)
        # what changed the feed since midnight: alerts entered, ended or run out
        changed = list(repo.s.execute(select(ServiceAlert).where(or_(
            ServiceAlert.created_at >= midnight, ServiceAlert.ended_at >= midnight,
            ServiceAlert.end_at >= midnight))).scalars())
    moments = [m for a in changed for m in (a.created_at, a.ended_at, a.end_at)]
    msg = feed.message(feed.as_of(t, moments))
    for a in sorted(rows, key=lambda a: (a.start_at, a.id)):
        e = msg.entity.add(id=a.id)
        al = e.alert
        period = al.active_period.add(start=feed.seconds(a.start_at))
        end = effective_end(a)
        if end is not None:
            period.end = feed.seconds(end)
        al.informed_entity.add(agency_id=AGENCY_ID, route_id=route_id(a.area))
        al.cause = CAUSE.get(a.cause or "", rt.Alert.UNKNOWN_CAUSE)
        al.effect = EFFECT[a.effect]
        al.severity_level = SEVERITY[a.effect]
        for text in texts_of(a):
            al.header_text.translation.add(text=text.header, language=text.language)
            if text.description:
                al.description_text.translation.add(text=text.description,
                                                    language=text.language)
    return msg
