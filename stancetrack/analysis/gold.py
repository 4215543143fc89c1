"""Load gold annotations (fixtures/gold/*.json) as claims, without any language model.

Gold file `<stem>.json` belongs to the stored article read from `<stem>.<ext>`; pass the
article paths too and they are ingested first. A gold reply reaches claims by the same
path as a model's (`claims_from_reply`: grounding exact -> normalised -> fuzzy, actor
resolution, dedup); quotes that cannot be grounded are recorded as rejections. Used by tests,
by benchmarks and by `stancetrack import-gold`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from stancetrack.db import Database
from stancetrack.db.models import Article
from stancetrack.db.repository.extraction import record_run
from stancetrack.db.repository.gold import article_by_source_stem, gold_run
from stancetrack.errors import InputError, NotFoundError
from stancetrack.llm.base import BackendReply
from stancetrack.pipeline import ingest
from stancetrack.pipeline.actor_ids import BatchActors
from stancetrack.pipeline.grounded import claims_from_reply
from stancetrack.pipeline.messages import Outcome
from stancetrack.pipeline.summary import ExtractSummary
from stancetrack.schemas import Reply
from stancetrack.settings import Settings, load_settings
from stancetrack.subjects import target_subjects


def gold_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every `*.json` named by `paths` (files, or directories searched non-recursively)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.glob("*.json") if p.is_file())
        elif path.is_file():
            yield path
        else:
            raise InputError(str(path), "no such file or directory")


def read_gold(path: Path) -> tuple[Reply, str]:
    raw = path.read_text(encoding="utf-8")
    try:
        return Reply.model_validate_json(raw), raw
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(str(path), f"not a v1 reply: {where}: {first['msg']}") from exc


def store_gold_reply(
    session: Session,
    article: Article,
    reply: Reply,
    raw: str,
    *,
    target: str,
    name: str = "gold",
    actors: BatchActors | None = None,
) -> Outcome:
    """Replace the article's claims for `target` with the gold reply's; its outcome as the
    engine would count it."""
    batch = actors or BatchActors()
    article_actors = batch.for_article(session, article.id)
    claims, rejected = claims_from_reply(
        article.text,
        BackendReply(claims=list(reply.claims), raw_reply=raw),
        article_actors,
        target_subjects(target),
    )
    record_run(session, gold_run(article, raw, target=target, name=name), claims, rejected)
    article_actors.commit()
    return Outcome("ok", claims=len(claims), rejected=len(rejected))


def import_gold(
    database: Database,
    gold: Iterable[str | Path],
    *,
    articles: Iterable[str] = (),
    settings: Settings | None = None,
    target: str | None = None,
) -> ExtractSummary:
    """Ingest `articles` (optional), then store each gold file as its article's claims,
    counted as `extract` counts (each gold file one article extracted).

    The claims are stored for `target` (default: the configured target).
    """
    settings = settings or load_settings()
    target = target or settings.target
    article_paths = list(articles)
    if article_paths:
        result = ingest(database, article_paths, settings)
        if result.errors:
            raise result.errors[0]
    summary = ExtractSummary()
    for path in gold_files(gold):
        reply, raw = read_gold(path)
        with database.session() as session:
            article = article_by_source_stem(session, path.stem)
            if article is None:
                raise NotFoundError(
                    f"{path}: no stored article read from a file named {path.stem}.*"
                    " (ingest it first, or pass --articles)"
                )
            summary.articles += 1
            summary.count(
                store_gold_reply(session, article, reply, raw, target=target, name=path.name)
            )
    return summary
