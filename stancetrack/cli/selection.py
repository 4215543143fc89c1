"""Options that select claims (actor, article, stance, dates, text) and their resolution.

Shared by `claims`, `compare`, `export` and `report`; names and references are resolved
through the library (NAME: canonical or alias; REF: id, sha256 prefix, path or URL).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stancetrack.cli.context import db_session, query_target
from stancetrack.errors import UsageError
from stancetrack.stances import Stance

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from stancetrack.db.repository.analysis import ClaimFilter


ActorArgument = Annotated[
    str, typer.Argument(metavar="NAME", help="Actor NAME (canonical or alias, case-insensitive).")
]


def _filter(*flags: str, help: str, min: int | None = None) -> Any:
    """A selection option: left out, it filters nothing, so no default is shown."""
    return typer.Option(*flags, help=help, min=min, show_default=False)


ActorsArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Actor NAMEs (default: every actor).", show_default=False),
]
ActorOption = Annotated[
    list[str] | None,
    _filter(
        "--actor",
        "-a",
        help="Actor NAME (canonical or alias, case-insensitive); repeat for several.",
    ),
]
ArticleOption = Annotated[
    list[str] | None,
    _filter(
        "--article", help="Article REF: id, sha256 prefix, source path or URL; repeat for several."
    ),
]
StanceOption = Annotated[
    list[Stance] | None,
    _filter("--stance", "-s", help="Only claims with this stance; repeatable."),
]
SinceOption = Annotated[
    str | None,
    _filter("--since", help="Articles published on or after this date (YYYY-MM-DD)."),
]
SubjectOption = Annotated[
    str | None,
    _filter(
        "--subject",
        help="Only claims about this subject of the target (e.g. Finland; aliases work).",
    ),
]
UntilOption = Annotated[
    str | None,
    _filter("--until", help="Articles published on or before this date (YYYY-MM-DD)."),
]
SearchOption = Annotated[
    str | None,
    _filter("--search", "-q", help="Text the claim or its quote contains (any case)."),
]
LimitOption = Annotated[int | None, _filter("--limit", min=1, help="At most this many claims.")]


def parse_day(value: str | None, option: str) -> date | None:
    from stancetrack.ingest.normalize import parse_date

    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise UsageError(f"{option}: {value!r} is not a date (use YYYY-MM-DD)")
    return parsed


def actor_ids(session: Session, names: list[str] | None) -> list[int]:
    from stancetrack.db.repository.actors import find_actors

    return [a.id for a in find_actors(session, names or [])]


def article_ids(session: Session, refs: list[str] | None) -> list[int]:
    from stancetrack.db.repository.articles import find_article

    return list(dict.fromkeys(find_article(session, ref).id for ref in refs or []))


@contextmanager
def claim_selection(
    db: str | None,
    *,
    target: str | None = None,
    actors: list[str] | None = None,
    articles: list[str] | None = None,
    stances: list[Stance] | None = None,
    since: str | None = None,
    until: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> Iterator[tuple[Session, ClaimFilter]]:
    """A transaction on `--db` and the filter the selection options describe (always one
    target's claims: `--target`, else the configured target)."""
    from stancetrack.db.repository.analysis import ClaimFilter

    since_day, until_day = parse_day(since, "--since"), parse_day(until, "--until")
    if since_day and until_day and since_day > until_day:
        raise UsageError(f"--since {since_day} is after --until {until_day}")
    with db_session(db) as session:
        yield (
            session,
            ClaimFilter(
                target=query_target(session, target),
                actor_ids=actor_ids(session, actors),
                article_ids=article_ids(session, articles),
                stances=[s.value for s in stances or []],
                since=since_day,
                until=until_day,
                search=search or None,
                limit=limit,
            ),
        )
