// The planner's view: simulate a day of on-demand service on a service area (a fleet size,
// or a few to compare) and read the KPIs, plots and map of each variant.
import { api } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { el, num, percent } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A small bar chart (one bar per fleet size) with its values written on the bars. */
function barChart(title, labels, values, unit) {
  const w = 300, h = 180, pad = 28, top = 16;
  const max = Math.max(...values, 1e-9);
  const bw = (w - 2 * pad) / labels.length;
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "chart", role: "img",
    "aria-label": `${title}: ${labels.map((l, i) => `${t("sim.col.variant")} ${l}: ${num(values[i])}${unit}`).join(", ")}` });
  chart.append(svg("line", { x1: pad, x2: w - pad, y1: h - pad, y2: h - pad, stroke: "#4a4a4a" }));
  labels.forEach((label, i) => {
    const bh = ((h - pad - top) * values[i]) / max;
    const x = pad + i * bw + bw * 0.15;
    chart.append(
      svg("rect", { x, y: h - pad - bh, width: bw * 0.7, height: bh, fill: "#0b5cab" }),
      svg("text", { x: x + bw * 0.35, y: h - pad - bh - 4, "text-anchor": "middle", "font-size": 12 },
        `${num(values[i], values[i] >= 100 ? 0 : 1)}${unit}`),
      svg("text", { x: x + bw * 0.35, y: h - pad + 16, "text-anchor": "middle", "font-size": 12 }, label));
  });
  return el("figure", { class: "bar-chart" }, chart, el("figcaption", {}, title));
}

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
    const running = job.status === "queued" || job.status === "running";
    document.querySelector("#sim-form button[type=submit]").disabled = running;
    if (running) {
      this.ctx.status(t("sim.running"));
      this.poll(job.id, 1000);
    } else if (job.status === "done") {
      this.ctx.status(t("sim.done"));
    } else {
      this.ctx.status(t("sim.failed", { why: job.error || "" }));
    }
  }

  poll(id, delay) {
    this.timer = setTimeout(async () => {
      try {
        this.follow(await api(`/api/v1/simulations/${id}`, { who: "staff" }));
      } catch (e) {
        this.ctx.fail(e); // a blip (network, a restarting server): keep asking, less often
        this.poll(id, Math.min(2 * delay, 15000));
      }
    }, delay);
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
        el("td", {}, num(k.wait_min.p95)), el("td", {}, percent(k.pooling_rate)),
        el("td", {}, num(k.vehicle_km, 0)), el("td", {}, num(k.cost_per_served_trip, 2)),
        el("td", {}, el("button", { type: "button", "aria-pressed": String(this.current() === v),
          onclick: () => { this.shown = v.label; this.render(); } }, t("sim.show"))));
    });
    document.getElementById("sim-compare").replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
    const charts = document.getElementById("sim-charts");
    charts.replaceChildren();
    if (done.length > 1) {
      const names = done.map((v) => String(v.vehicles));
      charts.append(
        barChart(t("sim.col.served"), names, done.map((v) => 100 * v.kpis.served_share), "%"),
        barChart(t("sim.col.wait"), names, done.map((v) => v.kpis.wait_min.p95 ?? 0), ""),
        barChart(t("sim.col.cost"), names, done.map((v) => v.kpis.cost_per_served_trip ?? 0), ""));
    }
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
      ["kpi.requests", num(k.requests, 0)],
      ["kpi.served", `${num(k.served, 0)} (${percent(k.served_share)})`],
      ["kpi.wait", `${num(w.p50)} / ${t("minutes", { n: num(w.p95) })}`],
      ["kpi.detour", num(d.p50, 2)],
      ["kpi.occupancy", num(k.passengers_per_vehicle_hour, 2)],
      ["kpi.km", `${num(k.vehicle_km, 0)} (${percent(k.vehicle_km ? k.empty_km / k.vehicle_km : null)})`],
      ["kpi.cost", num(k.cost_per_served_trip, 2)],
      ["kpi.co2", `${num(k.co2_kg, 0)} kg`],
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
