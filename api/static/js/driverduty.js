// On duty: the phone's position (browser geolocation) reported every 15 seconds, so that the
// plans and the riders' pickup estimates follow the vehicle. Off duty nothing is sent. The
// choice is kept on the phone (a reload or a restart stays on duty).

const KEY = "mobility.driver.duty";
export const EVERY_MS = 15_000;

export class Duty {
  /**
   * @param {(lat: number, lon: number) => void} report queues a position report
   * @param {(problem: string|null) => void} said "denied" or "unavailable" when the phone
   *   gives no position, null when it does again
   */
  constructor(report, said) {
    this.report = report;
    this.said = said;
    this.timer = null;
  }

  get on() {
    return this.timer !== null;
  }

  /** Start (or keep) reporting: once now, then every 15 s. */
  start() {
    localStorage.setItem(KEY, "on");
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.tick(), EVERY_MS);
    this.tick();
  }

  stop(remember = true) {
    if (remember) localStorage.setItem(KEY, "off");
    clearInterval(this.timer);
    this.timer = null;
  }

  /** On duty when the driver left it so. */
  restore() {
    if (localStorage.getItem(KEY) === "on") this.start();
  }

  tick() {
    if (!("geolocation" in navigator)) {
      this.said("unavailable");
      return;
    }
    navigator.geolocation.getCurrentPosition((p) => {
      this.said(null);
      this.report(round(p.coords.latitude), round(p.coords.longitude));
    }, (e) => this.said(e.code === 1 ? "denied" : "unavailable"),
    { enableHighAccuracy: true, maximumAge: 10_000, timeout: 12_000 });
  }
}

/** About 10 cm: all the plans need, and no more than the phone knows. */
function round(x) {
  return Math.round(x * 1e6) / 1e6;
}
