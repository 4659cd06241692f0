// The planner's view: simulate a day of on-demand service on a service area (a fleet size,
// or a few to compare) and read the KPIs, plots and map of each variant.
import { api } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { el, percent } from "./format.js";

function variantName(v) {
  return t(v.vehicles === 1 ? "sim.variant.one" : "sim.variant", { n: v.vehicles });
}

export class PlannerView {
  constructor(ctx, staff) {
    this.ctx = ctx;
    this.staff = staff;
    this.job = null;
    this.shown = null;
    this.timer = null;
    document.getElementById("sim-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.run(); });
    staff.onChange((ok) => { if (ok) this.loadAreas(); });
    onLanguage(() => this.render());
  }

  show() {
    if (this.staff.me) this.loadAreas();
  }

  async loadAreas() {
    const select = document.getElementById("sim-area");
    if (select.options.length === 0) {
      try {
        const areas = await api("/api/v1/service-areas");
        select.replaceChildren(...areas.features.map((f) => el("option", { value: f.properties.name }, f.properties.name)));
      } catch (e) {
        this.ctx.fail(e);
      }
    }
    if (!this.job) {
      try {
        const { simulations } = await api("/api/v1/simulations", { who: "staff", query: { limit: 1 } });
        if (simulations.length) this.follow(simulations[0]);
      } catch (e) {
        /* no runs yet */
      }
    }
  }

  async run() {
    const raw = document.getElementById("sim-vehicles");
    const vehicles = raw.value.split(/[ ,;]+/).filter(Boolean).map(Number);
    if (!vehicles.length || vehicles.length > 6 || vehicles.some((n) => !Number.isInteger(n) || n < 1 || n > 50)) {
      return this.ctx.error(t("sim.badvehicles"), raw);
    }
    const body = {
      area: document.getElementById("sim-area").value || null, vehicles,
      ratePerHour: Number(document.getElementById("sim-rate").value),
      seed: Number(document.getElementById("sim-seed").value) || 0,
    };
    try {
      const job = await api("/api/v1/simulations", { method: "POST", who: "staff", body });
      this.shown = null;
      this.follow(job);
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  follow(job) {
    this.job = job;
    clearTimeout(this.timer);
    this.render();
    if (job.status === "queued" || job.status === "running") {
      this.ctx.status(t("sim.running"));
      this.timer = setTimeout(async () => {
        try {
          this.follow(await api(`/api/v1/simulations/${job.id}`, { who: "staff" }));
        } catch (e) {
          this.ctx.fail(e);
        }
      }, 1000);
    } else if (job.status === "done") {
      this.ctx.status(t("sim.done"));
    } else {
      this.ctx.status(t("sim.failed", { why: job.error || "" }));
    }
  }

  render() {
    const job = this.job;
    const label = document.getElementById("sim-progress-label");
    if (!job) return;
    const running = job.status === "queued" || job.status === "running";
    label.hidden = !running;
    document.getElementById("sim-progress").value = job.progress;
    const done = job.variants.filter((v) => v.status === "done");
    const box = document.getElementById("sim-results");
    box.hidden = done.length === 0;
    if (!done.length) return;
    const head = el("tr", {}, ["sim.col.variant", "sim.col.requests", "sim.col.served", "sim.col.wait",
      "sim.col.pooling", "sim.col.km", "sim.col.cost"].map((k) => el("th", { scope: "col" }, t(k))),
    el("th", { scope: "col" }, el("span", { class: "sr-only" }, t("col.actions"))));
    const rows = done.map((v) => {
      const k = v.kpis;
      return el("tr", { dataset: { variant: v.label } },
        el("th", { scope: "row" }, variantName(v)),
        el("td", {}, k.requests), el("td", { class: "served" }, percent(k.served_share)),
        el("td", {}, k.wait_min.p95 ?? "–"), el("td", {}, percent(k.pooling_rate)),
        el("td", {}, k.vehicle_km), el("td", {}, k.cost_per_served_trip ?? "–"),
        el("td", {}, el("button", { type: "button", "aria-pressed": String(this.current() === v),
          onclick: () => { this.shown = v.label; this.render(); } }, t("sim.show"))));
    });
    document.getElementById("sim-compare").replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
    this.renderVariant(this.current());
  }

  current() {
    const done = this.job.variants.filter((v) => v.status === "done");
    return done.find((v) => v.label === this.shown) || done[0];
  }

  renderVariant(v) {
    const k = v.kpis;
    const w = k.wait_min, d = k.detour_factor;
    const rows = [
      ["kpi.requests", k.requests],
      ["kpi.served", `${k.served} (${percent(k.served_share)})`],
      ["kpi.wait", `${w.p50 ?? "–"} / ${w.p95 ?? "–"} min`],
      ["kpi.detour", d.p50 ?? "–"],
      ["kpi.occupancy", k.passengers_per_vehicle_hour],
      ["kpi.km", `${k.vehicle_km} (${percent(k.vehicle_km ? k.empty_km / k.vehicle_km : null)})`],
      ["kpi.cost", k.cost_per_served_trip ?? "–"],
    ];
    const plots = ["map", "occupancy", "by_hour", "waits"].filter((p) => v.plots[p]);
    document.getElementById("sim-variant").replaceChildren(
      el("h3", {}, variantName(v)),
      el("table", { class: "table kpis" }, el("tbody", {}, rows.map(([key, val]) =>
        el("tr", {}, el("th", { scope: "row" }, t(key)), el("td", { dataset: { kpi: key } }, val))))),
      el("div", { class: "plots" }, plots.map((p) => el("figure", {},
        el("img", { src: v.plots[p], alt: t(`plot.${p}`), loading: "lazy" }),
        el("figcaption", {}, t(`plot.${p}`))))),
      el("p", {}, el("a", { href: v.report, target: "_blank", rel: "noopener" }, t("sim.report"))));
  }
}
