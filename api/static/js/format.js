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
