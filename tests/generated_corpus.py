"""A generated corpus for the worker tests and benchmark: N small seed-format articles, each
with one quotable claim, and a stub responder answering each with that claim.

The speakers cycle through SPEAKERS envoys, as a news corpus repeats its sources (one new
actor per article would make the benchmark measure actor resolution over a registry that
grows with N instead of the scale-out path)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from extract_helpers import gold_responder

_MARK = re.compile(r"GEN-(\d{5})")
SPEAKERS = 25


def quote(index: int) -> str:
    return f"NATO should admit Ukraine without delay, said envoy number {index}"


def write_corpus(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"gen_{i:05d}.txt"
        path.write_text(
            f"GEN-{i:05d} envoys on enlargement\n20240301\nhttps://example.org/gen/{i}\n"
            f"Envoy Maria Number{i % SPEAKERS} spoke in Brussels on Friday.\n"
            f"{quote(i)}, adding that the alliance was ready.\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def responder() -> Any:
    """Generated articles get their one claim; the fixture articles their gold replies."""
    fixtures = gold_responder()

    def respond(body: dict[str, Any]) -> Any:
        text = "\n".join(str(m.get("content") or "") for m in body.get("messages", []))
        found = _MARK.search(text)
        if found is None:
            return fixtures(body)
        i = int(found.group(1))
        return {
            "claims": [
                {
                    "speaker": f"Maria Number{i % SPEAKERS}",
                    "actor": f"Maria Number{i % SPEAKERS}",
                    "actor_type": "person",
                    "quote": quote(i),
                    "claim": "NATO should admit Ukraine without delay.",
                    "attribution": "direct",
                    "rationale": "Argues for admitting Ukraine.",
                    "stance": "support",
                    "confidence": 0.9,
                }
            ]
        }

    return respond
