"""Shared by the extraction tests: gold replies keyed by article, counting what was asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARTICLES = FIXTURES / "articles"
STEMS = sorted(p.stem for p in ARTICLES.glob("*.txt"))


def gold(stem: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / "gold" / f"{stem}.json").read_text(encoding="utf-8"))
    return list(data["claims"])


def marker(stem: str) -> str:
    """Text only this article's prompt contains: the start of its first paragraph."""
    return (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8").splitlines()[3][:80]


def gold_table(**overrides: Any) -> dict[str, Any]:
    """match_responder table: each fixture article answered with its gold (or an override)."""
    return {marker(s): overrides.get(s, {"claims": gold(s)}) for s in STEMS}


def asked(requests: list[Any]) -> list[str]:
    """Which fixture articles the recorded chat requests were about."""
    out = []
    for request in requests:
        text = request.prompt_text()
        out.extend(s for s in STEMS if marker(s) in text)
    return out


def gold_responder(**overrides: Any) -> Any:
    """Stub responder answering by the article found anywhere in the conversation.

    Unlike stub_server.match_responder (last user message only), re-asks about an article
    get that article's answer again.
    """
    table = gold_table(**overrides)

    def respond(body: dict[str, Any]) -> Any:
        text = "\n".join(str(m.get("content") or "") for m in body.get("messages", []))
        for key, item in table.items():
            if key in text:
                return item
        return {"claims": []}

    return respond
