"""The deletions part of the simulator's state: access tokens and user deletion requests.

Lock discipline: one lock guards tokens and records; every public method takes it.
"""

from __future__ import annotations

import threading
import uuid
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


class Deletions:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[str, float]] = {}
        self.records: dict[str, DeletionRecord] = {}

    def clear(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.records.clear()

    def issue_token(self, app_id: str, now: float) -> str:
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = (app_id, now + self.config.deletion_token_ttl_s)
        return token

    def app_for_token(self, token: str, now: float) -> str:
        with self.lock:
            app_id, expires_at = self.tokens.get(token, ("", 0.0))
        if not app_id:
            raise DeletionUnauthorized("Unauthorized: unknown access token")
        if now >= expires_at:
            raise DeletionUnauthorized("Unauthorized: access token expired (tokens last 5 minutes)")
        return app_id

    def record(self, app_id: str, users: int, now: float) -> DeletionRecord:
        record = DeletionRecord(str(uuid.uuid4()), app_id, users, now, now + self.config.deletion_completes_after_s)
        with self.lock:
            self.records[record.id] = record
        return record

    def status(self, app_id: str, deletion_id: str, now: float) -> dict[str, str]:
        with self.lock:
            record = self.records.get(deletion_id)
        if record is None or record.app_id != app_id:
            raise DeletionNotFound(f"no deletion request {deletion_id!r} for this environment")
        return {"deletion_request_id": record.id, "status": record.status(now)}
