"""The words of a simulation's results, in English and German: each KPI's name and its
one-line explanation, the refusal reasons in plain words, the report's and the plots' texts.

The KPIs' words come from :mod:`dispatch.kpi_table`, which the monthly report shares. The
web app says the same in ``api/static/js/i18n.js`` (keys ``kpi.<name>``,
``kpi.help.<name>``, ``sim.reason.<reason>``) and README.md's KPI table repeats the English
explanations; tests/test_sim_report.py checks that all three agree.
"""

from __future__ import annotations

from typing import Any

from dispatch.kpi_table import KPIS

LANGUAGES = ("en", "de")

#: KPI → (name, explanation); ``{currency}`` is the costs' currency code. The words live in
#: the one table the monthly report shares (:mod:`dispatch.kpi_table`); here by the
#: simulation report's row keys
KPI: dict[str, dict[str, tuple[str, str]]] = {
    lang: {k.sim: (k.de if lang == "de" else k.en) for k in KPIS if k.sim is not None}
    for lang in LANGUAGES}

#: why a request was refused (dispatch's reasons), in plain words
REASONS: dict[str, dict[str, str]] = {
    "en": {"no vehicle in time": "no vehicle could reach the pickup in time without making "
                                 "another rider late",
           "capacity": "no vehicle had enough free places at that time",
           "ride-time limit": "the direct ride is longer than the longest allowed ride",
           "outside shift": "no vehicle was on shift at the requested time",
           "outside service area": "start or destination outside the service area",
           "outside service hours": "requested outside the service hours",
           "unreachable": "start or destination cannot be reached by road"},
    "de": {"no vehicle in time": "kein Fahrzeug konnte rechtzeitig zur Abholung kommen, ohne "
                                 "andere Fahrgäste zu verspäten",
           "capacity": "kein Fahrzeug hatte zu der Zeit genug freie Plätze",
           "ride-time limit": "die direkte Fahrt ist länger als die längste erlaubte Fahrt",
           "outside shift": "zur gewünschten Zeit war kein Fahrzeug im Dienst",
           "outside service area": "Start oder Ziel außerhalb des Bediengebiets",
           "outside service hours": "außerhalb der Betriebszeiten gewünscht",
           "unreachable": "Start oder Ziel über die Straßen nicht erreichbar"},
}

#: the plots' titles, axis labels and legends
PLOT: dict[str, dict[str, str]] = {
    "en": {"wait_x": "wait after the requested pickup time (min)",
           "served_trips": "served rides (count)", "waits": "Waits of the served rides",
           "busy": "vehicles busy", "aboard": "passengers on board", "count": "count",
           "clock": "time of day (hh:mm)",
           "occupancy": "Vehicles busy and passengers on board over the day",
           "served": "served (incl. no-shows)", "rejected": "refused",
           "hour": "requested pickup time (hour of the day)", "requests": "requests (count)",
           "by_hour": "Served and refused requests by hour", "pickups": "pickups",
           "dropoffs": "drop-offs", "rejected_origin": "refused (start)", "depot": "depot",
           "lon": "longitude (°)", "lat": "latitude (°)",
           "map": "Service area {area}: vehicle tracks and trips"},
    "de": {"wait_x": "Wartezeit nach der gewünschten Abholzeit (Min.)",
           "served_trips": "bediente Fahrten (Anzahl)", "waits": "Wartezeiten der bedienten "
           "Fahrten", "busy": "Fahrzeuge im Einsatz", "aboard": "Fahrgäste an Bord",
           "count": "Anzahl", "clock": "Uhrzeit (hh:mm)",
           "occupancy": "Fahrzeuge im Einsatz und Fahrgäste an Bord über den Tag",
           "served": "bedient (inkl. nicht erschienen)", "rejected": "abgelehnt",
           "hour": "gewünschte Abholzeit (Stunde des Tages)", "requests": "Anfragen (Anzahl)",
           "by_hour": "Bediente und abgelehnte Anfragen je Stunde", "pickups": "Abholungen",
           "dropoffs": "Ausstiege", "rejected_origin": "abgelehnt (Start)", "depot": "Depot",
           "lon": "geografische Länge (°)", "lat": "geografische Breite (°)",
           "map": "Bediengebiet {area}: Fahrzeugwege und Fahrten"},
}

#: the report page's own texts
REPORT: dict[str, dict[str, str]] = {
    "en": {
        "title": "On-demand service simulation: {area} ({region})",
        "headline_served": "Served: {served} of {requests} requests ({share})",
        "headline_refused": "Refused: {refused} of {requests} requests ({share})",
        "headline_rest": "No-shows: {no_shows}. Wait p95 {p95} min, cost {cost} per served "
                         "trip.",
        "reasons": "Why requests were refused",
        "no_refusals": "No request was refused.",
        "scenario": "Scenario",
        "fleet": "Fleet: {n} (each with {seats} seats, wheelchair places: {wheelchair}), "
                 "depot at {lat}, {lon}.",
        "min": "min",
        "shift_area": "Vehicles on shift {start}–{end}: the service area's hours.",
        "shift_own": "Vehicles on shift {start}–{end}, as the scenario sets (the service "
                     "area's hours are {area_start}–{area_end}).",
        "shift_free": "Vehicles on shift {start}–{end} (the service area has no hours of its "
                      "own).",
        "demand": "Requests {start}–{end}, {rate} per hour on average ({prebooked} booked "
                  "ahead, notice {notice} min); random seed {seed}.",
        "rules": "Pickup window {window} min; a ride takes at most {alpha} × the direct drive "
                 "+ {beta} min; no-show probability {no_show}.",
        "costs": "Costs: {per_hour} per vehicle-hour, {per_km} per km, {co2} kg CO₂ per km.",
        "kpis": "Key figures", "kpi": "Figure", "value": "Value", "meaning": "What it means",
        "mean_median_p95": "mean {mean}, median {p50}, p95 {p95}",
        "in_vehicle": "Time in the vehicle (min)",
        "in_vehicle_help": "Minutes from pickup to drop-off, served rides only.",
        "map_h": "Map", "day_h": "Over the day", "waits_h": "Waits",
        "files": "Files beside this page: the plots as PNG, kpis.json (the key figures, "
                 "money in {currency}), trips.csv (every request).",
        "osm": "Street map data © OpenStreetMap contributors.",
        "alt_map": "Map of the service area with the vehicles' tracks, pickups and drop-offs",
        "alt_occupancy": "Vehicles busy and passengers on board over the day",
        "alt_by_hour": "Served and refused requests by hour",
        "alt_waits": "Histogram of the served rides' waits",
    },
    "de": {
        "title": "Simulation des Rufbusses: {area} ({region})",
        "headline_served": "Bedient: {served} von {requests} Anfragen ({share})",
        "headline_refused": "Abgelehnt: {refused} von {requests} Anfragen ({share})",
        "headline_rest": "Nicht erschienen: {no_shows}. Wartezeit p95 {p95} Min., Kosten "
                         "{cost} je bediente Fahrt.",
        "reasons": "Warum Anfragen abgelehnt wurden",
        "no_refusals": "Keine Anfrage wurde abgelehnt.",
        "scenario": "Szenario",
        "fleet": "Flotte: {n} (je {seats} Sitzplätze, Rollstuhlplätze: {wheelchair}), Depot "
                 "bei {lat}, {lon}.",
        "min": "Min.",
        "shift_area": "Fahrzeuge im Dienst {start}–{end}: die Betriebszeiten des "
                      "Bediengebiets.",
        "shift_own": "Fahrzeuge im Dienst {start}–{end}, wie im Szenario festgelegt (die "
                     "Betriebszeiten des Bediengebiets sind {area_start}–{area_end}).",
        "shift_free": "Fahrzeuge im Dienst {start}–{end} (das Bediengebiet hat keine eigenen "
                      "Betriebszeiten).",
        "demand": "Anfragen {start}–{end}, im Mittel {rate} pro Stunde ({prebooked} im Voraus "
                  "gebucht, Vorlauf {notice} Min.); Zufallsstartwert {seed}.",
        "rules": "Abholfenster {window} Min.; eine Fahrt dauert höchstens {alpha} × die "
                 "direkte Fahrt + {beta} Min.; Wahrscheinlichkeit, nicht zu erscheinen, "
                 "{no_show}.",
        "costs": "Kosten: {per_hour} je Fahrzeugstunde, {per_km} je km, {co2} kg CO₂ je km.",
        "kpis": "Kennzahlen", "kpi": "Kennzahl", "value": "Wert", "meaning": "Bedeutung",
        "mean_median_p95": "Mittel {mean}, Median {p50}, p95 {p95}",
        "in_vehicle": "Fahrzeit im Fahrzeug (Min.)",
        "in_vehicle_help": "Minuten von der Abholung bis zum Ausstieg, nur bediente Fahrten.",
        "map_h": "Karte", "day_h": "Über den Tag", "waits_h": "Wartezeiten",
        "files": "Dateien neben dieser Seite: die Grafiken als PNG, kpis.json (die "
                 "Kennzahlen, Geld in {currency}), trips.csv (jede Anfrage).",
        "osm": "Straßendaten © OpenStreetMap-Mitwirkende.",
        "alt_map": "Karte des Bediengebiets mit den Fahrzeugwegen, Abholungen und Ausstiegen",
        "alt_occupancy": "Fahrzeuge im Einsatz und Fahrgäste an Bord über den Tag",
        "alt_by_hour": "Bediente und abgelehnte Anfragen je Stunde",
        "alt_waits": "Histogramm der Wartezeiten der bedienten Fahrten",
    },
}


#: notes on the day's demand (mobility.sim.notes.Note: code → words with its params); the web
#: app words them too (i18n.js, keys ``sim.note.<code>``)
NOTES: dict[str, dict[str, str]] = {
    "en": {"homes": "Homes: {buildings} mapped buildings and addresses and {streets} "
                    "residential street segments in the area.",
           "row_skipped": "{file} line {line}, {column}: {problem} (row skipped)."},
    "de": {"homes": "Wohnorte: {buildings} kartierte Gebäude und Adressen und {streets} "
                    "Abschnitte von Wohnstraßen im Gebiet.",
           "row_skipped": "{file} Zeile {line}, {column}: {problem} (Zeile übersprungen)."},
}

#: countries whose planners read German (the web app's default there too)
_GERMAN = {"DE", "AT", "LI"}


def report_language(setting: str | None, country: str) -> str:
    """The reports' language: the setting, else German for German-speaking countries."""
    return language_of(setting) if setting else "de" if country in _GERMAN else "en"


def language_of(language: str | None) -> str:
    """A supported language (English for anything else)."""
    return language if language in LANGUAGES else "en"


def reason_text(reason: str, language: str = "en") -> str:
    """A refusal reason in plain words (the reason itself if it has none)."""
    return REASONS[language_of(language)].get(reason, reason)


def number(x: float | int | None, digits: int = 1, language: str = "en") -> str:
    """``x`` with at most ``digits`` decimals, as the language writes it ("–" for none)."""
    if x is None:
        return "–"
    text = f"{x:,.{digits}f}"
    if digits and "." in text:
        text = text.rstrip("0").rstrip(".")
    if language == "de":  # 1,234.5 → 1.234,5
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def factor(x: float | None, language: str = "en") -> str:
    """A ratio as "1.29 ×" (one or two decimals: 1.0 ×, 1.3 ×, 1.29 ×)."""
    if x is None:
        return "–"
    text = f"{x:.2f}"
    if text.endswith("0"):
        text = text[:-1]
    return (text.replace(".", ",") if language == "de" else text) + " ×"


def money(x: float | None, currency: str, language: str = "en") -> str:
    """``x`` with two decimals and the currency code: "USD 25.54" or "25,54 USD"."""
    if x is None:
        return "–"
    text = f"{x:,.2f}"
    if language == "de":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".") + f" {currency}"
    return f"{currency} {text}"


def percent(x: float, language: str = "en") -> str:
    """A share as "48.3 %" or "48,3 %"."""
    return f"{number(100 * x, 1, language)} %"


def kpi_texts(language: str = "en", currency: str = "EUR") -> dict[str, tuple[str, str]]:
    """Each KPI's (name, explanation) in ``language``, the currency filled in."""
    return {k: (name, help_.format(currency=currency))
            for k, (name, help_) in KPI[language_of(language)].items()}


def headline(k: dict[str, Any], language: str = "en") -> dict[str, Any]:
    """The served and refused counts with their shares and the refusal reasons in words:
    the figures a planner reads first."""
    n = k["requests"]
    return {"requests": n, "served": k["served"], "refused": k["rejected"],
            "no_shows": k["no_shows"],
            "served_share": k["served"] / n if n else 0.0,
            "refused_share": k["rejected"] / n if n else 0.0,
            "reasons": [(reason_text(r, language), c)
                        for r, c in sorted(k["rejected_by_reason"].items(),
                                           key=lambda rc: -rc[1])]}
