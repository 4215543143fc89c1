"""`stancetrack check`: what does the configured endpoint support? (see llm/probe.py)

Exit 0 when the endpoint is reachable and accepts at least one structured-output mode,
else 1 (with one line on stderr saying why); 2 when no endpoint is configured.

`--format json` prints one object::

    {"endpoint": "http://127.0.0.1:8080/v1", "host": "127.0.0.1:8080", "model": "...",
     "reachable": true, "reason": null, "latency_ms": 2.1,
     "models": ["..."], "model_listed": true,
     "modes": {"json_schema": {"ok": false, "status": 500, "detail": "...",
                               "latency_ms": 30.2, "valid_json": null},
               "json_object": {"ok": true, "status": 200, "detail": null,
                               "latency_ms": 812.5, "valid_json": true},
               "plain": {...}},
     "best_mode": "json_object", "ok": true, "saved": false}

`latency_ms` is the GET /models round trip (null when it got no answer); `models` is empty
and `model_listed` null when the server lists none; `modes` is empty when the host could not
be reached at all. `--save` stores `best_mode` in the database, so the next `extract`
against this endpoint and model starts with it instead of probing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import command_settings, open_db
from stancetrack.cli.options import (
    BaseUrlOption,
    DbOption,
    DebugOption,
    DocumentFormatOption,
    ModelOption,
    TimeoutOption,
)
from stancetrack.cli.render import Format, emit_json, error_line, resolve_format, stdout_console

if TYPE_CHECKING:
    from stancetrack.llm.probe import ProbeReport


@app.command("check")
def check_command(
    ctx: typer.Context,
    base_url: BaseUrlOption = None,
    model: ModelOption = None,
    timeout: TimeoutOption = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save", help="Remember the best mode in the database for later `extract` runs."
        ),
    ] = False,
    db: DbOption = None,
    format: DocumentFormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Probe the LLM endpoint: reachability, models, accepted output modes, latency.

    Each request waits --timeout seconds (default 60). Exit 0 when the endpoint accepts a
    structured-output mode, 1 when not, 2 when no endpoint is configured.
    Example: stancetrack check --base-url http://127.0.0.1:8080/v1 --save
    """
    from stancetrack.llm.probe import DEFAULT_TIMEOUT, probe_endpoint

    settings = command_settings(ctx, exclude=("timeout",))  # --timeout is the probe's own
    report = probe_endpoint(settings, timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
    saved = False
    if save and report.best_mode is not None:
        from stancetrack.db.repository.extraction import DbModeStore

        database = open_db(settings)
        try:
            DbModeStore(database).set(report.host, report.model, report.best_mode)
            saved = True
        finally:
            database.dispose()
    if resolve_format(format) is Format.json:
        emit_json({**report.as_json(), "saved": saved})
    else:
        _print_table(report, saved)
    if not report.ok:
        error_line(report.reason or "no structured-output mode was accepted")
        raise typer.Exit(1)


def _print_table(report: ProbeReport, saved: bool) -> None:
    from rich.table import Table

    from stancetrack.cli.render import shown

    out = stdout_console()
    head = Table(show_header=False, title="Endpoint", title_justify="left")
    head.add_column("field", style="bold")
    head.add_column("value", overflow="fold")
    reach = "[green]yes[/green]" if report.reachable else "[red]no[/red]"
    head.add_row("endpoint", shown(report.endpoint))
    head.add_row("model", shown(report.model))
    head.add_row("reachable", reach)
    if report.reason:
        head.add_row("reason", shown(report.reason))
    if report.latency_ms is not None:
        head.add_row("latency", f"{report.latency_ms:.1f} ms (GET /models)")
    listed = ", ".join(report.models) if report.models else "(none listed)"
    if report.model_listed is False:
        listed += f"  [yellow]({shown(report.model)} is not among them)[/yellow]"
    head.add_row("models", listed if report.model_listed is False else shown(listed))
    best = report.best_mode or "none"
    head.add_row("best mode", best + ("  (saved)" if saved else ""))
    out.print(head)
    if not report.modes:
        return
    modes = Table(title="Structured-output modes", title_justify="left", header_style="bold")
    for header in ("mode", "accepted", "status", "ms", "detail"):
        modes.add_column(header, overflow="fold")
    for name, result in report.modes.items():
        modes.add_row(
            name,
            "[green]yes[/green]" if result.ok else "[red]no[/red]",
            "" if result.status is None else str(result.status),
            f"{result.latency_ms:.0f}",
            shown(result.detail or ""),
        )
    out.print(modes)
