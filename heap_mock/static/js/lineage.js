// Lineage: where a request or event came from, as its sender said in the X-Heap-Sim-Lineage
// header (heap-forward serve sends a link to its own lineage page). The simulator keeps that text
// as it was sent; only an http(s) URL becomes a link, so a hostile "javascript:" value stays text.

import { el } from "./dom.js";

/** A link back to the sender's lineage page, or the text itself when it is not an http(s) URL. */
export function lineageLink(text) {
  let url = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) return el("span", { className: "mono" }, text);
  return el("a", { className: "mono lineage", href: url.href, target: "_blank", rel: "noopener noreferrer" }, text);
}

/** The "Source" section of an event or request detail, or nothing when the sender gave no lineage. */
export function lineageSection(text) {
  if (!text) return null;
  return el("section", { className: "lineage-source" }, el("h3", {}, "Source (lineage)"), lineageLink(text));
}
