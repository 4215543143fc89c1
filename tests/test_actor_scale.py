"""Actor resolution at scale: the indexed lookups keep the old rules, and bounded work.

`ScanResolver` below is the rule set as it was written before migration 0008: every actor
and alias name loaded and scanned for the transliteration and surname steps. The indexed
`ActorResolver` must give the same actor for every mention of a generated long-tail corpus,
and its work for one article (SQL statements, SQLite VM instructions) must not grow with the
number of actors already stored, where the scan's does.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session

from stancetrack.actors import loose_key, name_key, surname_key
from stancetrack.db import Database
from stancetrack.db.engine import alembic_config, normalize_url
from stancetrack.db.models import Actor, ActorAlias, Article
from stancetrack.db.repository.actors import (
    ActorResolver,
    ActorRow,
    _row_of,
    add_user_alias,
    find_actor,
    find_actors_by_key,
    rename_actor,
)

FIRST = [
    "Mark", "Anna", "Boris", "Maria", "Sergei", "Olga", "John", "Laura", "Pekka", "Mette",
    "Ivan", "Katarzyna", "Ahmet", "Elif", "Jens", "Sanna", "Viktor", "Ursula", "Dmitry", "Ned",
]  # fmt: skip
LAST = [
    "Johnson", "Smith", "Virtanen", "Nowak", "Yilmaz", "Petrov", "Kovalenko", "Zelenskyy",
    "Andersson", "Korhonen", "Schmidt", "Novak", "Ivanov", "Shevchenko", "Kaya", "Lindqvist",
    "Horvath", "Mueller", "Popescu", "Jensen", "Tkachenko", "Dubois", "Rossi", "Garcia",
]  # fmt: skip
TITLES = ["President", "Foreign Minister", "Senator", "analyst", "Professor", "Dr."]
INSTITUTIONS = ["Foreign Ministry", "government", "Defence Ministry", "parliament"]
COUNTRIES = ["Finnish", "Russian", "Turkish", "Hungarian", "Polish", "Swedish"]


def _variant(name: str) -> str:
    """A transliteration variant the loose key forgives ('Sergei' -> 'Sergey', 'yy' -> 'iy')."""
    for old, new in (("ei", "ey"), ("yy", "iy"), ("ko", "kko"), ("w", "v")):
        if old in name:
            return name.replace(old, new, 1)
    return name


@dataclass(frozen=True)
class Mention:
    actor: str
    speaker: str
    actor_type: str


@dataclass(frozen=True)
class GenArticle:
    text: str
    mentions: tuple[Mention, ...]


def long_tail(n_articles: int, seed: int = 7) -> Iterator[GenArticle]:
    """Articles quoting a Zipf-like population: a few people often, most once or twice.

    Mentions come in the forms models give: full names, titled names, bare surnames (with
    and without the full name in the text), transliteration variants, pronouns with a
    speaker, institutions.
    """
    rng = random.Random(seed)
    people: list[str] = []
    for _ in range(n_articles):
        mentions: list[Mention] = []
        sentences: list[str] = []
        for _ in range(rng.randint(2, 5)):
            if not people or rng.random() < 0.45:
                people.append(f"{rng.choice(FIRST)} {rng.choice(LAST)}")
                person = people[-1]
            else:
                rank = min(int(rng.paretovariate(1.0)) - 1, len(people) - 1)
                person = people[rank] if rng.random() < 0.6 else rng.choice(people)
            first, last = person.split(" ", 1)
            form = rng.random()
            if form < 0.1:
                org = f"{rng.choice(COUNTRIES)} {rng.choice(INSTITUTIONS)}"
                mentions.append(Mention(org, org, "government"))
                sentences.append(f"The {org} said it was a matter for Helsinki.")
                continue
            if form < 0.35:
                mention = Mention(person, f"{rng.choice(TITLES)} {person}", "person")
            elif form < 0.55:
                mention = Mention(last, last, "person")
            elif form < 0.65:
                mention = Mention(_variant(person), _variant(last), "person")
            elif form < 0.75:
                mention = Mention("he", person, "person")
            else:
                mention = Mention(person, person, "person")
            mentions.append(mention)
            if rng.random() < 0.7:
                sentences.append(f"{rng.choice(TITLES).title()} {first} {last} spoke on Monday.")
            sentences.append(f"{last} said the alliance should act.")
        yield GenArticle(" ".join(sentences), tuple(mentions))


class ScanResolver(ActorResolver):
    """The rules before migration 0008: exact keys queried, the rest by scanning every name."""

    def _scan(self) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
        loose: dict[str, set[int]] = defaultdict(set)
        surnames: dict[str, set[int]] = defaultdict(set)
        rows = list(self.session.execute(select(Actor.id, Actor.key)))
        rows += list(self.session.execute(select(ActorAlias.actor_id, ActorAlias.key)))
        for actor_id, key in rows:
            loose[loose_key(key)].add(actor_id)
            words = key.split()
            if len(words) >= 2:
                surnames[loose_key(words[-1])].add(actor_id)
        return loose, surnames

    def _match(self, key: str, name: str) -> ActorRow | None:
        user = self._user_alias(key)
        if user is not None:
            return user
        exact = find_actors_by_key(self.session, key)
        if len(exact) == 1:
            return _row_of(exact[0])
        if len(exact) > 1:
            for actor in exact:
                if actor.name == name:
                    return _row_of(actor)
            owners = [a for a in exact if a.key == key]
            if len(owners) == 1 and len(key.split()) > 1:
                return _row_of(owners[0])
            named = self.session.scalar(select(Actor).where(Actor.name == name))
            return _row_of(named) if named is not None else None
        loose, surnames = self._scan()
        loose_ids = loose.get(loose_key(key), set())
        if len(loose_ids) == 1:
            return self._row(next(iter(loose_ids)))
        words = key.split()
        if len(words) == 1 and not loose_ids:
            same = surnames.get(loose_key(words[0]), set())
            if len(same) == 1:
                return self._row(next(iter(same)))
        return None


def _store_article(session: Session, text_: str, n: int) -> int:
    article = Article(
        sha256=f"{n:064x}",
        title=f"t{n}",
        url=None,
        published=None,
        source=f"s{n}",
        format="seed",
        text=text_,
        chars=len(text_),
    )
    session.add(article)
    session.flush()
    return article.id


def _resolve_corpus(db: Database, resolver: type[ActorResolver], n: int) -> list[str]:
    """Every mention's actor name, article by article (one transaction each, as extract)."""
    names: list[str] = []
    for index, article in enumerate(long_tail(n)):
        with db.session() as session:
            if index == n // 2:  # a user's fix half-way: it wins from then on
                add_user_alias(session, find_actor(session, "Smith"), "the Smith family")
            article_id = _store_article(session, article.text, index)
            r = resolver(session, article_id)
            for m in article.mentions:
                names.append(r.resolve(m.actor, m.speaker, m.actor_type).name)
            if index == n // 2:
                names.append(r.resolve("The Smith family", "", "group").name)
    return names


def _registry(db: Database) -> set[tuple[str, str, frozenset[tuple[str, str]]]]:
    with db.session() as session:
        return {
            (a.name, a.key, frozenset((x.key, x.origin) for x in a.aliases))
            for a in session.scalars(select(Actor))
        }


def test_indexed_resolution_equals_the_scan_on_a_long_tail(tmp_path: Path) -> None:
    indexed = Database(f"sqlite:///{tmp_path}/indexed.db")
    scanned = Database(f"sqlite:///{tmp_path}/scanned.db")
    try:
        got = _resolve_corpus(indexed, ActorResolver, 400)
        want = _resolve_corpus(scanned, ScanResolver, 400)
        assert got == want
        assert _registry(indexed) == _registry(scanned)
        # The corpus exercises every step: merges across articles, homonyms kept apart
        # ("Mark Johnson (2)" is never made: distinct full names stay distinct actors).
        assert len(set(got)) < len(got) / 2
        assert not any(name.endswith(")") for name in got)
        johnsons = {name for name in got if name.endswith("Johnson")}
        assert len(johnsons) > 5
    finally:
        indexed.dispose()
        scanned.dispose()


def test_match_keys_follow_the_key(database: Database) -> None:
    """Renaming an actor moves its indexed keys with it: a variant of the new name finds it."""
    with database.session() as session:
        actor = ActorResolver(session).resolve("Sergei Lavrov", "Lavrov", "person")
        assert (actor.loose_key, actor.surname_key) == ("sergey lavrov", "lavrov")
        rename_actor(session, actor, "Sergey Viktorovich Lavrov")
        session.flush()
        stored = session.execute(
            select(Actor.loose_key, Actor.surname_key).where(Actor.id == actor.id)
        ).one()
        assert tuple(stored) == ("sergey viktorovich lavrov", "lavrov")
        again = ActorResolver(session).resolve("Sergei Viktorovich Lavrov", "", "person")
        assert again.id == actor.id


# -- bounded work per article ------------------------------------------------------------


def _fill_registry(db: Database, size: int) -> None:
    """Grow the registry to `size` actors of a long tail, named as extraction stores them
    (full name and surname alias)."""
    rng = random.Random(size)
    with db.session() as session:
        stored = len(session.scalars(select(Actor.id)).all())
        for i in range(stored, size):
            # Every tenth a Johnson (a surname many share), a third unique, the rest common.
            last = "Johnson" if i % 10 == 1 else rng.choice(LAST) if i % 3 else f"Last{i}"
            name = f"{rng.choice(FIRST)}{i} {last}"
            actor = Actor(name=name, key=name_key(name), actor_type="person")
            actor.aliases.append(ActorAlias(alias=name, key=name_key(name), origin="model"))
            actor.aliases.append(ActorAlias(alias=last, key=name_key(last), origin="model"))
            session.add(actor)


PROBE = GenArticle(
    "Foreign Minister Pekka Haavisto spoke. Haavisto said so. Johnson said more. "
    "Analyst Olga Newname said it too.",
    (
        Mention("Pekka Haavisto", "Foreign Minister Pekka Haavisto", "person"),
        Mention("Haavisto", "Haavisto", "person"),
        Mention("Johnson", "Johnson", "person"),  # shared by many stored actors
        Mention("Olga Newname", "Analyst Olga Newname", "person"),
        Mention("he", "Newname", "person"),
        Mention("Finnish government", "Finnish government", "government"),
        Mention("Sanna Marin", "Sanna Marin", "person"),
    ),
)


@dataclass
class Work:
    statements: int = 0
    vm_steps: int = 0


@contextmanager
def counting(engine: Engine, session: Session) -> Iterator[Work]:
    """SQL statements sent, and (SQLite) VM instructions run, inside the block."""
    work = Work()

    def on_execute(*_args: object) -> None:
        work.statements += 1

    def on_progress() -> int:
        work.vm_steps += 1
        return 0

    raw = session.connection().connection.dbapi_connection
    sqlite = engine.dialect.name == "sqlite"
    event.listen(engine, "before_cursor_execute", on_execute)
    if sqlite:
        raw.set_progress_handler(on_progress, 1)  # type: ignore[union-attr]
    try:
        yield work
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        if sqlite:
            raw.set_progress_handler(None, 1)  # type: ignore[union-attr]


def _probe_work(db: Database, resolver: type[ActorResolver], registry: int) -> Work:
    _fill_registry(db, registry)
    with db.session() as session:
        article_id = _store_article(session, PROBE.text, 10**6)
        session.flush()
        with counting(db.engine, session) as work:
            r = resolver(session, article_id)
            for m in PROBE.mentions:
                r.resolve(m.actor, m.speaker, m.actor_type)
        session.rollback()
    return work


def test_work_per_article_does_not_grow_with_the_registry(db_url: str, tmp_path: Path) -> None:
    small, large = Database(db_url), Database(f"sqlite:///{tmp_path}/large.db")
    if not db_url.startswith("sqlite"):
        large.dispose()
        large = Database(db_url)  # a fresh schema per test: grow the same database
    try:
        few = _probe_work(small, ActorResolver, 100)
        many = _probe_work(large, ActorResolver, 3_000)
        assert many.statements == few.statements
        if small.engine.dialect.name == "sqlite":
            assert many.vm_steps <= few.vm_steps * 1.25, (few, many)
    finally:
        small.dispose()
        large.dispose()


def test_the_work_measure_sees_a_registry_scan(tmp_path: Path) -> None:
    """Guard for the guard: the old full scan shows as growing work per article."""
    small = Database(f"sqlite:///{tmp_path}/small.db")
    large = Database(f"sqlite:///{tmp_path}/large.db")
    try:
        few = _probe_work(small, ScanResolver, 100)
        many = _probe_work(large, ScanResolver, 3_000)
        assert many.vm_steps > few.vm_steps * 5, (few, many)
    finally:
        small.dispose()
        large.dispose()


# -- migration 0008 ----------------------------------------------------------------------


def test_migration_backfills_the_match_keys(db_url: str) -> None:
    engine = create_engine(normalize_url(db_url))
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
            conn.execute(
                text(
                    "INSERT INTO actors (id, name, key, actor_type, created_at) VALUES "
                    "(1, 'Volodymyr Zelenskyy', 'volodymyr zelenskyy', 'person', '2026-01-01'),"
                    "(2, 'NATO', 'nato', 'organization', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO actor_aliases (actor_id, alias, key, origin) VALUES "
                    "(1, 'Zelenskiy', 'zelenskiy', 'model'),"
                    "(1, 'Volodymyr Zelenskiy', 'volodymyr zelenskiy', 'user')"
                )
            )
            command.upgrade(cfg, "head")
            actors = conn.execute(
                text("SELECT key, loose_key, surname_key FROM actors ORDER BY id")
            ).all()
            aliases = conn.execute(
                text("SELECT key, loose_key, surname_key FROM actor_aliases ORDER BY id")
            ).all()
        for key, loose, surname in [*actors, *aliases]:
            assert (loose, surname) == (loose_key(key), surname_key(key))
        assert [tuple(r) for r in actors] == [
            ("volodymyr zelenskyy", "volodymyr zelensky", "zelensky"),
            ("nato", "nato", None),
        ]
    finally:
        engine.dispose()
