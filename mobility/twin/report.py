"""The twin's figures for people (a table) and for programs (one JSON line)."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table

NA = "not available"


def _v(x: Any, unit: str = "") -> str:
    if x is None:
        return NA
    if isinstance(x, dict):
        return ", ".join(f"{k} {v}" for k, v in x.items()) or "none"
    return f"{x}{unit}"


def table(f: dict[str, Any]) -> Table:
    """The day's figures, grouped: the day, riders, promises, notifications, drivers,
    live estimates, the server."""
    t = Table(title=f"Service-day twin {f['date']} {f['hours']} at {f['speed']:g}x "
                    f"({f['store'] or 'server'}, {f['wall_s']:g} s)", show_header=False)
    t.add_column(style="bold")
    t.add_column()
    rows = [
        ("requests", f"{f['requests']} wishes, {f['asked']} asked, {f['refused']} refused"
                     + (f" ({_v(f['refused_by'])})" if f["refused_by"] else "")),
        ("bookings", f"{f['bookings']} on the day: {f['booked_single']} single rides, "
                     f"{f['booked_itinerary_legs']} legs of {f['itineraries']} itineraries, "
                     f"{f['standing_booked']} of {f['standing_orders']} standing orders "
                     f"({f['standing_not_served']} not served)"),
        ("outcome", f"{f['completed']} completed, {f['cancelled']} cancelled, "
                    f"{f['no_shows']} no-shows, {f['still_confirmed']} still to come "
                    f"({f['late_at_end']} of them late, their vehicle on its way "
                    "at the day's end)"),
        ("late pickups", f"{f['late_pickups']} after their window, {f['never_picked_up']} "
                         f"never picked up; {f['late_told']} told in time"),
        ("broken promises unreported", str(f["broken_promises_unreported"])),
        ("notifications sent", _v(f["notifications_sent"])),
        ("by kind", _v(f["notifications_by_kind"])),
        ("received", f"{f['emails_received']} e-mails, {f['sms_received']} SMS "
                     f"({f['riders_with_email']} riders chose e-mail, "
                     f"{f['riders_with_sms']} SMS); missing {_v(f['deliveries_missing'])}"),
        ("duplicate notifications", _v(f["duplicate_notifications"])),
        ("drivers' events", f"{f['events_sent']} sent ({f['positions']} positions), "
                            f"{f['events_dropped']} lost a connection "
                            f"({f['events_lost_after_server']} after reaching the server), "
                            f"{f['events_resent']} re-sent, {f['events_sent_twice']} twice; "
                            f"{f['events_refused']} refused"),
        ("events applied twice", str(f["events_applied_twice"])),
        ("position → estimate", f"p95 {_v(f['eta_update_p95_s'], ' s')}, p50 "
                                f"{_v(f['eta_update_p50_s'], ' s')} ({f['eta_samples']} "
                                f"reports watched, {f['eta_timeouts']} not seen; "
                                f"{f['eta_from']})"),
        ("running late", NA if f["late_alerts"] is None else
         f"{f['late_alerts']} late alerts, {f['moved_rides']} rides moved, "
         f"{f['connection_alerts']} connections missed"),
        ("server errors (5xx)", str(f["server_errors"])),
        ("twin's lag", f"p95 {_v(f['twin_lag_p95_s'], ' s')} of server time behind its "
                       "schedule (a loop too busy for the speed)"),
    ]
    if f["not_available"]:
        rows.append((NA, ", ".join(f["not_available"])))
    for k, v in rows:
        t.add_row(k, v)
    return t


def json_line(f: dict[str, Any]) -> str:
    return json.dumps(f, separators=(",", ":"), ensure_ascii=False)
