"""docs/ci.md cannot rot: its commands, as written there, run against a small Node forwarder and a
wheel of this repo, and both CI jobs it shows run exactly those commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, Installed

RECIPE = ROOT / "docs" / "ci.md"

# A forwarder another team might write: custom events and sessions, one track request each.
FORWARD_JS = r"""
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", async () => {
  const batch = JSON.parse(Buffer.concat(chunks).toString());
  const env = process.env;
  const ids = batch.user_identities || {};
  const customerId = Array.isArray(ids) ? (ids.find((entry) => entry.identity_type === "customer_id") || {}).identity : ids.customer_id ?? ids.customerid;
  const identity = env.HEAP_EXTERNAL_ID === "mpid" ? batch.mpid : customerId;
  if (identity === undefined || identity === null || identity === "") return;
  for (const [index, event] of (batch.events || []).entries()) {
    const data = event.data || {};
    const properties = {};
    for (const [key, value] of Object.entries(data.custom_attributes || {})) {
      if (typeof value === "string" || typeof value === "number") properties[key.slice(0, 1023)] = typeof value === "string" ? value.slice(0, 1023) : value;
    }
    let name = null;
    if (event.event_type === "custom_event") {
      name = data.event_name;
      if (data.custom_event_type) properties.event_type = data.custom_event_type;
    } else if (event.event_type === "session_start" || event.event_type === "session_end") {
      name = event.event_type.replace("_", " ");
    }
    if (!name) continue;
    const body = {
      app_id: env.HEAP_APP_ID, identity: String(identity), event: String(name).slice(0, 1023), properties,
      timestamp: Number(data.timestamp_unixtime_ms ?? batch.timestamp_unixtime_ms),
      idempotency_key: `${identity}-${data.timestamp_unixtime_ms}-${index}`,
    };
    if (data.session_id !== undefined && data.session_id !== null) body.session_id = String(data.session_id);
    for (;;) {
      const response = await fetch(`${env.HEAP_URL}/api/track`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (response.status === 429) {
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get("retry-after") || 1) * 1000));
        continue;
      }
      if (!response.ok) {
        console.error(`track answered ${response.status}: ${await response.text()}`);
        process.exit(1);
      }
      break;
    }
  }
});
"""


def recipe_commands() -> list[str]:
    """The shell lines of the recipe's first ```sh block: what both jobs run."""
    block = re.search(r"```sh\n(.*?)```", RECIPE.read_text(), re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", RECIPE.read_text(), re.DOTALL)


def test_both_ci_jobs_run_the_recipe_commands_and_publish_junit() -> None:
    github, gitlab = yaml_blocks()
    for command in recipe_commands():
        assert command in github and f"- {command}" in gitlab, command
    assert "report_paths: heap-conformance.xml" in github and "junit: heap-conformance.xml" in gitlab
    assert re.search(r"if: failure\(\)\n\s+uses: actions/upload-artifact@v4\n(?:.*\n)*?\s+heap-conformance-artifacts\n", github), "uploaded when it fails"
    assert "- heap-conformance-artifacts" in gitlab and "- heap-conformance.json" in gitlab
    assert all("--keep-artifacts heap-conformance-artifacts" in command for command in recipe_commands() if command.startswith("heap-conformance"))


@pytest.mark.skipif(shutil.which("node") is None, reason="the recipe's forwarder is a Node program")
def test_the_recipe_commands_run_a_node_forwarder_and_write_junit(installed: Installed, tmp_path: Path) -> None:
    (tmp_path / "forward.js").write_text(FORWARD_JS)
    env = {
        **os.environ,
        "PATH": f"{installed.venv / 'bin'}:{os.environ['PATH']}",  # as after setup-python: `python` and the scripts it installs
        "HEAP_SIM": str(installed.wheel),
        "HEAP_CONFORMANCE_ARGS": "--rules MAP-CUSTOM-EVENT-TYPE,MAP-SESSION",
        "PIP_NO_INDEX": "1",  # the test's dependencies are already there; CI would fetch them
        "PIP_NO_DEPS": "1",
    }
    script = "set -e\n" + "\n".join(recipe_commands())
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CONFORMS: 2 passed, 0 failed" in done.stdout
    suite = ET.parse(tmp_path / "heap-conformance.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("tests") == "2"
    assert "| `MAP-SESSION` | documented | pass |" in (tmp_path / "heap-conformance.md").read_text()
    assert '"verdict": "conforms"' in (tmp_path / "heap-conformance.json").read_text()
    kept = tmp_path / "heap-conformance-artifacts"
    assert {path.name for path in (kept / "sessions").iterdir()} == {"batches.json", "forwarder.json", "journal.json"}
