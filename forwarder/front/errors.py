"""The front's errors, each an answer mParticle's own API would give, rendered in one place.

    http_layer.errors.HttpError
    └── FrontError
        ├── BadRequest       400, names the JSON path of the problem; nothing of the request is kept
        ├── Unauthorized     401, missing or malformed credentials
        ├── UploadTooLarge   413, what the upload would become is over a limit (Heap events, memory to read it)
        ├── QueueFull        429 with Retry-After: too much is waiting or being read, send again later
        ├── ShuttingDown     503 with Retry-After: the front is draining after SIGTERM, send again later
        └── LayerError       any error of the HTTP layer (404, 405, 413, 415, ...), in mParticle's shape

On mParticle's paths the body follows mParticle's Events API error shape (`{"errors": [{"code",
"message"}]}`, from its OpenAPI document), with the JSON path added where there is one; errors of
the HTTP layer (a 404, a cut-short body) are answered there in the same shape (`from_http_error`).
On the front's own `/_front/` paths every error answers in the control planes' one shape.
"""

from __future__ import annotations

from typing import Any

from http_layer.answers import Headers
from http_layer.errors import HttpError

_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
          408: "REQUEST_TIMEOUT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "TOO_MANY_REQUESTS",
          503: "SERVICE_UNAVAILABLE"}  # fmt: skip


class FrontError(HttpError):
    """Base of the front's errors: an HTTP status, mParticle's error code and a message for the client."""

    status = 400
    code = "BAD_REQUEST"
    rule_id = "front.request"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.path is not None:
            error["path"] = self.path
        return {"errors": [error]}


class BadRequest(FrontError):
    status, code = 400, "BAD_REQUEST"


class Unauthorized(FrontError):
    status, code = 401, "UNAUTHORIZED"

    def headers(self) -> Headers:
        return (("WWW-Authenticate", 'Basic realm="mParticle Events API (heap-forward serve)"'),)


class UploadTooLarge(FrontError):
    status, code = 413, "PAYLOAD_TOO_LARGE"


class _SendAgainLater(FrontError):
    """An answer that says when to try again (Retry-After, in whole seconds)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> Headers:
        return (("Retry-After", str(self.retry_after_s)),)


class QueueFull(_SendAgainLater):
    status, code = 429, "TOO_MANY_REQUESTS"


class ShuttingDown(_SendAgainLater):
    status, code = 503, "SERVICE_UNAVAILABLE"


class LayerError(FrontError):
    """An error of the HTTP layer (404, 405, 413, a cut-short body, ...) on mParticle's paths, in mParticle's shape."""

    def __init__(self, error: HttpError) -> None:
        super().__init__(error.message, path="$" if error.rule_id.startswith("body.") else None)
        self.status, self.code, self.rule_id, self.layer_error = error.status, _CODES.get(error.status, "ERROR"), error.rule_id, error

    def headers(self) -> Headers:
        return self.layer_error.headers()


def from_http_error(error: HttpError) -> FrontError:
    return error if isinstance(error, FrontError) else LayerError(error)
