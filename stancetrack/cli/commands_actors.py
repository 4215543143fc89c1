"""`stancetrack actors`: the registry, and the fixes users make to it.

`actors` lists; `actors merge`, `actors alias add|remove` and `actors rename` store fixes as
user aliases, which later extractions follow before any automatic matching.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stancetrack.cli.app import app
from stancetrack.cli.context import db_session, query_target
from stancetrack.cli.options import DbOption, DebugOption, FormatOption, TargetOption
from stancetrack.cli.render import emit, stderr
from stancetrack.cli.selection import ActorArgument
from stancetrack.errors import NotFoundError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from stancetrack.db.models import Actor

actors_app = typer.Typer(
    help="List actors with aliases, counts and overall stance; merge, rename, alias them.",
    invoke_without_command=True,
    no_args_is_help=False,
)
alias_app = typer.Typer(help="Add or remove an actor's aliases.", no_args_is_help=True)
actors_app.add_typer(alias_app, name="alias")
app.add_typer(actors_app, name="actors")


def list_actors_json(db: str | None, target: str | None = None) -> list[dict[str, Any]]:
    """Every actor with aliases, and its counts toward one target (default: configured)."""
    from stancetrack.analysis.answers import actors_answer

    with db_session(db) as session:
        return actors_answer(session, target=query_target(session, target)).items


@actors_app.callback()
def actors_command(
    ctx: typer.Context,
    target: TargetOption = None,
    db: DbOption = None,
    format: FormatOption = None,
    debug: DebugOption = False,
) -> None:
    """List actors with aliases, claim and article counts and overall stance (one target)."""
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is not None:
        return
    emit(
        list_actors_json(db, target),
        format,
        [
            ("actor", "actor"),
            ("type", "type"),
            ("aliases", "aliases"),
            ("claims", "claims"),
            ("articles", "articles"),
            ("stance", "stance"),
        ],
        title="Actors",
        empty="no actors yet: extract some articles first",
    )


@contextmanager
def _actor(ctx: typer.Context, db: str | None, name: str) -> Iterator[tuple[Session, Actor]]:
    """The actor NAME in a transaction; `--db` may also be given before the subcommand."""
    from stancetrack.db.repository.actors import find_actor

    parent = ctx.find_object(dict)
    with db_session(db or (parent or {}).get("db")) as session:
        yield session, find_actor(session, name)


@actors_app.command("merge")
def merge_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="The actor to fold away (NAME).")],
    target: Annotated[str, typer.Argument(metavar="TARGET", help="The actor that stays (NAME).")],
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Merge SOURCE into TARGET: claims move, SOURCE's names become TARGET's aliases.

    Example: stancetrack actors merge "Stoltenberg" "Jens Stoltenberg"
    """
    from stancetrack.db.repository.actors import find_actor, merge_actors

    with _actor(ctx, db, source) as (session, src):
        dst = find_actor(session, target)
        src_name, dst_name = src.name, dst.name
        moved = merge_actors(session, src, dst)
    stderr().print(f"merged {src_name!r} into {dst_name!r}: {moved} claim(s) moved")


@actors_app.command("rename")
def rename_command(
    ctx: typer.Context,
    old: ActorArgument,
    new: Annotated[str, typer.Argument(metavar="NEW", help="Its new canonical name.")],
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Give an actor a new canonical name; the old name stays as an alias."""
    from stancetrack.db.repository.actors import rename_actor

    with _actor(ctx, db, old) as (session, actor):
        before = actor.name
        rename_actor(session, actor, new)
    stderr().print(f"renamed {before!r} to {new!r}")


@alias_app.command("add")
def alias_add_command(
    ctx: typer.Context,
    actor: ActorArgument,
    alias: Annotated[str, typer.Argument(metavar="ALIAS", help="Another name it goes by.")],
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Teach the registry another name for an actor (later extractions use it)."""
    from stancetrack.db.repository.actors import add_user_alias

    with _actor(ctx, db, actor) as (session, found):
        add_user_alias(session, found, alias)
        name = found.name
    stderr().print(f"{alias!r} now means {name!r}")


@alias_app.command("remove")
def alias_remove_command(
    ctx: typer.Context,
    actor: ActorArgument,
    alias: Annotated[str, typer.Argument(metavar="ALIAS", help="The alias to forget.")],
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Forget one of an actor's aliases."""
    from stancetrack.db.repository.actors import remove_alias

    with _actor(ctx, db, actor) as (session, found):
        removed = remove_alias(session, found, alias)
        name = found.name
    if not removed:
        raise NotFoundError(f"{name!r} has no alias {alias!r}")
    stderr().print(f"removed alias {alias!r} from {name!r}")
