"""The one JSON parser for request bodies, under the rules of Heap's fast path for both servers.

orjson, strictly: UTF-8 only (no UTF-16 or UTF-32 body is guessed at), no lone surrogates (which no
JSON encoder downstream can write back out), no NaN or Infinity, integers within 64 bits. There is
no lenient fallback: a body one path refuses, every path refuses, with the same reason.
"""

from __future__ import annotations

from typing import Any

import orjson

from http_layer.errors import NotJSON


def parse_json(raw: bytes) -> Any:
    """The body parsed as JSON, or NotJSON saying why not (`empty` set for a blank body)."""
    if not raw.strip():
        raise NotJSON("the body is empty: expected JSON", detail="empty", empty=True)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise NotJSON(f"the body is not valid JSON: {error}", detail=str(error)) from None
