"""Gold (hand-annotated) replies on the storage side: their run record, their articles.

A gold file is a reply in schema v1. It reaches claims through the same path as a model's
reply (`pipeline.grounded.claims_from_reply`: grounding, actor resolution, dedup) and is
stored with `record_run` as a Run with backend "gold", so its provenance is plain.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stancetrack.db.models import Article, utcnow

GOLD_BACKEND = "gold"


def gold_run(article: Article, raw: str, *, target: str, name: str = "gold") -> dict[str, Any]:
    """Column values of the run that records a gold reply for `article` and `target`."""
    raw_sha = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    key = f"{article.sha256}:{raw_sha}:{target}"
    now = utcnow()
    return {
        "article_id": article.id,
        "cache_key": hashlib.sha256(key.encode("utf-8")).hexdigest(),
        "backend": GOLD_BACKEND,
        "model": name,
        "endpoint_host": None,
        "prompt_name": GOLD_BACKEND,
        "prompt_version": "1",
        "prompt_sha256": raw_sha,
        "target": target,
        "params": {},
        "status": "ok",
        "raw_reply": raw,
        "started_at": now,
    }


def article_by_source_stem(session: Session, stem: str) -> Article | None:
    """The stored article whose source file is named `<stem>.<ext>` (newest first)."""
    for article in session.scalars(
        select(Article).where(Article.source.contains(stem)).order_by(Article.id.desc())
    ):
        name = article.source.replace("\\", "/").rsplit("/", 1)[-1]
        if name.rsplit(".", 1)[0] == stem:
            return article
    return None
