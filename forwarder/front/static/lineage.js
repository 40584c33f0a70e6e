// The front's lineage page: received batches, each opening onto its events and what each became.
// Every received string goes into the page as text (textContent / text nodes), never as HTML.

const POLL_MS = Number(new URLSearchParams(location.search).get("poll")) || 1000;
const open = new Set();
let lastSignature = "";

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.includes("-")) node.setAttribute(key, String(value));
    else node[key] = value;
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function getJSON(path, options) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, ...options });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

function target() {
  const match = /^#batch-(\d+)(?:-(event-\d+|user-attributes))?$/.exec(location.hash);
  return match ? { batch: Number(match[1]), anchor: location.hash.slice(1) } : null;
}

function statusBadge(status) {
  return el("span", { className: `status ${status}` }, status);
}

function heapRequest(request) {
  const attempts = request.attempts.length ? ` after ${request.attempts.length} attempt(s): ${request.attempts.map((s) => s ?? "no answer").join(", ")}` : "";
  const notes = [];
  if (request.throttled) notes.push(`throttled ${request.throttled}×`);
  if (request.errors) notes.push(`retried after ${request.errors} error(s)`);
  return el("li", {},
    el("span", { className: "mono" }, `${request.path} `), statusBadge(request.outcome), ` ${request.names.join(", ")}`,
    el("span", { className: "muted" }, attempts, notes.length ? ` (${notes.join("; ")})` : ""),
    request.reason ? el("div", { className: "skip" }, request.reason) : null);
}

function eventRow(event, anchor) {
  const title = [event.event_type, event.name].filter(Boolean).join(": ");
  return el("div", { className: `event${event.anchor === anchor ? " target" : ""}`, id: event.anchor },
    el("div", {}, el("span", { className: "mono" }, event.index === null ? "user attributes" : `event ${event.index} `), title),
    event.skip_reason
      ? el("div", { className: "skip" }, `skipped: ${event.skip_reason}`)
      : el("ul", { className: "heap" }, event.heap_requests.map(heapRequest)));
}

async function detailRow(summary) {
  const cell = el("td", { colSpan: 8 });
  if (summary.refused) {
    cell.append(el("div", { className: "skip" }, `refused with ${summary.refused.status}: ${summary.refused.message}`,
      summary.refused.path ? ` (at ${summary.refused.path})` : ""));
  } else {
    const batch = await getJSON(`/_front/api/batches/${summary.id}`);
    const anchor = target()?.anchor;
    cell.append(...batch.events.map((event) => eventRow(event, anchor)));
  }
  return el("tr", { className: "detail", "data-batch": summary.id }, cell);
}

function batchRow(summary) {
  const row = el("tr", { className: "batch", id: `batch-${summary.id}`, "data-batch": summary.id },
    el("td", { className: "mono" }, summary.id),
    el("td", { className: "mono" }, summary.received_at),
    el("td", { className: "mono" }, summary.route),
    el("td", {}, summary.client),
    el("td", { className: "mono" }, summary.identity ?? ""),
    el("td", {}, statusBadge(summary.status)),
    el("td", {}, `${summary.events_in}${summary.skipped ? ` (${summary.skipped} skipped)` : ""}`),
    el("td", {}, summary.heap_events));
  row.addEventListener("click", () => {
    if (open.has(summary.id)) open.delete(summary.id); else open.add(summary.id);
    lastSignature = "";
    refresh();
  });
  return row;
}

async function render(batches) {
  const body = document.querySelector("#batches tbody");
  const rows = [];
  for (const summary of batches) {
    rows.push(batchRow(summary));
    if (open.has(summary.id)) rows.push(await detailRow(summary));
  }
  body.replaceChildren(...rows);
  document.querySelector("#empty").hidden = batches.length > 0;
}

async function refresh() {
  const [list, status] = await Promise.all([getJSON("/_front/api/batches?limit=200"), getJSON("/_front/api/status")]);
  const signature = JSON.stringify([list.batches, [...open]]);
  const recording = status.recording;
  document.querySelector("#record").textContent = recording.recording ? "Stop recording" : "Start recording fixtures";
  document.querySelector("#record-state").textContent = recording.recording
    ? `recording into ${recording.file ?? recording.directory} (${recording.batches_in_file} batches)` : "";
  document.querySelector("#status").textContent =
    `${list.counts.received} received · queue ${status.queue.depth}/${status.queue.capacity} · delivering to ${status.heap_url}`;
  if (signature === lastSignature) return;
  lastSignature = signature;
  await render(list.batches);
}

async function toggleRecording() {
  const status = await getJSON("/_front/api/status");
  await getJSON("/_front/api/recording", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ recording: !status.recording.recording }),
  });
  await refresh();
}

function openTarget() {
  const wanted = target();
  if (wanted) {
    open.add(wanted.batch);
    lastSignature = "";
  }
}

document.querySelector("#record").addEventListener("click", toggleRecording);
window.addEventListener("hashchange", () => { openTarget(); refresh(); });
openTarget();
refresh().then(() => document.getElementById(target()?.anchor ?? "")?.scrollIntoView());
setInterval(() => refresh().catch(() => {}), POLL_MS);
