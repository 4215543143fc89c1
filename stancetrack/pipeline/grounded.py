"""Grounding a reply: each claim's quote located in the article, or a rejection saying why."""

from __future__ import annotations

from typing import Any

from stancetrack import grounding
from stancetrack.db.repository.extraction import NewRejection
from stancetrack.llm.base import BackendReply
from stancetrack.schemas import ReplyClaim

INVALID_ITEM = "invalid item"


class Grounded:
    """A claim proven from the text: the reply item and where its quote sits."""

    __slots__ = ("claim", "span")

    def __init__(self, claim: ReplyClaim, span: grounding.GroundedSpan) -> None:
        self.claim = claim
        self.span = span


def ground_reply(text: str, reply: BackendReply) -> tuple[list[Grounded], list[NewRejection]]:
    """Locate every claim's quote; the ungroundable and invalid ones become rejections."""
    article = grounding.ArticleText(text)
    found: list[Grounded] = []
    rejected: list[NewRejection] = []
    windows = reply.windows if len(reply.windows) == len(reply.claims) else []
    for index, claim in enumerate(reply.claims):
        window = windows[index] if windows else None
        result = article.ground(claim.quote, window=window)
        if isinstance(result, grounding.Rejection):
            rejected.append(
                NewRejection(
                    reason=result.reason,
                    speaker=claim.speaker,
                    actor=claim.actor,
                    quote=claim.quote,
                    payload={"detail": result.detail, "item": claim.model_dump(mode="json")},
                )
            )
        else:
            found.append(Grounded(claim, result))
    for item, reason in reply.invalid_items:
        rejected.append(
            NewRejection(
                reason=INVALID_ITEM,
                speaker=_str_or_none(item.get("speaker")),
                actor=_str_or_none(item.get("actor")),
                quote=_str_or_none(item.get("quote")),
                payload={"detail": reason, "item": item},
            )
        )
    return found, rejected


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
