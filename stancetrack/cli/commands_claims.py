"""`stancetrack claims`: who said what, filtered; `import-gold`: load annotated claims."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import db_session, open_db, query_target, settings_for
from stancetrack.cli.options import DbOption, DebugOption, FormatOption, TargetOption
from stancetrack.cli.render import Format, emit, resolve_format, stderr
from stancetrack.cli.selection import (
    ActorOption,
    ArticleOption,
    LimitOption,
    SearchOption,
    SinceOption,
    StanceOption,
    SubjectOption,
    UntilOption,
    parse_day,
)

CLAIM_COLUMNS = [
    ("id", "id"),
    ("published", "date"),
    ("outlet", "outlet"),
    ("actor", "actor"),
    ("stance", "stance"),
    ("confidence", "conf."),
    ("claim", "claim"),
    ("quote", "evidence"),
]
# The table marks a claim whose speaker the article does not name near the quote (after the
# actor; JSON and CSV carry `speaker_evidence`, see speaker_evidence.py).
ABSENT_MARK = " (ABSENT: not named near the quote)"


@app.command("claims")
def claims_command(
    actor: ActorOption = None,
    article: ArticleOption = None,
    stance: StanceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    search: SearchOption = None,
    subject: SubjectOption = None,
    limit: LimitOption = None,
    target: TargetOption = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """List one target's claims in reading order (date, article, position), filtered.

    Example: stancetrack claims --actor Putin --stance oppose --since 2022-01-01 -f csv
    """
    from stancetrack.analysis.answers import ClaimQuery, claim_filter, claims_answer

    since_day, until_day = parse_day(since, "--since"), parse_day(until, "--until")
    fmt = resolve_format(format)
    with db_session(db) as session:
        query = ClaimQuery(
            target=query_target(session, target),
            actors=actor or [],
            articles=article or [],
            stances=[s.value for s in stance or []],
            since=since_day,
            until=until_day,
            search=search,
            subject=subject,
        )
        if fmt is Format.csv:  # the one claims CSV layout, `export`'s (docs/CONTRACTS.md)
            from stancetrack.analysis.export import export_claims

            flt = replace(claim_filter(session, query), limit=limit)
            export_claims(session, sys.stdout, "csv", flt)
            sys.stdout.flush()
            return
        rows = claims_answer(session, query, limit=limit).items
    if fmt is Format.table:  # a flat date column for people; JSON keeps docs/CONTRACTS.md's shape
        rows = [
            {
                **row,
                "published": row["article"]["published"],
                "actor": row["actor"]
                + (ABSENT_MARK if row["speaker_evidence"] == "absent" else ""),
            }
            for row in rows
        ]
    emit(rows, fmt, CLAIM_COLUMNS, title="Claims", empty="no claims match")


@app.command("import-gold")
def import_gold_command(
    gold: Annotated[
        list[str], typer.Argument(help="Gold reply files (*.json) or directories of them.")
    ],
    articles: Annotated[
        list[str] | None,
        typer.Option(
            "--articles",
            help="Article files or directories to ingest first (gold <stem>.json belongs "
            "to article <stem>.*).",
            show_default=False,
        ),
    ] = None,
    target: TargetOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Store hand-annotated claims (reply schema v1) as articles' claims, without a model.

    Example: stancetrack import-gold fixtures/gold --articles fixtures/articles
    """
    from stancetrack.analysis.gold import import_gold

    settings = settings_for(db, target=target)
    summary = import_gold(open_db(settings), gold, articles=articles or [], settings=settings)
    stderr().print(
        f"imported {summary.claims} claim(s) for {summary.extracted} article(s);"
        f" {summary.rejected} rejected"
    )
    if summary.rejected:
        raise typer.Exit(1)
