"""Precision and recall of story grouping on the generated corpus (tests/story_corpus.py).

Each event has an agency text, COPIES of it as outlets run them (another headline, another
dateline, the ending trimmed by up to a third, sometimes a sentence edited, a staff line
added) and REPORTS written separately on the same event (same people, place and quote).
Every document is ingested in order into a fresh SQLite database (the grouping of
`extract`/`watch`); pairs in one predicted story are compared with pairs in one true story.

    .venv/bin/python bench/eval_stories.py                    # 100 events x (1 + 3 + 2)
    .venv/bin/python bench/eval_stories.py --events 300 --seed 2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--reports", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from sqlalchemy import select
    from story_corpus import generate, pairs

    from stancetrack.db import Database
    from stancetrack.db.models import Article
    from stancetrack.pipeline import ingest
    from stancetrack.settings import load_settings

    docs = generate(args.events, args.copies, args.reports, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "in"
        root.mkdir()
        for i, doc in enumerate(docs):
            record = {"title": doc.title, "text": doc.text, "url": doc.url}
            (root / f"{i:06d}-{doc.name}.json").write_text(json.dumps(record), encoding="utf-8")
        url = f"sqlite:///{tmp}/stories.db"
        db = Database(url)
        t0 = time.perf_counter()
        ingest(db, [str(root)], load_settings(database_url=url))
        elapsed = time.perf_counter() - t0
        with db.session() as s:
            got = {
                Path(src).stem.split("-", 1)[1]: str(story)
                for src, story in s.execute(select(Article.source, Article.story_id))
            }
        db.dispose()
    truth = {d.name: d.story for d in docs}
    predicted, expected = pairs(got), pairs(truth)
    tp = len(predicted & expected)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(expected) if expected else 1.0
    kinds = {k: sum(d.kind == k for d in docs) for k in ("agency", "copy", "report")}
    print(
        f"documents {len(docs)} {kinds}; true same-story pairs {len(expected)}, "
        f"predicted {len(predicted)}, correct {tp}"
    )
    print(
        f"precision {precision:.3f}  recall {recall:.3f}  "
        f"(ingest {elapsed * 1000 / len(docs):.1f} ms/document incl. reading)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
