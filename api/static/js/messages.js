// Messages in plain words, each in a box of the view (or part of it) it is about: an API
// problem is worded by the app in the interface language (never the server's own text), a
// message replaces the one before it, and it is brought into view.
import { ApiError } from "./api.js";
import { has, t } from "./i18n.js";
import { el } from "./format.js";

/** What an API failure means for the user, in the interface language. */
export function problemText(e) {
  if (!(e instanceof ApiError)) return t("problem.generic");
  if (e.status === 0) return t("error.network");
  const slug = String((e.problem && e.problem.type) || "").split("/").pop();
  if (slug && has(`problem.${slug}`)) return t(`problem.${slug}`);
  if (e.status === 429) return t("problem.too-many-requests");
  if (e.status >= 500) return t("error.server");
  return t("problem.generic");
}

/** A message box: `box` is an element with role="status", always there (so that screen
 *  readers hear what comes into it), empty and without space when there is nothing to say. */
export class MessageBox {
  constructor(box) {
    this.box = box;
    this.invalid = null;
  }

  /** Say `text` (kind "info", "ok" or "error"), with optional extra nodes (e.g. a button);
   *  `focus`: move the keyboard focus to the message (a new state a screen reader should
   *  read out); `input`: the field to fix (marked and focused instead). */
  show(text, { kind = "info", extra = [], focus = false, input = null } = {}) {
    this.clearInvalid();
    this.box.className = `msg ${kind}`;
    this.box.replaceChildren(el("p", {}, text), ...extra);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      this.invalid = input;
      input.addEventListener("input", () => this.clearInvalid(), { once: true });
      input.focus();
    } else if (focus) {
      this.box.focus({ preventScroll: true });
    }
    this.box.scrollIntoView({ block: "nearest" });
  }

  error(text, input = null) {
    this.show(text, { kind: "error", input, focus: !input });
  }

  clear() {
    this.clearInvalid();
    this.box.replaceChildren();
    this.box.className = "msg";
  }

  clearInvalid() {
    if (this.invalid) this.invalid.removeAttribute("aria-invalid");
    this.invalid = null;
  }
}
