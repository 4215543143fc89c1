"""Articles: store once by text sha256, list, and resolve user references."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stancetrack.db.models import Article, Claim
from stancetrack.errors import AmbiguousError, NotFoundError
from stancetrack.ingest import ArticleInput

_HEX = re.compile(r"^[0-9a-f]{4,64}$")


def add_article(session: Session, item: ArticleInput) -> tuple[Article, bool]:
    """Store an article unless its text is already stored; returns (article, created)."""
    existing = session.scalar(select(Article).where(Article.sha256 == item.sha256))
    if existing is not None:
        return existing, False
    article = Article(
        sha256=item.sha256,
        title=item.title,
        url=item.url,
        published=item.published,
        source=item.source,
        format=item.format,
        text=item.text,
        chars=len(item.text),
    )
    try:
        with session.begin_nested():
            session.add(article)
    except IntegrityError:
        # Another process stored the same text between our select and insert.
        found = session.scalar(select(Article).where(Article.sha256 == item.sha256))
        if found is None:
            raise
        return found, False
    return article, True


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: int
    title: str
    url: str | None
    published: date | None
    sha256: str
    source: str
    claims: int

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "sha256": self.sha256,
            "claims": self.claims,
        }


def list_articles(session: Session) -> list[ArticleRow]:
    counts = select(Claim.article_id, func.count().label("n")).group_by(Claim.article_id).subquery()
    stmt = (
        select(
            Article.id,
            Article.title,
            Article.url,
            Article.published,
            Article.sha256,
            Article.source,
            func.coalesce(counts.c.n, 0),
        )
        .outerjoin(counts, counts.c.article_id == Article.id)
        .order_by(Article.published.is_(None), Article.published, Article.id)
    )
    return [ArticleRow(*row) for row in session.execute(stmt)]


def find_article(session: Session, ref: str) -> Article:
    """Resolve REF: an id, a unique sha256 prefix, a source path or a URL."""
    ref = ref.strip()
    if ref.isdigit():
        found = session.get(Article, int(ref))
        if found is not None:
            return found
    candidates = [ref]
    path = Path(ref).expanduser()
    if path.exists():
        candidates += [str(path), str(path.resolve())]
    for candidate in candidates:
        found = session.scalar(
            select(Article)
            .where((Article.source == candidate) | (Article.url == candidate))
            .order_by(Article.id)
            .limit(1)
        )
        if found is not None:
            return found
    if _HEX.match(ref.lower()):
        matches = session.scalars(
            select(Article).where(Article.sha256.startswith(ref.lower())).limit(2)
        ).all()
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise AmbiguousError(f"article {ref!r} matches several sha256 prefixes: give more")
    if path.exists() and path.is_file():
        # A file stored under another name: match it by content.
        from stancetrack.ingest.readers import read_file

        for item in read_file(path, max_bytes=50_000_000):
            if isinstance(item, ArticleInput):
                found = session.scalar(select(Article).where(Article.sha256 == item.sha256))
                if found is not None:
                    return found
    raise NotFoundError(
        f"no article matches {ref!r} (give an id, a sha256 prefix, a path or a URL)"
    )
