// The dispatcher's service alerts: an area closed (no rides) or served less for a period,
// in German and English. Other apps read them from the GTFS-Realtime alerts feed at once; a
// closure also refuses new rides in its area and period. Alerts still to come or lasting
// are listed, each can be ended now.
import { api } from "./api.js";
import { language, onLanguage, t } from "./i18n.js";
import { busy, el, moment } from "./format.js";
import { MessageBox, problemText } from "./messages.js";

const URL = "/api/v1/service-alerts";
const LANGS = ["de", "en"];

export class ServiceAlerts {
  constructor(ctx) {
    this.ctx = ctx;
    this.form = document.getElementById("sa-form");
    this.area = document.getElementById("sa-area");
    this.list = document.getElementById("sa-list");
    this.msg = new MessageBox(document.getElementById("sa-msg"));
    this.alerts = null;
    this.form.addEventListener("submit", (ev) => { ev.preventDefault(); this.create(); });
    onLanguage(() => { if (this.alerts) this.render(this.alerts); });
  }

  field(id) {
    return document.getElementById(id);
  }

  async load() {
    try {
      if (!this.area.options.length) {
        const areas = await api("/api/v1/service-areas");
        this.area.replaceChildren(...areas.features.map((f) =>
          el("option", { value: f.properties.name }, f.properties.name)));
      }
      const { alerts } = await api(URL, { who: "staff" });
      this.alerts = alerts;
      this.render(alerts);
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  /** The alert as the form says it, or null (with the field to fix said) when incomplete. */
  request() {
    const texts = [];
    for (const lang of LANGS) {
      const header = this.field(`sa-header-${lang}`).value.trim();
      const description = this.field(`sa-description-${lang}`).value.trim();
      if (header) texts.push({ language: lang, header, ...(description ? { description } : {}) });
    }
    if (!texts.length) {
      this.msg.error(t("sa.needs.header"), this.field(`sa-header-${language() === "de" ? "de" : "en"}`));
      return null;
    }
    const start = this.field("sa-start").value;
    const end = this.field("sa-end").value;
    return {
      area: this.area.value,
      effect: this.form.querySelector("input[name=saEffect]:checked").value,
      ...(start ? { start } : {}), ...(end ? { end } : {}), texts,
    };
  }

  async create() {
    const body = this.request();
    if (!body) return;
    const button = this.form.querySelector("button[type=submit]");
    busy(button, true, t("sa.busy"));
    try {
      await api(URL, { method: "POST", who: "staff", body });
      this.msg.show(t("sa.created"), { kind: "ok", focus: true });
      for (const id of ["sa-start", "sa-end", ...LANGS.flatMap((l) => [`sa-header-${l}`, `sa-description-${l}`])]) {
        this.field(id).value = "";
      }
      await this.load();
    } catch (e) {
      const slug = String((e.problem && e.problem.field) || "");
      const input = slug === "start" ? this.field("sa-start") : slug === "end" ? this.field("sa-end") : null;
      this.msg.error(problemText(e), input);
    } finally {
      busy(button, false);
    }
  }

  async end(a, button) {
    if (!confirm(t("sa.end.confirm"))) return;
    busy(button, true);
    try {
      await api(`${URL}/${encodeURIComponent(a.id)}/end`, { method: "POST", who: "staff" });
      this.msg.show(t("sa.ended"), { kind: "ok" });
      await this.load();
    } catch (e) {
      this.msg.error(problemText(e));
      busy(button, false);
    }
  }

  render(alerts) {
    if (!alerts.length) {
      this.list.replaceChildren(el("li", { class: "empty" }, t("sa.none")));
      return;
    }
    this.list.replaceChildren(...alerts.map((a) => {
      const text = a.texts.find((x) => x.language === language()) || a.texts[0];
      const until = a.end ? moment(a.end) : t("sa.open");
      return el("li", { class: `sa-item sa-${a.effect}`, dataset: { id: a.id } },
        el("p", {}, el("strong", {}, t(a.effect === "closure" ? "sa.effect.closure" : "sa.effect.reduced")),
          ` · ${a.area} · ${moment(a.start)} – ${until} · `,
          t(a.status === "active" ? "sa.status.active" : "sa.status.scheduled")),
        el("p", {}, text.header, text.description ? ` — ${text.description}` : ""),
        el("button", { type: "button", class: "end", onclick: (ev) => this.end(a, ev.currentTarget) },
          t("sa.end")));
    }));
  }
}
