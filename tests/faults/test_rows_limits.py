"""Fault matrix, storage rows: values the database cannot hold, and database errors.

Values are checked against the models' limits before any INSERT (`stancetrack/db/limits.py`):
a URL over 2,000 characters refuses its article, a model's actor over 300 characters
rejects its claim, each with a reason. A database error that still happens is confined to
its article: recorded on a failed run, one error line, and the batch goes on. On SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from rows_support import SECRET, claim, copy_good, error_lines, extract_args, rows, scalar, summary
from sqlalchemy import Table, create_engine, event, text

from stancetrack.db import Database
from stancetrack.db.limits import InvalidValue, check, fit, problems
from stancetrack.db.models import Actor, Article, Claim, RejectedClaim, utcnow
from stancetrack.ingest import ArticleInput
from stancetrack.llm.base import BackendReply, PromptInfo
from stancetrack.pipeline.messages import Answered, Provenance, StoreConfig, Work
from stancetrack.pipeline.storing import Store, cache_key
from stancetrack.schemas import ReplyClaim
from stancetrack.settings import DEFAULT_TARGET

pytestmark = pytest.mark.faults

ARTICLES = cast(Table, Article.__table__)
QUOTE = "the door to NATO membership stays open"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def test_url_over_2000_characters_refuses_that_article(
    cli: Any, db_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "in"
    copy_good(root)
    long_url = "https://example.com/" + "a" * 2100
    (root / "long.json").write_text(
        json.dumps({"title": "Long URL", "text": "Words about the summit.", "url": long_url}),
        encoding="utf-8",
    )
    (root / "seed_long.txt").write_text(
        f"Seed title\n20220202\n{long_url}\nA paragraph about the summit.\n", encoding="utf-8"
    )
    done = cli(["extract", root, "--backend", "rules", "--db", db_url, "--format", "json"])
    assert done.exit_code == 1, done.stderr
    lines = error_lines(done.stderr)
    for name in ("long.json", "seed_long.txt"):
        found = [line for line in lines if name in line]
        assert len(found) == 1 and "over the limit of 2000" in found[0], lines
    assert "unexpected" not in done.stderr
    assert summary(done.stdout)["extracted"] == 2
    assert scalar(db_url, "SELECT count(*) FROM articles") == 2


def test_model_actor_over_300_characters_rejects_that_claim(
    cli: Any, stub: Any, db_url: str, tmp_path: Path
) -> None:
    article = tmp_path / "a.json"
    article.write_text(
        json.dumps({"title": "A", "text": f"Stoltenberg said {QUOTE}. Others said nothing."}),
        encoding="utf-8",
    )
    huge = "Jens " * 80 + "Stoltenberg"
    stub.queue({"claims": [claim(QUOTE), claim(QUOTE, actor=huge, speaker=huge[:290])]})
    done = cli(extract_args(stub.base_url, db_url, article))
    assert done.exit_code == 0, done.stderr
    counts = summary(done.stdout)
    assert (counts["claims"], counts["rejected"]) == (1, 1)
    (reason, actor, payload) = rows(db_url, "SELECT reason, actor, payload FROM rejected_claims")[0]
    detail = (json.loads(payload) if isinstance(payload, str) else payload)["detail"]
    assert reason == "invalid value"
    assert "actors.name" in detail and "over the limit of 300" in detail
    assert len(actor) == 300  # the record keeps what fits, marked as cut
    assert rows(db_url, "SELECT name FROM actors") == [("Jens Stoltenberg",)]


def _boom_trigger(db_url: str) -> None:
    """A trigger refusing claims whose quote has BOOM: an error no check foresees."""
    Database(db_url).dispose()  # the schema
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":  # OperationalError: malformed JSON
            conn.execute(
                text(
                    "CREATE TRIGGER boom BEFORE INSERT ON claims WHEN NEW.quote LIKE '%BOOM%'"
                    " BEGIN SELECT json('{bad'); END"
                )
            )
        else:  # DataError (SQLSTATE 22001)
            conn.execute(
                text(
                    "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN"
                    " IF NEW.quote LIKE '%BOOM%' THEN"
                    " RAISE EXCEPTION 'boom' USING ERRCODE = '22001'; END IF;"
                    " RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER boom BEFORE INSERT ON claims"
                    " FOR EACH ROW EXECUTE FUNCTION boom()"
                )
            )
    engine.dispose()


def test_a_database_error_is_confined_to_its_article(
    cli: Any, stub: Any, db_url: str, tmp_path: Path
) -> None:
    """A failure no check foresees (a trigger raising here) fails that article only."""
    _boom_trigger(db_url)
    paths = []
    for index, words in enumerate(("first", "BOOM goes", "third")):
        path = tmp_path / f"{index}.json"
        quote = f"{words} {QUOTE}"
        path.write_text(json.dumps({"title": words, "text": f"He said {quote}."}), "utf-8")
        paths.append(path)

    def respond(body: dict[str, Any]) -> Any:
        prompt = json.dumps(body["messages"])
        for words in ("first", "BOOM goes", "third"):
            if f"{words} {QUOTE}" in prompt:
                return {"claims": [claim(f"{words} {QUOTE}")]}
        return {"claims": []}

    stub.default = respond
    done = cli([*extract_args(stub.base_url, db_url, *paths), "--concurrency", "1"])
    assert done.exit_code == 1, done.stderr
    counts = summary(done.stdout)
    assert (counts["extracted"], counts["failed"], counts["claims"]) == (2, 1, 2), done.stderr
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and "1.json" in lines[0] and "unexpected" not in lines[0], lines
    failed = rows(
        db_url,
        "SELECT a.title, r.error FROM runs r JOIN articles a ON a.id = r.article_id"
        " WHERE r.status = 'failed'",
    )
    assert len(failed) == 1 and failed[0][0] == "BOOM goes" and failed[0][1], failed
    assert scalar(db_url, "SELECT count(*) FROM claims") == 2


def test_limits_come_from_the_models() -> None:
    good = {"title": "T", "url": "https://x", "chars": 3, "published": date(2022, 2, 2)}
    assert problems(ARTICLES, good) == []
    bad = {
        "title": "x" * 301,
        "url": "https://x/\x1b[2J",
        "text": "a\x00b",
        "chars": 2**31,
        "published": "2022-02-02",
        "created_at": datetime(2022, 2, 2).astimezone(),
    }
    found = problems(ARTICLES, bad)
    assert [p.split(":")[0] for p in found] == [f"articles.{k}" for k in bad]
    assert "over the limit of 300" in found[0] and "U+001B" in found[1]
    assert "NUL" in found[2] and "32-bit" in found[3]
    assert problems(ARTICLES, {"title": "Title \x1b[31m"}) == []  # titles may carry them
    claims = cast(Table, Claim.__table__)
    assert problems(claims, {"confidence": float("nan")})
    with pytest.raises(InvalidValue, match=r"claims\.speaker"):
        check(claims, [{"speaker": "ok"}, {"speaker": "s" * 301}])
    rejected = cast(Table, RejectedClaim.__table__)
    kept = fit(rejected, "actor", "a\x00" + "b" * 400)
    assert kept is not None and len(kept) == 300 and problems(rejected, {"actor": kept}) == []


def test_orm_inserts_are_checked_too(database: Database) -> None:
    with (
        pytest.raises(InvalidValue, match=r"actors\.name: 301 characters"),
        database.session() as s,
    ):
        s.add(Actor(name="n" * 301, key="n"))
        s.flush()
    with database.session() as s:
        assert s.query(Actor).count() == 0


def test_ingest_alone_reports_an_article_it_cannot_store(
    database: Database, tmp_path: Path
) -> None:
    from stancetrack.pipeline import ingest
    from stancetrack.settings import load_settings

    root = tmp_path / "in"
    copy_good(root)
    (root / "long.json").write_text(
        json.dumps({"title": "L", "text": "Some text.", "url": "https://x/" + "a" * 2001}),
        encoding="utf-8",
    )
    result = ingest(database, [str(root)], load_settings())
    assert result.new == 2
    assert [e.source for e in result.errors] == [str(root / "long.json")]
    assert "over the limit of 2000" in result.errors[0].reason


def test_a_database_error_in_a_grouped_write_is_confined_to_its_article(db_url: str) -> None:
    """Replies written together (one transaction) fall back to one transaction each when
    one of them fails: the others are stored once, the failing one gets its failed run."""
    _boom_trigger(db_url)
    db = Database(db_url)
    prompt = PromptInfo(name="t", version="1", sha256="0" * 64)
    config = StoreConfig(
        database_url=db_url,
        target=DEFAULT_TARGET,
        provenance=Provenance("openai", "m", "127.0.0.1", prompt, None, None, {}),
    )
    store = Store(config, db)
    answered = []
    for words in ("first", "BOOM goes", "third"):
        quote = f"{words} {QUOTE}"
        text_ = f"Jens Stoltenberg said {quote}."
        sha = hashlib.sha256(text_.encode()).hexdigest()
        item = ArticleInput(f"{words}.txt", words, text_, None, None, "txt", sha)
        reply = BackendReply(claims=[ReplyClaim.model_validate(claim(quote))], raw_reply="{}")
        answered.append(
            Answered(Work(item, cache_key(item.sha256, "p", "m", "t")), reply, utcnow(), 1.0)
        )
    try:
        outcomes = store.write_replies(answered)
        assert [o.status for o in outcomes] == ["ok", "failed", "ok"], outcomes
        assert "could not store the claims" in (outcomes[1].error or "")
        assert scalar(db_url, "SELECT count(*) FROM claims") == 2
        assert scalar(db_url, "SELECT count(*) FROM articles") == 3
        assert rows(
            db_url, "SELECT status, count(*) FROM runs GROUP BY status ORDER BY status"
        ) == [
            ("failed", 1),
            ("ok", 2),
        ]
        # Grouped for real when nothing fails: two more replies, one transaction, no run lost.
        again = [Answered(a.work, a.reply, utcnow(), 1.0) for a in (answered[0], answered[2])]
        commits: list[object] = []

        def committed(conn: object) -> None:
            commits.append(conn)

        event.listen(db.engine, "commit", committed)
        assert [o.status for o in store.write_replies(again)] == ["ok", "ok"]
        event.remove(db.engine, "commit", committed)
        assert len(commits) == 1
        assert scalar(db_url, "SELECT count(*) FROM claims") == 2  # replaced, not added
        assert scalar(db_url, "SELECT count(*) FROM runs WHERE status = 'ok'") == 4
    finally:
        db.dispose()
