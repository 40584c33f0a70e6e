"""Hypothesis strategies for hostile request bodies: what a buggy or malicious client might send.

Bodies are bytes, so they can be anything a socket carries: valid bodies with one field swapped
for a hostile value, any JSON value at all, JSON that Python writes and strict readers refuse
(NaN, lone surrogates), deep nesting, and bytes that are not JSON or not UTF-8.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Past orjson's own limit of 1024 and the JSON encoder's 254: a body that deep once poisoned the
# journal (issue 11 item 1); journal entries are plain data now, so every depth must be harmless.
MAX_DEPTH = 1100

VALID_BODIES: dict[str, dict[str, Any]] = {
    "/api/track": {"app_id": "11", "identity": "alice", "event": "E", "properties": {"plan": "pro"}},
    "/api/add_user_properties": {"app_id": "11", "identity": "alice", "properties": {"plan": "pro"}},
    "/api/add_account_properties": {"app_id": "11", "account_id": "acme", "properties": {"seats": 3}},
    "/api/v1/identify": {"app_id": "11", "identity": "alice", "user_id": "7"},
    "/api/public/v0/user_deletion": {"users": [{"identity": "alice"}]},
}
FIELDS = ["app_id", "identity", "user_id", "event", "timestamp", "properties", "session_id", "idempotency_key",
          "account_id", "events", "users", "accounts"]  # fmt: skip

TRICKY_TEXT = st.sampled_from(["", "0", "12\n", "x" * 1025, "2026-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00",
                               "\u2028", "\ud800", "id", "ID", "<script>", "1" * 4301, "-1", "1e3", " 7"])  # fmt: skip
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
    | TRICKY_TEXT
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | TRICKY_TEXT, inner, max_size=4),
    max_leaves=12,
)


def encode(value: Any) -> bytes:
    """Python's JSON, which writes NaN and Infinity and escapes lone surrogates: JSON a strict reader refuses."""
    return json.dumps(value, ensure_ascii=True).encode()


def swapped_field(path: str) -> st.SearchStrategy[bytes]:
    """A valid body for `path` with one field (top-level, or in its first bulk item) set to a hostile value."""
    base = VALID_BODIES[path]

    def swap(field: str, value: Any, bulk: bool) -> bytes:
        if bulk and path != "/api/public/v0/user_deletion":
            key = {"/api/track": "events", "/api/add_user_properties": "users", "/api/add_account_properties": "accounts"}.get(
                path, "events"
            )
            item = {k: v for k, v in base.items() if k != "app_id"}
            return encode({"app_id": base.get("app_id", "11"), key: [{**item, field: value}]})
        return encode({**base, field: value})

    return st.builds(swap, st.sampled_from(FIELDS), JSON_VALUES, st.booleans())


def deep_nesting() -> st.SearchStrategy[bytes]:
    def nest(depth: int, opener: str) -> bytes:
        closer = "]" if opener == "[" else "}"
        inner = "[" * depth + "]" * depth if opener == "[" else '{"a":' * depth + "1" + "}" * depth
        return f'{{"app_id":"11","identity":"a","event":"E","properties":{inner}}}'.encode() if closer == "}" else inner.encode()

    return st.builds(nest, st.integers(min_value=1, max_value=MAX_DEPTH), st.sampled_from(["[", "{"]))


def hostile_body(path: str) -> st.SearchStrategy[bytes]:
    """Any of the hostile bodies above, for a request to `path`."""
    return st.one_of(swapped_field(path), JSON_VALUES.map(encode), deep_nesting(), st.binary(max_size=64))
