"""`stancetrack worker`: runs queued extraction jobs, one article each, through its engine.

A job is idempotent: it skips an article whose cache key already has a successful run (the
live path's skip), and procrastinate's per-article lock keeps two copies of one job from
running at once, so at-least-once delivery never stores an article twice. The article, its
run, claims and rejections are committed in one transaction (the live path's Store): a
worker killed mid-job leaves nothing behind, and its job is run again elsewhere.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from stancetrack.db import Database
from stancetrack.db.models import Article
from stancetrack.llm.openai_backend import endpoint_host
from stancetrack.pipeline.engine import Engine
from stancetrack.pipeline.summary import ExtractObserver
from stancetrack.scaleout.batch_jobs import article_input
from stancetrack.scaleout.job_runner import JobRunner
from stancetrack.scaleout.pause import DbPause
from stancetrack.scaleout.queue_app import (
    CONTEXT_KEY,
    QUEUE,
    ensure_schema,
    make_app,
    requeue_stalled,
)
from stancetrack.settings import Settings

# The start of a failed run's error when its reply could not be stored (pipeline/storing.py).
STORE_FAILED = "could not store the claims"


class StoreConflict(Exception):
    """The reply could not be stored after several tries: the queue retries the job."""


class BackendGone(Exception):
    """The endpoint cannot be used now (unreachable, bad key): the job is retried later."""


class WorkerState(JobRunner):
    """What one worker process shares between its jobs: the database, the shared pause,
    and one extraction engine per (model, target) its jobs name (pipeline/engine.py),
    each built once and fed one article per job."""

    def __init__(self, settings: Settings, db: Database, name: str) -> None:
        self.settings = settings
        self.db = db
        self.name = name
        self.engines: dict[tuple[str, str], Engine] = {}

    def engine(self, model: str, target: str) -> Engine:
        key = (model, target)
        if key not in self.engines:
            settings = self.settings.model_copy(update={"model": model, "target": target})
            base = settings.openai_base_url or "https://api.openai.com/v1"
            self.engines[key] = Engine.open(
                settings,
                database=self.db,
                # After a 429 every worker on the endpoint waits (a backend without
                # requests ignores it), whichever backend the settings pick.
                pause=DbPause(self.db, endpoint_host(base)),
                # Jobs run concurrently on this event loop; one writer thread per engine
                # (the worker is a threaded process: no fork).
                writer_process=False,
            )
        return self.engines[key]

    async def aclose(self) -> None:
        for engine in self.engines.values():
            await engine.aclose()

    def _load(self, article_id: int) -> Article | None:
        with self.db.sessions() as session:
            article = session.get(Article, article_id)
            if article is not None:
                session.expunge(article)
            return article

    async def run(self, job: dict[str, Any], *, job_id: int | None) -> str:
        """One job: {article_id, model, target, force_since}; returns what happened:
        "gone" (deleted since queued), "skipped" (done, or in flight elsewhere), "ok" or
        "failed" (recorded on a failed run). Raises for what the queue should retry."""
        engine = self.engine(str(job["model"]), str(job["target"]))
        force_since = job.get("force_since")
        since = datetime.fromisoformat(force_since) if force_since else None
        article = await asyncio.to_thread(self._load, int(job["article_id"]))
        if article is None:
            return "gone"
        errors: list[str] = []
        summary = await engine.submit(
            article_input(article),
            since=since,
            run_params={"via": "worker", "worker": self.name, "job": job_id},
            observer=ExtractObserver(on_article_failed=lambda _source, e: errors.append(e)),
        )
        if summary.fatal is not None:  # no article can succeed now: the queue retries
            raise BackendGone(summary.fatal)
        if summary.extracted:
            return "ok"
        if summary.failed_articles:
            if any(e.startswith(STORE_FAILED) for e in errors):
                # The reply could not be stored (a clash with another worker that the
                # store's own retry did not resolve): the queue runs the job again.
                raise StoreConflict(errors[-1])
            return "failed"
        return "skipped"


async def run_worker(
    settings: Settings,
    *,
    concurrency: int,
    name: str,
    until_empty: bool = False,
    stalled_after: float = 30.0,
) -> None:
    """Run jobs until stopped (SIGINT/SIGTERM: finish the jobs in hand), or with
    `until_empty` until the queue is empty."""
    app = make_app(settings.database_url)
    db = Database(settings.database_url)
    state = WorkerState(settings, db, name)
    try:
        async with app.open_async():
            await ensure_schema(app)
            reaper = asyncio.ensure_future(requeue_stalled(app, stalled_after))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=concurrency,
                    name=name,
                    wait=not until_empty,
                    additional_context={CONTEXT_KEY: state},
                    update_heartbeat_interval=max(stalled_after / 4, 0.2),
                    stalled_worker_timeout=stalled_after,
                )
            finally:
                reaper.cancel()
    finally:
        await state.aclose()
        db.dispose()
