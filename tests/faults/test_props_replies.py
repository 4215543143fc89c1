"""Property tests over reply parsing (issue 11): any reply is validated claims or a clear
rejection, never an exception; through the real client, a batch always ends in runs.

1. `parse_reply` / `salvage` on random text, random JSON, and valid replies mutated (fields
   dropped, retyped, blown up; cut short; wrapped in fences and prose): every item is a
   validated `ReplyClaim` or an invalid item with a reason, or the reply has an `error`
   saying why; valid + invalid items account for every claim object sent.
2. `extract` through the stub server and the real openai client, each article answered with
   a drawn broken reply: the batch finishes, every article has a run (ok or failed with its
   error), no "unexpected" error, and every stored claim's quote is the text at its offsets.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fault_counts import FAULTS, FAULTS_BATCH, record
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from stancetrack.llm.replies import parse_reply, salvage
from stancetrack.schemas import ReplyClaim

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parents[2]
ARTICLES = sorted((REPO / "fixtures" / "articles").glob("*.txt"))[:3]
GOLD = REPO / "fixtures" / "gold"

FIELDS = ("speaker", "actor", "actor_type", "quote", "claim", "attribution", "rationale")
FIELDS += ("stance", "confidence")
_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=50),
    st.text(min_size=5000, max_size=20000),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _gold_claims() -> list[dict[str, Any]]:
    claims: list[dict[str, Any]] = []
    for path in sorted(GOLD.glob("*.json"))[:3]:
        claims.extend(json.loads(path.read_text(encoding="utf-8"))["claims"])
    return claims


VALID = _gold_claims()


@st.composite
def mutated_claim(draw: st.DrawFn) -> Any:
    claim = dict(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(FIELDS))
        action = draw(st.sampled_from(["drop", "junk", "keep"]))
        if action == "drop":
            claim.pop(key, None)
        elif action == "junk":
            claim[key] = draw(_junk)
    if draw(st.booleans()):
        claim[draw(st.text(max_size=10))] = draw(_junk)  # an extra field
    return claim if draw(st.integers(0, 9)) else draw(_junk)


@st.composite
def reply_text(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["claims", "list", "junk_json", "text", "cut", "fenced"]))
    claims = draw(st.lists(mutated_claim(), max_size=5))
    if kind == "junk_json":
        return json.dumps(draw(_junk))
    if kind == "text":
        return draw(st.text(max_size=500))
    body = json.dumps(claims if kind == "list" else {"claims": claims})
    if kind == "cut":
        return body[: draw(st.integers(0, len(body)))]
    if kind == "fenced":
        return f"Here you go:\n```json\n{body}\n```\nHope this helps."
    return body


def _claim_objects(raw: str) -> int | None:
    """How many claim items a well-formed reply carried (None if not well-formed)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("claims"), list):
        return len(data["claims"])
    if isinstance(data, list):
        return len(data)
    return None


@FAULTS
@given(raw=reply_text())
def test_any_reply_is_validated_claims_or_a_clear_rejection(raw: str) -> None:
    for parsed in (parse_reply(raw), salvage(raw)):
        assert all(isinstance(c, ReplyClaim) for c in parsed.claims)
        for item, reason in parsed.invalid:
            assert isinstance(item, dict) and reason.strip()
        if parsed.error is not None:
            assert parsed.error.strip() and not parsed.claims
        elif not parsed.claims and not parsed.invalid:  # nothing, and nothing was sent
            assert _claim_objects(raw) in (0, None)
    parsed = parse_reply(raw)
    sent = _claim_objects(raw)
    if sent is not None and parsed.error is None:
        assert len(parsed.claims) + len(parsed.invalid) == sent
    record("model replies (parse_reply, salvage)", inputs=1, faults=1)


@FAULTS_BATCH
@given(replies=st.lists(reply_text(), min_size=len(ARTICLES), max_size=len(ARTICLES)))
def test_a_batch_of_broken_replies_ends_in_runs(
    cli: Any, stub: Any, replies: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from stub_server import match_responder

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    markers = [p.read_text(encoding="utf-8").splitlines()[3][:80] for p in ARTICLES]
    stub.default = match_responder(dict(zip(markers, replies, strict=True)))
    with tempfile.TemporaryDirectory(prefix="stancetrack-faults-") as folder:
        url = f"sqlite:///{Path(folder) / 'faults.db'}"
        args = ["--base-url", stub.base_url, "--model", "stub-model", "--db", url]
        done = cli(["extract", *ARTICLES, *args, "-f", "json"])
        assert "unexpected" not in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert done.exit_code in (0, 1), done.stderr
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                runs = conn.execute(
                    text("SELECT article_id, status, error FROM runs ORDER BY id")
                ).all()
                claims = conn.execute(
                    text(
                        'SELECT a.text, c.quote, c.start, c."end" FROM claims c'
                        " JOIN articles a ON a.id = c.article_id"
                    )
                ).all()
                n_articles = conn.execute(text("SELECT count(*) FROM articles")).scalar()
        finally:
            engine.dispose()
        assert n_articles == len(ARTICLES)
        assert {r[0] for r in runs} == set(range(1, len(ARTICLES) + 1))
        for _article, status, error in runs:
            assert status == "ok" or (status == "failed" and error), (status, error)
        for body, quote, start, end in claims:
            assert body[start:end] == quote
        ok = {r[0] for r in runs if r[1] == "ok"}
        record(
            "extract batches with broken replies (stub server, SQLite)",
            inputs=len(ARTICLES),
            faults=len(replies),
            articles=len(ARTICLES),
            lost=len(ARTICLES) - n_articles,
            duplicated=sum(1 for r in runs if r[1] == "ok") - len(ok),
        )
