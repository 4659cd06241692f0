// A text field with a list of suggestions (the ARIA combobox pattern), shared by the place
// fields and the dispatcher's caller search: arrow keys move through the options, Enter
// chooses, Escape closes; the field names the active option for screen readers.

export class Combobox {
  /** `prefix` names the options' ids (`${prefix}-opt-${i}`). */
  constructor(input, list, prefix) {
    this.input = input;
    this.list = list;
    this.prefix = prefix;
    this.options = [];
    this.active = -1;
    this.seq = 0; // answers to older searches are dropped
    this.input.addEventListener("keydown", (ev) => this.key(ev));
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  /** Whether the typed text is enough to search by (subclasses narrow it). */
  searchable() {
    return this.input.value.trim() !== "";
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  key(ev) {
    const n = this.options.length;
    if (this.list.hidden || !n) {
      if (ev.key === "ArrowDown" && this.searchable()) this.search();
      if (ev.key === "Escape") this.close();
      return;
    }
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      this.active = (this.active + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
      [...this.list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
      this.input.setAttribute("aria-activedescendant", `${this.prefix}-opt-${this.active}`);
    } else if (ev.key === "Enter" && this.active >= 0) {
      ev.preventDefault();
      this.choose(this.active);
    } else if (ev.key === "Escape") {
      this.close();
    }
  }
}
