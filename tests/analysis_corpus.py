"""The fixture corpus with its gold claims, and the answers the gold implies.

Tests of the analysis commands compute their expectations here, from fixtures/gold and
fixtures/articles directly (never from stancetrack), so a wrong query cannot agree with
itself.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from stancetrack.analysis.gold import import_gold
from stancetrack.db import Database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARTICLES = FIXTURES / "articles"
GOLD = FIXTURES / "gold"
PG_URL = os.environ.get(
    "STANCETRACK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class GoldClaim:
    stem: str
    title: str
    url: str
    published: date
    actor: str
    speaker: str
    quote: str
    claim: str
    stance: str
    confidence: float
    attribution: str
    position: int  # where the quote starts in the article body


def gold_claims() -> list[GoldClaim]:
    out = []
    for path in sorted(GOLD.glob("*.json")):
        lines = (ARTICLES / f"{path.stem}.txt").read_text(encoding="utf-8").splitlines()
        body = "\n".join(lines[3:])
        published = datetime.strptime(lines[1].strip(), "%Y%m%d").date()
        for c in json.loads(path.read_text(encoding="utf-8"))["claims"]:
            out.append(
                GoldClaim(
                    path.stem,
                    lines[0].strip(),
                    lines[2].strip(),
                    published,
                    c["actor"],
                    c["speaker"],
                    c["quote"],
                    c["claim"],
                    c["stance"],
                    float(c["confidence"]),
                    c["attribution"],
                    body.index(c["quote"]),
                )
            )
    return out


def overall(stances: list[str]) -> str:
    """DESIGN's rule, written out again independently of stancetrack's own."""
    s = set(stances)
    if {"support", "oppose"} <= s:
        return "mixed"
    for one in ("support", "oppose", "neutral"):
        if one in s:
            return one
    return "none"


def counts_by_actor(claims: list[GoldClaim]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for c in claims:
        out[c.actor][c.stance] += 1
    return dict(out)


def stances_by_actor_article(claims: list[GoldClaim]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in claims:
        out[(c.actor, c.stem)].append(c.stance)
    return dict(out)


def reading_order(claims: list[GoldClaim]) -> list[GoldClaim]:
    return sorted(claims, key=lambda c: (c.published, c.stem, c.position))


def load_corpus(url: str) -> None:
    db = Database(url)
    try:
        import_gold(db, [GOLD], articles=[str(ARTICLES)])
    finally:
        db.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def corpus_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding the whole fixture corpus with gold claims (read-only tests)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'corpus.db'}"
        load_corpus(url)
        yield url
        return
    if os.environ.get("STANCETRACK_TEST_SKIP_PG") == "1":
        pytest.skip("STANCETRACK_TEST_SKIP_PG=1")
    schema = f"st_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        load_corpus(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
