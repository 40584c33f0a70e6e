from __future__ import annotations

from typing import Any

import pytest

from forwarder import Settings, SettingsError


def test_defaults_are_the_seeds() -> None:
    settings = Settings(app_id="11")
    assert (settings.external_id, settings.forward_user_attributes, settings.forward_web_requests_server_side) == ("mpid", False, True)


@pytest.mark.parametrize(("given", "expected"), [("mpid", "mpid"), ("MPID", "mpid"), ("customer_id", "customer_id"), ("Customer ID", "customer_id"), ("customerid", "customer_id")])
def test_external_id_spellings(given: str, expected: str) -> None:
    assert Settings(app_id="11", external_id=given).external_id == expected  # type: ignore[arg-type]


def test_numeric_app_id_becomes_text() -> None:
    assert Settings(app_id=123).app_id == "123"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"app_id": ""}, "app_id must be the numeric Heap environment ID (digits only), got empty text"),
        ({"app_id": None}, "app_id must be the numeric Heap environment ID (digits only), got null"),
        ({"app_id": "abc"}, "app_id must be the numeric Heap environment ID (digits only), got the text 'abc'"),
        ({"app_id": "11", "external_id": "email"}, 'external_id must be "mpid" or "customer_id", got the text \'email\''),
        ({"app_id": "11", "forward_user_attributes": "yes"}, "forward_user_attributes must be true or false, got the text 'yes'"),
        ({"app_id": "11", "forward_web_requests_server_side": 1}, "forward_web_requests_server_side must be true or false, got the number 1"),
    ],
)
def test_bad_settings_are_refused_by_name(kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings(**kwargs)
    assert str(refused.value) == named


def test_settings_are_frozen() -> None:
    settings = Settings(app_id="11")
    with pytest.raises(AttributeError):
        settings.app_id = "12"  # type: ignore[misc]
