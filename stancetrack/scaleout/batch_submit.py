"""`extract --batch-api`: the live path's requests, written to JSONL files and submitted.

Inputs are read and skip-checked by the live path's Store (same cache keys, same `--force`),
articles already waiting in a batch are not sent again, and each article is stored before its
batch is recorded. Files are written to disk as the inputs stream by and launched as soon as
one is full, so memory stays flat however large the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from stancetrack.db import Database
from stancetrack.db.repository import batches as repo
from stancetrack.db.repository.articles import store_article
from stancetrack.scaleout.batch_files import Limits, RequestFile
from stancetrack.scaleout.batch_jobs import (
    article_lines,
    batch_fields,
    extraction_request,
    launch,
    openai_backend,
)
from stancetrack.scaleout.batch_provider import Provider
from stancetrack.scaleout.inputs import InputCounts, LiveIntake, works_of
from stancetrack.settings import Settings


@dataclass(slots=True)
class SubmitSummary(InputCounts):
    submitted: int = 0
    requests: int = 0
    batches: list[str] = field(default_factory=list)

    JSON_KEYS = ("articles", "submitted", "skipped", "failed", "requests", "batches")


async def submit(
    db: Database,
    paths: Iterable[str],
    settings: Settings,
    *,
    force: bool = False,
    limits: Limits | None = None,
    on_error: Callable[[str, str], None] | None = None,
    stdin: bytes | None = None,
) -> SubmitSummary:
    """Submit every article of `paths` not yet extracted (nor waiting in a batch)."""
    limits = limits or Limits()
    backend = openai_backend(settings)
    provider = Provider(settings)
    mode = backend.preferred_mode()
    target = settings.target
    intake = LiveIntake.open(db, target, backend, force=force)
    summary = SubmitSummary()
    queued: set[str] = set()  # cache keys put in a file by this call
    current: RequestFile | None = None

    async def finish(done: RequestFile) -> None:
        done.close()
        try:
            with db.session() as session:
                batch_id = repo.create_batch(
                    session, {**batch_fields(backend, target, mode), "requests": done.requests}
                )
                repo.add_items(session, batch_id, done.items)
            summary.batches.append(await launch(db, provider, batch_id, done.path))
        finally:
            done.discard()
        queued.clear()  # recorded as pending now: pending_cache_keys sees them

    try:
        for chunk in intake.chunks(paths, max_bytes=settings.max_file_bytes, stdin=stdin):
            works = works_of(chunk, summary, on_error, taken=queued)
            if not works:
                continue
            with db.session() as session:
                waiting = repo.pending_cache_keys(session, [w.cache_key for w in works])
                ids = [
                    store_article(session, w.item)[0] if w.cache_key not in waiting else 0
                    for w in works
                ]
            for work, article_id in zip(works, ids, strict=True):
                if work.cache_key in waiting:
                    summary.skipped += 1
                    continue
                lines = article_lines(
                    backend, extraction_request(work.item, target), work.cache_key, mode
                )
                if current is not None and not current.fits(lines):
                    await finish(current)
                    current = None
                if current is None:
                    current = RequestFile(limits)
                if not current.fits(lines):
                    summary.failed += 1
                    if on_error is not None:
                        on_error(work.item.source, "too large for one batch file")
                    continue
                current.add(article_id, work.cache_key, lines)
                queued.add(work.cache_key)
                summary.submitted += 1
                summary.requests += len(lines)
        if current is not None and current.items:
            await finish(current)
    finally:
        if current is not None:
            current.discard()
        await provider.aclose()
        await backend.aclose()
    return summary
