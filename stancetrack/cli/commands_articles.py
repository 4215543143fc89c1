"""`stancetrack articles`: what has been ingested."""

from __future__ import annotations

from stancetrack.cli.app import app
from stancetrack.cli.context import db_session, query_target
from stancetrack.cli.options import DbOption, DebugOption, FormatOption, TargetOption
from stancetrack.cli.render import emit


@app.command("articles")
def articles_command(
    target: TargetOption = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """List stored articles with their claim counts (claims toward one target)."""
    from stancetrack.analysis.answers import articles_answer

    with db_session(db) as session:
        rows = articles_answer(session, target=query_target(session, target)).items
    emit(
        rows,
        format,
        [
            ("id", "id"),
            ("published", "published"),
            ("outlet", "outlet"),
            ("title", "title"),
            ("claims", "claims"),
            ("sha256", "sha256", 12),  # a prefix is enough to type as a REF
        ],
        title="Articles",
        empty="no articles stored yet: run `stancetrack extract PATH`",
    )
