"""`extract --queue`: store each new article and queue one extraction job for it.

The articles are stored here (so a worker on any machine reads them from the database, not
from this machine's files); what is already extracted the same way, or already waiting in
the queue (procrastinate's queueing lock on the cache key), is not queued again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import procrastinate

from stancetrack.db import Database
from stancetrack.db.repository.articles import store_article
from stancetrack.llm.factory import make_backend
from stancetrack.scaleout.inputs import InputCounts, LiveIntake, works_of
from stancetrack.scaleout.queue_app import EXTRACT_TASK, ensure_schema, make_app
from stancetrack.settings import Settings


@dataclass(slots=True)
class EnqueueSummary(InputCounts):
    queued: int = 0

    JSON_KEYS = ("articles", "queued", "skipped", "failed")


async def enqueue(
    paths: Iterable[str],
    settings: Settings,
    *,
    force: bool = False,
    on_error: Callable[[str, str], None] | None = None,
    stdin: bytes | None = None,
) -> EnqueueSummary:
    app = make_app(settings.database_url)
    db = Database(settings.database_url)
    backend = make_backend(settings)
    intake = LiveIntake.open(db, settings.target, backend, force=force)
    summary = EnqueueSummary()
    try:
        async with app.open_async():
            await ensure_schema(app)
            task = app.tasks[EXTRACT_TASK]
            for chunk in intake.chunks(paths, max_bytes=settings.max_file_bytes, stdin=stdin):
                works = works_of(chunk, summary, on_error)
                with db.session() as session:
                    ids = [store_article(session, w.item)[0] for w in works]
                for work, article_id in zip(works, ids, strict=True):
                    try:
                        await task.configure(
                            lock=work.cache_key, queueing_lock=work.cache_key
                        ).defer_async(
                            article_id=article_id,
                            model=backend.model,
                            target=settings.target,
                            force_since=intake.since.isoformat() if intake.since else None,
                        )
                    except procrastinate.exceptions.AlreadyEnqueued:
                        summary.skipped += 1  # waiting in the queue already
                    else:
                        summary.queued += 1
    finally:
        await backend.aclose()
        db.dispose()
    return summary
