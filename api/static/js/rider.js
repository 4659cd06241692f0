// The rider's view: plan a journey (walk, bus and on-demand legs), see it on the map, book
// its on-demand rides, see and cancel my bookings. Answers say themselves in plain words:
// the date when it is not today, why nothing was found (with the next moment worth a try
// as a button), where exactly to wait for a ride.
import { api, ApiError, getKey, idempotencyKey, setKey } from "./api.js";
import { language, onLanguage, t } from "./i18n.js";
import {
  busy, clock, dateOf, day, dayUnlessToday, decodePolyline, el, focusKey, localInput, localMs,
  moment, money, now, restoreFocus,
} from "./format.js";
import { MessageBox, problemText } from "./messages.js";
import { PlaceField } from "./places.js";
import { SignInCodes } from "./signincode.js";
import { StandingOrders } from "./standing.js";
import { Inbox } from "./inbox.js";
import { ratingBlock } from "./rating.js";

/** A first result this much after the asked time is "next possible", not "at that time". */
const FAR_MS = 60 * 60e3;
const UNSCHEDULED = new Set(["WALK", "ON_DEMAND", "BICYCLE", "CAR"]);
const ORIGIN_NAME = "Origin/destination"; // the planner's name for an asked point

/** The itinerary's kind by the contract, from its legs when the server does not say it. */
export function kindOf(it) {
  if (it.kind) return it.kind;
  const ride = it.legs.some((l) => l.mode === "ON_DEMAND");
  const vehicle = it.legs.some((l) => !UNSCHEDULED.has(l.mode));
  if (ride) return vehicle ? "on_demand_transit" : "on_demand";
  return vehicle ? "transit" : "walk";
}

/** "06:00" → minutes after midnight. */
function minutesOf(hhmm) {
  const [h, m] = String(hhmm).split(":").map(Number);
  return h * 60 + m;
}

/** ISO weekdays (1 = Monday) as "Mon–Fri" or "Mon, Wed, Sat"; "every day" for all seven. */
function daysText(days) {
  const list = [...new Set(days)].sort((a, b) => a - b);
  if (list.length === 7) return t("days.all");
  const name = (d) => new Intl.DateTimeFormat(language() === "de" ? "de-DE" : "en-US",
    { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, d))); // 2024-01-01: a Monday
  const runs = [];
  for (const d of list) {
    const last = runs[runs.length - 1];
    if (last && d === last[1] + 1) last[1] = d; else runs.push([d, d]);
  }
  return runs.map(([a, b]) => (b - a >= 2 ? `${name(a)}–${name(b)}`
    : a === b ? name(a) : `${name(a)}, ${name(b)}`)).join(", ");
}

export class RiderView {
  constructor(ctx) {
    this.ctx = ctx;
    this.msg = new MessageBox(document.getElementById("rider-msg"));
    this.account = new MessageBox(document.getElementById("account-msg"));
    const say = (text) => (text ? this.msg.show(text) : this.msg.clear());
    this.from = new PlaceField("from", ctx.map, say, () => t("from"));
    this.to = new PlaceField("to", ctx.map, say, () => t("to"));
    this.answer = null; // the last plan answer, with what was asked
    this.itineraries = [];
    this.selected = 0;
    this.booked = new Set();
    this.notice = null; // {index, text}: a booking just made, said at its itinerary
    this.areas = null; // the on-demand areas' properties (name, hours, days)
    this.planning = false;
    this.time = document.getElementById("plan-time");
    if (!this.time.value) this.time.value = localInput(Math.ceil(now() / 900e3) * 900e3 + 3600e3); // in 1 h, on the quarter
    this.time.min = localInput(now());
    document.getElementById("plan-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.plan(); });
    document.getElementById("signup-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.signUp(); });
    document.getElementById("rider-key-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.signIn(); });
    document.getElementById("rider-signout").addEventListener("click", () => this.signOut());
    ctx.map.onStop = (stop, ll) => {
      if (this.ctx.view() !== "rider") return;
      const field = this.from.value ? this.to : this.from;
      field.set({ lat: ll.lat, lon: ll.lng, name: stop.name, stopId: stop.id });
    };
    onLanguage(() => {
      // a message is said once in the words of its moment; what is drawn from data is redrawn
      this.msg.clear();
      this.account.clear();
      this.renderService();
      this.renderItineraries();
      this.loadBookings();
    });
    this.codes = new SignInCodes(this);
    this.standing = new StandingOrders({ prefix: "rs", who: "rider", time: this.time,
      rider: null, ride: (msg) => this.standingRide(msg) });
    this.inbox = new Inbox(this);
    this.refreshAccount();
    this.loadService();
  }

  show() {
    this.ctx.map.fleet.clearLayers();
    if (this.itineraries.length) this.select(this.selected);
  }

  // -- the service up front: where and when on-demand rides run ----------------------------
  async loadService() {
    try {
      const res = await api("/api/v1/service-areas");
      this.areas = res.features.map((f) => f.properties);
    } catch (e) {
      this.areas = null; // the form works without it
    }
    this.renderService();
  }

  renderService() {
    const box = document.getElementById("service-info");
    if (!this.areas) return void (box.hidden = true);
    const lines = this.areas.length ? this.areas.filter((a) => a.hours).map((a) => {
      const hours = t("service.hours.span", { start: a.hours[0], end: a.hours[1] });
      return a.days && a.days.length
        ? t("service.hours.days", { area: a.name, days: daysText(a.days), hours })
        : t("service.hours", { area: a.name, hours });
    }) : [t("service.none")];
    box.replaceChildren(...lines.map((l, i) => (i ? [el("br"), l] : l)).flat());
    box.hidden = lines.length === 0;
  }

  // -- planning ---------------------------------------------------------------------------
  /** The field an API problem names, if it is one of this form's. */
  fieldOf(e) {
    const field = e instanceof ApiError && e.problem.field ? e.problem.field.split(".")[0] : "";
    return { origin: this.from.input, from: this.from.input, destination: this.to.input,
      to: this.to.input, time: this.time,
      passengers: document.getElementById("plan-passengers") }[field] || null;
  }

  /** What is wrong with the asked time, in plain words, or null: checked here, before any
   *  request (a past time or a mistyped year never reaches the server). */
  timeProblem(text) {
    const m = /^(\d+)-\d\d-\d\dT\d\d:\d\d$/.exec(text || "");
    if (!m) return t("error.time");
    const today = localInput(now());
    const year = Number(m[1]), thisYear = Number(today.slice(0, 4));
    if (m[1].length !== 4 || year < thisYear - 1 || year > thisYear + 1) return t("error.year", { year: m[1] });
    if (text < today) return t("error.past", { now: clock(now()) });
    return null;
  }

  async plan() {
    if (this.planning) return; // one search at a time: a second press sends nothing
    const from = this.from.query(), to = this.to.query();
    if (!from) return this.msg.error(t("error.pick", { what: t("from") }), this.from.input);
    if (!to) return this.msg.error(t("error.pick", { what: t("to") }), this.to.input);
    const text = this.time.value;
    const wrong = this.timeProblem(text);
    if (wrong) return this.msg.error(wrong, this.time);
    this.time.min = localInput(now());
    const arriveBy = document.querySelector('input[name="timeType"]:checked').value === "arrival";
    const button = document.getElementById("plan-submit");
    this.planning = true;
    busy(button, true, t("busy.plan"));
    this.ctx.status("");
    try {
      const res = await api("/api/v1/plan", { query: {
        from, to, time: text, arriveBy, wheelchair: document.getElementById("plan-wheelchair").checked,
      } });
      this.answer = { ...res, asked: { text, arriveBy, ms: localMs(text) } };
      // the soonest arrival first (arrive by: the latest departure first), rides included
      this.itineraries = (res.itineraries || []).sort((a, b) => (arriveBy
        ? b.startTime - a.startTime || a.endTime - b.endTime
        : a.endTime - b.endTime || b.startTime - a.startTime));
      this.booked = new Set();
      this.notice = null;
      // one key per offered itinerary: a retry (double click, lost answer) never books twice
      this.keys = this.itineraries.map(() => idempotencyKey());
      this.selected = 0;
      this.msg.clear(); // an old error is no longer true once the new answer is here
      this.renderItineraries();
      if (this.itineraries.length) this.select(0);
      else this.ctx.map.clearRoute();
      // screen readers continue at the answer; the eye finds it below the button
      document.getElementById("itin-title").focus({ preventScroll: true });
      const first = document.querySelector("#itin-list > li") || document.getElementById("itin-note");
      first.scrollIntoView({ block: "nearest" });
      button.scrollIntoView({ block: "nearest" });
    } catch (e) {
      // the connections shown answered the search before, not this one: they go
      this.answer = null;
      this.itineraries = [];
      this.renderItineraries();
      this.ctx.map.clearRoute();
      this.msg.error(problemText(e), this.fieldOf(e));
    } finally {
      busy(button, false);
      this.planning = false;
    }
  }

  /** Plan again at `when` (epoch ms or ISO text): the "next possible" button. */
  planAt(when) {
    const ms = typeof when === "number" ? when : Date.parse(when);
    this.time.value = localInput(ms);
    document.querySelector('input[name="timeType"][value="departure"]').checked = true;
    this.plan();
  }

  renderItineraries() {
    const box = document.getElementById("itineraries");
    const list = document.getElementById("itin-list");
    box.hidden = !this.answer;
    if (!this.answer) return;
    const its = this.itineraries;
    const dates = new Set(its.map((it) => dateOf(it.startTime)));
    const only = dates.size === 1 ? its[0].startTime : null;
    document.getElementById("itin-title").textContent = !its.length ? t("why.title")
      : only !== null && dayUnlessToday(only) ? t("itins.title.day", { day: day(only) })
        : t("itins.title");
    document.getElementById("itin-note").replaceChildren(...this.whyNodes());
    list.replaceChildren(...its.map((it, i) => this.itineraryItem(it, i)));
  }

  /** Why there is no result (or only one far from the asked time), and the next moment
   *  worth a search as a button. */
  whyNodes() {
    const res = this.answer;
    const its = this.itineraries;
    const said = Array.isArray(res.explanations) ? res.explanations : null;
    const lines = said ? said.map((x) => this.explain(x)).filter(Boolean) : [];
    let next = res.next || null;
    if (!said && !its.length) { // a server without explanations: the service hours at least
      const guess = this.outsideHours();
      if (guess) { lines.push(guess.line); next = next || guess.next; }
    }
    if (its.length && !(said && said.some((x) => x.code === "later_than_asked"))) {
      const first = Math.min(...its.map((it) => it.startTime));
      if (!res.asked.arriveBy && first - res.asked.ms > FAR_MS) {
        lines.push(t("why.later_than_asked", { first: moment(first) }));
      }
    }
    if (!its.length && !lines.length) lines.push(t("why.unknown"));
    const nodes = lines.map((l) => el("p", { class: "why" }, l));
    if (next && next.time && !its.length) {
      nodes.push(el("button", { type: "button", class: "next primary", onclick: () => this.planAt(next.time) },
        t("next.button", { when: moment(next.time) })));
    }
    return nodes;
  }

  /** One of the server's explanations in the interface language (null for a code this app
   *  does not know). */
  explain(x) {
    const p = x.params || {};
    const area = this.areas && this.areas.find((a) => a.name === p.area);
    switch (x.code) {
      case "outside_hours":
        return area && area.days && area.days.length
          ? t("why.outside_hours.days", { ...p, days: daysText(area.days) })
          : t("why.outside_hours", p);
      case "before_notice": return t("why.before_notice", { area: p.area, earliest: moment(p.earliest) });
      case "past": return t("why.past", { now: moment(p.now) });
      case "beyond_horizon": return t("why.beyond_horizon", { last: day(`${p.last}T12:00:00Z`) });
      case "outside_area": return t("why.outside_area", { end: t(`end.${p.end}`) });
      case "no_stop_nearby": return t("why.no_stop_nearby", { end: t(`end.${p.end}`), minutes: p.minutes });
      case "later_than_asked": return t("why.later_than_asked", { first: moment(p.first) });
      case "service_closed": return t("why.service_closed", p);
      case "booking_rule": return t("why.booking_rule", p);
      case "no_stepfree": case "vehicles_busy": case "no_service": return t(`why.${x.code}`);
      default: return null; // a newer server's reason: "no connection" says enough
    }
  }

  /** When the server does not explain: the asked time outside every area's hours (or days)
   *  says so, with the next start as the moment to try. */
  outsideHours() {
    const areas = (this.areas || []).filter((a) => a.hours);
    const asked = this.answer.asked;
    if (!areas.length || !Number.isFinite(asked.ms)) return null;
    const date = asked.text.slice(0, 10);
    const at = minutesOf(asked.text.slice(11, 16));
    const weekday = (d) => ((new Date(`${d}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
    const runs = (a, d) => !a.days || !a.days.length || a.days.includes(weekday(d));
    const open = areas.some((a) => runs(a, date)
      && at >= minutesOf(a.hours[0]) && at <= minutesOf(a.hours[1]));
    if (open) return null;
    const a = areas[0];
    let next = null;
    for (let k = 0; k < 8 && !next; k++) { // the next day (this one included) it runs
      const d = new Date(Date.parse(`${date}T12:00:00Z`) + k * 864e5).toISOString().slice(0, 10);
      if (runs(a, d) && (k > 0 || at < minutesOf(a.hours[0]))) next = localMs(`${d}T${a.hours[0]}`);
    }
    const p = { area: a.name, start: a.hours[0], end: a.hours[1] };
    const line = a.days && a.days.length ? t("why.outside_hours.days", { ...p, days: daysText(a.days) })
      : t("why.outside_hours", p);
    return { line, next: next === null ? null : { time: next, code: "outside_hours" } };
  }

  /** "ride + bus", "direct", "1 change", "door-to-door ride", "on foot". */
  label(it) {
    const vehicles = it.legs.filter((l) => !UNSCHEDULED.has(l.mode));
    const changes = Math.max(0, vehicles.length - 1);
    const changesText = changes === 1 ? t("label.changes.1") : t("label.changes.n", { n: changes });
    switch (kindOf(it)) {
      case "walk": return t("label.walk");
      case "on_demand": return t("label.ride");
      case "on_demand_transit": {
        const s = t("label.ride_plus", { mode: t(`mode.${vehicles[0] ? vehicles[0].mode : "BUS"}`) });
        return changes ? `${s}, ${changesText}` : s;
      }
      default: return changes ? changesText : t("transfers.0");
    }
  }

  itineraryItem(it, i) {
    const rides = it.legs.filter((l) => l.mode === "ON_DEMAND");
    const bookable = rides.length > 0 && rides.every((l) => l.bookingInfo && l.bookingInfo.bookable);
    const span = `${clock(it.startTime)}–${clock(it.endTime)}`;
    const d = dayUnlessToday(it.startTime);
    const summary = t("itin.line", {
      when: d ? t("itin.when", { day: d, start: clock(it.startTime), end: clock(it.endTime) }) : span,
      duration: Math.round(it.duration / 60), label: this.label(it),
    });
    const legs = el("ol", { class: "legs" }, it.legs.map((leg, k) => el("li", { class: `leg-item mode-${leg.mode.toLowerCase()}` },
      el("span", { class: "mode" }, t(`leg.${leg.mode}`)), " ",
      el("span", { class: "time" }, `${clock(leg.startTime)}–${clock(leg.endTime)}`), " ",
      el("span", { class: "detail" }, this.legDetail(leg)),
      leg.mode === "ON_DEMAND" ? el("div", { class: "wait" }, this.waitText(leg, k)) : null)));
    const actions = el("div", { class: "actions" },
      el("button", { type: "button", class: "show", "aria-pressed": String(i === this.selected),
        onclick: () => this.select(i, true) }, t("itin.show")));
    if (bookable) {
      const done = this.booked.has(i);
      actions.append(el("button", { type: "button", class: "primary book", disabled: done,
        onclick: (ev) => this.book(i, ev.currentTarget) }, done ? t("itin.booked") : t("itin.book")));
      if (!getKey("rider")) actions.append(el("p", { class: "hint" }, t("itin.needs.account")));
    }
    const li = el("li", { class: `itin${i === this.selected ? " selected" : ""}`, dataset: { index: i } },
      el("h3", {}, summary), legs, actions);
    if (this.notice && this.notice.index === i) {
      li.append(el("p", { class: "msg ok done", role: "status", tabindex: "-1" }, this.notice.text));
    }
    return li;
  }

  legDetail(leg) {
    if (leg.mode === "WALK") return t("leg.walk.detail", { dist: Math.round(leg.distance), to: this.placeName(leg.to) });
    if (leg.mode === "ON_DEMAND") {
      const b = leg.bookingInfo || {};
      if (!b.bookable) return t("leg.ondemand.notbookable", { why: b.phone || "–" });
      const pickup = t("leg.ondemand.pickup", { a: clock(b.pickupWindow.start), b: clock(b.pickupWindow.end), to: this.placeName(leg.to) });
      return b.fare ? `${pickup} · ${t("fare.leg", { amount: money(b.fare.amount, b.fare.currency) })}` : pickup;
    }
    return t("leg.transit.detail", { route: leg.routeShortName || leg.routeLongName || "", to: this.placeName(leg.to) });
  }

  /** Where exactly to wait for a ride: the server's pickup place, else the leg's start. */
  wherePickup(leg, k) {
    const p = leg.pickupPlace;
    if (p && p.name) return { place: p.name, near: p.near && p.near !== p.name ? p.near : null };
    if (leg.from && leg.from.name && leg.from.name !== ORIGIN_NAME) return { place: leg.from.name, near: null };
    if (k === 0 && this.from.value) return { place: this.from.value.name, near: null };
    return { place: t("place.origin"), near: null };
  }

  waitText(leg, k) {
    const w = this.wherePickup(leg, k);
    return w.near ? t("leg.wait.near", w) : t("leg.wait", w);
  }

  placeName(p) {
    if (p === undefined) return "";
    return p.name === ORIGIN_NAME ? t("place.destination") : p.name;
  }

  /** Draw itinerary `i`; `reveal`: the rider asked to see it (unfold a folded map). */
  select(i, reveal = false) {
    this.selected = i;
    for (const li of document.querySelectorAll("#itin-list > li")) {
      const on = Number(li.dataset.index) === i;
      li.classList.toggle("selected", on);
      li.querySelector("button.show").setAttribute("aria-pressed", String(on));
    }
    if (reveal) this.ctx.map.reveal();
    this.ctx.map.showItinerary(this.itineraries[i], decodePolyline);
  }

  async book(i, button) {
    if (!getKey("rider")) {
      this.account.error(t("itin.needs.account"), document.getElementById("signup-name"));
      return;
    }
    if (button && button.disabled) return;
    const it = this.itineraries[i];
    busy(button, true, t("busy.book"));
    const passengers = Number(document.getElementById("plan-passengers").value) || 1;
    const wheelchair = document.getElementById("plan-wheelchair").checked;
    // bookingInfo holds each leg as the booking takes it (windows in epoch ms; an open end null)
    const rides = it.legs.map((l, k) => [l, k]).filter(([l]) => l.mode === "ON_DEMAND");
    const legs = rides.map(([{ bookingInfo: b }, k]) => {
      // the bus or train the ride feeds: should the ride run late, its line's next departure
      const next = it.legs[k + 1];
      const feeds = b.dropOffWindow.end != null && next && next.tripId && next.from.stopId;
      return { origin: b.origin, destination: b.destination,
        pickupWindow: b.pickupWindow, dropOffWindow: b.dropOffWindow, passengers, wheelchair,
        ...(feeds ? { connection: { tripId: next.tripId, stopId: next.from.stopId } } : {}) };
    });
    try {
      await api("/api/v1/bookings", { method: "POST", who: "rider", body: { itinerary: legs },
        headers: { "Idempotency-Key": this.keys[i] } });
      this.booked.add(i);
      const [leg, k] = rides[0];
      const w = leg.bookingInfo.pickupWindow;
      this.notice = { index: i, text: t("booked.detail", {
        a: moment(w.start), b: clock(w.end), place: this.wherePickup(leg, k).place }) };
      this.msg.clear();
      this.account.clear(); // the booking is the news now
      this.renderItineraries(); // the booked button, and the booking said at it
      const said = document.querySelector(`#itin-list > li[data-index="${i}"] .done`);
      said.focus({ preventScroll: true });
      said.scrollIntoView({ block: "nearest" });
      this.loadBookings();
      this.inbox.load(); // the confirmation
    } catch (e) {
      busy(button, false);
      this.msg.error(problemText(e));
    }
  }

  // -- account and bookings ------------------------------------------------------------------
  async signUp() {
    const name = document.getElementById("signup-name");
    if (!name.value.trim()) return this.account.error(t("error.name"), name);
    const phone = document.getElementById("signup-phone").value.trim();
    const button = document.querySelector("#signup-form button[type=submit]");
    if (button.disabled) return;
    busy(button, true, t("busy.signup"));
    try {
      const res = await api("/api/v1/accounts", { method: "POST", body: { name: name.value.trim(), phone: phone || null } });
      setKey("rider", res.key);
      const who = name.value.trim();
      name.value = "";
      document.getElementById("signup-phone").value = "";
      await this.refreshAccount();
      this.renderItineraries(); // no more "create an account" at the offers
      this.account.show(t("signup.done", { name: who }), { kind: "ok", focus: true });
    } catch (e) {
      this.account.error(problemText(e), e instanceof ApiError && e.problem.field === "name" ? name : null);
    } finally {
      busy(button, false);
    }
  }

  async signIn() {
    const input = document.getElementById("rider-key");
    const button = document.querySelector("#rider-key-form button[type=submit]");
    if (button.disabled) return;
    busy(button, true, t("busy.signin"));
    setKey("rider", input.value.trim());
    input.value = "";
    try {
      const me = await this.refreshAccount();
      if (!me) {
        setKey("rider", null);
        this.account.error(t("signin.bad"), input);
      } else {
        this.renderItineraries();
        this.account.show(t("signin.done", { name: me.name || me.riderId || me.role }), { kind: "ok", focus: true });
      }
    } finally {
      busy(button, false);
    }
  }

  signOut() {
    setKey("rider", null);
    this.codes.reset();
    this.refreshAccount();
    this.renderItineraries();
    this.account.show(t("signedout"), { kind: "ok", focus: true });
  }

  /** Show the account (signed in or not); the signed-in rider, or null. */
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
    if (me) { // the account shows whole: name, key and bookings at once
      document.getElementById("rider-who").textContent = me.name || me.riderId || me.role;
      document.getElementById("rider-key-text").textContent = key;
      await this.loadBookings();
    }
    document.getElementById("rider-signed-out").hidden = Boolean(me);
    const open = this.ctx.region.openSignup;
    document.getElementById("signup-form").hidden = !open;
    document.getElementById("signup-closed").hidden = open;
    document.getElementById("rider-signed-in").hidden = !me;
    document.getElementById("standing-card").hidden = !me;
    if (me) await this.standing.load();
    this.inbox.signedIn(Boolean(me));
    return me;
  }

  /** The ride of the form as a regular ride asks for it (its time of day), or null when
   *  something is missing (said in `msg`, at the field). */
  standingRide(msg) {
    const from = this.from.value, to = this.to.value;
    const m = /T(\d\d:\d\d)$/.exec(this.time.value || "");
    const miss = (text, input) => { msg.error(text, input); return null; };
    if (!from) return miss(t("error.pick", { what: t("from") }), this.from.input);
    if (!to) return miss(t("error.pick", { what: t("to") }), this.to.input);
    if (!m) return miss(t("error.time"), this.time);
    return {
      origin: { lat: from.lat, lon: from.lon }, destination: { lat: to.lat, lon: to.lon },
      time: m[1], timeType: document.querySelector('input[name="timeType"]:checked').value,
      passengers: Number(document.getElementById("plan-passengers").value) || 1,
      wheelchair: document.getElementById("plan-wheelchair").checked,
    };
  }

  async loadBookings() {
    const list = document.getElementById("my-bookings");
    if (!getKey("rider")) return list.replaceChildren();
    try {
      const res = await api("/api/v1/bookings", { who: "rider", query: { limit: 50 } });
      await this.ctx.map.ready; // a place without a name is named after a stop standing there
      const focused = focusKey(list);
      if (!res.bookings.length) return list.replaceChildren(el("li", { class: "empty" }, t("mybookings.none")));
      list.replaceChildren(...res.bookings.map((b) => this.bookingItem(b)));
      restoreFocus(list, focused);
      // rides still to come: their live estimates looked at again every 30 s
      clearTimeout(this.liveTimer);
      if (res.bookings.some((b) => ["confirmed", "on_board"].includes(b.status))) {
        const again = () => {
          if (!getKey("rider")) return;
          if (this.ctx.view() === "rider") this.loadBookings();
          else this.liveTimer = setTimeout(again, 30_000);
        };
        this.liveTimer = setTimeout(again, 30_000);
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) this.msg.error(problemText(e));
    }
  }

  /** A booked place in plain words: the server's name for it, else a stop standing right
   *  there, else its coordinates (never a stop a village away). */
  bookedPlace(name, p) {
    if (name) return name;
    const stop = this.ctx.map.stopNear(p.lat, p.lon);
    return stop || t("place.coords", { lat: p.lat.toFixed(4), lon: p.lon.toFixed(4) });
  }

  bookingItem(b) {
    const text = `${day(b.pickupWindow.start)}, ${clock(b.pickupWindow.start)}–${clock(b.pickupWindow.end)}`;
    const map = this.ctx.map;
    const route = `${this.bookedPlace(b.originName ?? b.origin_name, b.origin)} → ${
      this.bookedPlace(b.destinationName ?? b.destination_name, b.destination)}`;
    const li = el("li", { class: `booking status-${b.status}`, dataset: { id: b.id } },
      el("span", { class: "when" }, text), " ",
      el("button", { type: "button", class: "link route", title: t("itin.show"),
        onclick: () => { map.reveal(); map.showRide(b); } }, route), " ",
      el("span", { class: "vehicle" }, t("booking.vehicle", { v: b.vehicleId })), " ",
      el("span", { class: "badge" }, t(`status.${b.status}`)));
    if (b.fare) {
      li.append(" ", el("span", { class: "fare" }, t("fare.booking", { amount: money(b.fare.amount, b.fare.currency) })));
      if (b.cancelFee) {
        li.append(" ", el("span", { class: "fare cancel-fee" }, t("fare.cancelfee", { amount: money(b.cancelFee, b.fare.currency) })));
      }
    }
    if (b.live && ["confirmed", "on_board"].includes(b.status)) li.append(this.liveLine(b));
    if (b.connection) {
      li.append(el("div", { class: `connection connection-${b.connection.status}` },
        t(`connection.${b.connection.status}`, { time: clock(b.connection.dropOffBy) })));
    }
    if (b.status === "confirmed") {
      li.append(" ", el("button", { type: "button", class: "danger cancel", onclick: () => this.cancel(b.id) }, t("cancel")));
    }
    if (b.status === "completed") {
      li.append(ratingBlock(b, () => {
        this.account.show(t("rating.saved"), { kind: "ok" });
        this.loadBookings();
      }));
    }
    return li;
  }

  /** Where the ride stands by the vehicle's last report: the pickup (or, on board, the
   *  drop-off) now expected, how late that is against the promised window, and when the
   *  vehicle reported. */
  liveLine(b) {
    const l = b.live;
    const parts = [];
    if (l.estimatedPickup) {
      parts.push(t("live.pickup", { time: clock(l.estimatedPickup) }));
      const late = Math.ceil((Date.parse(l.estimatedPickup) - Date.parse(b.pickupWindow.end)) / 60e3);
      if (late > 0) parts.push(t("live.late", { n: late }));
    } else if (l.estimatedDropoff) {
      parts.push(t("live.dropoff", { time: clock(l.estimatedDropoff) }));
    }
    parts.push(t("live.reported", { time: clock(l.reportedAt) }));
    return el("div", { class: `live${l.late ? " live-late" : ""}` }, parts.join(" · "));
  }

  async cancel(id) {
    if (!window.confirm(t("cancel.confirm"))) return;
    try {
      await api(`/api/v1/bookings/${encodeURIComponent(id)}`, { method: "DELETE", who: "rider" });
      this.account.show(t("cancelled"), { kind: "ok" });
      await this.loadBookings();
    } catch (e) {
      this.account.error(problemText(e));
    }
  }
}
