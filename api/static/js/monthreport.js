// The monthly report for the funding authority (issue 20), on the dispatch desk: a month
// and a service area chosen, the month's figures from GET /api/v1/reports/monthly in a
// table with each KPI's definition in the interface language (the definitions come with
// the figures, from the one table the simulation uses too). Staff only.
import { api, ApiError } from "./api.js";
import { language, onLanguage, t } from "./i18n.js";
import { busy, el, money, num, percent } from "./format.js";

export class MonthlyReport {
  constructor(ctx) {
    this.ctx = ctx;
    this.form = document.getElementById("mr-form");
    this.month = document.getElementById("mr-month");
    this.area = document.getElementById("mr-area");
    this.rows = document.getElementById("mr-rows");
    this.msg = document.getElementById("mr-msg");
    this.headline = document.getElementById("mr-headline");
    this.report = null;
    const d = new Date();
    this.month.value = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
    this.form.addEventListener("submit", (ev) => { ev.preventDefault(); this.load(); });
    onLanguage(() => this.render());
  }

  /** The service areas for the choice (once). */
  async areas() {
    if (this.area.options.length) return;
    const areas = await api("/api/v1/service-areas");
    this.area.replaceChildren(el("option", { value: "" }, t("mr.allareas")),
      ...areas.features.map((f) => el("option", { value: f.properties.name }, f.properties.name)));
  }

  async load() {
    const button = this.form.querySelector("button[type=submit]");
    busy(button, true);
    this.msg.textContent = "";
    try {
      await this.areas();
      const query = { month: this.month.value };
      if (this.area.value) query.area = this.area.value;
      this.report = await api("/api/v1/reports/monthly", { who: "staff", query });
      this.render();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        this.msg.textContent = e.problem.field === "month" ? t("mr.badmonth") : e.message;
        this.msg.focus();
      } else {
        this.ctx.fail(e);
      }
    } finally {
      busy(button, false);
    }
  }

  /** One KPI's value as the table shows it. */
  value(d, r) {
    const v = d.key === "ratings" ? r.ratings.count : d.key === "rating_mean" ? r.ratings.mean : r[d.key];
    if (v == null) return "–";
    if (d.key === "cancelled") {
      return `${num(v, 0)} (${t("mr.cancelledby", { rider: r.cancelled_by.rider, operator: r.cancelled_by.operator })})`;
    }
    if (d.unit === "share") return percent(v);
    if (d.unit === r.currency && r.currency) {
      return d.key === "cost_per_passenger_km" ? `${num(v, 3)} ${r.currency}` : money(v, r.currency);
    }
    return num(v, Number.isInteger(v) ? 0 : 2);
  }

  render() {
    const r = this.report;
    if (!r) {
      this.rows.replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "empty" }, t("mr.none"))));
      this.headline.textContent = "";
      return;
    }
    const defs = r.definitions[language()] || r.definitions.en;
    this.headline.textContent = t("mr.headline", {
      served: num(r.trips_served, 0), requested: num(r.trips_requested, 0),
      since: r.since, until: r.until }) + (r.provisional ? ` ${t("mr.provisional")}` : "");
    this.rows.replaceChildren(...defs.map((d) => el("tr", { dataset: { kpi: d.key } },
      el("th", { scope: "row" }, d.name),
      el("td", { class: "value" }, this.value(d, r)),
      el("td", { class: "unit" }, d.unit),
      el("td", { class: "definition" }, d.definition))));
  }
}
