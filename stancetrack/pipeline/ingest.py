"""The ingest stage: store every readable input once, without extracting anything."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from stancetrack.db import Database, InvalidValue
from stancetrack.db.repository.articles import add_article
from stancetrack.errors import InputError
from stancetrack.ingest import ArticleInput, iter_inputs
from stancetrack.settings import Settings


@dataclass
class IngestResult:
    article_ids: list[int] = field(default_factory=list)
    new: int = 0
    duplicates: int = 0
    errors: list[InputError] = field(default_factory=list)


def ingest(
    db: Database,
    paths: Iterable[str],
    settings: Settings,
    *,
    on_error: Callable[[InputError], None] | None = None,
    on_article: Callable[[int, ArticleInput, bool], None] | None = None,
) -> IngestResult:
    """Store every readable input once (by text sha256); report and skip the bad ones."""
    result = IngestResult()
    seen: set[int] = set()
    for item in iter_inputs(
        paths, max_bytes=settings.max_file_bytes, fetch_timeout=settings.fetch_timeout
    ):
        if isinstance(item, InputError):
            _failed(result, item, on_error)
            continue
        try:
            with db.session() as session:
                article, created = add_article(session, item)
                article_id = article.id
        except InvalidValue as exc:  # the article cannot be stored: its line, not the end
            _failed(result, InputError(item.source, "; ".join(exc.problems)), on_error)
            continue
        except SQLAlchemyError as exc:
            reason = f"could not store the article: {type(exc).__name__}"
            _failed(result, InputError(item.source, reason), on_error)
            continue
        if created:
            result.new += 1
        else:
            result.duplicates += 1
        if article_id not in seen:
            seen.add(article_id)
            result.article_ids.append(article_id)
        if on_article is not None:
            on_article(article_id, item, created)
    return result


def _failed(
    result: IngestResult, error: InputError, on_error: Callable[[InputError], None] | None
) -> None:
    result.errors.append(error)
    if on_error is not None:
        on_error(error)
