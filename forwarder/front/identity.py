"""The identity calls of mParticle's web SDK, answered with MPIDs that stay the same per identity set. Pure.

The web SDK calls `identify` at start, `login`, `logout` and `<mpid>/modify`, with a body of
`known_identities` (or `identity_changes` for modify), and reads `mpid`, `is_logged_in`,
`context`, `is_ephemeral` and `matched_identities` from the answer (web SDK
`identity-user-interfaces.ts`, `IdentityResultBody`).

mParticle resolves an identity set to a profile in its cloud. Here the MPID is derived from the
set itself: a digest of the most significant identity it holds (customer ID first, device IDs
last). So a returning user gets back the MPID they had, across restarts of the front, with no
memory kept per user; the assumption is that the strongest identity decides, as in mParticle's
default identity strategy where the customer ID is the unique identifier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from forwarder.front.errors import BadRequest
from heap_facts.names import MPID, SDK_CUSTOMER_ID

IDENTITY_METHODS = ("identify", "login", "logout")
# Strongest first. Device identities identify a browser or device, not a person.
USER_IDENTITY_ORDER = (
    SDK_CUSTOMER_ID, "email", "other", "other2",  # not a heap_facts value: "other" is an identity type, not a custom event type
    "other3", "other4", "other5", "other6", "other7", "other8", "other9", "other10",
    "mobile_number", "phone_number_2", "phone_number_3", "facebook", "facebookcustomaudienceid", "google", "twitter",
    "microsoft", "yahoo",
)  # fmt: skip
DEVICE_IDENTITY_ORDER = (
    "device_application_stamp",
    "ios_idfv",
    "ios_idfa",
    "android_uuid",
    "android_aaid",
    "push_token",
    "roku_publisher_id",
)


def known_identities(body: Any) -> dict[str, str]:
    """The non-empty `known_identities` of an identify, login or logout body; BadRequest names the path."""
    if not isinstance(body, Mapping):
        raise BadRequest("an identity request must be a JSON object", path="$")
    identities = body.get("known_identities")
    if not isinstance(identities, Mapping):
        raise BadRequest("is required: an object of identity type to value", path="$.known_identities")
    known: dict[str, str] = {}
    for name, value in identities.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRequest("an identity value must be a string or null", path=f"$.known_identities.{name}")
        if value.strip():
            known[str(name).lower()] = value
    return known


def identity_changes(body: Any) -> list[dict[str, Any]]:
    """The `identity_changes` of a modify body, each with an `identity_type`; BadRequest names the path."""
    if not isinstance(body, Mapping):
        raise BadRequest("an identity request must be a JSON object", path="$")
    changes = body.get("identity_changes")
    if not isinstance(changes, list):
        raise BadRequest("is required: a list of {old_value, new_value, identity_type}", path="$.identity_changes")
    for index, change in enumerate(changes):
        if not isinstance(change, Mapping) or not isinstance(change.get("identity_type"), str):
            raise BadRequest("each change needs an identity_type string", path=f"$.identity_changes[{index}]")
    return changes


def strongest_identity(known: Mapping[str, str]) -> tuple[str, str] | None:
    """The identity that decides the MPID: the first of USER_IDENTITY_ORDER, then of
    DEVICE_IDENTITY_ORDER, then any other type in name order."""
    for name in (*USER_IDENTITY_ORDER, *DEVICE_IDENTITY_ORDER, *sorted(known)):
        if name in known:
            return name, known[name]
    return None


def mpid_of(identity: tuple[str, str] | None) -> str:
    """A signed 64-bit MPID (as mParticle writes it: decimal text) that is the same for the same identity."""
    name, value = identity if identity is not None else ("anonymous", "")
    digest = hashlib.blake2b(f"{name}\x00{value}".encode(), digest_size=8).digest()
    mpid = int.from_bytes(digest, "big", signed=True)
    return str(mpid if mpid != 0 else 1)  # 0 means "no user" to the SDKs


def identity_answer(body: Any) -> dict[str, Any]:
    """The answer to identify, login or logout: the MPID of the identity set and whether it is a known user."""
    known = known_identities(body)
    strongest = strongest_identity(known)
    logged_in = strongest is not None and strongest[0] not in DEVICE_IDENTITY_ORDER
    return {
        "context": None,
        "is_ephemeral": False,
        "is_logged_in": logged_in,
        "matched_identities": dict(known),
        MPID: mpid_of(strongest),
    }


def modify_answer(mpid: str, body: Any) -> dict[str, Any]:
    """The answer to `<mpid>/modify`: each change applied to the same MPID."""
    if not mpid.lstrip("-").isdigit():
        raise BadRequest(f"the MPID in the path must be a whole number, got {mpid[:40]!r}", path=MPID)
    changes = identity_changes(body)
    return {"change_results": [{"identity_type": change["identity_type"], "modified_mpid": mpid} for change in changes]}
