"""The `stancetrack` command: Typer app, shared error handling, exit codes.

Commands live in sibling modules and register themselves on `app`. Domain errors become
one line on stderr here, at the edge; `--debug` (or STANCETRACK_DEBUG=1) shows tracebacks.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Annotated

import typer

from stancetrack import __version__
from stancetrack.cli.render import error_line, stderr
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
    """`--debug` anywhere, or STANCETRACK_DEBUG in the environment or `.env`.

    Asked only once something failed, so a successful run never loads the settings here.
    """
    if "--debug" in argv:
        return True
    from stancetrack.settings import load_settings

    try:
        return load_settings().debug
    except StancetrackError:  # invalid settings: the command itself reports them
        return False


# Command modules add their commands to `app` when imported. Add new modules to this tuple.
COMMAND_MODULES = (
    "articles",
    "extract",
    "runs",
    "claims",
    "actors",
    "analysis",
    "changes",
    "export",
    "eval",
    "check",
    "watch",
    "batches",
    "worker",
    "serve",
)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"stancetrack.cli.commands_{name}")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code.

    0: success; 1: a command failed, or some inputs failed after the rest were processed;
    2: usage or configuration error. Every error is one line on stderr; `--debug` (or
    STANCETRACK_DEBUG=1) prints its traceback above that line.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    _register_commands()
    try:
        result = app(args=args, prog_name="stancetrack", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors and other parse failures
        return _usage_error(exc, args)
    except typer.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):
            # click turns Ctrl-C (before a command's own handler, or after) into Abort:
            # it is still an interruption, exit 130.
            stderr().print("interrupted")
            return 130
        stderr().print("aborted")
        return 1
    except SystemExit as exc:  # e.g. a broken pipe handled inside click
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except StancetrackError as exc:
        if _debug_requested(args):
            traceback.print_exc()
        error_line(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        stderr().print("interrupted")
        return 130
    except Exception as exc:
        debug = _debug_requested(args)
        if debug:
            traceback.print_exc()
        text = str(exc).strip()
        detail = f": {text.splitlines()[0]}" if text else ""
        hint = "" if debug else " (run with --debug for the traceback)"
        error_line(f"unexpected {type(exc).__name__}{detail}{hint}")
        return 1
    return result if isinstance(result, int) else 0


def _usage_error(exc: typer.TyperException, args: list[str]) -> int:
    """Click's usage errors as two lines (the problem, where to get help), not a box."""
    code = int(getattr(exc, "exit_code", 2))
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare `stancetrack`: help already shown
        return code
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        where = ctx.command_path
    else:  # some parse errors carry no context: name the command from the arguments
        commands = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
        command = next((a for a in args if not a.startswith("-")), None)
        where = f"stancetrack {command}" if command in commands else "stancetrack"
    # typer's parameter adapters prefix pydantic's "Value error, "; the rest says it all
    error_line(exc.format_message().replace("Value error, ", "", 1))
    stderr().print(f"Try '{where} --help' for help.", markup=False)
    return code


def run() -> None:
    code = main()
    if code == 130:
        # Interrupted, and everything is already closed: what was answered is committed,
        # the database side has ended. Skip the interpreter's teardown (over a second on a
        # busy machine) so that Ctrl-C is prompt.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
