"""Ordered positions of stored items under one key, kept as items arrive and leave.

The stores (`heap_mock.store.events`, `heap_mock.store.journal`) number their items with increasing sequence
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
        return list(seqs[head + offset: head + end])  # a range's slice too, for `everything()`


class Keyed:
    """One `SeqIndex` per value of one field, created on first use and dropped when empty."""

    __slots__ = ("by_value",)

    def __init__(self) -> None:
        self.by_value: dict[object, SeqIndex] = {}

    def get(self, value: object) -> SeqIndex:
        return self.by_value.get(value) or SeqIndex()

    def keep(self, values: set[object], alive: Callable[[int], bool]) -> None:
        for value in values:
            index = self.by_value.get(value)
            if index is not None:
                index.keep(alive)
                if not index:
                    del self.by_value[value]



Containing = tuple[int, tuple[str, ...]]  # a text field's position, and the needles any of which it must hold


class IndexedLog:
    """Items (flat tuples) in arrival order, with a `Keyed` index per named field position.

    The part the event store and the journal share: append at the end, evict the oldest,
    remove any (the deletion API), count and page by exact field values without walking what the
    page does not show. Not thread-safe: its owner locks.
    """

    def __init__(self, fields: dict[str, int], indexed: tuple[str, ...] | None = None, counted: tuple[str, ...] = ()) -> None:
        """`fields`: the filterable fields by position; `indexed`: those kept in an index (default all);
        `counted`: those of few values (a status, a rule) kept only as counts, their pages found by
        walking from the end asked for until the page is full."""
        self.fields = fields
        self.indexed = tuple(fields) if indexed is None else indexed
        self.counted = counted
        self.clear()

    def clear(self) -> None:
        # items[i] is the item numbered base + i, or None once removed; head skips evicted ones.
        self.items: list[tuple[Any, ...] | None] = []
        self.base = 0
        self.head = 0
        self.live = 0
        self.indexes = {name: Keyed() for name in self.indexed}
        self._by_position = [(self.fields[name], self.indexes[name].by_value) for name in self.indexed]
        self.counts: dict[str, dict[Any, int]] = {name: {} for name in self.counted}
        self._counted_positions = [(self.fields[name], self.counts[name]) for name in self.counted]

    def __len__(self) -> int:
        return self.live

    @property
    def span(self) -> int:
        """Places from the oldest live item to the newest, removed ones included."""
        return len(self.items) - self.head

    @property
    def next_seq(self) -> int:
        """The number the next item appended will have."""
        return self.base + len(self.items)

    def append(self, item: list[Any]) -> None:
        """Store `item` (a list of its fields, frozen here into a tuple) and index it, sharing the
        index's copy of each indexed value.

        On every stored request's path, so `Keyed.add` is written out here (a call per field cost
        a tenth of a track request).
        """
        seq = self.base + len(self.items)
        for position, by_value in self._by_position:
            value = item[position]
            if value is not None:
                index = by_value.get(value)
                if index is None:
                    index = by_value[value] = SeqIndex(value)
                index.seqs.append(seq)
                item[position] = index.value
        for position, counts in self._counted_positions:
            value = item[position]
            counts[value] = counts.get(value, 0) + 1
        self.items.append(tuple(item))
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
        self._uncount(item)
        for position, by_value in self._by_position:
            value = item[position]
            index = by_value.get(value) if value is not None else None
            if index is not None:
                index.drop_oldest(seq)
                if index.head >= len(index.seqs):
                    del by_value[value]
        self._compact()
        return item

    def skip_removed(self) -> None:
        """Move the head past removed places at the front (they hold nothing to evict)."""
        items = self.items
        while self.head < len(items) and items[self.head] is None:
            self.head += 1
        self._compact()

    def _compact(self) -> None:
        if self.head > 4096 and self.head * 2 > len(self.items):
            del self.items[: self.head]
            self.base += self.head
            self.head = 0

    def _uncount(self, item: tuple[Any, ...]) -> None:
        for position, counts in self._counted_positions:
            value = item[position]
            counts[value] -= 1
            if not counts[value]:
                del counts[value]

    def remove(self, seqs: set[int]) -> list[tuple[Any, ...]]:
        """Remove the items numbered `seqs` and re-index the values they held; returns them."""
        removed = [self.get(seq) for seq in seqs]
        for seq in seqs:
            self._uncount(self.get(seq))
            self.items[seq - self.base] = None
        self.live -= len(removed)
        for name in self.indexed:
            position = self.fields[name]
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
        if containing is None and len(exact) <= 1 and set(exact) <= set(self.indexed):
            index = self.everything() if not exact else self.seqs_where(*next(iter(exact.items())))
            return [self.get(seq) for seq in index.page(newest_first, offset, limit)], len(index)
        if containing is None and len(exact) == 1 and next(iter(exact)) in self.counts:
            return self._walk_counted(*next(iter(exact.items())), newest_first, offset, limit)
        seqs = self._containing(*containing) if containing is not None else self._smallest(exact)
        if exact:
            items, base = self.items, self.base
            fields = itemgetter(*(self.fields[name] for name in exact))
            wanted = tuple(exact.values()) if len(exact) > 1 else next(iter(exact.values()))
            seqs = [seq for seq in seqs if fields(items[seq - base]) == wanted]  # type: ignore[arg-type]  # a live seq's slot holds an entry
        total = len(seqs)
        end = total if limit is None else min(total, offset + limit)
        chosen = [seqs[total - 1 - i] for i in range(offset, end)] if newest_first else seqs[offset:end]
        return [self.get(seq) for seq in chosen], total

    def _walk_counted(self, name: str, value: Any, newest_first: bool, offset: int, limit: int | None) -> tuple[list[tuple[Any, ...]], int]:
        """A page of the items whose counted field `name` is `value`: the count is kept; the page
        is found by walking from the end asked for, stopping once it is full."""
        total = self.counts[name].get(value, 0)
        end = total if limit is None else min(total, offset + limit)
        if offset >= end:
            return [], total
        position, items = self.fields[name], self.items
        order = range(len(items) - 1, self.head - 1, -1) if newest_first else range(self.head, len(items))
        page: list[tuple[Any, ...]] = []
        seen = 0
        for i in order:
            item = items[i]
            if item is not None and item[position] == value:
                if seen >= offset:
                    page.append(item)
                    if len(page) == end - offset:
                        break
                seen += 1
        return page, total

    def _smallest(self, exact: dict[str, Any]) -> list[int]:
        """The positions of the smallest index among the fields asked (every item if none is indexed)."""
        indexes = [self.seqs_where(name, value) for name, value in exact.items() if name in self.indexes]
        index = min(indexes, key=len) if indexes else self.everything()
        return list(index.seqs[index.head:])

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

    def values(self) -> list[tuple[Any, ...]]:
        return [item for item in self.items[self.head:] if item is not None]

    def walk_newest(self) -> Iterator[tuple[Any, ...]]:
        """Every live item, newest first, without copying the store."""
        items = self.items
        return (item for i in range(len(items) - 1, self.head - 1, -1) if (item := items[i]) is not None)
