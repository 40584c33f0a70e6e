"""CI runs every benchmark briefly, so a benchmark that breaks is noticed. Figures are not asserted."""

from __future__ import annotations

import importlib

import pytest

from bench.__main__ import benchmark_names


@pytest.mark.parametrize("name", benchmark_names())
def test_benchmark_runs_briefly(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    figures = importlib.import_module(f"bench.{name}").run(quick=True)
    assert figures, f"{name} reported no figures"
    assert all(isinstance(value, (int, float)) for value in figures.values())
    assert capsys.readouterr().out.strip(), f"{name} printed nothing"
