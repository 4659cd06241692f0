// The operator's view: a company's vehicles and when each is available — weekly patterns,
// dated windows and exceptions — with the windows they give over the next 14 days, and the
// company's monthly statement (what it is paid, as CSV too). Signed in with an operator key
// (its company only) or an admin's (every company).
import { api, getKey, setKey } from "./api.js";
import { has, language, onLanguage, t } from "./i18n.js";
import { busy, dateOf, el, money, now, num } from "./format.js";
import { MessageBox, problemText } from "./messages.js";

const DAYS = 14;

/** Weekday names 1 (Monday) … 7 in the interface language. */
function weekdayNames() {
  const fmt = new Intl.DateTimeFormat(language(), { weekday: "short", timeZone: "UTC" });
  return [1, 2, 3, 4, 5, 6, 7].map((d) => fmt.format(new Date(Date.UTC(2024, 0, d)))); // 2024-01-01: a Monday
}

function dayText(iso) {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString(language(),
    { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
}

function addDays(iso, n) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export class OperatorView {
  constructor(ctx) {
    this.ctx = ctx;
    this.root = document.getElementById("op-root");
    this.me = null;
    this.companies = [];
    this.vehicles = [];
    onLanguage(() => this.render());
  }

  async show() {
    await this.check();
  }

  async check() {
    this.me = null;
    if (getKey("operator")) {
      try {
        const me = await api("/api/v1/me", { who: "operator" });
        this.me = ["operator", "admin", "dispatcher"].includes(me.role) ? me : false;
      } catch (e) {
        this.me = null;
      }
    }
    if (this.me) await this.load();
    else this.render();
    return Boolean(this.me);
  }

  async signIn(key, input) {
    setKey("operator", key);
    if (!(await this.check())) {
      setKey("operator", null);
      this.msg.error(this.me === false ? t("op.signin.role") : t("signin.bad"), input);
    }
  }

  signOut() {
    setKey("operator", null);
    this.me = null;
    this.render();
  }

  async load() {
    try {
      const { companies } = await api("/api/v1/companies", { who: "operator" });
      this.companies = companies;
      const lists = await Promise.all(companies.map((c) =>
        api(`/api/v1/companies/${encodeURIComponent(c.id)}/vehicles`, { who: "operator" })));
      this.vehicles = lists.flatMap((l) => l.vehicles);
      const today = dateOf(now()); // the region's today, by the server's clock
      this.today = today;
      this.details = await Promise.all(this.vehicles.map(async (v) => {
        const id = encodeURIComponent(v.id);
        const [rules, days] = await Promise.all([
          api(`/api/v1/vehicles/${id}/availability`, { who: "operator" }),
          api(`/api/v1/vehicles/${id}/availability/days`, { who: "operator",
            query: { from: today, to: addDays(today, DAYS - 1) } })]);
        return { rules: rules.rules, days: days.days };
      }));
      this.render();
    } catch (e) {
      this.render();
      this.msg.error(problemText(e));
    }
  }

  render() {
    const msgBox = el("div", { id: "op-msg", class: "msg", role: "status", tabindex: "-1" });
    this.msg = new MessageBox(msgBox);
    if (!this.me) {
      const input = el("input", { type: "password", id: "op-key", autocomplete: "off" });
      const form = el("form", { class: "card stack", id: "op-signin" },
        el("h2", {}, t("op.signin")),
        el("p", { class: "hint" }, t("op.signin.hint")),
        el("label", {}, el("span", {}, t("op.key")), " ", input),
        el("button", { type: "submit" }, t("signin")), msgBox);
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        this.signIn(input.value.trim(), input);
        input.value = "";
      });
      this.root.replaceChildren(form);
      return;
    }
    const head = el("div", { class: "card row" },
      el("p", {}, t("op.company"), " ", el("strong", {}, this.companies.map((c) => c.name).join(", ") || "—")),
      el("button", { type: "button", onclick: () => this.load() }, t("refresh")),
      el("button", { type: "button", class: "link", onclick: () => this.signOut() }, t("signout")));
    const cards = this.vehicles.map((v, i) => this.vehicleCard(v, this.details ? this.details[i] : null));
    this.root.replaceChildren(head, msgBox,
      ...(cards.length ? cards : [el("p", { class: "card empty" }, t("op.novehicles"))]),
      ...(this.companies.length ? [this.statementCard()] : []));
  }

  /** A company's statement for a month: the pay and what it is for, and the CSV. */
  statementCard() {
    const month = el("input", { type: "month", id: "op-st-month", value: (this.today || "").slice(0, 7) });
    const company = el("select", { id: "op-st-company" },
      this.companies.map((c) => el("option", { value: c.id }, c.name)));
    const out = el("div", { class: "op-statement", id: "op-st-out", "aria-live": "polite" });
    const button = el("button", { type: "submit" }, t("op.st.show"));
    const path = () => `/api/v1/companies/${encodeURIComponent(company.value)}/statements/${encodeURIComponent(month.value)}`;
    const form = el("form", { class: "stack", novalidate: true },
      el("div", { class: "row two" },
        el("label", {}, el("span", {}, t("op.st.company")), " ", company),
        el("label", {}, el("span", {}, t("op.st.month")), " ", month)), button);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (!/^[0-9]{4}-[0-9]{2}$/.test(month.value)) {
        out.replaceChildren(el("p", { class: "msg error" }, t("op.st.badmonth")));
        return;
      }
      busy(button, true);
      try {
        const st = await api(path(), { who: "operator" });
        out.replaceChildren(...this.statement(st, path()));
      } catch (e) {
        out.replaceChildren(el("p", { class: "msg error" }, problemText(e)));
      } finally {
        busy(button, false);
      }
    });
    return el("section", { class: "card", id: "op-statement" },
      el("h2", {}, t("op.st.title")), el("p", { class: "hint" }, t("op.st.hint")), form, out);
  }

  statement(st, path) {
    const cur = st.currency;
    const rows = [
      ["op.st.total", money(st.totalCents / 100, cur)],
      ["op.st.hours", num(st.availableH, 1)],
      ["op.st.tours", String(st.tours.length)],
      ["op.st.km", `${num(st.drivenKm, 1)} (${t("op.st.occupied", { km: num(st.occupiedKm, 1) })})`],
      ["op.st.rides", t("op.st.ridesline", { rides: st.rides, passengers: st.passengers, noshows: st.noShows })],
      ["op.st.fares", money(st.faresCents / 100, cur)]];
    const table = el("table", { class: "table op-st-table" }, el("tbody", {}, rows.map(([k, v]) =>
      el("tr", { dataset: { key: k.slice(6) } }, el("th", { scope: "row" }, t(k)), el("td", {}, v)))));
    const csv = el("button", { type: "button", class: "link" }, t("op.st.csv"));
    csv.addEventListener("click", async () => {
      busy(csv, true);
      try {
        // the CSV needs the key: fetched here, then saved from memory
        const text = (await api(`${path}.csv`, { who: "operator", headers: { Accept: "text/csv" } })).detail;
        const a = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })),
          download: `statement-${st.companyId}-${st.month}.csv` });
        document.body.append(a);
        a.click();
        a.remove();
      } catch (e) {
        this.msg.error(problemText(e));
      } finally {
        busy(csv, false);
      }
    });
    return [
      el("p", {}, t("op.st.period", { since: st.since, until: st.until }),
        st.provisional ? ` ${t("op.st.provisional")}` : ""),
      table, csv];
  }

  vehicleCard(v, detail) {
    const names = weekdayNames();
    const rules = detail ? detail.rules : [];
    const days = detail ? detail.days : [];
    const ruleText = (r) => {
      const span = r.lastDate ? (r.lastDate === r.firstDate ? dayText(r.firstDate)
        : `${dayText(r.firstDate)} – ${dayText(r.lastDate)}`) : t("op.from", { date: dayText(r.firstDate) });
      const on = r.kind === "weekly" ? `${r.weekdays.map((d) => names[d - 1]).join(", ")} · ` : "";
      return `${t(`op.kind.${r.kind}`)}: ${on}${r.start}–${r.end} · ${span}${r.skipHolidays ? ` · ${t("op.noholidays")}` : ""}`;
    };
    const ruleList = el("ul", { class: "op-rules" }, rules.length ? rules.map((r) => el("li", { dataset: { id: r.id } },
      el("span", {}, ruleText(r)), " ",
      el("button", { type: "button", class: "link op-delete",
        onclick: (ev) => this.deleteRule(v, r, ev.currentTarget) }, t("op.delete"))))
      : [el("li", { class: "empty" }, t("op.norules"))]);
    const dayRows = days.map((d) => el("tr", { dataset: { date: d.date } },
      el("th", { scope: "row" }, dayText(d.date)),
      el("td", {}, d.windows.length ? d.windows.map((w) => `${w[0]}–${w[1]}`).join(", ") : t("op.notavailable"))));
    return el("section", { class: "card op-vehicle", dataset: { id: v.id } },
      el("h2", {}, `${v.id}${v.label ? ` · ${v.label}` : ""}`),
      el("p", { class: "hint" }, t("op.vehicle.line", { area: v.area, seats: v.seats, wc: v.wheelchairPlaces })),
      el("h3", {}, t("op.rules")), ruleList,
      this.ruleForm(v, names),
      el("h3", {}, t("op.days", { n: DAYS })),
      el("table", { class: "table op-days" }, el("tbody", {}, dayRows)));
  }

  ruleForm(v, names) {
    const idp = `op-${v.id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    const kind = el("select", { id: `${idp}-kind`, class: "op-kind" },
      ["weekly", "dated", "unavailable"].map((k) => el("option", { value: k }, t(`op.kind.${k}`))));
    const boxes = names.map((n, i) => el("label", { class: "check" },
      el("input", { type: "checkbox", value: String(i + 1), class: "op-weekday" }), ` ${n}`));
    const first = el("input", { type: "date", class: "op-first", value: this.today || "" });
    const last = el("input", { type: "date", class: "op-last" });
    const start = el("input", { type: "time", class: "op-start", value: "07:00" });
    const end = el("input", { type: "time", class: "op-end", value: "12:00" });
    const holidays = el("input", { type: "checkbox", class: "op-holidays" });
    const weekdays = el("fieldset", { class: "choices op-weekdays" }, el("legend", {}, t("op.weekdays")), boxes);
    const sync = () => { weekdays.hidden = kind.value !== "weekly"; };
    kind.addEventListener("change", sync);
    sync();
    const button = el("button", { type: "submit", class: "primary" }, t("op.add"));
    const form = el("form", { class: "stack op-form", novalidate: true },
      el("label", {}, el("span", {}, t("op.kind")), " ", kind), weekdays,
      el("div", { class: "row two" },
        el("label", {}, el("span", {}, t("op.first")), " ", first),
        el("label", {}, el("span", {}, t("op.last")), " ", last)),
      el("div", { class: "row two" },
        el("label", {}, el("span", {}, t("op.start")), " ", start),
        el("label", {}, el("span", {}, t("op.end")), " ", end)),
      el("label", { class: "check" }, holidays, ` ${t("op.noholidays")}`), button);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = { kind: kind.value, firstDate: first.value, start: start.value,
        end: end.value === "00:00" ? "24:00" : end.value,
        weekdays: kind.value === "weekly" ? boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => Number(c.value)) : [],
        skipHolidays: kind.value === "weekly" && holidays.checked };
      if (last.value) body.lastDate = last.value;
      busy(button, true);
      try {
        await api(`/api/v1/vehicles/${encodeURIComponent(v.id)}/availability`, { method: "POST", who: "operator", body });
        await this.load();
        this.msg.show(t("op.added"), { kind: "ok" });
      } catch (e) {
        this.msg.error(this.problem(e));
      } finally {
        busy(button, false);
      }
    });
    return form;
  }

  /** A refusal in plain words; a rule's problems are listed each with its field. */
  problem(e) {
    const errors = (e.problem && e.problem.errors) || [];
    const slug = String((e.problem && e.problem.type) || "").split("/").pop();
    if (slug === "vehicle-has-rides") return t("op.hasrides", { ids: (e.problem.bookings || []).join(", ") });
    if (errors.length) return `${t("op.invalid")} ${errors.map((x) => (has(`op.field.${x.field}`) ? t(`op.field.${x.field}`) : x.field)).join(", ")}`;
    return problemText(e);
  }

  async deleteRule(v, r, button) {
    if (!confirm(t("op.delete.confirm"))) return;
    busy(button, true);
    try {
      await api(`/api/v1/vehicles/${encodeURIComponent(v.id)}/availability/${encodeURIComponent(r.id)}`,
        { method: "DELETE", who: "operator" });
      await this.load();
      this.msg.show(t("op.deleted"), { kind: "ok" });
    } catch (e) {
      this.msg.error(this.problem(e));
      busy(button, false);
    }
  }
}
