"""The stores' indexed log against a plain list doing the same: random appends, evictions and
removals, then every filter's count and pages in both orders must be the list's."""

from __future__ import annotations

import random
from typing import Any

import pytest

from heap_mock.store.seq_index import IndexedLog

FIELDS = {"colour": 0, "size": 1, "text": 2}


def expected_page(model: list[tuple[Any, ...]], exact: dict[str, Any], newest_first: bool, offset: int, limit: int | None, needle: str | None):
    matching = [item for item in model if all(item[FIELDS[k]] == v for k, v in exact.items()) and (needle is None or needle in item[2])]
    ordered = matching[::-1] if newest_first else matching
    return ordered[offset: None if limit is None else offset + limit], len(matching)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("indexed", "counted"), [(("colour", "size"), ()), ((), ("colour", "size")), (("colour",), ("size",))])
def test_indexed_log_answers_as_a_plain_list_would(seed: int, indexed: tuple[str, ...], counted: tuple[str, ...]) -> None:
    rng = random.Random(seed)
    log = IndexedLog(FIELDS, indexed=indexed, counted=counted)
    model: list[tuple[Any, ...]] = []
    seqs: list[int] = []  # model[i] is numbered seqs[i] in the log
    next_seq = 0
    for _ in range(1500):
        roll = rng.random()
        if roll < 0.7 or not model:
            item = (rng.choice("rgb"), rng.choice([1, 2, 3, None]), rng.choice(["ab", "bc", "cd"]) + str(next_seq))
            log.append(list(item))
            model.append(item)
            seqs.append(next_seq)
            next_seq += 1
        elif roll < 0.9:
            assert log.evict_oldest() == model.pop(0)
            seqs.pop(0)
        else:
            doomed = set(rng.sample(range(len(model)), k=min(len(model), rng.randint(1, 5))))
            log.remove({seqs[i] for i in doomed})
            model = [item for i, item in enumerate(model) if i not in doomed]
            seqs = [seq for i, seq in enumerate(seqs) if i not in doomed]
    assert len(log) == len(model) and log.values() == model
    for exact in ({}, {"colour": "r"}, {"size": 2}, {"colour": "g", "size": 3}, {"text": model[-1][2]}):
        for needle in (None, "b", "zz"):
            for newest_first in (False, True):
                for offset, limit in ((0, None), (0, 0), (3, 7), (len(model), 5)):
                    got = log.page(exact, newest_first, offset, limit, (2, (needle,)) if needle else None)
                    assert got == expected_page(model, exact, newest_first, offset, limit, needle), (exact, needle, newest_first, offset, limit)
