"""The words of the messages to riders (:mod:`api.service.outbox`), in English and German:
short enough for a text message, times as HH:MM in the region's zone (the parameters carry
their offset), dates as each language writes them, places by name.

A message is rendered when it is sent (and when the web app lists it), from the parameters
stored with it, so a template can be mended after a message was queued. A parameter that is
missing or unreadable shows as "?" rather than stopping the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from api.service.outbox import KINDS

_UNKNOWN = "?"
_WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
             "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: why a standing order's date cannot be served, in German, by the reason's code (the
#: English reason is plain words already); an unknown code leaves the reason out
_REASONS_DE = {
    "no-vehicle-available": "es ist kein Fahrzeug frei",
    "no-vehicle-in-time": "es ist kein Fahrzeug frei",
    "no-offer": "es ist kein Fahrzeug frei",
    "quote-stale": "es ist kein Fahrzeug frei",
    "no-capacity": "kein Fahrzeug hat genug Plätze frei",
    "capacity": "kein Fahrzeug hat genug Plätze frei",
    "outside-service-hours": "zu dieser Zeit fährt kein Fahrzeug",
    "outside-shift": "zu dieser Zeit fährt kein Fahrzeug",
    "ride-time-limit": "die Strecke ist für eine Fahrt zu lang",
    "booking-notice": "die Buchung kam zu kurzfristig",
    "holiday": "an diesem Tag ist Feiertag",
    "too-many-bookings": "Sie haben schon so viele Fahrten gebucht wie möglich",
    "overlapping-booking": "zu dieser Zeit haben Sie schon eine Fahrt gebucht",
    "outside-service-area": "der Ort liegt außerhalb des Bediengebiets"}


def _moment(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _day(value: Any) -> dt.date | None:
    """A date from ISO text (a date, or a moment: its local date)."""
    m = _moment(value)
    if m is not None:
        return m.date()
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


class _Words:
    """Formats a message's parameters in one language."""

    def __init__(self, language: str, params: Mapping[str, Any]) -> None:
        self.lang, self.p = language, params

    def time(self, key: str) -> str:
        """HH:MM of a moment, at the offset it was stored with (the region's)."""
        m = _moment(self.p.get(key))
        return f"{m:%H:%M}" if m is not None else _UNKNOWN

    def date(self, key: str) -> str:
        """"Wed 25 Nov" / "Mi., 25.11."."""
        d = _day(self.p.get(key))
        if d is None:
            return _UNKNOWN
        wd = _WEEKDAYS[self.lang][d.weekday()]
        if self.lang == "de":
            return f"{wd}, {d.day}.{d.month}."
        return f"{wd} {d.day} {_MONTHS[d.month - 1]}"

    def text(self, key: str) -> str:
        v = self.p.get(key)
        return " ".join(str(v).split()) if v not in (None, "") else _UNKNOWN


def _line(w: _Words, toward: str, stop: str) -> str:
    """The next connection's line (``toward``: how the language says its headsign) and
    stop, as far as they are known ("" without), each followed by a space."""
    out = ""
    if w.p.get("nextRoute"):
        out += w.text("nextRoute") + " "
        if w.p.get("nextHeadsign"):
            out += toward.format(headsign=w.text("nextHeadsign"))
    if w.p.get("nextStop"):
        out += stop.format(stop=w.text("nextStop"))
    return out


def _en(kind: str, w: _Words) -> tuple[str, str]:
    start, end, day = w.time("pickupStart"), w.time("pickupEnd"), w.date("pickupStart")
    if kind == "confirmed":
        return (f"Ride booked for {day}",
                f"Your ride is booked: pickup {day} between {start} and {end} at "
                f"{w.text('origin')}, to {w.text('destination')}.")
    if kind == "reminder":
        return (f"Reminder: pickup at {start}",
                f"Reminder: your ride picks you up {day} between {start} and {end} at "
                f"{w.text('origin')}.")
    if kind == "on_the_way":
        return ("Your vehicle is on its way",
                f"Your vehicle is on its way: pickup at about {w.time('estimatedPickup')} at "
                f"{w.text('origin')}.")
    if kind == "late":
        return ("Your vehicle is running late",
                f"Your vehicle is running late: pickup now at about "
                f"{w.time('estimatedPickup')} (promised {start}-{end}). We are sorry.")
    if kind == "changed":
        what = w.p.get("what")
        if what == "vehicle":
            said = f"another vehicle picks you up between {start} and {end}"
        elif what == "window":
            said = f"pickup now between {start} and {end}"
        else:
            said = (f"pickup now at about {w.time('estimatedPickup')}, within your window "
                    f"{start}-{end}")
        return "Your ride has changed", f"Your ride on {day} has changed: {said}."
    if kind == "cancelled":
        by = " by the operator" if w.p.get("by", "operator") == "operator" else ""
        return ("Ride cancelled",
                f"Your ride on {day} at {start} from {w.text('origin')} to "
                f"{w.text('destination')} was cancelled{by}. Please call us to book again.")
    if kind == "no_show":
        return ("Missed pickup",
                f"You were not at the pickup at {w.text('origin')} on {day} (from {start}): "
                "the ride was recorded as a no-show.")
    if kind == "standing_booked":
        d = w.date("date")
        return (f"Regular ride booked for {d}",
                f"Your regular ride on {d} is booked: pickup between {start} and {end}.")
    if kind == "standing_not_served":
        d = w.date("date")
        return (f"Regular ride on {d} not possible",
                f"Your regular ride on {d} cannot be served: {w.text('reason')}. Please call "
                "us.")
    # connection_missed
    nxt = w.time("next") if _moment(w.p.get("next")) is not None else None
    line = _line(w, "to {headsign} ", "from {stop} ")
    then = (f"Next connection: {line}at {nxt}." if nxt is not None
            else "Please plan your journey again or call us.")
    return ("Your connection is at risk",
            f"Your ride will miss its connection: drop-off now at about "
            f"{w.time('estimatedDropoff')}, needed by {w.time('dropOffBy')}. {then}")


def _de(kind: str, w: _Words) -> tuple[str, str]:
    start, end, day = w.time("pickupStart"), w.time("pickupEnd"), w.date("pickupStart")
    if kind == "confirmed":
        return (f"Fahrt gebucht für {day}",
                f"Ihre Fahrt ist gebucht: Abholung {day} zwischen {start} und {end} Uhr, "
                f"Treffpunkt {w.text('origin')}, Ziel {w.text('destination')}.")
    if kind == "reminder":
        return (f"Erinnerung: Abholung um {start} Uhr",
                f"Erinnerung: Ihre Fahrt holt Sie {day} zwischen {start} und {end} Uhr ab, "
                f"Treffpunkt {w.text('origin')}.")
    if kind == "on_the_way":
        return ("Ihr Fahrzeug ist unterwegs",
                f"Ihr Fahrzeug ist unterwegs: Abholung gegen {w.time('estimatedPickup')} Uhr, "
                f"Treffpunkt {w.text('origin')}.")
    if kind == "late":
        return ("Ihr Fahrzeug verspätet sich",
                f"Ihr Fahrzeug verspätet sich: Abholung jetzt gegen "
                f"{w.time('estimatedPickup')} Uhr (zugesagt {start}-{end} Uhr). Wir bitten "
                "um Entschuldigung.")
    if kind == "changed":
        what = w.p.get("what")
        if what == "vehicle":
            said = f"Ein anderes Fahrzeug holt Sie zwischen {start} und {end} Uhr ab"
        elif what == "window":
            said = f"Abholung jetzt zwischen {start} und {end} Uhr"
        else:
            said = (f"Abholung jetzt gegen {w.time('estimatedPickup')} Uhr, im zugesagten "
                    f"Zeitfenster {start}-{end} Uhr")
        return "Ihre Fahrt wurde geändert", f"Ihre Fahrt am {day} wurde geändert: {said}."
    if kind == "cancelled":
        by = " vom Betrieb" if w.p.get("by", "operator") == "operator" else ""
        return ("Fahrt storniert",
                f"Ihre Fahrt am {day} um {start} Uhr von {w.text('origin')} nach "
                f"{w.text('destination')} wurde{by} storniert. Für eine neue Buchung rufen "
                "Sie uns bitte an.")
    if kind == "no_show":
        return ("Abholung verpasst",
                f"Sie waren am {day} nicht am Treffpunkt {w.text('origin')} (ab {start} Uhr): "
                "die Fahrt wurde als nicht angetreten vermerkt.")
    if kind == "standing_booked":
        d = w.date("date")
        return (f"Regelfahrt am {d} gebucht",
                f"Ihre Regelfahrt am {d} ist gebucht: Abholung zwischen {start} und {end} "
                "Uhr.")
    if kind == "standing_not_served":
        d = w.date("date")
        code = str(w.p.get("code") or "").lower().replace("_", "-").replace(" ", "-")
        reason = _REASONS_DE.get(code)
        said = f": {reason}" if reason else ""
        return (f"Regelfahrt am {d} nicht möglich",
                f"Ihre Regelfahrt am {d} kann nicht stattfinden{said}. Bitte rufen Sie uns "
                "an.")
    nxt = w.time("next") if _moment(w.p.get("next")) is not None else None
    line = _line(w, "Richtung {headsign} ", "ab {stop} ")
    then = (f"Nächster Anschluss: {line}um {nxt} Uhr." if nxt is not None
            else "Bitte planen Sie die Reise neu oder rufen Sie uns an.")
    return ("Ihr Anschluss ist gefährdet",
            f"Ihre Fahrt verpasst den Anschluss: Ankunft jetzt gegen "
            f"{w.time('estimatedDropoff')} Uhr, nötig bis {w.time('dropOffBy')} Uhr. {then}")


_BY_LANGUAGE: dict[str, Callable[[str, _Words], tuple[str, str]]] = {"en": _en, "de": _de}


def render(kind: str, language: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """A message's subject and text in ``language`` (``de`` or ``en``; any other: English).

    Raises
    ------
    ValueError
        An unknown kind (every kind of :data:`api.service.outbox.KINDS` has words).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    lang = language if language in _BY_LANGUAGE else "en"
    return _BY_LANGUAGE[lang](kind, _Words(lang, params))
