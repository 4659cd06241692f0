"""The one table of KPI definitions: each figure's key, unit, and its name and one-sentence
definition in English and German. The simulation's report (:mod:`mobility.sim.texts`, the
web app's simulation page, README's "What the figures mean") and the month's report for the
funding authority (:mod:`api.service.monthly_report`, its HTML and CSV, the web app's
"Monthly report" page, README's "Monthly report") read their words from here, so a planner's
forecast and the month's actuals are compared line by line under the same definitions.

A figure both report is one row with its simulation key (``sim``, the row of the
simulation report) and its monthly key (``key``, the key of the month's JSON); ``month``
False rows are the simulation's own (a synthetic day's seed, its modelled cost), ``sim``
None rows the month's own (cancellations, fares, ratings, the cost the companies are paid).
``{currency}`` in a definition or unit is the money figures' ISO 4217 code.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "de")
#: the units' words (English, German); a unit not listed is written as it is
UNITS: dict[str, tuple[str, str]] = {
    "requests": ("requests", "Anfragen"), "trips": ("trips", "Fahrten"),
    "share": ("share", "Anteil"), "passengers": ("passengers", "Fahrgäste"),
    "passengers/h": ("passengers/h", "Fahrgäste/h"), "min": ("min", "Min."),
    "factor": ("factor", "Faktor"), "ratings": ("ratings", "Bewertungen"),
    "stars": ("stars", "Sterne")}


@dataclass(frozen=True)
class KpiDefinition:
    """One figure: its key, unit, and (name, definition) per language."""

    key: str  #: the monthly report's key (or the simulation row's, for its own rows)
    unit: str  #: e.g. "trips", "share", "km", "h", "{currency}"
    en: tuple[str, str]
    de: tuple[str, str]
    sim: str | None = None  #: the simulation report's row for the same figure
    month: bool = True  #: in the monthly report

    def words(self, language: str = "en", currency: str = "EUR") -> tuple[str, str]:
        """(name, definition) in ``language`` (English for any other), currency filled in."""
        name, text = self.de if language == "de" else self.en
        return name, text.format(currency=currency)

    def unit_text(self, currency: str = "EUR", language: str = "en") -> str:
        """The unit in ``language`` (the currency's code for money)."""
        words = UNITS.get(self.unit)
        if words is None:
            return self.unit.format(currency=currency)
        return words[1] if language == "de" else words[0]


def _d(key: str, unit: str, en: tuple[str, str], de: tuple[str, str], *,
       sim: str | None = None, month: bool = True) -> KpiDefinition:
    return KpiDefinition(key, unit, en, de, sim, month)


#: every figure, the simulation report's rows first in its order
KPIS: tuple[KpiDefinition, ...] = (
    _d("requests", "requests", (
        "Requests", "Trips asked for during the service hours: synthetic requests drawn with "
        "the random seed (or read from a demand file)."), (
        "Anfragen", "Gewünschte Fahrten in den Betriebszeiten: künstliche Anfragen, gezogen "
        "mit dem Zufallsstartwert (oder aus einer Nachfragedatei)."),
       sim="requests", month=False),
    _d("trips_served", "trips", (
        "Served", "Requests a vehicle took and carried out, and their share of all requests; "
        "riders who did not turn up count as no-shows, not as served."), (
        "Bedient", "Anfragen, die ein Fahrzeug angenommen und gefahren hat, und ihr Anteil an "
        "allen Anfragen; nicht erschienene Fahrgäste zählen nicht als bedient."),
       sim="served"),
    _d("rejected", "requests", (
        "Refused", "Requests no vehicle could take, and their share of all requests; the "
        "reasons are listed with them."), (
        "Abgelehnt", "Anfragen, die kein Fahrzeug annehmen konnte, und ihr Anteil an allen "
        "Anfragen; die Gründe stehen dabei."),
       sim="refused"),
    _d("no_shows", "trips", (
        "No-shows", "Booked rides whose rider did not turn up at the pickup."), (
        "Nicht erschienen", "Gebuchte Fahrten, zu deren Abholung der Fahrgast nicht kam."),
       sim="no_shows"),
    _d("wait", "min", (
        "Wait (median / p95)", "Wait = minutes between the requested pickup time and the "
        "actual pickup, served rides only; refused requests have no wait. Median: half of "
        "the rides waited less; p95: 95 % of the rides waited at most this long."), (
        "Wartezeit (Median / p95)", "Wartezeit = Minuten zwischen der gewünschten und der "
        "tatsächlichen Abholzeit, nur bediente Fahrten; abgelehnte Anfragen haben keine "
        "Wartezeit. Median: die Hälfte der Fahrten wartete kürzer; p95: 95 % der Fahrten "
        "warteten höchstens so lange."),
       sim="wait", month=False),
    _d("detour", "factor", (
        "Detour factor (median)", "Time in the vehicle ÷ time of the direct drive, for served "
        "rides: 1.00 × is no detour, 1.30 × a ride 30 % longer for other riders' stops."), (
        "Umwegfaktor (Median)", "Fahrzeit im Fahrzeug ÷ Fahrzeit der direkten Fahrt, für "
        "bediente Fahrten: 1,00 × ist kein Umweg, 1,30 × eine um 30 % längere Fahrt wegen "
        "Halten für andere Fahrgäste."),
       sim="detour", month=False),
    _d("pooling_rate", "share", (
        "Shared rides", "Share of the passenger-km ridden with another booking on board."), (
        "Geteilte Fahrten", "Anteil der Personenkilometer, auf denen eine andere Buchung mit "
        "an Bord war."),
       sim="pooling"),
    _d("passengers_per_vehicle_hour", "passengers/h", (
        "Passengers per vehicle-hour", "Passengers carried per hour the vehicles were on "
        "shift."), (
        "Fahrgäste je Fahrzeugstunde", "Beförderte Fahrgäste je Stunde, die die Fahrzeuge im "
        "Dienst waren."),
       sim="occupancy"),
    _d("km", "km", (
        "Vehicle-km (empty share)", "Distance all vehicles drove; in brackets the share "
        "driven without passengers."), (
        "Fahrzeug-km (Leeranteil)", "Strecke aller Fahrzeuge; in Klammern der Anteil ohne "
        "Fahrgäste."),
       sim="km", month=False),
    _d("cost_per_served_trip", "{currency}", (
        "Cost per served trip", "The day's operating cost (hours on shift × cost per "
        "vehicle-hour + km × cost per km) divided by the served trips, in {currency}."), (
        "Kosten je bediente Fahrt", "Betriebskosten des Tages (Dienststunden × Kosten je "
        "Fahrzeugstunde + km × Kosten je km) geteilt durch die bedienten Fahrten, in "
        "{currency}."),
       sim="cost", month=False),
    _d("co2", "kg", (
        "CO₂", "Kilometres driven × the vehicles' CO₂ per km."), (
        "CO₂", "Gefahrene Kilometer × CO₂ je km der Fahrzeuge."),
       sim="co2", month=False),
    _d("seed", "", (
        "Random seed", "The number that draws the synthetic requests: the same seed gives "
        "the same requests, so fleet sizes are compared on the same demand; another seed "
        "gives another, equally likely day."), (
        "Zufallsstartwert", "Die Zahl, mit der die künstlichen Anfragen gezogen werden: "
        "derselbe Wert ergibt dieselben Anfragen, so werden Flottengrößen bei gleicher "
        "Nachfrage verglichen; ein anderer Wert ergibt einen anderen, ebenso "
        "wahrscheinlichen Tag."),
       sim="seed", month=False),
    _d("in_vehicle", "min", (
        "Time in the vehicle (min)", "Minutes from pickup to drop-off, served rides only "
        "(mean, median, p95)."), (
        "Fahrzeit im Fahrzeug (Min.)", "Minuten von der Abholung bis zum Ausstieg, nur "
        "bediente Fahrten (Mittel, Median, p95)."),
       sim="in_vehicle", month=False),
    _d("pickups_outside_window", "trips", (
        "Pickups outside the promised window", "Served rides and no-shows whose vehicle "
        "arrived before or after the pickup window promised at booking."), (
        "Abholungen außerhalb des Fensters", "Bediente Fahrten und nicht Erschienene, bei "
        "denen das Fahrzeug vor oder nach dem bei der Buchung zugesagten Abholfenster kam."),
       sim="late_pickups"),
    _d("mean_occupancy", "passengers", (
        "Mean occupancy", "Passenger-km ÷ vehicle-km: how many riders were on board on "
        "average."), (
        "Mittlere Besetzung", "Personenkilometer ÷ Fahrzeugkilometer: wie viele Fahrgäste im "
        "Mittel an Bord waren."),
       sim="mean_occupancy"),
    _d("seat_occupancy", "share", (
        "Seat occupancy", "Passenger-km ÷ seat-km: the share of the offered seats that was "
        "used."), (
        "Sitzplatzauslastung", "Personenkilometer ÷ Platzkilometer: der genutzte Anteil der "
        "angebotenen Plätze."),
       sim="seat_occupancy"),
    _d("passenger_km", "km", (
        "Passenger-km", "Kilometres driven × riders on board, summed."), (
        "Personenkilometer", "Gefahrene Kilometer × Fahrgäste an Bord, aufsummiert."),
       sim="passenger_km"),
    _d("vehicle_hours", "h", (
        "Vehicle-hours on shift", "Hours all vehicles were on shift, driving or waiting; the "
        "basis of the hourly cost."), (
        "Fahrzeugstunden im Dienst", "Stunden, die alle Fahrzeuge im Dienst waren, fahrend "
        "oder wartend; Grundlage der Stundenkosten."),
       sim="vehicle_hours"),
    _d("driving_hours", "h", (
        "Driving hours", "Hours all vehicles spent driving."), (
        "Fahrstunden", "Stunden, die alle Fahrzeuge gefahren sind."),
       sim="driving_hours"),
    _d("cost_total", "{currency}", (
        "Cost of the day", "Hours on shift × cost per vehicle-hour + km × cost per km, in "
        "{currency}."), (
        "Kosten des Tages", "Dienststunden × Kosten je Fahrzeugstunde + km × Kosten je km, "
        "in {currency}."),
       sim="cost_total", month=False),
    # the month's own figures (from the store: bookings, refusals, tours, statements)
    _d("trips_requested", "requests", (
        "Trips requested", "Bookings made for rides in the month plus the requests the "
        "service refused (no vehicle could take them, or a closure)."), (
        "Angefragte Fahrten", "Im Monat gebuchte Fahrten plus die Anfragen, die der Dienst "
        "abgelehnt hat (kein Fahrzeug konnte sie annehmen, oder eine Betriebseinstellung)."),),
    _d("cancelled", "trips", (
        "Cancelled", "Booked rides cancelled before the pickup, by the rider or by the "
        "operator (dispatcher)."), (
        "Storniert", "Gebuchte Fahrten, die vor der Abholung storniert wurden, vom Fahrgast "
        "oder vom Betreiber (Disposition)."),),
    _d("passengers", "passengers", (
        "Passengers", "Passengers of the served rides (a booking for three counts three)."), (
        "Fahrgäste", "Fahrgäste der bedienten Fahrten (eine Buchung für drei zählt drei)."),),
    _d("on_time_pickups", "share", (
        "On-time pickups", "Share of the pickups made inside the pickup window promised at "
        "booking."), (
        "Pünktliche Abholungen", "Anteil der Abholungen innerhalb des bei der Buchung "
        "zugesagten Abholfensters."),),
    _d("vehicle_km", "km", (
        "Vehicle-km", "Distance all vehicles drove on their tours, from the depot and back, "
        "by road."), (
        "Fahrzeug-km", "Strecke aller Fahrzeuge auf ihren Touren, vom Depot und zurück, über "
        "die Straßen."),),
    _d("empty_km", "km", (
        "Empty km", "Vehicle-km driven without a passenger on board."), (
        "Leer-km", "Fahrzeug-km ohne Fahrgast an Bord."),),
    _d("cost", "{currency}", (
        "Cost", "What the companies are paid for the month under the area's compensation "
        "rules, in {currency}."), (
        "Kosten", "Was die Unternehmen für den Monat nach den Vergütungsregeln des "
        "Bediengebiets erhalten, in {currency}."),),
    _d("cost_per_trip", "{currency}", (
        "Cost per trip", "Cost ÷ served trips, in {currency}."), (
        "Kosten je Fahrt", "Kosten ÷ bediente Fahrten, in {currency}."),),
    _d("cost_per_passenger_km", "{currency}", (
        "Cost per passenger-km", "Cost ÷ passenger-km, in {currency}."), (
        "Kosten je Personenkilometer", "Kosten ÷ Personenkilometer, in {currency}."),),
    _d("fares_collected", "{currency}", (
        "Fares collected", "Fares of the served rides and the no-shows at the price quoted, "
        "plus cancellation fees, in {currency}."), (
        "Fahrgeldeinnahmen", "Fahrpreise der bedienten Fahrten und der nicht Erschienenen "
        "zum angebotenen Preis, plus Stornogebühren, in {currency}."),),
    _d("ratings", "ratings", (
        "Ratings", "Rides the riders rated (1–5 stars) after the ride."), (
        "Bewertungen", "Fahrten, die die Fahrgäste nach der Fahrt bewertet haben (1–5 "
        "Sterne)."),),
    _d("rating_mean", "stars", (
        "Mean rating", "The riders' stars averaged over the rated rides (1 worst, 5 best)."), (
        "Mittlere Bewertung", "Die Sterne der Fahrgäste gemittelt über die bewerteten Fahrten "
        "(1 am schlechtesten, 5 am besten)."),),
)

BY_KEY: dict[str, KpiDefinition] = {k.key: k for k in KPIS}
BY_SIM: dict[str, KpiDefinition] = {k.sim: k for k in KPIS if k.sim is not None}
#: the monthly report's figures, in the order its table lists them
MONTH_ORDER = ("trips_requested", "trips_served", "rejected", "cancelled", "no_shows",
               "passengers", "passengers_per_vehicle_hour", "pooling_rate", "mean_occupancy",
               "seat_occupancy", "on_time_pickups", "pickups_outside_window", "vehicle_km",
               "empty_km", "passenger_km", "vehicle_hours", "driving_hours", "cost",
               "cost_per_trip", "cost_per_passenger_km", "fares_collected", "ratings",
               "rating_mean")
MONTH: tuple[KpiDefinition, ...] = tuple(BY_KEY[k] for k in MONTH_ORDER)


def sim_texts(language: str = "en", currency: str = "EUR") -> dict[str, tuple[str, str]]:
    """The simulation report's rows: its key → (name, definition)."""
    return {k.sim: k.words(language, currency) for k in KPIS if k.sim is not None}


def month_texts(language: str = "en", currency: str = "EUR") -> dict[str, tuple[str, str]]:
    """The monthly report's figures: key → (name, definition)."""
    return {k.key: k.words(language, currency) for k in MONTH}
