"""`stancetrack batches`: Batch API jobs: list, collect, resubmit, cancel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import command_settings
from stancetrack.cli.options import BaseUrlOption, DbOption, DebugOption, DocumentFormatOption
from stancetrack.cli.render import (
    Format,
    emit_json,
    emit_summary,
    note_line,
    resolve_format,
    stderr,
    stdout_console,
)

if TYPE_CHECKING:
    from stancetrack.db import Database
    from stancetrack.settings import Settings

T = TypeVar("T")

batches_app = typer.Typer(
    help="Batch API jobs submitted by `extract --batch-api`.", invoke_without_command=True
)
app.add_typer(batches_app, name="batches")


def _run_against(
    ctx: typer.Context, work: Callable[[Database, Settings], Coroutine[Any, Any, T]]
) -> T:
    """Run one Batch API coroutine on the database and endpoint the options name."""
    from stancetrack.db import Database

    settings = command_settings(ctx)
    database = Database(settings.database_url)
    try:
        return asyncio.run(work(database, settings))
    finally:
        database.dispose()


@batches_app.callback()
def batches_command(
    ctx: typer.Context,
    base_url: BaseUrlOption = None,
    db: DbOption = None,
    format: DocumentFormatOption = None,
    debug: DebugOption = False,
) -> None:
    """List Batch API jobs with their status and their articles' states.

    Articles: pending (waiting), stored, live (to be re-run live), unfinished (the batch
    failed, expired or was cancelled: `batches resubmit`), resubmitted.
    """
    if ctx.invoked_subcommand is not None:
        return
    from stancetrack.db import Database
    from stancetrack.db.repository import batches as repo

    settings = command_settings(ctx)
    database = Database(settings.database_url)
    try:
        with database.sessions() as session:
            rows = repo.list_batches(session)
            states = repo.item_states(session, [b.id for b in rows])
            data: list[dict[str, Any]] = [
                {
                    "id": b.id,
                    "batch": b.provider_id,
                    "status": b.status,
                    "collected": b.collected_at.isoformat() if b.collected_at else None,
                    "model": b.model,
                    "target": b.target,
                    "requests": b.requests,
                    "counts": b.counts,
                    "articles": states[b.id],
                    "created_at": b.created_at.isoformat(),
                    "error": b.error,
                }
                for b in rows
            ]
    finally:
        database.dispose()
    if resolve_format(format) is Format.json:
        emit_json(data)
        return
    from rich.table import Table

    table = Table(title="Batches", header_style="bold")
    for column in ("id", "batch", "status", "collected", "requests", "articles"):
        table.add_column(column)
    for row in data:
        articles = ", ".join(f"{k} {v}" for k, v in sorted(row["articles"].items()))
        table.add_row(
            str(row["id"]),
            row["batch"] or "-",
            row["status"],
            "yes" if row["collected"] else "no",
            str(row["requests"]),
            articles,
        )
    stdout_console().print(table)


@batches_app.command("collect")
def collect_command(
    ctx: typer.Context,
    wait: Annotated[
        bool, typer.Option("--wait", help="Poll until every open batch is finished.")
    ] = False,
    poll: Annotated[
        float, typer.Option("--poll", min=0.01, help="Seconds between polls with --wait.")
    ] = 30.0,
    base_url: BaseUrlOption = None,
    db: DbOption = None,
    format: DocumentFormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Store the results of finished batches (idempotent: run it as often as you like).

    Answers the live path would re-ask about, and per-request errors, are re-run live.
    """
    from stancetrack.scaleout.batch_collect import collect

    summary = _run_against(
        ctx,
        lambda database, settings: collect(
            database, settings, wait=wait, poll_seconds=poll, notify=note_line
        ),
    )
    emit_summary("Collected", summary.as_json(), resolve_format(format))
    if summary.waiting:
        stderr().print(f"{len(summary.waiting)} batch(es) still running: collect again later")


@batches_app.command("resubmit")
def resubmit_command(
    ctx: typer.Context,
    batch: Annotated[
        str | None, typer.Argument(help="Batch id (ours or the provider's); default: all.")
    ] = None,
    base_url: BaseUrlOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Submit again, as a new batch, the articles a failed/expired/cancelled batch left."""
    from stancetrack.scaleout.batch_collect import resubmit

    created = _run_against(
        ctx,
        lambda database, settings: resubmit(database, settings, batch, notify=note_line),
    )
    if not created:
        stderr().print("nothing to resubmit")
    emit_json({"batches": created})


@batches_app.command("cancel")
def cancel_command(
    ctx: typer.Context,
    batch: Annotated[str, typer.Argument(help="Batch id (ours or the provider's).")],
    base_url: BaseUrlOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Cancel a batch; `collect` then stores what it had finished."""
    from stancetrack.scaleout.batch_collect import cancel

    status = _run_against(ctx, lambda database, settings: cancel(database, settings, batch))
    emit_json({"batch": batch, "status": status})
