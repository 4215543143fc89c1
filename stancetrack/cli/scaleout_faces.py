"""`extract --batch-api` and `extract --queue`: the scale-out faces of `extract`."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from stancetrack.cli.render import Format, emit_json, error_line, stderr, stdout_console

if TYPE_CHECKING:
    from stancetrack.settings import Settings


def _stdin(paths: list[str], settings: Settings) -> bytes | None:
    return sys.stdin.buffer.read(settings.max_file_bytes + 1) if "-" in paths else None


def _table(title: str, data: dict[str, object]) -> None:
    from rich.table import Table

    table = Table(title=title, header_style="bold")
    for key in data:
        table.add_column(key, justify="right")
    table.add_row(
        *(", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in data.values())
    )
    stdout_console().print(table)


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
                on_error=lambda source, reason: error_line(f"{source}: {reason}"),
                stdin=_stdin(paths, settings),
            )
        )
    finally:
        db.dispose()
    data = summary.as_json()
    if fmt is Format.json:
        emit_json(data)
    else:
        _table("Batch API submission", data)
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
            on_error=lambda source, reason: error_line(f"{source}: {reason}"),
            stdin=_stdin(paths, settings),
        )
    )
    data = summary.as_json()
    if fmt is Format.json:
        emit_json(data)
    else:
        _table("Queued", data)
    if summary.queued:
        stderr().print("queued; run the jobs with: stancetrack worker")
    return 1 if summary.failed else 0
