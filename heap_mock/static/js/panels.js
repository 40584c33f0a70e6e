// The console's panels: each knows its /_mock/ endpoint and how to draw one item.

import { getJSON } from "./api.js";
import {
  el, formatCount, formatDuration, jsonBlock, propertyChips, propertyList, propertyPreview,
  replaceChildren, setText, timeCell,
} from "/_mock/console/dom.js";
import { lineageSection, sourceLink } from "./lineage.js";
import { PagedTable } from "./table.js";

const $ = (selector) => document.querySelector(selector);

/** Arriving events, newest first; a row opens onto its properties and where it came from. */
export function eventsPanel(onChange, source) {
  return new PagedTable({
    path: "/_mock/events", listKey: "events", order: "desc", columns: 7,
    table: $("#events-table"), pager: $('[data-pager="events"]'), filters: $("#events-filters"),
    params: source,
    rowKey: (_event, ordinal) => String(ordinal),
    cells: (event, ordinal) => [
      el("td", { className: "num muted" }, formatCount(ordinal)),
      el("td", {}, timeCell(event.timestamp)),
      el("td", { className: "mono nowrap" }, event.app_id),
      el("td", { className: "mono identity" }, event.identity ?? `user_id ${event.user_id}`),
      el("td", { className: "event-name" }, event.event, warningBadge(event.warnings), sourceLink(event.lineage)),
      el("td", {}, el("span", { className: `endpoint ${event.endpoint}` }, event.endpoint)),
      el("td", { className: "preview" }, propertyPreview(event.properties)),
    ],
    detail: (event) => el("div", { className: "detail-grid" },
      el("section", {}, el("h3", {}, "Properties"), propertyList(event.properties)),
      el("section", {}, el("h3", {}, "Event"), fieldList({
        event: event.event, timestamp: event.timestamp, identity: event.identity, user_id: event.user_id,
        session_id: event.session_id, idempotency_key: event.idempotency_key, endpoint: event.endpoint,
        request: event.request_id,
      })),
      warningsSection(event.warnings),
      lineageSection(event.lineage)),
  }, onChange);
}

/**
 * The request journal: accepted and refused requests side by side. The list holds summaries (no
 * bodies), so a page costs the same whatever the requests carried; a row loads its whole entry
 * (body, violations, warnings) from /_mock/requests/<id> when it opens.
 */
export function requestsPanel(onChange, kind, source) {
  return new PagedTable({
    path: "/_mock/requests", listKey: "requests", order: "desc", columns: 7,
    table: $("#requests-table"), pager: $('[data-pager="requests"]'), filters: null,
    params: () => ({ ...REQUEST_KINDS[kind()], ...source() }),
    rowKey: (entry) => entry.id,
    cells: (entry) => [
      el("td", {}, timeCell(entry.received_at)),
      el("td", { className: "mono" }, entry.method),
      el("td", { className: "mono nowrap" }, entry.path),
      el("td", {}, statusBadge(entry)),
      el("td", { className: "mono rule" }, entry.rule_id ?? entry.warned_rules.join(", ")),
      el("td", { className: "preview" }, requestSummary(entry), sourceLink(entry.lineage)),
      el("td", { className: "num muted" }, entry.duration_ms?.toFixed?.(1) ?? ""),
    ],
    detail: (entry) => openedEntry(entry.id),
  }, onChange);
}

const OPENED_KEPT = 50;
const openedEntries = new Map(); // request id → the whole entry, fetched once when its row opens

/** An opened row's detail: the whole entry, fetched (once) from /_mock/requests/<id>. */
function openedEntry(id) {
  const holder = el("div", { className: "detail-grid" });
  const known = openedEntries.get(id);
  if (known) return replaceChildren(holder, entrySections(known));
  holder.append(el("p", { className: "muted" }, "Loading the request…"));
  getJSON(`/_mock/requests/${encodeURIComponent(id)}`).then((entry) => {
    openedEntries.set(id, entry);
    if (openedEntries.size > OPENED_KEPT) openedEntries.delete(openedEntries.keys().next().value);
    replaceChildren(holder, entrySections(entry));
  }).catch((error) => replaceChildren(holder, el("p", { className: "muted" }, `Cannot load this request: ${error.message}`)));
  return holder;
}

function entrySections(entry) {
  return [
    el("section", {}, el("h3", {}, "Outcome"), outcome(entry)),
    el("section", {}, el("h3", {}, "Request body"), jsonBlock(entry.body)),
    warningsSection(entry.warnings),
    lineageSection(entry.lineage),
  ];
}

/** Query parameters of /_mock/requests for each filter button. */
export const REQUEST_KINDS = {
  all: {},
  accepted: { status: 200 },
  warned: { warned: "true" },
  rejected: { status: 400 },
  throttled: { status: 429 },
  faults: { rule_id: "fault.injected" },
};

function statusBadge(entry) {
  const fault = entry.rule_id === "fault.injected";
  const warned = entry.status < 300 && entry.warning_count > 0;
  const tone = fault ? "fault" : warned ? "warned" : entry.status < 300 ? "ok" : entry.status === 429 ? "warn" : "bad";
  const title = fault ? `injected by fault #${entry.fault_id}` : warned ? "accepted with warnings" : "";
  return el("span", { className: `status ${tone}`, title }, String(entry.status), fault ? " fault" : warned ? " warned" : "");
}

/**
 * A request or event accepted with warnings: documented rules live Heap let through (fidelity
 * `observed`). Shown beside the event and the request, so they are fixed before production.
 */
function warningBadge(warnings) {
  if (!warnings?.length) return null;
  const rules = warnedRules(warnings);
  return el("span", { className: "warning-badge", title: `accepted with warnings: ${rules}` },
    `⚠ ${warnings.length} warning${warnings.length > 1 ? "s" : ""}`);
}

function warnedRules(warnings) {
  return [...new Set((warnings ?? []).map((w) => w.rule_id))].join(", ");
}

function warningsSection(warnings) {
  if (!warnings?.length) return null;
  return el("section", { className: "warnings" }, el("h3", {}, "Warnings (accepted, but outside Heap's docs)"),
    el("table", { className: "violations warning-list" },
      el("thead", {}, el("tr", {}, el("th", {}, "Rule"), el("th", {}, "Path"), el("th", {}, "What"), el("th", {}, "Evidence"))),
      el("tbody", {}, warnings.map((w) => el("tr", {},
        el("td", { className: "mono" }, w.rule_id), el("td", { className: "mono" }, w.path),
        el("td", {}, w.message), el("td", { title: w.source }, `${w.evidence}: ${w.source}`))))));
}

function requestSummary(entry) {
  if (entry.status === 429 && entry.limit) return `${entry.limit}; retry after ${entry.retry_after} s`;
  if (entry.message) return entry.message.split("\n")[0];
  if (entry.rule_id === "fault.injected") return `fault #${entry.fault_id}`;
  const warned = entry.warning_count ? `, ${entry.warning_count} warning(s): ${entry.warned_rules.join(", ")}` : "";
  if (typeof entry.stored_events === "number") return `${entry.stored_events} event(s) stored${warned}`;
  return warned ? `accepted${warned}` : "";
}

function outcome(entry) {
  const parts = [fieldList({
    status: entry.status, rule: entry.rule_id, limit: entry.limit, retry_after: entry.retry_after,
    fault: entry.fault_id, stored_events: entry.stored_events, request: entry.id,
  })];
  if (entry.message) parts.push(el("pre", { className: "message" }, entry.message));
  if (entry.violations?.length) {
    parts.push(el("table", { className: "violations" },
      el("thead", {}, el("tr", {}, el("th", {}, "Rule"), el("th", {}, "Path"), el("th", {}, "Message"))),
      el("tbody", {}, entry.violations.map((v) =>
        el("tr", {}, el("td", { className: "mono" }, v.rule_id), el("td", { className: "mono" }, v.path), el("td", {}, v.message))))));
  }
  return parts;
}

/** Name/value pairs, leaving out the empty ones. */
function fieldList(fields) {
  const shown = Object.entries(fields).filter(([, value]) => value !== null && value !== undefined && value !== "");
  return el("dl", { className: "props" }, shown.map(([name, value]) => [el("dt", {}, name), el("dd", {}, String(value))]));
}

export function usersPanel(onChange) {
  return new PagedTable({
    path: "/_mock/users", listKey: "users", order: "asc", columns: 4,
    table: $("#users-table"), pager: $('[data-pager="users"]'), filters: $("#users-filters"),
    rowKey: (user) => `${user.app_id}/${user.identity}`,
    cells: (user) => [
      el("td", { className: "mono" }, user.app_id),
      el("td", { className: "mono identity" }, user.identity),
      el("td", { className: "mono" }, (user.user_ids ?? []).join(", ")),
      el("td", {}, propertyChips(user.properties)),
    ],
    detail: (user) => propertyList(user.properties),
  }, onChange);
}

export function accountsPanel(onChange) {
  return new PagedTable({
    path: "/_mock/accounts", listKey: "accounts", order: "asc", columns: 3,
    table: $("#accounts-table"), pager: $('[data-pager="accounts"]'), filters: $("#accounts-filters"),
    rowKey: (account) => `${account.app_id}/${account.account_id}`,
    cells: (account) => [
      el("td", { className: "mono" }, account.app_id),
      el("td", { className: "mono identity" }, account.account_id),
      el("td", {}, propertyChips(account.properties)),
    ],
    detail: (account) => propertyList(account.properties),
  }, onChange);
}

const LIMIT_ROWS = 200;

/** Rate-limit windows: how full each is, per identity and app, and when room frees up. */
export class LimitsPanel {
  constructor(clock) {
    this.clock = clock;
    this.lastSignature = "";
  }

  async load() {
    const limits = await getJSON("/_mock/limits");
    const signature = JSON.stringify([limits, this.clock.now]);
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    this.render(limits);
  }

  render(limits) {
    setText($("#limits-state"), limits.enabled
      ? "Limits are enforced. Each window slides: a unit frees up once it is older than the window."
      : "Limits are switched off in this simulator's config (limits_enabled: false).");
    replaceChildren($("#limits-config"), Object.entries(limits.limits).map(([name, spec]) =>
      el("div", { className: "card" }, el("div", { className: "card-title mono" }, `limit.${name}`),
        el("div", { className: "card-value" }, `${formatCount(spec.limit)} / ${spec.window_s} s`))));
    const usage = [...limits.usage].sort((a, b) => b.used / b.max - a.used / a.max);
    const table = $("#limits-table");
    replaceChildren(table.tBodies[0], usage.slice(0, LIMIT_ROWS).map((u) => this.row(u)));
    table.parentElement.querySelector(".empty").hidden = usage.length > 0;
    const more = $("#limits-more");
    more.hidden = usage.length <= LIMIT_ROWS;
    setText(more, `Showing the ${LIMIT_ROWS} fullest of ${formatCount(usage.length)} windows.`);
  }

  row(u) {
    const ratio = u.max ? Math.min(1, u.used / u.max) : 0;
    const bar = el("span", { className: `meter${ratio >= 1 ? " full" : ratio >= 0.8 ? " high" : ""}` }, el("span", { className: "meter-fill" }));
    bar.firstChild.style.width = `${(ratio * 100).toFixed(1)}%`;
    const wait = u.frees_at && this.clock.now ? (Date.parse(u.frees_at) - Date.parse(this.clock.now)) / 1000 : NaN;
    return el("tr", {},
      el("td", { className: "mono" }, u.limit),
      el("td", { className: "mono" }, u.app_id),
      el("td", { className: "mono identity" }, u.identity ?? (u.user_id ? `user_id ${u.user_id}` : "(whole app)")),
      el("td", {}, el("div", { className: "usage" }, bar, el("span", { className: "usage-text" }, `${formatCount(u.used)} / ${formatCount(u.max)}`))),
      el("td", { className: "num" }, `${u.window_s} s`),
      el("td", {}, u.frees_at ? [timeCell(u.frees_at), el("span", { className: "muted" }, ` in ${formatDuration(wait)}`)] : "–"));
  }

  forget() {
    this.lastSignature = "";
  }
}
