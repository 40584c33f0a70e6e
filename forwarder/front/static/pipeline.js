// The pipeline view: received batches, each opening onto its events, every event beside the Heap
// requests and events it became, how Heap answered, and field by field what the mapping did (from
// the mapping's own report, with the MAPPING.md section that decides it). Every received string
// goes into the page as text (dom.js), never as HTML.

import { el, formatCount, replaceChildren, setText, timeCell } from "/_front/static/dom.js";

const POLL_MS = Math.min(60000, Math.max(100, Number(new URLSearchParams(location.search).get("poll")) || 1000));
const BATCH_COLUMNS = 8;
const $ = (selector) => document.querySelector(selector);
const open = new Set(); // batch IDs whose rows are open
const details = new Map(); // batch ID -> [summary signature, detail]
let lastSignature = "";
let consoleUrl = null;

async function getJSON(path, options) {
  const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" }, ...options });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(data?.errors?.[0]?.message ?? `${path} answered ${response.status}`);
  return data;
}

/** `#batch-N` or `#batch-N-event-M` / `#batch-N-user-attributes`: what a lineage link points at. */
function target() {
  const match = /^#batch-(\d+)(?:-(event-\d+|user-attributes))?$/.exec(location.hash);
  return match ? { batch: Number(match[1]), anchor: location.hash.slice(1) } : null;
}

const STATUS_TONES = { delivered: "ok", skipped: "muted", queued: "info", failed: "bad", refused: "bad", unsent: "bad" };

function statusBadge(status) {
  return el("span", { className: `status ${STATUS_TONES[status] ?? "muted"}` }, status);
}

/** How Heap answered one request: each attempt's status, and what the forwarder did about it. */
export function answerText(request) {
  const attempts = request.attempts;
  if (!attempts.length) return request.outcome === "queued" ? "not sent yet" : "never sent";
  const shown = attempts.map((status) => status ?? "no answer").join(", ");
  const earlier = attempts.slice(0, -1);
  const throttled = earlier.filter((status) => status === 429).length;
  const retried = earlier.length - throttled;
  const last = attempts[attempts.length - 1];
  const notes = [];
  if (retried) notes.push(`retried ${retried}× after an error`);
  if (throttled) notes.push(`throttled ${throttled}×, sent again after Retry-After`);
  if (last !== null && last >= 400 && last < 500 && last !== 429) notes.push("not retried: a 4xx other than 429 is final");
  return `Heap answered ${shown}${notes.length ? ` (${notes.join("; ")})` : ""}`;
}

// --- one mParticle event and what it became ------------------------------------------------------

/** Name/value pairs; a value that is not text (a number, true, null, a list) is marked as a JSON literal, so
 * the boolean true sent by mParticle and the string "true" Heap got look different. */
function pairs(list, className = "props") {
  if (!list?.length) return el("p", { className: "muted" }, "none");
  return el("dl", { className }, list.map(([name, value]) =>
    [el("dt", {}, name), el("dd", { className: typeof value === "string" ? "" : "literal", title: typeof value === "string" ? "" : "not text: a JSON value" }, show(value))]));
}

function show(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function inputSide(event, batch) {
  const input = event.input ?? {};
  const parts = [el("h4", {}, "mParticle sent")];
  if (event.index !== null) {
    parts.push(el("dl", { className: "props" },
      el("dt", {}, "event_type"), el("dd", {}, event.event_type),
      event.name ? [el("dt", {}, "name"), el("dd", {}, event.name)] : null,
      el("dt", {}, "identity used"),
      el("dd", {}, batch.identity ?? "none", el("span", { className: "muted" }, ` (from ${batch.identity_from})`))));
  }
  parts.push(el("h5", {}, event.index === null ? "user attributes" : "custom attributes"), pairs(input.attributes));
  if (input.fields?.length) parts.push(el("h5", {}, "other fields of the event"), pairs(input.fields));
  return el("section", { className: "side input-side" }, parts);
}

function heapSide(event) {
  return el("section", { className: "side heap-side" }, el("h4", {}, "Heap received"), event.heap_requests.map(heapRequest));
}

function heapRequest(request) {
  const events = request.heap_event_list ?? [];
  return el("div", { className: "heap-request" },
    el("div", { className: "request-line" }, el("span", { className: "mono" }, `POST ${request.path}`), " ", statusBadge(request.outcome),
      el("span", { className: "answer" }, answerText(request))),
    request.reason ? el("div", { className: "reason" }, request.reason) : null,
    request.properties ? [el("div", { className: "muted" }, `user properties of ${request.identity}`), pairs(request.properties)] : null,
    events.map((heapEvent, position) => el("div", { className: "heap-event" },
      el("div", { className: "heap-event-name" }, events.length > 1 ? el("span", { className: "muted" }, `#${position} `) : null, heapEvent.event),
      el("dl", { className: "props meta" },
        ["identity", "timestamp", "session_id", "idempotency_key"].filter((name) => heapEvent[name] !== null)
          .map((name) => [el("dt", {}, name), el("dd", {}, heapEvent[name])])),
      el("h5", {}, "properties"), pairs(heapEvent.properties))),
    request.heap_events_more ? el("p", { className: "muted" }, `and ${request.heap_events_more} more Heap events in this request`) : null);
}

const CHANGE_WORDS = { kept: "kept", renamed: "renamed", converted: "converted", cut: "cut", dropped: "dropped", added: "added" };

// Changes worth a look: to the event's own fields (not the identity, time and key every Heap event gets).
const NOTABLE = new Set(["converted", "cut", "dropped"]);

/**
 * Field by field, from the mapping's own report: the event's own fields first, then those every
 * Heap event of it carries. Open when the event is the one a link pointed at, or when one of its own
 * fields was converted, cut or dropped; otherwise one click away.
 */
function changesTable(event, isTarget) {
  const changes = [...(event.changes ?? [])].sort((a, b) => (a.heap_event === null) - (b.heap_event === null));
  if (!changes.length) return null;
  const manyEvents = (event.heap_requests ?? []).reduce((sum, request) => sum + (request.heap_event_list?.length ?? 0), 0) > 1;
  const notable = changes.filter((change) => change.heap_event !== null && NOTABLE.has(change.change)).length;
  const summary = `Field by field: ${changes.length} field(s)${notable ? `, ${notable} converted, cut or dropped` : ""}`;
  return el("details", { className: "changes", open: isTarget || notable > 0 }, el("summary", {}, summary),
    el("table", { className: "changes-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "mParticle field"), el("th", {}, "Heap field"), el("th", {}, "change"),
        el("th", {}, "what happened"), el("th", {}, "MAPPING.md"))),
      el("tbody", {}, changes.map((change) => el("tr", { className: `change ${change.change}${change.heap_event === null ? " common" : ""}` },
        el("td", { className: "mono" }, change.source),
        el("td", { className: "mono" }, change.target === null ? "—"
          : `${manyEvents && change.heap_event !== null ? `#${change.heap_event} ` : ""}${change.target}`),
        el("td", {}, el("span", { className: `change-badge ${change.change}` }, CHANGE_WORDS[change.change] ?? change.change)),
        el("td", {}, change.note),
        el("td", { className: "section", title: change.section_title ?? "" }, `§${change.section}`))))),
    event.changes_more ? el("p", { className: "muted" }, `and ${event.changes_more} more fields`) : null);
}

function skipBox(skipped) {
  return el("div", { className: "skip-box" },
    el("div", { className: "skip-reason" }, `Not sent: ${skipped.reason}`),
    el("div", {}, "decided by ", el("span", { className: "section" }, `MAPPING.md §${skipped.section}`),
      skipped.section_title ? ` (${skipped.section_title})` : ""),
    skipped.setting ? el("div", {}, "setting ", el("span", { className: "mono" }, `${skipped.setting} = ${show(skipped.setting_value)}`),
      skipped.change ? [": to change it, ", el("span", { className: "mono" }, skipped.change)] : "") : null);
}

function consoleLinks(event) {
  if (!event.console) return null;
  return el("span", { className: "console-links" }, "in the simulator's console: ",
    event.console.events ? [el("a", { href: event.console.events, target: "_blank", rel: "noopener", className: "to-console-events" }, "its events"), " · "] : null,
    el("a", { href: event.console.requests, target: "_blank", rel: "noopener", className: "to-console-requests" }, "its requests"), " ↗");
}

function eventTitle(event) {
  if (event.index === null) return [el("span", { className: "mono" }, "user attributes")];
  return [el("span", { className: "mono muted" }, `event ${event.index} `), el("span", { className: "mono" }, event.event_type),
    event.name ? ` ${event.name}` : ""];
}

function eventStatus(event) {
  if (event.skipped || event.skip_reason) return "skipped";
  const outcomes = new Set(event.heap_requests.map((request) => request.outcome));
  for (const status of ["queued", "unsent", "failed"]) if (outcomes.has(status)) return status;
  return "delivered";
}

function eventFlow(event, batch, anchor) {
  const status = eventStatus(event);
  const head = el("header", { className: "flow-head" }, eventTitle(event), " ", statusBadge(status), consoleLinks(event));
  const body = event.skipped
    ? skipBox(event.skipped)
    : event.skip_reason ? el("div", { className: "skip-box" }, `Not sent: ${event.skip_reason}`)
    : [el("div", { className: "sides" }, inputSide(event, batch), el("div", { className: "arrow", "aria-hidden": "true" }, "→"), heapSide(event)),
       changesTable(event, event.anchor === anchor)];
  return el("article", { className: `flow${event.anchor === anchor ? " target" : ""}`, id: event.anchor }, head, body);
}

function batchDetail(batch) {
  if (batch.refused) {
    return el("div", { className: "skip-box" }, `Refused with ${batch.refused.status}: ${batch.refused.message}`,
      batch.refused.path ? ` (at ${batch.refused.path})` : "");
  }
  const anchor = target()?.anchor;
  const note = batch.input_kept ? null
    : el("p", { className: "note" }, "This batch's body is no longer kept (the front keeps the newest bodies), so only what became of each event shows.");
  return [note, batch.events.map((event) => batch.input_kept ? eventFlow(event, batch, anchor) : plainEvent(event))];
}

function plainEvent(event) {
  return el("article", { className: "flow", id: event.anchor },
    el("header", { className: "flow-head" }, eventTitle(event), " ", statusBadge(eventStatus(event)), consoleLinks(event)),
    event.skip_reason ? el("div", { className: "skip-box" }, `Not sent: ${event.skip_reason}`) : event.heap_requests.map(heapRequest));
}

// --- the list of batches ----------------------------------------------------------------------------

function batchRow(summary) {
  const isOpen = open.has(summary.id);
  const row = el("tr", { className: `row${isOpen ? " open" : ""}`, id: `batch-${summary.id}`, tabIndex: 0, "aria-expanded": String(isOpen) },
    el("td", { className: "num mono" }, summary.id),
    el("td", {}, timeCell(summary.received_at)),
    el("td", { className: "mono nowrap" }, summary.route),
    el("td", {}, summary.client),
    el("td", { className: "mono identity" }, summary.identity ?? ""),
    el("td", {}, statusBadge(summary.status)),
    el("td", { className: "num" }, `${summary.events_in}${summary.skipped ? ` (${summary.skipped} skipped)` : ""}`),
    el("td", { className: "num" }, summary.heap_events));
  const toggle = () => {
    if (open.has(summary.id)) open.delete(summary.id); else open.add(summary.id);
    lastSignature = "";
    refresh();
  };
  row.addEventListener("click", toggle);
  row.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); } });
  return row;
}

async function detailOf(summary) {
  const signature = JSON.stringify(summary);
  const known = details.get(summary.id);
  if (known && known[0] === signature) return known[1];
  const batch = await getJSON(`/_front/api/batches/${summary.id}`);
  details.set(summary.id, [signature, batch]);
  return batch;
}

async function render(batches) {
  const rows = [];
  for (const summary of batches) {
    rows.push(batchRow(summary));
    if (open.has(summary.id)) {
      const cell = el("td", { colSpan: BATCH_COLUMNS }, batchDetail(await detailOf(summary)));
      rows.push(el("tr", { className: "detail" }, cell));
    }
  }
  replaceChildren($("#batches tbody"), rows);
  $("#empty").hidden = batches.length > 0;
  for (const id of details.keys()) if (!open.has(id)) details.delete(id);
}

// --- header: settings, recording, the console --------------------------------------------------------

function showStatus(status, counts) {
  setText($("#stat-received"), formatCount(counts.received));
  setText($("#stat-queue"), `${formatCount(status.queue.depth)} / ${formatCount(status.queue.capacity)}`);
  setText($("#stat-kept"), formatCount(counts.kept));
  replaceChildren($("#settings"), status.setting_changes.map((setting) =>
    el("span", { className: "setting", title: setting.change ? `to change: ${setting.change}` : "" },
      el("span", { className: "setting-name" }, setting.name), el("span", { className: "setting-value mono" }, show(setting.value)))));
  setText($("#delivering"), `delivering to ${status.heap_url}`);
  consoleUrl = status.console_url;
  const link = $("#console-link");
  link.hidden = !consoleUrl;
  if (consoleUrl) link.href = `${consoleUrl}/`;
  showRecording(status.recording);
}

function showRecording(recording, wrote = null) {
  setText($("#record"), recording.recording ? "Stop recording" : "Start recording fixtures");
  const state = $("#record-state");
  if (recording.recording) {
    setText(state, `Recording into ${recording.file ?? recording.directory} (${recording.batches_in_file} batches in this file)`);
  } else if (wrote !== null || recording.last_stop_wrote.length) {
    const files = wrote ?? recording.last_stop_wrote;
    setText(state, files.length ? `Stopped: wrote ${files.length} file(s): ${files.join(", ")}` : `Stopped: no batch arrived, no file written (folder ${recording.directory})`);
  } else {
    setText(state, "");
  }
  state.hidden = !state.textContent;
}

async function toggleRecording() {
  try {
    const status = await getJSON("/_front/api/status");
    const answer = await getJSON("/_front/api/recording", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ recording: !status.recording.recording }),
    });
    showRecording(answer, answer.recording ? null : answer.wrote);
  } catch (error) {
    report(`Recording: ${error.message}`);
  }
}

function report(message) {
  setText($("#banner"), message);
  $("#banner").hidden = !message;
}

async function refresh() {
  try {
    const [list, status] = await Promise.all([getJSON("/_front/api/batches?limit=200"), getJSON("/_front/api/status")]);
    showStatus(status, list.counts);
    report("");
    const signature = JSON.stringify([list.batches, [...open]]);
    if (signature === lastSignature) return;
    lastSignature = signature;
    await render(list.batches);
  } catch (error) {
    report(`Cannot reach heap-forward serve (${error.message}). Retrying…`);
  }
}

function openTarget() {
  const wanted = target();
  if (wanted) {
    open.add(wanted.batch);
    lastSignature = "";
  }
}

$("#record").addEventListener("click", toggleRecording);
window.addEventListener("hashchange", () => { openTarget(); refresh().then(scrollToTarget); });
openTarget();
refresh().then(scrollToTarget);
setInterval(refresh, POLL_MS);

function scrollToTarget() {
  const wanted = target();
  if (wanted) document.getElementById(wanted.anchor)?.scrollIntoView({ block: "start" });
}
