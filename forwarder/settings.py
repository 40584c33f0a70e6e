"""The four connection settings the seed page documents, validated once when they are made.

Seed, "Configuration Settings" and "Connection Settings": App ID (string), External ID (MPID or
Customer ID, default MPID), Forward User Attributes (default False), Forward Web Requests Server
Side (default True). A wrong value is refused here, by name, so a typo never reaches Heap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from heap_facts.names import CUSTOMER_ID, EXTERNAL_IDS, MPID, SDK_CUSTOMER_ID

ExternalId = Literal["mpid", "customer_id"]  # heap_facts.names.EXTERNAL_IDS, as a type checker must have it spelled

# Heap answers 400 to a non-numeric app_id (heap-api.md §3.2, "Bad Request" for "x"), so refuse it here.
_APP_ID = re.compile(r"[0-9]+")
# Spellings people type for the two documented choices ("MPID", "Customer ID", the Python SDK's "customerid").
_EXTERNAL_ID_SPELLINGS: dict[str, ExternalId] = {MPID: MPID, CUSTOMER_ID: CUSTOMER_ID, SDK_CUSTOMER_ID: CUSTOMER_ID}


class SettingsError(ValueError):
    """A setting with a value the integration cannot use; the message names the setting."""


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
            if not isinstance(getattr(self, name), bool):
                raise SettingsError(f"{name} must be true or false, got {getattr(self, name)!r}")


def _checked_app_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if not isinstance(value, str) or value.strip() == "":
        raise SettingsError(f"app_id is required: the numeric Heap environment ID, got {value!r}")
    if not _APP_ID.fullmatch(value.strip()):
        raise SettingsError(f"app_id must be the numeric Heap environment ID (digits only), got {value!r}")
    return value.strip()


def _checked_external_id(value: object) -> ExternalId:
    key = re.sub(r"[\s\-]+", "_", value.strip().lower()) if isinstance(value, str) else None
    if key is None or key not in _EXTERNAL_ID_SPELLINGS:
        raise SettingsError(f"external_id must be one of {', '.join(EXTERNAL_IDS)}, got {value!r}")
    return _EXTERNAL_ID_SPELLINGS[key]
