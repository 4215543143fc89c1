"""`stancetrack changes`: each time an actor's overall stance moved, per subject."""

from __future__ import annotations

from typing import Any

from stancetrack.cli.app import app
from stancetrack.cli.commands_analysis import Per, PerOption
from stancetrack.cli.context import db_session, query_target
from stancetrack.cli.options import DbOption, DebugOption, FormatOption, TargetOption
from stancetrack.cli.render import Format, emit, resolve_format
from stancetrack.cli.selection import ActorsArgument, SinceOption, SubjectOption, parse_day

COLUMNS = [
    ("published", "date"),
    ("actor", "actor"),
    ("subject", "subject"),
    ("from", "from"),
    ("to", "to"),
    ("before_quote", "before"),
    ("after_quote", "after"),
]
CSV_COLUMNS = [
    "actor",
    "subject",
    "from",
    "to",
    "before_article_id",
    "before_title",
    "before_published",
    "before_outlet",
    "before_url",
    "before_quote",
    "after_article_id",
    "after_title",
    "after_published",
    "after_outlet",
    "after_url",
    "after_quote",
]


def flat(change: dict[str, Any]) -> dict[str, Any]:
    """One change as a flat row (CSV, table): both sides' article and quote."""
    row: dict[str, Any] = {k: change[k] for k in ("actor", "subject", "from", "to")}
    for side in ("before", "after"):
        article = change[side]["article"]
        evidence = change[side]["evidence"] or {}
        row |= {
            f"{side}_article_id": article["id"],
            f"{side}_title": article["title"],
            f"{side}_published": article["published"],
            f"{side}_outlet": article["outlet"],
            f"{side}_url": article["url"],
            f"{side}_quote": evidence.get("quote"),
        }
    row["published"] = row["after_published"]
    return row


@app.command("changes")
def changes_command(
    actors: ActorsArgument = None,
    subject: SubjectOption = None,
    since: SinceOption = None,
    per: PerOption = Per.article,
    target: TargetOption = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """List each change of an actor's overall stance (per subject), oldest first.

    One row each time an actor's overall stance on a subject (or on the target in general)
    differs from their previous one in date order, with both articles and quotes. --since
    keeps the changes whose later article is on or after the date.

    Example: stancetrack changes Erdogan --subject Finland
    """
    from stancetrack.analysis.answers import changes_answer

    with db_session(db) as session:
        items = changes_answer(
            session,
            target=query_target(session, target),
            actors=actors or [],
            subject=subject,
            since=parse_day(since, "--since"),
            per=per.value,
        ).items
    fmt = resolve_format(format)
    rows = items if fmt is Format.json or fmt is Format.jsonl else [flat(c) for c in items]
    if fmt is Format.table:
        rows = [{**r, "subject": r["subject"] or "(in general)"} for r in rows]
    emit(rows, fmt, COLUMNS, title="Changes", empty="no changes", csv_columns=CSV_COLUMNS)
