// The rider's messages and how they are told of their rides: the in-app messages (newest
// first, "n new" on the list's title, read once opened; looked for every 30 s while signed
// in) and the choice of channels, e-mail address and language. The messages come worded
// by the server in the rider's chosen language; everything around them is the interface's.
import { api, ApiError, getKey } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { busy, el, moment } from "./format.js";
import { MessageBox, problemText } from "./messages.js";

const POLL_MS = 30e3;
// a simple check before sending: the server decides (and says why in plain words)
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/;

export class Inbox {
  /** `rider`: the RiderView (its account message box). */
  constructor(rider) {
    this.rider = rider;
    this.items = [];
    this.loaded = false; // the first look since signing in (news after it: a change)
    this.unread = 0;
    this.prefs = null;
    this.timer = null;
    this.box = document.getElementById("inbox");
    this.list = document.getElementById("inbox-list");
    this.msg = new MessageBox(document.getElementById("notify-msg"));
    this.email = document.getElementById("notify-email");
    this.box.addEventListener("toggle", () => { if (this.box.open) this.markRead(); });
    this.form = document.getElementById("notify-form");
    this.form.addEventListener("submit", (ev) => { ev.preventDefault(); this.save(); });
    this.touched = false; // the rider's own changes are never overwritten by a late answer
    this.form.addEventListener("input", () => { this.touched = true; });
    onLanguage(() => { this.msg.clear(); this.render(); });
  }

  /** The rider signed in (look now and every 30 s) or out (stop; forget what was shown). */
  signedIn(on) {
    clearInterval(this.timer);
    this.timer = null;
    if (!on) {
      this.items = [];
      this.loaded = false;
      this.unread = 0;
      this.prefs = null;
      this.touched = false;
      delete this.form.dataset.loaded;
      this.box.open = false;
      this.msg.clear();
      this.render();
      return;
    }
    this.timer = setInterval(() => this.load(), POLL_MS);
    this.load();
    this.loadPrefs();
  }

  async load() {
    if (!getKey("rider")) return;
    try {
      const res = await api("/api/v1/notifications", { who: "rider", query: { limit: 50 } });
      const news = res.notifications.some((m) => !this.items.some((old) => old.id === m.id));
      if (news && this.loaded) this.rider.loadBookings(); // a message tells of a change
      this.items = res.notifications;
      this.loaded = true;
      this.unread = res.unread;
      this.render();
      if (this.box.open) this.markRead(); // read as they arrive while the list is open
    } catch (e) {
      // a missed look is made up 30 s later; a signed-out key is the account's to say
    }
  }

  render() {
    const badge = document.getElementById("inbox-unread");
    badge.hidden = !this.unread;
    badge.textContent = this.unread ? t("inbox.unread", { n: this.unread }) : "";
    document.getElementById("inbox-empty").hidden = this.items.length > 0;
    this.list.replaceChildren(...this.items.map((m) => el("li", {
      class: m.readAt ? "message" : "message new", dataset: { id: m.id } },
    el("span", { class: "when" }, moment(m.createdAt)), " ",
    el("strong", { class: "subject" }, m.subject),
    el("p", { class: "text" }, m.text))));
    this.renderPrefs();
  }

  /** Mark what the open list shows unread as read (each once). */
  async markRead() {
    const unread = this.items.filter((m) => !m.readAt);
    for (const m of unread) {
      try {
        const read = await api(`/api/v1/notifications/${encodeURIComponent(m.id)}/read`,
          { method: "POST", who: "rider" });
        m.readAt = read.readAt;
        this.unread = Math.max(0, this.unread - 1);
      } catch (e) {
        break; // next time the list opens or is looked at
      }
    }
    if (unread.length) this.render();
  }

  // -- how the rider is told ------------------------------------------------------------------
  async loadPrefs() {
    try {
      this.prefs = await api("/api/v1/accounts/me/notifications", { who: "rider" });
    } catch (e) {
      this.prefs = null;
    }
    this.fillPrefs();
  }

  fillPrefs() {
    const p = this.prefs;
    if (!p) return;
    this.form.dataset.loaded = "true";
    if (this.touched) return this.renderPrefs();
    for (const box of document.querySelectorAll('#notify-form input[name="channel"]')) {
      box.checked = box.value === "app" || p.channels.includes(box.value);
    }
    this.email.value = p.email || "";
    document.getElementById("notify-language").value = p.language || "";
    this.renderPrefs();
  }

  renderPrefs() {
    const p = this.prefs;
    const sms = document.querySelector('#notify-form input[value="sms"]');
    const noPhone = Boolean(p && !p.hasPhone);
    sms.disabled = noPhone;
    if (noPhone) sms.checked = false;
    const hint = document.getElementById("notify-sms-hint");
    hint.hidden = !noPhone;
    hint.textContent = t("problem.channel-needs-phone");
  }

  async save() {
    const button = document.querySelector("#notify-form button[type=submit]");
    if (button.disabled) return;
    const channels = [...document.querySelectorAll('#notify-form input[name="channel"]:checked')]
      .map((box) => box.value);
    const email = this.email.value.trim();
    if (channels.includes("email") && !email) return this.msg.error(t("problem.channel-needs-address"), this.email);
    if (email && !EMAIL.test(email)) return this.msg.error(t("problem.invalid-email"), this.email);
    busy(button, true, t("busy.save"));
    try {
      this.prefs = await api("/api/v1/accounts/me/notifications", { method: "PUT", who: "rider",
        body: { email: email || null, language: document.getElementById("notify-language").value || null, channels } });
      this.touched = false;
      this.fillPrefs();
      this.msg.show(t("notify.saved"), { kind: "ok", focus: true });
      this.load(); // the messages in the language chosen
    } catch (e) {
      const field = e instanceof ApiError && e.problem.field === "email" ? this.email : null;
      this.msg.error(problemText(e), field);
    } finally {
      busy(button, false);
    }
  }
}
