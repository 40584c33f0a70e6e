"""Maximum lengths and sizes Heap documents, and how the sources read "truncated to 1024 characters".

Where the sources part (keys in SOURCES.md):
- the seed (Data Processing Notes): "All event attribute names and values will be truncated to 1024
  characters", so a value of 1024 characters stays whole;
- D-track: a property value is "a number or string with fewer than 1024 characters", so at most 1023;
- mParticle's own Heap web kit (KIT) cuts every value at 1023 (`MaxPropertyLength`).
A cut to 1023 satisfies all three, so our forwarder cuts there (MAPPING.md); the conformance suite
accepts either cut (`ACCEPTED_CUTS`); the simulator accepts values of up to 1024 (`MAX_VALUE`).
"""

from __future__ import annotations

MAX_EVENT_NAME = 1024  # D-track: event "Limited to 1024 characters"
MAX_PROPERTY_NAME = 1024  # D-track, D-aup, D-aap
MAX_VALUE = 1024  # the longest string value the simulator takes: the seed's reading of Heap's limit
MAX_IDENTITY = 255  # D-track, D-aup, D-ident: "limited to 255 characters"
MAX_USER_ID = 2**53 - 1  # D-track, D-ident: user_id is an integer up to 2^53 - 1
MAX_SAFE_INTEGER = 2**53 - 1  # beyond it a JSON number loses digits in JavaScript consumers
MAX_BULK_ITEMS = 1000  # D-btrack, D-baup, D-baap: "a max of 1000 events per request"
MAX_DELETION_USERS = 10_000  # D-del
ARRAY_JOINER = "||"  # D-track: an array property value is joined with || and truncated

SEED_CUT = 1024  # seed, Data Processing Notes
KIT_CUT = 1023  # KIT: MaxPropertyLength; also D-track's "fewer than 1024"
ACCEPTED_CUTS = (KIT_CUT, SEED_CUT)


def cut_forms(text: str) -> frozenset[str]:
    """Every form of `text` a documented reading allows Heap to receive: whole, or cut to 1023 or 1024."""
    if len(text) < KIT_CUT + 1:
        return frozenset({text})
    return frozenset(text[:length] for length in ACCEPTED_CUTS)


def is_accepted_cut(received: str, original: str) -> bool:
    """Whether `received` is `original` as some documented reading delivers it (see `cut_forms`)."""
    return received == original if len(original) <= KIT_CUT else received in cut_forms(original)
