"""`stancetrack extract`: ingest inputs and extract grounded claims from them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import settings_for
from stancetrack.cli.options import DbOption, DebugOption, FormatOption
from stancetrack.cli.render import Format, emit_json, err, resolve_format, stdout_console
from stancetrack.errors import InputError
from stancetrack.pipeline import ExtractObserver, ExtractSummary, extract

BackendOption = Annotated[
    str | None,
    typer.Option(
        "--backend",
        "-b",
        envvar="STANCETRACK_BACKEND",
        help="auto (openai when an endpoint is configured, else rules), openai or rules.",
        show_default=False,
        metavar="auto|openai|rules",
    ),
]


@app.command("extract")
def extract_command(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories (recursive), URLs or '-' for stdin.")
    ],
    backend: BackendOption = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", "-m", envvar="STANCETRACK_MODEL", help="Model name.", show_default=False
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="OPENAI_BASE_URL",
            help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1.",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            "-c",
            envvar="STANCETRACK_CONCURRENCY",
            min=1,
            max=512,
            help="Requests in flight at once (default 8).",
            show_default=False,
        ),
    ] = None,
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
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0.001, help="Seconds per request before retrying."),
    ] = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Read articles, extract grounded claims and store them (skips what is already done).

    Exit 0 when every input and article succeeded, 1 when some failed (the rest are
    processed and stored), 130 when interrupted (what was committed stays).
    """
    if backend is not None and backend not in {"auto", "openai", "rules"}:
        raise typer.BadParameter(
            f"{backend!r} is not one of auto, openai, rules", param_hint="--backend"
        )
    settings = settings_for(
        db,
        backend=backend,
        model=model,
        openai_base_url=base_url,
        concurrency=concurrency,
        target=target,
        max_tokens=max_tokens,
        temperature=temperature,
        request_timeout=timeout,
    )
    fmt = resolve_format(format)
    if fmt not in {Format.table, Format.json}:
        raise typer.BadParameter("extract prints table or json", param_hint="--format")

    def input_failed(error: InputError) -> None:
        _error_line(f"{error.source}: {error.reason}")

    def article_failed(source: str, message: str) -> None:
        _error_line(f"{source}: {message}")

    with _progress() as on_progress:
        observer = ExtractObserver(
            on_input_error=input_failed,
            on_article_failed=article_failed,
            on_progress=on_progress,
            on_notice=lambda text: err.print(f"note: {text}", highlight=False),
        )
        summary = extract(paths, settings=settings, force=force, observer=observer)
    _render(summary, fmt)
    raise typer.Exit(_finish(summary))


def _error_line(message: str) -> None:
    from rich.markup import escape

    err.print(f"[red]error:[/red] {escape(message)}", markup=True, highlight=False)


def _render(summary: ExtractSummary, fmt: Format) -> None:
    data = summary.as_json()
    if fmt is Format.json:
        emit_json(data)
        return
    from rich.table import Table

    table = Table(title="Extraction", header_style="bold")
    for key in data:
        table.add_column(key, justify="right")
    table.add_row(*(str(v) for v in data.values()))
    stdout_console().print(table)


def _finish(summary: ExtractSummary) -> int:
    """One closing line on stderr when something went wrong; the exit code."""
    if summary.fatal is not None:
        _error_line(f"stopped: {summary.fatal}")
        return 1
    if summary.interrupted:
        err.print(
            f"interrupted: {summary.extracted + summary.failed_articles} article(s) committed;"
            " run the same command again to finish the rest"
        )
        return 130
    if summary.failed:
        err.print(f"{summary.failed} input(s) or article(s) failed; the rest were processed")
        return 1
    return 0


@contextmanager
def _progress() -> Iterator[Callable[[ExtractSummary], None] | None]:
    """A live progress line on stderr, only when stderr is a terminal."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
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
