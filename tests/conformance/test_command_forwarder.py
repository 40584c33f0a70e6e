"""Any program as the forwarder under test (--forwarder-cmd): batch on stdin, settings in HEAP_*,
exit 0 once delivered. The simulator's clock runs faster than real time so throttle scenarios
take seconds, not minutes."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from conformance.forwarders import CommandForwarder
from conformance.pytest_plugin import ConformanceHarness

PROGRAM = Path(__file__).parent / "programs" / "stdin_forwarder.py"
REPO = Path(__file__).resolve().parents[2]


def program(*flags: str) -> CommandForwarder:
    # 120x: the 30 s track window passes in 0.25 s. A Retry-After is at least 1 real second, whatever the scale.
    return CommandForwarder(shlex.join([sys.executable, str(PROGRAM), *flags]), time_scale=120)


def failed(outcome: object) -> set[str]:
    return {check.rule_id for check in outcome.checks if not check.passed}  # type: ignore[attr-defined]


def test_a_program_that_paces_and_honours_retry_after_passes_throttle_scenarios(heap_conformance: ConformanceHarness) -> None:
    # How fast this runs in real time is a benchmark's question, not a unit test's: here, only that
    # the scaled clock carried the windows (simulated_s) and every rule held. The second run names
    # the program as a team's own pytest would: forwarder_cmd= with the time scale, as the CLI's options.
    burst = heap_conformance.run_fixture("burst_track", program())
    throttled = heap_conformance.assert_conforms("faults_429", forwarder_cmd=program().command, time_scale=120)
    assert not failed(burst) and not failed(throttled), (failed(burst), failed(throttled))
    assert burst.simulated_s >= 30, "45 track requests for one identity need a second 30 s window"
    assert throttled.simulated_s >= 20, "two Retry-After waits of at least 20 simulated seconds"


def test_a_program_that_ignores_retry_after_fails_that_rule(heap_conformance: ConformanceHarness) -> None:
    outcome = heap_conformance.run_fixture("faults_429", program("--ignore-retry-after"))
    assert failed(outcome) == {"RETRY-AFTER"}


def test_a_program_that_does_not_pace_fails_the_track_limit(heap_conformance: ConformanceHarness) -> None:
    outcome = heap_conformance.run_fixture("burst_track", program("--no-pacing"))
    assert "LIMIT-TRACK" in failed(outcome)
    assert "DELIVER-ALL" not in failed(outcome), "it still delivers everything, after the 429s"


def test_the_program_gets_the_batch_on_stdin_and_the_settings_in_its_environment(heap_conformance: ConformanceHarness, tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    code = (
        "import json, os, sys; "
        "json.dump({'env': {k: v for k, v in os.environ.items() if k.startswith('HEAP_')}, 'batch': json.load(sys.stdin)}, "
        f"open({str(out)!r}, 'w'))"
    )
    heap_conformance.run_fixture("web_client_side", forwarder_cmd=shlex.join([sys.executable, "-c", code]), time_scale=45)
    seen = json.loads(out.read_text())
    env = seen["env"]
    assert env["HEAP_URL"].startswith("http://127.0.0.1:")
    assert (env["HEAP_APP_ID"], env["HEAP_EXTERNAL_ID"]) == ("3958016722", "mpid")
    assert (env["HEAP_FORWARD_USER_ATTRIBUTES"], env["HEAP_FORWARD_WEB_SERVER_SIDE"]) == ("true", "false")
    assert env["HEAP_TIME_SCALE"] == "45", "forwarder_cmd= runs the program with the time scale asked for"
    assert seen["batch"]["mpid"] == "200002", "run once per batch, the last batch last"


def test_a_program_that_exits_non_zero_is_reported(heap_conformance: ConformanceHarness) -> None:
    code = "import sys; print('reading the batch'); sys.exit('cannot reach Heap')"
    outcome = heap_conformance.run_fixture("sessions", CommandForwarder(shlex.join([sys.executable, "-c", code])))
    assert not outcome.deliveries[0].ok
    assert "exit 1: cannot reach Heap" in outcome.deliveries[0].detail
    delivery = outcome.deliveries[0]
    assert (delivery.exit, delivery.stdout, delivery.stderr) == (1, "reading the batch\n", "cannot reach Heap\n"), "its output is kept for the report"
    assert any("reported a failure" in note for note in outcome.notes)
    assert "MAP-SESSION" in failed(outcome)


def test_forwarder_cmd_is_refused_beside_a_forwarder_or_with_a_scale_below_1(heap_conformance: ConformanceHarness) -> None:
    with pytest.raises(ValueError, match="forwarder= or forwarder_cmd=, not both"):
        heap_conformance.run_fixture("sessions", "tests.conformance.broken:plain", forwarder_cmd="node forward.js")
    with pytest.raises(ValueError, match="time_scale must be at least 1"):
        heap_conformance.run_fixture("sessions", forwarder_cmd="node forward.js", time_scale=0.5)


def test_heap_forward_itself_as_a_program_paces_to_the_fast_clock(heap_conformance: ConformanceHarness) -> None:
    script = REPO / "conformance" / "examples" / "heap_forward_cmd.sh"
    bin_dir = Path(sys.executable).parent
    # The venv's bin on PATH, as it is for a user who activated it, so the script finds heap-forward.
    command = shlex.join(["env", f"PATH={bin_dir}:/usr/local/bin:/usr/bin:/bin", "/bin/sh", str(script)])
    outcome = heap_conformance.run_fixture("burst_track", CommandForwarder(command, time_scale=120))
    assert not failed(outcome), failed(outcome)
    assert outcome.simulated_s >= 30, "45 track requests for one identity need a second 30 s window"  # type: ignore[attr-defined]
