// The dispatcher's "Move tour": every ride of a vehicle on a day not yet picked up goes to
// another vehicle (any company's), all or nothing, each keeping its promised times.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { busy, el } from "./format.js";
import { MessageBox, problemText } from "./messages.js";

export class MoveTour {
  constructor(ctx, date, reload) {
    this.ctx = ctx;
    this.date = date; // the desk's service date input
    this.reload = reload;
    this.from = document.getElementById("mt-from");
    this.to = document.getElementById("mt-to");
    this.msg = new MessageBox(document.getElementById("mt-msg"));
    document.getElementById("mt-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.move(); });
  }

  /** The vehicles to choose from (the desk's list), keeping what was chosen. */
  setVehicles(vehicles) {
    for (const select of [this.from, this.to]) {
      const was = select.value;
      select.replaceChildren(...vehicles.map((v) => el("option", { value: v.id }, v.label ? `${v.id} · ${v.label}` : v.id)));
      if (vehicles.some((v) => v.id === was)) select.value = was;
    }
  }

  async move() {
    const button = document.querySelector("#mt-form button[type=submit]");
    if (this.from.value === this.to.value) {
      this.msg.error(t("mt.same"), this.to);
      return;
    }
    busy(button, true);
    try {
      const r = await api(`/api/v1/vehicles/${encodeURIComponent(this.from.value)}/tours/${this.date.value}/move`,
        { method: "POST", who: "staff", body: { to: this.to.value } });
      this.msg.show(r.bookings.length ? t("mt.done", { n: r.bookings.length, to: r.to }) : t("mt.nothing"),
        { kind: "ok", focus: true });
      this.reload();
    } catch (e) {
      const slug = String((e.problem && e.problem.type) || "").split("/").pop();
      this.msg.error(slug === "cannot-move" ? t("mt.cannot", { ids: (e.problem.bookings || []).join(", ") }) : problemText(e));
    } finally {
      busy(button, false);
    }
  }
}
