"""Benchmark the offline rules extractor: articles per second on one core.

Runs `stancetrack.llm.rules.extract_claims` (what `RulesBackend.extract` does, minus the
JSON echo) over the PolNeAR dev texts (../shared/eval/polnear-dev/text, if present) and the
fixture articles, in this one process (one core), after one warm-up pass. Each corpus is
timed `--repeat` times; the median is reported, with the spread. The rate is articles per
CPU second of this process (`time.process_time`), which is what one core delivers even when
other processes share the machine; the wall-clock rate is printed alongside.

Usage (from the repository root)::

    .venv/bin/python bench/bench_rules.py             # median of 5 passes per corpus
    .venv/bin/python bench/bench_rules.py --json      # machine-readable

Target (issue 5): at least 200 articles per second on one core.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stancetrack.ingest.readers import read_file  # noqa: E402
from stancetrack.llm.rules import default_lexicon, extract_claims  # noqa: E402

TARGET = 200.0


def corpora() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    polnear = REPO.parent / "shared" / "eval" / "polnear-dev" / "text"
    if polnear.is_dir():
        out["polnear-dev"] = [p.read_text(encoding="utf-8") for p in sorted(polnear.glob("*.txt"))]
    fixtures = []
    for path in sorted((REPO / "fixtures" / "articles").glob("*.txt")):
        item = next(iter(read_file(path, max_bytes=10_000_000)))
        if not isinstance(item, Exception):
            fixtures.append(item.text)
    out["fixtures"] = fixtures
    return out


def measure(texts: list[str], repeat: int) -> dict[str, float | int]:
    lexicon = default_lexicon()
    claims = sum(len(extract_claims(t, lexicon)) for t in texts)  # warm-up
    rates, wall = [], []
    for _ in range(repeat):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for text in texts:
            extract_claims(text, lexicon)
        rates.append(len(texts) / max(time.process_time() - cpu0, 1e-9))
        wall.append(len(texts) / (time.perf_counter() - wall0))
    return {
        "articles": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "claims": claims,
        "articles_per_second": round(statistics.median(rates), 1),
        "min": round(min(rates), 1),
        "max": round(max(rates), 1),
        "wall_articles_per_second": round(statistics.median(wall), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {name: measure(texts, args.repeat) for name, texts in corpora().items()}
    ok = all(r["articles_per_second"] >= TARGET for r in results.values())
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "target_articles_per_second": TARGET,
        "results": results,
        "ok": ok,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, r in results.items():
            print(
                f"{name}: {r['articles']} articles (mean {r['mean_chars']} chars), "
                f"{r['claims']} claims: {r['articles_per_second']} articles/s "
                f"per CPU second (min {r['min']}, max {r['max']}, median of {args.repeat}; "
                f"wall clock {r['wall_articles_per_second']}/s)"
            )
        print(f"target >= {TARGET:.0f} articles/s on one core: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
