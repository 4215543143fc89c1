"""The stance changes a poll of `watch` brought: what a tracking service tells people.

After a poll extracted some articles, the changes worth reporting are those of the actors
quoted in them whose either side is one of these articles (a new article may also land in
the middle of an actor's series, when it is dated before others). Computed for those
actors only, so a poll's report costs what their series cost, not the whole database.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from stancetrack.analysis.changes import Change, changes
from stancetrack.db.repository.articles import actors_quoted_in, article_ids_by_sha256


def poll_changes(session: Session, *, target: str, sha256s: Sequence[str]) -> list[Change]:
    """The changes that the articles with these texts brought, oldest first."""
    article_ids = article_ids_by_sha256(session, sha256s)
    actors = actors_quoted_in(session, article_ids, target=target)
    if not actors:
        return []
    new = set(article_ids)
    return [
        c
        for c in changes(session, target=target, actor_ids=actors)
        if c.after.article.id in new or c.before.article.id in new
    ]
