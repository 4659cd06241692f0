// Interface texts in German and English. Elements name their text with data-i18n="key" and
// attributes with data-i18n-attr="attr:key,attr:key"; t() formats texts made in code.

const TEXTS = {
  en: {
    skip: "Skip to the form", views: "Views", map: "Map", language: "Language",
    "zoom.in": "Zoom in", "zoom.out": "Zoom out", "kind.place": "place",
    "error.name": "Please enter a name.", "signup.closed": "Accounts are made by the dispatcher: please call them.",
    "tab.rider": "Ride", "tab.dispatcher": "Dispatch", "tab.planner": "Plan a service",
    "rider.title": "Where do you want to go?", from: "From", to: "To",
    "search.placeholder": "Village, address, stop or place", "pick.map": "On map",
    "pick.hint": "Click the map to choose “{what}”.", when: "When", depart: "Depart at",
    arrive: "Arrive by", pickupat: "Pick up from", time: "Time", passengers: "Passengers",
    wheelchair: "Wheelchair", "plan.submit": "Find connections", "itins.title": "Connections",
    "itins.none": "No connection found for this time. Try another time or place.",
    "itin.summary": "{start}–{end} · {duration} min · {transfers}",
    "transfers.0": "direct", "transfers.1": "1 change", "transfers.n": "{n} changes",
    "itin.show": "Show on map", "itin.book": "Book the ride", "itin.booked": "Booked",
    "itin.needs.account": "Create an account or sign in below to book.",
    "leg.WALK": "Walk", "leg.BUS": "Bus", "leg.RAIL": "Train", "leg.TRAM": "Tram",
    "leg.SUBWAY": "Subway", "leg.FERRY": "Ferry", "leg.ON_DEMAND": "On-demand ride",
    "leg.walk.detail": "{dist} m to {to}", "leg.transit.detail": "{route} to {to}",
    "leg.ondemand.detail": "pickup between {a} and {b}, to {to}",
    "leg.ondemand.notbookable": "not bookable: {why}", "place.destination": "Destination",
    "place.mappoint": "Point on the map ({lat}, {lon})", "place.near": "near {stop}",
    "kind.stop": "stop", "kind.street": "street", "kind.address": "address",
    "kind.city": "city", "kind.town": "town", "kind.village": "village", "kind.hamlet": "hamlet",
    "kind.suburb": "district", "kind.borough": "borough", "kind.quarter": "quarter",
    "kind.neighbourhood": "neighbourhood", "kind.isolated_dwelling": "farmstead",
    "kind.farm": "farm", "kind.locality": "locality", "kind.municipality": "municipality",
    "kind.county": "county", "kind.district": "district", "kind.state": "state",
    "kind.doctors": "doctor", "kind.pharmacy": "pharmacy", "kind.hospital": "hospital",
    "kind.dentist": "dentist", "kind.clinic": "clinic", "kind.school": "school",
    "kind.kindergarten": "kindergarten", "kind.townhall": "town hall",
    "kind.station": "station", "kind.supermarket": "supermarket", "kind.bakery": "bakery",
    "kind.post_office": "post office", "kind.place_of_worship": "church",
    "account.title": "My account",
    "account.why": "To book a ride, create an account or sign in with your key.",
    name: "Name", phone: "Phone (optional)", "account.create": "Create account", key: "Key",
    signin: "Sign in", signout: "Sign out", "signedin.as": "Signed in as",
    "key.show": "Show my key (to sign in on another device)", mybookings: "My bookings",
    "mybookings.none": "No bookings yet.", cancel: "Cancel", "cancel.confirm": "Cancel this ride?", "booking.vehicle": "vehicle {v}",
    "status.confirmed": "confirmed", "status.cancelled": "cancelled", "status.on_board": "on board",
    "status.completed": "completed", "status.no_show": "no-show",
    "staff.signin": "Staff sign-in", "staff.key": "Dispatcher key", date: "Service date",
    refresh: "Refresh", "caller.title": "Book for a caller",
    "caller.privacy": "Name and phone are stored for the driver and never written to logs.",
    "caller.quote": "Find a ride", "caller.offer": "Offer: pickup between {a} and {b}, arrival about {c}.",
    "caller.confirm": "Confirm booking", "caller.done": "Booked for {name}: pickup between {a} and {b}.",
    vehicles: "Vehicles", bookings: "Bookings", "col.time": "Pickup", "col.rider": "Rider", "col.route": "Route",
    "col.vehicle": "Vehicle", "col.status": "Status", "col.actions": "Actions",
    "col.planned": "Planned", "col.stop": "Stop", "col.phone": "Phone", "col.window": "Promised window",
    "col.passengers": "Passengers", "manifest.caption": "Manifest of {id}",
    noshow: "No-show", "noshow.confirm": "Mark this rider as not shown up?",
    "vehicle.line": "{id} · {area} · {seats} seats · shift {a}–{b}",
    "vehicle.position": "position reported", "vehicle.depot": "at the depot",
    "vehicle.late": "running late", "vehicle.next": "next: {time} {what} {who}", "vehicle.nostops": "No stops on this day.",
    "stop.pickup": "pick up", "stop.dropoff": "drop off", "stop.break": "break",
    "bookings.none": "No bookings on this day.",
    "sim.title": "Simulate a day of service", "sim.area": "Service area",
    "sim.vehicles": "Vehicles (several to compare, e.g. 2,3,4)", "sim.rate": "Requests per hour",
    "sim.seed": "Random seed", "sim.run": "Run simulation", "sim.progress": "Progress",
    "sim.results": "Results", "sim.running": "Simulating…", "sim.done": "Simulation finished.",
    "sim.failed": "The simulation failed: {why}", "sim.badvehicles": "Vehicles: give fleet sizes such as 3 or 2,3,4 (at most 6).",
    "sim.col.variant": "Fleet", "sim.col.served": "Served", "sim.col.wait": "Wait p95 (min)",
    "sim.col.pooling": "Shared rides", "sim.col.km": "Vehicle-km", "sim.col.cost": "Cost per trip",
    "sim.col.requests": "Requests", "sim.show": "Show", "sim.report": "Full report",
    "sim.variant": "{n} vehicles", "sim.variant.one": "1 vehicle",
    "kpi.requests": "Requests", "kpi.served": "Served", "kpi.wait": "Wait (median / p95)",
    "kpi.detour": "Detour (median)", "kpi.occupancy": "Passengers per vehicle-hour",
    "kpi.km": "Vehicle-km (empty share)", "kpi.cost": "Cost per served trip", "kpi.co2": "CO₂",
    "plot.map": "Map of the day's rides", "plot.occupancy": "Occupancy over the day",
    "plot.by_hour": "Requests and service by hour", "plot.waits": "Waiting times",
    minutes: "{n} min", "error.network": "The server did not answer. Check the connection and try again.",
    "error.pick": "Choose “{what}” from the suggestions or on the map.",
    "error.time": "Choose a date and time.", "signedout": "Signed out.",
    "signin.bad": "This key was not accepted.", "signin.staff": "This view needs a dispatcher key.", planning: "Searching connections…", booked: "Booked.",
    cancelled: "Cancelled.", "noshow.done": "Marked as no-show.",
    "connection.on_time": "reaches the connection (drop-off by {time})",
    "connection.missed": "runs late: the connection at {time} may be missed — call the dispatcher",
  },
  de: {
    skip: "Zum Formular springen", views: "Ansichten", map: "Karte", language: "Sprache",
    "zoom.in": "Vergrößern", "zoom.out": "Verkleinern", "kind.place": "Ort",
    "error.name": "Bitte einen Namen eingeben.", "signup.closed": "Konten legt die Disposition an: bitte dort anrufen.",
    "tab.rider": "Fahren", "tab.dispatcher": "Disposition", "tab.planner": "Angebot planen",
    "rider.title": "Wohin möchten Sie fahren?", from: "Von", to: "Nach",
    "search.placeholder": "Ort, Adresse oder Haltestelle", "pick.map": "Auf der Karte",
    "pick.hint": "Klicken Sie in die Karte, um „{what}“ zu wählen.", when: "Wann",
    depart: "Abfahrt ab", arrive: "Ankunft bis", pickupat: "Abholung ab", time: "Zeit",
    passengers: "Personen", wheelchair: "Rollstuhl", "plan.submit": "Verbindungen suchen",
    "itins.title": "Verbindungen",
    "itins.none": "Keine Verbindung zu dieser Zeit gefunden. Versuchen Sie eine andere Zeit oder einen anderen Ort.",
    "itin.summary": "{start}–{end} · {duration} Min. · {transfers}",
    "transfers.0": "ohne Umstieg", "transfers.1": "1 Umstieg", "transfers.n": "{n} Umstiege",
    "itin.show": "Auf der Karte zeigen", "itin.book": "Fahrt buchen", "itin.booked": "Gebucht",
    "itin.needs.account": "Zum Buchen unten ein Konto anlegen oder anmelden.",
    "leg.WALK": "Fußweg", "leg.BUS": "Bus", "leg.RAIL": "Zug", "leg.TRAM": "Straßenbahn",
    "leg.SUBWAY": "U-Bahn", "leg.FERRY": "Fähre", "leg.ON_DEMAND": "Rufbus",
    "leg.walk.detail": "{dist} m bis {to}", "leg.transit.detail": "{route} bis {to}",
    "leg.ondemand.detail": "Abholung zwischen {a} und {b}, bis {to}",
    "leg.ondemand.notbookable": "nicht buchbar: {why}", "place.destination": "Ziel",
    "place.mappoint": "Punkt auf der Karte ({lat}, {lon})", "place.near": "bei {stop}",
    "kind.stop": "Haltestelle", "kind.street": "Straße", "kind.address": "Adresse",
    "kind.city": "Stadt", "kind.town": "Stadt", "kind.village": "Dorf", "kind.hamlet": "Weiler",
    "kind.suburb": "Stadtteil", "kind.borough": "Bezirk", "kind.quarter": "Viertel",
    "kind.neighbourhood": "Wohngebiet", "kind.isolated_dwelling": "Einzelhof",
    "kind.farm": "Hof", "kind.locality": "Flur", "kind.municipality": "Gemeinde",
    "kind.county": "Landkreis", "kind.district": "Ortsteil", "kind.state": "Land",
    "kind.doctors": "Arztpraxis", "kind.pharmacy": "Apotheke", "kind.hospital": "Krankenhaus",
    "kind.dentist": "Zahnarzt", "kind.clinic": "Klinik", "kind.school": "Schule",
    "kind.kindergarten": "Kindergarten", "kind.townhall": "Rathaus",
    "kind.station": "Bahnhof", "kind.supermarket": "Supermarkt", "kind.bakery": "Bäckerei",
    "kind.post_office": "Post", "kind.place_of_worship": "Kirche",
    "account.title": "Mein Konto",
    "account.why": "Zum Buchen ein Konto anlegen oder mit Ihrem Schlüssel anmelden.",
    name: "Name", phone: "Telefon (freiwillig)", "account.create": "Konto anlegen",
    key: "Schlüssel", signin: "Anmelden", signout: "Abmelden", "signedin.as": "Angemeldet als",
    "key.show": "Meinen Schlüssel zeigen (für ein anderes Gerät)", mybookings: "Meine Buchungen",
    "mybookings.none": "Noch keine Buchungen.", cancel: "Stornieren",
    "cancel.confirm": "Diese Fahrt stornieren?",
    "booking.vehicle": "Fahrzeug {v}",
    "status.confirmed": "bestätigt", "status.cancelled": "storniert", "status.on_board": "an Bord",
    "status.completed": "abgeschlossen", "status.no_show": "nicht erschienen",
    "staff.signin": "Anmeldung für Mitarbeitende", "staff.key": "Dispositions-Schlüssel",
    date: "Betriebstag", refresh: "Aktualisieren", "caller.title": "Für Anrufende buchen",
    "caller.privacy": "Name und Telefon werden für die Fahrerin oder den Fahrer gespeichert und nie protokolliert.",
    "caller.quote": "Fahrt suchen", "caller.offer": "Angebot: Abholung zwischen {a} und {b}, Ankunft etwa {c}.",
    "caller.confirm": "Buchung bestätigen", "caller.done": "Gebucht für {name}: Abholung zwischen {a} und {b}.",
    vehicles: "Fahrzeuge", bookings: "Buchungen", "col.time": "Abholung", "col.rider": "Fahrgast", "col.route": "Strecke",
    "col.vehicle": "Fahrzeug", "col.status": "Status", "col.actions": "Aktionen",
    "col.planned": "Geplant", "col.stop": "Halt", "col.phone": "Telefon", "col.window": "Zugesagtes Zeitfenster",
    "col.passengers": "Personen", "manifest.caption": "Fahrtliste von {id}",
    noshow: "Nicht erschienen", "noshow.confirm": "Fahrgast als nicht erschienen markieren?",
    "vehicle.line": "{id} · {area} · {seats} Plätze · Schicht {a}–{b}",
    "vehicle.position": "Position gemeldet", "vehicle.depot": "im Depot",
    "vehicle.late": "verspätet", "vehicle.next": "als Nächstes: {time} {who} {what}", "vehicle.nostops": "Keine Halte an diesem Tag.",
    "stop.pickup": "abholen", "stop.dropoff": "absetzen", "stop.break": "Pause",
    "bookings.none": "Keine Buchungen an diesem Tag.",
    "sim.title": "Einen Betriebstag simulieren", "sim.area": "Bediengebiet",
    "sim.vehicles": "Fahrzeuge (mehrere zum Vergleich, z. B. 2,3,4)",
    "sim.rate": "Anfragen pro Stunde", "sim.seed": "Zufallsstartwert",
    "sim.run": "Simulation starten", "sim.progress": "Fortschritt", "sim.results": "Ergebnisse",
    "sim.running": "Simulation läuft …", "sim.done": "Simulation fertig.",
    "sim.failed": "Die Simulation ist fehlgeschlagen: {why}",
    "sim.badvehicles": "Fahrzeuge: Flottengrößen wie 3 oder 2,3,4 angeben (höchstens 6).",
    "sim.col.variant": "Flotte", "sim.col.served": "Bedient", "sim.col.wait": "Wartezeit p95 (Min.)",
    "sim.col.pooling": "Geteilte Fahrten", "sim.col.km": "Fahrzeug-km", "sim.col.cost": "Kosten je Fahrt",
    "sim.col.requests": "Anfragen", "sim.show": "Zeigen", "sim.report": "Vollständiger Bericht",
    "sim.variant": "{n} Fahrzeuge", "sim.variant.one": "1 Fahrzeug",
    "kpi.requests": "Anfragen", "kpi.served": "Bedient", "kpi.wait": "Wartezeit (Median / p95)",
    "kpi.detour": "Umweg (Median)", "kpi.occupancy": "Fahrgäste je Fahrzeugstunde",
    "kpi.km": "Fahrzeug-km (Leeranteil)", "kpi.cost": "Kosten je bedienter Fahrt", "kpi.co2": "CO₂",
    "plot.map": "Karte der Fahrten des Tages", "plot.occupancy": "Besetzung über den Tag",
    "plot.by_hour": "Anfragen und Bedienung je Stunde", "plot.waits": "Wartezeiten",
    minutes: "{n} Min.", "error.network": "Der Server antwortet nicht. Bitte Verbindung prüfen und erneut versuchen.",
    "error.pick": "„{what}“ aus den Vorschlägen oder auf der Karte wählen.",
    "error.time": "Datum und Uhrzeit wählen.", signedout: "Abgemeldet.",
    "signin.bad": "Dieser Schlüssel wurde nicht angenommen.",
    "signin.staff": "Diese Ansicht braucht einen Dispositions-Schlüssel.", planning: "Verbindungen werden gesucht …", booked: "Gebucht.",
    cancelled: "Storniert.", "noshow.done": "Als nicht erschienen markiert.",
    "problem.outside-region": "Dieser Ort liegt außerhalb der Region.",
    "problem.outside-service-area": "Dieser Ort liegt außerhalb des Rufbus-Gebiets.",
    "problem.outside-service-hours": "Zu dieser Zeit fährt der Rufbus nicht.",
    "problem.booking-notice": "So kurzfristig kann nicht gebucht werden; bitte eine spätere Zeit wählen.",
    "problem.time-in-past": "Diese Zeit liegt in der Vergangenheit.",
    "problem.time-too-far": "So weit im Voraus kann noch nicht gebucht werden.",
    "problem.outside-service-dates": "Für dieses Datum gibt es keinen Fahrplan.",
    "problem.no-vehicle-available": "Zu dieser Zeit ist kein Fahrzeug frei; bitte eine andere Zeit wählen.",
    "problem.no-capacity": "Es sind nicht genug Plätze frei.",
    "problem.ride-time-limit": "Diese Fahrt ist mit dem Rufbus zu lang.",
    "problem.itinerary-unavailable": "Diese Verbindung ist nicht mehr buchbar; bitte erneut suchen.",
    "problem.quote-expired": "Das Angebot ist abgelaufen; bitte erneut suchen.",
    "problem.quote-stale": "Das Angebot ist nicht mehr gültig; bitte erneut suchen.",
    "problem.ride-finished": "Diese Fahrt hat schon begonnen oder ist beendet.",
    "problem.wrong-status": "Das passt nicht zum Stand dieser Buchung.",
    "problem.unauthorized": "Bitte anmelden.",
    "problem.forbidden": "Dafür fehlt die Berechtigung.",
    "problem.signup-closed": "Konten werden von der Disposition angelegt; bitte anrufen.",
    "problem.too-many-signups": "Von hier wurden zu viele Konten angelegt; bitte später erneut versuchen.",
    "problem.simulation-running": "Es läuft schon eine Simulation; bitte warten.",
    "problem.store-unavailable": "Der Server ist gerade ausgelastet; bitte gleich noch einmal versuchen.",
    "problem.validation": "Bitte die Eingaben prüfen.",
    "problem.unreachable": "Dieser Ort ist über die Straßen nicht erreichbar.",
    "problem.no-service-area": "Hier gibt es keinen Rufbus.",
    "problem.quote-used": "Dieses Angebot ist schon gebucht.",
    "problem.conflict": "Jemand hat gleichzeitig gebucht; bitte erneut versuchen.",
    "problem.invalid-input": "Bitte die Eingaben prüfen.",
    "problem.not-found": "Nicht gefunden.",
    "problem.too-large": "Die Anfrage ist zu groß.",
    "problem.idempotency-key-reused": "Diese Buchung wurde schon mit anderen Angaben gesendet; bitte neu suchen.",
    "problem.unknown-rider": "Diesen Fahrgast gibt es nicht.",
    "problem.itinerary-spans-days": "Verbindungen über Mitternacht können nicht am Stück gebucht werden.",
    "problem.implausible-time": "Diese Zeit ist nicht plausibel.",
    "connection.on_time": "erreicht den Anschluss (Ankunft bis {time})",
    "connection.missed": "verspätet: der Anschluss um {time} wird evtl. verpasst – bitte die Disposition anrufen",
  },
};

let lang = "en";
const listeners = [];

export function t(key, vars = {}) {
  const text = TEXTS[lang][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

/** Whether `key` has a text (in English at least): which kinds of places have a label. */
export function has(key) {
  return key in TEXTS.en;
}

export function language() {
  return lang;
}

/** A text for `key` in the current language only (no English fallback), or null. */
export function tOwn(key) {
  return TEXTS[lang][key] ?? null;
}

/** Switch the interface language: static texts now, code-made texts through onLanguage. */
export function setLanguage(next) {
  lang = next in TEXTS ? next : "en";
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(",")) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr, t(key));
    }
  }
  for (const f of listeners) f(lang);
}

export function onLanguage(f) {
  listeners.push(f);
}
