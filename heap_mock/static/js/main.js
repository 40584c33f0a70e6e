// The console's entry point: tabs, the header, and the polling loop that keeps it live.

import { getJSON } from "./api.js";
import { formatCount, setText } from "/_mock/console/dom.js";
import { ClockView, FaultsPanel, bindReset } from "./controls.js";
import { lineageUrl } from "./lineage.js";
import { LimitsPanel, REQUEST_KINDS, accountsPanel, eventsPanel, requestsPanel, usersPanel } from "./panels.js";

const $ = (selector) => document.querySelector(selector);
const TABS = ["events", "requests", "users", "accounts", "limits", "faults"];
// ?poll=MS overrides the refresh interval (the browser tests use a short one).
const POLL_MS = clamp(Number(new URLSearchParams(location.search).get("poll")) || 1500, 100, 60000);

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

// source: an X-Heap-Sim-Lineage text the events and requests are filtered to (`#events?lineage=...`,
// the address heap-forward serve's pipeline view links to), or "" for everything.
const state = { tab: "events", requestKind: "all", source: "", timer: 0, running: false, again: false };
const sourceParams = () => (state.source ? { lineage: state.source } : {});
const refreshNow = () => schedule(0);
const clock = new ClockView(report, refreshNow);
const faults = new FaultsPanel(refreshNow);
const panels = {
  events: eventsPanel(refreshNow, sourceParams),
  requests: requestsPanel(refreshNow, () => state.requestKind, sourceParams),
  users: usersPanel(refreshNow),
  accounts: accountsPanel(refreshNow),
  limits: new LimitsPanel(clock),
  faults,
};

/** One refresh: the header, the refusal counts, and the visible panel. Never two at once. */
async function refresh() {
  if (state.running) { state.again = true; return; }
  state.running = true;
  try {
    await Promise.all([loadStats(), clock.load(), loadRequestCounts(), loadSourcePage(), faults.load()]);
    if (state.tab !== "faults") await panels[state.tab].load();
    report("");
  } catch (error) {
    report(`Cannot reach the simulator (${error.message}). Retrying…`);
  } finally {
    state.running = false;
    const again = state.again;
    state.again = false;
    schedule(again ? 0 : POLL_MS);
  }
}

function schedule(delay) {
  clearTimeout(state.timer);
  if (state.running) { state.again = true; return; }
  if (!$("#live-toggle").checked && delay > 0) return;
  state.timer = setTimeout(refresh, delay);
}

async function loadStats() {
  const { counts } = await getJSON("/_mock/health");
  for (const name of ["events", "users", "accounts", "requests", "events_dropped", "users_dropped", "accounts_dropped"]) setText($(`#stat-${name}`), formatCount(counts[name]));
}

/** How many journal entries each request filter holds; refusals also badge the tab. */
async function loadRequestCounts() {
  const kinds = state.tab === "requests" ? Object.keys(REQUEST_KINDS) : ["rejected", "throttled", "faults"];
  const totals = await Promise.all(kinds.map((kind) =>
    getJSON("/_mock/requests", { ...REQUEST_KINDS[kind], ...sourceParams(), limit: 0 }).then((page) => [kind, page.total])));
  const counts = Object.fromEntries(totals);
  for (const [kind, total] of totals) {
    const slot = document.querySelector(`[data-count="${kind}"]`);
    if (slot) setText(slot, formatCount(total));
  }
  const refused = counts.rejected + counts.throttled + counts.faults;
  setText($("#tab-refused"), refused ? formatCount(refused) : "");
}

/**
 * The sender's own page, once a request came with a lineage link (heap-forward serve sends one to
 * its pipeline view): the simulator knows nothing of its senders, so the link comes from what they sent.
 */
async function loadSourcePage() {
  const { requests } = await getJSON("/_mock/requests", { order: "desc", limit: 1 });
  const url = requests[0]?.lineage ? lineageUrl(requests[0].lineage) : null;
  if (!url) return;
  const link = $("#source-page");
  link.href = `${url.origin}${url.pathname}`;
  link.hidden = false;
}

const FIDELITY_HELP = {
  observed: "What live Heap was seen to accept is accepted with a warning, even where Heap's docs forbid it.",
  documented: "Everything Heap's docs forbid is refused, even what live Heap was seen to accept.",
};

/** The simulator's fidelity setting, once: it cannot change while the simulator runs. */
async function loadFidelity() {
  const { fidelity } = await getJSON("/_mock/config");
  const badge = $("#fidelity");
  setText(badge, `fidelity: ${fidelity}`);
  badge.title = FIDELITY_HELP[fidelity] ?? "";
}

function report(message) {
  const banner = $("#banner");
  setText(banner, message);
  banner.hidden = !message;
}

/** The address's hash: `#tab`, or `#tab?lineage=TEXT` for what came from one source. */
function fromHash() {
  const [tab, query = ""] = location.hash.slice(1).split(/\?(.*)/s);
  showSource(new URLSearchParams(query).get("lineage") ?? "");
  showTab(tab);
}

function showTab(tab) {
  state.tab = TABS.includes(tab) ? tab : "events";
  document.querySelectorAll("[data-tab]").forEach((button) =>
    button.setAttribute("aria-selected", String(button.dataset.tab === state.tab)));
  document.querySelectorAll("[data-panel]").forEach((panel) => { panel.hidden = panel.dataset.panel !== state.tab; });
  const hash = state.source ? `#${state.tab}?lineage=${encodeURIComponent(state.source)}` : `#${state.tab}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
  refreshNow();
}

/** Filter the events and requests to one source (or, with "", show everything again). */
function showSource(source) {
  if (source === state.source) return;
  state.source = source;
  const bar = $("#source-filter");
  bar.hidden = !source;
  const link = $("#source-filter-link");
  setText(link, source);
  const url = source ? lineageUrl(source) : null;
  if (url) link.href = url.href; else link.removeAttribute("href");
  panels.events.forget();
  panels.requests.forget();
}

function showRequestKind(kind) {
  state.requestKind = kind;
  document.querySelectorAll("[data-kind]").forEach((button) =>
    button.setAttribute("aria-pressed", String(button.dataset.kind === kind)));
  panels.requests.goTo(0);
}

function afterReset() {
  Object.values(panels).forEach((panel) => panel.forget());
  refreshNow();
}

function bind() {
  document.querySelectorAll("[data-tab]").forEach((button) =>
    button.addEventListener("click", () => showTab(button.dataset.tab)));
  document.querySelectorAll("[data-kind]").forEach((button) =>
    button.addEventListener("click", () => showRequestKind(button.dataset.kind)));
  window.addEventListener("hashchange", fromHash);
  $("#source-filter-clear").addEventListener("click", () => { showSource(""); showTab(state.tab); });
  $("#live-toggle").addEventListener("change", (event) => {
    document.body.classList.toggle("paused", !event.target.checked);
    setText($("#live-label"), event.target.checked ? "Live" : "Paused");
    if (event.target.checked) refreshNow();
  });
  bindReset(report, afterReset);
}

bind();
fromHash();
loadFidelity().catch((error) => report(`Cannot read the simulator's config (${error.message}).`));
