"""The inputs of `extract --batch-api` / `--queue`, decided as `extract` decides them.

Read (ingest.iter_inputs, streamed) a chunk at a time, each article keyed by the live path's
cache key and checked against the live path's skip (Store.done_keys, `--force` included).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from stancetrack.db import Database
from stancetrack.db.models import utcnow
from stancetrack.errors import InputError
from stancetrack.ingest import iter_inputs
from stancetrack.llm.base import Backend
from stancetrack.pipeline.messages import BadInput, Provenance, Skip, StoreConfig, Work
from stancetrack.pipeline.storing import Store, cache_key

# Inputs read and decided at a time: one done-keys query each, memory flat however many.
READ_AHEAD = 64


@dataclass(frozen=True, slots=True)
class LiveIntake:
    """How `--batch-api` and `--queue` take inputs: keyed and skipped as the live path does
    (its Store, runs carrying the backend's provenance); with `--force`, only runs from
    `started` on count as done."""

    store: Store
    started: datetime
    force: bool

    @classmethod
    def open(cls, db: Database, target: str, backend: Backend, *, force: bool) -> LiveIntake:
        provenance = Provenance.of(backend)
        config = StoreConfig(database_url=db.url, target=target, provenance=provenance)
        return cls(Store(config, db), utcnow(), force)

    @property
    def since(self) -> datetime | None:
        return self.started if self.force else None

    def chunks(
        self, paths: Iterable[str], *, max_bytes: int, stdin: bytes | None
    ) -> Iterator[list[Work | Skip | BadInput]]:
        """The inputs of `paths`, decided a chunk at a time (`decided_inputs`)."""
        return decided_inputs(paths, self.store, max_bytes=max_bytes, stdin=stdin, since=self.since)


def decided_inputs(
    paths: Iterable[str],
    store: Store,
    *,
    max_bytes: int,
    stdin: bytes | None,
    since: datetime | None,
    chunk: int = READ_AHEAD,
) -> Iterator[list[Work | Skip | BadInput]]:
    """Chunks of inputs, each keyed and decided; `since`: `--force`'s start (only runs
    from then on count as done)."""
    prompt, model = store.backend.prompt.sha256, store.backend.model
    items = iter_inputs(
        paths, max_bytes=max_bytes, stdin=io.BytesIO(stdin) if stdin is not None else None
    )
    while batch := list(itertools.islice(items, chunk)):
        keys = [
            ""
            if isinstance(item, InputError)
            else cache_key(item.sha256, prompt, model, store.target)
            for item in batch
        ]
        done = store.done_keys([k for k in keys if k], since=since)
        out: list[Work | Skip | BadInput] = []
        for item, key in zip(batch, keys, strict=True):
            if isinstance(item, InputError):
                out.append(BadInput(item.source, item.reason))
            elif key in done:
                out.append(Skip(item.sha256))
            else:
                out.append(Work(item, key))
        yield out


@dataclass(slots=True)
class InputCounts:
    """What a command counts of its inputs (`extract --batch-api`'s and `--queue`'s summaries
    extend it)."""

    articles: int = 0
    skipped: int = 0
    failed: int = 0
    # The summary's JSON: these fields, in this order (a subclass names its own).
    JSON_KEYS: ClassVar[tuple[str, ...]] = ("articles", "skipped", "failed")

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self.JSON_KEYS:
            value = getattr(self, key)
            out[key] = list(value) if isinstance(value, list) else value  # a copy, not ours
        return out


def works_of(
    chunk: list[Work | Skip | BadInput],
    counts: InputCounts,
    on_error: Callable[[str, str], None] | None,
    *,
    taken: Collection[str] = (),
) -> list[Work]:
    """The chunk's articles still to send: bad inputs reported and counted as failed,
    skips (and articles whose cache key is in `taken`) counted as skipped."""
    works: list[Work] = []
    for nxt in chunk:
        if isinstance(nxt, BadInput):
            counts.failed += 1
            if on_error is not None:
                on_error(nxt.source, nxt.reason)
            continue
        counts.articles += 1
        if isinstance(nxt, Skip) or nxt.cache_key in taken:
            counts.skipped += 1
        else:
            works.append(nxt)
    return works
