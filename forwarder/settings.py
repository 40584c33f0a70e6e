"""The four connection settings the seed page documents, validated once when they are made.

Seed, "Configuration Settings" and "Connection Settings": App ID (string), External ID (MPID or
Customer ID, default MPID), Forward User Attributes (default False), Forward Web Requests Server
Side (default True). A wrong value is refused here, by name, so a typo never reaches Heap: checked
by heap_facts.fields, the one way settings and control input are checked, whose FieldError is
SettingsError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from heap_facts import fields
from heap_facts.fields import FieldError
from heap_facts.names import CUSTOMER_ID, EXTERNAL_IDS, MPID, SDK_CUSTOMER_ID

ExternalId = Literal["mpid", "customer_id"]  # heap_facts.names.EXTERNAL_IDS, as a type checker must have it spelled

# Heap answers 400 to a non-numeric app_id (heap-api.md §3.2, "Bad Request" for "x"), so refuse it here.
_APP_ID = re.compile(r"[0-9]+")
# Spellings people type for the two documented choices ("MPID", "Customer ID", the Python SDK's "customerid").
_EXTERNAL_ID_SPELLINGS: dict[str, ExternalId] = {MPID: MPID, CUSTOMER_ID: CUSTOMER_ID, SDK_CUSTOMER_ID: CUSTOMER_ID}


# A setting with a value the integration cannot use; the message names the setting and its rule.
SettingsError = FieldError
APP_ID_RULE = "the numeric Heap environment ID (digits only)"


@dataclass(frozen=True)
class Settings:
    """How one mParticle-to-Heap connection is configured."""

    app_id: str
    external_id: ExternalId = MPID
    forward_user_attributes: bool = False
    forward_web_requests_server_side: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "app_id", _checked_app_id(self.app_id))
        object.__setattr__(self, "external_id", _checked_external_id(self.external_id))
        for name in ("forward_user_attributes", "forward_web_requests_server_side"):
            fields.flag(getattr(self, name), name)


def _checked_app_id(value: object) -> str:
    number = fields.whole(value)  # a Python caller's 3958016722 is its digits
    if number is not None and number >= 0:
        return str(number)
    app_id = fields.text(value, "app_id", what=APP_ID_RULE).strip()
    if not _APP_ID.fullmatch(app_id):
        raise SettingsError("app_id", f"must be {APP_ID_RULE}", value)
    return app_id


def _checked_external_id(value: object) -> ExternalId:
    rule = fields.choice_list(EXTERNAL_IDS)
    key = re.sub(r"[\s\-]+", "_", fields.text(value, "external_id", what=rule).strip().lower())
    if key not in _EXTERNAL_ID_SPELLINGS:
        raise SettingsError("external_id", f"must be {rule}", value)
    return _EXTERNAL_ID_SPELLINGS[key]
