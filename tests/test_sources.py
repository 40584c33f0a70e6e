"""Every source key the docs and rule catalogues cite can be followed inside the repo: SOURCES.md
lists it with a public location and what it says."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITING = [
    "FIDELITY.md", "MAPPING.md", "README.md", "heap_mock/rules.py", "heap_mock/docs/fidelity_md.py", "heap_mock/fidelity.py", "conformance/rules.py",
    "conformance/inputs.py", *[str(path.relative_to(ROOT)) for path in sorted((ROOT / "fixtures").glob("*.json"))],
    *[str(path.relative_to(ROOT)) for path in sorted((ROOT / "heap_facts").glob("*.py"))],
    *[str(path.relative_to(ROOT)) for path in sorted((ROOT / "forwarder").glob("*.py"))],
]  # fmt: skip
KEY = re.compile(r"\b(D-[a-z]+|H-[a-z]+|S[0-9]{1,2}|RUBY|NODE|PY|SEG(?:2|-core|-old)?|RUD|AIR|LOOK|PHP[12]|MCP|I18N|ZEO|TEAL|DG|KIT|OBS)\b(?![-\w])")
CELL = re.compile(r"(?<!\\)\|")  # a table cell border, not an escaped `\|` inside a cell
NOTES = re.compile(r"\b((?:heap-api|mparticle-batch)\.md(?: ?§[0-9.]*[0-9])?|mparticle-heap-integration\.txt)")


def listed() -> dict[str, str]:
    """SOURCES.md's keys, each with the rest of its table row."""
    lines = ROOT.joinpath("SOURCES.md").read_text().splitlines()
    rows = [CELL.split(line) for line in lines if line.startswith("| ") and not line.startswith("| key")]
    return {cells[1].strip(): "|".join(cells[2:]) for cells in rows if len(cells) > 3}


def cited() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name in CITING:
        text = ROOT.joinpath(name).read_text()
        for key in [*KEY.findall(text), *NOTES.findall(text)]:
            found.setdefault(key, set()).add(name)
    return found


def test_every_cited_key_is_in_sources_md() -> None:
    known = listed()
    missing = {key: sorted(files) for key, files in cited().items() if key not in known}
    assert not missing, missing


def test_every_source_says_where_it_is_and_what_it_says() -> None:
    for key, row in listed().items():
        cells = [cell.strip() for cell in CELL.split(row) if cell.strip()]
        assert cells and all(len(cell) > 5 for cell in cells), key
        public = "http" in row or "github.com" in row or key.endswith((".md", ".txt")) or "§" in key or key in {"OBS", "KIT"}
        assert public, f"{key}: no public location"


def test_the_key_pattern_finds_the_citations_it_should() -> None:
    assert {"D-track", "S6", "KIT", "heap-api.md §7.14"} <= set(cited())
