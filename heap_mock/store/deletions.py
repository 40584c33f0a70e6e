"""The deletions part of the simulator's state: access tokens and user deletion requests.

Both are bounded, without a timer thread. Expired tokens are purged lazily, whenever a token is
issued or checked: tokens are kept in issue order, so the purge pops expired ones from the front
and stops at the first live one (O(1) amortised: each token is popped once). At most
`MAX_LIVE_TOKENS` are held even within their 5 minutes (the oldest go first, answering as unknown).
Only the newest `MAX_DELETION_RECORDS` deletion requests are kept; an older one's status answers
404, as an unknown id does.

Lock discipline: one lock guards tokens and records; every public method takes it.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass

from heap_mock.config import Config
from heap_mock.errors import DeletionNotFound, DeletionUnauthorized


@dataclass
class DeletionRecord:
    id: str
    app_id: str
    users: int
    requested_at: float
    completes_at: float

    def status(self, now: float) -> str:
        return "complete" if now >= self.completes_at else "pending"


MAX_LIVE_TOKENS = 100_000
MAX_DELETION_RECORDS = 10_000


class Deletions:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[str, float]] = {}
        self._token_order: deque[str] = deque()  # issue order, for the lazy purge
        self.records: dict[str, DeletionRecord] = {}
        self._record_order: deque[str] = deque()

    def clear(self) -> None:
        with self.lock:
            self.tokens.clear()
            self._token_order.clear()
            self.records.clear()
            self._record_order.clear()

    def issue_token(self, app_id: str, now: float) -> str:
        token = uuid.uuid4().hex
        with self.lock:
            self._purge_tokens(now)
            self.tokens[token] = (app_id, now + self.config.deletion_token_ttl_s)
            self._token_order.append(token)
            if len(self._token_order) > MAX_LIVE_TOKENS:
                self.tokens.pop(self._token_order.popleft(), None)
        return token

    def _purge_tokens(self, now: float) -> None:
        """Drop expired tokens from the front of the issue order, stopping at the first live one
        (a clock set back can leave an expired token behind a live one until that one expires)."""
        order, tokens = self._token_order, self.tokens
        while order and tokens[order[0]][1] <= now:
            del tokens[order.popleft()]

    def app_for_token(self, token: str, now: float) -> str:
        with self.lock:
            app_id, expires_at = self.tokens.get(token, ("", 0.0))
            self._purge_tokens(now)
        if not app_id:
            raise DeletionUnauthorized("Unauthorized: unknown or expired access token (tokens last 5 minutes)")
        if now >= expires_at:
            raise DeletionUnauthorized("Unauthorized: access token expired (tokens last 5 minutes)")
        return app_id

    def record(self, app_id: str, users: int, now: float) -> DeletionRecord:
        record = DeletionRecord(str(uuid.uuid4()), app_id, users, now, now + self.config.deletion_completes_after_s)
        with self.lock:
            self.records[record.id] = record
            self._record_order.append(record.id)
            if len(self._record_order) > MAX_DELETION_RECORDS:
                del self.records[self._record_order.popleft()]
        return record

    def status(self, app_id: str, deletion_id: str, now: float) -> dict[str, str]:
        with self.lock:
            record = self.records.get(deletion_id)
        if record is None or record.app_id != app_id:
            raise DeletionNotFound(f"no deletion request {deletion_id!r} for this environment")
        return {"deletion_request_id": record.id, "status": record.status(now)}
