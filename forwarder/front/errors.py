"""The front's errors, each an answer mParticle's own API would give, rendered in one place.

    FrontError
    ├── BadRequest       400, names the JSON path of the problem; nothing of the request is kept
    ├── Unauthorized     401, missing or malformed credentials
    ├── NotFound         404
    ├── MethodNotAllowed 405
    ├── CrossSiteRefused 403, a request from another site to the front's own control paths
    ├── BodyTooLarge     413, the body is over the front's byte limit
    ├── UploadTooLarge   413, what the upload would become is over a limit (Heap events, memory to read it)
    ├── QueueFull        429 with Retry-After: too much is waiting or being read, send again later
    └── ShuttingDown     503 with Retry-After: the front is draining after SIGTERM, send again later

The body follows mParticle's Events API error shape (`{"errors": [{"code", "message"}]}`, from
its OpenAPI document), with the JSON path added where there is one.
"""

from __future__ import annotations

from typing import Any


class FrontError(Exception):
    """Base of the front's errors: an HTTP status, a code and a message for the client."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def headers(self) -> dict[str, str]:
        return {}

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.path is not None:
            error["path"] = self.path
        return {"errors": [error]}


class BadRequest(FrontError):
    status, code = 400, "BAD_REQUEST"


class Unauthorized(FrontError):
    status, code = 401, "UNAUTHORIZED"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="mParticle Events API (heap-forward serve)"'}


class CrossSiteRefused(FrontError):
    status, code = 403, "FORBIDDEN"


class NotFound(FrontError):
    status, code = 404, "NOT_FOUND"


class MethodNotAllowed(FrontError):
    status, code = 405, "METHOD_NOT_ALLOWED"

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class BodyTooLarge(FrontError):
    status, code = 413, "PAYLOAD_TOO_LARGE"


class UploadTooLarge(FrontError):
    status, code = 413, "PAYLOAD_TOO_LARGE"


class _SendAgainLater(FrontError):
    """An answer that says when to try again (Retry-After, in whole seconds)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class QueueFull(_SendAgainLater):
    status, code = 429, "TOO_MANY_REQUESTS"


class ShuttingDown(_SendAgainLater):
    status, code = 503, "SERVICE_UNAVAILABLE"
