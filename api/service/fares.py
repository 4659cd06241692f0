"""Fares in quotes and bookings: a quote prices the ride under its area's fare rule
(:mod:`dispatch.fares`) and stores the price with its terms; a booking keeps that price even if
the rules change later; a rider's cancellation after the quoted deadline records the fee."""

from __future__ import annotations

import json
from typing import Any

from api.service.context import Context
from api.store.models import Booking, Quote
from dispatch.fares import FareClasses, FareRule, cancel_fee, fare, zones_crossed
from dispatch.model import Point
from dispatch.service_area import ServiceArea


def priced(svc: Context, area: ServiceArea, origin: Point, destination: Point,
           passengers: int, classes: FareClasses | None) -> dict[str, Any]:
    """The quote's fare columns (all None when the area has no fare rule): the price, its
    currency, and as JSON the lines, the figures it was made from and the cancellation
    terms quoted."""
    rule = area.fare
    if rule is None:
        return {"fare_cents": None, "fare_currency": None, "fare_detail": None}
    # the direct ride's street distance: the fastest route's length, as the dispatcher plans
    distance = float(svc.travel.matrix([origin], [destination])[1][0, 0])
    zones = zones_crossed(rule.zones, origin, destination) if rule.kind == "zone" else 0
    f = fare(rule, distance, zones, passengers, classes or FareClasses())
    detail = {**f.detail(), "rule": rule.kind, "distance_m": round(distance),
              "zones": zones or None, "cancel_fee_cents": rule.cancel_fee or None,
              "cancel_deadline_min": rule.cancel_deadline_min}
    return {"fare_cents": f.cents, "fare_currency": f.currency,
            "fare_detail": json.dumps(detail, separators=(",", ":"))}


def copy_to(q: Quote, b: Booking) -> None:
    """The booking keeps the price its quote offered."""
    b.fare_cents, b.fare_currency, b.fare_detail = q.fare_cents, q.fare_currency, q.fare_detail


def late_fee(svc: Context, b: Booking, q: Quote) -> int | None:
    """The fee for cancelling ``b`` now under the terms quoted (None: no fee is due)."""
    if not b.fare_detail:
        return None
    terms = json.loads(b.fare_detail)
    fee, deadline = terms.get("cancel_fee_cents"), terms.get("cancel_deadline_min")
    if not fee or deadline is None:
        return None
    start = svc.timing.moment(q.service_date, q.pickup_lo_s)
    minutes = (start - svc.timing.now()).total_seconds() / 60
    # the quoted terms as a rule: one reading of the deadline
    due = cancel_fee(FareRule("flat", b.fare_currency or "", cancel_fee=int(fee),
                              cancel_deadline_min=float(deadline)), minutes)
    return due or None
