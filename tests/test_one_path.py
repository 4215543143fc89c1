"""One path from a reply to claims: `extract`, `import-gold` and `eval` agree claim for claim.

The same reply (gold claims of one fixture article, plus a repeated claim, a quote with
different spacing and quote marks, one with a typo, one not in the text and a bare-surname
actor) is served by the stub server through the real openai client to `extract`, stored by
`import-gold` as a gold file, and placed by eval's runner. All three must give the same
claims: same spans, speakers, canonical actors, stances and confidences, and the same
rejections, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from extract_helpers import ARTICLES, gold
from sqlalchemy import select
from stub_server import StubServer

from stancetrack.db import Database
from stancetrack.db.models import Actor, Claim, Run
from stancetrack.evaluation.runner import place_claims
from stancetrack.llm.base import ExtractionRequest
from stancetrack.llm.openai_backend import OpenAIBackend
from stancetrack.settings import load_settings

STEM = "001_kremlin_security_guarantees"
GOLD_TARGET = "gold check"

Row = tuple[int, int, str, str, str, float]


def tricky_reply() -> dict[str, Any]:
    claims = gold(STEM)
    first, second, third = claims[0], claims[1], claims[2]
    spaced = " ".join(second["quote"].split()).replace('"', "\u201c", 1)
    long_quote = third["quote"]
    middle = len(long_quote) // 2
    typo = (
        long_quote[:middle] + ("x" if long_quote[middle] != "x" else "y") + long_quote[middle + 1 :]
    )
    extra = [
        dict(first),  # the same claim twice: stored once, the repeat rejected as a duplicate
        {  # spacing and a curly quote mark; another speaker, so not a repeat
            **second,
            "quote": "  " + spaced.replace(" ", "  ", 2),
            "actor": "Jens Stoltenberg",
            "speaker": "Stoltenberg",
        },
        {**third, "quote": typo, "actor": "Sergey Lavrov", "speaker": "Lavrov"},  # fuzzy
        {**first, "quote": "words that appear nowhere in this article at all"},  # rejected
        # a bare surname: the same actor at the same span, rejected as a duplicate
        {**first, "actor": "Putin", "speaker": "Putin"},
    ]
    return {"claims": claims + extra}


def stored(db_url: str, target: str) -> tuple[list[Row], int]:
    db = Database(db_url)
    try:
        with db.session() as s:
            rows = s.execute(
                select(
                    Claim.start,
                    Claim.end,
                    Claim.speaker,
                    Actor.name,
                    Claim.stance,
                    Claim.confidence,
                )
                .join(Actor, Actor.id == Claim.actor_id)
                .where(Claim.target == target)
            ).all()
            rejected = s.scalars(select(Run.rejected_count).where(Run.target == target)).one()
        return sorted((r[0], r[1], r[2], r[3], r[4], float(r[5])) for r in rows), rejected
    finally:
        db.dispose()


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")


def test_eval_import_gold_and_extract_agree(
    cli: Any, stub: StubServer, db_url: str, tmp_path: Path
) -> None:
    reply = tricky_reply()
    stub.default = lambda _body: reply
    article = ARTICLES / f"{STEM}.txt"
    args = ["--base-url", stub.base_url, "--model", "stub-model", "--db", db_url]
    done = cli(["extract", article, *args, "-f", "json"])
    assert done.exit_code == 0, done.stderr
    extracted, extract_rejected = stored(db_url, "NATO expansion")

    # The reply exercised every step: grounding variants, dedup, rejection, actor resolution.
    n_gold = len(gold(STEM))
    assert len(extracted) == n_gold + 2  # +spaced, +typo; the repeat and the surname merge
    assert extract_rejected == 3  # not in the text; the repeat and the surname: duplicates
    assert "Putin" not in {r[3] for r in extracted}
    db = Database(db_url)
    try:
        with db.session() as s:
            alignments = set(s.scalars(select(Claim.alignment)))
        assert alignments == {"exact", "normalized", "fuzzy"}
    finally:
        db.dispose()

    # import-gold: the same reply as a gold file, for another target in the same database.
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / f"{STEM}.json").write_text(json.dumps(reply), encoding="utf-8")
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(article, articles)
    imported = cli(
        ["import-gold", gold_dir, "--articles", articles, "--target", GOLD_TARGET, "--db", db_url]
    )
    assert imported.exit_code == 1  # rejected quotes are reported
    assert "3 rejected" in imported.stderr
    assert stored(db_url, GOLD_TARGET) == (extracted, 3)

    # eval: the runner's placement of the very reply the backend returns.
    settings = load_settings(openai_base_url=stub.base_url, model="stub-model")
    text = Database(db_url)
    try:
        with text.session() as s:
            from stancetrack.db.repository.articles import find_article

            body = find_article(s, str(article)).text
    finally:
        text.dispose()

    async def ask() -> Any:
        backend = OpenAIBackend(settings)
        try:
            return await backend.extract(ExtractionRequest("", body, "NATO expansion"))
        finally:
            await backend.aclose()

    predicted, missing = place_claims(body, asyncio.run(ask()))
    placed = sorted(
        (p.span[0], p.span[1], p.speaker, p.actor, p.stance, p.confidence) for p in predicted
    )
    assert placed == extracted
    assert missing == extract_rejected
