// The driver's screen: the next stop large (where, who, when, the dispatcher's note, a
// navigation link, a call button, the buttons that fit), and the shift's stops in order.
import { t } from "./i18n.js";
import { clock, el } from "./format.js";
import { actions, arrivedAt, geoUri, nextStop, telUri } from "./driverstops.js";

const LABELS = { arrived: "driver.arrived", picked_up: "driver.pickedup",
  no_show: "driver.noshow", dropped_off: "driver.droppedoff", position: "driver.position" };

/** A stop's place in plain words (its coordinates when the server names none). */
export function placeOf(stop) {
  return stop.placeName || t("place.coords", {
    lat: stop.location.lat.toFixed(5), lon: stop.location.lon.toFixed(5) });
}

export function riderOf(stop) {
  return stop.riderName || t("rider.anonymous");
}

/** What a report is called on its button (and in the messages about it). */
export function reportLabel(type) {
  return t(LABELS[type]);
}

function passengers(n) {
  return n === 1 ? t("driver.passengers.1") : t("driver.passengers.n", { n });
}

function riders(stop) {
  const tel = telUri(stop.riderPhone);
  return el("div", { class: "rider" },
    el("p", { class: "who" }, el("strong", {}, riderOf(stop)), " · ", passengers(stop.passengers),
      stop.wheelchair ? [" · ", el("span", { class: "wheelchair" }, t("driver.wheelchair"))] : null),
    tel ? el("a", { class: "big call", href: tel }, t("driver.call", { name: riderOf(stop) })) : null);
}

function button(a, stop, press) {
  const text = a.enabled || !a.from ? reportLabel(a.type) : t("noshow.from", { time: clock(a.from) });
  return el("button", { type: "button", class: `big act ${a.type.replace("_", "")}`,
    disabled: !a.enabled, dataset: { action: a.type },
    onclick: () => press(a.type, stop) }, text);
}

/** The next stop into `box`; `press(type, stop)` reports. */
export function renderNext(box, view, nowMs, press) {
  const stop = nextStop(view);
  if (!stop) {
    delete box.dataset.booking;
    box.replaceChildren(el("p", { class: "none" }, t("driver.nostops")));
    return;
  }
  // drawn again as time passes and stops reload: the keyboard's place stays where it was
  const same = box.dataset.booking === stop.bookingId && box.dataset.kind === stop.kind;
  const focused = same && box.contains(document.activeElement) ? document.activeElement.dataset.action : null;
  box.dataset.booking = stop.bookingId;
  box.dataset.kind = stop.kind;
  const arrived = arrivedAt(view, stop);
  box.replaceChildren(...[
    el("p", { class: `kind ${stop.kind}` }, t(`driver.kind.${stop.kind}`), " · ",
      t("driver.planned", { time: clock(stop.plannedTime) })),
    el("p", { class: "place" }, placeOf(stop)),
    stop.window ? el("p", { class: "window" }, t("driver.window",
      { a: clock(stop.window.start), b: clock(stop.window.end) })) : null,
    riders(stop),
    stop.note ? el("p", { class: "note" }, el("strong", {}, t("driver.note")), " ", stop.note) : null,
    el("a", { class: "big nav", href: geoUri(stop, placeOf(stop)) }, t("driver.navigate")),
    arrived ? el("p", { class: "arrived" }, t("driver.arrived.at", { time: clock(arrived) })) : null,
    el("div", { class: "actions" }, actions(view, stop, nowMs).map((a) => button(a, stop, press))),
  ].filter(Boolean));
  const again = focused && box.querySelector(`button[data-action="${focused}"]:not([disabled])`);
  if (again) again.focus();
}

/** The stops left, in order, into the list `ol` (the next one marked as the current step). */
export function renderStops(ol, view) {
  const next = nextStop(view);
  ol.replaceChildren(...view.stops.map((s) => el("li", {
    class: `stop ${s.kind}`, "aria-current": s === next ? "step" : null,
    dataset: { booking: s.bookingId || "", kind: s.kind } },
  el("span", { class: "time" }, clock(s.plannedTime)), " ",
  el("span", { class: "what" }, t(`driver.kind.${s.kind}`)), " ",
  el("span", { class: "where" }, placeOf(s)),
  s.kind === "break" ? null : el("span", { class: "who" }, riderOf(s), " · ",
    passengers(s.passengers), s.wheelchair ? [" · ", t("driver.wheelchair")] : null))));
  if (!view.stops.length) ol.replaceChildren(el("li", { class: "none" }, t("driver.nostops")));
}
