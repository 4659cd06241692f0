// The rider's view: plan a journey (walk, bus and on-demand legs), see it on the map, book
// its on-demand rides, see and cancel my bookings.
import { api, ApiError, getKey, idempotencyKey, setKey } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { clock, day, decodePolyline, el, focusKey, localInput, restoreFocus } from "./format.js";
import { PlaceField } from "./places.js";

export class RiderView {
  constructor(ctx) {
    this.ctx = ctx;
    this.from = new PlaceField("from", ctx.map, ctx.status, () => t("from"));
    this.to = new PlaceField("to", ctx.map, ctx.status, () => t("to"));
    this.itineraries = [];
    this.selected = 0;
    this.booked = new Set();
    const time = document.getElementById("plan-time");
    time.value = localInput(Math.ceil(Date.now() / 900e3) * 900e3 + 3600e3); // in 1 h, on the quarter
    document.getElementById("plan-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.plan(); });
    document.getElementById("signup-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.signUp(); });
    document.getElementById("rider-key-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.signIn(); });
    document.getElementById("rider-signout").addEventListener("click", () => this.signOut());
    ctx.map.onStop = (stop, ll) => {
      if (this.ctx.view() !== "rider") return;
      const field = this.from.value ? this.to : this.from;
      field.set({ lat: ll.lat, lon: ll.lng, name: stop.name, stopId: stop.id });
    };
    onLanguage(() => { this.renderItineraries(); this.loadBookings(); });
    this.refreshAccount();
  }

  show() {
    this.ctx.map.fleet.clearLayers();
    if (this.itineraries.length) this.select(this.selected);
  }

  // -- planning ---------------------------------------------------------------------------
  async plan() {
    const from = this.from.query(), to = this.to.query();
    if (!from) return this.ctx.error(t("error.pick", { what: t("from") }), this.from.input);
    if (!to) return this.ctx.error(t("error.pick", { what: t("to") }), this.to.input);
    const time = document.getElementById("plan-time").value;
    if (!time) return this.ctx.error(t("error.time"), document.getElementById("plan-time"));
    const arriveBy = document.querySelector('input[name="timeType"]:checked').value === "arrival";
    this.ctx.status(t("planning"));
    try {
      const res = await api("/api/v1/plan", { query: {
        from, to, time, arriveBy, wheelchair: document.getElementById("plan-wheelchair").checked,
      } });
      // the soonest arrival first (arrive by: the latest departure first), rides included
      this.itineraries = (res.itineraries || []).sort((a, b) => (arriveBy
        ? b.startTime - a.startTime || a.endTime - b.endTime
        : a.endTime - b.endTime || b.startTime - a.startTime));
      this.booked = new Set();
      // one key per offered itinerary: a retry (double click, lost answer) never books twice
      this.keys = this.itineraries.map(() => idempotencyKey());
      this.selected = 0;
      this.renderItineraries();
      this.ctx.status(this.itineraries.length ? "" : t("itins.none"));
      if (this.itineraries.length) {
        this.select(0);
        document.getElementById("itin-title").focus(); // screen readers continue at the results
      }
      else this.ctx.map.clearRoute();
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  renderItineraries() {
    const box = document.getElementById("itineraries");
    const list = document.getElementById("itin-list");
    box.hidden = this.itineraries.length === 0;
    list.replaceChildren(...this.itineraries.map((it, i) => this.itineraryItem(it, i)));
  }

  itineraryItem(it, i) {
    const rides = it.legs.filter((l) => l.mode === "ON_DEMAND");
    const bookable = rides.length > 0 && rides.every((l) => l.bookingInfo && l.bookingInfo.bookable);
    const summary = t("itin.summary", {
      start: clock(it.startTime), end: clock(it.endTime), duration: Math.round(it.duration / 60),
      transfers: t(it.transfers > 1 ? "transfers.n" : `transfers.${it.transfers}`, { n: it.transfers }),
    });
    const legs = el("ol", { class: "legs" }, it.legs.map((leg) => el("li", { class: `leg-item mode-${leg.mode.toLowerCase()}` },
      el("span", { class: "mode" }, t(`leg.${leg.mode}`)), " ",
      el("span", { class: "time" }, `${clock(leg.startTime)}–${clock(leg.endTime)}`), " ",
      el("span", { class: "detail" }, this.legDetail(leg)))));
    const actions = el("div", { class: "actions" },
      el("button", { type: "button", class: "show", "aria-pressed": String(i === this.selected),
        onclick: () => this.select(i) }, t("itin.show")));
    if (bookable) {
      const done = this.booked.has(i);
      actions.append(el("button", { type: "button", class: "primary book", disabled: done,
        onclick: () => this.book(i) }, done ? t("itin.booked") : t("itin.book")));
      if (!getKey("rider")) actions.append(el("p", { class: "hint" }, t("itin.needs.account")));
    }
    return el("li", { class: `itin${i === this.selected ? " selected" : ""}`, dataset: { index: i } },
      el("h3", {}, summary), legs, actions);
  }

  legDetail(leg) {
    if (leg.mode === "WALK") return t("leg.walk.detail", { dist: Math.round(leg.distance), to: this.placeName(leg.to) });
    if (leg.mode === "ON_DEMAND") {
      const b = leg.bookingInfo || {};
      if (!b.bookable) return t("leg.ondemand.notbookable", { why: b.reason || b.message || "–" });
      return t("leg.ondemand.detail", { a: clock(b.pickupWindow.start), b: clock(b.pickupWindow.end), to: this.placeName(leg.to) });
    }
    return t("leg.transit.detail", { route: leg.routeShortName || leg.routeLongName || "", to: this.placeName(leg.to) });
  }

  placeName(p) {
    if (p.vertexType === "TRANSIT") return p.name;
    return p === undefined ? "" : (p.name === "Origin/destination" ? t("place.destination") : p.name);
  }

  select(i) {
    this.selected = i;
    for (const li of document.querySelectorAll("#itin-list > li")) {
      const on = Number(li.dataset.index) === i;
      li.classList.toggle("selected", on);
      li.querySelector("button.show").setAttribute("aria-pressed", String(on));
    }
    this.ctx.map.showItinerary(this.itineraries[i], decodePolyline);
  }

  async book(i) {
    if (!getKey("rider")) {
      this.ctx.error(t("itin.needs.account"), document.getElementById("signup-name"));
      return;
    }
    const it = this.itineraries[i];
    const button = document.querySelector(`#itin-list > li[data-index="${i}"] button.book`);
    if (button) button.disabled = true;
    const passengers = Number(document.getElementById("plan-passengers").value) || 1;
    const wheelchair = document.getElementById("plan-wheelchair").checked;
    // bookingInfo holds each leg as the booking takes it (windows in epoch ms; an open end null)
    const legs = it.legs.filter((l) => l.mode === "ON_DEMAND").map(({ bookingInfo: b }) => ({
      origin: b.origin, destination: b.destination,
      pickupWindow: b.pickupWindow, dropOffWindow: b.dropOffWindow, passengers, wheelchair,
    }));
    try {
      await api("/api/v1/bookings", { method: "POST", who: "rider", body: { itinerary: legs },
        headers: { "Idempotency-Key": this.keys[i] } });
      this.booked.add(i);
      this.renderItineraries();
      this.ctx.status(t("booked"));
      this.loadBookings();
    } catch (e) {
      if (button) button.disabled = false;
      this.ctx.fail(e);
    }
  }

  // -- account and bookings ------------------------------------------------------------------
  async signUp() {
    const name = document.getElementById("signup-name");
    if (!name.value.trim()) return this.ctx.error(t("error.name"), name);
    const phone = document.getElementById("signup-phone").value.trim();
    try {
      const res = await api("/api/v1/accounts", { method: "POST", body: { name: name.value.trim(), phone: phone || null } });
      setKey("rider", res.key);
      name.value = "";
      document.getElementById("signup-phone").value = "";
      await this.refreshAccount();
      this.renderItineraries();
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  async signIn() {
    const input = document.getElementById("rider-key");
    setKey("rider", input.value.trim());
    input.value = "";
    if (!(await this.refreshAccount())) {
      setKey("rider", null);
      this.ctx.error(t("signin.bad"), input);
    }
    this.renderItineraries();
  }

  signOut() {
    setKey("rider", null);
    this.refreshAccount();
    this.renderItineraries();
    this.ctx.status(t("signedout"));
  }

  async refreshAccount() {
    const key = getKey("rider");
    let me = null;
    if (key) {
      try {
        me = await api("/api/v1/me", { who: "rider" });
      } catch (e) {
        me = null;
      }
    }
    document.getElementById("rider-signed-out").hidden = Boolean(me);
    const open = this.ctx.region.openSignup;
    document.getElementById("signup-form").hidden = !open;
    document.getElementById("signup-closed").hidden = open;
    document.getElementById("rider-signed-in").hidden = !me;
    if (me) {
      document.getElementById("rider-who").textContent = me.name || me.riderId || me.role;
      document.getElementById("rider-key-text").textContent = key;
      await this.loadBookings();
    }
    return Boolean(me);
  }

  async loadBookings() {
    const list = document.getElementById("my-bookings");
    if (!getKey("rider")) return list.replaceChildren();
    try {
      const res = await api("/api/v1/bookings", { who: "rider", query: { limit: 50 } });
      await this.ctx.map.ready; // bookings are named by their nearest stops
      const focused = focusKey(list);
      if (!res.bookings.length) return list.replaceChildren(el("li", { class: "empty" }, t("mybookings.none")));
      list.replaceChildren(...res.bookings.map((b) => this.bookingItem(b)));
      restoreFocus(list, focused);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) this.ctx.fail(e);
    }
  }

  bookingItem(b) {
    const text = `${day(b.pickupWindow.start)}, ${clock(b.pickupWindow.start)}–${clock(b.pickupWindow.end)}`;
    const map = this.ctx.map;
    const route = `${map.nearestStop(b.origin.lat, b.origin.lon)} → ${map.nearestStop(b.destination.lat, b.destination.lon)}`;
    const li = el("li", { class: `booking status-${b.status}`, dataset: { id: b.id } },
      el("span", { class: "when" }, text), " ",
      el("button", { type: "button", class: "link route", title: t("itin.show"),
        onclick: () => map.showRide(b) }, route), " ",
      el("span", { class: "vehicle" }, t("booking.vehicle", { v: b.vehicleId })), " ",
      el("span", { class: "badge" }, t(`status.${b.status}`)));
    if (b.connection) {
      li.append(el("div", { class: `connection connection-${b.connection.status}` },
        t(`connection.${b.connection.status}`, { time: clock(b.connection.dropOffBy) })));
    }
    if (b.status === "confirmed") {
      li.append(" ", el("button", { type: "button", class: "danger cancel", onclick: () => this.cancel(b.id) }, t("cancel")));
    }
    return li;
  }

  async cancel(id) {
    if (!window.confirm(t("cancel.confirm"))) return;
    try {
      await api(`/api/v1/bookings/${encodeURIComponent(id)}`, { method: "DELETE", who: "rider" });
      this.ctx.status(t("cancelled"));
      await this.loadBookings();
    } catch (e) {
      this.ctx.fail(e);
    }
  }
}
