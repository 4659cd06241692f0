// The web app's entry: load the region, set the language, draw the map, wire the four views
// (rider, dispatcher, planner, operator) behind keyboard-operable tabs.
import { api, ApiError } from "./api.js";
import { language, setLanguage, t } from "./i18n.js";
import { busy, setNow, setZone } from "./format.js";
import { problemText } from "./messages.js";
import { MapView } from "./map.js";
import { renderPlaces } from "./places.js";
import { RiderView } from "./rider.js";
import { StaffGate } from "./staff.js";
import { DispatcherView } from "./dispatcher.js";
import { PlannerView } from "./planner.js";
import { OperatorView } from "./operator.js";

const statusBox = document.getElementById("status");
const PHONE = window.matchMedia("(max-width: 800px)");

// The first screen, before the API answers (it may be slow): the page's language (the
// server wrote the region's into <html lang>; a rider's own choice wins), the forms with
// their fields, and the map folded away on a phone. Buttons wait, marked busy, until the
// views are wired.
const firstLanguage = localStorage.getItem("mobility.lang") || document.documentElement.lang || "en";
setLanguage(firstLanguage);
renderPlaces();
document.getElementById("lang").value = language();
const waiting = [...document.querySelectorAll("#view-rider button[type=submit]")];
for (const b of waiting) busy(b, true, t("loading"));
foldMap();
document.addEventListener("submit", (ev) => ev.preventDefault()); // nothing leaves as a page load

/** On a phone the map starts folded (the form comes first) unless the rider unfolded it. */
function foldMap() {
  const toggle = document.getElementById("map-toggle");
  const set = (open) => {
    document.body.classList.toggle("map-collapsed", !open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = t("map.toggle"); // its state is aria-expanded (and the map itself)
  };
  set(!PHONE.matches || localStorage.getItem("mobility.map") === "open");
  toggle.addEventListener("click", () => {
    const open = document.body.classList.contains("map-collapsed");
    localStorage.setItem("mobility.map", open ? "open" : "closed");
    set(open);
    if (window.mobility) window.mobility.map.invalidate();
  });
  toggle.relabel = () => set(!document.body.classList.contains("map-collapsed"));
}

function status(text, kind = "info") {
  statusBox.textContent = text || "";
  statusBox.className = `status ${text ? kind : ""}`;
}

/** An input the user must fix: say what, and put the focus there. */
function error(text, input) {
  status(text, "error");
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
    input.addEventListener("input", () => input.removeAttribute("aria-invalid"), { once: true });
  }
}

/** The visible input of the current view that an API problem's field names, if any. */
function fieldInput(field) {
  const view = document.querySelector('[role="tabpanel"]:not([hidden])');
  const ids = { origin: ["from-input", "cfrom-input"], from: ["from-input", "cfrom-input"],
    destination: ["to-input", "cto-input"], to: ["to-input", "cto-input"],
    time: ["plan-time", "caller-time"], passengers: ["plan-passengers", "caller-passengers"] };
  const top = field.split(".")[0];
  for (const id of ids[top] || []) {
    const input = view && view.querySelector(`#${id}`);
    if (input) return input;
  }
  return null;
}

/** An API failure in plain words (the app's own text for its problem type), at the field
 *  to fix when it names one. */
function fail(e) {
  if (!(e instanceof ApiError)) console.error(e);
  const input = e instanceof ApiError && e.problem.field ? fieldInput(e.problem.field) : null;
  if (input) return error(problemText(e), input);
  return status(problemText(e), "error");
}

async function start() {
  status(t("loading"));
  const region = await api("/api/v1/region");
  setZone(region.timezone);
  setNow(region.now);
  document.getElementById("region-name").textContent = region.name;
  document.title = `mobility · ${region.name}`;

  const map = new MapView(document.getElementById("map"), region);
  let current = "rider";
  const ctx = { map, region, status, error, fail, view: () => current };
  const staff = new StaffGate(ctx);
  for (const b of waiting) busy(b, false);
  const views = {
    rider: new RiderView(ctx),
    dispatcher: new DispatcherView(ctx, staff),
    planner: new PlannerView(ctx, staff),
    operator: new OperatorView(ctx),
  };
  // after the views made their markup, so that it is translated too (a page served without
  // the region's language, e.g. from another server, learns it here)
  const lang = localStorage.getItem("mobility.lang") || region.language;
  const select = document.getElementById("lang");
  select.value = lang;
  setLanguage(lang);
  select.addEventListener("change", () => {
    localStorage.setItem("mobility.lang", select.value);
    setLanguage(select.value);
    document.getElementById("map-toggle").relabel();
  });
  const tabs = [...document.querySelectorAll('[role="tab"]')];

  function open(name, focus = false) {
    if (views[current].hide) views[current].hide();
    if (name !== current) status(""); // a message belongs to the view it is about
    current = name;
    for (const tab of tabs) {
      const on = tab.dataset.view === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    }
    document.body.dataset.view = name;
    map.invalidate();
    views[name].show();
    history.replaceState(null, "", `#${name}`);
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => open(tab.dataset.view));
    tab.addEventListener("keydown", (ev) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (next === undefined) return;
      ev.preventDefault();
      open(tabs[(next + tabs.length) % tabs.length].dataset.view, true);
    });
  }
  map.onReveal = () => document.getElementById("map-toggle").relabel();
  await staff.check();
  const first = location.hash.slice(1);
  open(Object.hasOwn(views, first) ? first : "rider");
  window.mobility = { map, views, open }; // for the browser tests and the curious
  status("");
  await map.load();
  document.body.dataset.ready = "true";
}

start().catch((e) => {
  for (const b of waiting) busy(b, false);
  fail(e);
});
