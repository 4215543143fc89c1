"""`stancetrack claims`: who said what, filtered; `import-gold`: load annotated claims."""

from __future__ import annotations

from typing import Annotated

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import open_db, settings_for
from stancetrack.cli.options import DbOption, DebugOption, FormatOption, TargetOption
from stancetrack.cli.render import Format, emit, err, resolve_format
from stancetrack.cli.selection import (
    ActorOption,
    ArticleOption,
    LimitOption,
    SearchOption,
    SinceOption,
    StanceOption,
    UntilOption,
    claim_selection,
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
CSV_COLUMNS = [
    "id",
    "target",
    "article_id",
    "article_title",
    "article_url",
    "outlet",
    "article_published",
    "actor",
    "speaker",
    "quote",
    "start",
    "end",
    "claim",
    "attribution",
    "stance",
    "confidence",
]


@app.command("claims")
def claims_command(
    actor: ActorOption = None,
    article: ArticleOption = None,
    stance: StanceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    search: SearchOption = None,
    limit: LimitOption = None,
    target: TargetOption = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """List one target's claims in reading order (date, article, position), filtered.

    Example: stancetrack claims --actor Putin --stance oppose --since 2022-01-01 -f csv
    """
    from stancetrack.db.repository.analysis import list_claims

    with claim_selection(
        db,
        target=target,
        actors=actor,
        articles=article,
        stances=stance,
        since=since,
        until=until,
        search=search,
        limit=limit,
    ) as (session, flt):
        rows = [row.as_json() for row in list_claims(session, flt)]
    fmt = resolve_format(format)
    if fmt is Format.table:  # a flat date column for people; JSON keeps DESIGN's shape
        rows = [{**row, "published": row["article"]["published"]} for row in rows]
    emit(rows, fmt, CLAIM_COLUMNS, title="Claims", empty="no claims match", csv_columns=CSV_COLUMNS)


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
    results = import_gold(open_db(settings), gold, articles=articles or [], settings=settings)
    claims = sum(r.claims for r in results)
    rejected = sum(r.rejected for r in results)
    err.print(f"imported {claims} claim(s) for {len(results)} article(s); {rejected} rejected")
    if rejected:
        raise typer.Exit(1)
