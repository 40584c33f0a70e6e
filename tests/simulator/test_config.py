"""The simulator's config: every key is checked by its rule (heap_facts.fields), and a refusal names
the key's path, the rule and what came, shown safely, however large or odd the value."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from heap_mock.config import CHECKS, Config, ConfigError, LimitSpec


def test_every_key_has_a_check_and_every_check_a_key() -> None:
    # A new setting cannot be added without saying what it takes.
    assert set(CHECKS) == {field.name for field in dataclasses.fields(Config)}


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_a_value_of_the_wrong_kind_is_refused_naming_the_key(key: str) -> None:
    wrong = "five" if key not in ("session_file", "deletion_api_key") else 5
    with pytest.raises(ConfigError) as refused:
        Config.from_mapping({key: wrong})
    assert refused.value.path == f"config.{key}" and str(refused.value).startswith(f"config.{key} must be")
    assert refused.value.shown in ("the text 'five'", "the number 5")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"max_events": True}, "config.max_events must be a positive whole number, got the boolean true"),
        ({"deletion_token_ttl_s": math.inf}, "config.deletion_token_ttl_s must be a number of seconds >= 0, got the number inf"),
        ({"identify_window_days": math.nan}, "config.identify_window_days must be a number of days >= 0, got the number nan"),
        ({"throttle_status": 10**5000}, "config.throttle_status must be an HTTP error status from 400 to 599, got a whole number of 5001 digits"),
        ({"long_values": "cut"}, """config.long_values must be "reject" or "truncate", got the text 'cut'"""),
        ({"allowed_hosts": ["ok", ""]}, 'config.allowed_hosts must be a list of host names ("*" allows any), got a list'),
        ({"limits": {"trak": {}}}, "config.limits.trak is unknown; known: bulk_app, bulk_identity, track, user_properties"),
        ({"limits": {"track": {"limit": 0}}}, "config.limits.track.limit must be a positive whole number, got the number 0"),
        ({"limits": {"track": {"window_s": -1}}}, "config.limits.track.window_s must be a number of seconds > 0, got the number -1"),
        ({"limits": {"track": {"per": "app"}}}, "config.limits.track.per is unknown; known: limit, window_s"),
        ({"limits": {"track": 5}}, "config.limits.track must be an object, got the number 5"),
    ],
)
def test_a_wrong_value_is_refused_by_path_rule_and_what_came(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_mapping(values)
    assert str(refused.value) == message


def test_a_huge_value_is_shown_cut_to_one_short_line() -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_mapping({"fidelity": "live\n" * 10_000})
    assert len(str(refused.value)) < 150 and "\n" not in str(refused.value) and "(50000 characters)" in str(refused.value)


def test_values_of_the_right_kind_are_taken_as_json_reads_them() -> None:
    config = Config.from_mapping({"max_events": 5.0, "identify_window_days": 1, "limits": {"track": {"limit": 5}}, "allowed_hosts": ["a"]})
    assert (config.max_events, type(config.max_events)) == (5, int)
    assert (config.identify_window_days, config.limits["track"], config.allowed_hosts) == (1.0, LimitSpec(5, 30.0), ("a",))


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot be read (No such file or directory)"), ("[1]", "must be an object, got a list"), ("{oops", "is not valid JSON")],
)
def test_a_config_file_that_cannot_be_used_says_why(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "heap.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as refused:
        Config.from_file(path)
    assert str(refused.value).startswith(f"config file {path} {message}")


def test_a_good_config_file_loads() -> None:
    assert Config.from_mapping(json.loads('{"journal_limit": 10, "fidelity": "documented"}')).journal_limit == 10
