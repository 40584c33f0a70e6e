"""Documents generated from code must match the code."""

from __future__ import annotations

from pathlib import Path

from heap_mock.docs.fidelity_md import render
from heap_mock.rules import RULES

ROOT = Path(__file__).resolve().parents[2]


def test_fidelity_md_is_generated_from_the_rule_catalogue() -> None:
    assert (ROOT / "FIDELITY.md").read_text() == render(), "run: python -m heap_mock.docs.fidelity_md > FIDELITY.md"


def test_every_rule_the_code_raises_is_in_the_catalogue() -> None:
    import re

    raised = set()
    for path in (ROOT / "heap_mock").rglob("*.py"):
        raised |= set(re.findall(r'"((?:[a-z_]+\.)+[a-z_]+)"', path.read_text()))
    candidates = {name for name in raised if name.split(".")[0] in {r.split(".")[0] for r in RULES}}
    unknown = {name for name in candidates if name not in RULES and not name.startswith(("heap_mock.", "limit."))}
    assert not unknown, f"rule IDs used in code but missing from heap_mock/rules.py: {sorted(unknown)}"
