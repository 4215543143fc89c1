"""`stancetrack extract`: ingest inputs and extract grounded claims from them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import command_settings
from stancetrack.cli.observing import failures_shown
from stancetrack.cli.options import (
    BackendOption,
    BaseUrlOption,
    ConcurrencyOption,
    DbOption,
    DebugOption,
    DocumentFormatOption,
    ModelOption,
    TimeoutOption,
)
from stancetrack.cli.render import (
    emit_summary,
    error_line,
    note_line,
    resolve_format,
    stderr,
)

if TYPE_CHECKING:
    from stancetrack.pipeline import ExtractSummary


@app.command("extract")
def extract_command(
    ctx: typer.Context,
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories (recursive), URLs or '-' for stdin.")
    ],
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    concurrency: ConcurrencyOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Re-extract articles already extracted the same way."),
    ] = False,
    target: Annotated[
        str | None,
        typer.Option("--target", help="What stance is toward (default: NATO expansion)."),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option("--max-tokens", min=16, help="Completion token limit per request."),
    ] = None,
    temperature: Annotated[
        float | None,
        typer.Option("--temperature", min=0.0, max=2.0, help="Sampling temperature."),
    ] = None,
    timeout: TimeoutOption = None,
    batch_api: Annotated[
        bool,
        typer.Option(
            "--batch-api",
            help="Submit the requests through the Batch API (half price, results within 24 h)"
            " and return; store them later with `stancetrack batches collect`.",
        ),
    ] = False,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue",
            help="Enqueue one job per article (PostgreSQL) and return; `stancetrack worker`"
            " processes them.",
        ),
    ] = False,
    db: DbOption = None,
    format: DocumentFormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Extract grounded claims from articles and store them (skips what is already done).

    Exit 0 when every input and article succeeded, 1 when some failed (the rest are
    processed and stored), 130 when interrupted (what was committed stays).

    Example: stancetrack extract fixtures/articles --backend rules
    """
    from stancetrack.pipeline import extract

    settings = command_settings(ctx)
    fmt = resolve_format(format)
    if batch_api and queue:
        raise typer.BadParameter("choose one of --batch-api and --queue")
    if batch_api or queue:
        from stancetrack.cli.scaleout_faces import enqueue_articles, submit_batch

        face = submit_batch if batch_api else enqueue_articles
        raise typer.Exit(face(paths, settings, force=force, fmt=fmt))

    with _progress() as on_progress:
        observer = failures_shown(
            on_notice=note_line,
            on_progress=on_progress,
        )
        summary = extract(paths, settings=settings, force=force, observer=observer)
    emit_summary("Extraction", summary.as_json(), fmt)
    raise typer.Exit(_finish(summary))


def _finish(summary: ExtractSummary) -> int:
    """One closing line on stderr when something went wrong; the exit code."""
    if summary.fatal is not None:
        error_line(f"stopped: {summary.fatal}")
        return 1
    if summary.interrupted:
        stderr().print(
            f"interrupted: {summary.extracted + summary.failed_articles} article(s) committed;"
            " run the same command again to finish the rest"
        )
        return 130
    if summary.failed:
        stderr().print(f"{summary.failed} input(s) or article(s) failed; the rest were processed")
        return 1
    return 0


@contextmanager
def _progress() -> Iterator[Callable[[ExtractSummary], None] | None]:
    """A live progress line on stderr, only when stderr is a terminal."""
    if not stderr().is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=stderr(),
        transient=True,
    )
    task = progress.add_task("starting")

    def update(s: ExtractSummary) -> None:
        progress.update(
            task,
            description=(
                f"articles {s.extracted + s.skipped + s.failed_articles}/{s.articles}"
                f" ({s.skipped} skipped, {s.failed} failed) · claims {s.claims}"
                f" · rejected {s.rejected} · tokens {s.prompt_tokens + s.completion_tokens}"
            ),
        )

    with progress:
        yield update
