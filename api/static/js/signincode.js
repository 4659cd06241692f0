// Signing in on another device with a short code: the signed-in rider asks for a code
// (shown large, with its expiry and how to use it); on the other device, signed out, the
// rider types it and gets a key of their own, kept as the rider key like a typed one.
import { api, ApiError, setKey } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { busy, clock } from "./format.js";
import { problemText } from "./messages.js";

export class SignInCodes {
  /** `rider`: the RiderView (its account message box, refreshAccount, renderItineraries). */
  constructor(rider) {
    this.rider = rider;
    this.made = null; // {code, expiresAt}: the code shown, redrawn in another language
    this.box = document.getElementById("code-box");
    document.getElementById("code-make").addEventListener("click", () => this.make());
    document.getElementById("code-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.signIn(); });
    onLanguage(() => this.render());
  }

  async make() {
    const button = document.getElementById("code-make");
    if (button.disabled) return;
    busy(button, true, t("busy.code"));
    try {
      this.made = await api("/api/v1/accounts/sign-in-codes", { method: "POST", who: "rider" });
      this.rider.account.clear();
      this.render();
      this.box.focus(); // the code is the result: read out and in view
      this.box.scrollIntoView({ block: "nearest" });
    } catch (e) {
      this.reset();
      this.rider.account.error(problemText(e));
    } finally {
      busy(button, false);
    }
  }

  render() {
    this.box.hidden = !this.made;
    if (!this.made) return;
    document.getElementById("code-text").textContent = this.made.code;
    document.getElementById("code-expiry").textContent = t("code.expiry", { time: clock(this.made.expiresAt) });
  }

  /** Forget the code shown (signed out). */
  reset() {
    this.made = null;
    this.render();
  }

  async signIn() {
    const input = document.getElementById("code-input");
    const button = document.querySelector("#code-form button[type=submit]");
    if (button.disabled) return;
    const code = input.value.trim();
    if (!code) return this.rider.account.error(t("code.empty"), input);
    busy(button, true, t("busy.signin"));
    try {
      const res = await api("/api/v1/accounts/sign-in", { method: "POST", body: { code } });
      setKey("rider", res.key);
      input.value = "";
      const me = await this.rider.refreshAccount();
      this.rider.renderItineraries();
      this.rider.account.show(t("code.done", { name: (me && me.name) || res.name || res.riderId }), { kind: "ok", focus: true });
    } catch (e) {
      // wrong, used or expired: one answer, the field to fix marked and focused
      this.rider.account.error(problemText(e), e instanceof ApiError && e.status === 422 ? input : null);
    } finally {
      busy(button, false);
    }
  }
}
