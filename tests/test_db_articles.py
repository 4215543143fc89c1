"""Articles in the database: stored once by text hash, exact text, found by every REF kind."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from stancetrack.db import Database
from stancetrack.db.models import Article
from stancetrack.db.read_models import dump
from stancetrack.db.repository.articles import add_article, find_article, list_articles
from stancetrack.errors import AmbiguousError, NotFoundError
from stancetrack.ingest import ArticleInput, read_bytes
from stancetrack.settings import DEFAULT_TARGET

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO / "fixtures" / "articles"
SEED = ARTICLES / "000_6e641d416cccd12d.txt"


def article(text: str, source: str = "mem.txt", **fields: str) -> ArticleInput:
    body = "\n".join(f"{k}: {v}" for k, v in fields.items())
    [item] = read_bytes(source, (text + "\n" + body).encode("utf-8"), ".txt")
    return item


def store(db: Database, item: ArticleInput) -> tuple[int, bool]:
    with db.session() as session:
        row, created = add_article(session, item)
        return row.id, created


def test_same_text_is_stored_once(database: Database) -> None:
    first = article("Stoltenberg welcomed the decision.", source="a.txt")
    same_text_other_file = article("Stoltenberg welcomed the decision.", source="b.txt")
    other = article("Erdogan raised objections.", source="c.txt")
    id1, created1 = store(database, first)
    id2, created2 = store(database, same_text_other_file)
    id3, created3 = store(database, other)
    assert (created1, created2, created3) == (True, False, True)
    assert id1 == id2 != id3
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 2
        kept = session.get_one(Article, id1)
        assert kept.source == "a.txt"  # the first source is kept


def test_stored_text_is_exactly_the_ingested_text(database: Database) -> None:
    """Offsets index the stored text: it must round-trip character for character."""
    text = (
        "Niinistö and Kristersson — «together» in Brussels.\n\n"
        "“We will not wait,” she said 🇫🇮\tthen left.\nŞişli, Ankara: “no”.\n"
    )
    [item] = read_bytes("u.json", f'{{"title": "T", "text": {text!r}}}'.replace("'", '"').encode())
    article_id, _ = store(database, item)
    with database.session() as session:
        stored = session.get_one(Article, article_id)
        assert stored.text == item.text
        assert stored.chars == len(item.text)
        assert hashlib.sha256(stored.text.encode("utf-8")).hexdigest() == stored.sha256
        quote = "“We will not wait,”"
        start = stored.text.index(quote)
        assert stored.text[start : start + len(quote)] == quote


def test_list_articles_orders_by_date_then_id(database: Database) -> None:
    for path in sorted(ARTICLES.glob("*.txt"))[:4]:
        [item] = read_bytes(str(path), path.read_bytes(), ".txt")
        store(database, item)
    store(database, article("Undated note about NATO."))
    with database.session() as session:
        rows = list_articles(session, target=DEFAULT_TARGET)
    dated = [r.published for r in rows if r.published is not None]
    assert dated == sorted(dated) and len(dated) == 4
    assert rows[-1].published is None
    assert {r.claims for r in rows} == {0}
    assert set(dump(rows[0])) == {
        "id",
        "title",
        "url",
        "outlet",
        "published",
        "sha256",
        "claims",
    }


@pytest.fixture
def seeded(database: Database, tmp_path: Path) -> tuple[Database, int, ArticleInput]:
    [item] = read_bytes(str(SEED), SEED.read_bytes(), ".txt")
    article_id, _ = store(database, item)
    return database, article_id, item


def test_find_by_id_sha_prefix_path_and_url(
    seeded: tuple[Database, int, ArticleInput], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, article_id, item = seeded
    assert item.url is not None
    copy = tmp_path / "renamed-copy.txt"
    copy.write_bytes(SEED.read_bytes())
    monkeypatch.chdir(SEED.parent)
    refs = [
        str(article_id),
        item.sha256,
        item.sha256[:4],
        item.sha256[:12].upper(),
        str(SEED),  # the source as stored
        SEED.name,  # relative to the current directory
        item.url,
        str(copy),  # another file with the same text: matched by content
        f"  {article_id} ",
    ]
    with db.session() as session:
        for ref in refs:
            assert find_article(session, ref).id == article_id, ref


def test_find_misses_clearly(seeded: tuple[Database, int, ArticleInput], tmp_path: Path) -> None:
    db, article_id, item = seeded
    other = tmp_path / "other.txt"
    other.write_text("A different article\nwith other text.", encoding="utf-8")
    misses = [
        str(article_id + 1000),
        item.sha256[:3],  # too short to be a prefix
        ("0" if item.sha256[0] != "0" else "1") + item.sha256[1:12],
        "https://example.com/not-stored",
        str(other),
        "no-such-file.txt",
    ]
    with db.session() as session:
        for ref in misses:
            with pytest.raises(NotFoundError) as caught:
                find_article(session, ref)
            assert repr(ref) in str(caught.value)


def _colliding_texts(prefix_len: int = 4) -> tuple[str, str]:
    """Two article texts whose sha256 share the first `prefix_len` hex digits."""
    seen: dict[str, str] = {}
    for n in itertools.count():
        text = f"NATO summit note number {n}.\n"
        prefix = hashlib.sha256(text.encode()).hexdigest()[:prefix_len]
        if prefix in seen:
            return seen[prefix], text
        seen[prefix] = text
    raise AssertionError("unreachable")


def test_ambiguous_sha_prefix(database: Database) -> None:
    text_a, text_b = _colliding_texts()
    [a] = read_bytes("a.txt", text_a.encode(), ".txt")
    [b] = read_bytes("b.txt", text_b.encode(), ".txt")
    assert a.sha256[:4] == b.sha256[:4] and a.sha256 != b.sha256
    id_a, _ = store(database, a)
    id_b, _ = store(database, b)
    common = next(a.sha256[:i] for i in range(64) if a.sha256[i] != b.sha256[i])
    with database.session() as session:
        with pytest.raises(AmbiguousError) as caught:
            find_article(session, common)
        assert f"ids {id_a}, {id_b}" in str(caught.value)
        assert find_article(session, a.sha256[: len(common) + 1]).id == id_a
        assert find_article(session, b.sha256[: len(common) + 1]).id == id_b


_WORKER = """
import sys, time
from stancetrack.db import Database
from stancetrack.pipeline import ingest
from stancetrack.settings import load_settings
url, start, *paths = sys.argv[1:]
while time.time() < float(start):
    time.sleep(0.005)
result = ingest(Database(url), paths, load_settings())
print(result.new, result.duplicates, len(result.errors))
"""


def test_two_processes_ingesting_the_same_files_store_each_once(db_url: str) -> None:
    """Concurrent first use: migration and dedup both race; neither may fail or duplicate."""
    paths = [str(p) for p in sorted(ARTICLES.glob("*.txt"))]
    start = str(time.time() + 1.5)  # both start together, after interpreter start-up
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, db_url, start, *order],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for order in (paths, paths[::-1])
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    counts = [tuple(int(x) for x in out.split()) for out, _ in outputs]
    assert all(errors == 0 for _, _, errors in counts)
    assert sum(new for new, _, _ in counts) == len(paths)
    assert all(new + dup == len(paths) for new, dup, _ in counts)
    db = Database(db_url)
    try:
        with db.session() as session:
            shas = session.scalars(select(Article.sha256)).all()
        assert len(shas) == len(set(shas)) == len(paths)
    finally:
        db.dispose()
