"""The actor registry: resolve mentions to canonical actors, and apply users' fixes.

Resolution order for one mention (see `ActorResolver.resolve`):

1. a bare surname becomes the full name the same article gives for it ("Johnson" in an
   article naming "Mark Johnson" is Mark Johnson);
2. a user's alias (origin "user": from `actors merge/alias/rename`) wins over everything;
3. the same strict key as an actor's name or alias;
4. the same key up to transliteration, when exactly one actor has it;
5. a bare surname matching exactly one actor's surname across the registry;
6. otherwise a new actor. Ambiguous matches never merge: two Johnsons stay apart.
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

from sqlalchemy import String, Table, bindparam, delete, func, insert, select, union, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.selectable import CompoundSelect

from stancetrack.actors import (
    closest,
    full_names_in,
    is_pronoun,
    is_variant_of,
    loose_key,
    name_key,
    name_parts,
    surname_key,
)
from stancetrack.db.limits import check
from stancetrack.db.models import Actor, ActorAlias, Article, Claim, utcnow
from stancetrack.errors import AmbiguousError, NotFoundError, UsageError

USER = "user"
MODEL = "model"
# The longest name an actor or alias can have (the columns' width): a longer NAME matches
# nothing, and is never made into a LIKE pattern (SQLite refuses patterns over 50,000 bytes).
NAME_MAX: int = cast(String, cast(Table, Actor.__table__).c.name.type).length or 300


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def find_actors_by_key(session: Session, key: str) -> list[Actor]:
    """Actors whose canonical key or any alias key equals `key`; user fixes first."""
    stmt = (
        select(Actor, ActorAlias.origin)
        .join(ActorAlias, ActorAlias.actor_id == Actor.id)
        .where(ActorAlias.key == key)
        .order_by((ActorAlias.origin == USER).desc(), Actor.id)
    )
    found = list(dict.fromkeys(actor for actor, _origin in session.execute(stmt)))
    for actor in session.scalars(select(Actor).where(Actor.key == key).order_by(Actor.id)):
        if actor not in found:
            found.append(actor)
    return found


def add_alias(session: Session, actor: Actor, alias: str, origin: str = MODEL) -> None:
    """Record `alias` for `actor` (a user alias upgrades an existing model alias)."""
    alias = _clean(alias)
    key = name_key(alias)
    if not key or is_pronoun(alias):
        return
    existing = session.scalar(
        select(ActorAlias).where(ActorAlias.actor_id == actor.id, ActorAlias.key == key)
    )
    if existing is None:
        session.add(ActorAlias(actor_id=actor.id, alias=alias, key=key, origin=origin))
        session.flush()
    elif origin == USER and existing.origin != USER:
        existing.origin = USER


# Up to two distinct actors whose actor row or an alias has a given match key: "exactly one"
# is all resolution asks, so a common name costs two index rows, not all its bearers.
# Built once (bound parameter `value`), per key kind.
def _ids_statement(
    actor_column: InstrumentedAttribute[Any], alias_column: InstrumentedAttribute[Any]
) -> CompoundSelect[tuple[int]]:
    value = bindparam("value", type_=String())
    by_actor = select(Actor.id.label("actor_id")).where(actor_column == value).limit(2)
    by_alias = select(ActorAlias.actor_id).where(alias_column == value).distinct().limit(2)
    return union(select(by_actor.subquery()), select(by_alias.subquery()))


_IDS_BY_KEY = _ids_statement(Actor.key, ActorAlias.key)
_IDS_BY_LOOSE_KEY = _ids_statement(Actor.loose_key, ActorAlias.loose_key)
_IDS_BY_SURNAME_KEY = _ids_statement(Actor.surname_key, ActorAlias.surname_key)

_ACTORS = cast(Table, Actor.__table__)
_ALIASES = cast(Table, ActorAlias.__table__)
# The rest of resolution's statements, also built once: constructing them per mention cost
# more than running them (BENCHMARKS.md, corpus scale).
_USER_ALIAS_ID = (
    select(ActorAlias.actor_id)
    .where(ActorAlias.key == bindparam("value", type_=String()), ActorAlias.origin == USER)
    .order_by(ActorAlias.id.desc())
    .limit(1)
)
_ROW_BY_ID = select(Actor.id, Actor.name, Actor.key, Actor.actor_type).where(
    Actor.id == bindparam("id")
)
_NAME_TAKEN = select(Actor.id).where(Actor.name == bindparam("name", type_=String())).limit(1)
_ALIAS_KEYS_OF = select(ActorAlias.key).where(
    ActorAlias.actor_id == bindparam("actor"),
    ActorAlias.key.in_(bindparam("keys", expanding=True)),
)
_INSERT_ACTOR = insert(_ACTORS).returning(_ACTORS.c.id)
_INSERT_ALIASES = insert(_ALIASES)
_SET_TYPE = (
    update(_ACTORS)
    .where(_ACTORS.c.id == bindparam("actor_id"), _ACTORS.c.actor_type == "unknown")
    .values(actor_type=bindparam("new_type"))
)


class ActorRow(NamedTuple):
    """What resolution needs of an actor (a row, not an ORM object: the hot path)."""

    id: int
    name: str
    key: str
    actor_type: str


def _row_of(actor: Actor) -> ActorRow:
    return ActorRow(actor.id, actor.name, actor.key, actor.actor_type)


class ActorResolver:
    """Resolves the mentions of one article (or of none) to canonical actors.

    Create one per article and call `resolve` per claim. Every step is an indexed lookup of
    the mention's keys (strict, loose, surname: see stancetrack.actors), so the work per
    claim does not grow with the registry (docs/ARCHITECTURE.md, actor resolution).
    """

    def __init__(
        self, session: Session, article_id: int | None = None, text: str | None = None
    ) -> None:
        self.session = session
        self.article_id = article_id
        # The article's text when the caller has it (the writer does): saves reading it.
        self._text: str | None = text

    # -- context -------------------------------------------------------------------------

    def _article_text(self) -> str:
        if self._text is None:
            text = None
            if self.article_id is not None:
                text = self.session.scalar(
                    select(Article.text).where(Article.id == self.article_id)
                )
            self._text = text or ""
        return self._text

    def _ids(self, statement: CompoundSelect[tuple[int]], value: str | None) -> list[int]:
        """At most two distinct actor ids with this match key (see `_ids_statement`)."""
        if not value:
            return []
        return sorted(set(self.session.scalars(statement, {"value": value})))

    # -- resolution ----------------------------------------------------------------------

    def resolve(self, name: str, speaker: str = "", actor_type: str = "unknown") -> Actor:
        """The canonical actor for a claim's `name` (the model's), recording name variants."""
        actor_id = self.resolve_id(name, speaker, actor_type)
        found = self.session.get(Actor, actor_id, populate_existing=True)
        assert found is not None  # just found or inserted in this transaction
        return found

    def resolve_id(self, name: str, speaker: str = "", actor_type: str = "unknown") -> int:
        """`resolve`, answering the actor's id: the one rule path, in Core statements."""
        speaker = _clean(speaker)
        name = _clean(name)
        if not name or is_pronoun(name):
            name = speaker if speaker and not is_pronoun(speaker) else "unknown"
        key = name_key(name)
        given = name

        if len(key.split()) == 1 and self._article_text():
            full = full_names_in(self._article_text(), key)
            if len(full) == 1:
                key, name = next(iter(full.items()))

        actor_type = actor_type or "unknown"
        found = self._match(key, name)
        created = found is None
        if found is None:
            found = self._create(self._free_name(name), key, actor_type)
        elif found.actor_type == "unknown" and actor_type != "unknown":
            self.session.execute(_SET_TYPE, {"actor_id": found.id, "new_type": actor_type})

        aliases = [
            alias
            for alias in (name, given)
            if alias == found.name or is_variant_of(name_key(alias), found.key)
        ]
        aliases += [
            part
            for part in name_parts(speaker)
            if not is_pronoun(part) and is_variant_of(name_key(part), found.key)
        ]
        self._add_aliases(found.id, aliases, created=created)
        return found.id

    def _row(self, actor_id: int) -> ActorRow:
        row = self.session.execute(_ROW_BY_ID, {"id": actor_id}).one()
        return ActorRow(*row)

    def _create(self, name: str, key: str, actor_type: str) -> ActorRow:
        values = {
            "name": name,
            "key": key,
            "loose_key": loose_key(key),
            "surname_key": surname_key(key),
            "actor_type": actor_type,
            "created_at": utcnow(),
        }
        check(_ACTORS, [values])
        actor_id = self.session.execute(_INSERT_ACTOR, [values]).scalar_one()
        return ActorRow(actor_id, name, key, actor_type)

    def _add_aliases(self, actor_id: int, aliases: list[str], *, created: bool) -> None:
        """Record model aliases (the first name given for a key is kept): one read of what
        exists (none for a just-created actor), one insert."""
        wanted: dict[str, str] = {}
        for alias in aliases:
            alias = _clean(alias)
            key = name_key(alias)
            if key and not is_pronoun(alias):
                wanted.setdefault(key, alias)
        if not wanted:
            return
        if not created:
            existing = self.session.scalars(
                _ALIAS_KEYS_OF, {"actor": actor_id, "keys": list(wanted)}
            )
            for key in existing:
                wanted.pop(key, None)
        rows = [
            {
                "actor_id": actor_id,
                "alias": alias,
                "key": key,
                "loose_key": loose_key(key),
                "surname_key": surname_key(key),
                "origin": MODEL,
            }
            for key, alias in wanted.items()
        ]
        if rows:
            check(_ALIASES, rows)
            self.session.execute(_INSERT_ALIASES, rows)

    def _user_alias(self, key: str) -> ActorRow | None:
        """The actor a user's fix gave this key (the latest), if any: it wins."""
        actor_id = self.session.scalar(_USER_ALIAS_ID, {"value": key})
        return self._row(actor_id) if actor_id is not None else None

    def _match(self, key: str, name: str) -> ActorRow | None:
        user = self._user_alias(key)
        if user is not None:
            return user
        exact = self._ids(_IDS_BY_KEY, key)
        if len(exact) == 1:
            return self._row(exact[0])
        if len(exact) > 1:
            return self._disambiguate(key, name)
        loose = self._ids(_IDS_BY_LOOSE_KEY, loose_key(key))
        if len(loose) == 1:
            return self._row(loose[0])
        words = key.split()
        if len(words) == 1 and not loose:
            same_surname = self._ids(_IDS_BY_SURNAME_KEY, loose_key(words[0]))
            if len(same_surname) == 1:
                return self._row(same_surname[0])
        return None

    def _disambiguate(self, key: str, name: str) -> ActorRow | None:
        """Several actors share this key: only an exact canonical match is safe."""
        named = self.session.scalar(select(Actor).where(Actor.name == name))
        if named is not None and (named.key == key or self._has_alias_key(named, key)):
            return _row_of(named)
        owners = list(self.session.scalars(select(Actor).where(Actor.key == key).limit(2)))
        if len(owners) == 1 and len(key.split()) > 1:
            return _row_of(owners[0])
        # e.g. a bare "Johnson" that two people answer to: keep it apart.
        return _row_of(named) if named is not None else None

    def _has_alias_key(self, actor: Actor, key: str) -> bool:
        found = self.session.scalar(
            select(ActorAlias.id).where(ActorAlias.actor_id == actor.id, ActorAlias.key == key)
        )
        return found is not None

    def _free_name(self, name: str) -> str:
        """`name`, or `name (2)`... if another actor already has that display name."""
        candidate, n = name, 1
        while self.session.scalar(_NAME_TAKEN, {"name": candidate}) is not None:
            n += 1
            candidate = f"{name} ({n})"
        return candidate


def resolve_actor(
    session: Session,
    name: str,
    speaker: str,
    actor_type: str,
    article_id: int | None = None,
) -> Actor:
    """The actor for a claim's canonical `name`, recording `speaker` as an alias.

    Pass `article_id` so a bare surname resolves to the full name met in that article; for
    many claims of one article, an `ActorResolver` saves repeated reads.
    """
    return ActorResolver(session, article_id).resolve(name, speaker, actor_type)


# -- lookup by NAME (queries) --------------------------------------------------------------


def all_names(session: Session) -> list[str]:
    names = list(session.scalars(select(Actor.name)))
    names += list(session.scalars(select(ActorAlias.alias)))
    return list(dict.fromkeys(names))


def find_actor(session: Session, name: str) -> Actor:
    """The actor a user's NAME means: canonical name or alias, case/diacritics-insensitive.

    Raises NotFoundError with the closest names on a miss, AmbiguousError when the name
    fits several actors (e.g. a bare surname two people share).
    """
    cleaned = _clean(name)
    if len(cleaned) > NAME_MAX:
        raise NotFoundError(
            f"no actor matches {cleaned[:40]!r}... (names are at most {NAME_MAX} characters)"
        )
    # The exact name first (the unique index; the dashboard's links give it), then the name
    # in any case (a scan of the names: only for names typed by hand).
    exact = session.scalar(select(Actor).where(Actor.name == cleaned))
    if exact is None:
        exact = session.scalar(select(Actor).where(func.lower(Actor.name) == cleaned.lower()))
    if exact is not None:
        return exact
    key = name_key(cleaned) if cleaned else ""
    matches = find_actors_by_key(session, key) if key else []
    if not matches and key:
        matches = _actors_with_surname(session, key)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        listed = ", ".join(a.name for a in matches[:6])
        raise AmbiguousError(f"actor {cleaned!r} matches several actors: {listed}; be specific")
    hints = closest(cleaned, all_names(session))
    if hints:
        raise NotFoundError(f"no actor matches {cleaned!r}; closest: {', '.join(hints)}")
    raise NotFoundError(
        f"no actor matches {cleaned!r}, and no name is close to it; list the actors with "
        "`stancetrack actors` (or GET /api/actors)"
    )


def _actors_with_surname(session: Session, key: str) -> list[Actor]:
    """Actors whose name or an alias ends with `key` as whole words ('peskov', 'tayyip erdogan')."""
    pattern = "% " + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    by_name = select(Actor.id).where(Actor.key.like(pattern, escape="\\"))
    by_alias = select(ActorAlias.actor_id).where(ActorAlias.key.like(pattern, escape="\\"))
    stmt = select(Actor).where(Actor.id.in_(by_name.union(by_alias))).order_by(Actor.id)
    return list(session.scalars(stmt))


def find_actors(session: Session, names: list[str]) -> list[Actor]:
    return list(dict.fromkeys(find_actor(session, n) for n in names))


# -- users' fixes ----------------------------------------------------------------------------


def merge_actors(session: Session, source: Actor, target: Actor) -> int:
    """Fold `source` into `target`: its claims move, its names become user aliases of target.

    Returns the number of claims moved. A claim the target already has at the same span
    (for the same stance target) is dropped rather than duplicated.
    """
    if source.id == target.id:
        raise UsageError(f"cannot merge {source.name!r} into itself")
    span = (Claim.article_id, Claim.target, Claim.start, Claim.end)
    target_spans = {
        tuple(row) for row in session.execute(select(*span).where(Claim.actor_id == target.id))
    }
    duplicate_ids = [
        claim_id
        for claim_id, *where in session.execute(
            select(Claim.id, *span).where(Claim.actor_id == source.id)
        )
        if tuple(where) in target_spans
    ]
    if duplicate_ids:
        session.execute(delete(Claim).where(Claim.id.in_(duplicate_ids)))
    moved = _rowcount(
        session.execute(update(Claim).where(Claim.actor_id == source.id).values(actor_id=target.id))
    )
    names = [source.name] + [a.alias for a in source.aliases]
    if target.actor_type == "unknown":
        target.actor_type = source.actor_type
    session.delete(source)
    session.flush()
    for alias in names:
        add_alias(session, target, alias, origin=USER)
    return moved


def _rowcount(result: object) -> int:
    """Rows an UPDATE/DELETE touched (typed loosely: SQLAlchemy's Result lacks it)."""
    return int(getattr(result, "rowcount", 0) or 0)


def add_user_alias(session: Session, actor: Actor, alias: str) -> None:
    if not name_key(alias) or is_pronoun(alias):
        raise UsageError(f"{alias!r} cannot be an alias (empty or a pronoun)")
    add_alias(session, actor, alias, origin=USER)


def remove_alias(session: Session, actor: Actor, alias: str) -> int:
    """Forget an alias (by its key); later extractions may learn it again unless re-aliased."""
    key = name_key(alias)
    if key == actor.key:
        raise UsageError(f"{alias!r} is {actor.name!r}'s own name: use `actors rename`")
    result = session.execute(
        delete(ActorAlias).where(ActorAlias.actor_id == actor.id, ActorAlias.key == key)
    )
    return _rowcount(result)


def rename_actor(session: Session, actor: Actor, new_name: str) -> None:
    """Give `actor` a new canonical name; the old one stays as a user alias."""
    new_name = _clean(new_name)
    if not new_name:
        raise UsageError("the new name is empty")
    other = session.scalar(
        select(Actor).where(func.lower(Actor.name) == new_name.lower(), Actor.id != actor.id)
    )
    if other is not None:
        raise UsageError(
            f"another actor is already called {other.name!r}: "
            f"use `stancetrack actors merge {actor.name!r} {other.name!r}`"
        )
    old = actor.name
    actor.name = new_name
    actor.key = name_key(new_name)
    session.flush()
    add_alias(session, actor, old, origin=USER)
    add_alias(session, actor, new_name, origin=USER)
