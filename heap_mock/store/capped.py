"""A table that holds at most `cap` rows, dropping the oldest created first.

Users and accounts are created by traffic that names them, and nothing else removes them, so
a simulator left running would keep every identity it was ever sent. `CappedTable` keeps them in
a dict (for lookups) and their keys in creation order (for eviction): a list with a moving head,
as `heap_mock.store.seq_index.SeqIndex` keeps positions, because dropping the first key of a dict is
not O(1) in CPython (it scans the deleted slots before it). Pure: the owner locks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

K = TypeVar("K")


class CappedTable(Generic[K]):
    """Rows by key, at most `cap` of them; `dropped` counts those evicted for room.

    A row removed out of order (`pop`, the deletion API) leaves its key in the order list; it is
    skipped when the head reaches it, counted in `_stale` so a row created again under the same key
    is not evicted by its old place. The list is rebuilt from the dict (whose order is creation
    order too) once it holds twice as many keys as rows, so it stays bounded with the rows.
    """

    __slots__ = ("_head", "_order", "_stale", "cap", "dropped", "rows")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.rows: dict[K, dict[str, Any]] = {}
        self._order: list[K] = []
        self._head = 0
        self._stale: dict[K, int] = {}
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, key: object) -> bool:
        return key in self.rows

    def __iter__(self) -> Iterator[K]:
        return iter(self.rows)

    def __reversed__(self) -> Iterator[K]:
        return reversed(self.rows)

    def __getitem__(self, key: K) -> dict[str, Any]:
        return self.rows[key]

    def row(self, key: K) -> dict[str, Any]:
        """The row under `key`, created empty (as the newest) if there is none."""
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = {}
            self._order.append(key)
        return row

    def evict_over_cap(self) -> list[K]:
        """Drop the oldest-created rows past `cap`; returns their keys (to forget what hangs on them)."""
        evicted: list[K] = []
        while len(self.rows) > self.cap:
            key = self._order[self._head]
            self._head += 1
            stale = self._stale.get(key)
            if stale:
                self._forget_stale(key, stale)
                continue
            del self.rows[key]
            evicted.append(key)
        self.dropped += len(evicted)
        if self._head > 64 and self._head * 2 > len(self._order):
            del self._order[: self._head]
            self._head = 0
        return evicted

    def pop(self, key: K) -> None:
        """Remove one row out of order (the deletion API)."""
        if self.rows.pop(key, None) is not None:
            self._stale[key] = self._stale.get(key, 0) + 1
            if len(self._order) - self._head > 2 * len(self.rows) + 64:
                self._order, self._head, self._stale = list(self.rows), 0, {}

    def _forget_stale(self, key: K, stale: int) -> None:
        if stale == 1:
            del self._stale[key]
        else:
            self._stale[key] = stale - 1
