"""The job queue: procrastinate on the same PostgreSQL database as the claims.

Why procrastinate (docs/ARCHITECTURE.md, scale-out): no server beyond PostgreSQL, which the
workers need anyway; asyncio-native like the extraction path; jobs are rows taken with
`SELECT ... FOR UPDATE SKIP LOCKED`, so delivery is at-least-once; workers send heartbeats,
and a job whose worker died (kill -9, lost machine) is put back by `requeue_stalled`;
retries with backoff per task; periodic tasks exist for `watch`-style polling.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate
from sqlalchemy.engine import make_url

from stancetrack.db.engine import normalize_url
from stancetrack.errors import ConfigError
from stancetrack.scaleout.job_runner import JobRunner

EXTRACT_TASK = "stancetrack.extract_article"
QUEUE = "extract"
CONTEXT_KEY = "stancetrack"

log = logging.getLogger("stancetrack.scaleout")


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it (options such as search_path kept)."""
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            "the job queue needs PostgreSQL: --db postgresql://... (or STANCETRACK_DATABASE_URL)"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _extract_article(context: procrastinate.JobContext, /, **job: Any) -> str:
    state = context.additional_context.get(CONTEXT_KEY)
    if not isinstance(state, JobRunner):
        raise RuntimeError("an extraction job ran outside `stancetrack worker`")
    return await state.run(job, job_id=context.job.id)


def make_app(database_url: str) -> procrastinate.App:
    # procrastinate's pool checks each connection before lending it, so one terminated
    # under it (server restart, pg_terminate_backend) is replaced, not used.
    connector = procrastinate.PsycopgConnector(conninfo=libpq_url(database_url))
    app = procrastinate.App(connector=connector)
    app.task(
        name=EXTRACT_TASK,
        queue=QUEUE,
        pass_context=True,
        retry=procrastinate.RetryStrategy(max_attempts=8, wait=1, exponential_wait=2),
    )(_extract_article)
    return app


async def ensure_schema(app: procrastinate.App) -> None:
    """procrastinate's tables, created on first use (several processes may race: fine)."""
    if await app.check_connection_async():
        return
    try:
        await app.schema_manager.apply_schema_async()
    except Exception:
        if not await app.check_connection_async():  # not another process's doing: a failure
            raise


async def requeue_stalled(app: procrastinate.App, stalled_after: float) -> None:
    """Put back the jobs of workers without a heartbeat for `stalled_after` seconds."""
    while True:
        await asyncio.sleep(max(stalled_after / 3, 0.5))
        try:
            stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
            for job in stalled:
                log.warning("job %s stalled (its worker is gone): retrying it", job.id)
                await app.job_manager.retry_job(job)
        except Exception as exc:  # the database blinked: try again next round
            log.warning("could not check for stalled jobs: %s", exc)
