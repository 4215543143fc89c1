"""`compare`, `diff` and `timeline`: where actors stand, and how that changed.

Tables and charts are drawn by `analysis_tables.py`, imported only when a table is printed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import db_session, query_target
from stancetrack.cli.options import DbOption, DebugOption, FormatOption, TargetOption
from stancetrack.cli.render import Format, emit_document, emit_rows, resolve_format, stderr
from stancetrack.cli.selection import ActorArgument, ActorsArgument, ArticleOption, SubjectOption

# The default of `diff --threshold`; a test keeps it equal to analysis.diff.MATCH_THRESHOLD,
# which is not imported here to keep start-up light (it loads rapidfuzz).
DIFF_THRESHOLD = 60.0


class Per(StrEnum):
    article = "article"
    story = "story"


PerOption = Annotated[
    Per,
    typer.Option(
        "--per",
        help="'story': a claim carried by several copies of one wire story counts once "
        "(and the outlets that carried it are listed).",
    ),
]


class By(StrEnum):
    actor = "actor"
    article = "article"
    outlet = "outlet"
    subject = "subject"


@app.command("compare")
def compare_command(
    actors: ActorsArgument = None,
    article: ArticleOption = None,
    by: Annotated[
        By,
        typer.Option(
            "--by",
            help="'article': one row per actor and article (a matrix); "
            "'outlet': one row per actor and outlet (the URL's domain); "
            "'subject': one row per actor and subject of the target (e.g. each candidate "
            "country; claims about none under the target in general).",
        ),
    ] = By.actor,
    evidence: Annotated[
        bool, typer.Option("--evidence", help="Add the most confident quote for each cell.")
    ] = False,
    include_unverified: Annotated[
        bool,
        typer.Option(
            "--include-unverified",
            help="Also count claims whose speaker the article does not name near the quote "
            "(speaker evidence 'absent'; left out by default).",
        ),
    ] = False,
    per: PerOption = Per.article,
    target: TargetOption = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Count each actor's claims per stance toward one target and give the overall stance.

    Claims whose speaker is not named near the quote are left out unless
    --include-unverified. With --per story, a claim repeated in copies of one story counts
    once.

    Example: stancetrack compare Putin Stoltenberg --by article --evidence
    """
    from stancetrack.analysis.answers import compare_rows
    from stancetrack.db.read_models import dump_all

    with db_session(db) as session:
        toward = query_target(session, target)
        rows = compare_rows(
            session,
            target=toward,
            actors=actors or [],
            articles=article or [],
            by=by.value,
            evidence=evidence,
            include_unverified=include_unverified,
            per=per.value,
        )
    fmt = resolve_format(format)
    if fmt is Format.table:  # JSON rows keep docs/CONTRACTS.md's shape; people are told the target
        stderr().print(f"stance toward: {toward}", highlight=False)
    if fmt is not Format.table:
        emit_rows(dump_all([r.read_model() for r in rows]), fmt)  # = compare_answer's rows
        return
    if not rows:
        stderr().print("[dim]no claims to compare[/dim]")
        return
    from stancetrack.cli.analysis_tables import compare_table, matrix_table

    (matrix_table if by is By.article else compare_table)(rows, evidence)


@app.command("diff")
def diff_command(
    ref_a: Annotated[str, typer.Argument(metavar="REF_A", help="The earlier article.")],
    ref_b: Annotated[str, typer.Argument(metavar="REF_B", help="The later article.")],
    threshold: Annotated[
        float,
        typer.Option(min=0, max=100, help="Similarity (0-100) for two claims to be a pair."),
    ] = DIFF_THRESHOLD,
    target: TargetOption = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Show how actors' stances changed between two articles, claim by claim.

    REF: an article id, a unique sha256 prefix, or its source path or URL.

    Example: stancetrack diff 3 7
    """
    from stancetrack.analysis.answers import diff_result
    from stancetrack.db.read_models import dump

    with db_session(db) as session:
        toward = query_target(session, target)
        result = diff_result(session, ref_a, ref_b, target=toward, threshold=threshold)

    def table() -> None:
        from stancetrack.cli.analysis_tables import diff_table

        diff_table(result)

    emit_document(
        format,
        dump(result.read_model()),
        lambda: [
            {**dump(c), "a_article_id": result.a.id, "b_article_id": result.b.id}
            for c in result.actors
        ],
        table,
    )


@app.command("timeline")
def timeline_command(
    actor: ActorArgument,
    per: PerOption = Per.article,
    subject: SubjectOption = None,
    target: TargetOption = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """Show an actor's overall stance article by article, in date order, with evidence.

    With --per story, one point per story (claims repeated in its copies count once).

    Example: stancetrack timeline "Jens Stoltenberg"
    """
    from stancetrack.analysis.answers import timeline_result
    from stancetrack.db.read_models import dump

    with db_session(db) as session:
        toward = query_target(session, target)
        result = timeline_result(session, actor, target=toward, per=per.value, subject=subject)

    def rows() -> list[dict[str, Any]]:
        flat = []
        for point in dump(result.read_model())["points"]:
            ev = point.pop("evidence") or {}
            point.pop("published")
            flat.append(
                {
                    "actor": result.actor,
                    **point,
                    "evidence_quote": ev.get("quote"),
                    "evidence_confidence": ev.get("confidence"),
                }
            )
        return flat

    def table() -> None:
        from stancetrack.cli.analysis_tables import timeline_table

        timeline_table(result)

    emit_document(format, dump(result.read_model()), rows, table)
