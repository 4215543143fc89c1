"""Record what grounding and speaker evidence give for the fixtures and generated articles.

tests/test_quote_index.py compares the code with these results; they were recorded on the
code before the per-article indexes (issue 20), and again on the text layer (issue 22),
with::

    cd /tmp && PYTHONPATH=/path/to/old/checkout:/path/to/repo/tests \\
        python /path/to/repo/tests/record_grounding.py > tests/data/grounding_recorded.json
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from quote_dense import quote_dense, reply_for

from stancetrack.grounding import GroundedSpan
from stancetrack.ingest.readers import read_file
from stancetrack.llm.base import BackendReply, ExtractionRequest
from stancetrack.llm.replies import parse_reply
from stancetrack.llm.rules import RulesBackend
from stancetrack.pipeline.grounded import ground_reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# (lines, seed, with windows) of the generated articles.
GENERATED = ((40, 1, False), (40, 2, True), (300, 3, True), (300, 4, False), (1500, 5, True))


def article_text(path: Path) -> str:
    item = next(iter(read_file(path, max_bytes=10_000_000)))
    assert not isinstance(item, Exception), item
    return item.text


def cases() -> dict[str, tuple[str, BackendReply]]:
    """Every recorded case: fixture articles with their gold reply (no windows) and the
    rules backend's reply (exact windows), and the generated articles."""
    out: dict[str, tuple[str, BackendReply]] = {}
    for path in sorted((FIXTURES / "articles").glob("*.txt")):
        text = article_text(path)
        gold = FIXTURES / "gold" / f"{path.stem}.json"
        if gold.exists():
            parsed = parse_reply(gold.read_text(encoding="utf-8"))
            out[f"gold/{path.stem}"] = (text, reply_for(list(parsed.claims), None))
        request = ExtractionRequest("", text, "NATO expansion")
        out[f"rules/{path.stem}"] = (text, asyncio.run(RulesBackend().extract(request)))
    for lines, seed, windowed in GENERATED:
        text, claims, windows = quote_dense(lines, seed)
        out[f"dense/{lines}/{seed}"] = (text, reply_for(claims, windows if windowed else None))
    return out


def outcome(text: str, reply: BackendReply) -> dict[str, Any]:
    found, rejected = ground_reply(text, reply)
    return {
        "found": [
            [
                *(g.span.start, g.span.end, g.span.alignment, g.span.score),
                *(g.speaker.start, g.speaker.end, g.speaker.evidence),
            ]
            for g in found
            if isinstance(g.span, GroundedSpan)
        ],
        "rejected": [[r.reason, r.payload["detail"]] for r in rejected],
    }


def main() -> int:
    recorded = {name: outcome(text, reply) for name, (text, reply) in cases().items()}
    lines = [f"{json.dumps(name)}: {json.dumps(value)}" for name, value in recorded.items()]
    sys.stdout.write("{\n" + ",\n".join(lines) + "\n}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
