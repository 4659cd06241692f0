// Regular rides (standing orders): the ride of a form on chosen weekdays over a date range.
// The server books each date as it enters the booking horizon and says when one cannot be
// served; one date or the whole series can be cancelled. The rider's view shows a rider's
// own, the dispatcher's those of the caller on the phone.
import { api } from "./api.js";
import { has, language, onLanguage, t } from "./i18n.js";
import { busy, clock, el, focusKey, restoreFocus } from "./format.js";
import { MessageBox, problemText } from "./messages.js";

const DAYS = [1, 2, 3, 4, 5, 6, 7];
const SHOWN = 6; // an order's next dates listed
const OPEN = new Set(["scheduled", "pending", "booked"]); // a date that can still be cancelled

function locale() {
  return language() === "de" ? "de-DE" : "en-US";
}

/** A weekday's name (1 = Monday) in the interface language. */
export function dayName(d, weekday = "short") {
  return new Intl.DateTimeFormat(locale(), { weekday, timeZone: "UTC" })
    .format(new Date(Date.UTC(2024, 0, d))); // 1 January 2024 was a Monday
}

/** "Wed, Nov 25" for a date "YYYY-MM-DD" (a calendar day: no time zone moves it). */
function dateText(iso, year = false) {
  return new Intl.DateTimeFormat(locale(), { weekday: "short", day: "numeric", month: "short",
    year: year ? "numeric" : undefined, timeZone: "UTC" }).format(new Date(`${iso}T12:00:00Z`));
}

function plusDays(iso, n) {
  return new Date(Date.parse(`${iso}T12:00:00Z`) + n * 864e5).toISOString().slice(0, 10);
}

/** Why a date is not served, in the interface language (by the server's code). */
function reasonText(x) {
  if (x.code && has(`standing.reason.${x.code}`)) return t(`standing.reason.${x.code}`);
  return t("standing.reason.other");
}

export class StandingOrders {
  /** `prefix` names the card's elements (`${prefix}-form`, `-fields`, `-msg`, `-list`);
   *  `who` is the key sent ("rider" or "staff"); `ride()` gives the ride of the form
   *  above (or says what is missing and returns null); `rider()` the rider to order for
   *  (staff; may create the caller first) or null for the rider's own; `time` the form's
   *  date-and-time input, whose date starts the series. */
  constructor({ prefix, who, ride, rider, time }) {
    this.prefix = prefix;
    this.who = who;
    this.ride = ride;
    this.rider = rider;
    this.time = time;
    this.riderId = null; // whose orders are listed (staff)
    this.orders = [];
    this.form = document.getElementById(`${prefix}-form`);
    this.list = document.getElementById(`${prefix}-list`);
    this.msg = new MessageBox(document.getElementById(`${prefix}-msg`));
    this.renderFields(document.getElementById(`${prefix}-fields`));
    this.first = document.getElementById(`${prefix}-first`);
    this.last = document.getElementById(`${prefix}-last`);
    this.touched = false; // the dates typed by hand stay
    for (const input of [this.first, this.last]) input.addEventListener("input", () => { this.touched = true; });
    time.addEventListener("change", () => this.defaults());
    this.defaults();
    this.form.addEventListener("submit", (ev) => { ev.preventDefault(); this.create(); });
    onLanguage(() => {
      for (const s of this.form.querySelectorAll(".dayname")) s.textContent = dayName(Number(s.dataset.day), "long");
      this.msg.clear();
      this.render();
    });
  }

  renderFields(box) {
    const p = this.prefix;
    box.replaceChildren(
      el("fieldset", { class: "weekdays" },
        el("legend", { "data-i18n": "standing.days" }, t("standing.days")),
        DAYS.map((d) => el("label", { class: "day" },
          el("input", { type: "checkbox", name: `${p}-day`, value: String(d) }), " ",
          el("span", { class: "dayname", dataset: { day: d } }, dayName(d, "long"))))),
      el("div", { class: "row two" },
        el("label", {}, el("span", { "data-i18n": "standing.first" }, t("standing.first")), " ",
          el("input", { id: `${p}-first`, type: "date", required: true })),
        el("label", {}, el("span", { "data-i18n": "standing.last" }, t("standing.last")), " ",
          el("input", { id: `${p}-last`, type: "date", required: true }))),
      el("label", { class: "check" }, el("input", { id: `${p}-holidays`, type: "checkbox", checked: true }), " ",
        el("span", { "data-i18n": "standing.skip" }, t("standing.skip"))));
  }

  /** From the ride's date for four weeks, until dates are typed by hand. */
  defaults() {
    const date = (this.time.value || "").slice(0, 10);
    if (this.touched || !/^\d{4}-\d\d-\d\d$/.test(date)) return;
    this.first.value = date;
    this.last.value = plusDays(date, 27);
  }

  days() {
    return [...this.form.querySelectorAll(`input[name="${this.prefix}-day"]:checked`)].map((b) => Number(b.value));
  }

  async create() {
    const button = this.form.querySelector("button[type=submit]");
    if (button.disabled) return;
    const days = this.days();
    if (!days.length) return this.msg.error(t("standing.error.days"), this.form.querySelector(`input[name="${this.prefix}-day"]`));
    if (!this.first.value) return this.msg.error(t("standing.error.dates"), this.first);
    if (!this.last.value || this.last.value < this.first.value) return this.msg.error(t("standing.error.dates"), this.last);
    const ride = this.ride(this.msg);
    if (!ride) return;
    busy(button, true, t("busy.book"));
    try {
      const riderId = this.rider ? await this.rider() : null;
      if (this.rider && !riderId) return;
      const o = await api("/api/v1/standing-orders", { method: "POST", who: this.who, body: {
        ...ride, weekdays: days, firstDate: this.first.value, lastDate: this.last.value,
        skipHolidays: document.getElementById(`${this.prefix}-holidays`).checked,
        ...(riderId ? { riderId } : {}),
      } });
      this.riderId = riderId;
      const booked = o.occurrences.filter((x) => x.status === "booked").length;
      const missed = o.occurrences.filter((x) => x.status === "not_served").length;
      const later = o.occurrences.some((x) => x.status === "scheduled");
      await this.load();
      const text = missed ? t("standing.done.some", { booked, missed })
        : later ? t("standing.done", { booked }) : t("standing.done.all", { booked });
      this.msg.show(text, { kind: missed ? "info" : "ok", focus: true });
    } catch (e) {
      this.msg.error(problemText(e));
    } finally {
      busy(button, false);
    }
  }

  /** List the orders (staff: of `riderId`; none chosen: nothing). */
  async load(riderId = this.riderId) {
    this.riderId = riderId;
    if (this.rider && !riderId) {
      this.orders = [];
      return this.render();
    }
    try {
      const res = await api("/api/v1/standing-orders", { who: this.who,
        query: { status: "active", ...(riderId ? { riderId } : {}) } });
      this.orders = res.standingOrders;
    } catch (e) {
      this.orders = [];
      if (!(e && e.status === 401)) this.msg.error(problemText(e));
    }
    this.render();
  }

  render() {
    const focused = focusKey(this.list);
    if (!this.orders.length) {
      this.list.replaceChildren(el("p", { class: "empty" }, t("standing.none")));
      return;
    }
    this.list.replaceChildren(...this.orders.map((o) => this.orderItem(o)));
    restoreFocus(this.list, focused);
  }

  orderItem(o) {
    const days = o.weekdays.map((d) => dayName(d)).join(", ");
    const when = t(o.timeType === "arrival" ? "standing.when.arrive" : "standing.when.depart", { days, time: o.time });
    const place = (name, p) => name || t("place.coords", { lat: p.lat.toFixed(4), lon: p.lon.toFixed(4) });
    const dates = o.occurrences.slice(0, SHOWN);
    return el("article", { class: "standing-order", dataset: { id: o.id } },
      el("h4", {}, when),
      el("p", { class: "route" }, `${place(o.originName, o.origin)} → ${place(o.destinationName, o.destination)}`),
      el("p", { class: "hint" }, t("standing.range", { first: dateText(o.firstDate, true), last: dateText(o.lastDate, true) })),
      el("ul", { class: "occurrences", "aria-label": t("standing.next") },
        dates.map((x) => this.dateItem(o, x))),
      el("button", { type: "button", class: "danger cancel-series", onclick: () => this.cancelSeries(o) }, t("standing.cancel.series")));
  }

  dateItem(o, x) {
    const parts = [el("span", { class: "date" }, dateText(x.date)), " "];
    if (x.status === "booked" && x.pickupWindow) {
      parts.push(el("span", { class: "window" }, `${clock(x.pickupWindow.start)}–${clock(x.pickupWindow.end)}`), " ");
    }
    parts.push(el("span", { class: "badge" }, t(`standing.status.${x.status}`)));
    if (x.status === "not_served" || x.status === "skipped") parts.push(" ", el("span", { class: "reason" }, reasonText(x)));
    const li = el("li", { class: `occurrence status-${x.status === "booked" ? "confirmed" : x.status}`, dataset: { id: `${o.id}:${x.date}` } }, parts);
    if (OPEN.has(x.status)) {
      li.append(" ", el("button", { type: "button", class: "link cancel-date",
        "aria-label": t("standing.cancel.date.label", { date: dateText(x.date) }),
        onclick: () => this.cancelDate(o, x) }, t("standing.cancel.date")));
    }
    return li;
  }

  async cancelDate(o, x) {
    if (!window.confirm(t("standing.cancel.date.confirm", { date: dateText(x.date) }))) return;
    try {
      await api(`/api/v1/standing-orders/${encodeURIComponent(o.id)}/occurrences/${x.date}`, { method: "DELETE", who: this.who });
      await this.load();
      this.msg.show(t("standing.cancelled.date", { date: dateText(x.date) }), { kind: "ok" });
    } catch (e) {
      this.msg.error(problemText(e));
    }
  }

  async cancelSeries(o) {
    if (!window.confirm(t("standing.cancel.series.confirm"))) return;
    try {
      await api(`/api/v1/standing-orders/${encodeURIComponent(o.id)}`, { method: "DELETE", who: this.who });
      await this.load();
      this.msg.show(t("standing.cancelled.series"), { kind: "ok", focus: true });
    } catch (e) {
      this.msg.error(problemText(e));
    }
  }
}
