"""A generated quote-dense article and a reply for it: the shapes speaker evidence sees.

Lines attribute quotes every way the code distinguishes: a cue before ("X said:") or after
("..., X told reporters"), a pronoun ("..., he said"), an introduction across a paragraph
break, a name only nearby, none at all; titles, initials and abbreviations ("Mr.", "W.")
that do not end sentences; curly marks and case changes (normalised matches), a misspelled
word (fuzzy), quotes repeated in the text and in the reply, and quotes not in the text.
Deterministic for a seed: tests/test_quote_index.py compares its grounding with results
recorded on the code before the per-article indexes.
"""

from __future__ import annotations

import random

from stancetrack.llm.base import BackendReply
from stancetrack.schemas import ReplyClaim

PEOPLE = (
    ("President Vladimir Putin", "Vladimir Putin", "person"),
    ("Foreign Minister Sergey Lavrov", "Sergey Lavrov", "person"),
    ("Jens Stoltenberg", "Jens Stoltenberg", "person"),
    ("Mr. Erdogan", "Recep Tayyip Erdogan", "person"),
    ("George W. Bush", "George W. Bush", "person"),
    ("the Kremlin", "Kremlin", "government"),
    ("Sanna Marin", "Sanna Marin", "person"),
    ("NATO", "NATO", "organization"),
)
_MARK = '"'
WORDS = (
    "alliance",
    "expansion",
    "security",
    "guarantees",
    "border",
    "troops",
    "eastward",
    "membership",
    "treaty",
    "neutrality",
    "summit",
    "application",
    "veto",
    "ratify",
    "parliament",
    "sanctions",
    "missiles",
    "defence",
    "partners",
    "threat",
    "pledge",
    "decades",
    "stability",
    "region",
    "promise",
    "never",
    "accept",
)


def _quote(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 12))]
    words[0] = words[0].capitalize()
    return " ".join(words)


def quote_dense(lines: int, seed: int = 7) -> tuple[str, list[ReplyClaim], list[tuple[int, int]]]:
    """The article's text, one claim per quoted line (plus repeats and strays), and each
    claim's window (the line it was written from)."""
    rng = random.Random(seed)
    parts: list[str] = []
    claims: list[ReplyClaim] = []
    lines_at: list[tuple[int, int]] = []
    pos = 0
    previous: tuple[str, str, str] = PEOPLE[0]
    for _line in range(lines):
        person = rng.choice(PEOPLE)
        name, actor, kind = person
        surname = actor.split()[-1]
        quote = _quote(rng)
        shape = rng.randrange(9)
        speaker = name
        if shape == 0:
            line = f'{name} said: "{quote}."'
        elif shape == 1:
            line = f'"{quote}," {surname} told reporters on Tuesday.'
            speaker = surname
        elif shape == 2:
            line = f"“{quote},” he said."
            speaker, person = "he", previous
            name, actor, kind = person
        elif shape == 3:
            line = f"{name} spoke at length on Monday:\n\n“{quote}.”"
        elif shape == 4:
            line = f"According to {name}, {quote.lower()}; the talks went on."
        elif shape == 5:
            line = f"{name} was in Brussels. Officials were not sure. “{quote}.”"
        elif shape == 6:
            line = f"Nobody knew whether “{quote}” would hold, Dr. Jones wrote."
        elif shape == 7:
            line = f"{name} said {quote.lower()}, in a statement."
        else:
            line = f"The U.S. and {surname} disagreed — {quote}. They says so."
        parts.append(line)
        start = pos
        pos += len(line) + 1
        lines_at.append((start, pos - 1))
        sent = quote
        tweak = rng.randrange(6)
        if tweak == 0:
            sent = quote.upper()  # a normalised match
        elif tweak == 1 and len(quote) > 30:
            sent = quote[:10] + quote[11:]  # a dropped letter: fuzzy
        elif tweak == 2:
            sent = f'"{quote}."'
        claims.append(_claim(speaker, actor, kind, sent))
        if rng.randrange(10) == 0:
            claims.append(_claim(surname, actor, kind, sent))  # the same again
        if rng.randrange(15) == 0:
            claims.append(_claim(name, actor, kind, _quote(rng)))  # not in the text
        if shape != 2:
            previous = person
    text = "\n".join(parts)
    windows = [_window_of(text, c.quote, lines_at) for c in claims]
    return text, claims, windows


def _window_of(text: str, quote: str, lines_at: list[tuple[int, int]]) -> tuple[int, int]:
    """The line a quote was written on, as a chunk window; the whole text when unknown."""
    bare = quote.strip('"').rstrip(".")
    at = text.lower().find(bare.lower())
    for start, end in lines_at:
        if start <= at < end:
            return start, end
    return 0, len(text)


def _claim(speaker: str, actor: str, kind: str, quote: str) -> ReplyClaim:
    return ReplyClaim.model_validate(
        {
            "speaker": speaker,
            "actor": actor,
            "actor_type": kind,
            "quote": quote,
            "claim": f"{actor} said {quote.strip(_MARK)}.",
            "stance": "oppose",
            "confidence": 0.8,
        }
    )


def reply_for(claims: list[ReplyClaim], windows: list[tuple[int, int]] | None) -> BackendReply:
    return BackendReply(
        claims=claims,
        raw_reply="{}",
        output_mode="json_schema",
        prompt_tokens=1,
        completion_tokens=1,
        attempts=1,
        latency_ms=1.0,
        windows=list(windows) if windows is not None else [],
    )
