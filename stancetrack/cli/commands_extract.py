"""`stancetrack extract`: ingest inputs and extract claims from them."""

from __future__ import annotations

from typing import Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import open_db, settings_for
from stancetrack.cli.options import DbOption, DebugOption, FormatOption
from stancetrack.cli.render import Format, emit_json, err, resolve_format, stdout_console
from stancetrack.errors import InputError
from stancetrack.pipeline import ingest


@app.command("extract")
def extract_command(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories (recursive) or '-' for stdin.")
    ],
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Read articles, extract grounded claims and store them."""
    settings = settings_for(db)
    database = open_db(settings)

    def report(error: InputError) -> None:
        err.print(f"[red]error:[/red] {error.source}: {error.reason}", markup=True)

    result = ingest(database, paths, settings, on_error=report)
    summary = {
        "articles": len(result.article_ids),
        "extracted": 0,
        "skipped": 0,
        "failed": len(result.errors),
        "claims": 0,
        "rejected": 0,
    }
    if resolve_format(format) is Format.table:
        stdout_console().print(" ".join(f"{k}={v}" for k, v in summary.items()))
    else:
        emit_json(summary)
    if result.errors:
        err.print(f"{len(result.errors)} input(s) failed; the rest were processed")
        raise typer.Exit(1)
