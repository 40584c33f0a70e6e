// Lineage: where a request or event came from, as its sender said in the X-Heap-Sim-Lineage
// header (heap-forward serve sends a link to its own lineage page). The simulator keeps that text
// as it was sent; only an http(s) URL becomes a link, so a hostile "javascript:" value stays text.

import { el } from "/_mock/console/dom.js";

/** The lineage text as an http(s) URL, or null (a "javascript:" or any other text is never a link). */
export function lineageUrl(text) {
  let url = null;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url : null;
}

/** A link back to the sender's lineage page, or the text itself when it is not an http(s) URL. */
export function lineageLink(text) {
  const url = lineageUrl(text);
  if (!url) return el("span", { className: "mono" }, text);
  return el("a", { className: "mono lineage", href: url.href, target: "_blank", rel: "noopener noreferrer" }, text);
}

/** A small "source" link for a table row (opening the sender's page, not the row). */
export function sourceLink(text) {
  const url = text ? lineageUrl(text) : null;
  if (!url) return null;
  const link = el("a", {
    className: "source-link", href: url.href, target: "_blank", rel: "noopener noreferrer",
    title: `where it came from: ${url.href}`, "aria-label": "where it came from",
  }, "↗");
  link.addEventListener("click", (event) => event.stopPropagation());
  return link;
}

/** The console's own address for everything that came from one source (`#tab?lineage=...`). */
export function sourceFilterHash(tab, text) {
  return `#${tab}?lineage=${encodeURIComponent(text)}`;
}

/** The "Source" section of an event or request detail, or nothing when the sender gave no lineage. */
export function lineageSection(text) {
  if (!text) return null;
  return el("section", { className: "lineage-source" }, el("h3", {}, "Source (lineage)"), lineageLink(text),
    el("div", { className: "source-actions" },
      el("a", { href: sourceFilterHash("events", text) }, "all its events"), " · ",
      el("a", { href: sourceFilterHash("requests", text) }, "all its requests")));
}
