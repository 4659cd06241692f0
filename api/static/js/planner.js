// The planner's view: simulate a day of on-demand service on a service area (a fleet size,
// or a few to compare) and read the KPIs, plots and map of each variant. Served and refused
// requests come first; every figure says what it means; money carries its currency.
import { api } from "./api.js";
import { has, language, onLanguage, t } from "./i18n.js";
import { el, num, percent } from "./format.js";
import { AccessCard } from "./access.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function locale() {
  return language() === "de" ? "de-DE" : "en-US";
}

/** 37.4 → "USD 37.40" (English) or "37,40 USD" (German): the code, never a bare symbol. */
export function money(x, currency) {
  if (x == null) return "–";
  if (!currency) return num(x, 2);
  return new Intl.NumberFormat(locale(), { style: "currency", currency, currencyDisplay: "code" }).format(x);
}

/** A ratio as "1.29 ×" (one or two decimals). */
function factor(x) {
  if (x == null) return "–";
  const n = new Intl.NumberFormat(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 2 }).format(x);
  return `${n} ×`;
}

/** Round tick steps (1, 2, 5 × 10^k) from 0 to at least `max`. */
function ticks(max) {
  const raw = Math.max(max, 1e-9) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(Number(v.toPrecision(12)));
  return out.length > 1 ? out : [0, step];
}

/** A bar chart (one bar per fleet size) with both axes labelled, ticks on the value axis
 *  and the values written on the bars. */
function barChart({ title, xLabel, yLabel, labels, values, fmt, tickFmt }) {
  const w = 320, h = 220, left = 52, right = 10, top = 18, bottom = 46;
  const ys = ticks(Math.max(...values.map((v) => v ?? 0), 0));
  const max = ys[ys.length - 1];
  const y = (v) => h - bottom - ((h - bottom - top) * (v ?? 0)) / max;
  const bw = (w - left - right) / labels.length;
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "chart", role: "img",
    "aria-label": `${title}: ${labels.map((l, i) => t("sim.chart.value", { variant: t("sim.col.variant"), n: l, value: fmt(values[i]) })).join(", ")}` });
  // value axis: ticks, grid lines, label (rotated)
  for (const v of ys) {
    chart.append(
      svg("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), stroke: v ? "#e3e3e3" : "#4a4a4a" }),
      svg("line", { x1: left - 4, x2: left, y1: y(v), y2: y(v), stroke: "#4a4a4a" }),
      svg("text", { x: left - 7, y: y(v) + 4, "text-anchor": "end", "font-size": 11, class: "tick y" }, tickFmt(v)));
  }
  chart.append(
    svg("line", { x1: left, x2: left, y1: top, y2: h - bottom, stroke: "#4a4a4a" }),
    svg("text", { x: 12, y: (top + h - bottom) / 2, "text-anchor": "middle", "font-size": 11,
      transform: `rotate(-90 12 ${(top + h - bottom) / 2})`, class: "axis-label y" }, yLabel),
    svg("text", { x: (left + w - right) / 2, y: h - 6, "text-anchor": "middle", "font-size": 11,
      class: "axis-label x" }, xLabel));
  labels.forEach((label, i) => {
    const x = left + i * bw + bw * 0.2;
    chart.append(
      svg("rect", { x, y: y(values[i]), width: bw * 0.6, height: h - bottom - y(values[i]), fill: "#0b5cab" }),
      svg("text", { x: x + bw * 0.3, y: y(values[i]) - 4, "text-anchor": "middle", "font-size": 11 }, fmt(values[i])),
      svg("text", { x: x + bw * 0.3, y: h - bottom + 15, "text-anchor": "middle", "font-size": 11, class: "tick x" }, label));
  });
  return el("figure", { class: "bar-chart" }, chart, el("figcaption", {}, title));
}

function variantName(v, modes = 1) {
  const fleet = t(v.vehicles === 1 ? "sim.variant.one" : "sim.variant", { n: v.vehicles });
  // several re-planning modes compared: each variant says which it is
  return modes > 1 ? `${fleet}, ${t(`sim.replanning.${v.replanning || "keep_slack"}`)}` : fleet;
}

/** How many re-planning modes a run compares. */
function modesOf(job) {
  return new Set(job.variants.map((v) => v.replanning || "keep_slack")).size;
}

/** A note on the day's demand in the interface language (its English text for a code
 *  this app does not know); whole numbers as the language writes them, line numbers bare. */
function noteText(n) {
  if (!has(`sim.note.${n.code}`)) return n.text;
  const vars = Object.fromEntries(Object.entries(n.params || {}).map(([k, x]) => [k,
    Number.isInteger(x) && k !== "line" ? num(x, 0) : x]));
  return t(`sim.note.${n.code}`, vars);
}

/** A figure's name with its one-line explanation shown beneath it. */
function named(key, vars) {
  return [el("span", { class: "kpi-name" }, t(`kpi.${key}`)),
    el("span", { class: "kpi-help" }, t(`kpi.help.${key}`, vars))];
}

export class PlannerView {
  constructor(ctx, staff) {
    this.ctx = ctx;
    this.staff = staff;
    this.job = null;
    this.shown = null;
    this.timer = null;
    this.said = null; // the last status said, as a function: said again in a new language
    document.getElementById("sim-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.run(); });
    // the seed explained where it is typed in (its text follows the language switch)
    const seed = document.getElementById("sim-seed");
    seed.setAttribute("aria-describedby", "sim-seed-help");
    seed.closest("label").after(el("p", { class: "hint", id: "sim-seed-help", "data-i18n": "kpi.help.seed" }, t("kpi.help.seed")));
    // the comparison scrolls sideways on its own on a narrow screen, not the page
    const compare = document.getElementById("sim-compare");
    const scroller = el("div", { class: "scroll", id: "sim-compare-box", tabindex: "0", role: "region",
      "aria-label": t("sim.compare"), "data-i18n-attr": "aria-label:sim.compare" });
    compare.before(scroller);
    scroller.append(compare);
    this.access = new AccessCard(ctx); // the accessibility analysis, below the simulation
    staff.onChange((ok) => { if (ok) { this.loadAreas(); this.access.load(); } });
    onLanguage(() => {
      this.render();
      if (this.said && this.ctx.view() === "planner") this.say(this.said);
    });
  }

  show() {
    if (this.staff.me) {
      this.loadAreas();
      this.access.load();
    }
    if (this.said) this.say(this.said);
    this.access.show();
  }

  hide() {
    this.access.hide(); // its cells belong to this view
  }

  say(text, kind) {
    this.said = text;
    this.ctx.status(text(), kind);
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
    const replanning = [...document.querySelectorAll("#sim-replanning input:checked")].map((x) => x.value);
    if (!replanning.length) return this.ctx.error(t("sim.badreplanning"), document.querySelector("#sim-replanning input"));
    const body = {
      area: document.getElementById("sim-area").value || null, vehicles,
      ratePerHour: Number(document.getElementById("sim-rate").value),
      seed: Number(document.getElementById("sim-seed").value) || 0,
      language: language(), // the report and its plots in the planner's language
      replanning,
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
      this.say(() => t(job.status === "queued" ? "sim.queued" : "sim.running"));
      this.poll(job.id, 1000);
    } else if (job.status === "done") {
      this.say(() => t("sim.done"));
    } else {
      this.say(() => t("sim.failed", { why: job.errorCode ? t(`sim.error.${job.errorCode}`, { detail: job.error || "" }) : job.error || "" }), "error");
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
    const currency = done[0].kpis.currency || job.currency;
    const cols = ["sim.col.variant", "sim.col.requests", "sim.col.served", "sim.col.refused", "sim.col.wait",
      "sim.col.pooling", "sim.col.km", "sim.col.cost"];
    const head = el("tr", {}, cols.map((k) => el("th", { scope: "col" },
      k === "sim.col.cost" ? `${t(k)} (${currency})` : t(k))),
    el("th", { scope: "col" }, el("span", { class: "sr-only" }, t("col.actions"))));
    const rows = done.map((v) => {
      const k = v.kpis;
      return el("tr", { dataset: { variant: v.label } },
        el("th", { scope: "row" }, variantName(v, modesOf(job))),
        el("td", {}, num(k.requests, 0)),
        el("td", { class: "served" }, percent(k.served_share)),
        el("td", { class: "refused" }, percent(k.requests ? k.rejected / k.requests : 0)),
        el("td", {}, num(k.wait_min.p95)), el("td", {}, percent(k.pooling_rate)),
        el("td", {}, num(k.vehicle_km, 0)), el("td", { class: "money" }, money(k.cost_per_served_trip, k.currency)),
        el("td", {}, el("button", { type: "button", "aria-pressed": String(this.current() === v),
          onclick: () => { this.shown = v.label; this.render(); } }, t("sim.show"))));
    });
    document.getElementById("sim-compare").replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
    // the columns explained (visible on request, the same texts as the KPI rows')
    const explain = [["sim.col.requests", t("sim.col.help.requests")], ["sim.col.served", t("kpi.help.served")],
      ["sim.col.refused", t("kpi.help.refused")], ["sim.col.wait", t("sim.col.help.wait")],
      ["sim.col.pooling", t("kpi.help.pooling")], ["sim.col.km", t("kpi.help.km")],
      ["sim.col.cost", t("kpi.help.cost", { currency })]];
    let details = document.getElementById("sim-explain");
    if (!details) {
      details = el("details", { id: "sim-explain", class: "explain" });
      document.getElementById("sim-compare-box").after(details);
    }
    details.replaceChildren(el("summary", {}, t("sim.explain")),
      el("dl", {}, explain.map(([k, text]) => [el("dt", {}, t(k)), el("dd", {}, text)])));
    const setup = job.shift ? t("sim.setup", {
      shift: job.shift.join("–"), own: t("sim.setup.own"), hours: (job.hours || job.shift).join("–"),
      seed: job.seed, currency }) : "";
    let line = document.getElementById("sim-setup");
    if (!line) {
      line = el("p", { id: "sim-setup", class: "hint" });
      document.getElementById("sim-res-title").after(line);
    }
    line.textContent = `${setup}${setup ? ". " : ""}${t(job.language === "de" ? "sim.language.de" : "sim.language.en")}`;
    const charts = document.getElementById("sim-charts");
    charts.replaceChildren();
    if (done.length > 1) {
      const labels = done.map((v) => (modesOf(job) > 1
        ? `${v.vehicles} · ${t(`sim.replanning.short.${v.replanning || "keep_slack"}`)}` : String(v.vehicles)));
      const xLabel = t("sim.chart.x");
      charts.append(
        barChart({ title: t("sim.col.served"), xLabel, yLabel: t("sim.chart.served"), labels,
          values: done.map((v) => 100 * v.kpis.served_share), fmt: (x) => `${num(x)}%`, tickFmt: (x) => num(x, 0) }),
        barChart({ title: t("sim.col.wait"), xLabel, yLabel: t("sim.chart.wait"), labels,
          values: done.map((v) => v.kpis.wait_min.p95 ?? 0), fmt: (x) => num(x), tickFmt: (x) => num(x, 1) }),
        barChart({ title: t("sim.col.cost"), xLabel, yLabel: t("sim.chart.cost", { currency }), labels,
          values: done.map((v) => v.kpis.cost_per_served_trip ?? 0), fmt: (x) => num(x, x >= 100 ? 0 : 1), tickFmt: (x) => num(x, 1) }));
    }
    this.renderVariant(this.current());
  }

  current() {
    const done = this.job.variants.filter((v) => v.status === "done");
    return done.find((v) => v.label === this.shown) || done[0];
  }

  renderVariant(v) {
    const k = v.kpis;
    const w = k.wait_min, d = k.detour_factor, cur = k.currency;
    const share = (n) => (k.requests ? n / k.requests : 0);
    const min = t("sim.minutes");
    const rows = [
      ["requests", num(k.requests, 0)],
      ["served", `${num(k.served, 0)} (${percent(share(k.served))})`],
      ["refused", `${num(k.rejected, 0)} (${percent(share(k.rejected))})`],
      ["no_shows", num(k.no_shows, 0)],
      ["wait", w.p50 == null ? "–" : `${num(w.p50)} / ${num(w.p95)} ${min}`],
      ["detour", factor(d.p50)],
      ["pooling", percent(k.pooling_rate)],
      ["occupancy", num(k.passengers_per_vehicle_hour, 2)],
      ["km", `${num(k.vehicle_km, 0)} (${percent(k.vehicle_km ? k.empty_km / k.vehicle_km : null)})`],
      ["cost", money(k.cost_per_served_trip, cur)],
      ["co2", `${num(k.co2_kg, 0)} kg`],
    ];
    const reasons = Object.entries(k.rejected_by_reason || {}).sort((a, b) => b[1] - a[1]);
    const headline = el("div", { class: "sim-headline" },
      el("p", { class: "big served" }, el("strong", {}, t("kpi.served")), " ",
        el("span", { dataset: { headline: "served" } }, t("sim.headline.served", { n: num(k.served, 0), total: num(k.requests, 0), share: percent(share(k.served)) }))),
      el("p", { class: "big refused" }, el("strong", {}, t("kpi.refused")), " ",
        el("span", { dataset: { headline: "refused" } }, t("sim.headline.refused", { n: num(k.rejected, 0), total: num(k.requests, 0), share: percent(share(k.rejected)) }))),
      reasons.length
        ? el("div", {}, el("p", { class: "reasons-title" }, t("sim.reasons")),
          el("ul", { class: "reasons" }, reasons.map(([why, n]) => el("li", { dataset: { reason: why } },
            `${t(`sim.reason.${why}`) === `sim.reason.${why}` ? why : t(`sim.reason.${why}`)}: ${num(n, 0)}`))))
        : el("p", {}, t("sim.reasons.none")));
    const plots = ["map", "occupancy", "by_hour", "waits"].filter((p) => v.plots[p]);
    document.getElementById("sim-variant").replaceChildren(
      el("h3", {}, variantName(v, modesOf(this.job))),
      headline,
      el("table", { class: "table kpis" }, el("tbody", {}, rows.map(([key, val]) =>
        el("tr", { dataset: { kpi: key } }, el("th", { scope: "row" }, named(key, { currency: cur })),
          el("td", { dataset: { kpi: key } }, val))))),
      el("div", { class: "plots" }, plots.map((p) => el("figure", {},
        el("img", { src: v.plots[p], alt: t(`plot.${p}`), loading: "lazy" }),
        el("figcaption", {}, t(`plot.${p}`))))),
      ...((v.notes || []).length ? [el("div", { class: "sim-notes" }, el("p", { class: "reasons-title" }, t("sim.notes")),
        el("ul", {}, v.notes.map((n) => el("li", { dataset: { note: n.code } }, noteText(n)))))] : []),
      el("p", {}, el("a", { href: v.report, target: "_blank", rel: "noopener" }, t("sim.report"))));
  }
}
