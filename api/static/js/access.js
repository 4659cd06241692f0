// The planner's accessibility card: start `mobility access` as a web job (destinations,
// departure window, time limit, fleet sizes), follow its progress, then read who gains
// access with each fleet size and see the cells on the map: gaining access, already within
// the limit by transit alone, or still beyond it.
/* global L */
import { api } from "./api.js";
import { language, onLanguage, t } from "./i18n.js";
import { el, num, percent } from "./format.js";
import { money } from "./planner.js";

/** The README's default analysis per region: its town-centre stops (GTFS stop_ids). */
export const PRESETS = { "addison-vt": "771333,771400,771306" };
/** The cells' colours (as the HTML report's map draws them). */
export const COLORS = { gain: "#2e9c5a", within: "#6f9fd2", beyond: "#b5b5b5" };

/** Which class a cell falls in with `vehicles` vehicles and the limit `max` (minutes). */
export function cellClass(p, vehicles, max) {
  if (p[`gain${vehicles}`]) return "gain";
  return p.before_p50 != null && p.before_p50 <= max ? "within" : "beyond";
}

export class AccessCard {
  constructor(ctx) {
    this.ctx = ctx;
    this.job = null;
    this.cells = null; // the shown job's GeoJSON
    this.timer = null;
    this.said = null;
    this.on = false; // the planner view is open
    const preset = PRESETS[ctx.region.name];
    const to = document.getElementById("acc-to");
    const stops = document.getElementById("acc-stops");
    if (preset) {
      stops.value = preset;
    } else {
      to.querySelector('option[value="centres"]').remove();
    }
    to.addEventListener("change", () => {
      stops.readOnly = to.value === "centres";
      if (to.value === "centres") stops.value = preset;
    });
    stops.readOnly = to.value === "centres";
    document.getElementById("acc-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.run(); });
    document.getElementById("acc-fleet").addEventListener("change", () => this.draw());
    onLanguage(() => {
      this.render();
      if (this.said && this.on) this.say(this.said);
    });
  }

  show() {
    this.on = true;
    if (this.cells) this.draw();
  }

  hide() {
    this.on = false;
    this.ctx.map.hideCells();
  }

  say(text, kind) {
    this.said = text;
    this.ctx.status(text(), kind);
  }

  /** The newest analysis, once the planner is signed in. */
  async load() {
    if (this.job) return;
    try {
      const { analyses } = await api("/api/v1/access", { who: "staff", query: { limit: 1 } });
      if (analyses.length) this.follow(analyses[0]);
    } catch (e) {
      /* none yet, or this server runs none */
    }
  }

  async run() {
    const stops = document.getElementById("acc-stops");
    const ids = stops.value.split(/[ ,;]+/).filter(Boolean);
    if (!ids.length || ids.length > 50) return this.ctx.error(t("acc.badstops"), stops);
    const win = document.getElementById("acc-window");
    if (!/^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$/.test(win.value)) return this.ctx.error(t("acc.badwindow"), win);
    const max = document.getElementById("acc-max");
    const maxMin = Number(max.value);
    if (!Number.isInteger(maxMin) || maxMin < 1 || maxMin > 240) return this.ctx.error(t("acc.badmax"), max);
    const veh = document.getElementById("acc-vehicles");
    const vehicles = [...new Set(veh.value.split(/[ ,;]+/).filter(Boolean).map(Number))];
    if (!vehicles.length || vehicles.length > 4 || vehicles.some((n) => !Number.isInteger(n) || n < 1 || n > 50)) {
      return this.ctx.error(t("acc.badvehicles"), veh);
    }
    const body = { to: `stops:${ids.join(",")}`, window: win.value.trim(), maxMin, vehicles,
      area: document.getElementById("sim-area").value || null, language: language() };
    try {
      const job = await api("/api/v1/access", { method: "POST", who: "staff", body });
      this.cells = null;
      this.ctx.map.hideCells(true);
      delete document.body.dataset.accessMap;
      this.ctx.map.invalidate();
      this.follow(job);
    } catch (e) {
      if (e.problem && e.problem.field) {
        const input = { to: stops, window: win, maxMin: max, vehicles: veh }[e.problem.field];
        if (input) return this.ctx.error(e.problem.detail || e.message, input);
      }
      this.ctx.fail(e);
    }
  }

  follow(job) {
    this.job = job;
    clearTimeout(this.timer);
    const running = job.status === "queued" || job.status === "running";
    document.querySelector("#acc-form button[type=submit]").disabled = running;
    if (running) {
      this.say(() => t("acc.running"));
      this.poll(job.id, 1000);
    } else if (job.status === "done") {
      this.say(() => t("acc.done"));
      this.loadCells(job);
    } else {
      this.say(() => t("acc.failed", { why: t(`acc.error.${job.errorCode || "crashed"}`, { detail: job.error || "" }) }), "error");
    }
    this.render();
  }

  poll(id, delay) {
    this.timer = setTimeout(async () => {
      try {
        this.follow(await api(`/api/v1/access/${id}`, { who: "staff" }));
      } catch (e) {
        this.ctx.fail(e); // a blip: keep asking, less often
        this.poll(id, Math.min(2 * delay, 15000));
      }
    }, delay);
  }

  async loadCells(job) {
    if (this.cells && this.cells.id === job.id) return;
    try {
      const geo = await api(`/api/v1/access/${job.id}/cells`, { who: "staff" });
      if (this.job !== job) return;
      this.cells = { id: job.id, geo };
      this.render();
      if (this.on) this.draw();
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  /** The chosen fleet size's cells on the map, and the legend's residents per class. */
  draw() {
    if (!this.cells || !this.job || !this.job.summary) return;
    const v = Number(document.getElementById("acc-fleet").value);
    const max = this.job.maxMin;
    if (this.on) {
      document.body.dataset.accessMap = "true"; // the planner view's map appears
      this.ctx.map.invalidate();
    }
    const layer = this.ctx.map.showCells(this.cells.geo, (p) => cellClass(p, v, max), COLORS);
    this.ctx.map.map.getContainer().dataset.cellsFleet = String(v);
    // the view: where cells reach a destination (with this fleet), else all cells
    const near = L.latLngBounds([]);
    layer.eachLayer((l) => { if (cellClass(l.feature.properties, v, max) !== "beyond") near.extend(l.getBounds()); });
    const bounds = near.isValid() ? near : layer.getBounds();
    if (this.on && bounds.isValid()) this.ctx.map.fit(bounds, { padding: [20, 20], animate: false });
    this.legend();
  }

  legend() {
    const list = document.getElementById("acc-legend");
    if (!this.cells || !this.job || !this.job.summary) return list.replaceChildren();
    const v = Number(document.getElementById("acc-fleet").value);
    const max = this.job.maxMin;
    const sums = { gain: 0, within: 0, beyond: 0 };
    const counts = { gain: 0, within: 0, beyond: 0 };
    for (const f of this.cells.geo.features) {
      const c = cellClass(f.properties, v, max);
      sums[c] += f.properties.weight;
      counts[c] += 1;
    }
    list.replaceChildren(...["gain", "within", "beyond"].map((c) => el("li", { dataset: { cls: c, cells: String(counts[c]) } },
      el("span", { class: `swatch acc-${c}`, "aria-hidden": "true" }),
      t(`acc.legend.${c}`, { max: num(max, 0), fleet: t(v === 1 ? "sim.variant.one" : "sim.variant", { n: v }),
        residents: num(sums[c], 0), cells: num(counts[c], 0) }))));
  }

  render() {
    const job = this.job;
    if (!job) return;
    const running = job.status === "queued" || job.status === "running";
    document.getElementById("acc-progress-label").hidden = !running;
    document.getElementById("acc-progress").value = job.progress;
    const box = document.getElementById("acc-results");
    const s = job.summary;
    box.hidden = !s;
    if (!s) return;
    const max = num(s.max_min, 0);
    document.getElementById("acc-setup").textContent = t("acc.setup", {
      n: num(s.opportunities, 0), names: (s.opportunity_names || []).slice(0, 6).join(", "),
      window: s.window, date: s.date, max, area: s.area, cells: num(s.cells, 0),
      residents: num(s.residents, 0), before: num(s.residents_within_before, 0) });
    const cols = ["acc.col.vehicles", "acc.col.served", "acc.col.gaining", "acc.col.after", "acc.col.pervh", "acc.col.cost"];
    const head = el("tr", {}, cols.map((k) => el("th", { scope: "col" }, t(k, { max }))));
    const rows = s.fleets.map((f) => el("tr", { dataset: { vehicles: String(f.vehicles) } },
      el("th", { scope: "row" }, t(f.vehicles === 1 ? "sim.variant.one" : "sim.variant", { n: f.vehicles })),
      el("td", { dataset: { figure: "served" } }, percent(f.served_share)),
      el("td", { dataset: { figure: "gaining" } }, num(f.residents_gaining, 0)),
      el("td", { dataset: { figure: "after" } }, num(f.residents_within_after, 0)),
      el("td", { dataset: { figure: "pervh" } }, num(f.gaining_per_vehicle_hour, 1)),
      el("td", { dataset: { figure: "cost" }, class: "money" }, money(f.cost_per_resident_gaining, f.currency))));
    document.getElementById("acc-summary").replaceChildren(el("caption", { class: "sr-only" }, t("acc.results")),
      el("thead", {}, head), el("tbody", {}, rows));
    const select = document.getElementById("acc-fleet");
    const chosen = select.value || String(s.fleets[s.fleets.length - 1].vehicles);
    select.replaceChildren(...s.fleets.map((f) => el("option", { value: String(f.vehicles) },
      t(f.vehicles === 1 ? "sim.variant.one" : "sim.variant", { n: f.vehicles }))));
    select.value = s.fleets.some((f) => String(f.vehicles) === chosen) ? chosen : String(s.fleets[s.fleets.length - 1].vehicles);
    document.getElementById("acc-report").href = job.report;
    this.legend();
  }
}
