"""A generated corpus for story grouping: wire copies and separately written reports.

Each event gets one agency text and COPIES of it as outlets run them (another headline,
another dateline, the ending trimmed, a sentence or two edited) plus REPORTS: other texts
on the same event (same people, places, a shared quote), written independently. Copies
must form one story with the agency text; every report is a story of its own. Seeded, so
the same arguments give the same corpus (tests and bench/eval_stories.py use it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PEOPLE = [
    ("Vladimir Putin", "Russian President", "Putin"),
    ("Jens Stoltenberg", "NATO Secretary General", "Stoltenberg"),
    ("Sauli Niinistö", "Finnish President", "Niinistö"),
    ("Recep Tayyip Erdogan", "Turkish President", "Erdogan"),
    ("Viktor Orbán", "Hungarian Prime Minister", "Orbán"),
    ("Volodymyr Zelenskyy", "Ukrainian President", "Zelenskyy"),
    ("Antony Blinken", "U.S. Secretary of State", "Blinken"),
    ("Ulf Kristersson", "Swedish Prime Minister", "Kristersson"),
    ("Sergei Lavrov", "Russian Foreign Minister", "Lavrov"),
    ("Olaf Scholz", "German Chancellor", "Scholz"),
]
PLACES = ["Brussels", "Moscow", "Helsinki", "Ankara", "Vilnius", "Madrid", "Kyiv", "Stockholm"]
TOPICS = [
    "the alliance's eastward expansion",
    "Finland's application to join NATO",
    "Sweden's bid for membership",
    "a timeline for Ukraine's accession",
    "the ratification of the new members",
    "security guarantees demanded by Moscow",
    "troop deployments on the eastern flank",
    "the veto threatened by Ankara",
]
VERBS = ["said", "told reporters", "insisted", "warned", "argued", "declared", "stressed"]
OPENERS = [
    "{who} {verb} on {day} that {topic} would {outcome}.",
    "Speaking in {place} on {day}, {who} {verb} that {topic} must {outcome}.",
    "{who}, the {role}, {verb} that {topic} could {outcome} within months.",
]
OUTCOMES = [
    "not be stopped by outside pressure",
    "change the balance of power in Europe",
    "go ahead despite objections",
    "be delayed until conditions are met",
    "provoke a firm response",
    "strengthen deterrence in the north",
]
FILLERS = [
    "Officials familiar with the talks described the mood as {mood}.",
    "The meeting in {place} lasted {hours} hours and ended without a joint statement.",
    "Diplomats said a decision was expected before the summit in {place2}.",
    "Analysts noted that {topic} had divided the allies for {years} years.",
    "{short} did not take questions after the statement.",
    "A spokesperson for {short} declined to comment further on {topic}.",
    "Markets in {place} reacted calmly to the remarks on {day}.",
    "The remarks came a day after a phone call between {short} and {short2}.",
    "Earlier this month, {short2} had said that the issue was {mood} but manageable.",
    "Parliament in {place2} is due to debate the matter next {day}.",
    "Some {hours} protesters gathered outside the ministry in {place}, police said.",
    "The foreign ministry in {place2} summoned an ambassador over the dispute.",
]
MOODS = ["tense", "cautious", "constructive", "frosty", "businesslike", "difficult"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
AGENCIES = ["(AP)", "(Reuters)", "(AFP)", "(dpa)"]
OUTLETS = [
    "https://www.dailyherald.example.com/world/{n}",
    "https://news.northgazette.co.uk/{n}.html",
    "https://www.lepoint-monde.example.fr/international/{n}",
    "https://www.tribune-online.example.org/news/{n}",
    "https://www.eastpost.example.net/a/{n}",
    "https://www.capitalwire.example.com/stories/{n}",
]


@dataclass(frozen=True)
class Doc:
    name: str
    story: str  # the true story: copies share their agency text's
    title: str
    url: str
    text: str
    kind: str  # agency | copy | report


def _quote(rng: random.Random, topic: str) -> str:
    words = rng.sample(
        [
            "never",
            "accept",
            "threat",
            "sovereign",
            "choice",
            "door",
            "open",
            "security",
            "red",
            "line",
            "respect",
            "nations",
            "decide",
            "future",
            "partners",
            "alliance",
            "peace",
        ],
        9,
    )
    return f'"We will {" ".join(words[:4])} on {topic}, and {" ".join(words[4:])}," '


def _write(rng: random.Random, event: dict[str, object], paragraphs: int) -> list[str]:
    """One report of the event, in this writer's own words (shared facts, shared quote)."""
    people = event["people"]
    assert isinstance(people, list)
    (full, role, short), (full2, _role2, short2) = people[0], people[1]
    values = {
        "who": full,
        "role": role,
        "short": short,
        "short2": short2,
        "topic": event["topic"],
        "place": event["place"],
        "place2": event["place2"],
        "day": event["day"],
    }
    lines = [
        rng.choice(OPENERS).format(verb=rng.choice(VERBS), outcome=rng.choice(OUTCOMES), **values),
        f"{event['quote']}{short} {rng.choice(VERBS)}.",
    ]
    fillers = FILLERS[:]
    rng.shuffle(fillers)
    for filler in fillers[: max(0, paragraphs - 2)]:
        extra = {
            "mood": rng.choice(MOODS),
            "hours": rng.randint(2, 900),
            "years": rng.randint(2, 30),
        }
        sentence = filler.format(**values, **extra)
        if rng.random() < 0.5:
            sentence += f" {full2} was expected to respond {rng.choice(DAYS).lower()}."
        lines.append(sentence)
    return lines


def generate(
    events: int = 20, copies: int = 3, reports: int = 2, seed: int = 7, paragraphs: int = 10
) -> list[Doc]:
    rng = random.Random(seed)
    docs: list[Doc] = []
    for e in range(events):
        people = rng.sample(PEOPLE, 2)
        topic = rng.choice(TOPICS)
        event: dict[str, object] = {
            "people": people,
            "topic": topic,
            "place": rng.choice(PLACES),
            "place2": rng.choice(PLACES),
            "day": rng.choice(DAYS),
            "quote": _quote(rng, topic),
        }
        agency = rng.choice(AGENCIES)
        body = _write(rng, event, paragraphs)
        dateline = f"{str(event['place']).upper()} {agency} — "
        story = f"event{e}-wire"
        headline = f"{people[0][2]} on {topic}"
        docs.append(
            Doc(
                f"e{e}-agency",
                story,
                headline,
                OUTLETS[0].format(n=f"e{e}"),
                "\n".join([dateline + body[0], *body[1:]]),
                "agency",
            )
        )
        for c in range(copies):
            lines = body[:]
            cut = rng.randint(0, max(0, len(lines) // 3))  # the ending trimmed
            if cut:
                lines = lines[:-cut]
            if rng.random() < 0.5 and len(lines) > 3:  # one sentence edited
                i = rng.randrange(2, len(lines))
                lines[i] = lines[i].replace(" the ", " a ", 1) + " (Updated.)"
            line0 = rng.choice(
                [
                    f"{str(event['place']).title()}, {event['day']} {agency}. ",
                    f"By {agency.strip('()')} staff. ",
                    "",
                ]
            )
            title = rng.choice(
                [
                    f"{topic.capitalize()}: {people[0][2]} speaks",
                    f"{people[0][0]} weighs in",
                    f"What {people[0][2]} said about {topic}",
                ]
            )
            url = OUTLETS[1 + c % (len(OUTLETS) - 1)].format(n=f"e{e}-c{c}")
            host = url.split("/")[2]
            lines.append(f"{host} staff contributed to this report (copy {c + 1}).")
            docs.append(
                Doc(
                    f"e{e}-copy{c}",
                    story,
                    title,
                    url,
                    "\n".join([line0 + lines[0], *lines[1:]]),
                    "copy",
                )
            )
        for r in range(reports):
            own = _write(random.Random(rng.random()), event, paragraphs)
            url = OUTLETS[(r + 2) % len(OUTLETS)].format(n=f"e{e}-r{r}")
            docs.append(
                Doc(
                    f"e{e}-report{r}",
                    f"event{e}-report{r}",
                    headline,
                    url,
                    "\n".join(own),
                    "report",
                )
            )
    return docs


def pairs(labels: dict[str, str]) -> set[tuple[str, str]]:
    """Every unordered pair of names with the same label."""
    by: dict[str, list[str]] = {}
    for name, label in labels.items():
        by.setdefault(label, []).append(name)
    out: set[tuple[str, str]] = set()
    for names in by.values():
        names.sort()
        out.update((a, b) for i, a in enumerate(names) for b in names[i + 1 :])
    return out
