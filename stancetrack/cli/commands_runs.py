"""`stancetrack runs`: the audit trail of extraction runs, and `runs show ID` for one run."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import db_session
from stancetrack.cli.options import DbOption, DebugOption, FormatOption
from stancetrack.cli.render import Format, emit, emit_json, resolve_format, stdout_console
from stancetrack.errors import NotFoundError


class RunStatus(StrEnum):
    ok = "ok"
    failed = "failed"


runs_app = typer.Typer(
    help="List extraction runs with their provenance (backend, model, prompt, tokens).",
    no_args_is_help=False,
)
app.add_typer(runs_app, name="runs")

# The table keeps to what fits a terminal; json/jsonl/csv carry every provenance field.
_COLUMNS: list[Any] = [
    ("id", "run"),
    ("article_id", "article"),
    ("started", "started"),
    ("status", "status"),
    ("target", "target", 20),
    ("model", "model", 24),
    ("prompt_version", "prompt"),
    ("output_mode", "mode"),
    ("claims", "claims"),
    ("rejected", "rej."),
    ("tokens", "tokens"),
    ("latency_ms", "ms"),
]
_ERROR_COLUMN = ("error", "error", 50)


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "article_id": row["article"]["id"],
        "prompt_version": row["prompt"]["version"],
        "started": (row["started_at"] or "")[:16].replace("T", " "),
        "latency_ms": round(row["latency_ms"]),
        "tokens": row["prompt_tokens"] + row["completion_tokens"],
    }


@runs_app.callback(invoke_without_command=True)
def runs_command(
    ctx: typer.Context,
    article: Annotated[
        str | None,
        typer.Option(
            "--article", "-a", help="Only runs of this article (id, sha256 prefix, path, URL)."
        ),
    ] = None,
    status: Annotated[
        RunStatus | None, typer.Option("--status", help="Only ok or failed runs.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="At most this many, newest first.")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="Only runs for this stance target (default: runs of every target, the audit).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """List extraction runs, newest first. `stancetrack runs show ID` shows one in full."""
    if ctx.invoked_subcommand is not None:
        return
    from stancetrack.analysis.answers import runs_answer

    with db_session(db) as session:
        rows = runs_answer(
            session,
            article=article,
            status=status.value if status else None,
            target=target,
            limit=limit,
        ).items
    fmt = resolve_format(format)
    failed = any(r["error"] for r in rows)
    emit(
        [_table_row(r) for r in rows] if fmt is Format.table else rows,
        fmt,
        [*_COLUMNS, _ERROR_COLUMN] if failed else _COLUMNS,
        title="Runs",
        empty="no runs yet: run `stancetrack extract PATH`",
    )


@runs_app.command("show")
def show_command(
    run_id: Annotated[int, typer.Argument(help="The run's id (see `stancetrack runs`).")],
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Show one run in full: provenance, the raw reply and the rejected claims with reasons."""
    from stancetrack.db.repository.extraction import get_run, run_speaker_evidence, run_summary

    with db_session(db) as session:
        found = get_run(session, run_id)
        if found is None:
            raise NotFoundError(f"no run with id {run_id}")
        run, article, rejected = found
        data = run_summary(run, article)
        data["raw_reply"] = run.raw_reply
        data["rejected_claims"] = [
            {
                "reason": r.reason,
                "detail": (r.payload or {}).get("detail"),
                "actor": r.actor,
                "speaker": r.speaker,
                "quote": r.quote,
            }
            for r in rejected
        ]
        counts, absent = run_speaker_evidence(session, run_id)
        data["speaker_evidence"] = counts
        data["unverified_claims"] = [
            {"id": c.id, "speaker": c.speaker, "quote": c.quote, "stance": c.stance} for c in absent
        ]
    if resolve_format(format) is not Format.table:
        emit_json(data)
        return
    _print_run(data)


def _print_run(data: dict[str, Any]) -> None:
    from rich.table import Table

    from stancetrack.cli.render import shown

    out = stdout_console()
    table = Table(show_header=False, title=f"Run {data['id']}", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    skip = {"raw_reply", "rejected_claims", "unverified_claims"}
    for key, value in data.items():
        if key in skip:
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        table.add_row(key, shown("" if value is None else str(value)))
    out.print(table)
    rejected = data["rejected_claims"]
    if rejected:
        rt = Table(title="Rejected claims", title_justify="left", header_style="bold")
        for header in ("reason", "detail", "actor", "quote"):
            rt.add_column(header, overflow="fold")
        for r in rejected:
            rt.add_row(*(shown(str(r[k] or "")) for k in ("reason", "detail", "actor", "quote")))
        out.print(rt)
    unverified = data["unverified_claims"]
    if unverified:
        ut = Table(
            title="Claims kept but flagged: speaker not named near the quote (ABSENT)",
            title_justify="left",
            header_style="bold",
        )
        for header in ("id", "speaker", "stance", "quote"):
            ut.add_column(header, overflow="fold")
        for c in unverified:
            ut.add_row(*(shown(str(c[k])) for k in ("id", "speaker", "stance", "quote")))
        out.print(ut)
    out.print("[bold]Raw reply[/bold]")
    out.print(shown(data["raw_reply"] or "(none)"), soft_wrap=True)
