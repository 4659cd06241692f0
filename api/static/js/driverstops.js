// What the driver sees of the shift: the stops as the server last sent them, with the
// reports made on this phone applied on top, so that the screen follows a press at once,
// offline too. Applying a report the server already knows changes nothing (its stop is
// gone already), so reports sent lately stay applied until they are forgotten.

const key = (bookingId, kind) => `${bookingId}:${kind}`;

/** The manifest after `reports` (oldest first): stops done or not shown up taken off,
 *  riders on board, and the stops arrived at (stop key → the time of the report). */
export function applyReports(manifest, reports) {
  const gone = new Set();
  const arrived = new Map();
  const onBoard = new Set(manifest.onBoard || []);
  for (const r of reports) {
    if (r.type === "picked_up") {
      gone.add(key(r.bookingId, "pickup"));
      onBoard.add(r.bookingId);
    } else if (r.type === "dropped_off") {
      gone.add(key(r.bookingId, "dropoff"));
      onBoard.delete(r.bookingId);
    } else if (r.type === "no_show") {
      gone.add(key(r.bookingId, "pickup"));
      gone.add(key(r.bookingId, "dropoff"));
    } else if (r.type === "arrived") {
      arrived.set(key(r.bookingId, r.stop), r.time);
    }
  }
  const stops = (manifest.stops || []).filter((s) => !gone.has(key(s.bookingId, s.kind)));
  return { ...manifest, stops, onBoard: [...onBoard], arrived };
}

/** The stop to drive to: the first one with a rider (a break is shown in the list). */
export function nextStop(view) {
  return view.stops.find((s) => s.kind !== "break") || null;
}

/** When the driver arrived at `stop` (ISO text), or null. */
export function arrivedAt(view, stop) {
  return view.arrived.get(key(stop.bookingId, stop.kind)) || null;
}

/**
 * The buttons a stop has, in order: [{type, enabled, from?}]. A pickup: arrived (until
 * reported), picked up, no-show (only from the pickup window's start: the server refuses it
 * before); a drop-off: arrived, dropped off (once the rider is on board).
 */
export function actions(view, stop, nowMs) {
  if (!stop || stop.kind === "break") return [];
  const out = [];
  if (!arrivedAt(view, stop)) out.push({ type: "arrived", enabled: true });
  const aboard = view.onBoard.includes(stop.bookingId);
  if (stop.kind === "pickup" && !aboard) {
    out.push({ type: "picked_up", enabled: true });
    const from = stop.window ? Date.parse(stop.window.start) : NaN;
    out.push({ type: "no_show", enabled: !(nowMs < from), from: stop.window && stop.window.start });
  } else if (stop.kind === "dropoff" && aboard) {
    out.push({ type: "dropped_off", enabled: true });
  }
  return out;
}

/** A link that opens the phone's navigation app at the stop (RFC 5870 with a label). */
export function geoUri(stop, label) {
  const { lat, lon } = stop.location;
  const name = String(label || "").replace(/[()]/g, " ").trim();
  return `geo:${lat},${lon}?q=${lat},${lon}${name ? `(${encodeURIComponent(name)})` : ""}`;
}

/** A phone number as a tel: link (digits and a leading +; null when none is left). */
export function telUri(phone) {
  const digits = String(phone || "").replace(/[^\d+]/g, "").replace(/(?!^)\+/g, "");
  return digits.replace("+", "") ? `tel:${digits}` : null;
}
