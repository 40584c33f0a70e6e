"""heap_facts: the one source of Heap's and the seed's facts, and the rule that nobody keeps a copy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from heap_facts.lengths import cut_forms, is_accepted_cut
from heap_facts.limits import DOCUMENTED_LIMITS, Scope, limits_table
from heap_facts.platforms import is_supported_platform, platform_key
from heap_facts.times import epoch_ms_of, iso_utc, parse_iso

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("heap_mock", "forwarder", "conformance")


@pytest.mark.parametrize("spelling", ["Android", " Android ", "IOS", "iOS", "tvOS", "SmartTV", "smart_tv", "Smart TV", "WEB", "web"])
def test_every_spelling_of_a_supported_platform_is_recognised(spelling: str) -> None:
    assert is_supported_platform(spelling)


@pytest.mark.parametrize("spelling", ["roku", "xbox", "fire_tv", "alexa", "Android TV"])
def test_unsupported_platforms_stay_unsupported(spelling: str) -> None:
    assert not is_supported_platform(spelling)


def test_a_batch_without_platform_is_a_data_feed_and_supported() -> None:
    assert is_supported_platform(None) and is_supported_platform("  ")
    assert platform_key(" Smart_TV ") == "smarttv"


def test_long_text_may_arrive_cut_to_1023_or_1024_and_short_text_only_whole() -> None:
    long = "x" * 1500
    assert cut_forms(long) == {"x" * 1023, "x" * 1024}
    assert is_accepted_cut("x" * 1023, long) and is_accepted_cut("x" * 1024, long)
    assert not is_accepted_cut("x" * 1022, long) and not is_accepted_cut(long, long)
    assert is_accepted_cut("x" * 1024, "x" * 1024) and is_accepted_cut("x" * 1023, "x" * 1024)
    assert not is_accepted_cut("x" * 1022, "x" * 1023)


def test_limits_say_their_scope() -> None:
    assert DOCUMENTED_LIMITS["bulk_app"].scope is Scope.APP
    assert limits_table()["track"] == {"limit": 30, "window_s": 30.0}


def test_one_iso_rendering_round_trips() -> None:
    assert iso_utc(1634262037939) == "2021-10-15T01:40:37.939Z"
    assert iso_utc(1000) == "1970-01-01T00:00:01.000Z"
    assert iso_utc(-62135596800000) == "0001-01-01T00:00:00.000Z"
    assert epoch_ms_of(parse_iso("2021-10-15T01:40:37.939Z")) == 1634262037939
    assert epoch_ms_of(1.001) == 1001  # rounded to the microsecond before flooring


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def test_heap_facts_imports_none_of_the_packages_that_use_it() -> None:
    for path in (ROOT / "heap_facts").glob("*.py"):
        assert not {name.split(".")[0] for name in _imports(path)} & set(PACKAGES), path.name


# The facts that had drifted, as the code that used to stand in for them. Prose (docstrings, rule
# statements, quoted source sentences) may say the numbers; code must take them from heap_facts.
FACT_NUMBERS = {1023: "the kit's cut", 1024: "a length limit", 255: "the identity length", 15_000: "the app-wide bulk limit"}
FACT_STRINGS = {"||", "smart_tv", "smarttv", "Viewed: ", "Item", "Impression Event", "Product Action Event", "Promotion Event"}
TIME_HELPERS = {"fromisoformat", "fromtimestamp"}


def _copies(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every fact written as a literal instead of imported."""
    scaled = {id(node) for binop in ast.walk(tree) if isinstance(binop, ast.BinOp) and isinstance(binop.op, ast.Mult) for node in (binop.left, binop.right)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value in FACT_NUMBERS and id(node) not in scaled:
            found.append((node.lineno, f"{node.value}: {FACT_NUMBERS[node.value]}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in FACT_STRINGS:
            found.append((node.lineno, f"{node.value!r}"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) and node.right.value == 53:
            found.append((node.lineno, "2^53"))
        elif isinstance(node, ast.Attribute) and node.attr in TIME_HELPERS:
            found.append((node.lineno, f"an ISO time helper ({node.attr})"))
    return found


def test_no_package_keeps_its_own_copy_of_a_fact() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, what in _copies(ast.parse(path.read_text()))
    ]
    assert not found, "\n".join(found)
