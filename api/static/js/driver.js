// The driver's view (/driver): signed in with a driver key, the shift's stops with the next
// one large, reports kept on the phone and sent in order (driverqueue.js), the position
// while on duty (driverduty.js). Installable: a manifest and a service worker (/sw.js) that
// keeps the page's files, never the API's answers.
import { api, ApiError } from "./api.js";
import { onLanguage, setLanguage, t } from "./i18n.js";
import { clock, now, setNow, setZone } from "./format.js";
import { MessageBox, problemText } from "./messages.js";
import { EventQueue } from "./driverqueue.js";
import { applyReports } from "./driverstops.js";
import { Duty } from "./driverduty.js";
import { renderNext, renderStops, reportLabel, riderOf } from "./driverview.js";

const KEY = "mobility.driverKey";
const VEHICLE = "mobility.driver.vehicle";
const REGION = "mobility.driver.region"; // time zone and language: to start offline
const REFRESH_MS = 60_000; // the stops again (the dispatcher may add or move rides)
const TICK_MS = 20_000; // the screen again (a no-show becomes possible as time passes)
const $ = (id) => document.getElementById(id);

const msg = new MessageBox($("d-msg"));
const signinMsg = new MessageBox($("d-signin-msg"));
const state = { vehicle: null, manifest: null, loadedAt: null, queue: null, duty: null,
  positionAt: null, positionProblem: null, timers: [], refreshing: null };

document.addEventListener("submit", (ev) => ev.preventDefault());

/** The API with the driver's key. */
function call(path, opts = {}) {
  return api(path, { ...opts, headers: { Authorization: `Bearer ${localStorage.getItem(KEY)}` } });
}

function slug(e) {
  return String((e && e.problem && e.problem.type) || "").split("/").pop();
}

/** Why the server refused a report, in plain words. */
function why(e) {
  if (slug(e) === "no-show-too-early" && e.problem.noShowFrom) {
    return t("noshow.early", { time: clock(e.problem.noShowFrom) });
  }
  return problemText(e);
}

// -- signing in ------------------------------------------------------------------------------
async function signIn() {
  const input = $("d-key");
  const key = input.value.trim();
  if (!key) return signinMsg.error(t("driver.key.empty"), input);
  const button = $("d-key-form").querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const me = await api("/api/v1/me", { headers: { Authorization: `Bearer ${key}` } });
    if (me.role !== "driver" || !me.vehicleId) return signinMsg.error(t("driver.key.notdriver"), input);
    if (state.vehicle && state.vehicle !== me.vehicleId) leave(false); // another vehicle
    localStorage.setItem(KEY, key);
    localStorage.setItem(VEHICLE, me.vehicleId);
    input.value = "";
    signinMsg.clear();
    if (state.queue) { // the same vehicle, its key refused before: send what waits
      $("d-signin").hidden = true;
      state.queue.resume();
      refresh();
    } else {
      open(me.vehicleId);
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) signinMsg.error(t("driver.key.wrong"), input);
    else signinMsg.error(problemText(e));
  } finally {
    button.disabled = false;
  }
}

/** Forget the key and this vehicle's reports (after asking, when some are not sent). */
async function signOut() {
  const n = state.queue ? state.queue.pending().length : 0;
  if (n && !window.confirm(t("driver.signout.confirm", { n }))) return;
  leave(true);
  localStorage.removeItem(KEY);
  localStorage.removeItem(VEHICLE);
  $("d-app").hidden = true;
  $("d-signin").hidden = false;
  signinMsg.show(t("signedout"), { kind: "ok" });
  $("d-key").focus();
}

/** Stop working for this vehicle; `forget`: its reports too (else they wait on the phone
 *  for the next sign-in to it). */
function leave(forget) {
  for (const id of state.timers) clearInterval(id);
  state.timers = [];
  if (state.duty) state.duty.stop(false);
  if (state.queue) state.queue.close(forget);
  Object.assign(state, { vehicle: null, manifest: null, queue: null, duty: null });
}

/** The key is no longer accepted: sign in again (the reports wait). */
function expired() {
  $("d-signin").hidden = false;
  signinMsg.error(t("driver.key.expired"), $("d-key"));
}

// -- the shift -------------------------------------------------------------------------------
function open(vehicle) {
  state.vehicle = vehicle;
  $("d-vehicle").textContent = t("driver.vehicle", { id: vehicle });
  $("d-signin").hidden = true;
  $("d-app").hidden = false;
  const queue = new EventQueue(vehicle, (ev) => call(`/api/v1/vehicles/${encodeURIComponent(vehicle)}/events`, {
    method: "POST", body: body(ev) }));
  state.queue = queue;
  queue.on("change", () => { renderQueue(); render(); });
  queue.on("sent", (ev) => {
    if (ev.type === "position") state.positionAt = ev.time;
    renderPosition();
    if (!queue.pending().length) refresh();
  });
  queue.on("dropped", (ev, e) => {
    msg.error(t("driver.dropped", { what: reportLabel(ev.type), why: why(e) }));
    refresh();
  });
  queue.on("held", expired);
  state.duty = new Duty((lat, lon) => report("position", { lat, lon }), (problem) => {
    state.positionProblem = problem;
    renderPosition();
  });
  state.duty.restore();
  renderDuty();
  renderQueue();
  renderPosition();
  state.timers.push(setInterval(() => { if (navigator.onLine) refresh(); }, REFRESH_MS));
  state.timers.push(setInterval(render, TICK_MS));
  refresh();
  queue.flush();
}

/** What the API is sent of a report (the phone's own fields stay on the phone). */
function body(ev) {
  const out = { type: ev.type, eventId: ev.eventId, time: ev.time };
  if (ev.bookingId) out.bookingId = ev.bookingId;
  if (ev.lat !== undefined) Object.assign(out, { lat: ev.lat, lon: ev.lon });
  return out;
}

/** Keep a report and send it (now, or when the connection returns). */
function report(type, fields) {
  return state.queue.add({ type, time: new Date(now()).toISOString(), ...fields });
}

/** The stops from the server (the screen keeps the last ones while it cannot be reached). */
function refresh() {
  if (!state.vehicle || state.refreshing) return state.refreshing;
  const vehicle = state.vehicle;
  state.refreshing = call(`/api/v1/vehicles/${encodeURIComponent(vehicle)}/manifest`).then((m) => {
    if (state.vehicle !== vehicle) return;
    state.manifest = m;
    state.loadedAt = now();
    render();
  }).catch((e) => {
    if (e instanceof ApiError && e.status === 401) return expired();
    if (e instanceof ApiError && e.status !== 0) msg.error(problemText(e));
    render();
  }).finally(() => { state.refreshing = null; });
  return state.refreshing;
}

function press(type, stop) {
  if (type === "no_show" && !window.confirm(t("driver.noshow.confirm", { name: riderOf(stop) }))) return;
  report(type, { bookingId: stop.bookingId, stop: stop.kind });
  msg.show(t(`driver.done.${type}`, { name: riderOf(stop) }), { kind: "ok" });
  $("d-next-title").focus({ preventScroll: true });
}

// -- drawing -----------------------------------------------------------------------------------
function render() {
  if (!state.vehicle) return;
  $("d-stale").hidden = state.manifest !== null && navigator.onLine;
  $("d-stale").textContent = state.manifest ? t("driver.stale", { time: clock(state.loadedAt) })
    : t("driver.nomanifest");
  if (!state.manifest) return;
  const view = applyReports(state.manifest, state.queue.all());
  $("d-late").hidden = !view.late;
  const aboard = view.onBoard.map((id) => view.stops.find((st) => st.bookingId === id)).filter(Boolean);
  $("d-onboard").hidden = !aboard.length;
  $("d-onboard").textContent = t("driver.onboard", { names: aboard.map(riderOf).join(", ") });
  renderNext($("d-next-body"), view, now(), press);
  renderStops($("d-stops"), view);
}

/** How many reports wait (positions not counted: one more every 15 s on duty would only
 *  make noise; the next replaces it anyway). Said only when it changes. */
function renderQueue() {
  const box = $("d-queue");
  const n = state.queue ? state.queue.pending().filter((e) => e.type !== "position").length : 0;
  box.dataset.pending = String(n);
  let text = n === 0 ? t("driver.queue.none") : n === 1 ? t("driver.queue.1") : t("driver.queue.n", { n });
  if (!navigator.onLine) text = `${t("driver.offline")} ${text}`;
  if ($("d-queue-text").textContent !== text) $("d-queue-text").textContent = text;
  box.classList.toggle("waiting", n > 0);
  $("d-send").hidden = n === 0;
}

function renderDuty() {
  const on = Boolean(state.duty && state.duty.on);
  $("d-duty").setAttribute("aria-checked", String(on));
  $("d-duty-state").textContent = on ? t("driver.duty.on") : t("driver.duty.off");
  renderPosition();
}

function renderPosition() {
  const on = Boolean(state.duty && state.duty.on);
  let text = on ? t("driver.duty.hint.on") : t("driver.duty.hint.off");
  if (state.positionProblem) text = t(`driver.position.${state.positionProblem}`);
  else if (state.positionAt) text += ` ${t("driver.position.sent", { time: clock(state.positionAt) })}`;
  $("d-position").textContent = text;
}

function manualPosition() {
  const lat = Number($("d-lat").value.replace(",", "."));
  const lon = Number($("d-lon").value.replace(",", "."));
  const bad = !$("d-lat").value.trim() || !(Math.abs(lat) <= 90) ? $("d-lat")
    : !$("d-lon").value.trim() || !(Math.abs(lon) <= 180) ? $("d-lon") : null;
  if (bad) return msg.error(t("driver.manual.bad"), bad);
  report("position", { lat, lon });
  return msg.show(t("driver.manual.done"), { kind: "ok" });
}

// -- starting --------------------------------------------------------------------------------
function wire() {
  $("d-key-form").addEventListener("submit", signIn);
  $("d-signout").addEventListener("click", signOut);
  $("d-refresh").addEventListener("click", () => refresh());
  $("d-send").addEventListener("click", () => state.queue && state.queue.flush());
  $("d-pos-form").addEventListener("submit", manualPosition);
  $("d-duty").addEventListener("click", () => {
    if (state.duty.on) state.duty.stop(); else state.duty.start();
    renderDuty();
  });
  for (const ev of ["online", "offline"]) {
    window.addEventListener(ev, () => {
      renderQueue();
      render();
      if (ev === "online") refresh();
    });
  }
  const select = $("lang");
  select.addEventListener("change", () => {
    localStorage.setItem("mobility.lang", select.value);
    setLanguage(select.value);
  });
  onLanguage(() => {
    select.value = document.documentElement.lang;
    if (state.vehicle) $("d-vehicle").textContent = t("driver.vehicle", { id: state.vehicle });
    renderQueue();
    renderDuty();
    render();
  });
}

/** The region's time zone, clock and language (kept for a start without a connection). */
async function region() {
  try {
    const r = await api("/api/v1/region");
    setNow(r.now);
    localStorage.setItem(REGION, JSON.stringify({ timezone: r.timezone, language: r.language }));
    return r;
  } catch (e) {
    try {
      return JSON.parse(localStorage.getItem(REGION)) || {};
    } catch (_) {
      return {};
    }
  }
}

async function start() {
  setLanguage(localStorage.getItem("mobility.lang") || document.documentElement.lang || "en");
  wire();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js", { scope: "driver" }).catch((e) => console.warn("service worker:", e.message));
  }
  const r = await region();
  if (r.timezone) setZone(r.timezone);
  if (!localStorage.getItem("mobility.lang") && r.language) setLanguage(r.language);
  const vehicle = localStorage.getItem(KEY) && localStorage.getItem(VEHICLE);
  if (vehicle) open(vehicle);
  else $("d-signin").hidden = false;
  window.mobilityDriver = { // for the browser tests and the curious
    state, refresh, setPosition: (lat, lon) => report("position", { lat, lon }),
    flush: () => state.queue && state.queue.flush(),
  };
  document.body.dataset.ready = "true";
}

start().catch((e) => {
  console.error(e);
  msg.error(problemText(e));
});
