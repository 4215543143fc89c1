"""The `stancetrack` command: Typer app, shared error handling, exit codes.

Commands live in sibling modules and register themselves on `app`. Domain errors become
one line on stderr here, at the edge; `--debug` (or STANCETRACK_DEBUG=1) shows tracebacks.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from stancetrack import __version__
from stancetrack.cli.render import err
from stancetrack.errors import StancetrackError

app = typer.Typer(
    name="stancetrack",
    help="Track claims, speakers and stances on NATO expansion in news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stancetrack {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Track claims, speakers and stances on NATO expansion in news articles."""


def _debug_requested(argv: list[str]) -> bool:
    env = os.environ.get("STANCETRACK_DEBUG", "").strip().lower()
    return "--debug" in argv or env in {"1", "true", "yes", "on"}


def _register_commands() -> None:
    # Imported for their side effect of adding commands to `app`.
    from stancetrack.cli import commands_articles, commands_extract  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(args)
    _register_commands()
    try:
        app(args=args, prog_name="stancetrack", standalone_mode=True)
    except SystemExit as exc:  # Typer/click exit: usage errors (2), typer.Exit(n), --help
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except StancetrackError as exc:
        if debug:
            raise
        err.print(f"[red]error:[/red] {_escape(str(exc))}", markup=True, highlight=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:
        if debug:
            raise
        text = str(exc).strip()
        detail = f": {text.splitlines()[0]}" if text else ""
        err.print(
            f"[red]error:[/red] unexpected {type(exc).__name__}{_escape(detail)}"
            " (run with --debug for the traceback)",
            markup=True,
        )
        return 1
    return 0


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def run() -> None:
    sys.exit(main())
