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
from typing import Any

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
    speaker_evidence: str = "cue"  # how the article names the speaker (speaker_evidence.py)


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
                    _evidence(body, c),
                )
            )
    return out


def _evidence(body: str, claim: dict[str, Any]) -> str:
    """The speaker evidence extract computes for a gold claim (the quote at its first place)."""
    from stancetrack.grounding import ArticleText
    from stancetrack.speaker_evidence import ArticleSpeakers

    start = body.index(claim["quote"])
    found = ArticleSpeakers(ArticleText(body)).locate(
        (start, start + len(claim["quote"])),
        claim["speaker"],
        claim["actor"],
        claim.get("actor_type", "unknown"),
    )
    return found.evidence


def verified(claims: list[GoldClaim]) -> list[GoldClaim]:
    """The claims `compare` and the report count by default: speaker not `absent`."""
    return [c for c in claims if c.speaker_evidence != "absent"]


def overall(stances: list[str]) -> str:
    """The overall-stance rule of docs/CONTRACTS.md, written out again independently."""
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


class ReportDom:
    """What a report shows, read back from its HTML (static or rendered by a browser).

    `texts[article_id]` is each article's text as displayed (paragraphs joined by "\\n")
    and `marked[article_id]` the (start, end, classes, claim ids) of every highlighted
    segment in it; `matrix[(actor, stance)]` the actor x stance cells.
    """

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        dom = self
        self.texts: dict[int, str] = {}
        self.titles: dict[str, int] = {}
        self.marked: dict[int, list[tuple[int, int, set[str], set[str]]]] = {}
        self.matrix: dict[tuple[str, str], int] = {}
        self.body_attrs: dict[str, str] = {}
        self.tags: list[str] = []

        class Parser(HTMLParser):
            article: int | None = None
            in_text = 0
            in_p = False
            paragraphs = 0
            mark: tuple[int, set[str], set[str]] | None = None
            cell: tuple[str, str] | None = None
            cell_text = ""
            title: str | None = None

            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                a = {k: v or "" for k, v in attrs}
                dom.tags.append(tag)
                if tag == "body":
                    dom.body_attrs = a
                if tag == "article" and a.get("id", "").startswith("article-"):
                    self.article = int(a["id"].split("-", 1)[1])
                    dom.texts[self.article] = ""
                    dom.marked[self.article] = []
                    self.paragraphs = 0
                if tag == "h3" and self.article is not None:
                    self.title = ""
                if tag == "div" and "text" in a.get("class", "").split():
                    self.in_text = 1
                if self.in_text and tag == "p":
                    if self.paragraphs and self.article is not None:
                        dom.texts[self.article] += "\n"
                    self.paragraphs += 1
                    self.in_p = True
                if self.in_text and tag == "mark" and self.article is not None:
                    classes = set(a.get("class", "").split())
                    self.mark = (
                        len(dom.texts[self.article]),
                        classes,
                        set(a.get("data-claims", "").split()),
                    )
                if tag == "td" and "data-stance" in a:
                    self.cell = (a["data-actor"], a["data-stance"])
                    self.cell_text = ""

            def handle_endtag(self, tag: str) -> None:
                if tag == "h3" and self.title is not None and self.article is not None:
                    dom.titles[self.title.strip()] = self.article
                    self.title = None
                if tag == "div" and self.in_text:
                    self.in_text = 0
                if tag == "p":
                    self.in_p = False
                if tag == "mark" and self.mark is not None and self.article is not None:
                    start, classes, ids = self.mark
                    dom.marked[self.article].append(
                        (start, len(dom.texts[self.article]), classes, ids)
                    )
                    self.mark = None
                if tag == "td" and self.cell is not None:
                    dom.matrix[self.cell] = int(self.cell_text.strip())
                    self.cell = None

            def handle_data(self, data: str) -> None:
                if self.in_text and self.in_p and self.article is not None:
                    dom.texts[self.article] += data
                if self.cell is not None:
                    self.cell_text += data
                if self.title is not None:
                    self.title += data

        parser = Parser(convert_charrefs=True)
        parser.feed(html)
        parser.close()

    def covered(self, article_id: int, start: int, end: int, classes: set[str]) -> bool:
        """True when every character of [start, end) lies in a mark with one of `classes`."""
        chars = set(range(start, end))
        for lo, hi, cls, _ids in self.marked[article_id]:
            if cls & classes:
                chars -= set(range(lo, hi))
        return not chars
