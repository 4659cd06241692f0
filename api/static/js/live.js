// The dispatch desk's live picture: each vehicle where it last reported, moved between
// reports along its next stops by their planned times (straight lines: the plans carry no
// street geometry), refreshed every 15 s; and the rides running late in a card of their
// own — late pickups with the minutes and what was done, missed connections with the next
// departure offered.
import { api } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { clock, el, focusKey, restoreFocus } from "./format.js";

const REFRESH_MS = 15_000;
const STEP_MS = 1_000;

/** Where a vehicle is at `now` (epoch ms) by its last report and plan: at the reported
 *  position until its plan goes on from there (`readyAt`), then on the straight line to
 *  each next stop, reaching it at its planned time; at its last stop after that. A vehicle
 *  that has not reported stays at `depot`. */
export function positionAt(v, depot, now) {
  if (!v || !v.position) return depot;
  let from = v.position;
  let t0 = Date.parse(v.readyAt || v.reportedAt || 0);
  for (const s of v.next || []) {
    const t1 = Date.parse(s.plannedTime);
    if (now < t1) {
      if (now <= t0 || t1 <= t0) return from;
      const f = (now - t0) / (t1 - t0);
      return { lat: from.lat + f * (s.location.lat - from.lat), lon: from.lon + f * (s.location.lon - from.lon) };
    }
    from = s.location;
    t0 = Math.max(t0, t1);
  }
  return from;
}

export class LiveFleet {
  /** `names(bookingId)`: the rider's name as the desk knows it (or null). */
  constructor(ctx, names) {
    this.ctx = ctx;
    this.names = names;
    this.fleet = []; // [{id, depot}] from /vehicles
    this.live = new Map(); // id → the vehicle's live record
    this.offset = 0; // the service's clock minus this browser's
    this.date = null;
    this.card = this.makeCard();
    onLanguage(() => { if (this.alerts) this.renderAlerts(this.alerts); });
  }

  /** The alerts card, first in the dispatcher's view (right under the day chosen). */
  makeCard() {
    const card = el("section", { class: "card live-alerts", id: "alerts-card", "aria-labelledby": "alerts-title" },
      el("h2", { id: "alerts-title", "data-i18n": "alerts.title" }, t("alerts.title")),
      el("ul", { id: "alert-list", class: "alerts", "aria-live": "polite" }));
    document.getElementById("disp-date").closest(".card").after(card);
    return card;
  }

  start(date) {
    this.stop();
    this.date = date;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    this.stepper = setInterval(() => this.draw(), STEP_MS);
  }

  stop() {
    clearInterval(this.timer);
    clearInterval(this.stepper);
    this.timer = this.stepper = null;
    this.ctx.map.clearVehicles();
  }

  /** The fleet (with depots) from the desk's own load: drawn at once; the alerts named
   *  again (the desk knows the riders' names from the manifests it loaded with it). */
  setFleet(vehicles) {
    this.fleet = vehicles.map((v) => ({ id: v.id, depot: v.depot }));
    this.draw();
    if (this.alerts) this.renderAlerts(this.alerts);
  }

  async refresh() {
    const date = this.date;
    const mine = (this.seq = (this.seq || 0) + 1);
    try {
      const [fleet, alerts] = await Promise.all([
        api("/api/v1/vehicles/live", { who: "staff", query: { date } }),
        api("/api/v1/alerts", { who: "staff", query: { date } })]);
      if (mine !== this.seq || date !== this.date) return;
      this.offset = Date.parse(fleet.now) - Date.now();
      this.live = new Map(fleet.vehicles.map((v) => [v.id, v]));
      this.alerts = alerts.alerts;
      this.renderAlerts(alerts.alerts);
      this.draw();
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  /** Every vehicle at its place now (by the service's clock). */
  draw() {
    const now = Date.now() + this.offset;
    const marks = [];
    for (const f of this.fleet) {
      const v = this.live.get(f.id);
      const p = positionAt(v, f.depot, now);
      if (!p) continue;
      const label = v && v.reportedAt
        ? t("live.vehicle", { id: f.id, time: clock(v.reportedAt) }) : f.id;
      marks.push({ id: f.id, lat: p.lat, lon: p.lon, label, late: Boolean(v && v.late),
        moving: Boolean(v && v.position) });
    }
    this.ctx.map.moveVehicles(marks);
  }

  renderAlerts(list) {
    const box = document.getElementById("alert-list");
    const focused = focusKey(box);
    if (!list.length) {
      box.replaceChildren(el("li", { class: "empty" }, t("alerts.none")));
      return;
    }
    box.replaceChildren(...list.map((a) => {
      const who = this.names(a.bookingId) || a.bookingId;
      const what = a.kind === "late"
        ? t("alert.late", { window: `${clock(a.pickupWindow.start)}–${clock(a.pickupWindow.end)}`,
          who, n: a.minutesLate, vehicle: a.vehicleId, time: a.estimatedPickup ? clock(a.estimatedPickup) : "–" })
        : t("alert.missed", { who, by: a.dropOffBy ? clock(a.dropOffBy) : "–", n: a.minutesLate,
          vehicle: a.vehicleId, time: a.estimatedDropoff ? clock(a.estimatedDropoff) : "–" });
      const parts = [el("span", { class: "what" }, what)];
      if (a.kind === "connection_missed") {
        parts.push(" · ", el("span", { class: "next" }, a.next
          ? t("alert.next", { time: clock(a.next), line: t(a.nextHeadsign ? "alert.line" : "alert.line.plain",
            { route: a.nextRoute || "", headsign: a.nextHeadsign || "", stop: a.nextStop || "" }) })
          : t("alert.nonext")));
      }
      parts.push(" · ", el("span", { class: `action action-${a.action}` },
        t(`alert.action.${a.action}`, { vehicle: a.toVehicle || "" })));
      return el("li", { class: `alert alert-${a.kind} alert-${a.action}`, dataset: { id: a.bookingId } }, ...parts);
    }));
    restoreFocus(box, focused);
  }
}
