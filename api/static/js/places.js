// A place field: type to search villages, addresses, points of interest, streets and stops
// (a listbox operable by keyboard; places near the map's centre first), or press "On map"
// and click the map.
import { api } from "./api.js";
import { t, has } from "./i18n.js";
import { el } from "./format.js";
import { Combobox } from "./listbox.js";

/** The field's markup: label, combobox input, "On map" button, suggestion list. */
function render(box, role) {
  const key = box.dataset.label;
  box.replaceChildren(
    el("label", { for: `${role}-input`, "data-i18n": key }, t(key)),
    el("div", { class: "row" },
      el("input", { id: `${role}-input`, type: "text", autocomplete: "off", role: "combobox",
        "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": `${role}-list`,
        "data-i18n-attr": "placeholder:search.placeholder", placeholder: t("search.placeholder") }),
      el("button", { type: "button", class: "pick", "data-pick": role, "data-i18n": "pick.map",
        "aria-pressed": "false" }, t("pick.map"))),
    el("ul", { id: `${role}-list`, class: "suggest", role: "listbox", hidden: true }));
}

/** Every place field's markup, at once (the first screen, before the API answers): a field
 *  made later keeps what was typed into it meanwhile. */
export function renderPlaces() {
  for (const box of document.querySelectorAll(".place[data-role]")) {
    if (!box.querySelector("input")) render(box, box.dataset.role);
  }
}

export class PlaceField extends Combobox {
  /** `role` names the field's DOM ids (`${role}-input`, `${role}-list`). */
  constructor(role, mapView, status, label) {
    const box = document.querySelector(`.place[data-role="${role}"]`);
    if (!box.querySelector("input")) render(box, role);
    super(document.getElementById(`${role}-input`), document.getElementById(`${role}-list`), role);
    this.role = role;
    this.mapView = mapView;
    this.status = status;
    this.label = label; // () => the field's name for messages
    this.value = null; // {lat, lon, name, stopId}
    this.button = document.querySelector(`[data-pick="${role}"]`);
    this.timer = null;
    this.input.addEventListener("input", () => {
      this.value = null;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(), 180);
    });
    this.button.addEventListener("click", () => this.pickOnMap());
  }

  async search() {
    const q = this.input.value.trim();
    const mine = ++this.seq; // answers to older searches are dropped
    if (!q) return this.close();
    try {
      const c = this.mapView.map.getCenter().wrap(); // nearer places first among equals
      const res = await api("/api/v1/places", {
        query: { q, limit: 8, lat: c.lat.toFixed(5), lon: c.lng.toFixed(5) } });
      if (mine !== this.seq) return; // a newer search is under way
      this.open(res.places);
    } catch (e) {
      this.close();
    }
  }

  open(places) {
    this.options = places;
    this.active = -1;
    this.list.replaceChildren(...places.map((p, i) => el("li", {
      id: `${this.role}-opt-${i}`, role: "option", "aria-selected": "false",
      onmousedown: (ev) => { ev.preventDefault(); this.choose(i); },
    }, el("span", { class: "name" }, p.name), " ",
    el("span", { class: "kind" }, [has(`kind.${p.kind}`) ? t(`kind.${p.kind}`) : t("kind.place"),
      p.near ? `, ${t("place.near", { stop: p.near })}` : ""].join("")))));
    this.list.hidden = places.length === 0;
    this.input.setAttribute("aria-expanded", String(places.length > 0));
  }

  choose(i) {
    const p = this.options[i];
    this.set({ lat: p.lat, lon: p.lon, name: p.name, stopId: p.stopId });
    this.close();
  }

  set(v) {
    this.value = v;
    this.input.value = v ? v.name : "";
    this.mapView.setPlace(this.role, v ? v.lat : null, v ? v.lon : null, v ? v.name : "");
  }

  pickOnMap() {
    const on = this.button.getAttribute("aria-pressed") !== "true";
    for (const b of document.querySelectorAll("[data-pick]")) b.setAttribute("aria-pressed", "false");
    if (!on) return this.mapView.setPicking(null);
    this.button.setAttribute("aria-pressed", "true");
    this.status(t("pick.hint", { what: this.label() }));
    this.mapView.setPicking((lat, lon) => {
      this.button.setAttribute("aria-pressed", "false");
      this.set({ lat, lon, name: t("place.mappoint", { lat: lat.toFixed(5), lon: lon.toFixed(5) }) });
      this.status("");
    });
  }

  /** "LAT,LON" or "stop:ID" for the plan endpoint. */
  query() {
    if (!this.value) return null;
    return this.value.stopId ? `stop:${this.value.stopId}` : `${this.value.lat},${this.value.lon}`;
  }
}
