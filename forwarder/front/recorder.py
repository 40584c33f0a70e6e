"""Received batches saved as conformance fixture files (fixtures/fixture.schema.json), so a
session of real SDK traffic replays with `heap-conformance --fixtures DIR` and becomes a
regression test with `--update-golden`.

One file per recording session, rewritten whole (to a temporary file, then renamed) after each
batch, so it is always a complete, valid fixture. A session file holds at most
`max_batches_per_file` batches; the next batch starts a new file. Only the current file's
batches are held in memory. The directory is made absolute when the recorder is made (the front
prints it), and stopping says which files that recording wrote.

Which rules a recording exercises is not decided here. A recorded fixture says `"rules":
"derived"`, and the conformance suite judges it on every rule its batches give something to
judge: the suite's own checks decide, the same code that judges every fixture. Why not a list
written here: this package may not import the suite (layers: forwarder imports only heap_facts),
so a list here would be a second copy of the suite's knowledge, and it drifted (it named 9 rules
when the recorded traffic exercised 16). Why not that logic in heap_facts: which rules apply is
the judge's reading of a batch, not a fact about Heap; shared with the judged forwarder, a bug in
it would hide itself.

Recorded batches are kept exactly as the clients sent them, their spellings included (the Python
SDK's `customerid`, an MPID as a string). The suite checks fixture batches against mParticle's
Events API schema and lets through only what a fixture declares with its provenance, so a
recording declares all of its batches: recorded from real traffic, with the time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from forwarder.settings import Settings
from heap_facts.names import MPID

MAX_BATCHES_PER_FILE = 200
DERIVED_RULES = "derived"  # the fixture schema's word for "judge every rule these batches exercise"
# Fields the fixture schema types strictly; null means the same as absent to the mapping.
_NULL_MEANS_ABSENT = (MPID, "timestamp_unixtime_ms")


class Recorder:
    """Appends received batches to fixture files in `directory`; `recording` turns it on and off."""

    def __init__(
        self, directory: Path, settings: Settings, *, recording: bool = True, max_batches_per_file: int = MAX_BATCHES_PER_FILE
    ) -> None:
        self.directory = directory.resolve()
        self.settings = settings
        self.max_batches_per_file = max_batches_per_file
        self.recording = recording
        self._lock = threading.Lock()
        self._batches: list[dict[str, Any]] = []
        self._path: Path | None = None
        self._started = ""  # when the current file's first batch arrived (UTC), for its provenance
        self.files_written: list[Path] = []
        self._session_files: list[Path] = []  # written since recording last started
        self._stopped_files: list[Path] = []  # what the last stop wrote

    def set_recording(self, on: bool) -> list[Path]:
        """Turn recording on or off; turning it on again starts a new file. Returns the files the
        recording now stopped wrote (none when starting, or when nothing arrived meanwhile)."""
        with self._lock:
            stopping = self.recording and not on
            if on and not self.recording:
                self._batches, self._path, self._session_files = [], None, []
            self.recording = on
            if stopping:
                self._stopped_files = list(self._session_files)
                return self._stopped_files
            return []

    def record(self, batches: Iterable[Mapping[str, Any]]) -> None:
        """Add accepted batches to the current session file (no-op while not recording)."""
        with self._lock:
            if not self.recording:
                return
            for batch in batches:
                if self._path is None or len(self._batches) >= self.max_batches_per_file:
                    if self._path is not None:
                        self._write()  # the full file, before the next one starts
                    self._batches, self._path = [], self._new_path()
                    self._started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                self._batches.append(fixture_batch(batch))
            self._write()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {
                "recording": self.recording,
                "directory": str(self.directory),
                "file": str(self._path) if self._path else None,
                "batches_in_file": len(self._batches),
                "files_this_recording": [str(path) for path in self._session_files] if self.recording else [],
                "last_stop_wrote": [str(path) for path in self._stopped_files],
            }

    def _new_path(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        for n in range(1, 10_000):
            path = self.directory / f"recorded_{stamp}_{n:03d}.json"
            if not path.exists() and path not in self.files_written:
                self.files_written.append(path)
                self._session_files.append(path)
                return path
        raise OSError(f"too many recordings in {self.directory} this second")

    def _write(self) -> None:
        assert self._path is not None
        document = fixture_document(self._batches, self.settings, self._started)
        temporary = self._path.with_suffix(".json.tmp")
        temporary.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
        os.replace(temporary, self._path)


def fixture_document(batches: list[dict[str, Any]], settings: Settings, started: str = "") -> dict[str, Any]:
    """A fixture holding `batches` as received, the settings in force, rules derived by the suite,
    and its provenance: real traffic, spelled as the clients spelled it."""
    since = f" from {started}" if started else ""
    return {
        "description": f"Recorded by heap-forward serve: {len(batches)} batch(es) of real SDK traffic.",
        "settings": {
            "app_id": settings.app_id,
            "external_id": settings.external_id,
            "forward_user_attributes": settings.forward_user_attributes,
            "forward_web_requests_server_side": settings.forward_web_requests_server_side,
        },
        "rules": DERIVED_RULES,
        "unusual_inputs": [
            {"path": "$.batches", "provenance": f"recorded by heap-forward serve{since}: every batch as mParticle's clients sent it, in their own spellings"}
        ],
        "batches": batches,
    }


def fixture_batch(batch: Mapping[str, Any]) -> dict[str, Any]:
    """The batch as the fixture schema wants it: `events` present, no nulls where the schema types a field."""
    copy = {key: value for key, value in batch.items() if not (key in _NULL_MEANS_ABSENT and value is None)}
    if copy.get("events") is None:
        copy["events"] = []
    return copy
