// The web app's entry: load the region, set the language, draw the map, wire the three views
// (rider, dispatcher, planner) behind keyboard-operable tabs.
import { api, ApiError } from "./api.js";
import { language, setLanguage, t, tOwn } from "./i18n.js";
import { setZone } from "./format.js";
import { MapView } from "./map.js";
import { RiderView } from "./rider.js";
import { StaffGate } from "./staff.js";
import { DispatcherView } from "./dispatcher.js";
import { PlannerView } from "./planner.js";

const statusBox = document.getElementById("status");

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

/** An API failure: the problem's detail (what to fix), or that the server is away. */
function fail(e) {
  if (e instanceof ApiError && e.status === 0) return status(t("error.network"), "error");
  if (e instanceof ApiError) {
    // the API explains in English; other languages read their own text for its problem type
    const slug = String(e.problem.type || "").split("/").pop();
    const own = language() === "en" ? null : tOwn(`problem.${slug}`);
    const input = e.problem.field ? fieldInput(e.problem.field) : null;
    if (input) return error(own || e.message, input);
    return status(own || e.message, "error");
  }
  console.error(e);
  status(String(e), "error");
}

async function start() {
  const region = await api("/api/v1/region");
  setZone(region.timezone);
  document.getElementById("region-name").textContent = region.name;
  document.title = `mobility · ${region.name}`;

  const map = new MapView(document.getElementById("map"), region);
  let current = "rider";
  const ctx = { map, region, status, error, fail, view: () => current };
  const staff = new StaffGate(ctx);
  const views = {
    rider: new RiderView(ctx),
    dispatcher: new DispatcherView(ctx, staff),
    planner: new PlannerView(ctx, staff),
  };
  // after the views made their markup, so that it is translated too
  const lang = localStorage.getItem("mobility.lang") || region.language;
  const select = document.getElementById("lang");
  select.value = lang;
  setLanguage(lang);
  select.addEventListener("change", () => {
    localStorage.setItem("mobility.lang", select.value);
    setLanguage(select.value);
  });
  const tabs = [...document.querySelectorAll('[role="tab"]')];

  function open(name, focus = false) {
    if (views[current].hide) views[current].hide();
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
  await staff.check();
  const first = location.hash.slice(1);
  open(Object.hasOwn(views, first) ? first : "rider");
  window.mobility = { map, views, open }; // for the browser tests and the curious
  await map.load();
  document.body.dataset.ready = "true";
}

start().catch((e) => fail(e));
