// The driver's reports (arrived, picked up, no-show, dropped off, positions), kept on the
// phone BEFORE they are sent: each gets its own id (this device's id and a counter), is
// written to localStorage, then sent in order. A lost connection keeps it for later (sent
// again when the browser is back online, and on a timer with growing pauses); the server
// applies an id once, so sending it twice (an answer lost on the way back) does no harm.
// An answer that refuses the report (409, 404, 422 …) takes it off the queue: the app says
// why.

const DEVICE = "mobility.driver.device";
const COUNTER = "mobility.driver.counter";
/** pauses between tries while the server cannot be reached: 1 s, 2 s, 4 s … at most 60 s */
const FIRST_PAUSE_MS = 1000;
const LAST_PAUSE_MS = 60_000;
/** sent reports are kept this long (they keep the screen right until the stops reload) */
const KEEP_SENT_MS = 36 * 3600_000;

/** This phone's id (random, kept): event ids of two phones never meet. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(9));
    id = Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 16);
    localStorage.setItem(DEVICE, id);
  }
  return id;
}

/** A new event id, `<device>-<n>` (1-64 characters of [A-Za-z0-9_.:-], as the API asks). */
export function nextEventId() {
  const n = Number(localStorage.getItem(COUNTER) || "0") + 1;
  localStorage.setItem(COUNTER, String(n));
  return `${deviceId()}-${n}`;
}

/** Whether a failed sending is worth trying again (no answer, the server busy or broken). */
export function retryable(e) {
  const s = e && typeof e.status === "number" ? e.status : 0;
  return s === 0 || s === 408 || s === 425 || s === 429 || s >= 500;
}

export class EventQueue {
  /**
   * @param {string} vehicle the vehicle whose reports these are (its own storage key)
   * @param {(ev: object) => Promise<object>} send posts one report; throws ApiError
   */
  constructor(vehicle, send) {
    this.key = `mobility.driver.events.${vehicle}`;
    this.send = send;
    this.sending = null; // the running flush (one at a time)
    this.timer = null;
    this.pause = 0;
    this.held = false; // the key was refused: wait for a new sign-in
    this.listeners = { change: [], dropped: [], sent: [], held: [] };
    this.onOnline = () => this.flush();
    window.addEventListener("online", this.onOnline);
  }

  on(what, f) {
    this.listeners[what].push(f);
  }

  emit(what, ...args) {
    for (const f of this.listeners[what]) f(...args);
  }

  /** Every report kept: pending ones (in the order made) and those sent lately. */
  all() {
    try {
      const list = JSON.parse(localStorage.getItem(this.key) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  save(list) {
    localStorage.setItem(this.key, JSON.stringify(list));
    this.emit("change");
  }

  pending() {
    return this.all().filter((e) => e.state === "pending");
  }

  /** Keep a report (on the phone first), then send what waits. A new position replaces
   *  positions not yet sent: only where the vehicle is now matters. */
  add(report) {
    const ev = { ...report, eventId: nextEventId(), state: "pending" };
    const cutoff = Date.now() - KEEP_SENT_MS;
    const list = this.all().filter((e) => !(ev.type === "position" && e.type === "position"
      && e.state === "pending") && !(e.state === "sent" && e.sentAt < cutoff));
    list.push(ev);
    this.save(list);
    this.flush();
    return ev;
  }

  /** Send the pending reports in order; resolves when done or stopped for now. One
   *  sending at a time: a call while one runs joins it (it reads the queue afresh before
   *  each report, so it sends what was added meanwhile). */
  flush() {
    if (!this.sending) this.sending = this.run().finally(() => { this.sending = null; });
    return this.sending;
  }

  async run() {
    if (this.held) return;
    clearTimeout(this.timer);
    this.timer = null;
    for (;;) {
      const ev = this.pending()[0];
      if (!ev) {
        this.pause = 0;
        return;
      }
      try {
        const answer = await this.send(ev);
        this.settle(ev.eventId, "sent");
        this.pause = 0;
        this.emit("sent", ev, answer);
      } catch (e) {
        if (e && e.status === 401) { // the key is gone: keep everything for a new sign-in
          this.held = true;
          this.emit("held", e);
          return;
        }
        if (retryable(e)) {
          this.later();
          return;
        }
        this.settle(ev.eventId, "dropped");
        this.emit("dropped", ev, e);
      }
    }
  }

  /** Mark a report sent (a position is forgotten then) or drop it. */
  settle(eventId, state) {
    const list = this.all();
    const i = list.findIndex((e) => e.eventId === eventId);
    if (i < 0) return;
    if (state === "dropped" || list[i].type === "position") list.splice(i, 1);
    else Object.assign(list[i], { state, sentAt: Date.now() });
    this.save(list);
  }

  /** Try again after a pause that doubles up to a minute (with some jitter, so that many
   *  phones coming back online do not all call at once). */
  later() {
    this.pause = this.pause ? Math.min(this.pause * 2, LAST_PAUSE_MS) : FIRST_PAUSE_MS;
    const wait = this.pause * (0.8 + 0.4 * Math.random());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Signed in again: send what was held back. */
  resume() {
    this.held = false;
    return this.flush();
  }

  /** Stop sending; `forget`: the reports too (signing out), else they stay on the phone. */
  close(forget) {
    clearTimeout(this.timer);
    this.held = true;
    window.removeEventListener("online", this.onOnline);
    if (forget) localStorage.removeItem(this.key);
  }
}
