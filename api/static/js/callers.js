// Finding a caller again at the dispatch desk: type part of a name or phone number, choose
// from the riders it fits (a listbox operable by keyboard), and the booking is made for that
// rider instead of a new one.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { el } from "./format.js";
import { Combobox } from "./listbox.js";

/** Enough to search by: 2 letters of a name or 3 digits of a phone number (as the API). */
export function searchable(q) {
  const digits = q.replace(/\D/g, "").length;
  const letters = q.replace(/[\s\d+()./-]/g, "").length;
  return digits >= 3 || letters >= 2;
}

export class CallerSearch extends Combobox {
  /** `onChoose(rider)` receives {id, name, phone}. */
  constructor(onChoose) {
    super(document.getElementById("caller-find"), document.getElementById("caller-find-list"), "caller");
    this.onChoose = onChoose;
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(), 200);
    });
  }

  searchable() {
    return searchable(this.input.value.trim());
  }

  async search() {
    const q = this.input.value.trim();
    const mine = ++this.seq; // answers to older searches are dropped
    if (!searchable(q)) return this.close();
    try {
      const { riders } = await api("/api/v1/riders", { who: "staff", query: { q, limit: 8 } });
      if (mine !== this.seq) return;
      this.open(riders);
    } catch (e) {
      this.close();
    }
  }

  open(riders) {
    this.options = riders;
    this.active = -1;
    const items = riders.map((r, i) => el("li", {
      id: `caller-opt-${i}`, role: "option", "aria-selected": "false", dataset: { id: r.id },
      onmousedown: (ev) => { ev.preventDefault(); this.choose(i); },
    }, el("span", { class: "name" }, r.name || ""), r.phone ? " " : "",
    r.phone ? el("span", { class: "kind" }, r.phone) : ""));
    // nothing found is said too: the details typed below make a new rider
    this.list.replaceChildren(...(items.length ? items
      : [el("li", { role: "option", "aria-disabled": "true", "aria-selected": "false", class: "none" }, t("caller.none"))]));
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  choose(i) {
    const r = this.options[i];
    this.close();
    this.input.value = "";
    this.onChoose({ id: r.id, name: r.name, phone: r.phone });
  }
}
