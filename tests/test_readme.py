"""The README's tables and synopses say what the code does: the config table is `Config`, the
endpoint tables are the route table, and every option a command synopsis shows is in its --help."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import conformance.cli
import forwarder.cli
import heap_mock.cli
from heap_mock.cli import build_parser
from heap_mock.config import Config
from heap_mock.routes import API_ROUTES, HEAP

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def table_after(heading: str) -> list[list[str]]:
    """The rows (cells) of the first table under `heading`, header and rule left out."""
    section = README[README.index(heading):]
    lines = section[section.index("\n|"):].strip().splitlines()
    rows = [line for line in lines[: next((i for i, line in enumerate(lines) if not line.startswith("|")), len(lines))]]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def calls(cell: str) -> set[tuple[str, str]]:
    """`GET /a?x=`, `POST /b`, `DELETE` (a bare method: the path before it) as (method, path) pairs."""
    found: set[tuple[str, str]] = set()
    path = ""
    for code in re.findall(r"`([^`]+)`", cell):
        method, _, rest = code.partition(" ")
        path = rest.split("?")[0] if rest else path
        found.add((method, re.sub(r"<(\w+)>", r"{\1}", path)))
    return found


def test_the_endpoint_tables_are_the_route_table() -> None:
    heap = {call for row in table_after("### Heap's endpoints, at Heap's paths") for call in calls(row[0])}
    own = {call for row in table_after("### Inspection and control: `/_mock/`") for call in calls(row[0])}
    assert heap == {(r.method, r.template) for r in API_ROUTES if r.family == HEAP}
    assert own == {(r.method, r.template) for r in API_ROUTES if r.family != HEAP}


def readme_value(text: str) -> object:
    text = text.strip().strip("`")
    if text.startswith("["):
        return json.loads(text)
    return {"true": True, "false": False, "null": None}.get(text, text.strip('"') if text.startswith('"') else float(text) if text[0].isdigit() else text)


def test_the_config_table_is_config() -> None:
    defaults = Config().to_json()
    documented: dict[str, object] = {}
    for key_cell, default_cell, _ in table_after("### Configuration"):
        keys = re.findall(r"`(\w+)`", key_cell)
        values = [readme_value(part) for part in default_cell.split(",")] if len(keys) > 1 else [readme_value(default_cell)]
        documented.update(zip(keys, values, strict=True))
    assert set(documented) == {field.name for field in dataclasses.fields(Config)}
    for key, value in documented.items():
        if key != "limits":  # "documented": the limits table above gives them
            expected = defaults[key]
            assert value == (float(expected) if isinstance(expected, (int, float)) and not isinstance(expected, bool) else expected), key


MAINS: dict[str, Callable[[list[str]], int]] = {"heap-mock": heap_mock.cli.main, "heap-forward": forwarder.cli.main, "heap-conformance": conformance.cli.main}


def options_in_help(program: str, capsys: pytest.CaptureFixture[str]) -> set[str]:
    """Every --option that `program --help` prints (a subcommand's own, for `heap-mock serve`), from the
    command's own `main` in this process: the console scripts run the same function
    (tests/test_cli_hygiene.py runs each of them as a process)."""
    command, *subcommand = program.split(" ")
    with pytest.raises(SystemExit) as exited:
        MAINS[command]([*subcommand, "--help"])
    assert exited.value.code == 0
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", capsys.readouterr().out))


SUBCOMMANDS = ("heap-mock serve", "heap-forward serve")


def synopsis_options(program: str) -> set[str]:
    """Every --option on README code lines that run `program` (with their continuation lines),
    a subcommand's lines counting for the subcommand alone."""
    options: set[str] = set()
    others = [sub for sub in SUBCOMMANDS if sub.startswith(program + " ")]
    for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL):
        for command in re.split(r"(?<!\\)\n", block):
            if command.startswith(program + " ") and not command.startswith(tuple(sub + " " for sub in others)):
                options |= set(re.findall(r"(--[a-z][a-z0-9-]*)", command.split("#")[0]))
    return options


def test_the_simulator_synopsis_is_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    serve = build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    shown = {option for action in serve._actions for option in action.option_strings if option.startswith("--")}
    assert synopsis_options("heap-mock serve") == shown - {"--help"}
    assert options_in_help("heap-mock serve", capsys) == shown


@pytest.mark.parametrize("program", ["heap-forward", "heap-forward serve", "heap-conformance"])
def test_every_option_a_synopsis_shows_is_in_the_commands_help(program: str, capsys: pytest.CaptureFixture[str]) -> None:
    shown = synopsis_options(program)
    assert shown, f"no synopsis of {program} in the README"
    helped = options_in_help(program, capsys)
    assert shown <= helped, f"{program}: options in the README but not in --help: {sorted(shown - helped)}"



LAYOUT_PACKAGES = ("heap_facts", "http_layer", "heap_mock", "forwarder", "conformance")


def layout_block() -> dict[str, str]:
    """The README's layout, as the text written under each top-level folder."""
    text = README.split("### Layout", 1)[1].split("```", 2)[1]
    sections: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        if line and not line.startswith(" "):
            current = line.split()[0].rstrip("/")
            sections[current] = line
        elif current:
            sections[current] += "\n" + line
    return sections


def test_the_layout_names_only_what_exists_and_every_package_and_module_of_the_two_servers() -> None:
    sections = layout_block()
    for package in LAYOUT_PACKAGES:
        named = set(re.findall(r"(?<![/\w])(\w+\.py|\w+/)", sections[package]))
        missing = sorted(name for name in named if not list((ROOT / package).rglob(name.rstrip("/"))) and not (ROOT / name).exists() and name != f"{package}/")
        assert not missing, f"the README's layout names what {package}/ does not hold: {missing}"
        subpackages = {path.parent.relative_to(ROOT / package).parts[-1] + "/" for path in (ROOT / package).rglob("__init__.py") if path.parent != ROOT / package}
        assert subpackages <= named, f"{package}/'s packages the layout leaves out: {sorted(subpackages - named)}"
    for package in ("http_layer", "heap_mock"):
        modules = {path.name for path in (ROOT / package).glob("*.py")} - {"__init__.py", "__main__.py"}
        named = set(re.findall(r"\b([\w]+\.py)", sections[package]))
        assert modules <= named, f"{package}/'s modules the layout leaves out: {sorted(modules - named)}"
