"""The generated benchmark corpus (bench/corpus.py) has the shape the scale benchmark needs."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

from stancetrack import grounding
from stancetrack.ingest import ArticleInput, iter_inputs
from stancetrack.llm.replies import parse_reply

REPO = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


corpus = _load()
SEED = 11
N = 3000


def test_articles_are_a_pure_function_of_seed_and_number() -> None:
    assert corpus.article(SEED, 123) == corpus.article(SEED, 123)
    assert corpus.article(SEED, 123) != corpus.article(SEED + 1, 123)
    text = corpus.article(SEED, 123).text
    assert corpus.reply(SEED, text) == corpus.reply(SEED, text)
    assert corpus.reply(SEED, "no slug here") == {"claims": []}


def test_replies_are_valid_and_grounded_except_paraphrases() -> None:
    grounded = rejected = 0
    for a in corpus.articles(SEED, 0, 400):
        raw = corpus.reply(SEED, a.text)
        parsed = parse_reply(json.dumps(raw))
        assert parsed.error is None and not parsed.invalid
        assert len(parsed.claims) == len(raw["claims"])
        text = grounding.ArticleText(a.text)
        for claim in parsed.claims:
            if isinstance(text.ground(claim.quote), grounding.Rejection):
                rejected += 1
                assert "in other words" in claim.quote
            else:
                grounded += 1
    assert grounded > 800 and 0 < rejected < grounded * 0.1


def test_long_tail_of_speakers_and_quotes_per_story() -> None:
    actors: Counter[str] = Counter()
    for number in range(N):
        s = corpus.story(SEED, number)
        assert 2 <= len(s.quotes) <= 5
        actors.update(q.name for q in s.quotes)
    total = sum(actors.values())
    top_name, top = actors.most_common(1)[0]
    once = sum(1 for n in actors.values() if n == 1)
    assert top_name == corpus.CAST[0][0] and top > total * 0.03  # a few are frequent
    assert once > len(actors) * 0.6  # most are quoted once
    assert len(actors) > total * 0.5  # new people keep coming
    surnames = Counter(name.split()[-1] for name in actors)
    assert surnames.most_common(1)[0][1] > 1  # unrelated people share surnames


def test_wire_copies_have_another_outlet_headline_and_a_trimmed_ending() -> None:
    copies = [a for a in corpus.articles(SEED, 0, 600) if a.story != a.number]
    assert 0.08 * 600 < len(copies) < 0.25 * 600
    for copy in copies[:30]:
        original = corpus.article(SEED, copy.story)
        assert original.story == original.number
        assert copy.outlet != original.outlet and copy.title != original.title
        assert len(copy.text) < len(original.text)
        assert copy.text.split("\n")[0] == original.text.split("\n")[0]  # same lede and slug
        quotes = {c["quote"] for c in corpus.reply(SEED, copy.text)["claims"]}
        assert quotes and quotes < {c["quote"] for c in corpus.reply(SEED, original.text)["claims"]}


def test_written_files_are_read_by_extract(tmp_path: Path) -> None:
    files = corpus.write(tmp_path, SEED, 0, 250, per_file=100)
    assert files == 3
    items = list(iter_inputs([str(tmp_path)], max_bytes=10_000_000))
    assert all(isinstance(i, ArticleInput) for i in items) and len(items) == 250
    first = items[0]
    assert isinstance(first, ArticleInput)
    assert first.text.strip() == corpus.article(SEED, 0).text and first.published is not None
    outlets = {i.url.split("/")[2] for i in items if isinstance(i, ArticleInput) and i.url}
    assert len(outlets) >= 5
