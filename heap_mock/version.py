"""The simulator's version, read from the installed package's metadata (pyproject.toml writes it once)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "heap-sim"


def installed_version() -> str:
    """The version pip installed; `0+unknown` when run from a tree that was never installed."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"


VERSION = installed_version()
