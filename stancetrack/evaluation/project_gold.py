"""The project's own gold: fixtures/gold/<stem>.json (reply schema v1) + the articles.

The article is read with the same reader `stancetrack extract` uses, so offsets are into
the text as stored. Each gold quote is located exactly (it is verbatim by convention); a
quote that is not found is an error in the gold, reported, never silently skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

from stancetrack.errors import InputError
from stancetrack.evaluation.model import GoldClaim, GoldDocument, GoldSet
from stancetrack.ingest.readers import SUPPORTED_SUFFIXES, read_file

MAX_BYTES = 20_000_000


def is_project_gold(path: Path) -> bool:
    return any(path.glob("*.json")) and _articles_dir(path) is not None


def _articles_dir(gold: Path) -> Path | None:
    for candidate in (gold / "articles", gold.parent / "articles"):
        if candidate.is_dir():
            return candidate
    return None


def _article_for(articles: Path, stem: str) -> Path | None:
    for suffix in sorted(SUPPORTED_SUFFIXES):
        path = articles / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def read_project_gold(gold: Path) -> GoldSet:
    articles = _articles_dir(gold)
    if articles is None:
        raise InputError(str(gold), "no articles/ directory next to the gold files")
    documents = []
    for path in sorted(gold.glob("*.json")):
        article_path = _article_for(articles, path.stem)
        if article_path is None:
            raise InputError(str(path), f"no article {path.stem}.* in {articles}")
        item = next(iter(read_file(article_path, max_bytes=MAX_BYTES)))
        if isinstance(item, InputError):
            raise item
        text = item.text
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"invalid JSON ({exc.msg})") from exc
        claims = []
        for index, raw in enumerate(data.get("claims", [])):
            quote = raw.get("quote", "")
            start = text.find(quote) if quote else -1
            if start < 0:
                raise InputError(str(path), f"claim {index}: quote not in the article text")
            claims.append(
                GoldClaim(
                    spans=((start, start + len(quote)),),
                    source=raw.get("speaker"),
                    actor=raw.get("actor"),
                    stance=raw.get("stance"),
                )
            )
        claims.sort(key=lambda c: c.start)
        documents.append(GoldDocument(path.stem, text, claims, has_stance=True))
    return GoldSet(gold.name, "project", documents, [f"{len(documents)} articles from {articles}"])
