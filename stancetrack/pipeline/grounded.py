"""From a reply to the claims to store: THE one path, for `extract`, `import-gold`, `eval`.

`claims_from_reply` grounds each claim's quote in the article (exact, normalised, fuzzy:
`grounding.py`; a speaker's repeats of a quote take its next occurrences), locates its
speaker's mention and how it ties to the quote (`speaker_evidence.py`: cue, nearby or
absent), resolves its actor in the article's context, and keeps one claim per span and
actor; what cannot be grounded or stored (db/limits.py) becomes a rejection saying why.
`extract` stores its result, `import-gold` stores it for gold replies, and `eval` scores
it, so eval measures exactly what extract would store.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from sqlalchemy import Table

from stancetrack import grounding, speaker_evidence
from stancetrack.actors import fold
from stancetrack.db import limits
from stancetrack.db.models import Actor, Claim
from stancetrack.db.repository.extraction import NewClaim, NewRejection
from stancetrack.llm.base import BackendReply
from stancetrack.schemas import ReplyClaim
from stancetrack.subjects import Subjects

INVALID_ITEM = "invalid item"
INVALID_VALUE = "invalid value"
_CLAIMS = cast(Table, Claim.__table__)
_ACTORS = cast(Table, Actor.__table__)


class Grounded:
    """A claim proven from the text: the reply item, where its quote sits, and where (and
    how firmly) the article names its speaker."""

    __slots__ = ("claim", "span", "speaker", "subjects")

    def __init__(
        self,
        claim: ReplyClaim,
        span: grounding.GroundedSpan,
        speaker: speaker_evidence.SpeakerSpan,
        subjects: tuple[str, ...] = (),
    ) -> None:
        self.claim = claim
        self.span = span
        self.speaker = speaker
        self.subjects = subjects


def _rejection(claim: ReplyClaim, reason: str, detail: str) -> NewRejection:
    return NewRejection(
        reason=reason,
        speaker=claim.speaker,
        actor=claim.actor,
        quote=claim.quote,
        payload={"detail": detail, "item": claim.model_dump(mode="json")},
    )


def value_problems(claim: ReplyClaim) -> list[str]:
    """What of a claim its rows cannot hold (db/limits.py: lengths, NULs, controls)."""
    return limits.problems(
        _CLAIMS,
        {
            "speaker": claim.speaker,
            "claim": claim.claim,
            "rationale": claim.rationale,
            "confidence": claim.confidence,
        },
    ) + limits.problems(_ACTORS, {"name": " ".join(claim.actor.split())})


def subject_problems(claim: ReplyClaim, subjects: Subjects) -> list[str]:
    """The reply's subjects that are none of the target's (names and aliases, any case)."""
    wrong = [s for s in claim.subjects if subjects.canonical(s) is None]
    if not wrong:
        return []
    allowed = ", ".join(subjects.names) or "none"
    return [f"subjects: {wrong!r} are not subjects of the target (its subjects: {allowed})"]


def ground_reply(
    text: str, reply: BackendReply, subjects: Subjects | None = None
) -> tuple[list[Grounded], list[NewRejection]]:
    """Locate every claim's quote; the ungroundable and invalid ones become rejections.

    A speaker's claims take distinct occurrences of a repeated quote, in reply order. With
    the target's `subjects`, a claim naming another subject is an invalid value; one naming
    none gets those found near its quote.
    """
    known = subjects if subjects is not None else Subjects(())
    article = grounding.ArticleText(text)
    speakers = speaker_evidence.ArticleSpeakers(article)
    found: list[Grounded] = []
    rejected: list[NewRejection] = []
    taken: dict[str, set[grounding.Span]] = {}  # by speaker (folded actor name)
    windows = reply.windows if len(reply.windows) == len(reply.claims) else []
    for index, claim in enumerate(reply.claims):
        problems = value_problems(claim) + subject_problems(claim, known)
        if problems:
            rejected.append(_rejection(claim, INVALID_VALUE, "; ".join(problems)))
            continue
        window = windows[index] if windows else None
        spans = taken.setdefault(fold(claim.actor or claim.speaker), set())
        result = article.ground(claim.quote, window=window, taken=spans)
        if isinstance(result, grounding.Rejection):
            rejected.append(_rejection(claim, result.reason, result.detail))
        else:
            spans.add((result.start, result.end))
            speaker = speakers.locate(
                (result.start, result.end), claim.speaker, claim.actor, claim.actor_type.value
            )
            named = [known.canonical(name) or name for name in claim.subjects]
            about = (
                known.ordered(named)
                if named
                else known.find(
                    text,
                    (result.start, result.end),
                    claim.claim,
                    None
                    if speaker.start is None or speaker.end is None
                    else (speaker.start, speaker.end),
                )
            )
            found.append(Grounded(claim, result, speaker, about))
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


class ActorIds(Protocol):
    """Resolves a reply claim's actor to an actor id within one article (see actor_ids.py)."""

    def actor_id(self, claim: ReplyClaim) -> int: ...


def claims_from_reply(
    text: str, reply: BackendReply, actors: ActorIds, subjects: Subjects | None = None
) -> tuple[list[NewClaim], list[NewRejection]]:
    """Grounded, actor-resolved, de-duplicated claims of a reply, and its rejections.

    The stored quote is always the article's own words at the grounded span; `subjects`
    are the target's (stancetrack/subjects.py: `target_subjects`).
    """
    found, rejected = ground_reply(text, reply, subjects)
    return resolve_claims(text, found, rejected, actors)


def resolve_claims(
    text: str, found: list[Grounded], rejected: list[NewRejection], actors: ActorIds
) -> tuple[list[NewClaim], list[NewRejection]]:
    """The second half of `claims_from_reply`: actor ids for claims already grounded
    (`ground_reply`), one claim per span and actor. The only part that reads the database,
    so `extract` grounds before its transaction and runs this inside it; `rejected` is
    copied, not extended, so a transaction tried again starts from the same grounding."""
    rejected = list(rejected)
    claims: list[NewClaim] = []
    seen: set[tuple[int, int, int]] = set()
    for g in found:
        c = g.claim
        actor_id = actors.actor_id(c)
        key = (actor_id, g.span.start, g.span.end)
        if key in seen:  # the same span from the same actor under another name
            rejected.append(
                _rejection(c, grounding.DUPLICATE_QUOTE, "the same span by the same actor")
            )
            continue
        seen.add(key)
        claims.append(
            NewClaim(
                actor_id=actor_id,
                speaker=c.speaker,
                quote=text[g.span.start : g.span.end],
                start=g.span.start,
                end=g.span.end,
                claim=c.claim,
                attribution=c.attribution.value,
                stance=c.stance.value,
                confidence=c.confidence,
                rationale=c.rationale,
                alignment=g.span.alignment,
                speaker_start=g.speaker.start,
                speaker_end=g.speaker.end,
                speaker_evidence=g.speaker.evidence,
                subjects=g.subjects,
            )
        )
    return claims, rejected


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
