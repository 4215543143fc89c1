"""The rules extractor as a pure function: article text in, claims with exact spans out."""

from __future__ import annotations

from dataclasses import dataclass, replace

from stancetrack.llm.rules.anchors import ArticleTokens
from stancetrack.llm.rules.attribution import Attribution, AttributionFinder
from stancetrack.llm.rules.cue_subjects import CueSubjects
from stancetrack.llm.rules.lexicon import Lexicon, default_lexicon
from stancetrack.llm.rules.nominal_cues import NominalCueFinder
from stancetrack.llm.rules.passives import PassiveFinder
from stancetrack.llm.rules.positions import PositionFinder
from stancetrack.llm.rules.roles import ActorResolver
from stancetrack.llm.rules.speakers import SpeakerFinder
from stancetrack.llm.rules.stance import (
    Paragraph,
    article_elsewhere,
    article_on_target,
    read_stance,
)
from stancetrack.llm.rules.text import layout
from stancetrack.llm.rules.tokens import headline_lines, mentions, tokenize
from stancetrack.schemas import ActorType, ReplyClaim
from stancetrack.schemas import Attribution as AttributionKind

# Where a clause of its own may start inside a reported content.
_CLAUSE_MARKS = (",", ";", " and ", " but ", " though ", " while ")
_BELIEF = 0.6  # the weakest cue strength of a clause of its own: a belief verb (cues.py)
_CONJUNCTIONS = frozenset({"and", "but", "though", "although", "while", "yet"})


@dataclass(frozen=True, slots=True)
class RuleClaim:
    """A claim with where it came from: `text[start:end] == claim.quote` exactly."""

    claim: ReplyClaim
    start: int
    end: int
    speaker_start: int
    speaker_end: int


def extract_claims(text: str, lexicon: Lexicon | None = None) -> list[RuleClaim]:
    """All attributed claims in `text`, in text order; deterministic."""
    lex = lexicon or default_lexicon()
    lay = layout(text, lex.words.abbreviations)
    tokens = tokenize(text, lex)
    headlines = headline_lines(text)
    found_mentions = mentions(text, lex, headlines)
    finder = SpeakerFinder(text, tokens, found_mentions, lex)
    resolver = ActorResolver(found_mentions, lex)
    doc = ArticleTokens(lay, tokens, finder, lex, headlines)
    found = AttributionFinder(doc).find()
    found += PositionFinder(doc, CueSubjects(doc)).find(found)
    found += NominalCueFinder(doc).find(found)
    found += PassiveFinder(doc).find(found)
    on_topic = article_on_target(text, lex)
    elsewhere = article_elsewhere(text, lex)
    out: list[RuleClaim] = []
    paragraphs: dict[int, Paragraph] = {}  # built once per paragraph, for all its claims
    for item in _dedupe(found, text):
        quote = text[item.start : item.end]
        index = lay.paragraph_of(item.start)
        paragraph = paragraphs.get(index)
        if paragraph is None:
            p_start, p_end = lay.paragraphs[index]
            paragraph = paragraphs[index] = Paragraph(text[p_start:p_end])
        rejected = item.cue if not item.direct and item.cue in lex.grammar.rejecting_verbs else ""
        reading = read_stance(
            quote,
            paragraph,
            lex,
            on_topic=on_topic,
            elsewhere=elsewhere,
            rejected_by=rejected,
        )
        confidence = reading.confidence
        if item.speaker.pronoun or item.carried:
            confidence = max(0.05, confidence - lex.pronoun_penalty)
        kind = AttributionKind.DIRECT if item.direct else AttributionKind.INDIRECT
        how = "quoted" if item.direct else "reported"
        rationale = f'{reading.rationale} Attribution: {how} via "{item.cue}".'
        for actor in resolver.resolve(item.speaker):  # none, one, or one per person
            claim = ReplyClaim(
                speaker=item.speaker.text,
                actor=actor.actor,
                actor_type=actor.actor_type,
                quote=quote,
                claim=_restate(item, quote, actor.actor),
                attribution=kind,
                rationale=rationale,
                stance=reading.stance,
                confidence=round(confidence * (0.7 + 0.3 * item.strength), 2),
            )
            out.append(RuleClaim(claim, item.start, item.end, item.speaker.start, item.speaker.end))
    return out


def _restate(item: Attribution, quote: str, actor: str) -> str:
    body = " ".join(quote.split())
    if item.direct:
        return f'{actor} said: "{body}"'
    verb = "said" if item.strength < 1.0 or " " in item.cue else item.cue
    if verb.endswith("ing"):
        verb = "said"
    return f"{actor} {verb}: {body}"


def _dedupe(found: list[Attribution], text: str) -> list[Attribution]:
    """Drop a claim whose span lies inside another claim's span (nested cues), unless its
    speaker and cue open a clause of their own inside the other's content ('Lynch said ...,
    though she noted ...'): the outer content then ends at that clause's boundary."""
    out: list[Attribution] = []
    # Every kept span starts at or before this one (start order), so one contains it exactly
    # when the furthest kept end reaches its end.
    furthest = -1
    for item in sorted(found, key=lambda a: (a.start, -(a.end - a.start))):
        if out and item.end <= furthest:
            outer = _split_before(out, item, text)
            if outer is None:
                continue
            out[out.index(outer[0])] = outer[1]
            item = _same_subject(outer[1], item)
        out.append(item)
        furthest = max(furthest, item.end)
    return sorted(out, key=lambda a: a.start)


def _split_before(
    kept: list[Attribution], item: Attribution, text: str
) -> tuple[Attribution, Attribution] | None:
    """The kept claim holding `item` and that claim cut before `item`'s own clause, or None
    when `item` is no clause of its own (its speaker outside the kept content, no boundary,
    or fewer than three words left)."""
    holder = next((a for a in reversed(kept) if a.start <= item.start and item.end <= a.end), None)
    if holder is None or item.direct or holder.direct or not holder.cue[:1].isalpha():
        return None  # not inside a quotation or a transcript label's turn
    if not holder.start < item.speaker.start < item.start:
        return None
    head = text[holder.start : item.speaker.start]
    cut = max(head.rfind(mark) for mark in _CLAUSE_MARKS)
    if cut <= 0 or item.strength < _BELIEF:
        return None  # a verb of speech, belief or intention; not a carried quotation (0.5)
    if not set(head[cut:].strip(" ,;").lower().split()) <= _CONJUNCTIONS:
        return None  # the speaker opens the clause: ', though she noted', '; he added'
    end = holder.start + cut
    while end > holder.start and text[end - 1] in " ,;":
        end -= 1
    if len(text[holder.start : end].split()) < 3:
        return None
    return holder, replace(holder, end=end)


def _same_subject(holder: Attribution, item: Attribution) -> Attribution:
    """'Lynch said ..., though she noted ...': a pronoun opening the second clause is the
    first clause's speaker when it can be (he/she a person; they/it no person)."""
    if not item.speaker.pronoun:
        return item
    person = holder.speaker.actor_type is ActorType.PERSON
    if (item.speaker.text.lower() in ("he", "she")) != person:
        return item
    speaker = replace(
        item.speaker, actor=holder.speaker.actor, actor_type=holder.speaker.actor_type
    )
    return replace(item, speaker=speaker)
