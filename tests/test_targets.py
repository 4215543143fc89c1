"""Claims belong to a target (docs/CONTRACTS.md, "Targets"):
two targets live side by side in one database.

The fixture articles are extracted for NATO expansion, then for "EU enlargement", through the
real openai client against the stub server, on SQLite and PostgreSQL. The stub answers by
the target named in the prompt, so each target gets its own, different claims. Both sets must
stay intact and every query command must answer for one target only.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from extract_helpers import ARTICLES, STEMS, gold, marker
from sqlalchemy import func, select
from stub_server import StubServer

from stancetrack.db import Database
from stancetrack.db.models import ActorStanceCount, Article, Claim, Run

NATO = "NATO expansion"
EU = "EU enlargement"
SECRET = "sk-test-0123456789"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def eu_claims(stem: str) -> list[dict[str, Any]]:
    """The EU target's answer: the first two gold claims, restated with other stances."""
    out = []
    for index, claim in enumerate(gold(stem)[:2]):
        stance = "oppose" if index == 0 else "neutral"
        out.append({**claim, "stance": stance, "rationale": f"EU view {index}"})
    return out


def nato_claims(stem: str, dropped: set[str]) -> list[dict[str, Any]]:
    return [] if stem in dropped else gold(stem)


def by_target(dropped: set[str] | None = None) -> Any:
    """A stub responder answering per article and per target named in the prompt."""
    gone = dropped or set()

    def respond(body: dict[str, Any]) -> Any:
        text = "\n".join(str(m.get("content") or "") for m in body.get("messages", []))
        for stem in STEMS:
            if marker(stem) in text:
                claims = eu_claims(stem) if EU in text else nato_claims(stem, gone)
                return {"claims": claims}
        return {"claims": []}

    return respond


def extract(cli: Any, stub: StubServer, db_url: str, *args: str) -> dict[str, Any]:
    result = cli(
        [
            "extract",
            ARTICLES,
            *args,
            "--base-url",
            stub.base_url,
            "--model",
            "stub-model",
            "--db",
            db_url,
            "-f",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def query(cli: Any, db_url: str, *args: str) -> Any:
    result = cli([*args, "--db", db_url, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def nato_total() -> int:
    return sum(len(gold(s)) for s in STEMS)


def eu_total() -> int:
    return sum(len(eu_claims(s)) for s in STEMS)


def claim_ids(db_url: str, target: str) -> dict[int, tuple[str, int, int]]:
    db = Database(db_url)
    try:
        with db.session() as s:
            rows = s.execute(
                select(Claim.id, Claim.stance, Claim.start, Claim.end).where(Claim.target == target)
            )
            return {r[0]: (r[1], r[2], r[3]) for r in rows}
    finally:
        db.dispose()


def assert_counts_table_matches_claims(db_url: str) -> None:
    """The trigger-kept actor_stance_counts equal a GROUP BY of the claims, per target."""
    db = Database(db_url)
    try:
        with db.session() as s:
            grouped = {
                (t, a, st): n
                for t, a, st, n in s.execute(
                    select(Claim.target, Claim.actor_id, Claim.stance, func.count()).group_by(
                        Claim.target, Claim.actor_id, Claim.stance
                    )
                )
            }
            kept = {
                (r.target, r.actor_id, r.stance): r.claims
                for r in s.scalars(select(ActorStanceCount))
                if r.claims
            }
        assert kept == grouped
    finally:
        db.dispose()


@pytest.fixture
def two_targets(cli: Any, stub: StubServer, db_url: str) -> str:
    stub.default = by_target()
    first = extract(cli, stub, db_url)
    assert first["extracted"] == 9 and first["claims"] == nato_total()
    second = extract(cli, stub, db_url, "--target", EU)
    # The skip key includes the target: nothing is skipped for the new target.
    assert second["extracted"] == 9 and second["skipped"] == 0
    assert second["claims"] == eu_total()
    # Extracting NATO again skips everything: its runs are still the current ones.
    again = extract(cli, stub, db_url)
    assert again["skipped"] == 9 and again["extracted"] == 0
    return db_url


def test_both_targets_intact_and_separately_queryable(cli: Any, two_targets: str) -> None:
    db_url = two_targets
    assert len(claim_ids(db_url, NATO)) == nato_total()
    assert len(claim_ids(db_url, EU)) == eu_total()
    assert_counts_table_matches_claims(db_url)

    # claims: default target is the configured one; JSON carries "target".
    nato = query(cli, db_url, "claims")
    eu = query(cli, db_url, "claims", "--target", EU)
    assert len(nato) == nato_total() and {c["target"] for c in nato} == {NATO}
    assert len(eu) == eu_total() and {c["target"] for c in eu} == {EU}
    assert Counter(c["stance"] for c in eu) == {"oppose": 9, "neutral": eu_total() - 9}

    # articles: claim counts of the asked target.
    arts = {a["id"]: a["claims"] for a in query(cli, db_url, "articles")}
    arts_eu = {a["id"]: a["claims"] for a in query(cli, db_url, "articles", "--target", EU)}
    assert sum(arts.values()) == nato_total() and sum(arts_eu.values()) == eu_total()
    assert all(n == 2 for n in arts_eu.values())

    # actors: the registry is shared, the counts are the target's.
    actors = query(cli, db_url, "actors")
    actors_eu = query(cli, db_url, "actors", "--target", EU)
    assert sum(a["claims"] for a in actors) == nato_total()
    assert sum(a["claims"] for a in actors_eu) == eu_total()

    # compare (overall and per article) counts one target; the table says which.
    def compared(*args: str) -> int:
        # Every claim, those whose speaker is not named near the quote included.
        rows = query(cli, db_url, "compare", "--include-unverified", *args)
        return sum(r["support"] + r["oppose"] + r["neutral"] + r["unrelated"] for r in rows)

    assert compared() == nato_total()
    assert compared("--target", EU) == eu_total()
    assert compared("--by", "article", "--target", EU) == eu_total()
    first_id = str(min(arts))
    assert compared("--article", first_id, "--target", EU) == 2
    table = cli(["compare", "--db", db_url, "-f", "table", "--target", EU])
    assert table.exit_code == 0 and f"stance toward: {EU}" in table.stderr

    # diff: the two articles' claims of one target only.
    ids = sorted(arts)
    diff = query(cli, db_url, "diff", str(ids[0]), str(ids[1]), "--target", EU)
    assert diff["target"] == EU
    listed = (
        diff["claims"]["only_a"]
        + diff["claims"]["only_b"]
        + [m[k] for m in diff["claims"]["matched"] for k in ("a", "b")]
    )
    assert len(listed) == 4 and {c["target"] for c in listed} == {EU}

    # timeline: an actor's points for one target.
    busiest = max(actors_eu, key=lambda a: a["claims"])
    line = query(cli, db_url, "timeline", busiest["actor"], "--target", EU)
    assert line["target"] == EU
    assert sum(p["oppose"] + p["neutral"] for p in line["points"]) == busiest["claims"]
    line_nato = query(cli, db_url, "timeline", busiest["actor"])
    assert line_nato["target"] == NATO

    # export and report select one target.
    exported = cli(["export", "--db", db_url, "-f", "jsonl", "--target", EU])
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert exported.exit_code == 0 and len(rows) == eu_total()
    assert {r["target"] for r in rows} == {EU}
    report = cli(["report", "--db", db_url, "-o", "-", "--target", EU])
    assert report.exit_code == 0
    assert f"stance toward <strong>{EU}</strong>" in report.stdout
    assert f"{eu_total()} claim(s)" in report.stdout

    # runs: the audit lists both targets; --target narrows it.
    runs = query(cli, db_url, "runs")
    assert Counter(r["target"] for r in runs) == {NATO: 9, EU: 9}
    assert {r["target"] for r in query(cli, db_url, "runs", "--target", EU)} == {EU}


def test_configured_target_is_the_default(
    cli: Any, two_targets: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCETRACK_TARGET", EU)
    rows = query(cli, two_targets, "claims")
    assert len(rows) == eu_total() and {c["target"] for c in rows} == {EU}


def test_force_on_one_target_leaves_the_other_alone(
    cli: Any, stub: StubServer, two_targets: str
) -> None:
    db_url = two_targets
    eu_before = claim_ids(db_url, EU)
    nato_before = claim_ids(db_url, NATO)
    # Re-extract NATO with --force; the model now finds nothing in two articles.
    dropped = set(STEMS[:2])
    stub.default = by_target(dropped)
    summary = extract(cli, stub, db_url, "--force")
    assert summary["extracted"] == 9
    want = nato_total() - sum(len(gold(s)) for s in dropped)
    assert summary["claims"] == want
    nato_after = claim_ids(db_url, NATO)
    assert len(nato_after) == want
    assert not set(nato_after) & set(nato_before)  # replaced, not kept alongside
    assert claim_ids(db_url, EU) == eu_before  # untouched: same rows, same ids
    assert_counts_table_matches_claims(db_url)


UNKNOWN = "Arctic shipping routes"


def test_rules_backend_refuses_a_target_without_lexicon(
    cli: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    result = cli(["extract", ARTICLES, "--backend", "rules", "--target", UNKNOWN, "--db", db_url])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert UNKNOWN in lines[0] and "lexicon" in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""
    db = Database(db_url)
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Run)) == 0
    finally:
        db.dispose()


def test_rules_backend_judges_each_target_with_its_lexicon(cli: Any, db_url: str) -> None:
    """Offline, both shipped targets on the same articles: two intact, different sets."""

    def rules(*args: str) -> dict[str, Any]:
        run = cli(["extract", ARTICLES, "--backend", "rules", "--db", db_url, "-f", "json", *args])
        assert run.exit_code == 0, run.stderr
        summary: dict[str, Any] = json.loads(run.stdout)
        return summary

    nato = rules()
    eu = rules("--target", EU)
    assert nato["extracted"] == eu["extracted"] == 9
    db = Database(db_url)
    try:
        with db.session() as s:
            runs = s.execute(select(Run.target, Run.prompt_sha256)).all()
            assert Counter(t for t, _ in runs) == {NATO: 9, EU: 9}
            assert len({sha for _, sha in runs}) == 2  # each target's own lexicon hash
            assert s.scalar(select(func.count()).select_from(Article)) == 9
    finally:
        db.dispose()
    nato_rows = query(cli, db_url, "claims")
    eu_rows = query(cli, db_url, "claims", "--target", EU)
    assert len(nato_rows) == nato["claims"] and len(eu_rows) == eu["claims"]
    # Same attribution (shared lexicon.yaml), stance judged per target: the fixtures are
    # about NATO, so most of their claims are unrelated to EU enlargement.
    assert {(c["start"], c["end"]) for c in nato_rows} == {(c["start"], c["end"]) for c in eu_rows}
    nato_unrelated = sum(c["stance"] == "unrelated" for c in nato_rows)
    eu_unrelated = sum(c["stance"] == "unrelated" for c in eu_rows)
    assert eu_unrelated > nato_unrelated
    assert_counts_table_matches_claims(db_url)


def test_migration_0004_backfills_targets_and_counts(db_url: str) -> None:
    """Claims stored before 0004 take their run's target; the counts follow per target."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from stancetrack.db.engine import alembic_config, normalize_url

    engine = create_engine(normalize_url(db_url))
    cfg = alembic_config()

    def upgrade(revision: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    try:
        upgrade("0003")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO articles (id, sha256, title, source, format, text, chars, "
                    "created_at) VALUES (1, 'a', 't', 's', 'txt', 'Some text.', 10, "
                    "CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO actors (id, name, key, actor_type, created_at) "
                    "VALUES (1, 'A B', 'a b', 'person', CURRENT_TIMESTAMP)"
                )
            )
            for run_id, target in ((1, NATO), (2, EU)):
                conn.execute(
                    text(
                        "INSERT INTO runs (id, article_id, cache_key, backend, model, "
                        "prompt_name, prompt_version, prompt_sha256, target, params, "
                        "prompt_tokens, completion_tokens, latency_ms, attempts, chunks, "
                        "status, claims_count, rejected_count, started_at) VALUES "
                        f"({run_id}, 1, 'k{run_id}', 'b', 'm', 'p', '1', 's', :target, '{{}}', "
                        "0, 0, 0, 1, 1, 'ok', 1, 0, CURRENT_TIMESTAMP)"
                    ),
                    {"target": target},
                )
            for claim_id, run_id, start, stance in ((1, 1, 0, "support"), (2, 2, 5, "oppose")):
                conn.execute(
                    text(
                        "INSERT INTO claims (id, article_id, run_id, actor_id, speaker, quote, "
                        'start, "end", claim, attribution, stance, confidence, rationale, '
                        f"alignment, created_at) VALUES ({claim_id}, 1, {run_id}, 1, 'x', "
                        f"'q', {start}, {start + 4}, 'c', 'direct', '{stance}', 0.5, '', "
                        "'exact', CURRENT_TIMESTAMP)"
                    )
                )
        upgrade("head")
        with engine.begin() as conn:
            targets = dict(conn.execute(text("SELECT id, target FROM claims")).all())
            assert targets == {1: NATO, 2: EU}
            counts = set(
                conn.execute(
                    text("SELECT target, actor_id, stance, claims FROM actor_stance_counts")
                ).all()
            )
            assert counts == {(NATO, 1, "support", 1), (EU, 1, "oppose", 1)}
            # The recreated triggers count per target.
            conn.execute(text("UPDATE claims SET stance = 'neutral' WHERE id = 2"))
            conn.execute(text("DELETE FROM claims WHERE id = 1"))
            counts = set(
                conn.execute(
                    text(
                        "SELECT target, actor_id, stance, claims FROM actor_stance_counts "
                        "WHERE claims > 0"
                    )
                ).all()
            )
            assert counts == {(EU, 1, "neutral", 1)}
            # The same span for a second target: allowed now, folded back on downgrade.
            conn.execute(
                text(
                    "INSERT INTO claims (id, article_id, run_id, target, actor_id, speaker, "
                    'quote, start, "end", claim, attribution, stance, confidence, rationale, '
                    "alignment, created_at) VALUES (3, 1, 1, :target, 1, 'x', 'q', 5, 9, 'c', "
                    "'direct', 'support', 0.5, '', 'exact', CURRENT_TIMESTAMP)"
                ),
                {"target": NATO},
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id FROM claims")).scalars().all() == [2]
            counts = set(
                conn.execute(text("SELECT actor_id, stance, claims FROM actor_stance_counts")).all()
            )
            assert counts == {(1, "neutral", 1)}
    finally:
        engine.dispose()


@pytest.mark.parametrize("target", [UNKNOWN, UNKNOWN.lower()])
def test_rules_eval_refuses_a_target_without_lexicon(cli: Any, target: str) -> None:
    """`eval` builds the same backend: the same one-line refusal, exit 2, nothing printed."""
    gold_dir = ARTICLES.parent / "gold"
    result = cli(["eval", gold_dir, "--backend", "rules", "--target", target, "-f", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and repr(target) in lines[0] and NATO in lines[0]


@pytest.mark.parametrize("bad", ["", "   ", "x" * 201])
def test_a_blank_or_overlong_target_is_a_usage_error(cli: Any, sqlite_url: str, bad: str) -> None:
    result = cli(["claims", "--target", bad, "--db", sqlite_url, "-f", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    # one error line (and the usage hint every option error ends with)
    error, *hint = result.stderr.strip().splitlines()
    assert "--target" in error and hint == ["Try 'stancetrack claims --help' for help."]


def test_target_spacing_is_normalised(cli: Any, stub: StubServer, db_url: str) -> None:
    stub.default = by_target()
    extract(cli, stub, db_url, "--target", "  EU   enlargement ")
    assert len(claim_ids(db_url, EU)) == eu_total()


def test_claims_csv_carries_the_target(cli: Any, two_targets: str) -> None:
    import csv
    import io

    result = cli(["claims", "--target", EU, "--db", two_targets, "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == eu_total() and {r["target"] for r in rows} == {EU}
