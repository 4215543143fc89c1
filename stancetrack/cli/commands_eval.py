"""`stancetrack eval GOLD`: score a backend against gold annotations (no database)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import settings_for
from stancetrack.cli.options import DebugOption
from stancetrack.cli.render import Format, emit_json, emit_table, err, resolve_format
from stancetrack.errors import UsageError
from stancetrack.evaluation import evaluate, load_gold
from stancetrack.evaluation.brat import ANNOTATOR_CHOICES
from stancetrack.evaluation.report import TABLE_COLUMNS, table_rows
from stancetrack.evaluation.runner import EvalResult
from stancetrack.llm.factory import make_backend, resolve_backend_name


@app.command("eval")
def eval_command(
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold directory: fixtures/gold (project format) or a PolNeAR-style "
            "directory with text/ and attributions/."
        ),
    ],
    backend: Annotated[
        str,
        typer.Option(
            "--backend",
            "-b",
            help="What to score: rules, openai, or auto.",
            metavar="rules|openai|auto",
        ),
    ] = "rules",
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model name (openai backend).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="OPENAI_BASE_URL",
            help="OpenAI-compatible endpoint.",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-c", min=1, max=512, help="Articles in flight at once."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="Score only the first N documents.")
    ] = None,
    annotators: Annotated[
        str,
        typer.Option(
            "--annotators",
            help="PolNeAR articles with several annotation files: 'first' (the annotator "
            "code that sorts first) or 'all' (each file scored as its own document).",
            metavar="first|all",
        ),
    ] = "first",
    format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="table or json (default: table on a terminal, json when piped).",
            show_default=False,
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Score claims, speakers and stance of a backend against gold annotations."""
    if backend not in ("rules", "openai", "auto"):
        raise UsageError(f"--backend must be rules, openai or auto, not {backend!r}")
    if annotators not in ANNOTATOR_CHOICES:
        raise UsageError(f"--annotators must be first or all, not {annotators!r}")
    fmt = resolve_format(format)
    if fmt not in (Format.table, Format.json):
        raise UsageError("eval prints --format table or json")
    settings = settings_for(None, model=model, openai_base_url=base_url, concurrency=concurrency)
    name, notice = resolve_backend_name(settings, backend)
    if notice:
        err.print(notice)
    gold_set = load_gold(gold, annotators=annotators)
    chosen = make_backend(settings, backend=name)

    async def run() -> EvalResult:
        try:
            return await evaluate(
                chosen,
                gold_set,
                target=settings.target,
                concurrency=settings.concurrency if name == "openai" else 1,
                limit=limit,
            )
        finally:
            await chosen.aclose()

    result = asyncio.run(run())
    for note in gold_set.notes:
        err.print(f"[dim]{note}[/dim]", markup=True)
    if fmt is Format.json:
        emit_json(result.as_dict())
        return
    title = (
        f"{result.backend} ({result.model}) on {gold_set.name}: {result.scores.documents} "
        f"documents, {result.seconds:.2f}s"
    )
    emit_table(table_rows(result), TABLE_COLUMNS, title=title)
    if result.ungrounded:
        err.print(f"{result.ungrounded} predicted quotes could not be grounded (not scored)")
    if result.failed:
        err.print(f"{len(result.failed)} documents failed: {result.failed[0]}")
