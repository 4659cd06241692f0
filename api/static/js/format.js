// Times and numbers as the region's riders read them: the region's time zone, the
// interface language.
import { language, t } from "./i18n.js";

let zone = "UTC";

export function setZone(tz) {
  zone = tz;
}

function fmt(opts) {
  return new Intl.DateTimeFormat(locale(), { timeZone: zone, ...opts });
}

/** "08:15" for epoch milliseconds or an ISO text */
export function clock(when) {
  return fmt({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(when));
}

export function day(when) {
  return fmt({ weekday: "short", day: "numeric", month: "short" }).format(new Date(when));
}

export function minutes(seconds) {
  return t("minutes", { n: Math.round(seconds / 60) });
}

function locale() {
  return language() === "de" ? "de-DE" : "en-US";
}

/** 0.447 → "44.7%" (English) or "44,7 %" (German). */
export function percent(x) {
  if (x == null) return "–";
  return new Intl.NumberFormat(locale(), { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x);
}

/** A number in the interface language, at most `digits` decimals ("–" for none). */
export function num(x, digits = 1) {
  if (x == null) return "–";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(x);
}

/** An amount of money in the interface language: 2.5, "USD" → "$2.50" / "2,50 $". */
export function money(amount, currency) {
  if (amount == null) return "–";
  return new Intl.NumberFormat(locale(), { style: "currency", currency }).format(amount);
}

/** The region's local date and time ("YYYY-MM-DDTHH:MM") at epoch ms, for datetime-local. */
export function localInput(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** Decode an encoded polyline (precision 5) to [[lat, lon], …]. */
export function decodePolyline(s) {
  const out = [];
  let i = 0, lat = 0, lon = 0;
  while (i < s.length) {
    for (const which of [0, 1]) {
      let shift = 0, result = 0, b;
      do {
        b = s.charCodeAt(i++) - 63;
        result |= (b & 0x1f) << shift;
        shift += 5;
      } while (b >= 0x20);
      const d = result & 1 ? ~(result >> 1) : result >> 1;
      if (which === 0) lat += d; else lon += d;
    }
    out.push([lat / 1e5, lon / 1e5]);
  }
  return out;
}

/** Text into an element, never HTML (names come from feeds and users). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Where the keyboard focus is inside `box` (a row's data-id and the button's class), so
 *  that re-drawing the list can put it back. */
export function focusKey(box) {
  const a = document.activeElement;
  if (!a || !box.contains(a)) return null;
  const row = a.closest("[data-id]");
  return row ? { id: row.dataset.id, cls: a.className } : null;
}

export function restoreFocus(box, key) {
  if (!key) return;
  const row = [...box.querySelectorAll("[data-id]")].find((r) => r.dataset.id === key.id);
  const target = row && (key.cls ? row.querySelector(`.${key.cls.split(" ").join(".")}`) : row);
  if (target) {
    target.focus();
  } else if (row) {
    row.tabIndex = -1;
    row.focus();
  }
}

// -- the service's clock: "now" is the server's (tests and demos run it at a set moment) ----
let skew = 0;

/** Take the server's present moment (ISO text): `now()` follows its clock from here on. */
export function setNow(iso) {
  const ms = Date.parse(iso || "");
  if (Number.isFinite(ms)) skew = ms - Date.now();
}

/** The present moment by the server's clock (epoch ms); the browser's until told. */
export function now() {
  return Date.now() + skew;
}

/** The region's date ("YYYY-MM-DD") of a moment (epoch ms or ISO text). */
export function dateOf(when) {
  return localInput(typeof when === "number" ? when : Date.parse(when)).slice(0, 10);
}

/** "Thu, Nov 26" for a moment, or null when it is today in the region. */
export function dayUnlessToday(when) {
  return dateOf(when) === dateOf(now()) ? null : day(when);
}

/** "06:00" today, or "Thu, Nov 26, 06:00" on another day. */
export function moment(when) {
  const d = dayUnlessToday(when);
  return d ? `${d}, ${clock(when)}` : clock(when);
}

/** A local "YYYY-MM-DDTHH:MM" in the region as epoch ms (for comparisons and display). */
export function localMs(text) {
  const m = /^(\d{4,6})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(text || "");
  if (!m) return NaN;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  // the zone's offset at that moment: how far its wall clock is from UTC there
  const offset = (ms) => Date.parse(`${localInput(ms)}:00Z`) - Math.floor(ms / 60e3) * 60e3;
  const first = guess - offset(guess);
  return guess - offset(first);
}

/** A button that works: disabled (a second press sends nothing), marked busy, saying so. */
export function busy(button, on, text) {
  if (!button) return;
  if (on) {
    if (button.dataset.idle === undefined) button.dataset.idle = button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.classList.add("busy");
    if (text) button.replaceChildren(el("span", { class: "spinner", "aria-hidden": "true" }), " ", text);
  } else {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.classList.remove("busy");
    if (button.dataset.idle !== undefined) {
      button.textContent = button.dataset.i18n ? t(button.dataset.i18n) : button.dataset.idle;
      delete button.dataset.idle;
    }
  }
}
