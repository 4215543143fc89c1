"""claims / compare / diff / timeline / export on the fixture corpus, against the gold.

Every expectation is computed from fixtures/gold and fixtures/articles (analysis_corpus),
on SQLite and PostgreSQL, through the real CLI in every output format.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from analysis_corpus import (
    ARTICLES,
    GoldClaim,
    counts_by_actor,
    gold_claims,
    overall,
    reading_order,
    stances_by_actor_article,
)
from cli_types import RunCli

pytest_plugins = ["analysis_corpus"]  # the corpus_url fixture

GOLD = gold_claims()
STEMS = sorted({c.stem for c in GOLD})
FORMATS = ["json", "jsonl", "csv", "table"]


def _ref(stem: str) -> str:
    return str(ARTICLES / f"{stem}.txt")


def _parse(fmt: str, out: str) -> list[dict[str, Any]]:
    if fmt == "json":
        data = json.loads(out)
        assert isinstance(data, list)
        return data
    if fmt == "jsonl":
        return [json.loads(line) for line in out.splitlines() if line.strip()]
    return list(csv.DictReader(io.StringIO(out)))


def _run(cli: RunCli, *args: str) -> str:
    result = cli(list(args))
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


# -- claims ------------------------------------------------------------------------------


def _expected_putin() -> list[GoldClaim]:
    return reading_order([c for c in GOLD if c.actor == "Vladimir Putin"])


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_claims_by_actor_alias_matches_gold(cli: RunCli, corpus_url: str, fmt: str) -> None:
    rows = _parse(fmt, _run(cli, "claims", "--actor", "Putin", "--db", corpus_url, "-f", fmt))
    expected = _expected_putin()
    assert len(rows) == len(expected)
    for row, gold in zip(rows, expected, strict=True):
        assert row["actor"] == "Vladimir Putin"
        assert row["quote"] == gold.quote
        assert row["claim"] == gold.claim
        assert row["stance"] == gold.stance
        assert row["speaker"] == gold.speaker
        assert float(row["confidence"]) == pytest.approx(gold.confidence)
        published = row["article"]["published"] if fmt != "csv" else row["article_published"]
        assert published == gold.published.isoformat()
        assert int(row["end"]) - int(row["start"]) == len(gold.quote)


def test_claims_json_contract_and_offsets(cli: RunCli, corpus_url: str) -> None:
    from stancetrack.db import Database
    from stancetrack.db.models import Article

    rows = json.loads(_run(cli, "claims", "--db", corpus_url, "-f", "json"))
    assert len(rows) == len(GOLD)
    assert set(rows[0]) == {
        "id",
        "target",
        "outlet",
        "article",
        "actor",
        "speaker",
        "quote",
        "start",
        "end",
        "claim",
        "attribution",
        "stance",
        "confidence",
        "speaker_start",
        "speaker_end",
        "speaker_evidence",
        "subjects",  # issue 23: the target's subjects the claim is about
    }
    assert set(rows[0]["article"]) == {"id", "title", "url", "published"}
    db = Database(corpus_url)
    with db.session() as session:
        texts = {a.id: a.text for a in session.query(Article)}
    db.dispose()
    for row in rows:
        assert texts[row["article"]["id"]][row["start"] : row["end"]] == row["quote"]
        assert row["speaker_evidence"] in {"cue", "nearby", "absent"}
        if row["speaker_evidence"] != "absent":  # a mention of the speaker is recorded
            mention = texts[row["article"]["id"]][row["speaker_start"] : row["speaker_end"]]
            assert (
                mention.strip()
                and mention.casefold() in (row["actor"] + " " + row["speaker"]).casefold()
            )
    # The hand-made gold names its speakers with reporting cues almost everywhere.
    evidence = Counter(r["speaker_evidence"] for r in rows)
    assert evidence["cue"] > len(rows) // 2, evidence
    order = [(r["article"]["published"], r["article"]["id"], r["start"]) for r in rows]
    assert order == sorted(order)
    assert Counter(r["actor"] for r in rows) == Counter(c.actor for c in GOLD)


def test_claims_table_lists_every_putin_claim(cli: RunCli, corpus_url: str) -> None:
    out = _run(cli, "claims", "--actor", "vladimir putin", "--db", corpus_url, "-f", "table")
    assert out.count("Vladimir") >= len(_expected_putin())
    assert "Claims" in out


def test_claims_filters(cli: RunCli, corpus_url: str) -> None:
    def ids(*args: str) -> list[dict[str, Any]]:
        return json.loads(_run(cli, "claims", "--db", corpus_url, "-f", "json", *args))

    oppose = ids("--stance", "oppose")
    assert len(oppose) == sum(c.stance == "oppose" for c in GOLD)
    since, until = "2022-05-18", "2023-03-31"
    dated = ids("--since", since, "--until", until)
    assert len(dated) == sum(since <= c.published.isoformat() <= until for c in GOLD)
    hits = ids("--search", "SANCTIONS")
    assert len(hits) == sum(
        "sanctions" in c.claim.lower() or "sanctions" in c.quote.lower() for c in GOLD
    )
    assert hits
    one = ids("--article", _ref("005_hungary_stalls_sweden"), "--actor", "Orbán")
    assert [r["stance"] for r in one] == [
        c.stance
        for c in reading_order(GOLD)
        if c.stem == "005_hungary_stalls_sweden" and c.actor == "Viktor Orban"
    ]


def test_unknown_actor_suggests_closest(cli: RunCli, corpus_url: str) -> None:
    result = cli(["claims", "--actor", "Stoltenburg", "--db", corpus_url])
    assert result.exit_code == 1
    assert result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "Stoltenberg" in line


def test_shared_surname_is_ambiguous_not_merged(cli: RunCli, corpus_url: str) -> None:
    result = cli(["claims", "--actor", "Johnson", "--db", corpus_url])
    assert result.exit_code == 1
    assert "Boris Johnson" in result.stderr and "Mark Johnson" in result.stderr
    for name in ("Boris Johnson", "Mark Johnson"):
        rows = json.loads(_run(cli, "claims", "--actor", name, "--db", corpus_url, "-f", "json"))
        assert sorted(r["quote"] for r in rows) == sorted(c.quote for c in GOLD if c.actor == name)


def test_bad_date_is_a_usage_error(cli: RunCli, corpus_url: str) -> None:
    result = cli(["claims", "--since", "yesterday", "--db", corpus_url])
    assert result.exit_code == 2
    assert "--since" in result.stderr


# -- actors ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_actors_listing_matches_gold(cli: RunCli, corpus_url: str, fmt: str) -> None:
    rows = _parse(fmt, _run(cli, "actors", "--db", corpus_url, "-f", fmt))
    expected = counts_by_actor(GOLD)
    assert {r["actor"] for r in rows} == set(expected)
    for row in rows:
        counts = expected[row["actor"]]
        assert int(row["claims"]) == sum(counts.values())
        assert int(row["articles"]) == len({c.stem for c in GOLD if c.actor == row["actor"]})
        assert row["stance"] == overall(list(counts.elements()))
    if fmt == "json":
        putin = next(r for r in rows if r["actor"] == "Vladimir Putin")
        assert "Putin" in putin["aliases"]
        assert {"actor", "aliases", "claims", "articles"} <= set(putin)


# -- compare -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_compare_matches_gold(cli: RunCli, corpus_url: str, fmt: str) -> None:
    args = ("compare", "--include-unverified", "--db", corpus_url, "-f", fmt)
    rows = _parse(fmt, _run(cli, *args))
    expected = counts_by_actor(GOLD)
    assert {r["actor"] for r in rows} == set(expected)
    for row in rows:
        counts = expected[row["actor"]]
        for stance in ("support", "oppose", "neutral", "unrelated"):
            assert int(row[stance]) == counts[stance], (row["actor"], stance)
        assert row["stance"] == overall(list(counts.elements()))
    if fmt == "json":
        assert set(rows[0]) >= {"actor", "support", "oppose", "neutral", "unrelated", "stance"}


@pytest.mark.parametrize("by", ["actor", "article"])
def test_compare_leaves_out_claims_whose_speaker_is_absent(
    cli: RunCli, corpus_url: str, by: str
) -> None:
    claims = json.loads(_run(cli, "claims", "--db", corpus_url, "-f", "json"))
    absent = Counter((c["actor"], c["stance"]) for c in claims if c["speaker_evidence"] == "absent")
    assert absent, "the corpus has a claim whose speaker it never names (gold 'He', no antecedent)"

    def totals(*extra: str) -> Counter[tuple[str, str]]:
        rows = json.loads(
            _run(cli, "compare", "--by", by, "--db", corpus_url, "-f", "json", *extra)
        )
        out: Counter[tuple[str, str]] = Counter()
        for r in rows:
            for stance in ("support", "oppose", "neutral", "unrelated"):
                out[(r["actor"], stance)] += int(r[stance])
        return out

    everything = totals("--include-unverified")
    verified = totals()
    assert everything - verified == absent
    assert everything == Counter((c["actor"], c["stance"]) for c in claims)


def test_compare_selected_actors_in_one_article(cli: RunCli, corpus_url: str) -> None:
    stem = "003_finland_sweden_apply_turkey_objects"
    rows = json.loads(
        _run(
            cli,
            "compare",
            "Erdogan",
            "Sanna Marin",
            "--article",
            _ref(stem),
            "--db",
            corpus_url,
            "-f",
            "json",
            "--evidence",
        )
    )
    cells = stances_by_actor_article(GOLD)
    assert {r["actor"] for r in rows} == {"Recep Tayyip Erdogan", "Sanna Marin"}
    for row in rows:
        stances = cells[(row["actor"], stem)]
        assert row["stance"] == overall(stances)
        assert int(row["claims"]) == len(stances)
        ev = row["evidence"]
        best = max(
            (
                c
                for c in GOLD
                if c.stem == stem and c.actor == row["actor"] and c.stance == ev["stance"]
            ),
            key=lambda c: c.confidence,
        )
        assert ev["confidence"] == pytest.approx(best.confidence)
        assert ev["stance"] in (
            {"support", "oppose"} if row["stance"] == "mixed" else {row["stance"]}
        )


def test_compare_by_article_matrix_matches_gold(cli: RunCli, corpus_url: str) -> None:
    rows = json.loads(_run(cli, "compare", "--by", "article", "--db", corpus_url, "-f", "json"))
    titles = {c.stem: c.title for c in GOLD}
    by_title = {v: k for k, v in titles.items()}
    got = {(r["actor"], by_title[r["article"]["title"]]): r["stance"] for r in rows}
    expected = {k: overall(v) for k, v in stances_by_actor_article(GOLD).items()}
    assert got == expected


def test_compare_table_is_coloured_by_stance(cli: RunCli, corpus_url: str) -> None:
    out = _run(cli, "compare", "Putin", "Stoltenberg", "--db", corpus_url, "-f", "table")
    assert "Vladimir Putin" in out and "Jens Stoltenberg" in out
    assert "oppose" in out and "support" in out


# -- diff --------------------------------------------------------------------------------


def _expected_diff(stem_a: str, stem_b: str) -> dict[str, tuple[str | None, str | None, str]]:
    cells = stances_by_actor_article(GOLD)
    actors = {a for (a, s) in cells if s in (stem_a, stem_b)}
    out = {}
    for actor in actors:
        a = overall(cells[(actor, stem_a)]) if (actor, stem_a) in cells else None
        b = overall(cells[(actor, stem_b)]) if (actor, stem_b) in cells else None
        change = (
            "appeared"
            if a is None
            else "disappeared"
            if b is None
            else "unchanged"
            if a == b
            else "shifted"
        )
        out[actor] = (a, b, change)
    return out


DIFF_PAIRS = [
    ("002_finland_sweden_no_application", "003_finland_sweden_apply_turkey_objects"),
    ("005_hungary_stalls_sweden", "008_sweden_joins_nato"),
    ("003_finland_sweden_apply_turkey_objects", "006_turkey_ratifies_finland"),
    ("001_kremlin_security_guarantees", "002_finland_sweden_no_application"),
]


@pytest.mark.parametrize(("stem_a", "stem_b"), DIFF_PAIRS)
def test_diff_matches_gold(cli: RunCli, corpus_url: str, stem_a: str, stem_b: str) -> None:
    data = json.loads(
        _run(cli, "diff", _ref(stem_a), _ref(stem_b), "--db", corpus_url, "-f", "json")
    )
    expected = _expected_diff(stem_a, stem_b)
    got = {r["actor"]: (r["a"], r["b"], r["change"]) for r in data["actors"]}
    assert got == expected
    title = {c.stem: c.title for c in GOLD}
    assert data["a"]["title"] == title[stem_a] and data["b"]["title"] == title[stem_b]
    detail = data["claims"]
    n_a = sum(c.stem == stem_a for c in GOLD)
    n_b = sum(c.stem == stem_b for c in GOLD)
    assert len(detail["only_a"]) + len(detail["matched"]) == n_a
    assert len(detail["only_b"]) + len(detail["matched"]) == n_b
    for pair in detail["matched"]:
        assert pair["a"]["actor"] == pair["b"]["actor"] == pair["actor"]
        assert pair["stance_changed"] == (pair["a"]["stance"] != pair["b"]["stance"])


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_diff_other_formats(cli: RunCli, corpus_url: str, fmt: str) -> None:
    stem_a, stem_b = DIFF_PAIRS[1]
    out = _run(cli, "diff", _ref(stem_a), _ref(stem_b), "--db", corpus_url, "-f", fmt)
    expected = _expected_diff(stem_a, stem_b)
    if fmt == "table":
        assert "Viktor Orban" in out and "shifted" in out and "Only in A" in out
        return
    rows = _parse(fmt, out)
    got = {r["actor"]: ((r["a"] or None), (r["b"] or None), r["change"]) for r in rows}
    assert got == expected


def test_diff_matches_repeated_claims_and_flags_stance_change(cli: RunCli, tmp_path: Path) -> None:
    """Two articles repeating one statement with a different stance label: one flagged pair."""
    from stancetrack.analysis.gold import import_gold
    from stancetrack.db import Database

    quote = "Finland's membership would make the whole region safer"
    for stem, day, stance in (("x_a", "20230101", "neutral"), ("x_b", "20230201", "support")):
        (tmp_path / f"{stem}.txt").write_text(
            f"Title {stem}\n{day}\nhttps://example.com/{stem}\n"
            f'"{quote}," Stoltenberg said on day {day}.\n',
            encoding="utf-8",
        )
        (tmp_path / f"{stem}.json").write_text(
            json.dumps(
                {
                    "claims": [
                        {
                            "speaker": "Stoltenberg",
                            "actor": "Jens Stoltenberg",
                            "actor_type": "person",
                            "quote": quote,
                            "claim": "Stoltenberg said Finland joining makes the region safer.",
                            "attribution": "direct",
                            "rationale": "r",
                            "stance": stance,
                            "confidence": 0.9,
                        }
                    ]
                }
            ),
            encoding="utf-8",
        )
    url = f"sqlite:///{tmp_path / 'd.db'}"
    db = Database(url)
    import_gold(
        db,
        [tmp_path / "x_a.json", tmp_path / "x_b.json"],
        articles=[str(tmp_path / "x_a.txt"), str(tmp_path / "x_b.txt")],
    )
    db.dispose()
    data = json.loads(
        _run(
            cli,
            "diff",
            str(tmp_path / "x_a.txt"),
            str(tmp_path / "x_b.txt"),
            "--db",
            url,
            "-f",
            "json",
        )
    )
    assert data["actors"] == [
        {"actor": "Jens Stoltenberg", "a": "neutral", "b": "support", "change": "shifted"}
    ]
    [pair] = data["claims"]["matched"]
    assert pair["stance_changed"] is True and pair["similarity"] == 100.0
    assert data["claims"]["only_a"] == [] and data["claims"]["only_b"] == []


def test_diff_unknown_ref(cli: RunCli, corpus_url: str) -> None:
    result = cli(["diff", "999999", _ref(STEMS[0]), "--db", corpus_url])
    assert result.exit_code == 1 and "no article matches" in result.stderr


# -- timeline ----------------------------------------------------------------------------


def _expected_timeline(actor: str) -> list[tuple[str, str]]:
    cells = stances_by_actor_article(GOLD)
    dates = {c.stem: c.published.isoformat() for c in GOLD}
    return sorted((dates[s], overall(v)) for (a, s), v in cells.items() if a == actor)


@pytest.mark.parametrize("name", ["Erdogan", "orbán", "Biden", "Sanna Marin", "Putin"])
def test_timeline_matches_gold(cli: RunCli, corpus_url: str, name: str) -> None:
    data = json.loads(_run(cli, "timeline", name, "--db", corpus_url, "-f", "json"))
    expected = _expected_timeline(data["actor"])
    assert expected, data["actor"]
    assert [(p["published"], p["stance"]) for p in data["points"]] == expected
    for point in data["points"]:
        ev = point["evidence"]
        assert ev is not None and ev["quote"]
        allowed = {"mixed": {"support", "oppose"}, "none": {"unrelated"}}.get(
            point["stance"], {point["stance"]}
        )
        assert ev["stance"] in allowed
    moves = [s for _, s in expected if s != "none"]
    n_changes = sum(1 for x, y in pairwise(moves) if x != y)
    assert len(data["changes"]) == n_changes


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_timeline_other_formats(cli: RunCli, corpus_url: str, fmt: str) -> None:
    out = _run(cli, "timeline", "Viktor Orban", "--db", corpus_url, "-f", fmt)
    expected = _expected_timeline("Viktor Orban")
    if fmt == "table":
        for day, stance in expected:
            assert day in out and stance in out
        assert "▼" in out and "▲" in out  # the chart marks oppose, then support
        return
    rows = _parse(fmt, out)
    assert [
        (r["article_published"] if fmt == "csv" else r["article"]["published"], r["stance"])
        for r in rows
    ] == expected


# -- export ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_every_claim(cli: RunCli, corpus_url: str, fmt: str, tmp_path: Path) -> None:
    from stancetrack.db.read_models import CLAIM_CSV_COLUMNS

    target = tmp_path / f"claims.{fmt}"
    result = cli(["export", "--format", fmt, "--output", str(target), "--db", corpus_url])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    rows = _parse(fmt, target.read_text(encoding="utf-8"))
    assert len(rows) == len(GOLD)
    assert list(rows[0]) == list(CLAIM_CSV_COLUMNS)
    got = Counter((r["actor"], r["stance"], r["quote"]) for r in rows)
    assert got == Counter((c.actor, c.stance, c.quote) for c in GOLD)
    assert {r["backend"] for r in rows} == {"gold"}
    stdout = _run(cli, "export", "--format", fmt, "--db", corpus_url, "--actor", "Peskov")
    assert len(_parse(fmt, stdout)) == sum(c.actor == "Dmitry Peskov" for c in GOLD)
