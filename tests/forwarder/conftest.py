"""Shared helpers for the forwarder's tests: the sample batches and a small batch builder."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from forwarder import Settings

DATA = Path(__file__).parent / "data"
SAMPLE_NAMES = sorted(path.name for path in DATA.glob("*.json"))
APP_ID = "11"


def sample(name: str) -> dict[str, Any]:
    """A fresh copy of a sample batch from tests/forwarder/data."""
    loaded: dict[str, Any] = json.loads((DATA / name).read_text())
    return loaded


def make_batch(*events: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A mobile batch for customer 'cust-1' (mpid 42) holding `events`; `fields` override the batch's own."""
    batch: dict[str, Any] = {
        "source_request_id": "req-1",
        "mpid": 42,
        "user_identities": {"customer_id": "cust-1"},
        "device_info": {"platform": "iOS"},
        "events": list(copy.deepcopy(events)),
    }
    batch.update(fields)
    return batch


def custom(name: str = "Clicked", **data: Any) -> dict[str, Any]:
    return {"event_type": "custom_event", "data": {"event_name": name, "custom_event_type": "navigation", **data}}


@pytest.fixture
def settings() -> Settings:
    return Settings(app_id=APP_ID, external_id="customer_id")
