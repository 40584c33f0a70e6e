"""What mParticle's clients send the front, parsed and checked before anything is kept. Pure.

- Server SDKs use the Events API (mparticle-batch.md §S5): `POST /v2/events` with one batch,
  `POST /v2/bulkevents` with a JSON array of at most 100 batches, HTTP Basic `key:secret`.
- The web SDK posts one batch per upload to `.../v3/JS/<api key>/events` (as `text/plain`, so no
  preflight) and sends its API key as `x-mp-key` on identity calls.

A request is checked whole before any of it is accepted: one broken batch in a bulk upload
refuses the upload, naming the JSON path (`$[3].events[0].data`), so nothing is half-accepted.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from forwarder.batch import checked_events
from forwarder.front.errors import BadRequest, Unauthorized
from forwarder.model import BatchRejected
from http_layer.errors import NotJSON
from http_layer.json_body import parse_json

MAX_BULK_BATCHES = 100  # S5: "You may not send more than 100 EVENT DATA items per request"


def basic_credentials(header: str | None) -> tuple[str, str]:
    """`(key, secret)` from an `Authorization: Basic` header; Unauthorized says what is wrong."""
    if header is None or not header.strip():
        raise Unauthorized("missing credentials: send HTTP Basic auth with your API key and secret")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise Unauthorized(f"malformed credentials: expected 'Basic <base64 key:secret>', got scheme {scheme[:20]!r}")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed credentials: the Basic value is not base64 of UTF-8 'key:secret'") from None
    key, colon, secret = decoded.partition(":")
    if not colon or not key:
        raise Unauthorized("malformed credentials: expected 'key:secret' with a non-empty key")
    return key, secret


def check_key(key: str | None, expected: str | None, *, where: str) -> str:
    """The API key if it is usable: any non-empty key, or exactly `expected` when one is configured."""
    if key is None or not key.strip():
        raise Unauthorized(f"missing API key ({where})")
    if expected is not None and key != expected:
        raise Unauthorized(f"unknown API key ({where}): this front was started with another --api-key")
    return key


def check_secret(secret: str, expected: str | None) -> None:
    if expected is not None and secret != expected:
        raise Unauthorized("wrong API secret for this API key")


def parse_body(raw: bytes) -> Any:
    """The body as JSON, by the HTTP layer's one parser (the simulator's rules); BadRequest at `$` if it is not."""
    try:
        return parse_json(raw)
    except NotJSON as why:
        raise BadRequest(why.message, path="$") from None


def checked_bulk(document: Any) -> list[dict[str, Any]]:
    """The /v2/bulkevents body: a JSON array of 1 to 100 batches, every one checked."""
    if not isinstance(document, list):
        raise BadRequest("the bulk body must be a JSON array of batches", path="$")
    if not document:
        raise BadRequest("the bulk body holds no batches", path="$")
    if len(document) > MAX_BULK_BATCHES:
        raise BadRequest(f"at most {MAX_BULK_BATCHES} batches per bulk request, got {len(document)}", path="$")
    return [checked_batch(batch, f"$[{index}]") for index, batch in enumerate(document)]


def checked_batch(batch: Any, where: str) -> dict[str, Any]:
    """`batch` if the mapping can read it; BadRequest naming the JSON path under `where` if not."""
    try:
        checked_events(batch)
    except BatchRejected as error:
        raise BadRequest(error.problem, path=where + error.path.removeprefix("$")) from None
    result: dict[str, Any] = batch
    return result
