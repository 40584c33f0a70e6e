"""The simulator's version, read from the installed package's metadata (pyproject.toml writes it
once; `heap_facts.entry` is the one reader, shared with every command's `--version`). Read on first
use, not at import: the metadata costs every start of `heap-mock serve` tens of milliseconds."""

from __future__ import annotations

import functools

from heap_facts.entry import installed_version


@functools.cache
def version() -> str:
    return installed_version()
