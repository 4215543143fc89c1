"""Outlets (docs/CONTRACTS.md, "Version 2 and 3 additions"):
an article's outlet is its URL's registrable domain, offline.

Shown in `articles` and `claims` JSON and tables, grouped on by `compare --by outlet`, and
backfilled by migration 0005 for articles stored before it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import socket
from collections import Counter
from typing import Any

import pytest
from extract_helpers import ARTICLES

from stancetrack.ingest.outlets import outlet_of


@pytest.mark.parametrize(
    ("url", "outlet"),
    [
        ("https://www.cbsnews.com/news/x", "cbsnews.com"),
        ("http://news.bbc.co.uk/world/1", "bbc.co.uk"),  # a two-label public suffix
        ("https://WWW.Example.ORG./a", "example.org"),
        ("http://127.0.0.1:8000/feed", "127.0.0.1"),  # no registrable domain: the host
        ("http://localhost/a", "localhost"),
        ("ftp://example.com/x", None),
        ("not a url", None),
        ("", None),
        (None, None),
    ],
)
def test_outlet_is_the_registrable_domain(url: str | None, outlet: str | None) -> None:
    assert outlet_of(url) == outlet


def test_outlets_need_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled suffix list is used: any connection attempt would fail the lookup."""
    from stancetrack.ingest import outlets

    outlets._extractor.cache_clear()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tldextract tried the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    try:
        assert outlet_of("https://edition.cnn.com/2024/x") == "cnn.com"
    finally:
        outlets._extractor.cache_clear()


def _json(cli: Any, *args: str) -> Any:
    run = cli([*args, "--format", "json"])
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


EXPECTED = {"cbsnews.com": 1, "example.com": 5, "example.org": 3}


def test_outlet_in_articles_claims_and_compare(cli: Any, db_url: str) -> None:
    run = cli(["extract", ARTICLES, "--backend", "rules", "--db", db_url, "-f", "json"])
    assert run.exit_code == 0, run.stderr
    articles = _json(cli, "articles", "--db", db_url)
    assert Counter(a["outlet"] for a in articles) == EXPECTED
    assert all(a["outlet"] == outlet_of(a["url"]) for a in articles)
    claims = _json(cli, "claims", "--db", db_url)
    assert claims
    for c in claims:
        assert c["outlet"] == outlet_of(c["article"]["url"])
        assert "outlet" not in c["article"]  # v1's article object stays as it was
    # compare --by outlet: one row per (actor, outlet), counts adding up to the claims (all
    # of them with --include-unverified; by default those whose speaker is named near them).
    rows = _json(cli, "compare", "--by", "outlet", "--include-unverified", "--db", db_url)
    expected = Counter((c["actor"], c["outlet"], c["stance"]) for c in claims)
    verified = _json(cli, "compare", "--by", "outlet", "--db", db_url)
    assert sum(r["claims"] for r in verified) == sum(
        c["speaker_evidence"] != "absent" for c in claims
    )
    got: Counter[tuple[str, str, str]] = Counter()
    for row in rows:
        for stance in ("support", "oppose", "neutral", "unrelated"):
            if row[stance]:
                got[(row["actor"], row["outlet"], stance)] += row[stance]
    assert got == expected
    assert {r["outlet"] for r in rows} <= set(EXPECTED)
    # Tables show the column too.
    table = cli(["compare", "--by", "outlet", "--db", db_url])
    assert table.exit_code == 0 and "outlet" in table.stdout and "example.org" in table.stdout
    for command in ("articles", "claims"):
        shown = cli([command, "--db", db_url])
        assert shown.exit_code == 0 and "cbsnews.com" in shown.stdout, shown.stdout


def test_migration_0005_backfills_outlets(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from stancetrack.db.engine import alembic_config, normalize_url

    engine = create_engine(normalize_url(db_url))
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        with engine.begin() as conn:
            for i, url in enumerate(
                ["https://www.cbsnews.com/a", None, "http://news.bbc.co.uk/b", "junk"], 1
            ):
                conn.execute(
                    text(
                        "INSERT INTO articles (id, sha256, title, url, source, format, text, "
                        "chars, created_at) VALUES (:id, :sha, 't', :url, 's', 'txt', 'x', 1, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"id": i, "sha": f"s{i}", "url": url},
                )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0005")
        with engine.begin() as conn:
            got = dict(conn.execute(text("SELECT id, outlet FROM articles")).all())
        assert got == {1: "cbsnews.com", 2: None, 3: "bbc.co.uk", 4: None}
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        with engine.begin() as conn:
            columns = conn.execute(text("SELECT * FROM articles")).keys()
        assert "outlet" not in columns
    finally:
        engine.dispose()
