"""Ordered positions of stored items under one key, kept as items arrive and leave.

The stores (`heap_mock.events`, `heap_mock.journal`) number their items with increasing sequence
numbers and keep one `SeqIndex` per filter value (an identity, an event name, a status), so a
count is `len()` and a page walks only the positions it shows. Pure: the stores lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import Any


class SeqIndex:
    """Increasing sequence numbers with a moving head: appended at the end, dropped at the front.

    A list with a head rather than a deque: a deque allocates a 64-slot block per key, which
    costs more than the events themselves when most identities send one or two.
    """

    __slots__ = ("head", "seqs", "value")

    def __init__(self, value: object = None) -> None:
        self.seqs: list[int] = []
        self.head = 0
        self.value = value  # the key it is filed under: one shared copy for every item that has it

    def __len__(self) -> int:
        return len(self.seqs) - self.head

    def append(self, seq: int) -> None:
        self.seqs.append(seq)

    def drop_oldest(self, seq: int) -> None:
        """Drop `seq` if it is the oldest held (eviction always takes the oldest item of the store)."""
        seqs = self.seqs
        if self.head < len(seqs) and seqs[self.head] == seq:
            self.head += 1
            if self.head > 64 and self.head * 2 > len(seqs):
                del seqs[: self.head]
                self.head = 0

    def keep(self, alive: Callable[[int], bool]) -> None:
        """Keep only the positions `alive` accepts (after a deletion), in order."""
        self.seqs = [seq for seq in self.seqs[self.head:] if alive(seq)]
        self.head = 0

    def walk(self, newest_first: bool) -> Iterator[int]:
        seqs = self.seqs
        if newest_first:
            return (seqs[i] for i in range(len(seqs) - 1, self.head - 1, -1))
        return (seqs[i] for i in range(self.head, len(seqs)))

    def page(self, newest_first: bool, offset: int, limit: int | None) -> list[int]:
        """The positions of one page, found by index without walking the ones before it."""
        size = len(self)
        end = size if limit is None else min(size, offset + limit)
        if offset >= end:
            return []
        seqs, head = self.seqs, self.head
        if newest_first:
            last = len(seqs) - 1
            return [seqs[last - i] for i in range(offset, end)]
        return seqs[head + offset: head + end]


class Keyed:
    """One `SeqIndex` per value of one field, created on first use and dropped when empty."""

    __slots__ = ("by_value",)

    def __init__(self) -> None:
        self.by_value: dict[object, SeqIndex] = {}

    def add(self, value: Any, seq: int) -> Any:
        """File `seq` under `value`; returns the copy of `value` the index keeps, for the item to share."""
        index = self.by_value.get(value)
        if index is None:
            index = self.by_value[value] = SeqIndex(value)
        index.append(seq)
        return index.value

    def drop_oldest(self, value: object, seq: int) -> None:
        index = self.by_value.get(value)
        if index is not None:
            index.drop_oldest(seq)
            if not index:
                del self.by_value[value]

    def count(self, value: object) -> int:
        index = self.by_value.get(value)
        return len(index) if index is not None else 0

    def get(self, value: object) -> SeqIndex:
        return self.by_value.get(value) or SeqIndex()

    def keep(self, values: set[object], alive: Callable[[int], bool]) -> None:
        for value in values:
            index = self.by_value.get(value)
            if index is not None:
                index.keep(alive)
                if not index:
                    del self.by_value[value]

    def clear(self) -> None:
        self.by_value.clear()


Containing = tuple[int, tuple[str, ...]]  # a text field's position, and the needles any of which it must hold


class IndexedLog:
    """Items (flat tuples) in arrival order, with a `Keyed` index per named field position.

    The part the event store and the journal share: append at the end, evict the oldest,
    remove any (the deletion API), count and page by exact field values without walking what the
    page does not show. Not thread-safe: its owner locks.
    """

    def __init__(self, fields: dict[str, int]) -> None:
        self.fields = fields
        self.clear()

    def clear(self) -> None:
        # items[i] is the item numbered base + i, or None once removed; head skips evicted ones.
        self.items: list[tuple[Any, ...] | None] = []
        self.base = 0
        self.head = 0
        self.live = 0
        self.indexes = {name: Keyed() for name in self.fields}

    def __len__(self) -> int:
        return self.live

    def append(self, item: tuple[Any, ...]) -> None:
        """Store and index `item`, sharing the index's copy of each indexed value."""
        seq = self.base + len(self.items)
        fields = list(item)
        for name, position in self.fields.items():
            value = fields[position]
            if value is not None:
                fields[position] = self.indexes[name].add(value, seq)
        self.items.append(tuple(fields))
        self.live += 1

    def evict_oldest(self) -> tuple[Any, ...]:
        items = self.items
        while items[self.head] is None:
            self.head += 1
        item = items[self.head]
        assert item is not None
        seq = self.base + self.head
        items[self.head] = None
        self.head += 1
        self.live -= 1
        for name, position in self.fields.items():
            if item[position] is not None:
                self.indexes[name].drop_oldest(item[position], seq)
        if self.head > 4096 and self.head * 2 > len(items):
            del items[: self.head]
            self.base += self.head
            self.head = 0
        return item

    def oldest(self) -> tuple[Any, ...] | None:
        return next((item for item in self.items[self.head:] if item is not None), None) if self.live else None

    def remove(self, seqs: set[int]) -> list[tuple[Any, ...]]:
        """Remove the items numbered `seqs` and re-index the values they held; returns them."""
        removed = [self.get(seq) for seq in seqs]
        for seq in seqs:
            self.items[seq - self.base] = None
        self.live -= len(removed)
        for name, position in self.fields.items():
            self.indexes[name].keep({item[position] for item in removed}, self.is_live)
        return removed

    def is_live(self, seq: int) -> bool:
        position = seq - self.base
        return position >= self.head and self.items[position] is not None

    def get(self, seq: int) -> tuple[Any, ...]:
        item = self.items[seq - self.base]
        assert item is not None
        return item

    def seqs_where(self, name: str, value: object) -> SeqIndex:
        return self.indexes[name].get(value)

    def everything(self) -> SeqIndex:
        """Every live item as an index: a range while nothing was removed (the common case)."""
        index = SeqIndex()
        start, stop = self.base + self.head, self.base + len(self.items)
        if self.live == stop - start:
            index.seqs = range(start, stop)  # type: ignore[assignment]
        else:
            index.seqs = [self.base + i for i in range(self.head, len(self.items)) if self.items[i] is not None]
        return index

    def page(
        self, exact: dict[str, Any], newest_first: bool, offset: int, limit: int | None, containing: Containing | None = None
    ) -> tuple[list[tuple[Any, ...]], int]:
        """The items whose fields equal `exact` (and hold one of `containing`'s needles): one page
        of them, and how many in all.

        With at most one exact field and no needle, an index answers both at once; otherwise the
        smallest index asked (or, for a needle, the whole store) is filtered in one comprehension.
        """
        if containing is None and len(exact) <= 1:
            index = self.everything() if not exact else self.seqs_where(*next(iter(exact.items())))
            return [self.get(seq) for seq in index.page(newest_first, offset, limit)], len(index)
        seqs = self._containing(*containing) if containing is not None else self._smallest(exact)
        if exact:
            items, base = self.items, self.base
            fields = itemgetter(*(self.fields[name] for name in exact))
            wanted = tuple(exact.values()) if len(exact) > 1 else next(iter(exact.values()))
            seqs = [seq for seq in seqs if fields(items[seq - base]) == wanted]
        total = len(seqs)
        end = total if limit is None else min(total, offset + limit)
        chosen = [seqs[total - 1 - i] for i in range(offset, end)] if newest_first else seqs[offset:end]
        return [self.get(seq) for seq in chosen], total

    def _smallest(self, exact: dict[str, Any]) -> list[int]:
        index = min((self.seqs_where(name, value) for name, value in exact.items()), key=len)
        return index.seqs[index.head:]

    def _containing(self, position: int, needles: tuple[str, ...]) -> list[int]:
        """Every live item whose text field at `position` holds one of `needles`, oldest first."""
        items, base = self.items, self.base
        if len(needles) == 1:
            (needle,) = needles
            return [base + i for i in range(self.head, len(items)) if (item := items[i]) is not None and needle in item[position]]
        return [
            base + i for i in range(self.head, len(items))
            if (item := items[i]) is not None and any(needle in item[position] for needle in needles)
        ]

    def count(self, exact: dict[str, Any]) -> int:
        if not exact:
            return self.live
        if len(exact) == 1:
            return len(self.seqs_where(*next(iter(exact.items()))))
        return self.page(exact, False, 0, 0)[1]

    def values(self) -> list[tuple[Any, ...]]:
        return [item for item in self.items[self.head:] if item is not None]
