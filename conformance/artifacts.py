"""What a CI job uploads when a run fails (`heap-conformance --keep-artifacts DIR`): per fixture, the
batches the forwarder was given, its output per batch, and the simulator's journal.

    DIR/<fixture>/batches.json    the fixture's batches, `$repeat`s expanded: exactly what was sent
    DIR/<fixture>/forwarder.json  one entry per batch delivered: exit status, stdout, stderr, ok, detail
    DIR/<fixture>/journal.json    every request the simulator answered, as GET /_mock/requests gives it

Written as each fixture finishes, so a run that is stopped half-way keeps what it did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.fixtures import Fixture
from conformance.results import BatchDelivery


def write_artifacts(directory: Path, fixture: Fixture, deliveries: Iterable[BatchDelivery], journal: list[dict[str, Any]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / "batches.json", list(fixture.batches))
    _write(directory / "forwarder.json", [{"batch": delivery.batch_index, **delivery.as_json()} for delivery in deliveries])
    _write(directory / "journal.json", journal)


def _write(path: Path, value: Any) -> None:
    # The stdlib writer: a batch may hold integers past 64 bits, which it writes as they are.
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
