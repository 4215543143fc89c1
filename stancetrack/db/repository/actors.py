"""Actors and aliases: find the canonical actor for a mention, or create it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stancetrack.actors import is_pronoun, name_key
from stancetrack.db.models import Actor, ActorAlias


def find_actors_by_key(session: Session, key: str) -> list[Actor]:
    """Actors whose canonical key or any alias key equals `key`; user fixes first."""
    stmt = (
        select(Actor)
        .join(ActorAlias, ActorAlias.actor_id == Actor.id)
        .where(ActorAlias.key == key)
        .order_by((ActorAlias.origin == "user").desc(), Actor.id)
    )
    found = list(dict.fromkeys(session.scalars(stmt)))
    if not found:
        found = list(session.scalars(select(Actor).where(Actor.key == key).order_by(Actor.id)))
    return found


def add_alias(session: Session, actor: Actor, alias: str, origin: str = "model") -> None:
    key = name_key(alias)
    if not key or is_pronoun(alias):
        return
    exists = session.scalar(
        select(ActorAlias.id).where(ActorAlias.actor_id == actor.id, ActorAlias.key == key)
    )
    if exists is None:
        session.add(ActorAlias(actor=actor, alias=alias.strip(), key=key, origin=origin))
        session.flush()


def resolve_actor(session: Session, name: str, speaker: str, actor_type: str) -> Actor:
    """The actor for a claim's canonical `name`, recording `speaker` as an alias."""
    name = " ".join(name.split()) or " ".join(speaker.split()) or "unknown"
    key = name_key(name)
    matches = find_actors_by_key(session, key)
    actor = matches[0] if matches else None
    if actor is None:
        actor = session.scalar(select(Actor).where(Actor.name == name))
    if actor is None:
        actor = Actor(name=name, key=key, actor_type=actor_type or "unknown")
        session.add(actor)
        session.flush()
    elif actor.actor_type == "unknown" and actor_type and actor_type != "unknown":
        actor.actor_type = actor_type
    add_alias(session, actor, name)
    if speaker and not is_pronoun(speaker):
        add_alias(session, actor, speaker)
    return actor
