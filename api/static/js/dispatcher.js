// The dispatcher's view: vehicles with their manifests and positions, the day's bookings
// with their riders, notes for the driver and status (cancel, no-show from the pickup
// window's start), and booking a ride for someone who phones in — found again by name or
// phone number when they called before.
import { api, ApiError } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { clock, el, focusKey, localInput, money, restoreFocus } from "./format.js";
import { PlaceField } from "./places.js";
import { CallerSearch } from "./callers.js";
import { LiveFleet } from "./live.js";
import { StandingOrders } from "./standing.js";
import { ServiceAlerts } from "./servicealerts.js";
import { RecentRatings } from "./rating.js";
import { AuditLog } from "./audit.js";
import { MoveTour } from "./movetour.js";
import { MonthlyReport } from "./monthreport.js";

const ANONYMOUS = "r_anonymous";
const OPEN = ["confirmed", "on_board"]; // a note can change until the ride is over

/** Digits of a phone number, and a name without case, accents or extra spaces: how a typed
 *  caller is matched to a stored one (the API's search matches the same way). */
const digitsOf = (s) => (s || "").replace(/\D/g, "");
const folded = (s) => (s || "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().split(/\s+/).filter(Boolean).join(" ");

/** A vehicle's heading: its shift, or today's available windows (none: not available). */
function vehicleLine(v) {
  const windows = v.windows || [];
  if (windows.length > 1) {
    return t("vehicle.windows", { id: v.id, area: v.area, seats: v.seats, w: windows.map((w) => w.join("–")).join(", ") });
  }
  if (!v.shiftStart) return t("vehicle.off", { id: v.id, area: v.area, seats: v.seats });
  return t("vehicle.line", { id: v.id, area: v.area, seats: v.seats, a: v.shiftStart, b: v.shiftEnd });
}

export class DispatcherView {
  constructor(ctx, staff) {
    this.ctx = ctx;
    this.staff = staff;
    this.from = new PlaceField("cfrom", ctx.map, ctx.status, () => t("from"));
    this.to = new PlaceField("cto", ctx.map, ctx.status, () => t("to"));
    this.names = new Map(); // booking id → rider name, from the manifests
    this.rider = null; // the caller's rider record, reused while name and phone stay
    this.quote = null;
    this.editing = null; // the booking whose note is being edited: not redrawn meanwhile
    this.search = new CallerSearch((r) => this.known(r));
    this.live = new LiveFleet(ctx, (id) => this.names.get(id) || null);
    this.serviceAlerts = new ServiceAlerts(ctx);
    this.ratings = new RecentRatings(ctx);
    this.audit = new AuditLog(ctx, staff);
    this.moveTour = new MoveTour(ctx, document.getElementById("disp-date"), () => this.load());
    this.monthly = new MonthlyReport(ctx);
    this.standing = new StandingOrders({ prefix: "cs", who: "staff",
      time: document.getElementById("caller-time"), ride: (msg) => this.standingRide(msg),
      rider: () => this.standingRider() });
    document.getElementById("caller-new").addEventListener("click", () => this.known(null));
    for (const id of ["caller-name", "caller-phone"]) {
      document.getElementById(id).addEventListener("input", () => this.showKnown());
    }
    this.date = document.getElementById("disp-date");
    this.date.value = localInput(Date.now()).slice(0, 10);
    document.getElementById("caller-time").value = localInput(Date.now() + 2 * 3600e3 - (Date.now() % 900e3));
    this.date.addEventListener("change", () => { this.load(); if (this.active && staff.me) this.live.start(this.date.value); });
    document.getElementById("disp-refresh").addEventListener("click", () => this.load());
    document.getElementById("caller-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.offer(); });
    onLanguage(() => { if (this.active && staff.me) this.load(); });
    staff.onChange((ok) => {
      if (ok && this.active) { this.load(); this.live.start(this.date.value); }
      if (!ok) this.live.stop();
    });
  }

  show() {
    this.active = true;
    this.ctx.map.clearRoute();
    this.ctx.map.fitAreas();
    if (this.staff.me) this.load();
    // live enough for a dispatch desk: bookings every 30 s, vehicles and alerts every 15 s
    this.timer = setInterval(() => { if (this.staff.me) this.load(); }, 30_000);
    if (this.staff.me) this.live.start(this.date.value);
  }

  hide() {
    this.active = false;
    clearInterval(this.timer);
    this.live.stop();
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
      this.moveTour.setVehicles(vehicles);
      this.serviceAlerts.load(); // its own errors: the bookings still load
      this.ratings.load();
      this.audit.load();
      const list = await api("/api/v1/bookings", { who: "staff", query: { date, limit: 500 } });
      if (mine !== this.seq) return;
      this.bookings = list;
      if (!this.editing) this.renderBookings(list.bookings, list.now);
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  renderVehicles(vehicles, manifests) {
    const box = document.getElementById("vehicle-list");
    const focused = focusKey(box);
    const stops = [];
    box.replaceChildren(...vehicles.map((v, i) => {
      const m = manifests[i];
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
        el("td", {}, s.passengers ? `${s.passengers}${s.wheelchair ? " ♿" : ""}` : ""),
        el("td", { class: "note" }, s.note || "")));
      return el("article", { class: "vehicle", dataset: { id: v.id } },
        el("h3", {}, vehicleLine(v)),
        el("p", { class: "hint" }, where, nextText, m.late ? ` · ${t("vehicle.late")}` : ""),
        // a wide manifest scrolls sideways in its own box, which the keyboard can reach
        m.stops.length ? el("div", { class: "scroll", tabindex: 0, role: "region",
          "aria-label": t("manifest.caption", { id: v.id }) }, el("table", { class: "table manifest" },
          el("caption", { class: "sr-only" }, t("manifest.caption", { id: v.id })),
          el("thead", {}, el("tr", {}, ["col.planned", "col.stop", "col.rider", "col.phone",
            "col.window", "col.passengers", "col.note"].map((k) => el("th", { scope: "col" }, t(k))))),
          el("tbody", {}, rows)))
          : el("p", { class: "empty" }, t("vehicle.nostops")));
    }));
    restoreFocus(box, focused);
    if (this.active) {
      this.ctx.map.fleet.clearLayers();
      this.ctx.map.showStops(stops);
      this.live.setFleet(vehicles); // where each is now: the live picture moves them
    }
  }

  renderBookings(bookings, now) {
    const body = document.getElementById("booking-rows");
    const focused = focusKey(body);
    if (!bookings.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "empty" }, t("bookings.none"))));
      return;
    }
    const serverNow = Date.parse(now); // the service's clock, not this browser's
    bookings.sort((a, b) => a.pickupWindow.start.localeCompare(b.pickupWindow.start));
    body.replaceChildren(...bookings.map((b) => {
      // one box per cell: on a phone a cell is its label and this box side by side
      const cell = (key, attrs, ...children) => el("td", { "data-label": t(key), ...attrs },
        el("div", { class: "cell" }, ...children));
      const actions = el("div", { class: "actions" });
      if (b.status === "confirmed") {
        if (b.noShowFrom && Date.parse(b.noShowFrom) <= serverNow) {
          actions.append(el("button", { type: "button", class: "noshow", onclick: () => this.noShow(b) }, t("noshow")));
        } else if (b.noShowFrom) {
          actions.append(el("span", { class: "hint noshow-later" }, t("noshow.from", { time: clock(b.noShowFrom) })));
        }
        actions.append(el("button", { type: "button", class: "danger cancel", onclick: () => this.cancel(b) }, t("cancel")));
      }
      return el("tr", { class: `booking status-${b.status}`, dataset: { id: b.id } },
        cell("col.time", { class: "nowrap" }, `${clock(b.pickupWindow.start)}–${clock(b.pickupWindow.end)}`),
        cell("col.rider", { class: "rider" }, this.riderCell(b)),
        // the status and what can be done about it, side by side
        cell("col.status", { class: "status-cell" }, el("span", { class: "badge" }, t(`status.${b.status}`)),
          actions.childElementCount ? actions : ""),
        cell("col.route", {}, el("button", { type: "button", class: "link route", title: t("itin.show"),
          onclick: () => this.ctx.map.showRide(b) }, this.routeText(b))),
        cell("col.note", { class: "note" }, this.noteCell(b)),
        cell("col.vehicle", {}, b.vehicleId));
    }));
    restoreFocus(body, focused);
  }

  /** The rider's name and phone: from the booking (kept after it ends, until the rider is
   *  forgotten), else from the manifests; an anonymised ride names nobody. */
  riderCell(b) {
    const name = b.riderName || this.names.get(b.id) || (b.riderId === ANONYMOUS ? t("rider.anonymous") : b.riderId);
    return [el("span", { class: "name" }, name),
      b.riderPhone ? el("span", { class: "phone nowrap" }, b.riderPhone) : ""];
  }

  /** Where from and to: the API's place names when it gives them, else the nearest stops. */
  routeText(b) {
    const from = b.originName || this.ctx.map.nearestStop(b.origin.lat, b.origin.lon);
    const to = b.destinationName || this.ctx.map.nearestStop(b.destination.lat, b.destination.lon);
    return `${from} → ${to}`;
  }

  noteCell(b) {
    const text = el("span", { class: "note-text" }, b.note || "");
    if (!OPEN.includes(b.status) || b.riderId === ANONYMOUS) return text;
    return [text, " ", el("button", { type: "button", class: "link edit-note",
      onclick: () => this.editNote(b) }, t(b.note ? "note.edit" : "note.add"))];
  }

  /** Edit a booking's note in place (the list is not redrawn meanwhile). */
  editNote(b) {
    const row = document.querySelector(`#booking-rows tr[data-id="${CSS.escape(b.id)}"]`);
    const td = row && row.querySelector("td.note");
    if (!td) return;
    this.editing = b.id;
    const id = `note-${b.id}`;
    const input = el("input", { id, type: "text", maxlength: 300, autocomplete: "off", class: "note-input" });
    input.value = b.note || "";
    const done = () => { this.editing = null; this.load(); };
    const form = el("form", { class: "note-form", novalidate: true },
      el("label", { for: id, class: "sr-only" }, t("col.note")), input,
      el("div", { class: "actions" },
        el("button", { type: "submit", class: "primary save-note" }, t("note.save")),
        el("button", { type: "button", class: "discard-note", onclick: done }, t("note.discard"))));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api(`/api/v1/bookings/${encodeURIComponent(b.id)}`, { method: "PATCH", who: "staff",
          body: { note: input.value.trim() || null } });
        this.ctx.status(t("note.saved"));
        done();
      } catch (e) {
        this.ctx.fail(e);
        input.focus();
      }
    });
    form.addEventListener("keydown", (ev) => { if (ev.key === "Escape") done(); });
    td.replaceChildren(form);
    input.focus();
  }

  async noShow(b) {
    if (!window.confirm(t("noshow.confirm"))) return;
    try {
      await api(`/api/v1/vehicles/${encodeURIComponent(b.vehicleId)}/events`, {
        method: "POST", who: "staff", body: { type: "no_show", bookingId: b.id } });
      this.ctx.status(t("noshow.done"));
      await this.load();
    } catch (e) {
      // too early: said in the interface's language, with the window's start
      if (e instanceof ApiError && e.problem.noShowFrom) {
        this.ctx.status(t("noshow.early", { time: clock(e.problem.noShowFrom) }), "error");
      } else {
        this.ctx.fail(e);
      }
      await this.load();
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
  /** A known caller chosen from the search (or none: a new caller). */
  known(r) {
    this.rider = r;
    document.getElementById("caller-name").value = r ? r.name || "" : "";
    document.getElementById("caller-phone").value = r ? r.phone || "" : "";
    this.showKnown();
    document.getElementById(r ? "caller-note" : "caller-find").focus();
  }

  /** Say whom the booking is for while the known caller's details stand (and list their
   *  regular rides). */
  showKnown() {
    const box = document.getElementById("caller-known");
    const r = this.rider && this.same(this.rider) ? this.rider : null;
    box.hidden = !r;
    document.getElementById("caller-known-text").textContent = r
      ? t("caller.known", { name: r.name }) : "";
    const id = r ? r.id : null;
    if (id !== this.standing.riderId) this.standing.load(id);
  }

  /** The form's ride as a regular ride asks for it (its time of day), or null when
   *  something is missing (said in `msg`, at the field). */
  standingRide(msg) {
    const time = document.getElementById("caller-time");
    const m = /T(\d\d:\d\d)$/.exec(time.value || "");
    const miss = (text, input) => { msg.error(text, input); return null; };
    if (!document.getElementById("caller-name").value.trim()) return miss(t("error.name"), document.getElementById("caller-name"));
    if (!this.from.value) return miss(t("error.pick", { what: t("from") }), this.from.input);
    if (!this.to.value) return miss(t("error.pick", { what: t("to") }), this.to.input);
    if (!m) return miss(t("error.time"), time);
    const note = document.getElementById("caller-note").value.trim();
    return {
      origin: { lat: this.from.value.lat, lon: this.from.value.lon },
      destination: { lat: this.to.value.lat, lon: this.to.value.lon },
      time: m[1], timeType: document.querySelector('input[name="ctimeType"]:checked').value,
      passengers: Number(document.getElementById("caller-passengers").value) || 1,
      wheelchair: document.getElementById("caller-wheelchair").checked,
      ...(note ? { note } : {}),
    };
  }

  /** The caller to order for (found, or made now): their id. */
  async standingRider() {
    const name = document.getElementById("caller-name").value.trim();
    const phone = document.getElementById("caller-phone").value.trim();
    this.rider = await this.riderFor({ name, phone: phone || null });
    this.showKnown();
    return this.rider.id;
  }

  /** Whether the form's name and phone are the rider's (as the search matches them). */
  same(r) {
    const name = document.getElementById("caller-name").value;
    const phone = document.getElementById("caller-phone").value;
    return folded(name) === folded(r.name) && digitsOf(phone) === digitsOf(r.phone);
  }

  /** The rider to book for: the one chosen, else a stored rider with this very name and
   *  phone number (a caller not looked up is still not made twice), else a new one. */
  async riderFor(who) {
    if (this.rider && this.same(this.rider)) return this.rider;
    const q = digitsOf(who.phone).length >= 3 ? who.phone : who.name;
    let riders = [];
    try {
      ({ riders } = await api("/api/v1/riders", { who: "staff", query: { q, limit: 50 } }));
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 422) throw e; // too short to search by
    }
    const found = riders.find((r) => this.same(r));
    if (found) return found;
    const r = await api("/api/v1/riders", { method: "POST", who: "staff", body: who });
    return { id: r.id, name: r.name, phone: r.phone };
  }

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
      this.rider = await this.riderFor(who);
      this.showKnown();
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
        ...(q.fare ? [el("p", { class: "fare" }, t("fare.booking", { amount: money(q.fare.amount, q.fare.currency) }))] : []),
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
      const note = document.getElementById("caller-note").value.trim();
      const b = await api("/api/v1/bookings", { method: "POST", who: "staff",
        body: note ? { quoteId: q.id, note } : { quoteId: q.id },
        headers: { "Idempotency-Key": `quote-${q.id}` } });
      document.getElementById("caller-note").value = "";
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

