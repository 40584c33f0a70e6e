"""heap_facts: the one source of Heap's and the seed's facts, and the rule that nobody keeps a copy."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import math
import pkgutil
from enum import Enum
from pathlib import Path
from types import ModuleType

import pytest

import heap_facts
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


Fact = str | int | float
SCANNED = ("heap_mock", "http_layer", "forwarder", "conformance")
# heap_facts' modules that hold facts: not entry.py (how a command starts and ends) nor fields.py
# (how settings and control input are checked), which hold none of Heap's or the seed's.
FACT_MODULES = sorted(info.name for info in pkgutil.iter_modules(heap_facts.__path__) if info.name not in {"entry", "fields"})
GENERIC_STRINGS = frozenset({"", "id"})
ROUND_NUMBERS = frozenset({30, 60})
ARITHMETIC = (ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
NOT_A_FACT = "# not a heap_facts value:"
TIME_HELPERS = {"fromisoformat", "fromtimestamp"}


def fact_values() -> dict[Fact, str]:
    """Every value heap_facts defines, with the names it is defined under (see `test_no_package_keeps_its_own_copy_of_a_fact`)."""
    names: dict[Fact, set[str]] = {}
    for module_name in FACT_MODULES:
        module = importlib.import_module(f"heap_facts.{module_name}")
        for name, value in vars(module).items():
            if not name.startswith("_") and not isinstance(value, (type, ModuleType)) and not callable(value):
                _collect(value, f"heap_facts.{module_name}.{name}", names)
    for value, where in list(names.items()):
        if isinstance(value, str) and any(name.endswith("_HEADER") for name in where):
            names[value.lower()] = where  # HTTP reads a header's name in any case
    return {value: _named(where) for value, where in names.items()}


def _named(where: set[str]) -> str:
    """The constants a value is, or if it is none of them, the collections and records that hold it."""
    direct = sorted(name for name in where if "[" not in name and name.count(".") == 2)
    return " or ".join(direct or sorted(where))


def _collect(value: object, where: str, names: dict[Fact, set[str]]) -> None:
    if isinstance(value, (bool, Enum)) or value is None:
        return
    if isinstance(value, (str, int, float)):
        names.setdefault(value, set()).add(where)
    elif isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            _collect(item, f"{where}[...]", names)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, f"{where}[...]", names)
    elif dataclasses.is_dataclass(value):
        for record_field in dataclasses.fields(value):
            if record_field.name != "name":
                _collect(getattr(value, record_field.name), f"{where}.{record_field.name}", names)


def is_generic(value: Fact) -> bool:
    """Values too common to say, by themselves, that they copy a fact (the reasons are in the test below)."""
    if isinstance(value, str):
        return value in GENERIC_STRINGS
    if abs(value) <= 2 or value in ROUND_NUMBERS:
        return True
    return value >= 10 and value == 10 ** round(math.log10(value))


def _skipped(tree: ast.AST, lines: list[str]) -> set[int]:
    """ids of the literals that are not code standing in for a value: docstrings, the text around an
    f-string's fields, the spellings a `Literal[...]` type lists, the factors of arithmetic (a unit
    such as `* 1024` or `/ 1000`), and literals on a line that says it holds no fact."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            skipped.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            skipped |= {id(part) for part in node.values if isinstance(part, ast.Constant)}
        if isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Name, ast.Attribute)) and getattr(node.value, "id", getattr(node.value, "attr", "")) == "Literal":
            skipped |= {id(inner) for inner in ast.walk(node.slice)}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
            skipped |= {id(side) for side in (node.left, node.right)}
        if isinstance(node, ast.Constant) and NOT_A_FACT in lines[node.lineno - 1]:
            skipped.add(id(node))
    return skipped


def copies(source: str, facts: dict[Fact, str]) -> list[tuple[int, str]]:
    """(line, what) for every literal in `source` that is a heap_facts value written out instead of imported."""
    tree = ast.parse(source)
    skipped = _skipped(tree, source.splitlines())
    found = []
    for node in ast.walk(tree):
        value = node.value if isinstance(node, ast.Constant) else None
        if id(node) in skipped or isinstance(value, bool) or not isinstance(value, (str, int, float)):
            continue
        if value in facts and not is_generic(value):
            found.append((node.lineno, f"{value!r} is {facts[value]}"))
    return sorted(found)


def test_no_package_keeps_its_own_copy_of_a_fact() -> None:
    """Any literal in heap_mock, http_layer, forwarder or conformance equal to a value heap_facts defines
    fails, whichever fact it is and wherever it stands: a copy drifts, and a copy in the judge (the
    conformance suite) beside another in the judged (the forwarder) hides exactly the bug the judge is for.

    What heap_facts defines: every public module-level value of its fact modules, strings and numbers,
    the members of its tuples and sets, the values of its dicts and the fields of its records (a
    limit's numbers, its endpoint). Not a record's `name` nor a dict's keys: those are how code refers
    to a fact (`DOCUMENTED_LIMITS["track"]`), as it refers to a constant by its identifier. Not an
    enum's members, which code names through their class (`Unit.EVENTS`). A header's name counts in
    any case, since HTTP reads it so.

    Where a literal is not code standing in for a value, it does not count: docstrings, comments, the
    prose around an f-string's fields (rule statements and messages), the spellings a `Literal[...]`
    type must list for a type checker, and the factors of arithmetic (`* 1024`, `/ 1000`), which are
    units, not limits.

    Too generic to count, because their value alone cannot say which fact they are:
    - True, False, None, and numbers from -2 to 2: flags, counters and indexes;
    - "": every default of an optional text;
    - "id": the key of every record (a fault rule's, a journal entry's, a product's), and also the
      user property Heap reserves; the two spellings cannot be told apart;
    - round numbers, a power of ten (10, 1000, 10_000) or 30 and 60: a page of 1000, a journal of
      10,000 entries, a 30 s timeout, a 60-character preview are everyone's choice, so a literal 1000
      is no more Heap's bulk limit than a page size. The facts with these values are still imported
      where they are meant; this test guards the values that say which fact they are (1023, 1024,
      255, 15,000, 2^53 - 1, Heap's paths, the lineage header, the seed's names and platforms, the
      suite's start instant).
    A literal that equals a fact by coincidence says so on its line (`# not a heap_facts value: why`).
    """
    facts = fact_values()
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for package in SCANNED
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, what in copies(path.read_text(), facts)
    ]
    assert not found, "literals that are heap_facts values; import them instead:\n" + "\n".join(found)


def test_the_copy_finder_finds_copies_and_passes_what_is_not_one() -> None:
    # The test above could pass by never looking: the finder must see copies that are there.
    facts = fact_values()
    source = '''
"""/api/track is documented; 1024 too."""
PATH = "/api/track"  # a copy
header = request.header("x-heap-sim-lineage")  # a header's name in another case
cut = text[:1023]
plan = {"limit": 15000}
size = 8 * 1024 * 1024  # a unit
page = 1000  # round
name: Literal["Item"] = "x"
note = f"cut at 1024 {x}"
key = record["id"]
backlog = 255  # not a heap_facts value: a queue's length
'''
    assert [what.split(" is ")[0] for _, what in copies(source, facts)] == ["'/api/track'", "'x-heap-sim-lineage'", "1023", "15000"]
    assert is_generic(1000) and is_generic(10_000) and is_generic(60.0) and not is_generic(1024) and not is_generic(15_000)


def test_every_fact_module_is_read() -> None:
    facts = fact_values()
    assert {"/api/track", "X-Heap-Sim-Lineage", "x-heap-sim-lineage", 1023, 1024, 255, 15_000, "Viewed: ", "smarttv", "Data Feeds", "mpid"} <= set(facts)
    assert "2026-01-01T00:00:00Z" in facts  # the suite's start instant
    assert "track" not in facts and "events" not in facts  # a limit's name and a unit's are ways to refer, not values


def test_no_package_parses_time_or_writes_2_53_itself() -> None:
    """The other forms a fact takes in code: the ISO time helpers (heap_facts.times is the one way to
    read and write an instant) and 2^53, computed rather than written out."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {what}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        for what in [_computed_fact(node)]
        if what
    ]
    assert not found, "\n".join(found)


def _computed_fact(node: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) and node.right.value == 53:
        return "2^53"
    if isinstance(node, ast.Attribute) and node.attr in TIME_HELPERS:
        return f"an ISO time helper ({node.attr})"
    return None
