"""Fixture files: mParticle batches written for the rules, with the settings to forward them with.

A fixture is data (`fixtures/*.json`, described by `fixtures/fixture.schema.json`), so another
team can read and reuse it without our code. Large bursts are written compactly with a
`{"$repeat": N, "item": ..., "step": {...}}` element, expanded here when the fixture is loaded.

Where the bundled fixtures are: in a checkout (or an editable install) the repo's top-level
`fixtures/`; in an installed wheel `conformance/bundled/`, which pyproject.toml maps from that same
folder. The schema always comes from there, so a folder of a team's own fixtures needs only
their fixture files.

A fixture is checked whole before anything runs (`load_fixture`): the fixture schema, known rule
IDs, then its batches as mParticle input (conformance/inputs.py: mParticle's Events API schema
with the fixture's declared unusual inputs, known event types, a timestamp for every event and no
two alike). Any problem is a FixtureError naming the file and the JSON path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from conformance.inputs import UnusualInput, check_batches, timestamp_problems
from heap_facts.names import MPID

SCHEMA_NAME = "fixture.schema.json"


def bundled_fixtures_dir() -> Path:
    """The bundled fixtures: packaged beside this module in a wheel, else the checkout's `fixtures/`."""
    packaged = Path(__file__).resolve().parent / "bundled"
    return packaged if (packaged / SCHEMA_NAME).is_file() else Path(__file__).resolve().parent.parent / "fixtures"


FIXTURES_DIR = bundled_fixtures_dir()
SCHEMA_PATH = FIXTURES_DIR / SCHEMA_NAME


class FixtureError(ValueError):
    """A fixture file that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class ForwarderSettings:
    """The four connection settings the seed page documents."""

    app_id: str
    external_id: str = MPID
    forward_user_attributes: bool = False
    forward_web_requests_server_side: bool = True

    def environment(self) -> dict[str, str]:
        """The settings as the environment a `--forwarder-cmd` program receives."""
        return {
            "HEAP_APP_ID": self.app_id,
            "HEAP_EXTERNAL_ID": self.external_id,
            "HEAP_FORWARD_USER_ATTRIBUTES": _flag(self.forward_user_attributes),
            "HEAP_FORWARD_WEB_SERVER_SIDE": _flag(self.forward_web_requests_server_side),
        }


def _flag(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True)
class FaultSpec:
    """A fault the simulator injects; `retry_after_s` is in simulated seconds."""

    path: str
    status: int | None = None
    retry_after_s: int | None = None
    times: int | None = None
    drop_connection: bool = False
    after_processing: bool = False

    def control_body(self, clock_rate: float) -> dict[str, Any]:
        """The body for `POST /_mock/faults`. Retry-After is in real seconds, so a scaled clock divides it."""
        body: dict[str, Any] = {"path": self.path, "drop_connection": self.drop_connection, "after_processing": self.after_processing}
        if self.status is not None:
            body["status"] = self.status
        if self.times is not None:
            body["times"] = self.times
        if self.retry_after_s is not None:
            body["retry_after"] = retry_after_header(self.retry_after_s, clock_rate)
        return body


def retry_after_header(wait_s: float, clock_rate: float) -> int:
    """Whole real seconds covering `wait_s` simulated seconds at `clock_rate` (0 or 1: the same)."""
    rate = clock_rate if clock_rate > 1 else 1.0
    return max(1, -int(-wait_s // rate))


DERIVED = "derived"  # `"rules": "derived"`: judged on every rule its batches give something to judge


@dataclass(frozen=True)
class Fixture:
    id: str
    path: Path
    description: str
    settings: ForwarderSettings
    rules: tuple[str, ...]  # the rules it names (empty when derived)
    batches: tuple[dict[str, Any], ...] = field(repr=False)
    faults: tuple[FaultSpec, ...] = ()
    deliveries: int = 1
    may_fail: bool = False
    golden: bool = True
    derived_rules: bool = False
    unusual: tuple[UnusualInput, ...] = ()  # where its batches differ from the Events API schema, and why

    def judges(self, rule_id: str) -> bool:
        """Whether this fixture is judged on a rule: one it names, or any when its rules are derived."""
        return self.derived_rules or rule_id in self.rules

    @property
    def golden_dir(self) -> Path:
        """Where this fixture's golden file lives: `golden/` beside the fixture file."""
        return self.path.parent / "golden"

    @property
    def event_count(self) -> int:
        return sum(len(batch.get("events") or []) for batch in self.batches)


def fixture_schema() -> dict[str, Any]:
    """The fixture schema, from the package (never from a user's fixture folder)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def fixture_paths(directory: Path = FIXTURES_DIR) -> list[Path]:
    """Every fixture file, in name order (which is also the order of test IDs)."""
    return sorted(path for path in directory.glob("*.json") if path.name != SCHEMA_NAME)


def schema_errors(document: Any, schema: Mapping[str, Any]) -> list[str]:
    """Every schema violation of one fixture document, each naming its JSON path.

    Where a value matches none of a `oneOf` (a batch, or a `$repeat` of batches), the violation
    shown is the deepest one inside it, which names the field actually wrong.
    """
    validator = jsonschema.Draft202012Validator(schema)
    errors = [_deepest(error) for error in validator.iter_errors(document)]
    return [f"{error.json_path}: {_message(error)}" for error in sorted(errors, key=lambda error: error.json_path)]


def _message(error: Any) -> str:
    """The schema's message; for a key it does not know, with the keys it allows."""
    message = _short(error.message)
    if error.validator == "additionalProperties" and isinstance(error.schema.get("properties"), dict):
        message += f"; allowed: {', '.join(error.schema['properties'])}"
    return message


def _deepest(error: Any) -> Any:
    while error.context:
        error = max(error.context, key=lambda sub: len(sub.absolute_path))
    return error


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def load_fixture(path: Path, schema: Mapping[str, Any] | None = None) -> Fixture:
    """Read, validate and expand one fixture file; a FixtureError names the file and the JSON path of each problem."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FixtureError(f"{path}: cannot read fixture ({error})") from None
    errors = schema_errors(document, schema if schema is not None else fixture_schema()) or unknown_rules(document)
    if errors:
        raise FixtureError(f"{path}: does not match the fixture schema:\n  " + "\n  ".join(errors))
    try:
        batches = expand(document["batches"])
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise FixtureError(f"{path}: cannot expand $.batches: {type(error).__name__}: {error}") from None
    problems, unusual = check_batches(document["batches"], document.get("unusual_inputs", []))
    problems += timestamp_problems(batches, document["batches"])
    if problems:
        raise FixtureError(f"{path}: its batches are not usable mParticle input:\n  " + "\n  ".join(problems))
    return _build(path, document, batches, unusual)


def unknown_rules(document: dict[str, Any]) -> list[str]:
    """`$.rules[i]: unknown rule ID` for each rule the catalogue does not have."""
    from conformance.rules import RULES

    if document["rules"] == DERIVED:
        return []
    return [f"$.rules[{index}]: unknown rule ID {rule_id!r} (see heap-conformance --list-rules)" for index, rule_id in enumerate(document["rules"]) if rule_id not in RULES]


def _build(path: Path, document: dict[str, Any], batches: list[dict[str, Any]], unusual: tuple[UnusualInput, ...]) -> Fixture:
    scenario = document.get("scenario", {})
    derived = document["rules"] == DERIVED
    return Fixture(
        id=path.stem,
        path=path,
        description=document["description"],
        settings=ForwarderSettings(**document["settings"]),
        rules=() if derived else tuple(document["rules"]),
        batches=tuple(batches),
        faults=tuple(FaultSpec(**fault) for fault in scenario.get("faults", [])),
        deliveries=scenario.get("deliveries", 1),
        may_fail=scenario.get("may_fail", False),
        golden=document.get("golden", True),
        derived_rules=derived,
        unusual=unusual,
    )


def load_fixtures(directory: Path | list[Path] = FIXTURES_DIR, ids: list[str] | None = None) -> list[Fixture]:
    """All fixtures in `directory` (or in each of several), or those named by `ids`, validated against the schema.

    With `ids`, only those files are read: expanding every fixture (the bursts repeat thousands of
    events) to run one of them cost each test half a second.
    """
    directories = directory if isinstance(directory, list) else [directory]
    paths = [path for folder in directories for path in fixture_paths(folder)]
    _refuse_clashes(paths)
    if ids is not None:
        known = {path.stem: path for path in paths}
        missing = [fixture_id for fixture_id in ids if fixture_id not in known]
        if missing:
            raise FixtureError(f"no such fixture(s): {', '.join(missing)}")
        paths = [known[fixture_id] for fixture_id in ids]
    schema = fixture_schema()
    return [load_fixture(path, schema) for path in paths]


def _refuse_clashes(paths: list[Path]) -> None:
    """A fixture's ID is its file name without `.json`: two folders may not both have one."""
    seen: dict[str, Path] = {}
    for path in paths:
        if path.stem in seen:
            raise FixtureError(f"{path}: fixture ID {path.stem!r} is also {seen[path.stem]}; rename one of them")
        seen[path.stem] = path


# --- `$repeat` expansion ----------------------------------------------------------------------

_N = re.compile(r"\{n\}")


def expand(value: Any) -> Any:
    """Expand every `$repeat` element of every list in `value`, depth first."""
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            if isinstance(item, dict) and "$repeat" in item:
                out.extend(_copies(item))
            else:
                out.append(expand(item))
        return out
    if isinstance(value, dict):
        return {key: expand(item) for key, item in value.items()}
    return value


def _copies(directive: dict[str, Any]) -> list[Any]:
    template = expand(directive["item"])
    steps: dict[str, float] = directive.get("step", {})
    return [_instance(template, n, steps) for n in range(directive["$repeat"])]


def _instance(template: Any, n: int, steps: dict[str, float]) -> Any:
    instance = _substitute(template, str(n))  # a new container for every one of the template's: no copy needed
    for dotted, step in steps.items():
        _add_at(instance, dotted.split("."), n * step)
    return instance


def _substitute(value: Any, n: str) -> Any:
    if isinstance(value, str):
        return _N.sub(n, value)
    if isinstance(value, list):
        return [_substitute(item, n) for item in value]
    if isinstance(value, dict):
        return {_substitute(key, n): _substitute(item, n) for key, item in value.items()}
    return value


def _add_at(target: Any, keys: list[str], amount: float) -> None:
    """Add `amount` to the number at a dotted path; list positions are written as numbers (`events.0`)."""
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last: Any = int(keys[-1]) if isinstance(target, list) else keys[-1]
    current = target[last]
    total = current + amount
    target[last] = int(total) if isinstance(current, int) and float(amount).is_integer() else total
