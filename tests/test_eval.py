"""Evaluation on tiny gold sets written here, with scores worked out by hand."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cli_types import RunCli
from stub_server import StubServer

from stancetrack.evaluation import evaluate, load_gold
from stancetrack.evaluation.brat import parse_ann, parse_spans
from stancetrack.evaluation.matching import match_exact, match_overlap
from stancetrack.evaluation.model import GoldClaim, PredictedClaim
from stancetrack.evaluation.speakers import names_agree
from stancetrack.llm.base import BackendReply, ExtractionRequest, PromptInfo
from stancetrack.llm.rules import RulesBackend
from stancetrack.schemas import ReplyClaim

BRAT_TEXT = (
    "Senator Jane Doe said the bill would fail in the Senate.\n"
    '"We will vote against it," she said.\n'
    "Critics argued that the plan was too costly.\n"
    "The mayor's office disputes the figures.\n"
    "Analysts noted the harbour had reopened.\n"
)


def _span(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


def _ann(relations: list[tuple[str | None, str, str]]) -> str:
    """brat lines for (source, cue, content) triples located in BRAT_TEXT."""
    lines, t, e = [], 0, 0
    for source, cue, content in relations:
        ids = {}
        for role, part in (("Source", source), ("Cue", cue), ("Content", content)):
            if part is None:
                continue
            t += 1
            s, end = _span(BRAT_TEXT, part)
            lines.append(f"T{t}\t{role} {s} {end}\t{part}")
            ids[role] = f"T{t}"
        t += 1
        kind = "Attribution" if source else "Attribution-no-source"
        lines.append(f"T{t}\t{kind} {ids['Cue'][1:]} 0\tx")
        e += 1
        args = " ".join(f"{role}:{ident}" for role, ident in ids.items())
        lines.append(f"E{e}\t{kind}:T{t} {args}")
    lines.append(f"T{t + 1}\tDiscard 0 7\tSenator")
    return "\n".join(lines) + "\n"


@pytest.fixture
def brat_dir(tmp_path: Path) -> Path:
    root = tmp_path / "brat"
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "doc1.txt").write_text(BRAT_TEXT, encoding="utf-8")
    full = [
        ("Senator Jane Doe", "said", "the bill would fail in the Senate"),
        ("she", "said", '"We will vote against it,"'),
        ("Critics", "argued", "that the plan was too costly"),
        ("The mayor's office", "disputes", "the figures"),
        (None, "noted", "the harbour had reopened"),
    ]
    (root / "attributions" / "doc1_aa.ann").write_text(_ann(full), encoding="utf-8")
    (root / "attributions" / "doc1_bb.ann").write_text(_ann(full[:1]), encoding="utf-8")
    return root


def test_brat_reader_relations_and_annotator_choice(brat_dir: Path) -> None:
    first = load_gold(brat_dir)
    assert [d.annotator for d in first.documents] == ["aa"]
    claims = first.documents[0].claims
    assert len(claims) == 5
    assert [c.source for c in claims][:3] == ["Senator Jane Doe", "she", "Critics"]
    assert claims[-1].source is None
    every = load_gold(brat_dir, annotators="all")
    assert [(d.annotator, len(d.claims)) for d in every.documents] == [("aa", 5), ("bb", 1)]


def test_discontinuous_spans_parse() -> None:
    assert parse_spans("3 8;12 20") == ((3, 8), (12, 20))
    text = "abc said: one two, he said, three four."
    ann = (
        "T1\tContent 10 17;28 38\tone two three four\nT2\tCue 4 8\tsaid\n"
        "E1\tAttribution:T3 Content:T1 Cue:T2\n"
    )
    (claim,) = parse_ann(ann, text)
    assert claim.spans == ((10, 17), (28, 38)) and claim.source is None


def test_rules_on_brat_sample_scores_by_hand(brat_dir: Path) -> None:
    result = asyncio.run(evaluate(RulesBackend(), load_gold(brat_dir), target="NATO expansion"))
    s = result.scores
    # Rules find 4 claims (no cue in "disputes"), all inside gold contents: P 4/4, R 4/5.
    assert (s.overlap.tp, s.overlap.predicted, s.overlap.gold) == (4, 4, 5)
    assert s.overlap.precision == 1.0 and s.overlap.recall == 0.8
    assert s.overlap.f1 == pytest.approx(2 * 0.8 / 1.8)
    # Exact after trimming marks, trailing punctuation and a leading "that": all 4.
    assert s.exact.tp == 4
    # Speakers: 3 matched claims have a gold source; "she" resolves to Senator Jane Doe.
    assert (s.speaker_correct, s.speaker_scored) == (3, 3)
    assert result.as_dict()["stance"] is None  # PolNeAR-style gold has no stance


class FixedBackend:
    """A backend that answers fixed claims: scoring tests independent of the rules."""

    name = "fixed"
    model = "fixed-1"
    endpoint_host = None
    temperature = None
    max_tokens = None
    prompt = PromptInfo("fixed", "1", "0" * 64)

    def __init__(self, claims: list[ReplyClaim]) -> None:
        self.claims = claims

    async def extract(self, request: ExtractionRequest) -> BackendReply:
        return BackendReply(claims=self.claims, raw_reply="{}")

    async def aclose(self) -> None:
        return None


def _claim(quote: str, actor: str, stance: str, speaker: str | None = None) -> ReplyClaim:
    return ReplyClaim(
        speaker=speaker or actor,
        actor=actor,
        quote=quote,
        claim=quote,
        stance=stance,
        confidence=0.5,
    )


@pytest.fixture
def project_gold(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "gold").mkdir()
    body = (
        "Anna Berg said Finland has the right to join NATO.\n"
        "Ola Dahl said NATO must not expand.\n"
        "Ola Dahl said gas prices are high.\n"
    )
    (tmp_path / "articles" / "a1.txt").write_text(
        "Test article\n20240101\nhttps://example.org/a1\n" + body, encoding="utf-8"
    )
    gold = {
        "claims": [
            {
                "speaker": "Anna Berg",
                "actor": "Anna Berg",
                "quote": "Finland has the right to join NATO",
                "stance": "support",
            },
            {
                "speaker": "Ola Dahl",
                "actor": "Ola Dahl",
                "quote": "NATO must not expand",
                "stance": "oppose",
            },
            {
                "speaker": "Ola Dahl",
                "actor": "Ola Dahl",
                "quote": "gas prices are high",
                "stance": "unrelated",
            },
        ]
    }
    (tmp_path / "gold" / "a1.json").write_text(json.dumps(gold), encoding="utf-8")
    return tmp_path / "gold"


def test_stance_and_speaker_scores_by_hand(project_gold: Path) -> None:
    backend = FixedBackend(
        [
            _claim("Finland has the right to join NATO", "Berg", "support"),
            _claim("NATO must not expand", "Ola Dahl", "neutral"),
            _claim("gas prices are high", "Anna Berg", "unrelated"),
            _claim("this sentence is not in the article", "Nobody", "neutral"),
        ]
    )
    result = asyncio.run(evaluate(backend, load_gold(project_gold), target="NATO expansion"))
    d = result.as_dict()
    assert result.ungrounded == 1
    assert d["claims"]["overlap"]["f1"] == 1.0
    assert (d["speaker"]["correct"], d["speaker"]["scored"]) == (2, 3)  # p3 is not Ola Dahl
    stance = d["stance"]
    # claims: (support,support) (oppose,neutral) (unrelated,unrelated): acc 2/3;
    # per-label F1 support 1, oppose 0, neutral 0, unrelated 1 -> macro 0.5.
    assert stance["claim_accuracy"] == pytest.approx(0.6667, abs=1e-4)
    assert stance["claim_macro_f1"] == 0.5
    # actors: Anna Berg support (support+unrelated) right; Ola Dahl oppose vs neutral wrong.
    assert stance["actor_accuracy"] == 0.5
    assert stance["actor_macro_f1"] == pytest.approx(1 / 3, abs=1e-4)


def test_fragments_of_a_discontinuous_gold_claim_count_for_precision_only() -> None:
    text = '"One two three," he said. "Four five six."'
    a, b = _span(text, "One two three"), _span(text, "Four five six.")
    gold = [GoldClaim(spans=(a, b), source="he")]
    preds = [
        PredictedClaim(a, "he", "X", "neutral", 0.5),
        PredictedClaim(b, "he", "X", "neutral", 0.5),
    ]
    m = match_overlap(text, preds, gold)
    assert m.pairs == [(1, 0)] or m.pairs == [(0, 0)]
    assert len(m.fragments) == 1
    contiguous = [GoldClaim(spans=((a[0], b[1]),), source="he")]
    assert match_overlap(text, preds, contiguous).fragments == []  # one paragraph: no fragment
    assert match_exact(text, preds[:1], gold).pairs == [(0, 0)]  # equal to one segment


def test_a_fragment_needs_the_same_actor_and_to_lie_inside_the_gold_claim() -> None:
    text = '"One two three," he said. "Four five six." Later, seven eight nine.'
    a, b = _span(text, "One two three"), _span(text, "Four five six.")
    gold = [GoldClaim(spans=(a, b), source="he")]
    first = PredictedClaim(a, "he", "X", "neutral", 0.5)
    other_actor = PredictedClaim(b, "she", "Y", "neutral", 0.5)
    assert match_overlap(text, [first, other_actor], gold).fragments == []
    spilling = PredictedClaim((b[0], len(text)), "he", "X", "neutral", 0.5)  # mostly outside
    assert match_overlap(text, [first, spilling], gold).fragments == []


def test_overlap_needs_a_shared_letter_and_is_one_to_one() -> None:
    text = 'He said "abc def" and "ghi jkl".'
    g = [GoldClaim(spans=(_span(text, '"abc def"'),), source="He")]
    touching = PredictedClaim((_span(text, '"abc def"')[1] - 1, len(text)), "He", "He", "x", 1)
    assert match_overlap(text, [touching], g).pairs == []  # only a quotation mark shared
    dup = PredictedClaim(_span(text, "abc def"), "He", "He", "x", 1)
    assert match_overlap(text, [dup, dup], g).pairs == [(0, 0)]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Putin", "Russian President Vladimir Putin", True),
        ("The Post", "New York Post", True),
        ("a source", "the source", True),
        ("Mark Johnson, a fellow at X", "Johnson", True),
        ("Boris Johnson", "Jens Stoltenberg", False),
        ("he", "she", False),
    ],
)
def test_names_agree(a: str, b: str, same: bool) -> None:
    assert names_agree(b, a) is same


def test_eval_cli_json_and_table(cli: RunCli, brat_dir: Path) -> None:
    result = cli(["eval", str(brat_dir), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["claims"]["overlap"]["matched"] == 4 and data["speaker"]["accuracy"] == 1.0
    assert "annotator code that sorts first" in data["gold"]["notes"][0]
    table = cli(["eval", str(brat_dir), "--format", "table", "--annotators", "all"])
    assert table.exit_code == 0 and "claims (overlap)" in table.stdout
    bad = cli(["eval", str(brat_dir / "text"), "--format", "json"])
    assert bad.exit_code == 1 and "not a gold directory" in bad.stderr and not bad.stdout
    usage = cli(["eval", str(brat_dir), "--backend", "nope"])
    assert usage.exit_code == 2


def test_eval_scores_the_openai_backend_on_a_local_endpoint(
    cli: RunCli,
    stub: StubServer,
    project_gold: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    gold = json.loads((project_gold / "a1.json").read_text(encoding="utf-8"))
    for claim in gold["claims"]:
        claim.update(
            actor_type="person",
            claim=claim["quote"],
            attribution="indirect",
            rationale="r",
            confidence=0.9,
        )
    stub.queue(gold)
    result = cli(
        [
            "eval",
            str(project_gold),
            "--backend",
            "openai",
            "--base-url",
            stub.base_url,
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["backend"]["name"] == "openai"
    assert data["claims"]["overlap"]["f1"] == 1.0
    assert data["stance"]["claim_accuracy"] == 1.0 and data["stance"]["actor_accuracy"] == 1.0
    assert len(stub.chat_requests) >= 1
    assert "sk-test-not-real" not in result.stdout + result.stderr
