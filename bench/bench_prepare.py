"""CPU of making one reply ready to store (`pipeline.preparing.prepare_reply`: grounding,
speaker evidence, subjects, the story fingerprint), on bench/corpus.py's articles.

    PYTHONPATH=<tree> python bench/bench_prepare.py [--articles 600] [--rounds 5]

No database: this is the writer's work before its transaction, per article, in one
process (`time.process_time`). Run it with PYTHONPATH pointing at another checkout to
compare two trees in turns.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parent))

import corpus

from stancetrack.llm.base import BackendReply
from stancetrack.pipeline.preparing import prepare_reply
from stancetrack.schemas import Reply
from stancetrack.subjects import target_subjects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    subjects = target_subjects("NATO expansion")
    items = []
    for article in corpus.articles(2026, 0, args.articles):
        raw = corpus.reply(2026, article.text)
        claims = list(Reply.model_validate(raw).claims)
        items.append((article.text, BackendReply(claims=claims, raw_reply=json.dumps(raw))))
    for text, reply in items[:50]:  # warm-up
        prepare_reply(text, reply, subjects)
    rounds = []
    for _ in range(args.rounds):
        cpu = time.process_time()
        for text, reply in items:
            prepare_reply(text, reply, subjects)
        rounds.append((time.process_time() - cpu) / len(items) * 1000)
    chars = sum(len(text) for text, _ in items) // len(items)
    print(
        f"prepare_reply: {' '.join(f'{r:.3f}' for r in rounds)} ms an article"
        f" ({len(items)} articles, mean {chars} chars)"
    )


if __name__ == "__main__":
    main()
