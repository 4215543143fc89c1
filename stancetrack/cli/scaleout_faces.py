"""`extract --batch-api` and `extract --queue`: the scale-out faces of `extract`."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from stancetrack.cli.render import Format, emit_summary, source_error, stderr

if TYPE_CHECKING:
    from stancetrack.settings import Settings


def _stdin(paths: list[str], settings: Settings) -> bytes | None:
    return sys.stdin.buffer.read(settings.max_file_bytes + 1) if "-" in paths else None


def _cell(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def submit_batch(paths: list[str], settings: Settings, *, force: bool, fmt: Format) -> int:
    from stancetrack.db import Database
    from stancetrack.scaleout.batch_submit import submit

    db = Database(settings.database_url)
    try:
        summary = asyncio.run(
            submit(
                db,
                paths,
                settings,
                force=force,
                on_error=source_error,
                stdin=_stdin(paths, settings),
            )
        )
    finally:
        db.dispose()
    emit_summary("Batch API submission", summary.as_json(), fmt, _cell)
    if summary.batches:
        stderr().print("submitted; store the results with: stancetrack batches collect [--wait]")
    return 1 if summary.failed else 0


def enqueue_articles(paths: list[str], settings: Settings, *, force: bool, fmt: Format) -> int:
    from stancetrack.scaleout.queue_api import enqueue

    summary = asyncio.run(
        enqueue(
            paths,
            settings,
            force=force,
            on_error=source_error,
            stdin=_stdin(paths, settings),
        )
    )
    emit_summary("Queued", summary.as_json(), fmt, _cell)
    if summary.queued:
        stderr().print("queued; run the jobs with: stancetrack worker")
    return 1 if summary.failed else 0
