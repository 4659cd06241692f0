// Riders' ratings of their rides (issue 20): a completed ride in "my bookings" offers "Rate
// this ride" — stars as large buttons, reasons as checkboxes, a comment — and shows the
// rating once given (rating again replaces it); the dispatcher's desk lists the latest.
import { api } from "./api.js";
import { onLanguage, t } from "./i18n.js";
import { busy, day, el } from "./format.js";
import { MessageBox, problemText } from "./messages.js";

/** The reasons a rider may tick, as the API knows them (README "Rider feedback"). */
export const REASONS = ["late", "early", "driver", "vehicle", "comfort", "booking", "other"];
const COMMENT_MAX = 1000;

/** "★★★☆☆" for 3 stars (with the number in words for screen readers around it). */
export function starsText(n) {
  return "★".repeat(n) + "☆".repeat(5 - n);
}

/** The rating part of a completed booking in the rider's list: the rating given (if any)
 *  and a form, folded, to rate (or rate again). `saved` runs after a rating was stored. */
export function ratingBlock(b, saved) {
  const r = b.rating;
  const box = el("details", { class: "rating" });
  box.append(el("summary", {}, r
    ? el("span", {}, t("rating.yours"), " ", el("span", { class: "stars-given", "aria-label": t("rating.stars.n", { n: r.stars }) }, starsText(r.stars)))
    : t("rating.open")));
  let stars = r ? r.stars : 0;
  const buttons = [1, 2, 3, 4, 5].map((n) => el("button", {
    type: "button", class: "star", "aria-label": t("rating.stars.n", { n }),
    "aria-pressed": String(n <= stars), dataset: { n: String(n) },
    onclick: () => { stars = n; paint(); msg.clear(); }, // the stars chosen: no more to say
  }, "★"));
  const paint = () => buttons.forEach((x, i) => {
    x.setAttribute("aria-pressed", String(i < stars));
    x.classList.toggle("on", i < stars);
  });
  paint();
  const checks = REASONS.map((x) => el("input", { type: "checkbox", value: x, checked: r && r.reasons.includes(x) }));
  const comment = el("input", { type: "text", class: "comment", maxlength: String(COMMENT_MAX), autocomplete: "off", value: (r && r.comment) || "" });
  const msgBox = el("div", { class: "msg", role: "status", tabindex: "-1" });
  const msg = new MessageBox(msgBox);
  const submit = el("button", { type: "submit", class: "primary" }, t(r ? "rating.change" : "rating.save"));
  const form = el("form", { class: "stack rating-form", novalidate: true },
    el("fieldset", { class: "stars" }, el("legend", {}, t("rating.stars")), ...buttons),
    el("fieldset", { class: "reasons" }, el("legend", {}, t("rating.reasons")),
      ...REASONS.map((x, i) => el("label", {}, checks[i], " ", t(`rating.reason.${x}`)))),
    el("label", {}, el("span", {}, t("rating.comment")), " ", comment),
    submit, msgBox);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!stars) return msg.error(t("rating.needs.stars"), buttons[0]);
    busy(submit, true);
    try {
      await api(`/api/v1/bookings/${encodeURIComponent(b.id)}/rating`, {
        method: "PUT", who: "rider",
        body: { stars, reasons: checks.filter((c) => c.checked).map((c) => c.value), comment: comment.value.trim() || null },
      });
      saved();
    } catch (e) {
      msg.error(problemText(e));
      busy(submit, false);
    }
  });
  box.append(form);
  return box;
}

/** The dispatcher's desk: the latest ratings (stars, reasons, comment, the ride's day). */
export class RecentRatings {
  constructor(ctx) {
    this.ctx = ctx;
    this.list = document.getElementById("ratings-list");
    this.ratings = null;
    onLanguage(() => { if (this.ratings) this.render(this.ratings); });
  }

  async load() {
    try {
      const { ratings } = await api("/api/v1/ratings", { who: "staff", query: { limit: 10 } });
      this.ratings = ratings;
      this.render(ratings);
    } catch (e) {
      this.ctx.fail(e);
    }
  }

  render(ratings) {
    if (!ratings.length) return this.list.replaceChildren(el("li", { class: "empty" }, t("rating.none")));
    this.list.replaceChildren(...ratings.map((r) => el("li", { class: `rating-item stars-${r.stars}`, dataset: { id: r.bookingId } },
      el("span", { class: "stars-given", "aria-label": t("rating.stars.n", { n: r.stars }) }, starsText(r.stars)), " ",
      el("span", { class: "when" }, `${day(`${r.serviceDate}T12:00`)} · ${r.area} · ${r.bookingId}`),
      r.reasons.length ? el("div", { class: "reasons" }, r.reasons.map((x) => t(`rating.reason.${x}`)).join(", ")) : null,
      r.comment ? el("div", { class: "comment" }, r.comment) : null)));
  }
}
