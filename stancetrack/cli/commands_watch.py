"""`stancetrack watch`: follow feeds and directories, extract what is new as it appears."""

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
    TargetOption,
)
from stancetrack.cli.render import (
    Format,
    emit_json,
    emit_jsonl,
    error_line,
    note_line,
    resolve_format,
    stderr,
    visible,
)

if TYPE_CHECKING:
    from stancetrack.analysis.changes import Change
    from stancetrack.pipeline import ExtractSummary
    from stancetrack.tracking.poller import SourceReport
    from stancetrack.tracking.watch import PollSummary


@app.command("watch")
def watch_command(
    ctx: typer.Context,
    sources: Annotated[
        list[str], typer.Argument(help="RSS/Atom feed URLs and directories to follow.")
    ],
    interval: Annotated[
        float, typer.Option("--interval", min=1.0, help="Seconds between polls.")
    ] = 300.0,
    once: Annotated[
        bool, typer.Option("--once", help="Poll every source once, extract, and exit.")
    ] = False,
    fetch_timeout: Annotated[
        float,
        typer.Option("--fetch-timeout", min=0.1, help="Seconds to wait for each network read."),
    ] = 20.0,
    fetch_deadline: Annotated[
        float,
        typer.Option("--fetch-deadline", min=0.1, help="Seconds a whole download may take."),
    ] = 60.0,
    per_host: Annotated[
        int, typer.Option("--per-host", min=1, max=64, help="Downloads at once from one host.")
    ] = 2,
    ignore_backoff: Annotated[
        bool,
        typer.Option("--ignore-backoff", help="Poll failing sources now, not after their wait."),
    ] = False,
    notify: Annotated[
        str | None,
        typer.Option(
            "--notify",
            metavar="URL",
            help="POST each new stance change as JSON to this http(s) webhook (retried).",
            show_default=False,
        ),
    ] = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    concurrency: ConcurrencyOption = None,
    target: TargetOption = None,
    db: DbOption = None,
    format: DocumentFormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Poll feeds and directories; store and extract only what is new (restarts resume).

    Each poll prints one summary (--format json: extract's counts plus "sources" and the
    stance "changes" its articles brought; one line per poll without --once); on a
    terminal each change is one line. --notify posts each change to a webhook.
    Ctrl-C or SIGTERM stops after committing what is done. Exit 0 when the last poll went
    well, 1 when a source or an article failed, 130 when stopped.

    Example: stancetrack watch https://example.com/rss.xml news/ --interval 600
    """
    from stancetrack.db.read_models import dump
    from stancetrack.tracking.poller import PollOptions
    from stancetrack.tracking.sources import parse_sources
    from stancetrack.tracking.watch import watch

    found = parse_sources(sources)
    if notify is not None:
        from stancetrack.errors import UsageError
        from stancetrack.ingest.fetch import url_problem

        problem = url_problem(notify)
        if problem is not None:
            raise UsageError(f"--notify {notify!r}: {problem}")
    settings = command_settings(ctx)
    fmt = resolve_format(format)
    options = PollOptions(
        interval=interval,
        max_bytes=settings.max_file_bytes,
        timeout=fetch_timeout,
        deadline=fetch_deadline,
        per_host=per_host,
        ignore_backoff=ignore_backoff,
    )
    notices: set[str] = set()

    def notice(text: str) -> None:
        if text not in notices:  # once per run, not once per poll
            notices.add(text)
            note_line(text)

    with _status() as show:
        fetched: dict[str, SourceReport] = {}

        def item_done(report: SourceReport) -> None:
            fetched[report.source] = report
            new = sum(r.new for r in fetched.values())
            failed = sum(r.failed for r in fetched.values())
            show(f"fetching pages: {new} new, {failed} failed")

        def extracting(s: ExtractSummary) -> None:
            done = s.extracted + s.skipped + s.failed_articles
            show(f"extracting: {done}/{s.articles} articles, {s.claims} claims")

        def polled(summary: PollSummary) -> None:
            fetched.clear()
            show("waiting for the next poll" if not once else "done")
            _render(summary, fmt, once)

        observer = failures_shown(
            on_notice=notice, on_progress=extracting if show is not _quiet else None
        )
        notifier = None
        if notify is not None:
            from stancetrack.tracking.notify import Notifier

            notifier = Notifier(notify, on_error=error_line)
        try:
            last = watch(
                found,
                settings,
                options,
                once=once,
                on_poll=polled,
                observer=observer,
                on_error=error_line,
                on_item=item_done if show is not _quiet else None,
                on_change=(lambda c: notifier.send(dump(c.read_model()))) if notifier else None,
            )
        finally:
            if notifier is not None:
                notifier.close()
    if last.stopped:
        stderr().print("stopped: what was fetched and extracted is committed; run again to go on")
        raise typer.Exit(130)
    raise typer.Exit(0 if last.ok else 1)


def _quiet(text: str) -> None:
    pass


@contextmanager
def _status() -> Iterator[Callable[[str], None]]:
    """A live status line on stderr, only when stderr is a terminal."""
    if not stderr().is_terminal:
        yield _quiet
        return
    with stderr().status("polling") as status:
        yield lambda text: status.update(text)


def _render(summary: PollSummary, fmt: Format, once: bool) -> None:
    """A table, or JSON: one document with --once (like `extract`), else one line per poll."""
    if fmt is Format.json:
        if once:
            emit_json(summary.as_json())
        else:
            emit_jsonl([summary.as_json()])
        return
    from rich.table import Table

    from stancetrack.cli.render import stdout_console

    counts = summary.extract.as_json()
    table = Table(title="Poll", header_style="bold")
    for col in ("source", "status", "items", "new", "failed"):
        table.add_column(col, overflow="fold")
    for s in summary.sources:
        table.add_row(
            s.source,
            s.status + (f": {s.error}" if s.error else ""),
            str(s.items),
            str(s.new),
            str(s.failed),
        )
    console = stdout_console()
    console.print(table)
    console.print(" · ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)
    for change in summary.changes:  # one line each
        console.print(change_line(change), highlight=False, markup=False)


def change_line(change: Change) -> str:
    """`change: Recep Tayyip Erdogan (Finland): oppose -> support, 2023-03-31 #6 ...`"""
    after = change.after.article
    about = f" ({change.subject})" if change.subject else ""
    when = after.published.isoformat() if after.published else "undated"
    return visible(
        f"change: {change.actor}{about}: {change.before_stance} -> {change.after_stance}, "
        f"{when} #{after.id} {after.title}"
    )
