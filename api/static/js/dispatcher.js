// The dispatcher's view: vehicles with their manifests and positions, the day's bookings
// with their status (cancel, no-show), and booking a ride for someone who phones in.
import { api } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { clock, el, focusKey, localInput, restoreFocus } from "./format.js";
import { PlaceField } from "./places.js";

export class DispatcherView {
  constructor(ctx, staff) {
    this.ctx = ctx;
    this.staff = staff;
    this.from = new PlaceField("cfrom", ctx.map, ctx.status, () => t("from"));
    this.to = new PlaceField("cto", ctx.map, ctx.status, () => t("to"));
    this.names = new Map(); // booking id → rider name, from the manifests
    this.rider = null; // the caller's rider record, reused while name and phone stay
    this.quote = null;
    this.date = document.getElementById("disp-date");
    this.date.value = localInput(Date.now()).slice(0, 10);
    document.getElementById("caller-time").value = localInput(Date.now() + 2 * 3600e3 - (Date.now() % 900e3));
    this.date.addEventListener("change", () => this.load());
    document.getElementById("disp-refresh").addEventListener("click", () => this.load());
    document.getElementById("caller-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.offer(); });
    onLanguage(() => { if (this.active && staff.me) this.load(); });
    staff.onChange((ok) => { if (ok && this.active) this.load(); });
  }

  show() {
    this.active = true;
    this.ctx.map.clearRoute();
    this.ctx.map.fitAreas();
    if (this.staff.me) this.load();
    // live enough for a dispatch desk: bookings and positions every 30 s
    this.timer = setInterval(() => { if (this.staff.me) this.load(); }, 30_000);
  }

  hide() {
    this.active = false;
    clearInterval(this.timer);
    this.ctx.map.fleet.clearLayers();
  }

  async load() {
    const date = this.date.value;
    const mine = (this.seq = (this.seq || 0) + 1); // a newer load (date typed on, timer) wins
    try {
      const { vehicles } = await api("/api/v1/vehicles", { who: "staff" });
      const manifests = await Promise.all(vehicles.map((v) => api(
        `/api/v1/vehicles/${encodeURIComponent(v.id)}/manifest`, { who: "staff", query: { date } })));
      await this.ctx.map.ready; // bookings are named by their nearest stops
      if (mine !== this.seq) return;
      this.names.clear();
      for (const m of manifests) for (const s of m.stops) if (s.bookingId) this.names.set(s.bookingId, s.riderName);
      this.renderVehicles(vehicles, manifests);
      const { bookings } = await api("/api/v1/bookings", { who: "staff", query: { date, limit: 500 } });
      if (mine !== this.seq) return;
      this.renderBookings(bookings);
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  renderVehicles(vehicles, manifests) {
    const box = document.getElementById("vehicle-list");
    const focused = focusKey(box);
    const marks = [];
    const stops = [];
    box.replaceChildren(...vehicles.map((v, i) => {
      const m = manifests[i];
      const pos = m.position || v.depot;
      marks.push({ id: v.id, lat: pos.lat, lon: pos.lon, label: v.id });
      stops.push(...m.stops.filter((s) => s.kind !== "break").map((s) => ({ ...s, vehicleId: v.id })));
      const where = m.position ? t("vehicle.position") : t("vehicle.depot");
      const next = m.stops.find((s) => Date.parse(s.plannedTime) >= Date.now());
      const nextText = next ? ` · ${t("vehicle.next", { time: clock(next.plannedTime),
        what: t(`stop.${next.kind}`), who: next.riderName || "" })}` : "";
      const rows = m.stops.map((s) => el("tr", { class: `stop-${s.kind}` },
        el("td", {}, clock(s.plannedTime)),
        el("td", {}, t(`stop.${s.kind}`)),
        el("td", {}, s.riderName || ""),
        el("td", { class: "nowrap" }, s.riderPhone || ""),
        el("td", { class: "nowrap" }, s.window ? `${clock(s.window.start)}–${clock(s.window.end)}` : ""),
        el("td", {}, s.passengers ? `${s.passengers}${s.wheelchair ? " ♿" : ""}` : "")));
      return el("article", { class: "vehicle", dataset: { id: v.id } },
        el("h3", {}, t("vehicle.line", { id: v.id, area: v.area, seats: v.seats, a: v.shiftStart, b: v.shiftEnd })),
        el("p", { class: "hint" }, where, nextText, m.late ? ` · ${t("vehicle.late")}` : ""),
        m.stops.length ? el("div", { class: "scroll" }, el("table", { class: "table manifest" },
          el("caption", { class: "sr-only" }, t("manifest.caption", { id: v.id })),
          el("thead", {}, el("tr", {}, ["col.planned", "col.stop", "col.rider", "col.phone",
            "col.window", "col.passengers"].map((k) => el("th", { scope: "col" }, t(k))))),
          el("tbody", {}, rows)))
          : el("p", { class: "empty" }, t("vehicle.nostops")));
    }));
    restoreFocus(box, focused);
    if (this.active) {
      this.ctx.map.showVehicles(marks);
      this.ctx.map.showStops(stops);
    }
  }

  renderBookings(bookings) {
    const body = document.getElementById("booking-rows");
    const focused = focusKey(body);
    if (!bookings.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "empty" }, t("bookings.none"))));
      return;
    }
    bookings.sort((a, b) => a.pickupWindow.start.localeCompare(b.pickupWindow.start));
    body.replaceChildren(...bookings.map((b) => {
      const actions = el("td", { class: "actions" });
      if (b.status === "confirmed") {
        actions.append(
          el("button", { type: "button", class: "noshow", onclick: () => this.noShow(b) }, t("noshow")), " ",
          el("button", { type: "button", class: "danger cancel", onclick: () => this.cancel(b) }, t("cancel")));
      }
      return el("tr", { class: `booking status-${b.status}`, dataset: { id: b.id } },
        el("td", {}, `${clock(b.pickupWindow.start)}–${clock(b.pickupWindow.end)}`),
        el("td", {}, this.names.get(b.id) || b.riderId),
        el("td", {}, el("button", { type: "button", class: "link route", title: t("itin.show"),
          onclick: () => this.ctx.map.showRide(b) },
        `${this.ctx.map.nearestStop(b.origin.lat, b.origin.lon)} → ${this.ctx.map.nearestStop(b.destination.lat, b.destination.lon)}`)),
        el("td", {}, b.vehicleId),
        el("td", {}, el("span", { class: "badge" }, t(`status.${b.status}`))),
        actions);
    }));
    restoreFocus(body, focused);
  }

  async noShow(b) {
    if (!window.confirm(t("noshow.confirm"))) return;
    try {
      await api(`/api/v1/vehicles/${encodeURIComponent(b.vehicleId)}/events`, {
        method: "POST", who: "staff", body: { type: "no_show", bookingId: b.id } });
      this.ctx.status(t("noshow.done"));
      await this.load();
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  async cancel(b) {
    if (!window.confirm(t("cancel.confirm"))) return;
    try {
      await api(`/api/v1/bookings/${encodeURIComponent(b.id)}`, { method: "DELETE", who: "staff" });
      this.ctx.status(t("cancelled"));
      await this.load();
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  // -- booking for a caller ---------------------------------------------------------------------
  async offer() {
    const name = document.getElementById("caller-name");
    const phone = document.getElementById("caller-phone");
    if (!name.value.trim()) return this.ctx.error(t("error.name"), name);
    if (!this.from.value) return this.ctx.error(t("error.pick", { what: t("from") }), this.from.input);
    if (!this.to.value) return this.ctx.error(t("error.pick", { what: t("to") }), this.to.input);
    const time = document.getElementById("caller-time").value;
    if (!time) return this.ctx.error(t("error.time"), document.getElementById("caller-time"));
    const who = { name: name.value.trim(), phone: phone.value.trim() || null };
    try {
      if (!this.rider || this.rider.name !== who.name || this.rider.phone !== who.phone) {
        const r = await api("/api/v1/riders", { method: "POST", who: "staff", body: who });
        this.rider = { id: r.id, ...who };
      }
      this.quote = await api("/api/v1/quotes", { method: "POST", who: "staff", body: {
        origin: { lat: this.from.value.lat, lon: this.from.value.lon },
        destination: { lat: this.to.value.lat, lon: this.to.value.lon },
        time, timeType: document.querySelector('input[name="ctimeType"]:checked').value,
        passengers: Number(document.getElementById("caller-passengers").value) || 1,
        wheelchair: document.getElementById("caller-wheelchair").checked, riderId: this.rider.id,
      } });
      const q = this.quote;
      const box = document.getElementById("caller-offer");
      box.hidden = false;
      box.replaceChildren(
        el("p", { class: "offer" }, t("caller.offer", { a: clock(q.pickupWindow.start), b: clock(q.pickupWindow.end), c: clock(q.estimatedDropoff) })),
        el("button", { type: "button", class: "primary confirm", onclick: () => this.confirm() }, t("caller.confirm")));
      box.querySelector("button").focus();
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  async confirm() {
    const q = this.quote;
    if (!q) return;
    try {
      const b = await api("/api/v1/bookings", { method: "POST", who: "staff", body: { quoteId: q.id },
        headers: { "Idempotency-Key": `quote-${q.id}` } });
      const box = document.getElementById("caller-offer");
      box.replaceChildren(el("p", { class: "done" }, t("caller.done", {
        name: this.rider.name, a: clock(b.pickupWindow.start), b: clock(b.pickupWindow.end) })));
      this.quote = null;
      this.ctx.status(t("booked"));
      this.date.value = localInput(Date.parse(b.pickupWindow.start)).slice(0, 10);
      await this.load();
    } catch (e) {
      this.ctx.fail(e);
    }
  }
}

