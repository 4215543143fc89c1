"""A generated news corpus shaped like real coverage, and the replies a model would give.

Real news quotes a long tail of people: a few public figures again and again, some people
now and then, most people once. `bench/bench_extract.py` repeats one fixture's 15 speakers
in every article, so it cannot show costs that grow with the actor registry; this corpus can:

- several outlets (registrable domains in the URLs);
- 2-5 quotes per story; a speaker is one of a fixed cast of frequent public figures (Zipf
  weights: the first few dominate), someone quoted in a recent story (the middle of the
  tail), or, most often, a new person; names come from generated surnames, so unrelated
  people share surnames as in life, and a story often calls a speaker by surname alone
  after naming them in full;
- some articles are wire copies of a recent story in another outlet: a different headline,
  the closing paragraph trimmed (its quotes then are not in the copy and not in the reply);
- now and then a reply paraphrases a quote instead of copying it (grounding rejects it).

Everything is a pure function of (seed, article number), so the stub server's responder can
regenerate the reply for any article it is sent without holding the corpus in memory: the
dateline carries the story's wire slug (e.g. "(NWS-000123)"), as wire copy does.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

OUTLETS = [
    "nordicwire.com",
    "dailyherald.co.uk",
    "capitalpost.com",
    "baltictimes.ee",
    "eurodispatch.eu",
    "morningledger.com",
    "thecourier.ca",
    "pacificreview.com.au",
]
# The frequent speakers: Zipf weights 1/rank make the first few dominate.
CAST = [
    ("Jens Stoltenberg", "NATO Secretary-General", "person"),
    ("Vladimir Putin", "Russian President", "person"),
    ("Volodymyr Zelenskyy", "Ukrainian President", "person"),
    ("Antony Blinken", "U.S. Secretary of State", "person"),
    ("Sauli Niinisto", "Finnish President", "person"),
    ("Dmitry Peskov", "Kremlin spokesman", "person"),
    ("Recep Tayyip Erdogan", "Turkish President", "person"),
    ("Magdalena Andersson", "Swedish Prime Minister", "person"),
    ("Sergei Lavrov", "Russian Foreign Minister", "person"),
    ("Viktor Orban", "Hungarian Prime Minister", "person"),
    ("Olaf Scholz", "German Chancellor", "person"),
    ("Emmanuel Macron", "French President", "person"),
    ("Sanna Marin", "Finnish Prime Minister", "person"),
    ("Ned Price", "State Department spokesman", "person"),
    ("Russian Foreign Ministry", "", "government"),
    ("Finnish government", "", "government"),
    ("Kremlin", "", "government"),
    ("Pentagon", "", "government"),
]
CAST_WEIGHTS = [1.0 / (rank + 1) for rank in range(len(CAST))]
FIRST = [
    "Aino", "Anna", "Ahmet", "Boris", "Carlos", "Chloe", "Dmytro", "Elif", "Emma", "Erik",
    "Fatima", "Freya", "Hanna", "Ivan", "Jan", "Jonas", "Julia", "Kai", "Karin", "Laura", "Lena",
    "Liam", "Lucas", "Maria", "Marek", "Mark", "Mette", "Mikko", "Nadia", "Noah", "Olga", "Omar",
    "Pekka", "Petra", "Piotr", "Rasmus", "Sara", "Sofia", "Stefan", "Tariq", "Tomas", "Ursula",
    "Vera", "Yusuf", "Zofia",
]  # fmt: skip
SYLLABLES = [
    "ka", "lin", "so", "mar", "vi", "ten", "ber", "ho", "nor", "sa", "ri", "ko", "lu", "pe", "va",
    "han", "del", "mi", "ro", "ta", "gu", "fen", "ol", "sti", "bra", "kes", "dor",
]  # fmt: skip
ENDINGS = ["", "", "", "ov", "sen", "ez", "ski", "nen", "son", "ova"]
ROLES = [
    "a senior fellow at the Institute for Security Studies",
    "a lawmaker on the defence committee",
    "an analyst at a Helsinki think tank",
    "a retired general",
    "a professor of international relations",
    "a former ambassador",
    "a spokeswoman for the opposition",
    "a local official",
]
CITIES = ["HELSINKI", "STOCKHOLM", "BRUSSELS", "MOSCOW", "KYIV", "WASHINGTON", "ANKARA", "BERLIN"]
SUBJECTS = [
    "the alliance", "membership", "the enlargement talks", "the accession protocol", "the summit",
    "the eastern flank", "the security guarantees", "the ratification vote", "the border",
    "the defence pact", "the troop deployment", "the air policing mission",
]  # fmt: skip
VERBS = [
    "must not delay", "will strengthen", "cannot undermine", "should welcome", "may complicate",
    "would weaken", "has to reflect", "is going to test", "could reshape", "must respect",
]  # fmt: skip
OBJECTS = [
    "the security of the whole region", "every nation's right to choose",
    "the balance in the Baltic", "the trust between the allies", "the promises made in Madrid",
    "the talks with Moscow", "the stability of northern Europe", "the credibility of the alliance",
    "the voters at home",
]  # fmt: skip
QUALIFIERS = [
    "in the coming months", "without further conditions", "whatever Moscow says",
    "before the winter", "despite the objections", "as soon as parliament agrees",
    "for a generation", "at this difficult moment",
]  # fmt: skip
STANCES = ["support", "oppose", "neutral", "unrelated"]

WIRE_SHARE = 0.15  # articles that are a copy of a recent story
CAST_SHARE = 0.25  # quotes by a frequent speaker
RECENT_SHARE = 0.15  # quotes by someone from a recent story (the middle of the tail)
PARAPHRASE_SHARE = 0.1  # replies with one quote paraphrased (rejected by grounding)
SLUG = re.compile(r"\(NWS-(\d{6,})\)")
START = date(2022, 1, 1)


@dataclass(frozen=True, slots=True)
class Quote:
    name: str  # full canonical name
    role: str  # title before the name ("Finnish President") or a description after it
    actor_type: str
    text: str  # the verbatim words
    stance: str
    by_surname: bool  # the story calls the speaker by surname for this quote


@dataclass(frozen=True, slots=True)
class Story:
    number: int
    city: str
    day: date
    lede: str
    quotes: tuple[Quote, ...]
    background: tuple[str, ...]  # one paragraph of context after each quote
    paraphrased: int | None  # index of the quote a model would paraphrase


@dataclass(frozen=True, slots=True)
class Article:
    number: int
    story: int
    outlet: str
    title: str
    published: date
    text: str

    @property
    def url(self) -> str:
        return f"https://www.{self.outlet}/news/{self.published:%Y/%m/%d}/a{self.number:07d}"

    def record(self) -> dict[str, str]:
        """The article as a `.jsonl` line that `stancetrack extract` reads."""
        return {
            "title": self.title,
            "text": self.text,
            "url": self.url,
            "published": self.published.isoformat(),
        }


# Articles are padded with quote-free context paragraphs to at least this many bytes (0: no
# padding; the stories alone run about 0.6-1.5 KB). Set by the environment so that every
# process of a benchmark (pipeline, stub server, bare loop) builds the same articles.
ARTICLE_BYTES = int(os.environ.get("STANCETRACK_BENCH_ARTICLE_BYTES", "0"))


def _rng(seed: int, kind: str, number: int) -> random.Random:
    return random.Random(f"{seed}:{kind}:{number}")  # str seeds are stable across runs


def person(seed: int, story: int, slot: int) -> tuple[str, str]:
    """The new person a story may quote in `slot`: (full name, description)."""
    rng = _rng(seed, f"p{slot}", story)
    surname = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3))))
    surname = (surname + rng.choice(ENDINGS)).capitalize()
    return f"{rng.choice(FIRST)} {surname}", rng.choice(ROLES)


def _sentence(rng: random.Random) -> str:
    words = [
        rng.choice(SUBJECTS).capitalize(),
        rng.choice(VERBS),
        rng.choice(OBJECTS),
        rng.choice(QUALIFIERS),
    ]
    return " ".join(words)


def _quote(rng: random.Random) -> str:
    return f"{_sentence(rng)}, and {rng.choice(OBJECTS)} depends on it"


def _background(rng: random.Random) -> str:
    """A paragraph of context without quotes: real articles are mostly this."""
    return " ".join(
        f"{_sentence(rng)}, according to {rng.choice(['diplomats', 'officials', 'documents'])}."
        for _ in range(rng.randint(2, 4))
    )


def story(seed: int, number: int) -> Story:
    rng = _rng(seed, "s", number)
    quotes: list[Quote] = []
    wanted = rng.randint(2, 5)
    slot = 0
    while len(quotes) < wanted:
        slot += 1
        pick = rng.random()
        if pick < CAST_SHARE:
            name, role, actor_type = rng.choices(CAST, CAST_WEIGHTS)[0]
        elif pick < CAST_SHARE + RECENT_SHARE and number > 0:
            earlier = max(0, number - rng.randint(1, 300))
            name, role = person(seed, earlier, rng.randrange(5))
            actor_type = "person"
        else:
            name, role = person(seed, number, slot)
            actor_type = "person"
        quotes.append(Quote(name, role, actor_type, _quote(rng), rng.choice(STANCES), False))
        if actor_type == "person" and len(quotes) < wanted and rng.random() < 0.35:
            # Quoted again further down, by surname only ("..., Virtanen added.").
            quotes.append(Quote(name, role, actor_type, _quote(rng), rng.choice(STANCES), True))
    paraphrased = rng.randrange(len(quotes)) if rng.random() < PARAPHRASE_SHARE else None
    return Story(
        number=number,
        city=rng.choice(CITIES),
        day=START + timedelta(days=number // 40),
        lede=f"{_sentence(rng)}, officials said on {rng.choice(['Monday', 'Tuesday', 'Friday'])}",
        quotes=tuple(quotes),
        background=tuple(_background(rng) for _ in quotes),
        paraphrased=paraphrased,
    )


def _is_title(role: str) -> bool:
    return bool(role) and role[0].isupper()


def _paragraphs(s: Story, outlet: str) -> list[str]:
    """The story's text: a dated lede with the wire slug, one paragraph per quote."""
    out = [f"{s.city}, {s.day:%B} {s.day.day} (NWS-{s.number:06d}) - {s.lede}."]
    named: set[str] = set()
    for q, background in zip(s.quotes, s.background, strict=True):
        surname = q.name.split()[-1]
        if q.actor_type != "person":
            out.append(f'"{q.text}," the {q.name} said in a statement.')
        elif q.by_surname and q.name in named:
            out.append(f'"{q.text}," {surname} added.')
        elif _is_title(q.role):
            out.append(f'{q.role} {q.name} said: "{q.text}."')
        else:
            out.append(f'"{q.text}," said {q.name}, {q.role}.')
        named.add(q.name)
        out.append(background)
    out.append(f"Reporting by the {outlet} staff; editing by the desk.")
    return out


def _story_of(seed: int, number: int) -> tuple[int, bool]:
    """(story number, is a wire copy) of article `number`: copies follow a recent story."""
    rng = _rng(seed, "a", number)
    if number < 10 or rng.random() >= WIRE_SHARE:
        return number, False
    original, _ = _story_of(seed, number - rng.randint(1, 10))
    return original, True


def article(seed: int, number: int) -> Article:
    rng = _rng(seed, "a", number)
    story_number, copy = _story_of(seed, number)
    s = story(seed, story_number)
    home = OUTLETS[story_number % len(OUTLETS)]
    outlet = rng.choice([o for o in OUTLETS if o != home]) if copy else home
    paragraphs = _paragraphs(s, outlet)
    lead = s.quotes[0]
    if copy:
        del paragraphs[-3:-1]  # the closing quote and its context: trimmed to fit
        title = f"{s.lede.split(',')[0]}, says {lead.name.split()[-1]}"
    else:
        title = f"{lead.name}: {lead.text.split(',')[0].lower()}"
    pad = _rng(seed, "pad", number)
    while ARTICLE_BYTES and len("\n".join(paragraphs).encode()) < ARTICLE_BYTES:
        # Real articles run 2.5-3.5 KB median, up to 15 KB: context without quotes.
        paragraphs.insert(-1, _background(pad))
    return Article(number, story_number, outlet, title[:200], s.day, "\n".join(paragraphs))


def reply(seed: int, text: str) -> dict[str, Any]:
    """The reply a good model gives for an article of this corpus (found by its wire slug):
    the story's claims whose quotes are in the text; a paraphrase now and then."""
    return {"claims": [claim for _name, claim in _reply_items(seed, text)]}


def speakers(seed: int, text: str) -> list[str]:
    """The full name of the person (or body) behind each claim of `reply(seed, text)`."""
    return [name for name, _claim in _reply_items(seed, text)]


def _reply_items(seed: int, text: str) -> list[tuple[str, dict[str, Any]]]:
    found = SLUG.search(text)
    if found is None:
        return []
    s = story(seed, int(found.group(1)))
    claims: list[tuple[str, dict[str, Any]]] = []
    named: set[str] = set()
    for index, q in enumerate(s.quotes):
        said = q.text
        if said not in text:
            continue  # trimmed from this copy
        if index == s.paraphrased:
            said = said.replace(",", "; in other words,", 1)
        surname = q.name.split()[-1]
        if q.actor_type != "person":
            speaker, actor = f"the {q.name}", q.name
        elif q.by_surname and q.name in named:
            speaker, actor = surname, (surname if index % 2 else q.name)
        elif _is_title(q.role):
            speaker, actor = f"{q.role} {q.name}", q.name
        else:
            speaker, actor = q.name, q.name
        named.add(q.name)
        claims.append(
            (
                q.name,
                {
                    "speaker": speaker,
                    "actor": actor,
                    "actor_type": q.actor_type,
                    "quote": said,
                    "claim": f"{q.name} says {q.text.split(',')[0].lower()}.",
                    "attribution": "direct",
                    "rationale": "The speaker addresses the alliance's enlargement.",
                    "stance": q.stance,
                    "confidence": 0.8,
                },
            )
        )
    return claims


def articles(seed: int, start: int, stop: int) -> Iterator[Article]:
    for number in range(start, stop):
        yield article(seed, number)


def write(directory: Path, seed: int, start: int, stop: int, per_file: int | None = None) -> int:
    """Write articles [start, stop) as `.jsonl` files of `per_file` lines (default 1,000,
    fewer for padded articles so a file stays under the 5 MB input limit); returns files."""
    if per_file is None:
        per_file = 1000 if not ARTICLE_BYTES else max(1, 2_000_000 // ARTICLE_BYTES)
    directory.mkdir(parents=True, exist_ok=True)
    files = 0
    for first in range(start, stop, per_file):
        last = min(stop, first + per_file)
        lines = (json.dumps(a.record(), ensure_ascii=False) for a in articles(seed, first, last))
        path = directory / f"corpus-{first:07d}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files += 1
    return files
