// A paged, filterable table backed by one /_mock/ list endpoint. Only one page is ever fetched
// (offset + limit), so the console stays quick with 100,000 stored events.

import { getJSON } from "./api.js";
import { el, formatCount, replaceChildren } from "/_mock/console/dom.js";

const PAGE_SIZES = [25, 50, 100, 200];

export class PagedTable {
  /**
   * @param {object} spec
   *   path: the /_mock/ list endpoint; listKey: the array's key in its answer;
   *   table: the <table>; pager: the pager container; filters: a <form> or null;
   *   params(): extra query parameters; rowKey(item, ordinal): a stable key for open rows;
   *   cells(item, ordinal): the row's cells; detail(item): the opened row's content;
   *   columns: how many columns the detail row spans; order: "desc" (newest first) or "asc".
   */
  constructor(spec, onChange) {
    this.spec = spec;
    this.onChange = onChange;
    this.offset = 0;
    this.limit = 50;
    this.open = new Set();
    this.lastSignature = "";
    this.lastPage = null;
    this.seenOrdinal = 0;
    this.requestSeq = 0;
    this.tbody = spec.table.tBodies[0];
    this.empty = spec.table.parentElement.querySelector(".empty");
    this.bindFilters();
  }

  /** Fetch the current page; drops answers that a newer request has overtaken. */
  async load() {
    const seq = ++this.requestSeq;
    const page = await getJSON(this.spec.path, this.query());
    if (seq !== this.requestSeq) return;
    if (page.total > 0 && this.offset >= page.total) {
      this.offset = Math.max(0, page.total - (page.total % this.limit || this.limit));
      return this.load();
    }
    const signature = JSON.stringify(page);
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    this.lastPage = page;
    this.render();
  }

  query() {
    const filters = this.spec.filters ? Object.fromEntries(new FormData(this.spec.filters)) : {};
    const extra = this.spec.params ? this.spec.params() : {};
    return { ...filters, ...extra, order: this.spec.order ?? "desc", offset: this.offset, limit: this.limit };
  }

  /** Rebuild the rows from the last page, keeping opened rows open. */
  render() {
    const page = this.lastPage;
    if (!page) return;
    const items = page[this.spec.listKey];
    const freshFrom = this.seenOrdinal;
    const rows = items.flatMap((item, index) => this.rows(item, this.ordinal(page.total, index), freshFrom));
    replaceChildren(this.tbody, rows);
    this.empty.hidden = items.length > 0;
    if (this.offset === 0) this.seenOrdinal = Math.max(this.seenOrdinal, page.total);
    this.renderPager(page.total, items.length);
  }

  /** The item's 1-based position in arrival order, which stays the same as newer items arrive. */
  ordinal(total, index) {
    return this.spec.order === "asc" ? this.offset + index + 1 : total - this.offset - index;
  }

  rows(item, ordinal, freshFrom) {
    const key = this.spec.rowKey(item, ordinal);
    const isOpen = this.open.has(key);
    const row = el("tr", {
      className: `row${isOpen ? " open" : ""}${freshFrom && ordinal > freshFrom ? " fresh" : ""}`,
      tabIndex: 0, "aria-expanded": String(isOpen), "data-key": key,
    }, this.spec.cells(item, ordinal));
    row.addEventListener("click", () => this.toggle(key));
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); this.toggle(key); }
    });
    if (!isOpen) return [row];
    const detail = el("tr", { className: "detail" }, el("td", { colSpan: this.spec.columns }, this.spec.detail(item)));
    return [row, detail];
  }

  toggle(key) {
    if (this.open.has(key)) this.open.delete(key);
    else this.open.add(key);
    this.render();
    this.tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`)?.focus();
  }

  renderPager(total, shown) {
    const first = total === 0 ? 0 : this.offset + 1;
    const last = this.offset + shown;
    const atStart = this.offset === 0;
    const atEnd = last >= total;
    const newer = this.spec.order === "asc" ? ["« First", "‹ Previous"] : ["« Newest", "‹ Newer"];
    const older = this.spec.order === "asc" ? ["Next ›", "Last »"] : ["Older ›", "Oldest »"];
    const lastOffset = Math.max(0, Math.floor((total - 1) / this.limit) * this.limit);
    replaceChildren(this.spec.pager,
      el("span", { className: "pager-range" }, `${formatCount(first)}–${formatCount(last)} of ${formatCount(total)}`),
      el("span", { className: "pager-buttons" },
        this.pageButton(newer[0], atStart, 0),
        this.pageButton(newer[1], atStart, Math.max(0, this.offset - this.limit)),
        this.pageButton(older[0], atEnd, this.offset + this.limit),
        this.pageButton(older[1], atEnd, lastOffset)),
      this.sizeSelect());
  }

  pageButton(label, disabled, offset) {
    const button = el("button", { type: "button", className: "btn subtle", disabled }, label);
    button.addEventListener("click", () => this.goTo(offset));
    return button;
  }

  sizeSelect() {
    const select = el("select", { "aria-label": "Rows per page" },
      PAGE_SIZES.map((size) => el("option", { value: String(size), selected: size === this.limit }, `${size} / page`)));
    select.addEventListener("change", () => { this.limit = Number(select.value); this.goTo(0); });
    return select;
  }

  goTo(offset) {
    this.offset = offset;
    this.onChange();
  }

  /** Filters apply as the user types (debounced), from the first page. */
  bindFilters() {
    const form = this.spec.filters;
    if (!form) return;
    let timer = 0;
    // Positions are positions in the filtered list: rows opened under other filters close.
    const refilter = () => { this.open.clear(); this.goTo(0); };
    const apply = () => { clearTimeout(timer); timer = setTimeout(refilter, 150); };
    form.addEventListener("input", apply);
    form.addEventListener("submit", (event) => { event.preventDefault(); refilter(); });
    form.addEventListener("reset", () => setTimeout(refilter, 0));
  }

  /** Forget what was shown, e.g. after a reset, so the next load renders from scratch. */
  forget() {
    this.open.clear();
    this.lastSignature = "";
    this.seenOrdinal = 0;
    this.offset = 0;
  }
}
