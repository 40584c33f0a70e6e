// The controls: the clock, reset, and fault rules. Each action calls the /_mock/ API and then
// asks for an immediate refresh, so the console shows its effect at once.

import { getJSON, send } from "./api.js";
import { el, formatCount, replaceChildren, setText } from "/_mock/console/dom.js";

const $ = (selector) => document.querySelector(selector);

/** The simulator's clock as last read, shared with panels that show "frees up in ...". */
export class ClockView {
  constructor(report, refresh) {
    this.now = null;
    this.report = report;
    this.refresh = refresh;
    this.bind();
  }

  async load() {
    this.show(await getJSON("/_mock/clock"));
  }

  show(clock) {
    this.now = clock.now;
    const label = clock.mode === "scaled" ? `scaled ×${clock.rate}` : clock.mode === "virtual" ? "virtual · still" : "real";
    const badge = $("#clock-mode");
    setText(badge, label);
    badge.className = `badge ${clock.mode}`;
    setText($("#clock-now"), clock.now.replace("T", " ").replace("Z", " UTC"));
    $("#clock-now").dateTime = clock.now;
    const input = $("#clock-set-input");
    if (document.activeElement !== input && !input.dataset.edited) input.value = clock.now;
  }

  bind() {
    document.querySelectorAll("[data-clock]").forEach((button) =>
      button.addEventListener("click", () => this.command({ mode: button.dataset.clock })));
    document.querySelectorAll("[data-advance]").forEach((button) =>
      button.addEventListener("click", () => this.command({ advance: Number(button.dataset.advance) })));
    const input = $("#clock-set-input");
    input.addEventListener("input", () => { input.dataset.edited = "1"; });
    $("#clock-set-form").addEventListener("submit", (event) => {
      event.preventDefault();
      delete input.dataset.edited;
      this.command({ set: input.value.trim() });
    });
  }

  async command(body) {
    try {
      this.show(await send("POST", "/_mock/clock", body));
      this.refresh();
    } catch (error) {
      this.report(`Clock: ${error.message}`);
    }
  }
}

/** Reset forgets everything the simulator holds, so the panels start from scratch too. */
export function bindReset(report, afterReset) {
  $("#reset-button").addEventListener("click", async () => {
    try {
      await send("POST", "/_mock/reset");
      afterReset();
    } catch (error) {
      report(`Reset: ${error.message}`);
    }
  });
}

/** Fault rules: a form to add one, the list of live rules, and a button to clear them all. */
export class FaultsPanel {
  constructor(refresh) {
    this.refresh = refresh;
    this.lastSignature = "";
    this.form = $("#fault-form");
    this.error = $("#fault-error");
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.add(); });
    $("#faults-clear").addEventListener("click", () => this.clear());
  }

  async load() {
    const { faults } = await getJSON("/_mock/faults");
    setText($("#tab-faults"), faults.length ? String(faults.length) : "");
    const signature = JSON.stringify(faults);
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    const table = $("#faults-table");
    replaceChildren(table.tBodies[0], faults.map(faultRow));
    table.parentElement.querySelector(".empty").hidden = faults.length > 0;
  }

  async add() {
    try {
      await send("POST", "/_mock/faults", faultSpec(new FormData(this.form)));
      this.error.hidden = true;
      this.refresh();
    } catch (error) {
      setText(this.error, error.message);
      this.error.hidden = false;
    }
  }

  async clear() {
    await send("DELETE", "/_mock/faults");
    this.refresh();
  }

  forget() {
    this.lastSignature = "";
  }
}

/** The JSON body of POST /_mock/faults from the form: empty fields are left to the defaults. */
function faultSpec(data) {
  const spec = { path: String(data.get("path") ?? "").trim() };
  if (data.get("method")) spec.method = data.get("method");
  for (const name of ["status", "retry_after", "delay_ms", "times"]) {
    if (data.get(name)) spec[name] = Number.parseInt(data.get(name), 10);
  }
  if (data.get("probability")) spec.probability = Number.parseFloat(data.get("probability"));
  if (data.get("drop_connection")) spec.drop_connection = true;
  if (data.get("after_processing")) spec.after_processing = true;
  return spec;
}

function faultRow(rule) {
  const answer = rule.drop_connection ? "drop connection" : rule.status ? `${rule.status}${rule.retry_after != null ? `, Retry-After ${rule.retry_after}` : ""}` : "(delay only)";
  return el("tr", {},
    el("td", { className: "num" }, String(rule.id)),
    el("td", { className: "mono" }, rule.method ?? "any"),
    el("td", { className: "mono" }, rule.path),
    el("td", {}, answer + (rule.after_processing ? " after processing" : "")),
    el("td", {}, rule.delay_ms ? `${rule.delay_ms} ms` : "–"),
    el("td", {}, rule.remaining == null ? "every request" : formatCount(rule.remaining)),
    el("td", {}, rule.probability < 1 ? `${rule.probability}${rule.seed != null ? ` (seed ${rule.seed})` : ""}` : "always"),
    el("td", { className: "num" }, formatCount(rule.matched)));
}
