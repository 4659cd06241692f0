// Staff sign-in, shared by the dispatcher and planner views: one dispatcher (or admin) key
// kept in this browser.
import { api, getKey, setKey } from "./api.js";
import { t } from "./i18n.js";
import { el } from "./format.js";

export class StaffGate {
  constructor(ctx) {
    this.ctx = ctx;
    this.me = null;
    this.listeners = [];
    for (const form of document.querySelectorAll(".staff-signin")) {
      form.replaceChildren(
        el("h2", { "data-i18n": "staff.signin" }, t("staff.signin")),
        el("label", {}, el("span", { "data-i18n": "staff.key" }, t("staff.key")), " ",
          el("input", { type: "password", class: "staff-key", autocomplete: "off" })),
        el("button", { type: "submit", "data-i18n": "signin" }, t("signin")));
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const input = form.querySelector(".staff-key");
        this.signIn(input.value.trim(), input);
        input.value = "";
      });
    }
    for (const b of document.querySelectorAll(".staff-signout")) b.addEventListener("click", () => this.signOut());
  }

  onChange(f) {
    this.listeners.push(f);
  }

  async signIn(key, input) {
    setKey("staff", key);
    if (!(await this.check())) {
      setKey("staff", null);
      this.ctx.error(this.me === false ? t("signin.staff") : t("signin.bad"), input);
    }
  }

  signOut() {
    setKey("staff", null);
    this.me = null;
    this.render();
    this.ctx.status(t("signedout"));
  }

  /** Whether the stored key is a dispatcher's or an admin's. */
  async check() {
    this.me = null;
    if (getKey("staff")) {
      try {
        const me = await api("/api/v1/me", { who: "staff" });
        this.me = me.role === "dispatcher" || me.role === "admin" ? me : false;
      } catch (e) {
        this.me = null;
      }
    }
    this.render();
    return Boolean(this.me);
  }

  render() {
    for (const form of document.querySelectorAll(".staff-signin")) form.hidden = Boolean(this.me);
    for (const box of document.querySelectorAll(".staff-only")) box.hidden = !this.me;
    for (const f of this.listeners) f(Boolean(this.me));
  }
}
