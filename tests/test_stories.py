"""Stories (docs/CONTRACTS.md, "Version 2 and 3 additions"):
near-identical articles (one wire story run by several outlets) form
one story at ingestion; separately written reports on the same event stay apart; `compare`
and `timeline --per story` count a claim repeated across copies once and list the outlets.
On SQLite and PostgreSQL, with the generated corpus of tests/story_corpus.py.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from story_corpus import generate, pairs

from stancetrack.db import Database
from stancetrack.db.models import Article, StoryBand
from stancetrack.db.repository.stories import PER_BAND
from stancetrack.ingest.fingerprint import BANDS
from stancetrack.pipeline import ingest
from stancetrack.settings import load_settings


def _write(docs: list[Any], root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (root / f"{doc.name}.json").write_text(
            json.dumps({"title": doc.title, "text": doc.text, "url": doc.url}), encoding="utf-8"
        )


def _stories(db_url: str) -> dict[str, int]:
    db = Database(db_url)
    try:
        with db.session() as s:
            rows = s.execute(select(Article.source, Article.story_id)).all()
    finally:
        db.dispose()
    return {Path(source).stem: story for source, story in rows}


def test_copies_grouped_reports_apart(db_url: str, tmp_path: Path) -> None:
    docs = generate(events=6, copies=3, reports=2, seed=11)
    _write(docs, tmp_path / "in")
    result = ingest(Database(db_url), [str(tmp_path / "in")], load_settings(database_url=db_url))
    assert result.new == len(docs) and not result.errors
    got = _stories(db_url)
    assert None not in got.values()
    truth = {d.name: d.story for d in docs}
    assert pairs({k: str(v) for k, v in got.items()}) == pairs(truth)
    # Each story is named by its first stored copy.
    db = Database(db_url)
    try:
        with db.session() as s:
            ids = dict(s.execute(select(Article.source, Article.id)).all())
            assert s.scalar(select(func.count()).select_from(StoryBand)) == BANDS * len(docs)
    finally:
        db.dispose()
    by_story: dict[int, list[int]] = defaultdict(list)
    for source, article_id in ids.items():
        by_story[got[Path(source).stem]].append(article_id)
    assert all(story == min(members) for story, members in by_story.items())


@pytest.mark.parametrize(
    ("first", "later", "joins"),
    [
        ("2026-01-05", "2026-01-11", True),  # same week (Monday, Sunday)
        ("2026-01-11", "2026-01-18", True),  # 7 days: the next week
        ("2026-01-05", "2026-01-18", True),  # 13 days, the next week
        ("2026-01-18", "2026-01-05", True),  # stored first, published later
        ("2026-01-05", "2026-01-19", False),  # two weeks on
        ("2026-01-05", "2026-03-02", False),
    ],
)
def test_copies_join_within_a_week_either_side(
    first: str, later: str, joins: bool, db_url: str, tmp_path: Path
) -> None:
    """Band keys are filed by week: a copy is compared with those of its week and the weeks
    either side (repository/stories.WEEKS_APART), whichever of them was stored first."""
    agency, copy = generate(events=1, copies=1, reports=0, seed=4)
    root = tmp_path / "in"
    root.mkdir()
    for name, doc, day in (("a", agency, first), ("b", copy, later)):
        record = {"title": doc.title, "text": doc.text, "url": doc.url, "published": day}
        (root / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    db = Database(db_url)
    settings = load_settings(database_url=db_url)
    assert ingest(db, [str(root / "a.json")], settings).new == 1
    assert ingest(db, [str(root / "b.json")], settings).new == 1
    got = _stories(db_url)
    assert (got["a"] == got["b"]) is joins


def test_undated_copy_joins_by_the_day_it_is_stored(db_url: str, tmp_path: Path) -> None:
    """An article without a date is filed under the week it is stored in."""
    from stancetrack.db.models import utcnow

    agency, copy = generate(events=1, copies=1, reports=0, seed=6)
    root = tmp_path / "in"
    root.mkdir()
    today = utcnow().date().isoformat()
    records = {
        "a": {"title": agency.title, "text": agency.text, "url": agency.url, "published": today},
        "b": {"title": copy.title, "text": copy.text, "url": copy.url},
    }
    for name, record in records.items():
        (root / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    ingest(Database(db_url), [str(root)], load_settings(database_url=db_url))
    got = _stories(db_url)
    assert got["a"] == got["b"]


def test_too_short_texts_are_their_own_story(db_url: str, tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text("Short note.\n", encoding="utf-8")
    (root / "b.txt").write_text("Short note!\n", encoding="utf-8")
    ingest(Database(db_url), [str(root)], load_settings(database_url=db_url))
    got = _stories(db_url)
    assert got["a"] != got["b"]


def _claims_corpus(root: Path) -> list[Any]:
    """Two events, each with its agency text, two copies and one own report; the texts carry
    a claim the rules backend attributes (the quote and its speaker)."""
    docs = generate(events=2, copies=2, reports=1, seed=5)
    _write(docs, root)
    return docs


def _json(cli: Any, *args: str) -> Any:
    run = cli([*args, "--format", "json"])
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def test_compare_and_timeline_per_story(cli: Any, db_url: str, tmp_path: Path) -> None:
    docs = _claims_corpus(tmp_path / "in")
    run = cli(["extract", str(tmp_path / "in"), "--backend", "rules", "--db", db_url, "-f", "json"])
    assert run.exit_code == 0, run.stderr
    claims = _json(cli, "claims", "--db", db_url)
    assert claims, "the rules backend found no claims in the generated texts"
    stories = _stories(db_url)
    articles = {a["id"]: a for a in _json(cli, "articles", "--db", db_url)}
    name_of = {a["id"]: Path(a["url"]).stem for a in articles.values()}
    del name_of
    source_story = {}
    db = Database(db_url)
    try:
        with db.session() as s:
            for article_id, source in s.execute(select(Article.id, Article.source)):
                source_story[article_id] = stories[Path(source).stem]
    finally:
        db.dispose()
    # Expected per-story counts: each (story, actor, stance, quote) once.
    distinct = {
        (source_story[c["article"]["id"]], c["actor"], c["stance"], c["quote"].lower())
        for c in claims
    }
    per_article = _json(cli, "compare", "--db", db_url)
    per_story = _json(cli, "compare", "--per", "story", "--db", db_url)
    assert {r["actor"] for r in per_story} == {r["actor"] for r in per_article}
    for row in per_story:
        for stance in ("support", "oppose", "neutral", "unrelated"):
            expected = sum(1 for d in distinct if d[1] == row["actor"] and d[2] == stance)
            assert row[stance] == expected, (row, stance)
        outlets = {c["outlet"] for c in claims if c["actor"] == row["actor"]}
        assert row["outlets"] == sorted(outlets)
        assert row["stories"] == len(
            {source_story[c["article"]["id"]] for c in claims if c["actor"] == row["actor"]}
        )
    # The wire copies repeat the agency's claims: per story counts fewer than per article.
    total = sum(r["claims"] for r in per_article)
    assert sum(r["claims"] for r in per_story) < total == len(claims)
    copies = [d for d in docs if d.kind == "copy"]
    assert copies
    # timeline --per story: one point per story, its outlets, its number of copies.
    actor = per_story[0]["actor"]
    line = _json(cli, "timeline", actor, "--per", "story", "--db", db_url)
    assert line["points"]
    actor_stories = {
        source_story[c["article"]["id"]]
        for c in claims
        if c["actor"] == actor and c["speaker_evidence"] != "absent"
    }
    assert sorted(p["story"] for p in line["points"]) == sorted(actor_stories)
    for point in line["points"]:
        members = [a for a, st in source_story.items() if st == point["story"]]
        assert point["copies"] == len(members)
        assert point["outlets"] == sorted({articles[a]["outlet"] for a in members})
    plain = _json(cli, "timeline", actor, "--db", db_url)
    assert len(plain["points"]) >= len(line["points"])
    # People's tables take the option too; --per story with --by is refused.
    assert cli(["compare", "--per", "story", "--db", db_url]).exit_code == 0
    assert cli(["timeline", actor, "--per", "story", "--db", db_url]).exit_code == 0
    refused = cli(["compare", "--per", "story", "--by", "article", "--db", db_url])
    assert refused.exit_code == 2 and "--per story" in refused.stderr


def test_upgrade_groups_articles_stored_before_stories(db_url: str) -> None:
    """Articles stored at 0008 (no stories yet) are grouped by `upgrade head` (0012)."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from stancetrack.db.engine import alembic_config, normalize_url

    docs = generate(events=2, copies=2, reports=1, seed=3)
    engine = create_engine(normalize_url(db_url))
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0008")
        with engine.begin() as conn:
            for i, doc in enumerate(docs, 1):
                conn.execute(
                    text(
                        "INSERT INTO articles (id, sha256, title, url, source, format, text, "
                        "chars, created_at) VALUES (:id, :sha, :title, :url, :src, 'json', "
                        ":text, 1, CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": i,
                        "sha": f"s{i}",
                        "title": doc.title,
                        "url": doc.url,
                        "src": doc.name,
                        "text": doc.text,
                    },
                )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with engine.begin() as conn:
            got = dict(conn.execute(text("SELECT source, story_id FROM articles")).all())
            bands = conn.execute(text("SELECT count(*) FROM story_bands")).scalar()
        assert bands == BANDS * len(docs)
        assert pairs({k: str(v) for k, v in got.items()}) == pairs({d.name: d.story for d in docs})
    finally:
        engine.dispose()


@pytest.mark.parametrize("cut", [0.0, 0.2, 0.3])
def test_trimmed_copy_joins(cut: float, sqlite_url: str, tmp_path: Path) -> None:
    """A copy missing up to the last 30% of its paragraphs still joins its story."""
    doc = generate(events=1, copies=0, reports=0, seed=9, paragraphs=12)[0]
    lines = doc.text.split("\n")
    keep = lines[: len(lines) - int(len(lines) * cut)]
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.json").write_text(json.dumps({"title": "A", "text": doc.text}), encoding="utf-8")
    (root / "b.json").write_text(
        json.dumps({"title": "B", "text": "LONDON (Reuters) - " + "\n".join(keep)}),
        encoding="utf-8",
    )
    ingest(Database(sqlite_url), [str(root)], load_settings(database_url=sqlite_url))
    got = _stories(sqlite_url)
    assert got["a"] == got["b"]


def test_a_story_with_more_copies_than_a_band_reads_still_groups(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Each band key reads only its newest PER_BAND articles (bounded work per copy): the
    copies after that many still join the story, and an unrelated text stays apart."""
    docs = generate(events=2, copies=1, reports=0, seed=5)
    body = docs[0].text
    root = tmp_path / "in"
    root.mkdir()
    for n in range(PER_BAND + 6):
        (root / f"copy{n:03d}.json").write_text(
            json.dumps({"title": f"Copy {n}", "text": f"Outlet {n} reports. {body}"}), "utf-8"
        )
    (root / "other.json").write_text(json.dumps({"title": "x", "text": docs[-1].text}), "utf-8")
    ingest(Database(sqlite_url), [str(root)], load_settings(database_url=sqlite_url))
    got = _stories(sqlite_url)
    copies = {story for name, story in got.items() if name.startswith("copy")}
    assert len(copies) == 1 and got["other"] not in copies
