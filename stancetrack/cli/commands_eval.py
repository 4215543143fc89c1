"""`stancetrack eval GOLD`: score a backend against gold annotations (no database)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import command_settings
from stancetrack.cli.options import (
    BackendOption,
    BaseUrlOption,
    ConcurrencyOption,
    DebugOption,
    DocumentFormatOption,
    ModelOption,
    TargetOption,
)
from stancetrack.cli.render import Format, emit_json, emit_table, resolve_format, stderr
from stancetrack.errors import UsageError

if TYPE_CHECKING:
    from stancetrack.evaluation.runner import EvalResult


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold directory: fixtures/gold (project format) or a PolNeAR-style "
            "directory with text/ and attributions/."
        ),
    ],
    backend: BackendOption = "rules",
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    concurrency: ConcurrencyOption = None,
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
    target: TargetOption = None,
    format: DocumentFormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Score a backend's claims, speakers and stances against gold annotations.

    Example: stancetrack eval fixtures/gold --backend openai --model gpt-4o-mini
    """
    import asyncio

    from stancetrack.evaluation import evaluate, load_gold
    from stancetrack.evaluation.brat import ANNOTATOR_CHOICES
    from stancetrack.evaluation.report import TABLE_COLUMNS, table_rows
    from stancetrack.llm.factory import make_backend, resolve_backend_name

    if annotators not in ANNOTATOR_CHOICES:
        raise UsageError(f"--annotators must be first or all, not {annotators!r}")
    fmt = resolve_format(format)
    # --backend picks the backend to score (default: rules), not the configured one.
    settings = command_settings(ctx, exclude=("backend",))
    name, notice = resolve_backend_name(settings, backend or "rules")
    if notice:
        stderr().print(notice)
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
        stderr().print(f"[dim]{note}[/dim]", markup=True)
    if fmt is Format.json:
        emit_json(result.as_dict())
        return
    title = (
        f"{result.backend} ({result.model}) on {gold_set.name}: {result.scores.documents} "
        f"documents, {result.seconds:.2f}s"
    )
    emit_table(table_rows(result), TABLE_COLUMNS, title=title)
    if result.ungrounded:
        stderr().print(f"{result.ungrounded} predicted quotes could not be grounded (not scored)")
    if result.failed:
        stderr().print(f"{len(result.failed)} documents failed: {result.failed[0]}")
