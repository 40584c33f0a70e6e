// DOM building for the console and heap-forward serve's pages (http_layer/look_static: served by both).
// Every string that came from the server goes into the page
// through text nodes or textContent, never through HTML parsing, so an event named
// "<script>alert(1)</script>" shows as those characters and runs nothing.

/**
 * Create an element. `props` sets known properties (className, title, hidden, tabIndex, ...)
 * and attributes for keys with a dash (data-*, aria-*); children are nodes or plain text.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.includes("-")) node.setAttribute(key, String(value));
    else node[key] = value;
  }
  append(node, children);
  return node;
}

/** Append children, turning strings and numbers into text nodes. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace all of a node's children. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** Set a node's text, skipping the write when it is already shown (keeps selections stable). */
export function setText(node, value) {
  const text = String(value);
  if (node.textContent !== text) node.textContent = text;
}

/** The simulator reports time as ISO 8601 UTC with milliseconds: split it for display. */
export function splitIso(iso) {
  if (typeof iso !== "string" || iso.length < 23) return { date: "", time: String(iso ?? "") };
  return { date: iso.slice(0, 10), time: iso.slice(11, 23) };
}

/** A <time> element showing "date time" with the date muted. */
export function timeCell(iso) {
  const { date, time } = splitIso(iso);
  return el("time", { className: "ts", dateTime: iso ?? "", title: iso ?? "" },
    el("span", { className: "ts-date" }, date), " ", el("span", { className: "ts-time" }, time));
}

const numberFormat = new Intl.NumberFormat("en-US");

/** 100000 → "100,000". */
export function formatCount(value) {
  return typeof value === "number" ? numberFormat.format(value) : "–";
}

/** Seconds as "12 s", "1 min 30 s" or "2 h 5 min": how long until a window frees up. */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Properties as a definition list, names sorted so a row reads the same on every refresh. */
export function propertyList(properties) {
  const names = Object.keys(properties ?? {}).sort();
  if (names.length === 0) return el("p", { className: "muted" }, "no properties");
  return el("dl", { className: "props" },
    names.map((name) => [el("dt", {}, name), el("dd", {}, formatValue(properties[name]))]));
}

/** Property values inline as "name: value" chips, for tables of users and accounts. */
export function propertyChips(properties, max = 8) {
  const names = Object.keys(properties ?? {}).sort();
  if (names.length === 0) return el("span", { className: "muted" }, "none");
  const chips = names.slice(0, max).map((name) =>
    el("span", { className: "chip", title: `${name}: ${formatValue(properties[name])}` },
      el("span", { className: "chip-key" }, name), el("span", { className: "chip-value" }, formatValue(properties[name]))));
  if (names.length > max) chips.push(el("span", { className: "muted" }, `+${names.length - max} more`));
  return el("span", { className: "chips" }, chips);
}

/** A one-line preview of properties for the events table. */
export function propertyPreview(properties) {
  const names = Object.keys(properties ?? {}).sort();
  return names.map((name) => `${name}=${formatValue(properties[name])}`).join("  ");
}

export function formatValue(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** JSON pretty-printed into a <pre>, as text. */
export function jsonBlock(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return el("pre", { className: "json" }, text ?? "(no body)");
}
