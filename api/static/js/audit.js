// The audit log for admins (issue 20): the latest staff actions — when, whose key, what, on
// which record, what changed — newest first, older pages on request. Shown only to an
// admin's key (the API refuses dispatchers).
import { api } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { busy, el, moment } from "./format.js";

const PAGE = 25;

export class AuditLog {
  constructor(ctx, staff) {
    this.ctx = ctx;
    this.staff = staff;
    this.card = document.getElementById("audit-card");
    this.list = document.getElementById("audit-rows");
    this.more = document.getElementById("audit-more");
    this.entries = [];
    this.next = null;
    this.more.addEventListener("click", () => this.load(true));
    onLanguage(() => this.render());
  }

  /** The first page again (`older`: the next, older page appended). */
  async load(older = false) {
    const admin = Boolean(this.staff.me && this.staff.me.role === "admin");
    this.card.hidden = !admin;
    if (!admin) return;
    busy(this.more, true);
    try {
      const query = { limit: PAGE };
      if (older && this.next) query.beforeId = this.next;
      const res = await api("/api/v1/audit", { who: "staff", query });
      this.entries = older ? [...this.entries, ...res.entries] : res.entries;
      this.next = res.nextBeforeId;
      this.render();
    } catch (e) {
      this.ctx.fail(e);
    } finally {
      busy(this.more, false);
    }
  }

  render() {
    this.more.hidden = !this.next;
    if (!this.entries.length) {
      this.list.replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "empty" }, t("audit.none"))));
      return;
    }
    this.list.replaceChildren(...this.entries.map((e) => el("tr", { dataset: { id: String(e.id) } },
      el("td", { class: "when" }, moment(e.at)),
      el("td", {}, `${t(`audit.role.${e.role}`)} · ${e.keyId}`),
      el("td", {}, el("code", {}, e.action), " ", `${e.targetType} ${e.targetId}`),
      el("td", { class: "details" }, e.details ? Object.entries(e.details)
        .filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; ") : ""))));
  }
}
