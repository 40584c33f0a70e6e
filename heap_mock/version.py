"""The simulator's version, read once from the installed package's metadata (pyproject.toml writes
it once; `heap_facts.entry` is the one reader, shared with every command's `--version`)."""

from __future__ import annotations

from heap_facts.entry import installed_version

VERSION = installed_version()
