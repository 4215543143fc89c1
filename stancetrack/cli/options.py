"""Options every command shares, as `Annotated` types (one definition, one help text)."""

from __future__ import annotations

from typing import Annotated

import typer

from stancetrack.cli.render import Format

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="STANCETRACK_DATABASE_URL",
        help="Database URL (default: sqlite:///stancetrack.db in the current directory).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: table on a terminal, json when piped).",
        show_default=False,
    ),
]
DebugOption = Annotated[
    bool,
    typer.Option(
        "--debug", envvar="STANCETRACK_DEBUG", help="Show tracebacks on errors.", hidden=False
    ),
]
