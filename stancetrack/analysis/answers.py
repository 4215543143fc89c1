"""One function per question, returning the JSON-able answer: the CLI's `--format json` and
the HTTP API both print exactly what these return (docs/ARCHITECTURE.md, "The service": one code
path, one answer).

Lists come as a `Page`: the rows, and an opaque cursor to the next page when more remain.
Without `limit` a page holds every row (the CLI's answer). Names and references are resolved
here the same way for both faces (NAME: canonical or alias; REF: id, sha256 prefix, URL, and
for the CLI only, a local path).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, Required, TypedDict, Unpack

from sqlalchemy.orm import Session

from stancetrack.analysis.by_subject import compare_by_subject
from stancetrack.analysis.compare import (
    CompareRow,
    compare,
    compare_by_article,
    compare_by_outlet,
)
from stancetrack.analysis.diff import MATCH_THRESHOLD, Diff, diff_articles
from stancetrack.analysis.stance import overall_from_counts
from stancetrack.analysis.timeline import Timeline, timeline
from stancetrack.db.read_models import ActorOut, dump, dump_all
from stancetrack.db.repository.actor_listing import actor_ids_page, actor_names, actor_summaries
from stancetrack.db.repository.actors import find_actor, find_actors
from stancetrack.db.repository.articles import article_key, find_article, list_articles
from stancetrack.db.repository.claim_filter import ClaimFilter, claim_key
from stancetrack.db.repository.claims import list_claims
from stancetrack.db.repository.counts import per_actor, stance_counts
from stancetrack.db.repository.extraction import list_runs, run_summary
from stancetrack.db.repository.paging import DatedKey
from stancetrack.errors import UsageError
from stancetrack.subjects import target_subjects

Json = dict[str, Any]
CompareBy = Literal["actor", "article", "outlet", "subject"]
Per = Literal["article", "story"]  # `--per story`: claims repeated across copies count once


@dataclass(frozen=True, slots=True)
class Page:
    """Rows of a list answer (each its read model's JSON, db/read_models.py) and the cursor
    of the rows after them (None: no more)."""

    items: list[Json]
    next: str | None = None


def page_json(page: Page) -> Json:
    """A page as the API answers it (service/schemas.py's `*Page`): its items are JSON
    already, so they are handed on, not serialised again (35 ms for 11,000 claims)."""
    return {"items": page.items, "next": page.next}


# -- cursors ---------------------------------------------------------------------------------
# Opaque to clients: urlsafe base64 of a small JSON list naming the list it belongs to, so a
# cursor of one list is refused by another instead of silently meaning something else.


def _encode(kind: str, position: list[Any]) -> str:
    raw = json.dumps([kind, *position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Positions are row ids and offsets: a value outside 0..2**63-1 is no position, and would
# overflow the database's 64-bit integer parameter.
_POSITION_MAX = 2**63 - 1


def _decode(kind: str, cursor: str) -> list[Any]:
    try:
        padded = (cursor + "=" * (-len(cursor) % 4)).encode("ascii")
        # validate: a character outside the urlsafe alphabet is refused, not skipped.
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeError):
        data = None
    if not isinstance(data, list) or not data or data[0] != kind:
        raise UsageError(f"cursor {cursor[:40]!r} is not a cursor of this list")
    return data[1:]


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _POSITION_MAX:
        raise UsageError("cursor is damaged")
    return value


def _one(kind: str, cursor: str) -> Any:
    """The single value of a one-value position (compare's offset, runs' id, actors' name)."""
    data = _decode(kind, cursor)
    if len(data) != 1:
        raise UsageError("cursor is damaged")
    return data[0]


def _name(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > 300:
        raise UsageError("cursor is damaged")
    return value


def _dated_cursor(key: DatedKey) -> list[Any]:
    return [key.published.isoformat() if key.published else None, *key.ties]


def _dated_key(kind: str, cursor: str, ties: int) -> DatedKey:
    data = _decode(kind, cursor)
    if len(data) != ties + 1:
        raise UsageError("cursor is damaged")
    day = data[0]
    try:
        published = date.fromisoformat(day) if day is not None else None
    except (TypeError, ValueError):
        raise UsageError("cursor is damaged") from None
    return DatedKey(published, tuple(_int(v) for v in data[1:]))


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise UsageError(f"limit must be at least 1 (got {limit})")


# -- questions -------------------------------------------------------------------------------


def articles_answer(
    session: Session, *, target: str, limit: int | None = None, cursor: str | None = None
) -> Page:
    """`articles`: stored articles, oldest first, with their claim counts toward `target`."""
    _check_limit(limit)
    after = _dated_key("articles", cursor, 1) if cursor else None
    rows = list_articles(session, target=target, after=after, limit=limit + 1 if limit else None)
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    nxt = _encode("articles", _dated_cursor(article_key(rows[-1]))) if more else None
    return Page(dump_all(rows), nxt)


@dataclass(frozen=True, slots=True)
class ClaimQuery:
    """What `claims` selects, as users name it (actor NAMEs, article REFs, dates)."""

    target: str
    actors: Sequence[str] = ()
    articles: Sequence[str] = ()
    stances: Sequence[str] = ()
    since: date | None = None
    until: date | None = None
    search: str | None = None
    outlets: Sequence[str] = ()
    # A local path as an article REF: the CLI's own files, never the server's (the API).
    local_paths: bool = True
    subject: str | None = None  # one of the target's subjects (name or alias)


def claim_filter(session: Session, query: ClaimQuery) -> ClaimFilter:
    """Resolve the names and references of a query into the repository's filter."""
    if query.since and query.until and query.since > query.until:
        raise UsageError(f"since {query.since} is after until {query.until}")
    return ClaimFilter(
        target=query.target,
        actor_ids=[a.id for a in find_actors(session, list(query.actors))],
        article_ids=article_ids(session, query.articles, local_paths=query.local_paths),
        stances=list(query.stances),
        since=query.since,
        until=query.until,
        search=query.search or None,
        outlets=list(query.outlets),
        subject=resolve_subject(query.target, query.subject),
    )


def resolve_subject(target: str, given: str | None) -> str | None:
    """`given` as stored (the subject's own name; an alias or any case finds it), or an
    error naming the target's subjects."""
    if given is None:
        return None
    subjects = target_subjects(target)
    found = subjects.canonical(given)
    if found is None:
        known = ", ".join(subjects.names) or "none"
        raise UsageError(f"{given!r} is no subject of {target!r} (its subjects: {known})")
    return found


def article_ids(session: Session, refs: Sequence[str], *, local_paths: bool = True) -> list[int]:
    return list(
        dict.fromkeys(find_article(session, ref, local_paths=local_paths).id for ref in refs)
    )


def claims_answer(
    session: Session, query: ClaimQuery, *, limit: int | None = None, cursor: str | None = None
) -> Page:
    """`claims`: one target's claims in reading order (date, article, offset), filtered."""
    _check_limit(limit)
    flt = claim_filter(session, query)
    after = _dated_key("claims", cursor, 3) if cursor else None
    rows = list_claims(session, replace(flt, after=after, limit=limit + 1 if limit else None))
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    nxt = _encode("claims", _dated_cursor(claim_key(rows[-1]))) if more else None
    return Page(dump_all(rows), nxt)


def actors_answer(
    session: Session, *, target: str, limit: int | None = None, cursor: str | None = None
) -> Page:
    """`actors`: the registry in name order, with aliases and counts toward `target`."""
    _check_limit(limit)
    ids: list[int] = []
    more = False
    if limit is not None or cursor is not None:
        after = _name(_one("actors", cursor)) if cursor else None
        ids = actor_ids_page(session, after=after, limit=(limit or 10**9) + 1)
        more = limit is not None and len(ids) > limit
        ids = ids[:limit] if limit is not None else ids
        if not ids:
            return Page([])
    summaries = actor_summaries(session, ids, target=target)
    items = [
        dump(
            ActorOut(
                actor=s.name,
                aliases=s.aliases,
                claims=s.claims,
                articles=s.articles,
                stance=overall_from_counts(s.counts.as_dict()) if s.claims else None,
                type=s.actor_type,
                **s.counts.as_dict(),
                user_aliases=s.user_aliases,
            )
        )
        for s in summaries
    ]
    nxt = _encode("actors", [summaries[-1].name]) if more and summaries else None
    return Page(items, nxt)


class CompareQuery(TypedDict, total=False):
    """What `compare` is asked, by name (actors and articles as references), declared once
    for `compare_rows` and `compare_answer`."""

    target: Required[str]
    actors: Sequence[str]
    articles: Sequence[str]
    by: CompareBy
    evidence: bool
    include_unverified: bool
    local_paths: bool
    per: Per


def compare_rows(session: Session, **query: Unpack[CompareQuery]) -> list[CompareRow]:
    """The rows of `compare` (tables draw them; `compare_answer` pages their JSON): one per
    actor, or per actor and article, or per actor and outlet; with `per` "story", one per
    actor with a claim carried by several copies of a story counted once."""
    by, per = query.get("by", "actor"), query.get("per", "article")
    if per == "story" and by != "actor":
        raise UsageError("--per story counts per actor: it takes no --by")
    ids = [a.id for a in find_actors(session, list(query.get("actors", ())))]
    arts = article_ids(
        session, query.get("articles", ()), local_paths=query.get("local_paths", True)
    )
    runner = {
        "actor": compare,
        "article": compare_by_article,
        "outlet": compare_by_outlet,
        "subject": compare_by_subject,
    }[by]
    if per == "story":
        from stancetrack.analysis.per_story import compare_per_story

        runner = compare_per_story
    return runner(
        session,
        target=query["target"],
        actor_ids=ids,
        article_ids=arts,
        evidence=query.get("evidence", False),
        include_unverified=query.get("include_unverified", False),
    )


def compare_answer(
    session: Session,
    *,
    limit: int | None = None,
    cursor: str | None = None,
    **query: Unpack[CompareQuery],
) -> Page:
    """`compare`: per actor (or actor and article) claim counts per stance and the overall
    stance. Rows come from the per-actor totals the database keeps (one small read), so
    they are paged here, by position."""
    _check_limit(limit)
    rows = compare_rows(session, **query)
    start = _int(_one("compare", cursor)) if cursor else 0
    stop = start + limit if limit is not None else len(rows)
    page: list[CompareRow] = rows[start:stop]
    nxt = _encode("compare", [stop]) if stop < len(rows) else None
    return Page(dump_all([r.read_model() for r in page]), nxt)


class DiffQuery(TypedDict, total=False):
    """What `diff` is asked besides the two article references, declared once."""

    target: Required[str]
    threshold: float
    local_paths: bool


def diff_result(session: Session, ref_a: str, ref_b: str, **query: Unpack[DiffQuery]) -> Diff:
    """`diff`: how each actor's overall stance changed from article A to article B."""
    local_paths = query.get("local_paths", True)
    a = find_article(session, ref_a, local_paths=local_paths)
    b = find_article(session, ref_b, local_paths=local_paths)
    threshold = query.get("threshold", MATCH_THRESHOLD)
    return diff_articles(session, a, b, target=query["target"], threshold=threshold)


def diff_answer(session: Session, ref_a: str, ref_b: str, **query: Unpack[DiffQuery]) -> Json:
    return dump(diff_result(session, ref_a, ref_b, **query).read_model())


class TimelineQuery(TypedDict, total=False):
    """What `timeline` is asked besides the actor, declared once."""

    target: Required[str]
    per: Per  # article (the default) or story
    subject: str | None


def timeline_result(session: Session, actor: str, **query: Unpack[TimelineQuery]) -> Timeline:
    """`timeline`: the actor's overall stance article by article (or story by story),
    oldest first; with `subject`, of the claims about it."""
    target = query["target"]
    about = resolve_subject(target, query.get("subject"))
    if query.get("per", "article") == "story":
        if about is not None:
            raise UsageError("--per story and --subject do not combine in a timeline")
        from stancetrack.analysis.per_story import timeline_per_story

        return timeline_per_story(session, find_actor(session, actor), target=target)
    return timeline(session, find_actor(session, actor), target=target, subject=about)


def timeline_answer(session: Session, actor: str, **query: Unpack[TimelineQuery]) -> Json:
    return dump(timeline_result(session, actor, **query).read_model())


def changes_answer(
    session: Session,
    *,
    target: str,
    actors: Sequence[str] = (),
    subject: str | None = None,
    since: date | None = None,
    per: Per = "article",
    limit: int | None = None,
    cursor: str | None = None,
) -> Page:
    """`changes`: each move of an actor's overall stance (per subject), oldest first; paged
    by position like `compare`."""
    from stancetrack.analysis.changes import changes

    _check_limit(limit)
    ids = [a.id for a in find_actors(session, list(actors))]
    rows = changes(
        session,
        target=target,
        actor_ids=ids,
        subject=resolve_subject(target, subject),
        since=since,
        per=per,
    )
    start = _int(_one("changes", cursor)) if cursor else 0
    stop = start + limit if limit is not None else len(rows)
    nxt = _encode("changes", [stop]) if stop < len(rows) else None
    return Page([dump(c.read_model()) for c in rows[start:stop]], nxt)


def runs_answer(
    session: Session,
    *,
    article: str | None = None,
    status: str | None = None,
    target: str | None = None,
    local_paths: bool = True,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page:
    """`runs`: the extraction audit trail, newest first."""
    _check_limit(limit)
    article_id = find_article(session, article, local_paths=local_paths).id if article else None
    before = _int(_one("runs", cursor)) if cursor else None
    found = list_runs(
        session,
        article_id=article_id,
        status=status,
        target=target,
        limit=limit + 1 if limit else None,
        before_id=before,
    )
    more = limit is not None and len(found) > limit
    found = found[:limit] if limit is not None else found
    nxt = _encode("runs", [found[-1][0].id]) if more else None
    return Page([run_summary(run, art) for run, art in found], nxt)


def overview_rows(
    session: Session,
    query: ClaimQuery,
    *,
    overall: str | None = None,
    include_unverified: bool = False,
) -> Page:
    """The dashboard's actor x stance overview: `compare` over the claims a query selects
    (dates, stances, articles), optionally only actors whose overall stance is `overall`.

    Without filters it reads the per-actor totals the database keeps; with them it counts
    the selected claims."""
    flt = claim_filter(session, query)
    if flt.since or flt.until or flt.search or flt.stances or flt.article_ids or flt.outlets:
        counts = per_actor(stance_counts(session, flt, verified_only=not include_unverified))
        names = actor_names(session, list(counts))
        rows = [
            CompareRow(names[i], c, overall_from_counts(c.as_dict())) for i, c in counts.items()
        ]
        rows.sort(key=lambda r: (-r.counts.total, r.actor.casefold()))
    else:
        rows = compare(
            session,
            target=flt.target,
            actor_ids=flt.actor_ids,
            include_unverified=include_unverified,
        )
    if overall is not None:
        rows = [r for r in rows if r.stance == overall]
    return Page(dump_all([r.read_model() for r in rows]))
