"""`stancetrack worker`: runs queued extraction jobs, one article each, through the live path.

A job is idempotent: it skips an article whose cache key already has a successful run (the
live path's skip), and procrastinate's per-article lock keeps two copies of one job from
running at once, so at-least-once delivery never stores an article twice. The article, its
run, claims and rejections are committed in one transaction (the live path's Store): a
worker killed mid-job leaves nothing behind, and its job is run again elsewhere.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from functools import partial
from typing import Any

from stancetrack.db import Database
from stancetrack.db.models import Article, utcnow
from stancetrack.db.repository.extraction import DbModeStore, done_cache_keys
from stancetrack.llm.base import Backend, ExtractionError
from stancetrack.llm.factory import make_backend, resolve_backend_name
from stancetrack.llm.openai_backend import OpenAIBackend, endpoint_host
from stancetrack.pipeline.messages import Failure, Provenance, StoreConfig, Work
from stancetrack.pipeline.storing import Store, cache_key
from stancetrack.scaleout.batch_jobs import article_input, extraction_request
from stancetrack.scaleout.pause import DbPause
from stancetrack.scaleout.queue_app import (
    CONTEXT_KEY,
    QUEUE,
    ensure_schema,
    make_app,
    requeue_stalled,
)
from stancetrack.settings import Settings

STORE_ATTEMPTS = 3


class StoreConflict(Exception):
    """The reply could not be stored after several tries: the queue retries the job."""


class BackendGone(Exception):
    """The endpoint cannot be used now (unreachable, bad key): the job is retried later."""


class WorkerState:
    """What one worker process shares between its jobs: the database, backends, pause."""

    def __init__(self, settings: Settings, db: Database, name: str) -> None:
        self.settings = settings
        self.db = db
        self.name = name
        self.backends: dict[tuple[str, str], Backend] = {}
        self.modes = DbModeStore(db)

    def backend(self, model: str, target: str) -> Backend:
        key = (model, target)
        if key not in self.backends:
            settings = self.settings.model_copy(update={"model": model, "target": target})
            name, _notice = resolve_backend_name(settings)
            if name == "openai":
                base = settings.openai_base_url or "https://api.openai.com/v1"
                pause = DbPause(self.db, endpoint_host(base))
                self.backends[key] = OpenAIBackend(settings, mode_store=self.modes, pause=pause)
            else:
                self.backends[key] = make_backend(settings)
        return self.backends[key]

    async def aclose(self) -> None:
        for backend in self.backends.values():
            await backend.aclose()

    def _load(
        self, article_id: int, backend: Backend, target: str, since: datetime | None
    ) -> tuple[Article | None, str, str]:
        """The article and its cache key, and "gone" / "skipped" / "" (to extract)."""
        with self.db.sessions() as session:
            article = session.get(Article, article_id)
            if article is None:
                return None, "", "gone"  # deleted since it was queued
            key = cache_key(article.sha256, backend.prompt.sha256, backend.model, target)
            if done_cache_keys(session, [key], since=since):
                return None, key, "skipped"
            session.expunge(article)
            return article, key, ""

    async def run(self, job: dict[str, Any], *, job_id: int | None) -> str:
        """One job: {article_id, model, target, force_since}; returns what happened."""
        model, target = str(job["model"]), str(job["target"])
        backend = self.backend(model, target)
        force_since = job.get("force_since")
        since = datetime.fromisoformat(force_since) if force_since else None
        loaded, key, status = await asyncio.to_thread(
            self._load, int(job["article_id"]), backend, target, since
        )
        if loaded is None:
            return status
        provenance = Provenance.of(backend)
        params = {**provenance.params, "via": "worker", "worker": self.name, "job": job_id}
        store = Store(
            StoreConfig(
                database_url=self.db.url,
                target=target,
                provenance=Provenance(
                    provenance.name,
                    provenance.model,
                    provenance.endpoint_host,
                    provenance.prompt,
                    provenance.temperature,
                    provenance.max_tokens,
                    params,
                ),
                force=False,
                batch_started=utcnow(),
            ),
            self.db,
        )
        work = Work(article_input(loaded), key)
        started = utcnow()
        t0 = time.perf_counter()
        try:
            reply = await backend.extract(extraction_request(loaded, target))
        except ExtractionError as exc:
            if exc.fatal:  # no article can succeed now: leave it to the queue's retries
                raise BackendGone(str(exc)) from exc
            elapsed = (time.perf_counter() - t0) * 1000
            await asyncio.to_thread(store.write_failure, work, started, elapsed, Failure.of(exc))
            return "failed"
        elapsed = (time.perf_counter() - t0) * 1000
        for _ in range(STORE_ATTEMPTS):
            outcome = await asyncio.to_thread(
                partial(store.write_reply, once=True), work, reply, started, elapsed
            )
            if outcome.status != "failed":
                return outcome.status  # ok, or skipped: another worker stored it first
            # Another worker created the same actor meanwhile (the Store recorded the clash
            # as a failed run and forgot its cached actors): store the same reply again.
        raise StoreConflict(outcome.error or "could not store the claims")


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
