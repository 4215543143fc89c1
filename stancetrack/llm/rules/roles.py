"""Actors that are people and organisations (issue 19, item 2).

A speaker as read at the cue is not always an actor. The rules, in order (data in
prompts/rules/lexicon.yaml, `actors`):

1. A dateline ("MADRID (AP)") or a bare nationality word ("Russian") is no actor: the
   claim is dropped. A generic plural with no affiliation ("analysts", "Western allies")
   is one anonymous group, `unnamed analysts` (the gold's convention), never a name; a
   singular one ("a U.S. official") is the anonymous person `unnamed U.S. official`.
2. An affiliated plural is its institution: "Finnish officials" -> "Finnish government",
   "Senior State Department officials" -> "State Department".
3. "X's office / ministry / government" is X's organisation, named after X's canonical
   name ("Erdogan's office" -> "Recep Tayyip Erdogan's office", type government), never X.
4. A role description ("Turkey's president", "the Kremlin spokesman") is the person of the
   article whose title has that role (and that country, when given), if exactly one fits.
5. Two people joined by "and" give one actor each (the claim is repeated per person); a
   compound that is not two people ("Washington and its allies") is kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stancetrack.llm.rules.lexicon import Lexicon
from stancetrack.llm.rules.speakers import DETERMINERS, Speaker
from stancetrack.llm.rules.tokens import Mention
from stancetrack.schemas import ActorType

_DATELINE = re.compile(r"^[A-Z][A-Z .'-]+(\s*\([A-Za-z]+\))?$")
_POSSESSIVE = re.compile(r"^(?P<owner>.+?)(?:'s|’s|')\s+(?P<head>[\w-]+)$")


@dataclass(frozen=True, slots=True)
class Actor:
    actor: str
    actor_type: ActorType


class ActorResolver:
    """Resolves the speakers of one article to actors (see the module rules)."""

    def __init__(self, mentions: list[Mention], lexicon: Lexicon) -> None:
        self.lex = lexicon
        self.demonyms = lexicon.demonyms  # country (lower) -> adjective (lower)
        self.countries = {adj: country for country, adj in lexicon.demonyms.items()}
        # Built once per article, so each speaker costs a lookup, not a pass over mentions.
        # Full names by last word: the longest, the first named of two as long (text order,
        # so that 'Donald Trump' before 'Ivanka Trump' wins whatever the hash seed).
        self._full_names: dict[str, str] = {}
        # Titled people by each word of their title: (name, the title's words).
        self._titled: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for m in mentions:
            if " " not in m.name:
                continue
            last = m.name.split()[-1]
            if len(m.name) > len(self._full_names.get(last, "")):
                self._full_names[last] = m.name
            if m.kind in ("person", "unknown") and m.title:
                title = frozenset(m.title.lower().split())
                for word in title:
                    self._titled.setdefault(word, []).append((m.name, title))

    def resolve(self, speaker: Speaker) -> list[Actor]:
        """The actors of one speaker: [] for no actor, two for a pair of people."""
        if speaker.pronoun:
            return [Actor(speaker.actor, speaker.actor_type)]
        written = " ".join(speaker.text.split())
        words = [w for w in written.split() if w.lower() not in DETERMINERS]
        if not words:
            return []
        low = [w.lower().strip(",") for w in words]
        if (
            _DATELINE.match(written)
            and len(written) > 3
            and written.upper() == written
            and speaker.actor_type is not ActorType.PERSON  # a transcript label: 'PENCE:'
        ):
            return []
        if len(low) == 1 and low[0] in self.countries:
            return []
        pair = self._pair(speaker)
        if pair is not None:
            return pair
        head = low[-1]
        if head in self.lex.generic_nouns:
            return self._affiliated(words[:-1]) or [Actor(f"unnamed {head}", ActorType.GROUP)]
        if head in self.lex.anonymous_nouns:
            return [Actor("unnamed " + " ".join(words), ActorType.PERSON)]
        owned = _POSSESSIVE.match(" ".join(words))
        if owned is not None:
            return [self._owned(owned.group("owner"), owned.group("head"), speaker)]
        if speaker.actor_type is ActorType.PERSON or head in self.lex.words.title_set:
            role = self._role(low)
            if role is not None:
                return [Actor(role, ActorType.PERSON)]
        return [Actor(speaker.actor, speaker.actor_type)]

    # ---- the rules ----------------------------------------------------------------------

    def _affiliated(self, modifiers: list[str]) -> list[Actor]:
        """'Finnish officials' -> Finnish government; 'State Department officials' -> State
        Department; bare or merely descriptive ('senior', 'Western') -> no actor."""
        names = [
            w for w in modifiers if w[:1].isupper() and w.lower() not in self.lex.words.not_names
        ]
        lows = [w.lower() for w in names]
        if len(names) == 1 and lows[0] in self.countries:
            return [Actor(f"{names[0]} government", ActorType.GOVERNMENT)]
        if len(names) == 1 and lows[0] in self.demonyms:
            return [Actor(f"{self.demonyms[lows[0]].title()} government", ActorType.GOVERNMENT)]
        kept = [w for w in names if w.lower() not in self.lex.generic_modifiers]
        if not kept:
            return []
        return [Actor(" ".join(kept), ActorType.GOVERNMENT)]

    def _owned(self, owner: str, head: str, speaker: Speaker) -> Actor:
        """'Erdogan's office' -> "Recep Tayyip Erdogan's office" (X's organisation)."""
        full = self._full_name(owner.split()[-1]) or owner
        kind = (
            ActorType.GOVERNMENT
            if head.lower() in self.lex.government_words
            else ActorType.ORGANIZATION
        )
        if head.lower() in self.lex.words.title_set:  # "Turkey's president": a role, not a body
            role = self._role([owner.lower(), head.lower()])
            if role is not None:
                return Actor(role, ActorType.PERSON)
            return Actor(speaker.actor, speaker.actor_type)
        return Actor(f"{full}'s {head.lower()}", kind)

    def _role(self, low: list[str]) -> str | None:
        """The one person of the article whose title holds this role (and country)."""
        words = [w.removesuffix("'s").removesuffix("’s") for w in low]
        role = [w for w in words if w in self.lex.words.title_set and w not in self.countries]
        if not role:
            return None
        place = [w for w in words if w in self.demonyms or w in self.countries]
        wanted_place = {self.demonyms.get(p, p) for p in place} | set(place)
        found = {
            name
            for name, title in self._titled.get(role[-1], ())
            if not wanted_place or wanted_place & title
        }
        return found.pop() if len(found) == 1 else None

    def _full_name(self, last: str) -> str | None:
        return self._full_names.get(last)

    def _pair(self, speaker: Speaker) -> list[Actor] | None:
        parts = re.split(r"\s+and\s+", speaker.text)
        if len(parts) != 2:
            return None
        out = []
        for part in parts:
            name = [w for w in part.split() if w.lower() not in self.lex.words.title_set]
            if not name or not name[-1][:1].isupper():
                return None
            full = self._full_name(name[-1])
            if full is None:
                return None
            out.append(Actor(full, ActorType.PERSON))
        return out
