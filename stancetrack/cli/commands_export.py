"""`export` (every claim as CSV or JSONL) and `report` (one self-contained HTML file)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.options import DbOption, DebugOption, TargetOption
from stancetrack.cli.render import stderr
from stancetrack.cli.selection import ActorOption, ArticleOption, StanceOption, claim_selection
from stancetrack.errors import InputError


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


OutputOption = Annotated[
    str | None,
    typer.Option("--output", "-o", help="Write to this file ('-' for stdout).", show_default=False),
]


@app.command("export")
def export_command(
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExportFormat.csv,
    output: OutputOption = None,
    actor: ActorOption = None,
    article: ArticleOption = None,
    stance: StanceOption = None,
    target: TargetOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Write every claim (of one target) with its article, actor and run fields as CSV or JSONL.

    Example: stancetrack export -f jsonl -o claims.jsonl --actor Putin
    """
    from stancetrack.analysis.export import export_claims

    with claim_selection(db, target=target, actors=actor, articles=article, stances=stance) as (
        session,
        flt,
    ):
        if output in (None, "-"):
            n = export_claims(session, sys.stdout, format.value, flt)
            sys.stdout.flush()
        else:
            path = Path(output)
            try:
                with path.open("w", encoding="utf-8", newline="") as out:
                    n = export_claims(session, out, format.value, flt)
            except OSError as exc:
                raise InputError(str(path), exc.strerror or str(exc)) from exc
            stderr().print(f"wrote {n} claim(s) to {path}")


@app.command("report")
def report_command(
    output: Annotated[
        str, typer.Option("--output", "-o", help="The HTML file to write ('-' for stdout).")
    ] = "report.html",
    actor: ActorOption = None,
    article: ArticleOption = None,
    title: Annotated[str, typer.Option(help="The report's title.")] = "stancetrack report",
    target: TargetOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Write one self-contained HTML report: evidence, stance matrix, timelines.

    Example: stancetrack report -o nato.html --title "NATO expansion, 2022"
    """
    from stancetrack.analysis.report import build_report

    with claim_selection(db, target=target, actors=actor, articles=article) as (session, flt):
        html = build_report(session, flt, title=title)
    if output == "-":
        sys.stdout.write(html)
        sys.stdout.flush()
        return
    path = Path(output)
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from exc
    stderr().print(f"wrote {path} ({len(html) // 1024} KiB)")
